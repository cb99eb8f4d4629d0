/**
 * The `arena` command line. Each command is one module under commands/ that adds itself to the
 * program, parses its options, calls library code, and prints either a human summary or one JSON
 * object. A user's mistake (an ArenaError, a ConfigError among them) prints one line, not a stack trace.
 *
 * Only the command that runs is loaded: `train` brings tfjs in when its module is imported, `serve`
 * Colyseus, `plot` Vega, and `arena actor` or `arena league status` start without any of them
 * (tests/cli/light-commands.test.ts). Help over all commands, or a word that names none, loads every
 * module, so that the list and commander's "did you mean" see them all.
 */
import { Command, CommanderError } from 'commander';
import { ArenaError } from '../../core/index.ts';

interface CommandModule {
  register(program: Command): void;
}

/** Every command, in the order `arena --help` lists them. */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  games: () => import('./commands/games.ts'),
  agents: () => import('./commands/agents.ts'),
  match: () => import('./commands/match.ts'),
  train: () => import('./commands/train.ts'),
  actor: () => import('./commands/actor.ts'),
  eval: () => import('./commands/eval.ts'),
  plot: () => import('./commands/plot.ts'),
  exploitability: () => import('./commands/exploitability.ts'),
  'policy-table': () => import('./commands/policy-table.ts'),
  'average-policy': () => import('./commands/average-policy.ts'),
  'mix-policy': () => import('./commands/mix-policy.ts'),
  tournament: () => import('./commands/tournament.ts'),
  ladder: () => import('./commands/ladder.ts'),
  curve: () => import('./commands/curve.ts'),
  league: () => import('./commands/league.ts'),
  serve: () => import('./commands/serve.ts'),
  bot: () => import('./commands/bot.ts'),
};

/** The commands these arguments need: the one they name (`arena train …`, `arena help train`), else all. */
function commandsFor(args: readonly string[]): string[] {
  const name = args[0] === 'help' ? args[1] : args[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
}

async function createProgram(args: readonly string[]): Promise<Command> {
  const program = new Command()
    .name('arena')
    .description('Train, evaluate and host game-playing agents: multi-agent RL, league play and game servers.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const modules = await Promise.all(commandsFor(args).map((name) => COMMANDS[name]!()));
  for (const m of modules) m.register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = await createProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ArenaError) {
      console.error(`arena: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv);
