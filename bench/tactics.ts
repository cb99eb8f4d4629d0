/**
 * `npm run bench:tactics -- <agent> [<agent> …]`: how often an agent takes a win in one and avoids a
 * loss in one at Connect Four, in games against a held-out opponent — the two mistakes a depth-3
 * alpha-beta punishes at once. Agents are agent specs (`greedy:runs/c4`, `mcts:runs/c4:200`,
 * `alphabeta:3`), measured side by side on the same openings.
 *
 * Each agent plays BENCH_GAMES games (default 300) against BENCH_VS (default `alphabeta:3`), seats
 * alternating, each game opened by 0–8 seeded uniformly random plies, on BENCH_GAME (default `connect-four`,
 * i.e. `connect-four-v3`; `connect-four-v1` or `-v2` by id). On each of the agent's moves:
 * - a win in one is available when some legal move ends the game in the agent's favour: taken or not;
 * - a loss in one is avoidable when some moves let the opponent win at once and others do not (no
 *   win in one for the agent): avoided when the agent's move is one of the others. One not avoided
 *   either left a threat in another column unblocked (the opponent wins elsewhere than on top of the
 *   move) or put the agent's piece right under the opponent's winning cell (it wins on top of it).
 * The agent's results (won–drawn–lost), counts and rates go to stdout as a Markdown table, with 95% Wilson intervals (positions within a game
 * are not independent: read them as a diagnostic, not a test). Nothing here asserts anything.
 */
import { createAgent } from '../agents/index.ts';
import { Rng, type Agent } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { selectBackend } from '../src/backend.ts';
import { createProgress } from '../src/cli/progress.ts';
import { wilsonInterval } from '../src/eval/stats.ts';
import { benchConnectFour, fmtInt, markdownTable, winsAt } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 300);
if (!(Number.isInteger(GAMES) && GAMES > 0)) throw new Error(`BENCH_GAMES must be a positive integer, got '${process.env['BENCH_GAMES']}'`);
const VS = process.env['BENCH_VS'] ?? 'alphabeta:3';
const OPENING_PLIES = 8;
const specs = process.argv.slice(2);
if (specs.length === 0) throw new Error('usage: npm run bench:tactics -- <agent> [<agent> …]   (e.g. greedy:runs/c4 mcts:runs/c4:200)');

setLogLevel('warn');
await selectBackend('auto');
const game = benchConnectFour();
const { actions: A, seats } = game.info;

interface Tally {
  moves: number;
  winAvailable: number;
  winTaken: number;
  lossAvoidable: number;
  lossAvoided: number;
  /** The avoidable losses not avoided: a threat elsewhere left unblocked, or the move played right under the opponent's winning cell. */
  unblocked: number;
  under: number;
  /** The agent's games: won, drawn, lost. */
  results: [number, number, number];
}

async function measure(spec: string): Promise<Tally> {
  const agent: Agent = await createAgent(spec, game.info, 0);
  const opponent: Agent = await createAgent(VS, game.info, 1);
  const rng = new Rng(7);
  const mask = new Uint8Array(A);
  const reply = new Uint8Array(A);
  const returns = new Float64Array(seats);
  const t: Tally = { moves: 0, winAvailable: 0, winTaken: 0, lossAvoidable: 0, lossAvoided: 0, unblocked: 0, under: 0, results: [0, 0, 0] };
  const progress = createProgress(`  ${spec} vs ${VS}`, GAMES, 'games');
  for (let g = 0; g < GAMES; g++) {
    agent.reset?.(g);
    opponent.reset?.(g + 1_000_003);
    const s = game.newState(g);
    const opening = rng.int(OPENING_PLIES + 1);
    for (let p = 0; p < opening && !s.isTerminal(); p++) {
      s.legalMask(s.currentSeat(), mask);
      s.apply(rng.pickMasked(mask));
    }
    const mine = g % 2;
    while (!s.isTerminal()) {
      const seat = s.currentSeat();
      if (seat !== mine) {
        s.apply(opponent.act(s, seat));
        continue;
      }
      s.legalMask(seat, mask);
      const move = agent.act(s, seat);
      t.moves++;
      const wins: number[] = [];
      for (let a = 0; a < A; a++) if (mask[a] && winsAt(s, a, seat, returns)) wins.push(a);
      if (wins.length > 0) {
        t.winAvailable++;
        if (wins.includes(move)) t.winTaken++;
      } else {
        // the moves after which the opponent has no win in one
        const safe: number[] = [];
        let unsafe = 0;
        // for the agent's move: whether the opponent's winning replies include another column than the one just played
        let elsewhere = false;
        for (let a = 0; a < A; a++) {
          if (!mask[a]) continue;
          const c = s.clone();
          c.apply(a);
          let loses = false;
          if (!c.isTerminal()) {
            const other = c.currentSeat();
            c.legalMask(other, reply);
            for (let b = 0; b < A; b++) {
              if (!reply[b] || !winsAt(c, b, other, returns)) continue;
              loses = true;
              if (a === move && b !== a) elsewhere = true;
            }
          }
          if (loses) unsafe++;
          else safe.push(a);
        }
        if (unsafe > 0 && safe.length > 0) {
          t.lossAvoidable++;
          if (safe.includes(move)) t.lossAvoided++;
          else if (elsewhere) t.unblocked++;
          else t.under++;
        }
      }
      s.apply(move);
    }
    s.returns(returns);
    t.results[returns[mine]! > 0 ? 0 : returns[mine]! < 0 ? 2 : 1]++;
    progress.update(g + 1);
  }
  progress.stop();
  agent.dispose?.();
  opponent.dispose?.();
  return t;
}

const rate = (k: number, n: number): string => {
  if (n === 0) return '–';
  const [lo, hi] = wilsonInterval(k, n);
  return `${fmtInt(k)} of ${fmtInt(n)}, **${((100 * k) / n).toFixed(1)}%** (${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%)`;
};
const rows: string[][] = [];
for (const spec of specs) {
  const t = await measure(spec);
  rows.push([`\`${spec}\``, t.results.join('–'), fmtInt(t.moves), rate(t.winTaken, t.winAvailable), rate(t.lossAvoided, t.lossAvoidable), `${fmtInt(t.unblocked)} / ${fmtInt(t.under)}`]);
}
console.log(`# Tactics at Connect Four against \`${VS}\`, ${GAMES} games each (0–${OPENING_PLIES} random opening plies, seats alternating)\n`);
console.log(markdownTable(['agent', 'won–drawn–lost', 'its moves', 'win in one taken', 'avoidable loss in one avoided', 'not avoided: a threat left unblocked / a move under one'], rows));
