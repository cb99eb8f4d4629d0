/**
 * `npm run bench:learner`: throughput of the PPO learner and latency of batched inference, on every
 * tfjs backend that can start here. Prints Markdown tables and writes the same results as JSON to
 * bench/results/learner-<backend>.json.
 *
 * 1. PPO update: a RolloutBuffer of synthetic transitions (normal observations, legal-action masks
 *    with about one action in seven illegal, legal actions, finite log-probs/values/advantages) is
 *    optimised with `update(buffer, 0)`. Per case, a one-epoch learner runs one warm-up update and one
 *    calibration update; a fresh learner on the same policy then runs a single timed update with as
 *    many epochs as fill the target time (≥ 2 s), so upload, shuffling and the per-epoch read-back are
 *    included exactly as in training. samples/s = epochs × transitions / seconds.
 * 2. `ActorCritic.act` (actor and critic forward, read-back, masked sampling) at batch 1, 64, 1024.
 *
 * Environment: BENCH_BACKENDS=wasm,cpu restricts the backends (default: wasm, cpu, node, gpu — the
 * last two only when installed); BENCH_PATHS=reference restricts the learner paths; BENCH_SECONDS sets
 * the update target (default 2); BENCH_QUICK=1 makes a ~10 s smoke run.
 *
 * Nothing here asserts on time: this is a benchmark, not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { ActorCritic, type ActBuffers, type PolicySpec } from '../agents/policy.ts';
import { Rng } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { RolloutBuffer } from '../src/algorithms/buffer.ts';
import { FastLearner } from '../src/fast/learner.ts';
import { PolicyGradientLearner, type LearnerSettings } from '../src/algorithms/policy-gradient.ts';
import { BACKEND_NAMES, describeBackend, selectBackend, type BackendDescription, type BackendName } from '../src/backend.ts';
import { defaultConfig } from '../src/train/config.ts';
import { fmtInt, fmtMs, fmtRatio, loadWarning, machineInfo, markdownTable, timeCalls, timeOnce } from './lib.ts';

// ---------------------------------------------------------------------------------------------
// Learner paths: each is one column group of the update tables. The first is the baseline the
// others are compared with. A path receives fixed settings at creation and must run exactly
// `settings.epochs` epochs of ⌈transitions / minibatchSize⌉ minibatch steps per `update` call.

interface BenchLearner {
  update(buffer: RolloutBuffer, progress: number): unknown;
  dispose?(): void;
}

interface LearnerPath {
  readonly name: string;
  create(policy: ActorCritic, settings: LearnerSettings, rng: Rng): BenchLearner;
}

const PATHS: readonly LearnerPath[] = [
  { name: 'reference', create: (policy, settings, rng) => new PolicyGradientLearner({ policy, settings, rng }) },
  { name: 'fast', create: (policy, settings, rng) => new FastLearner({ policy, settings, rng }) },
  // the plain SIMD kernels (ARENA_FMA=0): what the fused multiply-adds add, side by side
  { name: 'fast (no FMA)', create: (policy, settings, rng) => new FastLearner({ policy, settings, rng, kernels: 'wasm' }) },
  // each minibatch's gradient split over two threads (src/fast/grad-threads.ts)
  { name: 'fast ×2 threads', create: (policy, settings, rng) => new FastLearner({ policy, settings: { ...settings, threads: 2 }, rng }) },
];

// ---------------------------------------------------------------------------------------------
// Cases

interface Net {
  readonly name: string;
  /** Game whose PPO defaults (src/train/config.ts) give the learner settings. */
  readonly game: string;
  readonly obsSize: number;
  readonly actions: number;
  readonly hidden: readonly number[];
  /** Probability that an action is illegal in a row (0: no mask, as CartPole). */
  readonly illegal: number;
}

const C4_64: Net = { name: 'c4-like 64×64', game: 'connect-four-v1', obsSize: 42, actions: 7, hidden: [64, 64], illegal: 1 / 7 };
const C4_128: Net = { ...C4_64, name: 'c4-like 128×128', hidden: [128, 128] };
const C4_256: Net = { ...C4_64, name: 'c4-like 256×256', hidden: [256, 256] };
const CARTPOLE: Net = { name: 'cartpole 64×64', game: 'cartpole-v1', obsSize: 4, actions: 2, hidden: [64, 64], illegal: 0 };

