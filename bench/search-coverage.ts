/**
 * `npm run bench:search-coverage -- <run> [<rate>,…]`: what the self-play games of expert iteration
 * (`--algo alphazero`, src/selfplay/search-selfplay.ts) show a network at Connect Four — how many of
 * their positions offer the side to move a win in one, and how the search's target π treats them — at
 * each `randomMoveRate` (default 0, 0.05, 0.15, 0.3), side by side on the same seeds.
 *
 * The run's latest checkpoint plays BENCH_GAMES games per rate (default 64) with the run's own search
 * settings (simulations, noise, sampled plies; no random opening plies) and the rate of the row. Positions are
 * counted before augmentation. The share of positions with a win in one is what a network trained on
 * those games sees of the tactic it must not miss (compare: `BENCH_VS=alphabeta:1 npm run bench:tactics
 * -- greedy:<run>` counts how often the agent meets it in games against a one-ply searcher). Wilson
 * intervals over positions (those of one game are not independent: a diagnostic). Nothing here asserts
 * anything.
 */
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { selectBackend } from '../src/backend.ts';
import { wilsonInterval } from '../src/eval/stats.ts';
import { runSearchSelfPlay } from '../src/selfplay/search-selfplay.ts';
import { searchSettings } from '../src/train/expert-iteration.ts';
import { loadAlphaZeroRun } from './alphazero-run.ts';
import { fmtInt, markdownTable, winsAt } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 64);
if (!(Number.isInteger(GAMES) && GAMES > 0)) throw new Error(`BENCH_GAMES must be a positive integer, got '${process.env['BENCH_GAMES']}'`);
const [run, rateList] = process.argv.slice(2);
if (run === undefined) throw new Error('usage: npm run bench:search-coverage -- <run folder or checkpoint> [<rate>,…]   (e.g. runs/az-c4 0,0.15)');
const rates = (rateList ?? '0,0.05,0.15,0.3').split(',').map(Number);
for (const r of rates) if (!(r >= 0 && r <= 1)) throw new Error(`each rate is a probability in [0, 1], got '${rateList}'`);

setLogLevel('warn');
await selectBackend('cpu');
const game = getGame('connect-four');
const { actions: A, seats } = game.info;
const { blob, config, update } = await loadAlphaZeroRun(run, game.info);
// the run's own search settings, without random opening plies (the games are replayed from their rows)
const settings = { ...searchSettings(config), openingPlies: 0 };

const mask = new Uint8Array(A);
const returns = new Float64Array(seats);
const rows: string[][] = [];
for (const rate of rates) {
  const r = runSearchSelfPlay({ ...settings, augment: false, games: GAMES, randomMoveRate: rate, game: game.info.id, learner: 1, snapshots: { 1: blob }, seed: 1 });
  let row = 0;
  let withWin = 0;
  let piOnWins = 0;
  let qTargets = 0;
  for (const g of r.games) {
    // replay the game from its recorded moves (no random opening: every ply is a row)
    const s = game.newState(0);
    for (let i = 0; i < g.positions; i++, row++) {
      const seat = s.currentSeat();
      s.legalMask(seat, mask);
      let win = false;
      let pi = 0;
      for (let a = 0; a < A; a++) {
        if (mask[a] && winsAt(s, a, seat, returns)) {
          win = true;
          pi += r.searchPolicy[row * A + a]!;
        }
      }
      if (win) {
        withWin++;
        piOnWins += pi;
      }
      if (r.rewards[row] !== g.returns[seat]) qTargets++;
      s.apply(r.actions[row]!);
    }
  }
  const [lo, hi] = wilsonInterval(withWin, r.positions);
  const randomMoves = r.games.reduce((a, g) => a + g.randomMoves, 0);
  rows.push([
    String(rate),
    fmtInt(r.positions),
    (r.positions / GAMES).toFixed(1),
    `${fmtInt(withWin)}, **${((100 * withWin) / r.positions).toFixed(2)}%** (${(100 * lo).toFixed(2)}–${(100 * hi).toFixed(2)}%)`,
    withWin > 0 ? (piOnWins / withWin).toFixed(3) : '–',
    (randomMoves / GAMES).toFixed(2),
    `${((100 * qTargets) / r.positions).toFixed(1)}%`,
  ]);
}
console.log(`# Self-play coverage of wins in one, Connect Four: ${run} (update ${update}), ${GAMES} games a row, ${settings.simulations} simulations a move\n`);
console.log(
  markdownTable(['randomMoveRate', 'positions', 'a game', 'with a win in one for the side to move', 'π on the winning moves', 'random moves a game', 'value target q (not z)'], rows),
);
