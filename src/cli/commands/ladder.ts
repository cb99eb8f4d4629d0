/** `arena ladder`: agents rated against a fixed ladder of reference bots. */
import type { Command } from 'commander';
import type { OpeningScheme } from '../../eval/openings.ts';
import { ArenaError } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { DEFAULT_LADDER_DEPTHS, defaultLadderBots, parseDepths, runLadder } from '../../../league/ladder.ts';
import { openingsText, writeTournament } from '../../../league/tournament.ts';
import { intOption, OPENING_PLIES_HELP, OPENINGS_HELP, openingsOption, timestampedRunDir } from '../options.ts';
import { createProgress } from '../progress.ts';
import { printRoundRobin } from '../round-robin.ts';

export function register(program: Command): void {
  program
    .command('ladder')
    .description('rate agents on a fixed ladder of reference bots (random, alphabeta:1..7 at Connect Four): a round robin from paired random openings, Bradley–Terry ratings anchored at alphabeta:1 = 0 with 95% intervals, a table and a plot')
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .option('--agents <a,b,...>', 'agents to rate: checkpoint folders, greedy:<checkpoint>, league members <runDir>#<id>, bot specs (none: the bare ladder)', '')
    .option('--games <n>', 'games per pair (even: every opening from both sides)', intOption('--games', 1), 40)
    .option('--depths <range>', 'alphabeta depths on the ladder, e.g. 1-7 or 1,3,5 (games where alphabeta plays)')
    .option('--bots <a,b,...>', 'reference bots instead of the default ladder, weakest first')
    .option('--anchor <spec>', 'the player rated 0 (default: the first reference bot other than random, e.g. alphabeta:1)')
    .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
    .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
    .option('--openings <scheme>', OPENINGS_HELP, openingsOption)
    .option('--out <dir>', 'folder for ladder.json/.csv/.png/.html (default runs/ladder-<game>-<time>)')
    .option('--json', 'print the table as one JSON object')
    .action(async (opts: { game: string; agents: string; games: number; depths?: string; bots?: string; anchor?: string; seed: number; openingPlies?: number; openings?: OpeningScheme; out?: string; json?: boolean }) => {
      const game = getGame(opts.game);
      const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (opts.bots !== undefined && opts.depths !== undefined) throw new ArenaError('BAD_ARGUMENT', '--bots and --depths exclude each other: list the alphabeta depths in --bots');
      const depths = opts.depths === undefined ? DEFAULT_LADDER_DEPTHS : parseDepths(opts.depths);
      const bots = opts.bots !== undefined ? list(opts.bots) : defaultLadderBots(game.info, depths);
      if (opts.depths !== undefined && !bots.some((b) => b.startsWith('alphabeta:'))) throw new ArenaError('BAD_ARGUMENT', `--depths: alphabeta cannot play ${game.info.id}; its ladder is ${bots.join(', ')}`);
      const agents = list(opts.agents);
      const players = new Set([...bots, ...agents]).size;
      const total = ((players * (players - 1)) / 2) * opts.games;
      const progress = opts.json ? undefined : createProgress(`ladder ${game.info.id}`, total, 'games');
      let result;
      try {
        result = await runLadder({
          game,
          agents,
          bots,
          ...(opts.anchor !== undefined ? { anchor: opts.anchor } : {}),
          games: opts.games,
          seed: opts.seed,
          ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
          ...(opts.openings !== undefined ? { openings: opts.openings } : {}),
          onGame: (done, _t, pair) => progress?.update(done, `${pair[0]} vs ${pair[1]}`),
        });
      } finally {
        progress?.stop();
      }
      const outDir = opts.out ?? timestampedRunDir(`ladder-${game.info.id}`);
      const files = await writeTournament(result, outDir, { name: 'ladder', title: `Ladder: ${game.info.id}`, kind: 'ladder', extra: { bots: result.bots, rated: result.rated } });
      printRoundRobin(
        result,
        files,
        opts.json ?? false,
        `${result.game}: ladder of ${result.bots.length} reference bots and ${result.rated.length} agent(s), ${opts.games} games per pair (${result.totalGames} games, ${result.distinctGames} distinct; sides alternate, ${openingsText(result)}, seed ${opts.seed})`,
      );
    });
}
