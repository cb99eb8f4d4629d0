/**
 * `node bench/offpolicy-update.ts`: milliseconds per gradient step of SAC, TD3 and DDPG at pendulum-v1's
 * size (the resolved pendulum configs: SAC [256, 256], TD3/DDPG [400, 300], minibatch 256, 3
 * observations, 1 action), the tfjs learner against the fast one, side by side in one run, and the
 * latency of one `act` call on one observation (the collector's per-step call). Besides wall-clock
 * milliseconds, the CPU milliseconds per step (process CPU time over the same calls): on a machine
 * shared with other work the wall-clock figure grows with the load, the CPU figure much less.
 *
 * Both learners are built as training builds them (`newOffPolicyLearner`, with ARENA_LEARNER forcing
 * each) and step on the same random minibatch. A TD3 gradient step updates the critics every time
 * and the actor and targets every 2nd: its mean covers both kinds.
 *
 * Environment: BENCH_ALGOS=sac,td3,ddpg; BENCH_BACKEND=wasm (the tfjs backend of the reference
 * side: wasm or cpu; the fast side does not use tfjs); BENCH_SECONDS=4 per timing. Results also go
 * to bench/results/offpolicy-update-<time>.json. A benchmark, not a test: nothing asserts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Rng } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import type { OffPolicyLearner } from '../src/algorithms/offpolicy-nets.ts';
import { allocReplayBatch } from '../src/algorithms/replay-buffer.ts';
import { describeBackend, selectBackend, type BackendName } from '../src/backend.ts';
import { wasmUnavailableReason } from '../src/fast/kernels.ts';
import { OFF_POLICY_ALGOS, resolveConfig, type OffPolicyAlgo } from '../src/train/config.ts';
import { newOffPolicyLearner } from '../src/train/offpolicy.ts';
import { fmtMs, fmtRatio, loadWarning, machineInfo, markdownTable, timeCalls, type Timing } from './lib.ts';

const GAME = 'pendulum-v1';
const algos = (process.env['BENCH_ALGOS'] ?? 'sac,td3,ddpg').split(',').map((a) => a.trim()) as OffPolicyAlgo[];
for (const a of algos) if (!(OFF_POLICY_ALGOS as readonly string[]).includes(a)) throw new Error(`BENCH_ALGOS: unknown algorithm '${a}' (${OFF_POLICY_ALGOS.join(', ')})`);
const backendName = (process.env['BENCH_BACKEND'] ?? 'wasm') as BackendName;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);

type Kind = 'reference' | 'fast';

interface Row {
  readonly algo: OffPolicyAlgo;
  readonly hidden: readonly number[];
  readonly batch: number;
  readonly train: Record<Kind, Timing>;
  readonly act: Record<Kind, Timing>;
}

/** CPU milliseconds per call (this process's CPU time over the calls): steadier than wall-clock on a shared machine. */
const cpuMs = (t: Timing): number => t.meanMs * t.cpuShare;

function learner(kind: Kind, algo: OffPolicyAlgo): OffPolicyLearner {
  const saved = process.env['ARENA_LEARNER'];
  process.env['ARENA_LEARNER'] = kind;
  try {
    return newOffPolicyLearner(resolveConfig(algo, GAME), getGame(GAME).info, 0);
  } finally {
    if (saved === undefined) delete process.env['ARENA_LEARNER'];
    else process.env['ARENA_LEARNER'] = saved;
  }
}

setLogLevel('warn');
await selectBackend(backendName);
const machine = machineInfo();
const backend = describeBackend();
const { info } = getGame(GAME);
console.log(`# Off-policy gradient steps at ${GAME}'s size: tfjs (${backend.name}) vs fast (${wasmUnavailableReason() === null ? 'WASM SIMD kernels' : 'plain-JS kernels'})`);
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadavg.join(' ')}`);
const warning = loadWarning(machine.cores);
if (warning) console.log(`warning: ${warning}`);

const rows: Row[] = [];
for (const algo of algos) {
  const config = resolveConfig(algo, GAME);
  const B = config.minibatchSize;
  const batch = allocReplayBatch({ obsSize: info.observationSize, actionDims: info.actions }, B);
  const data = new Rng(1);
  for (const a of [batch.obs, batch.nextObs, batch.rewards]) for (let i = 0; i < a.length; i++) a[i] = data.normal();
  for (let i = 0; i < batch.actions.length; i++) batch.actions[i] = data.uniform(-1, 1);
  const obs = batch.obs.subarray(0, info.observationSize);
  const action = new Float32Array(info.actions);
  const train = {} as Record<Kind, Timing>;
  const act = {} as Record<Kind, Timing>;
  for (const kind of ['reference', 'fast'] as const) {
    const l = learner(kind, algo);
    const rng = new Rng(2);
    for (let i = 0; i < 4; i++) l.train(batch, rng); // warm-up (tfjs kernels, WASM compilation, heap growth)
    train[kind] = timeCalls(() => l.train(batch, rng), seconds, 6);
    act[kind] = timeCalls(() => l.act(obs, 1, action, true, rng), Math.min(1, seconds), 50);
    l.dispose();
    console.log(`${algo} ${kind}: ${fmtMs(train[kind].meanMs)} ms per gradient step (${fmtMs(cpuMs(train[kind]))} ms CPU; ${train[kind].calls} steps), act ${fmtMs(act[kind].medianMs)} ms`);
  }
  rows.push({ algo, hidden: config.hidden, batch: B, train, act });
}

console.log(
  `\n${markdownTable(
    ['algorithm', 'networks', 'minibatch', `tfjs (${backend.name}) ms/step`, 'fast ms/step', 'speed-up', 'tfjs CPU ms/step', 'fast CPU ms/step', `tfjs act ms`, 'fast act ms'],
    rows.map((r) => [
      r.algo.toUpperCase(),
      `${info.observationSize}+${info.actions}→${r.hidden.join('→')}`,
      String(r.batch),
      fmtMs(r.train.reference.meanMs),
      fmtMs(r.train.fast.meanMs),
      fmtRatio(r.train.reference.meanMs / r.train.fast.meanMs),
      fmtMs(cpuMs(r.train.reference)),
      fmtMs(cpuMs(r.train.fast)),
      fmtMs(r.act.reference.medianMs),
      fmtMs(r.act.fast.medianMs),
    ]),
  )}`,
);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`offpolicy-update-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify({ game: GAME, machine, backend, seconds, rows }, null, 2)}\n`);
console.log(`\nresults: ${file.pathname}`);
