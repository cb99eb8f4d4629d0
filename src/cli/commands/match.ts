/** `arena match`: a series between two agents, paired games from random openings. */
import type { Command } from 'commander';
import type { OpeningScheme } from '../../eval/openings.ts';
import { createAgent } from '../../../agents/index.ts';
import { ArenaError, type Agent } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { formatSeries, playSeries } from '../../eval/match.ts';
import { intOption, OPENING_PLIES_HELP, OPENINGS_HELP, openingsOption } from '../options.ts';
import { createProgress } from '../progress.ts';

export function register(program: Command): void {
  program
    .command('match')
    .description('play a series between two agents, paired games from random openings with sides alternating, and report wins, draws, losses and distinct games')
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .requiredOption('--agents <a,b>', 'two agent specs, e.g. alphabeta:4,random')
    .option('--games <n>', 'number of games', intOption('--games', 1), 100)
    .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
    .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
    .option('--openings <scheme>', OPENINGS_HELP, openingsOption)
    .option('--json', 'print one JSON object')
    .action(async (opts: { game: string; agents: string; games: number; seed: number; openingPlies?: number; openings?: OpeningScheme; json?: boolean }) => {
      const game = getGame(opts.game);
      const specs = opts.agents.split(',').map((s) => s.trim());
      if (specs.length !== 2 || specs.some((s) => s === '')) {
        throw new ArenaError('BAD_ARGUMENT', `--agents needs exactly two comma-separated specs, got '${opts.agents}'`);
      }
      const agents: [Agent, Agent] = [await createAgent(specs[0]!, game.info, opts.seed * 2 + 1), await createAgent(specs[1]!, game.info, opts.seed * 2 + 2)];
      const progress = opts.json ? undefined : createProgress(`${specs[0]} vs ${specs[1]}`, opts.games, 'games');
      let result;
      try {
        result = playSeries({
          game,
          agents,
          games: opts.games,
          seed: opts.seed,
          ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
          ...(opts.openings !== undefined ? { openings: opts.openings } : {}),
          onGame: (done, r) => progress?.update(done, `W${r.wins[0]} D${r.draws} L${r.wins[1]}, ${r.distinct} distinct`),
        });
      } finally {
        progress?.stop();
        for (const a of agents) a.dispose?.();
      }
      if (opts.json) {
        console.log(JSON.stringify({ ...result, agents: specs, seed: opts.seed }));
        return;
      }
      console.log(formatSeries(result, [specs[0]!, specs[1]!], opts.seed));
    });
}
