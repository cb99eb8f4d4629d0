/** `arena tournament`: a round robin among agents, offline or as real matches on an arena server. */
import type { Command } from 'commander';
import type { OpeningScheme } from '../../eval/openings.ts';
import { ArenaError } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { openingsText, runTournament, writeTournament } from '../../../league/tournament.ts';
import { hostedSeries } from '../../../servers/hosted-series.ts';
import { intOption, OPENING_PLIES_HELP, OPENINGS_HELP, openingsOption, timestampedRunDir, wsUrlOption } from '../options.ts';
import { createProgress } from '../progress.ts';
import { printRoundRobin } from '../round-robin.ts';

export function register(program: Command): void {
  program
    .command('tournament')
    .description('round robin among agents (bots, checkpoints, league members): Bradley–Terry ratings with 95% intervals, saved as JSON, CSV and a plot')
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .requiredOption('--agents <a,b,...>', 'two or more agent specs: bots (alphabeta:3), checkpoint folders, league members <runDir>#<id> (runs/kuhn#main@000120)')
    .option('--games <n>', 'games per pair (sides alternate)', intOption('--games', 1), 20)
    .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
    .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
    .option('--openings <scheme>', OPENINGS_HELP, openingsOption)
    .option('--out <dir>', 'folder for tournament.json/.csv/.png/.html (default runs/tournament-<game>-<time>)')
    .option('--server <url>', 'play every game as a real match on an arena server (ws://host:port), the agents as bot clients; with ARENA_ADMIN_TOKEN set, seeded like the offline tournament')
    .option('--json', 'print the table as one JSON object')
    .action(async (opts: { game: string; agents: string; games: number; seed: number; openingPlies?: number; openings?: OpeningScheme; out?: string; server?: string; json?: boolean }) => {
      const game = getGame(opts.game);
      const specs = opts.agents.split(',').map((s) => s.trim());
      if (specs.length < 2 || specs.some((s) => s === '')) {
        throw new ArenaError('BAD_ARGUMENT', `--agents needs two or more comma-separated specs, got '${opts.agents}'`);
      }
      const total = ((specs.length * (specs.length - 1)) / 2) * opts.games;
      const progress = opts.json ? undefined : createProgress(`tournament ${game.info.id}`, total, 'games');
      const playSeries = opts.server ? hostedSeriesFor(opts.server) : undefined;
      let result;
      try {
        result = await runTournament({
          game,
          specs,
          games: opts.games,
          seed: opts.seed,
          ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
          ...(opts.openings !== undefined ? { openings: opts.openings } : {}),
          onGame: (done, _t, pair) => progress?.update(done, `${pair[0]} vs ${pair[1]}`),
          ...(playSeries ? { playSeries } : {}),
        });
      } finally {
        progress?.stop();
      }
      const files = await writeTournament(result, opts.out ?? timestampedRunDir(`tournament-${game.info.id}`));
      printRoundRobin(
        result,
        files,
        opts.json ?? false,
        `${result.game}: round robin of ${specs.length} agents, ${opts.games} games per pair (${result.totalGames} games, ${result.distinctGames} distinct; sides alternate, ${openingsText(result)}, seed ${opts.seed})`,
      );
    });
}

/** `playSeries` on an arena server, for `--server`. */
function hostedSeriesFor(url: string) {
  const token = process.env['ARENA_ADMIN_TOKEN'] || null;
  if (!token) console.error('arena: ARENA_ADMIN_TOKEN is not set: the server picks the seeds, so results can differ from an offline tournament');
  return hostedSeries({ url: wsUrlOption(url), token });
}
