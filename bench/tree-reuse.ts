/**
 * `npm run bench:tree-reuse -- <run>`: what tree reuse (`treeReuse`, MctsAgent.advance) does to the
 * search targets of expert iteration at Connect Four — at each position of self-play games with the
 * run's latest network, the move distribution π of a search from scratch (S simulations, and 2S for the
 * cost of reuse's extra visits bought outright) and of a search that started from the subtree the
 * previous search kept (S simulations on top), each compared with a deep search's from scratch (BENCH_DEEP,
 * default 800) on the same position: the total-variation distance ½·Σ|π − π_deep| and how often the most
 * visited move is the deep search's, side by side, with the milliseconds a search takes.
 *
 * BENCH_GAMES games (default 16) open with 0–8 uniformly random plies (seeded), then play the reusing
 * search's most visited move, which is the move it then keeps the subtree of; the other searches
 * only look at the same positions. S is the run's `simulations`. No root noise anywhere (self-play adds it;
 * here it would only blur the comparison), the solver on as in self-play. One thread; nothing here
 * asserts anything.
 */
import { MctsAgent } from '../agents/mcts.ts';
import { Rng, type GameState } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { selectBackend } from '../src/backend.ts';
import { SnapshotAgent } from '../src/selfplay/snapshot-agent.ts';
import { loadAlphaZeroRun } from './alphazero-run.ts';
import { fmtInt, markdownTable } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 16);
const DEEP = Number(process.env['BENCH_DEEP'] ?? 800);
if (!(Number.isInteger(GAMES) && GAMES > 0)) throw new Error(`BENCH_GAMES must be a positive integer, got '${process.env['BENCH_GAMES']}'`);
if (!(Number.isInteger(DEEP) && DEEP > 1)) throw new Error(`BENCH_DEEP must be an integer above 1, got '${process.env['BENCH_DEEP']}'`);
const [run] = process.argv.slice(2);
if (run === undefined) throw new Error('usage: npm run bench:tree-reuse -- <run folder or checkpoint>   (e.g. runs/az-c4)');

setLogLevel('warn');
await selectBackend('cpu');
const game = getGame('connect-four');
const { info } = game;
const A = info.actions;
const { blob, config } = await loadAlphaZeroRun(run, info);
const evaluator = new SnapshotAgent({ name: run, blob, info, seed: 1 });
const S = config.simulations;

const search = (name: string, simulations: number, treeReuse = false): MctsAgent => new MctsAgent({ name, info, evaluator, simulations, cPuct: config.cPuct, symmetries: false, seed: 1, treeReuse });

interface Method {
  readonly name: string;
  readonly agent: MctsAgent;
  /** Keeps the played move's subtree between positions. */
  readonly reuse: boolean;
  searches: number;
  seconds: number;
  visits: number;
  tv: number;
  agree: number;
}
const method = (name: string, agent: MctsAgent, reuse: boolean): Method => ({ name, agent, reuse, searches: 0, seconds: 0, visits: 0, tv: 0, agree: 0 });
const deep = search('deep', DEEP);
const methods = [method(`from scratch, ${S} simulations`, search('fresh', S), false), method(`from scratch, ${2 * S} simulations`, search('fresh2', 2 * S), false), method(`tree reuse, ${S} simulations on top`, search('reuse', S, true), true)];
const reuse = methods[2]!;

const pi = new Float64Array(A);
const piDeep = new Float64Array(A);
const mask = new Uint8Array(A);
const argmax = (p: Float64Array): number => p.indexOf(Math.max(...p));
/** One search of `state` by `m` (its kept subtree, if any, under it): π into `out`, the root's visits returned. */
function searchOnce(m: MctsAgent, state: GameState, out: Float64Array): number {
  m.beginSearch(state);
  const start = m.lastKeptVisits;
  const p = new Float64Array(A);
  for (let leaf = m.nextLeaf(); leaf !== null; leaf = m.nextLeaf()) m.resolveLeaf(p, evaluator.evaluatePosition(leaf, leaf.currentSeat(), p, false));
  m.rootTarget(out, false);
  return start + m.lastSimulations;
}

let positions = 0;
for (let g = 0; g < GAMES; g++) {
  const rng = new Rng(1000 + g);
  const state = game.newState(g);
  const opening = rng.int(9);
  for (let i = 0; i < opening && !state.isTerminal(); i++) {
    state.legalMask(state.currentSeat(), mask);
    state.apply(rng.pickMasked(mask));
  }
  for (const m of methods) m.agent.reset(g);
  while (!state.isTerminal()) {
    const seat = state.currentSeat();
    if (state.legalMask(seat, mask) === 1) {
      const only = mask.indexOf(1);
      reuse.agent.advance(only);
      state.apply(only);
      continue;
    }
    searchOnce(deep, state, piDeep);
    let move = -1;
    for (const m of methods) {
      const t0 = performance.now();
      const visits = searchOnce(m.agent, state, pi);
      m.seconds += (performance.now() - t0) / 1000;
      m.searches++;
      m.visits += visits;
      let d = 0;
      for (let a = 0; a < A; a++) d += Math.abs(pi[a]! - piDeep[a]!);
      m.tv += d / 2;
      if (argmax(pi) === argmax(piDeep)) m.agree++;
      if (m.reuse) move = argmax(pi);
    }
    reuse.agent.advance(move);
    state.apply(move);
    positions++;
  }
  process.stdout.write(`\r  game ${g + 1}/${GAMES}, ${positions} positions`);
}
process.stdout.write('\n\n');
console.log(`# Tree reuse at Connect Four: ${run}, ${GAMES} games, ${fmtInt(positions)} positions, each against a ${DEEP}-simulation search from scratch\n`);
console.log(markdownTable(
  ['search', 'root visits (mean)', 'ms a search', 'total variation to the deep π', "most visited = the deep search's"],
  methods.map((m) => [m.name, (m.visits / m.searches).toFixed(1), ((1000 * m.seconds) / m.searches).toFixed(2), (m.tv / m.searches).toFixed(3), `${((100 * m.agree) / m.searches).toFixed(1)}%`]),
));
