/**
 * `npm run bench:conv`: the conv policy (`network: 'conv'`) at Connect Four's size — 2 planes of
 * 6×7, 7 actions, the PPO defaults for connect-four-v1 (minibatch 512, dense 128×128 after the trunk)
 * with the default 32 channels, without and with a residual block, and with a 1×1 reduction to 8 or 4
 * channels before the dense layers (`convReduce`), with the trunk on the actor alone (`criticNetwork`
 * 'mlp'), and with the reduction to 8 and the column move head (`policyHead` 'columns', reach 3) — on the fast learner (src/fast/:
 * im2col + WASM SIMD GEMMs) and on the tfjs reference learner, side by side. Prints Markdown tables
 * and writes the same results as JSON to bench/results/conv.json.
 *
 * 1. Minibatch step: one PPO minibatch (forward, loss, backward of actor and critic, global-norm
 *    clip, Adam) of synthetic transitions (0/1 board planes, legal-action masks, finite targets):
 *    `update` on a buffer of exactly one minibatch, after a warm-up update on 32 rows, repeated for
 *    at least BENCH_SECONDS (default 3; at least one step for the reference, three for the fast
 *    path). The median step is reported.
 *    The reference runs on tfjs 'cpu' — the 'wasm' backend has no Conv2DBackpropFilter kernel, so it
 *    cannot train a conv net — or on tfjs-node ('node', 'gpu') when one is installed.
 * 2. Batched forward (actor logits and critic values) at batch 256: the fast path, and tfjs on
 *    'wasm' (XNNPACK's conv kernels) when it starts.
 *
 * Environment: BENCH_SECONDS sets the minimum time per measurement; BENCH_QUICK=1 skips the residual
 * case and the reduction to 4. Nothing here asserts on time: this is a benchmark, not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { PolicySpec } from '../agents/policy-spec.ts';
import { Rng } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { RolloutBuffer } from '../src/algorithms/buffer.ts';
import { PolicyGradientLearner } from '../src/algorithms/policy-gradient.ts';
import { describeBackend, selectBackend, type BackendName } from '../src/backend.ts';
import { FastForward } from '../src/fast/forward.ts';
import { FastLearner } from '../src/fast/learner.ts';
import { learnerSettings, newPolicy } from '../src/train/algorithm.ts';
import { resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { fmtMs, fmtRatio, loadWarning, machineInfo, markdownTable, timeCalls, type Timing } from './lib.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
if (!(SECONDS >= 0)) throw new Error(`BENCH_SECONDS must be a number of seconds, got '${process.env['BENCH_SECONDS']}'`);
const FORWARD_BATCH = 256;
const RESULTS_DIR = new URL('./results/', import.meta.url);
const GAME = getGame('connect-four-v1');

interface Case {
  readonly name: string;
  readonly config: TrainConfig;
}

/** The training configs `arena train --game connect-four --config {network: 'conv', …}` resolves. */
const CASES: readonly Case[] = [
  { name: 'conv 32ch, 0 res blocks (default)', config: resolveConfig('ppo', GAME.info.id, { network: 'conv' }) },
  { name: 'conv 32ch, 1×1 reduction to 8', config: resolveConfig('ppo', GAME.info.id, { network: 'conv', convReduce: 8 }) },
  { name: 'conv 32ch on the actor, MLP critic', config: resolveConfig('ppo', GAME.info.id, { network: 'conv', criticNetwork: 'mlp' }) },
  { name: 'conv 32ch, reduction to 8, column head', config: resolveConfig('ppo', GAME.info.id, { network: 'conv', convReduce: 8, policyHead: 'columns' }) },
  ...(QUICK
    ? []
    : [
        { name: 'conv 32ch, 1×1 reduction to 4', config: resolveConfig('ppo', GAME.info.id, { network: 'conv', convReduce: 4 }) },
        { name: 'conv 32ch, 1 res block', config: resolveConfig('ppo', GAME.info.id, { network: 'conv', resBlocks: 1 }) },
      ]),
  { name: 'mlp 128×128 (for scale)', config: resolveConfig('ppo', GAME.info.id, { network: 'mlp' }) },
];

