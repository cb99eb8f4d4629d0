/**
 * `npm run bench:trpo-update`: milliseconds per TRPO update (the whole `update`: the surrogate's
 * gradient, conjugate gradient on Fisher-vector products, the line search, the critic's Adam epochs)
 * at the sizes of the resolved trpo configs of cartpole-v1 (RL Zoo's row: 2 × 512 transitions, 15 CG
 * iterations, 20 critic epochs of one minibatch) and pendulum-v1 (2 × 1024 transitions, a Gaussian
 * head, 15 critic epochs of minibatches of 128), the tfjs learner against the fast one, side by side
 * in one run. Besides wall-clock milliseconds, the CPU milliseconds per update (process CPU time over
 * the same calls): on a machine shared with other work the wall-clock figure grows with the load.
 *
 * Both learners are built as training builds them (`createTrpoLearner`, with ARENA_LEARNER forcing
 * each) on a policy of the config's network, and update on the same batch: observations drawn from
 * N(0, 1), actions and log-probabilities sampled from the policy itself (so the ratios start at 1, as
 * in training), advantages and returns from N(0, 1). Every timed update starts from the same actor
 * weights, so both paths solve the same problem each time.
 *
 * Environment: BENCH_GAMES=cartpole-v1,pendulum-v1; BENCH_BACKEND=wasm (the reference side's tfjs
 * backend: wasm or cpu; the fast side does not use tfjs); BENCH_SECONDS=4 per timing. Results also go
 * to bench/results/trpo-update-<time>.json. A benchmark, not a test: nothing asserts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Rng } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { RolloutBuffer } from '../src/algorithms/buffer.ts';
import type { TrpoStats } from '../src/algorithms/trpo.ts';
import { describeBackend, selectBackend, type BackendName } from '../src/backend.ts';
import { wasmUnavailableReason } from '../src/fast/kernels.ts';
import { createTrpoLearner, type Learner } from '../src/fast/select.ts';
import { newPolicy, trpoSettings } from '../src/train/algorithm.ts';
import { resolveConfig } from '../src/train/config.ts';
import { fmtMs, fmtRatio, loadWarning, machineInfo, markdownTable, timeCalls, type Timing } from './lib.ts';

const games = (process.env['BENCH_GAMES'] ?? 'cartpole-v1,pendulum-v1').split(',').map((g) => g.trim());
const backendName = (process.env['BENCH_BACKEND'] ?? 'wasm') as BackendName;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);

type Kind = 'reference' | 'fast';

interface Row {
  readonly game: string;
  readonly network: string;
  readonly transitions: number;
  readonly update: Record<Kind, Timing>;
  /** Mean line-search candidates per update. */
  readonly lineSearch: Record<Kind, number>;
}

/** CPU milliseconds per call (this process's CPU time over the calls): steadier than wall-clock on a shared machine. */
const cpuMs = (t: Timing): number => t.meanMs * t.cpuShare;

function learnerFor(kind: Kind, game: string): Learner {
  const saved = process.env['ARENA_LEARNER'];
  process.env['ARENA_LEARNER'] = kind;
  try {
    const config = resolveConfig('trpo', game);
    return createTrpoLearner({ policy: newPolicy(config, getGame(game).info, 0), settings: trpoSettings(config), rng: new Rng(1) });
  } finally {
    if (saved === undefined) delete process.env['ARENA_LEARNER'];
    else process.env['ARENA_LEARNER'] = saved;
  }
}

/** A batch of the config's shape with actions sampled from `learner`'s policy (see the file comment). */
function batchFor(learner: Learner, game: string): RolloutBuffer {
  const config = resolveConfig('trpo', game);
  const { info } = getGame(game);
  const policy = learner.policy;
  const continuous = policy.spec.head === 'gaussian';
  const buf = new RolloutBuffer({ steps: config.steps, envs: config.envs, obsSize: info.observationSize, criticSize: 0, actions: info.actions, continuous });
  const rng = new Rng(2);
  for (let i = 0; i < buf.obs.length; i++) buf.obs[i] = rng.normal();
  buf.masks.fill(1);
  policy.act(buf.obs, buf.size, buf.masks, rng, { actions: buf.actions, continuous: buf.continuousActions, logProbs: buf.logProbs, values: buf.values });
  for (let i = 0; i < buf.size; i++) {
    buf.advantages[i] = rng.normal();
    buf.returns[i] = rng.normal();
  }
  return buf;
}

setLogLevel('warn');
await selectBackend(backendName);
const machine = machineInfo();
const backend = describeBackend();
console.log(`# TRPO updates: tfjs (${backend.name}) vs fast (${wasmUnavailableReason() === null ? 'WASM SIMD kernels' : 'plain-JS kernels'})`);
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadavg.join(' ')}`);
const warning = loadWarning(machine.cores);
if (warning) console.log(`warning: ${warning}`);

const rows: Row[] = [];
for (const game of games) {
  const update = {} as Record<Kind, Timing>;
  const lineSearch = {} as Record<Kind, number>;
  let network = '';
  let transitions = 0;
  for (const kind of ['reference', 'fast'] as const) {
    const l = learnerFor(kind, game);
    const buf = batchFor(l, game);
    const start = l.policy.getWeights();
    let searches = 0;
    let updates = 0;
    const step = () => {
      l.policy.setWeights(start);
      const stats = l.update(buf, 0) as TrpoStats;
      searches += stats['trpo/line_search_steps'];
      updates++;
    };
    step(); // warm-up (tfjs kernels, WASM compilation, heap growth)
    [searches, updates] = [0, 0];
    update[kind] = timeCalls(step, seconds, 3);
    lineSearch[kind] = searches / updates;
    const s = l.policy.spec;
    network = `${s.obsSize}→${s.hidden.join('→')}→${s.actions} ${s.head}`;
    transitions = buf.size;
    l.dispose();
    l.policy.dispose();
    console.log(`${game} ${kind}: ${fmtMs(update[kind].meanMs)} ms per update (${fmtMs(cpuMs(update[kind]))} ms CPU; ${update[kind].calls} updates, ${lineSearch[kind].toFixed(1)} line-search steps each)`);
  }
  rows.push({ game, network, transitions, update, lineSearch });
}

console.log(
  `\n${markdownTable(
    ['game', 'actor', 'transitions', `tfjs (${backend.name}) ms/update`, 'fast ms/update', 'speed-up', 'tfjs CPU ms', 'fast CPU ms'],
    rows.map((r) => [r.game, r.network, String(r.transitions), fmtMs(r.update.reference.meanMs), fmtMs(r.update.fast.meanMs), fmtRatio(r.update.reference.meanMs / r.update.fast.meanMs), fmtMs(cpuMs(r.update.reference)), fmtMs(cpuMs(r.update.fast))]),
  )}`,
);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`trpo-update-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify({ machine, backend, seconds, rows }, null, 2)}\n`);
console.log(`\nresults: ${file.pathname}`);
