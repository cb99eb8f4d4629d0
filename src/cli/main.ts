/**
 * The `arena` command line. Each subcommand parses its options, calls library code, and prints
 * either a human summary or one JSON object. A user's mistake prints one line, not a stack trace.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createAgent, listAgentKinds } from '../../agents/index.ts';
import { readFile } from 'node:fs/promises';
import { ArenaError, ConfigError, UnknownNameError, type Agent } from '../../core/index.ts';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend.ts';
import { evaluateAgent } from '../eval/evaluate.ts';
import { ALGOS, resolveConfig, type Algo, type TrainConfig } from '../train/config.ts';
import { train } from '../train/trainer.ts';
import { getGame, listGames } from '../../games/index.ts';
import { playSeries } from '../eval/match.ts';
import { createProgress } from './progress.ts';

function intOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const program = new Command()
  .name('arena')
  .description('Train, evaluate and host game-playing agents: multi-agent RL, league play and game servers.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('games')
  .description('list the registered games')
  .option('--json', 'print a JSON array')
  .action((opts: { json?: boolean }) => {
    const rows = listGames().map(({ info }) => ({
      id: info.id,
      name: info.name,
      seats: info.seats,
      teams: info.teams.length,
      teamSeats: info.teams,
      actions: info.actions,
      observationSize: info.observationSize,
      stateSize: info.stateSize,
      dynamics: info.dynamics,
      information: info.information,
      utility: info.utility,
      maxSteps: info.maxSteps,
    }));
    if (opts.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    console.table(
      rows.map((r) => ({
        id: r.id,
        seats: r.seats,
        teams: r.teams,
        actions: r.actions,
        observation: r.observationSize,
        state: r.stateSize,
        moves: r.dynamics,
        information: r.information,
        utility: r.utility,
      })),
    );
  });

program
  .command('agents')
  .description('list the agent kinds usable in --agents specs')
  .action(() => {
    for (const k of listAgentKinds()) console.log(`${k.kind.padEnd(12)} ${k.summary}`);
  });

program
  .command('match')
  .description('play a series between two agents, alternating sides, and report wins, draws and losses')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .requiredOption('--agents <a,b>', 'two agent specs, e.g. alphabeta:4,random')
  .option('--games <n>', 'number of games', intOption('--games', 1), 100)
  .option('--seed <s>', 'seed for the games and the agents', intOption('--seed', 0), 0)
  .option('--json', 'print one JSON object')
  .action(async (opts: { game: string; agents: string; games: number; seed: number; json?: boolean }) => {
    const game = getGame(opts.game);
    const specs = opts.agents.split(',').map((s) => s.trim());
    if (specs.length !== 2 || specs.some((s) => s === '')) {
      throw new ArenaError('BAD_ARGUMENT', `--agents needs exactly two comma-separated specs, got '${opts.agents}'`);
    }
    const agents: [Agent, Agent] = [await createAgent(specs[0]!, game.info, opts.seed * 2 + 1), await createAgent(specs[1]!, game.info, opts.seed * 2 + 2)];
    const progress = opts.json ? undefined : createProgress(`${specs[0]} vs ${specs[1]}`, opts.games, 'games');
    const result = playSeries({
      game,
      agents,
      games: opts.games,
      seed: opts.seed,
      onGame: (done, r) => progress?.update(done, `W${r.wins[0]} D${r.draws} L${r.wins[1]}`),
    });
    progress?.stop();
    for (const a of agents) a.dispose?.();
    if (opts.json) {
      console.log(JSON.stringify({ ...result, agents: specs, seed: opts.seed }));
      return;
    }
    const [lo, hi] = result.scoreInterval;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`${result.game}: ${specs[0]} vs ${specs[1]}, ${result.games} games (sides alternate, seed ${opts.seed})`);
    console.log(`  ${specs[0]}: ${result.wins[0]} wins, ${result.draws} draws, ${result.wins[1]} losses`);
    console.log(`  score ${pct(result.score)} (95% CI ${pct(lo)}–${pct(hi)}; a draw counts half)`);
    console.log(`  mean return per seat: ${result.meanReturn[0].toFixed(3)} vs ${result.meanReturn[1].toFixed(3)}`);
  });

program
  .command('train')
  .description('train a policy (PPO, A2C or REINFORCE) and write checkpoints and metrics to --out')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .option('--algo <name>', `algorithm: ${ALGOS.join('|')}`, 'ppo')
  .option('--steps <n>', 'total environment steps (default: the config default, 100000)', intOption('--steps', 1))
  .option('--envs <k>', 'parallel environments', intOption('--envs', 1))
  .option('--seed <s>', 'seed', intOption('--seed', 0))
  .option('--backend <name>', `tensor backend: ${BACKEND_NAMES.join('|')}`, 'auto')
  .option('--config <file>', 'JSON file with config fields to override the defaults')
  .option('--out <dir>', 'run folder (checkpoints, metrics, config)')
  .option('--resume', 'continue the run in --out from its latest checkpoint')
  .option('--json', 'print a JSON summary at the end')
  .action(async (opts: { game: string; algo: string; steps?: number; envs?: number; seed?: number; backend: string; config?: string; out?: string; resume?: boolean; json?: boolean }) => {
    const game = getGame(opts.game);
    if (!(ALGOS as readonly string[]).includes(opts.algo)) throw new UnknownNameError('algorithm', opts.algo, ALGOS);
    if (!(BACKEND_NAMES as readonly string[]).includes(opts.backend)) throw new UnknownNameError('backend', opts.backend, BACKEND_NAMES);
    const algo = opts.algo as Algo;
    const fileLayer = opts.config ? await readConfigFile(opts.config) : {};
    const flags: Partial<TrainConfig> = {};
    if (opts.steps !== undefined) flags.totalSteps = opts.steps;
    if (opts.envs !== undefined) flags.envs = opts.envs;
    if (opts.seed !== undefined) flags.seed = opts.seed;
    const config = resolveConfig(algo, game.info.id, fileLayer, flags);
    const outDir = opts.out ?? `runs/${game.info.id}-${algo}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await selectBackend(opts.backend as BackendName);
    const progress = createProgress(`train ${algo} ${game.info.id}`, config.totalSteps, 'steps');
    let recent = Number.NaN;
    const summary = await train({
      config,
      outDir,
      resume: opts.resume ?? false,
      onUpdate: (r) => {
        if (r.episodes.length) recent = r.episodes.reduce((a, e) => a + e.return, 0) / r.episodes.length;
        progress.update(Math.min(r.globalStep, config.totalSteps), `return ${Number.isNaN(recent) ? '–' : recent.toFixed(1)}`);
      },
    });
    progress.stop();
    if (opts.json) {
      console.log(JSON.stringify(summary));
      return;
    }
    console.log(
      `done: ${summary.globalStep} steps in ${summary.seconds.toFixed(1)} s (${Math.round(summary.stepsPerSecond)} steps/s), recent mean return ${summary.recentReturn.toFixed(1)}`,
    );
    console.log(`checkpoint: ${summary.outDir}  (evaluate: npx arena eval --agent ${summary.outDir} --game ${config.game.replace(/-v\d+$/, '')})`);
  });

program
  .command('eval')
  .description("evaluate an agent's returns (a checkpoint or a bot spec)")
  .requiredOption('--agent <spec>', 'checkpoint folder or agent spec')
  .requiredOption('--game <id>', 'game id')
  .option('--episodes <n>', 'episodes', intOption('--episodes', 1), 20)
  .option('--seed <s>', 'seed', intOption('--seed', 0), 1000)
  .option('--opponent <spec>', 'agent on the other seats in multi-seat games', 'random')
  .option('--stochastic', 'sample actions instead of taking the most probable one')
  .option('--json', 'print one JSON object')
  .action(async (opts: { agent: string; game: string; episodes: number; seed: number; opponent: string; stochastic?: boolean; json?: boolean }) => {
    const game = getGame(opts.game);
    const agent = await createAgent(opts.agent, game.info, opts.seed, { deterministic: !opts.stochastic });
    const opponent = game.info.seats > 1 ? await createAgent(opts.opponent, game.info, opts.seed + 1) : undefined;
    const progress = opts.json ? undefined : createProgress(`eval ${opts.agent}`, opts.episodes, 'episodes');
    const r = evaluateAgent({ game, agent, episodes: opts.episodes, seed: opts.seed, opponent, onEpisode: (d) => progress?.update(d) });
    progress?.stop();
    agent.dispose?.();
    opponent?.dispose?.();
    if (opts.json) {
      console.log(JSON.stringify({ meanReturn: r.meanReturn, stdReturn: r.stdReturn, episodes: r.episodes, minReturn: r.minReturn, maxReturn: r.maxReturn, game: r.game }));
      return;
    }
    console.log(`${r.game}: ${opts.agent} over ${r.episodes} episodes: mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${r.minReturn}, max ${r.maxReturn})`);
  });

program
  .command('plot')
  .description('render the learning curves of one or more runs to an HTML page and a PNG')
  .argument('<runs...>', 'run folders (several: compared on one chart)')
  .option('--out <path>', 'output path without extension')
  .action(async (runs: string[], opts: { out?: string }) => {
    const { plotRun, plotRuns } = await import('../plot/index.ts');
    const r =
      runs.length === 1
        ? await plotRun(runs[0]!, opts.out ? { out: opts.out } : {})
        : await plotRuns(runs.map((dir) => ({ label: dir.replace(/\/$/, '').split('/').pop()!, dir })), opts.out ?? 'runs/comparison');
    console.log(`wrote ${r.html}`);
    console.log(`wrote ${r.png}`);
  });

async function readConfigFile(path: string): Promise<Partial<TrainConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
    return data as Partial<TrainConfig>;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid: ${(err as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
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