/** One minibatch of random but consistent transitions from real-looking boards (0/1 planes). */
function syntheticBuffer(size: number, seed: number): RolloutBuffer {
  const { observationSize: obsSize, actions: A } = GAME.info;
  const buf = new RolloutBuffer({ steps: size / 8, envs: 8, obsSize, criticSize: 0, actions: A, continuous: false });
  const rng = new Rng(seed);
  for (let i = 0; i < buf.size; i++) {
    for (let j = 0; j < obsSize / 2; j++) {
      const u = rng.next();
      buf.obs[i * obsSize + j] = u < 0.25 ? 1 : 0;
      buf.obs[i * obsSize + obsSize / 2 + j] = u > 0.75 ? 1 : 0;
    }
    for (let a = 0; a < A; a++) buf.masks[i * A + a] = rng.next() < 6 / 7 ? 1 : 0;
    const action = rng.int(A);
    buf.masks[i * A + action] = 1;
    buf.actions[i] = action;
    buf.logProbs[i] = -Math.log(A) + 0.1 * rng.normal();
    buf.values[i] = rng.normal();
    buf.advantages[i] = rng.normal();
    buf.returns[i] = buf.values[i]! + buf.advantages[i]!;
  }
  return buf;
}

interface StepResult {
  readonly case: string;
  readonly path: 'fast' | 'reference';
  readonly backend: string;
  readonly spec: PolicySpec;
  readonly minibatch: number;
  readonly timing: Timing;
}

function benchStep(c: Case, path: 'fast' | 'reference', backend: string): StepResult {
  const policy = newPolicy(c.config, GAME.info, 1);
  const settings = { ...learnerSettings(c.config), epochs: 1, targetKl: null };
  const buffer = syntheticBuffer(settings.minibatchSize, 7);
  const rng = new Rng(3);
  const learner = path === 'fast' ? new FastLearner({ policy, settings, rng }) : new PolicyGradientLearner({ policy, settings, rng });
  learner.update(syntheticBuffer(32, 5), 0); // warm-up (allocation, first-call set-up) on a small batch: a reference step can take a minute
  const timing = timeCalls(() => learner.update(buffer, 0), SECONDS, path === 'fast' ? 3 : 1);
  learner.dispose();
  policy.dispose();
  return { case: c.name, path, backend, spec: policy.spec, minibatch: settings.minibatchSize, timing };
}

interface ForwardResult {
  readonly case: string;
  readonly path: string;
  readonly batch: number;
  readonly timing: Timing;
}

function benchForward(c: Case, path: 'fast' | 'tfjs', backend: string): ForwardResult {
  const policy = newPolicy(c.config, GAME.info, 1);
  const obs = syntheticBuffer(FORWARD_BATCH, 9).obs;
  const { observationSize: obsSize, actions: A } = GAME.info;
  let call: () => void;
  if (path === 'fast') {
    const ff = FastForward.fromPolicy(policy);
    const head = new Float32Array(FORWARD_BATCH * A);
    const values = new Float32Array(FORWARD_BATCH);
    call = () => ff.forward(obs, FORWARD_BATCH, head, values);
  } else {
    call = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(obs, [FORWARD_BATCH, obsSize]);
        policy.actorForward(x).dataSync();
        policy.criticForward(x).dataSync();
      });
  }
  call();
  const timing = timeCalls(call, SECONDS / 3, 5);
  policy.dispose();
  return { case: c.name, path: path === 'fast' ? 'fast' : `tfjs ${backend}`, batch: FORWARD_BATCH, timing };
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Main

setLogLevel('warn');
const machine = machineInfo();

// the reference's backend: tfjs-node when installed, else the pure-JS 'cpu' backend
let referenceBackend: BackendName | null = null;
for (const name of ['gpu', 'node', 'cpu'] as const) {
  try {
    await selectBackend(name);
    referenceBackend = name;
    break;
  } catch {
    // not installed: try the next
  }
}
if (!referenceBackend) throw new Error('no tfjs backend that can train a conv net (gpu, node or cpu) started');
const refDescription = describeBackend();