const UPDATE_CASES: readonly { net: Net; minibatch: number }[] = [
  { net: C4_64, minibatch: 256 },
  { net: C4_64, minibatch: 2048 },
  { net: C4_128, minibatch: 256 },
  { net: C4_128, minibatch: 2048 },
  { net: C4_256, minibatch: 256 },
  { net: C4_256, minibatch: 2048 },
  { net: CARTPOLE, minibatch: 256 },
];
const ACT_NETS: readonly Net[] = [C4_64, C4_256];
const ACT_BATCHES: readonly number[] = [1, 64, 1024];

const QUICK = process.env['BENCH_QUICK'] === '1';
/** Synthetic transitions per update (the rollout buffer size). */
const TRANSITIONS = QUICK ? 2048 : 4096;
/** Target duration of one timed update, seconds. */
const UPDATE_SECONDS = QUICK ? 0 : Number(process.env['BENCH_SECONDS'] ?? 2);
if (!(UPDATE_SECONDS >= 0)) throw new Error(`BENCH_SECONDS must be a number of seconds, got '${process.env['BENCH_SECONDS']}'`);
/** Duration of each inference measurement (after a warm-up of a fifth of it), seconds. */
const ACT_SECONDS = QUICK ? 0.1 : 1;
const ACT_MIN_CALLS = QUICK ? 3 : 10;
const RESULTS_DIR = new URL('./results/', import.meta.url);
/** Below this CPU share (CPU time / wall time) a measurement was likely slowed down by other processes. */
const MIN_CPU_SHARE = 0.9;

// ---------------------------------------------------------------------------------------------
// Synthetic data and settings

function specOf(net: Net): PolicySpec {
  return { obsSize: net.obsSize, criticInputSize: net.obsSize, head: 'categorical', actions: net.actions, hidden: net.hidden, activation: 'tanh' };
}

/** Legal-action masks: each action illegal with probability `illegal`, at least one legal per row. */
function randomMasks(rows: number, actions: number, illegal: number, rng: Rng): Uint8Array {
  const masks = new Uint8Array(rows * actions);
  for (let r = 0; r < rows; r++) {
    let legal = 0;
    for (let a = 0; a < actions; a++) {
      const ok = rng.next() >= illegal ? 1 : 0;
      masks[r * actions + a] = ok;
      legal += ok;
    }
    if (legal === 0) masks[r * actions + rng.int(actions)] = 1;
  }
  return masks;
}

function normals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** A full buffer of random but consistent transitions: legal actions, finite targets. */
function syntheticBuffer(net: Net, transitions: number, seed: number): RolloutBuffer {
  const envs = 8;
  const buf = new RolloutBuffer({ steps: transitions / envs, envs, obsSize: net.obsSize, criticSize: 0, actions: net.actions, continuous: false });
  const rng = new Rng(seed);
  const A = net.actions;
  buf.obs.set(normals(buf.obs.length, rng));
  buf.masks.set(randomMasks(buf.size, A, net.illegal, rng));
  for (let i = 0; i < buf.size; i++) {
    let legal = 0;
    for (let a = 0; a < A; a++) legal += buf.masks[i * A + a]!;
    let k = rng.int(legal);
    let action = 0;
    for (let a = 0; a < A; a++) {
      if (!buf.masks[i * A + a]) continue;
      action = a;
      if (k-- === 0) break;
    }
    buf.actions[i] = action;
    buf.logProbs[i] = -Math.log(legal) + 0.1 * rng.normal(); // near a uniform policy's, so ratios stay sane
    buf.values[i] = rng.normal();
    buf.advantages[i] = rng.normal();
    buf.returns[i] = buf.values[i]! + buf.advantages[i]!;
    buf.rewards[i] = rng.normal();
  }
  return buf;
}

/** The learner settings `arena train --algo ppo` would use on `game`, as src/train/run.ts maps them. */
function ppoSettings(game: string, minibatchSize: number, epochs: number): LearnerSettings {
  const c = defaultConfig('ppo', game);
  return {
    kind: 'clipped',
    clip: c.clip,
    clipValue: c.clipValue,
    entCoef: c.entCoef,
    vfCoef: c.vfCoef,
    normAdv: c.normAdv,
    epochs,
    minibatchSize,
    lr: c.lr,
    annealLr: c.annealLr,
    annealClip: c.annealClip,
    maxGradNorm: c.maxGradNorm,
    targetKl: null, // no early stop: every requested epoch must run
    optimizer: c.optimizer,
    optimizerEps: c.optimizerEps,
  };
}

