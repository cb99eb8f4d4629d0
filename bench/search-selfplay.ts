/**
 * `npm run bench:search-selfplay`: the expert-iteration actors' speed (`--algo alphazero`,
 * src/selfplay/search-selfplay.ts) at Connect Four — positions and simulations per second on one
 * thread, for the default conv network and a [128, 128] MLP, with the games of a task played one at a
 * time (each search evaluates its leaves alone, one row per forward pass) and played at once (4, 8, 16
 * games a task, their searches' leaves evaluated together in one forward pass), side by side.
 *
 * The networks are freshly initialised alphazero policies of the defaults' sizes: search cost
 * depends on the network's size and on the tree's shape, not on what the weights have learned (a
 * trained network's games are longer, its trees deeper: the rates move a little, the ratios little).
 * Every row plays BENCH_GAMES games (default 32) at 100 simulations a move, with the actors' Dirichlet
 * noise and sampled opening plies, the dense move head, no random moves and every search from scratch
 * (BASE: the settings the README's figures were measured with, pinned since Connect Four's defaults
 * became the ninth hour's); the ratio column divides by the one-at-a-time
 * row of the same network (the defaults' 8 games a task is what a training run plays).
 *
 * A second table, the conv network at 8 games a task: the default, playout cap randomization
 * (`fastSimulations` BENCH_FAST, default 20, at `fullSearchRate` 0.25: most plies a cheap unrecorded
 * search) and the same with `treeReuse` — games finished and positions recorded per second, side by
 * side: what the cap trades (more games, fewer recorded positions). Raw numbers go to
 * bench/results/search-selfplay.json. Nothing here asserts on time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { selectBackend } from '../src/backend.ts';
import { runSearchSelfPlay } from '../src/selfplay/search-selfplay.ts';
import { encodeSnapshot } from '../src/selfplay/snapshot.ts';
import { newPolicy } from '../src/train/algorithm.ts';
import { resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { searchSettings } from '../src/train/expert-iteration.ts';
import { fmtInt, fmtRatio, loadWarning, machineInfo, markdownTable, timeOnce } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 32);
if (!(Number.isInteger(GAMES) && GAMES > 0)) throw new Error(`BENCH_GAMES must be a positive integer, got '${process.env['BENCH_GAMES']}'`);
const PER_TASK = [1, 4, 8, 16];
const FAST = Number(process.env['BENCH_FAST'] ?? 20);
if (!(Number.isInteger(FAST) && FAST > 0 && FAST < 100)) throw new Error(`BENCH_FAST must be a whole number of simulations in [1, 99], got '${process.env['BENCH_FAST']}'`);
const RESULTS_DIR = new URL('./results/', import.meta.url);
/** The settings every row starts from (the doc comment says why they are pinned). */
const BASE = { simulations: 100, policyHead: 'dense', convReduce: 0, treeReuse: false, randomMoveRate: 0 } as const;

setLogLevel('warn');
await selectBackend('cpu');
const game = getGame('connect-four');
const machine = machineInfo();
console.log(`# Search self-play, Connect Four, one thread\n\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${GAMES} games a row`);
const warning = loadWarning(machine.cores);
if (warning) console.log(`\n> ${warning}`);