console.log(`# bench:conv${QUICK ? ' (quick)' : ''}\n`);
console.log(`Node ${machine.node}, tfjs ${tf.version_core}, ${machine.cpu} × ${machine.cores} cores (${machine.platform}), load average ${machine.loadavg.join(' / ')}`);
console.log(
  `\nconnect-four-v1 (2×6×7 planes → 7 actions), PPO defaults (minibatch ${CASES[0]!.config.minibatchSize}, dense ${JSON.stringify(CASES[0]!.config.hidden)}), ` +
    `one warm-up update, then ≥ ${SECONDS} s of minibatch steps (at least one). Reference learner on tfjs '${refDescription.tfBackend}' ` +
    `(the 'wasm' backend has no Conv2DBackpropFilter kernel, so it cannot train a conv net).`,
);
const warning = loadWarning(machine.cores);
if (warning) console.log(`\n> Note: ${warning}.`);

const steps: StepResult[] = [];
for (const c of CASES) {
  for (const path of ['fast', 'reference'] as const) {
    const r = benchStep(c, path, path === 'fast' ? 'wasm kernels' : referenceBackend);
    progress(`  ${c.name} ${path}: ${r.timing.calls} steps, median ${fmtMs(r.timing.medianMs)} ms`);
    steps.push(r);
  }
}
console.log('\n## PPO minibatch step (actor + critic forward, backward, Adam)\n');
console.log(
  markdownTable(
    ['network', 'minibatch', 'fast ms/step', `reference (tfjs ${refDescription.tfBackend}) ms/step`, 'fast ÷ reference speed-up', 'steps timed (fast / ref)'],
    CASES.map((c) => {
      const f = steps.find((r) => r.case === c.name && r.path === 'fast')!;
      const r = steps.find((x) => x.case === c.name && x.path === 'reference')!;
      return [c.name, String(f.minibatch), fmtMs(f.timing.medianMs), fmtMs(r.timing.medianMs), fmtRatio(r.timing.medianMs / f.timing.medianMs), `${f.timing.calls} / ${r.timing.calls}`];
    }),
  ),
);

const forwards: ForwardResult[] = [];
for (const c of CASES) forwards.push(benchForward(c, 'fast', 'wasm kernels'));
let wasmStarted = false;
try {
  await selectBackend('wasm');
  wasmStarted = true;
} catch (err) {
  progress(`  tfjs 'wasm' did not start (${err instanceof Error ? err.message : String(err)}): forward compared with '${referenceBackend}'`);
}
const forwardBackend = wasmStarted ? 'wasm' : referenceBackend;
for (const c of CASES) forwards.push(benchForward(c, 'tfjs', forwardBackend));
console.log(`\n## Batched forward, actor + critic, batch ${FORWARD_BATCH}\n`);
console.log(
  markdownTable(
    ['network', 'fast ms', `tfjs ${forwardBackend} ms`, 'speed-up'],
    CASES.map((c) => {
      const f = forwards.find((r) => r.case === c.name && r.path === 'fast')!;
      const t = forwards.find((r) => r.case === c.name && r.path !== 'fast')!;
      return [c.name, fmtMs(f.timing.medianMs), fmtMs(t.timing.medianMs), fmtRatio(t.timing.medianMs / f.timing.medianMs)];
    }),
  ),
);
const noisy = [...steps, ...forwards].filter((r) => r.timing.cpuShare < 0.9).map((r) => `${r.case} ${r.path} (${(100 * r.timing.cpuShare).toFixed(0)} %)`);
if (noisy.length > 0) console.log(`\n> Noisy — got less than 90 % of a core: ${noisy.join(', ')}`);
const after = loadWarning(machine.cores, 1);
if (after) console.log(`\n> Note (end of run): ${after}.`);

mkdirSync(RESULTS_DIR, { recursive: true });
const file = new URL(`conv${QUICK ? '-quick' : ''}.json`, RESULTS_DIR);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), quick: QUICK, machine, referenceBackend: refDescription, seconds: SECONDS, steps, forwards }, null, 2)}\n`);
progress(`  wrote ${file.pathname}`);