function baseSettings(game: string): Omit<LearnerSettings, 'epochs' | 'minibatchSize'> {
  const { epochs: _epochs, minibatchSize: _minibatch, ...rest } = ppoSettings(game, 0, 0);
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface UpdateResult {
  readonly path: string;
  readonly net: string;
  readonly obsSize: number;
  readonly actions: number;
  readonly hidden: readonly number[];
  readonly minibatch: number;
  readonly transitions: number;
  readonly warmupMs: number;
  readonly calibrationMs: number;
  readonly epochs: number;
  readonly steps: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
  readonly msPerStep: number;
  /** CPU time over wall time of the timed update (see bench/lib.ts Timing.cpuShare). */
  readonly cpuShare: number;
  /** Tensors still allocated after everything was disposed (should be 0). */
  readonly leakedTensors: number;
  /** Non-finite numbers in the update's returned statistics (should be empty). */
  readonly nonFinite: string[];
}

function nonFiniteStats(stats: unknown): string[] {
  if (typeof stats !== 'object' || stats === null) return [];
  return Object.entries(stats).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v)).map(([k]) => k);
}

function benchUpdate(path: LearnerPath, net: Net, minibatch: number): UpdateResult {
  const tensorsBefore = tf.memory().numTensors;
  const policy = new ActorCritic(specOf(net), 1);
  const buffer = syntheticBuffer(net, TRANSITIONS, 7);
  const mb = Math.min(minibatch, TRANSITIONS);

  const warm = path.create(policy, ppoSettings(net.game, mb, 1), new Rng(11));
  const warmupMs = timeOnce(() => warm.update(buffer, 0)).ms;
  const calibrationMs = QUICK ? warmupMs : timeOnce(() => warm.update(buffer, 0)).ms;
  warm.dispose?.();

  // 10 % margin: the calibration epoch still carries some first-call overhead
  const epochs = Math.max(1, Math.ceil((1.1 * UPDATE_SECONDS * 1000) / calibrationMs));
  const learner = path.create(policy, ppoSettings(net.game, mb, epochs), new Rng(12));
  const { ms, cpuShare, result } = timeOnce(() => learner.update(buffer, 0));
  learner.dispose?.();
  policy.dispose();

  const steps = epochs * Math.ceil(TRANSITIONS / mb);
  const seconds = ms / 1000;
  return {
    path: path.name,
    net: net.name,
    obsSize: net.obsSize,
    actions: net.actions,
    hidden: net.hidden,
    minibatch: mb,
    transitions: TRANSITIONS,
    warmupMs,
    calibrationMs,
    epochs,
    steps,
    seconds,
    samplesPerSec: (epochs * TRANSITIONS) / seconds,
    msPerStep: ms / steps,
    cpuShare,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    nonFinite: nonFiniteStats(result),
  };
}

interface ActResult {
  readonly net: string;
  readonly hidden: readonly number[];
  readonly batch: number;
  readonly calls: number;
  readonly seconds: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** batch × calls / seconds (mean throughput over the measurement). */
  readonly rowsPerSec: number;
  readonly cpuShare: number;
}

function benchAct(net: Net, rows: number): ActResult {
  const policy = new ActorCritic(specOf(net), 1);
  const rng = new Rng(5);
  const obs = normals(rows * net.obsSize, rng);
  const masks = randomMasks(rows, net.actions, net.illegal, rng);
  const out: ActBuffers = { actions: new Int32Array(rows), logProbs: new Float32Array(rows), values: new Float32Array(rows) };
  const call = () => policy.act(obs, rows, masks, rng, out);
  timeCalls(call, ACT_SECONDS / 5, 3);
  const t = timeCalls(call, ACT_SECONDS, ACT_MIN_CALLS);
  policy.dispose();
  return { net: net.name, hidden: net.hidden, batch: rows, calls: t.calls, seconds: t.seconds, medianMs: t.medianMs, p90Ms: t.p90Ms, rowsPerSec: (rows * t.calls) / t.seconds, cpuShare: t.cpuShare };
}