interface Row {
  readonly network: string;
  readonly gamesPerTask: number;
  readonly positions: number;
  readonly simulations: number;
  readonly seconds: number;
  readonly cpuShare: number;
}
/** Snapshot bytes of a freshly initialised alphazero policy of `config`'s network (seed 0). */
function freshSnapshot(config: TrainConfig): Uint8Array {
  const policy = newPolicy(config, game.info, 0);
  const blob = encodeSnapshot({ game: game.info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
  policy.dispose();
  return blob;
}
const rows: Row[] = [];
for (const [network, over] of [
  ['conv (the default)', BASE],
  ['mlp [128, 128]', { ...BASE, network: 'mlp' }],
] as const) {
  const config = resolveConfig('alphazero', game.info.id, over);
  const blob = freshSnapshot(config);
  const search = searchSettings(config);
  for (const perTask of PER_TASK) {
    let positions = 0;
    let simulations = 0;
    const t = timeOnce(() => {
      for (let played = 0, task = 0; played < GAMES; played += perTask, task++) {
        const r = runSearchSelfPlay({ ...search, game: game.info.id, learner: 1, snapshots: { 1: blob }, games: Math.min(perTask, GAMES - played), augment: false, seed: 1000 + task });
        positions += r.positions;
        simulations += r.simulations;
      }
    });
    const row = { network, gamesPerTask: perTask, positions, simulations, seconds: t.ms / 1000, cpuShare: t.cpuShare };
    rows.push(row);
    process.stderr.write(`  ${network}, ${perTask} game(s) a task: ${fmtInt(positions / row.seconds)} positions/s\n`);
  }
}
console.log(
  `\n${markdownTable(
    ['network', 'games a task (leaves per forward pass)', 'positions/s', 'simulations/s', '÷ one at a time', 'positions', 'seconds'],
    rows.map((r) => {
      const base = rows.find((b) => b.network === r.network && b.gamesPerTask === 1)!;
      return [r.network, r.gamesPerTask === 1 ? '1 (one at a time)' : `${r.gamesPerTask} (at once)`, fmtInt(r.positions / r.seconds), fmtInt(r.simulations / r.seconds), fmtRatio(r.simulations / r.seconds / (base.simulations / base.seconds)), fmtInt(r.positions), r.seconds.toFixed(1)];
    }),
  )}`,
);

// playout cap randomization: games and recorded positions per second at 8 games a task
interface CapRow {
  readonly setting: string;
  readonly games: number;
  readonly positions: number;
  readonly searches: number;
  readonly fastSearches: number;
  readonly seconds: number;
  readonly cpuShare: number;
}
const capRows: CapRow[] = [];
{
  const blob = freshSnapshot(resolveConfig('alphazero', game.info.id, BASE));
  for (const [setting, over] of [
    ['every ply a full search (the default)', BASE],
    [`fastSimulations ${FAST}, fullSearchRate 0.25`, { ...BASE, fastSimulations: FAST, fullSearchRate: 0.25 }],
    [`fastSimulations ${FAST}, fullSearchRate 0.25, treeReuse`, { ...BASE, fastSimulations: FAST, fullSearchRate: 0.25, treeReuse: true }],
  ] as const) {
    const search = searchSettings(resolveConfig('alphazero', game.info.id, over));
    let positions = 0;
    let searches = 0;
    let fastSearches = 0;
    const t = timeOnce(() => {
      for (let played = 0, task = 0; played < GAMES; played += 8, task++) {
        const r = runSearchSelfPlay({ ...search, game: game.info.id, learner: 1, snapshots: { 1: blob }, games: Math.min(8, GAMES - played), augment: false, seed: 1000 + task });
        positions += r.positions;
        searches += r.searches;
        fastSearches += r.fastSearches;
      }
    });
    capRows.push({ setting, games: GAMES, positions, searches, fastSearches, seconds: t.ms / 1000, cpuShare: t.cpuShare });
    process.stderr.write(`  ${setting}: ${(GAMES / (t.ms / 1000)).toFixed(2)} games/s\n`);
  }
}
console.log(
  `\n${markdownTable(
    ['conv network, 8 games a task', 'games/s', '÷ default', 'recorded positions/s', '÷ default', 'fast searches', 'seconds'],
    capRows.map((r) => {
      const d = capRows[0]!;
      return [r.setting, (r.games / r.seconds).toFixed(2), fmtRatio(d.seconds / r.seconds), fmtInt(r.positions / r.seconds), fmtRatio(r.positions / r.seconds / (d.positions / d.seconds)), `${((100 * r.fastSearches) / Math.max(1, r.searches)).toFixed(0)}%`, r.seconds.toFixed(1)];
    }),
  )}`,
);
const noisy = [
  ...rows.filter((r) => r.cpuShare < 0.9).map((r) => `${r.network} ×${r.gamesPerTask} (${(100 * r.cpuShare).toFixed(0)} %)`),
  ...capRows.filter((r) => r.cpuShare < 0.9).map((r) => `${r.setting} (${(100 * r.cpuShare).toFixed(0)} %)`),
];
if (noisy.length > 0) console.log(`\n> Noisy — got less than 90 % of a core: ${noisy.join(', ')}`);
const after = loadWarning(machine.cores, 1);
if (after) console.log(`\n> Note (end of run): ${after}.`);
mkdirSync(RESULTS_DIR, { recursive: true });
const file = new URL('search-selfplay.json', RESULTS_DIR);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, games: GAMES, rows, capRows }, null, 2)}\n`);
process.stderr.write(`  wrote ${file.pathname}\n`);