// ---------------------------------------------------------------------------------------------
// Reporting

function describeDetails(d: BackendDescription): string {
  const parts = [`tf '${d.tfBackend}'`, `tfjs ${d.tfjsVersion}`];
  if (d.simd !== null) parts.push(`SIMD ${d.simd ? 'on' : 'off'}`);
  if (d.threads !== null) parts.push(`threads ${d.threads ? 'on' : 'off'}`);
  parts.push(`init ${d.initMs.toFixed(0)} ms`);
  return parts.join(', ');
}

function updateTable(results: readonly UpdateResult[], paths: readonly LearnerPath[]): string {
  const base = paths[0]!.name;
  const headers = ['net', 'obs→actions', 'minibatch'];
  for (const p of paths) headers.push(`${p.name} samples/s`, `${p.name} ms/step`);
  for (const p of paths.slice(1)) headers.push(`${p.name} ÷ ${base}`);
  const rows = UPDATE_CASES.map(({ net, minibatch }) => {
    const mb = Math.min(minibatch, TRANSITIONS);
    const of = (p: LearnerPath) => results.find((r) => r.path === p.name && r.net === net.name && r.minibatch === mb);
    const row = [net.name, `${net.obsSize}→${net.actions}`, String(mb)];
    for (const p of paths) {
      const r = of(p);
      row.push(r ? fmtInt(r.samplesPerSec) : '–', r ? fmtMs(r.msPerStep) : '–');
    }
    for (const p of paths.slice(1)) row.push(fmtRatio((of(p)?.samplesPerSec ?? NaN) / (of(paths[0]!)?.samplesPerSec ?? NaN)));
    return row;
  });
  return markdownTable(headers, rows);
}

function actTable(results: readonly ActResult[]): string {
  return markdownTable(
    ['net', 'batch', 'median ms', 'p90 ms', 'rows/s', 'calls'],
    results.map((r) => [r.net, String(r.batch), fmtMs(r.medianMs), fmtMs(r.p90Ms), fmtInt(r.rowsPerSec), String(r.calls)]),
  );
}

/**
 * One line naming the measurements that got less than MIN_CPU_SHARE of a core, or none. A heuristic:
 * tfjs' and V8's helper threads add CPU time, so some slow-downs go unnoticed.
 */
function noisyNote(items: readonly { what: string; cpuShare: number }[]): string[] {
  const noisy = items.filter((i) => i.cpuShare < MIN_CPU_SHARE).map((i) => `${i.what} (${(100 * i.cpuShare).toFixed(0)} %)`);
  return noisy.length === 0 ? [] : [`Noisy — got less than ${100 * MIN_CPU_SHARE} % of a core: ${noisy.join(', ')}`];
}

function updateNotes(results: readonly UpdateResult[]): string[] {
  const out: string[] = [];
  const what = (r: UpdateResult) => `${r.path} ${r.net} mb ${r.minibatch}`;
  for (const r of results) {
    if (r.leakedTensors !== 0) out.push(`Problem: ${what(r)}: ${r.leakedTensors} tensors leaked`);
    if (r.nonFinite.length > 0) out.push(`Problem: ${what(r)}: non-finite ${r.nonFinite.join(', ')}`);
  }
  return [...out, ...noisyNote(results.map((r) => ({ what: what(r), cpuShare: r.cpuShare })))];
}

function actNotes(results: readonly ActResult[]): string[] {
  return noisyNote(results.map((r) => ({ what: `${r.net} batch ${r.batch}`, cpuShare: r.cpuShare })));
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Main

function listFromEnv<T extends string>(name: string, known: readonly T[], fallback: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...fallback];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !known.includes(n as T));
  if (bad.length > 0) throw new Error(`${name}: unknown ${bad.join(', ')}; known: ${known.join(', ')}`);
  return names as T[];
}

setLogLevel('warn');
const machine = machineInfo();
const requested = listFromEnv<BackendName>('BENCH_BACKENDS', BACKEND_NAMES.filter((b) => b !== 'auto'), ['wasm', 'cpu', 'node', 'gpu']);
const pathNames = listFromEnv('BENCH_PATHS', PATHS.map((p) => p.name), PATHS.map((p) => p.name));
const paths = PATHS.filter((p) => pathNames.includes(p.name));

// Start every requested backend once, to report what is available before measuring anything.
const available: { name: BackendName; description: BackendDescription }[] = [];
const skipped: string[] = [];
for (const name of requested) {
  try {
    await selectBackend(name);
    available.push({ name, description: describeBackend() });
  } catch (err) {
    skipped.push(`${name} (${err instanceof Error ? err.message : String(err)})`);
  }
}

console.log(`# bench:learner${QUICK ? ' (quick)' : ''}\n`);
console.log(
  `Node ${machine.node}, tfjs ${tf.version_core}, ${machine.cpu} × ${machine.cores} cores (${machine.platform}), ` +
    `load average ${machine.loadavg.join(' / ')}`,
);
console.log(`Backends: ${available.map((b) => `${b.name} (${describeDetails(b.description)})`).join('; ') || 'none'}`);
if (skipped.length > 0) console.log(`Skipped: ${skipped.join('; ')}`);
console.log(
  `\nPPO settings: src/train/config.ts defaults for connect-four-v1 (c4-like nets) and cartpole-v1, tanh MLPs, ` +
    `no early stop; ${TRANSITIONS} synthetic transitions per update; ` +
    (QUICK ? 'quick run: one timed one-epoch update after one warm-up update. ' : `timed update ≥ ${UPDATE_SECONDS} s after a warm-up and a calibration update. `) +
    `Paths: ${paths.map((p) => p.name).join(', ')}.`,
);
const warning = loadWarning(machine.cores);
if (warning) console.log(`\n> Note: ${warning}.`);

const allUpdates: { backend: string; results: UpdateResult[] }[] = [];
for (const { name, description } of available) {
  await selectBackend(name);
  console.log(`\n## ${name} — ${describeDetails(description)}\n`);

  const updates: UpdateResult[] = [];
  for (const { net, minibatch } of UPDATE_CASES) {
    for (const path of paths) {
      const r = benchUpdate(path, net, minibatch);
      progress(`  ${name} update ${path.name} ${net.name} mb ${r.minibatch}: ${r.epochs} epochs in ${r.seconds.toFixed(2)} s`);
      updates.push(r);
    }
  }
  console.log('### PPO update throughput\n');
  console.log(updateTable(updates, paths));
  for (const note of updateNotes(updates)) console.log(`\n> ${note}`);

  const acts: ActResult[] = [];
  for (const net of ACT_NETS) {
    for (const batch of ACT_BATCHES) {
      const r = benchAct(net, batch);
      progress(`  ${name} act ${net.name} batch ${batch}: ${r.calls} calls`);
      acts.push(r);
    }
  }
  console.log('\n### policy.act latency (actor + critic forward, read-back, masked sampling)\n');
  console.log(actTable(acts));
  for (const note of actNotes(acts)) console.log(`\n> ${note}`);

  allUpdates.push({ backend: name, results: updates });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = new URL(`learner-${name}${QUICK ? '-quick' : ''}.json`, RESULTS_DIR);
  const json = {
    date: new Date().toISOString(),
    quick: QUICK,
    machine,
    backend: description,
    transitions: TRANSITIONS,
    updateSeconds: UPDATE_SECONDS,
    // epochs and minibatchSize vary per case: see `update`
    settings: { 'connect-four-v1': baseSettings('connect-four-v1'), 'cartpole-v1': baseSettings('cartpole-v1') },
    update: updates,
    act: acts,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  progress(`  wrote ${file.pathname}`);
}

if (allUpdates.length > 1) {
  console.log('\n## Summary: PPO update samples/s\n');
  const headers = ['net', 'minibatch', ...allUpdates.flatMap((b) => paths.map((p) => (paths.length > 1 ? `${b.backend} ${p.name}` : b.backend)))];
  const rows = UPDATE_CASES.map(({ net, minibatch }) => {
    const mb = Math.min(minibatch, TRANSITIONS);
    const cells = allUpdates.flatMap((b) =>
      paths.map((p) => {
        const r = b.results.find((x) => x.path === p.name && x.net === net.name && x.minibatch === mb);
        return r ? fmtInt(r.samplesPerSec) : '–';
      }),
    );
    return [net.name, String(mb), ...cells];
  });
  console.log(markdownTable(headers, rows));
}
const after = loadWarning(machine.cores, 1); // less this process's own core
if (after) console.log(`\n> Note (end of run): ${after}.`);
