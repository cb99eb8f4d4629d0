/**
 * The fast off-policy learners (src/fast/sac.ts, td3.ts) against the tfjs ones (src/algorithms/sac.ts,
 * td3.ts) from the same initial networks on the same minibatches with the same RNG seed (so the same
 * noise draws): critic targets (SAC's for a given ε' and α; TD3's target smoothing for a given noise,
 * clipped), every statistic, gradients, and the weights of every network after one and several
 * gradient steps — SAC with automatic and with fixed α, with log σ beyond its clamp; TD3 with its
 * delayed actor and target updates; DDPG — on both kernel implementations. And checkpoints across
 * learners: a run trained on either resumes on the other with the same networks, Adam state and
 * log α, and its next gradient step matches the one a resume on the same learner takes.
 *
 * Gradients are compared through Adam's first moments after the first step: m = (1 − β1)·g for both
 * learners (tfjs's own Adam on the reference side), so `<variable>/m` is each optimizer's gradient —
 * the critics' at the initial weights, the actor's through the updated critics, the temperature's.
 *
 * Tolerance: |fast − reference| ≤ 1e-6 + 1e-5·|reference| element-wise, after every step (float32
 * sums in a different order, and the fast path's loss heads in float64). Measured: the worst element
 * of any case is 0.06× that. A negative control checks that the comparison sees one noise draw of
 * difference; a wrong factor in the tanh correction's gradient, no log-σ clamp in the gradient, no
 * clip of TD3's target noise or no Polyak step each fails cases here (checked by hand when written).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import type { OffPolicyLearner } from '../../src/algorithms/offpolicy-nets.ts';
import { allocReplayBatch, type ReplayBatch } from '../../src/algorithms/replay-buffer.ts';
import { initialSacNetworks, SacLearner, type SacSettings } from '../../src/algorithms/sac.ts';
import { initialTd3Networks, Td3Learner, type Td3Settings } from '../../src/algorithms/td3.ts';
import { FastSacLearner } from '../../src/fast/sac.ts';
import { FastTd3Learner } from '../../src/fast/td3.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { OffPolicyAlgorithm } from '../../src/train/offpolicy.ts';
import { loadOffPolicyCheckpoint } from '../../src/train/offpolicy-checkpoint.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const RTOL = 1e-5;
const ATOL = 1e-6;

const tempRoot = tempDirs('arena-fast-offpolicy-');
let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  const backend = tf.backend() as { firstUse?: boolean };
  backend.firstUse = false;
  setLogLevel('warn');
  root = tempRoot();
});

/** The largest |fast − reference| / (ATOL + RTOL·|reference|) over the arrays: ≤ 1 within tolerance. */
function worst(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): number {
  expect(actual.length, what).toBe(expected.length);
  let w = 0;
  for (let i = 0; i < expected.length; i++) {
    const r = Math.abs(actual[i]! - expected[i]!) / (ATOL + RTOL * Math.abs(expected[i]!));
    if (!(r <= w)) w = Number.isNaN(r) ? Infinity : r;
  }
  return w;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const w = worst(actual, expected, what);
  if (!(w <= 1)) {
    const i = Array.from(expected, (e, j) => Math.abs(actual[j]! - e) / (ATOL + RTOL * Math.abs(e))).findIndex((r) => !(r <= 1));
    throw new Error(`${what}[${i}]: fast ${actual[i]} vs reference ${expected[i]} (${w.toFixed(1)}× the tolerance)`);
  }
}

/** Every network's weights, every optimizer's weights (iter, m, v) and the extra variables of a learner. */
async function state(l: OffPolicyLearner): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, net] of Object.entries(l.networks())) net.getWeights().forEach((w, i) => out.set(`${name}[${i}]`, w));
  for (const [name, opt] of Object.entries(l.optimizers())) {
    (await opt.getWeights()).forEach((w, i) => out.set(`${name} optimizer ${i === 0 ? 'iter' : w.name.endsWith('/m') ? `m${i}` : `v${i}`}`, Float32Array.from(w.tensor.dataSync())));
  }
  for (const [name, v] of Object.entries(l.extraVariables())) out.set(name, Float32Array.from(v.dataSync()));
  return out;
}

async function expectSameState(fast: OffPolicyLearner, ref: OffPolicyLearner, what: string): Promise<void> {
  const [f, r] = [await state(fast), await state(ref)];
  expect([...f.keys()].sort(), what).toEqual([...r.keys()].sort());
  for (const [k, v] of r) expectClose(f.get(k)!, v, `${what}: ${k}`);
}

function expectSameStats(fast: Record<string, number>, ref: Record<string, number>, what: string): void {
  expect(Object.keys(fast).sort(), what).toEqual(Object.keys(ref).sort());
  for (const [k, v] of Object.entries(ref)) {
    if (Number.isNaN(v)) expect(fast[k], `${what}: ${k}`).toBeNaN();
    else expectClose([fast[k]!], [v], `${what}: ${k}`);
  }
}

/** B transitions with random contents; every 5th terminated. */
function randomBatch(obsSize: number, actionDims: number, B: number, seed: number): ReplayBatch {
  const b = allocReplayBatch({ obsSize, actionDims }, B);
  const rng = new Rng(seed);
  for (let i = 0; i < b.obs.length; i++) b.obs[i] = rng.normal();
  for (let i = 0; i < b.nextObs.length; i++) b.nextObs[i] = rng.normal();
  for (let i = 0; i < b.actions.length; i++) b.actions[i] = rng.uniform(-1, 1);
  for (let i = 0; i < B; i++) {
    b.rewards[i] = rng.normal();
    b.dones[i] = i % 5 === 3 ? 1 : 0;
  }
  return b;
}

const normals = (n: number, seed: number, scale = 1): Float32Array => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
};

const OBS = 3;
const ACT = 2;
/** 30 rows: not a multiple of 4, so the fast path's padded rows are exercised. */
const B = 30;

const SAC: SacSettings = { obsSize: OBS, actionDims: ACT, hidden: [16, 12], activation: 'relu', lr: 3e-3, optimizerEps: 1e-8, gamma: 0.99, tau: 0.05, alpha: null, targetEntropy: null };
const TD3: Td3Settings = {
  algo: 'td3', obsSize: OBS, actionDims: ACT, hidden: [16, 12], activation: 'relu', lr: 3e-3, optimizerEps: 1e-8, gamma: 0.98, tau: 0.05,
  critics: 2, policyDelay: 2, targetNoise: 0.2, targetNoiseClip: 0.5, actionNoise: 0.1,
};
const DDPG: Td3Settings = { ...TD3, algo: 'ddpg', critics: 1, policyDelay: 1, targetNoise: 0, targetNoiseClip: 0 };

interface SacCase {
  readonly name: string;
  readonly settings: SacSettings;
  /** Added to the actor's log-σ output biases (pushes log σ past its clamp). */
  readonly logStdShift?: number;
}

const SAC_CASES: SacCase[] = [
  { name: 'automatic α', settings: SAC },
  { name: 'fixed α, tanh networks', settings: { ...SAC, alpha: 0.2, activation: 'tanh' } },
  { name: 'automatic α, log σ beyond its clamp [−20, 2] for many rows', settings: { ...SAC, targetEntropy: -0.5 }, logStdShift: 2 },
];

/** A tfjs and a fast SAC learner from the same initial networks. */
function sacPair(c: SacCase, kernels: 'wasm' | 'js'): [FastSacLearner, SacLearner] {
  const nets = () => {
    const n = initialSacNetworks(c.settings, 7);
    if (c.logStdShift) {
      const w = n.actor.getWeights();
      const bias = w.at(-1)!;
      for (let j = ACT; j < 2 * ACT; j++) bias[j]! += c.logStdShift;
      n.actor.setWeights(w);
    }
    return n;
  };
  return [new FastSacLearner(c.settings, 7, nets(), kernels), new SacLearner(c.settings, 7, nets())];
}

describe('fast SAC = tfjs SAC', () => {
  it.each(SAC_CASES)('critic target for a given ε\' and α: $name', (c) => {
    const [fast, ref] = sacPair(c, 'wasm');
    const batch = randomBatch(OBS, ACT, B, 1);
    const eps = normals(B * ACT, 2);
    expectClose(fast.target(batch, eps, 0.37), ref.target(batch, eps, 0.37), 'y');
    fast.dispose();
    ref.dispose();
  });

  for (const kernels of ['wasm', 'js'] as const) {
    it.each(SAC_CASES)(`${kernels} kernels: losses, gradients and every weight after one and after six gradient steps: $name`, async (c) => {
      const [fast, ref] = sacPair(c, kernels);
      await expectSameState(fast, ref, 'initial');
      const [rf, rr] = [new Rng(5), new Rng(5)];
      for (let step = 1; step <= 6; step++) {
        const batch = randomBatch(OBS, ACT, B, 100 + step);
        expectSameStats(fast.train(batch, rf), ref.train(batch, rr), `step ${step} stats`);
        if (step === 1 || step === 6) await expectSameState(fast, ref, `after step ${step}`);
      }
      expect(fast.alpha).not.toBe(c.settings.alpha ?? 1); // α moved (automatic) or…
      if (c.settings.alpha !== null) expect(fast.alpha).toBeCloseTo(c.settings.alpha, 6); // …stayed fixed
      fast.dispose();
      ref.dispose();
    });
  }

  it('acts like the tfjs actor: samples for the same draws, and the deterministic tanh(μ)', () => {
    const [fast, ref] = sacPair(SAC_CASES[0]!, 'wasm');
    const obs = normals(5 * OBS, 3);
    for (const explore of [true, false]) {
      const [a, b] = [new Float32Array(5 * ACT), new Float32Array(5 * ACT)];
      fast.act(obs, 5, a, explore, new Rng(9));
      ref.act(obs, 5, b, explore, new Rng(9));
      expectClose(a, b, `actions (explore ${explore})`);
    }
    fast.dispose();
    ref.dispose();
  });

  it('negative control: one different noise draw is seen', async () => {
    const [fast, ref] = sacPair(SAC_CASES[0]!, 'wasm');
    const batch = randomBatch(OBS, ACT, B, 1);
    const rf = new Rng(5);
    rf.normal(); // one draw ahead
    fast.train(batch, rf);
    ref.train(batch, new Rng(5));
    await expect(expectSameState(fast, ref, 'shifted noise')).rejects.toThrow(/× the tolerance/);
    fast.dispose();
    ref.dispose();
  });
});

function td3Pair(settings: Td3Settings, kernels: 'wasm' | 'js'): [FastTd3Learner, Td3Learner] {
  return [new FastTd3Learner(settings, 11, initialTd3Networks(settings, 11), kernels), new Td3Learner(settings, 11, initialTd3Networks(settings, 11))];
}

describe.each([
  ['TD3', TD3],
  ['DDPG', DDPG],
] as const)('fast %s = tfjs', (name, settings) => {
  it('critic target with target policy smoothing for a given noise, clipped at ±c and to [−1, 1]', () => {
    const [fast, ref] = td3Pair(settings, 'wasm');
    const batch = randomBatch(OBS, ACT, B, 1);
    // σ̃·ε beyond ±0.5 for a third of the entries
    const eps = normals(B * ACT, 2, 3);
    const y = fast.target(batch, eps);
    expectClose(y, ref.target(batch, eps), 'y');
    if (settings.targetNoise > 0) {
      // the noise matters: without it the target differs
      expect(worst(y, ref.target(batch, new Float32Array(B * ACT)), 'y without noise')).toBeGreaterThan(100);
    }
    fast.dispose();
    ref.dispose();
  });

  for (const kernels of ['wasm', 'js'] as const) {
    it(`${kernels} kernels: losses, gradients and every weight after one and after seven gradient steps (delayed actor and target updates)`, async () => {
      const [fast, ref] = td3Pair(settings, kernels);
      const [rf, rr] = [new Rng(5), new Rng(5)];
      for (let step = 1; step <= 7; step++) {
        const batch = randomBatch(OBS, ACT, B, 100 + step);
        expectSameStats(fast.train(batch, rf), ref.train(batch, rr), `${name} step ${step} stats`);
        // TD3's first actor step is step 2: its gradient is in the actor's first moments then
        if (step === 1 || step === 2 || step === 7) await expectSameState(fast, ref, `${name} after step ${step}`);
      }
      fast.dispose();
      ref.dispose();
    });
  }

  it('acts like the tfjs actor, with and without exploration noise', () => {
    const [fast, ref] = td3Pair(settings, 'wasm');
    const obs = normals(5 * OBS, 3);
    for (const explore of [true, false]) {
      const [a, b] = [new Float32Array(5 * ACT), new Float32Array(5 * ACT)];
      fast.act(obs, 5, a, explore, new Rng(9));
      ref.act(obs, 5, b, explore, new Rng(9));
      expectClose(a, b, `actions (explore ${explore})`);
    }
    fast.dispose();
    ref.dispose();
  });
});

/** `fn` with ARENA_LEARNER set to `kind` (restored after). */
async function withLearner<T>(kind: 'fast' | 'reference', fn: () => Promise<T>): Promise<T> {
  const saved = process.env.ARENA_LEARNER;
  process.env.ARENA_LEARNER = kind;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.ARENA_LEARNER;
    else process.env.ARENA_LEARNER = saved;
  }
}

describe('checkpoints across learners', () => {
  const info = getGame('pendulum-v1').info;
  const cases = (['sac', 'td3', 'ddpg'] as const).flatMap((algo) => [
    { algo, from: 'reference' as const, to: 'fast' as const },
    { algo, from: 'fast' as const, to: 'reference' as const },
  ]);

  it.each(cases)('$algo trained on the $from learner resumes on the $to one: same state, same next step', async ({ algo, from, to }) => {
    const dir = join(root, `${algo}-${from}`);
    // TD3 and DDPG: 4 critic steps per update, so the actor, its Adam and the targets have moved
    const config = resolveConfig(algo, 'pendulum-v1', { hidden: [16, 16], minibatchSize: 32, learningStarts: 40, evalGames: 1, totalSteps: 120, steps: 4, gradientSteps: 4, checkpointEvery: 10, evalEvery: 1000, saveReplay: true });
    await withLearner(from, () => runTraining({ config, outDir: dir, resume: false }));
    const restore = (kind: 'fast' | 'reference') => withLearner(kind, async () => OffPolicyAlgorithm.create({ config, info, seed: 0, rng: new Rng(0), restore: await loadOffPolicyCheckpoint(dir) }));
    const [same, other] = [await restore(from), await restore(to)];
    const fastClass = algo === 'sac' ? FastSacLearner : FastTd3Learner;
    expect(other.learner instanceof fastClass).toBe(to === 'fast');
    expect(same.learner instanceof fastClass).toBe(from === 'fast');
    expect(other.learner.updates).toBe(same.learner.updates);
    expect(other.learner.updates).toBeGreaterThan(40);
    // the same weights, Adam moments and step counts, log α: exactly
    const [a, b] = [await state(other.learner), await state(same.learner)];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.get('actor optimizer iter')![0]).toBeGreaterThan(10);
    for (const [k, v] of b) expect([...a.get(k)!], k).toEqual([...v]);
    // and the next step agrees: the restored optimizer state is used, not reset
    const batch = randomBatch(info.observationSize, info.actions, 32, 3);
    for (let step = 0; step < 2; step++) expectSameStats(other.learner.train(batch, new Rng(step)), same.learner.train(batch, new Rng(step)), `${algo} step ${step} after the resume`);
    await expectSameState(other.learner, same.learner, `${algo} after the resume`);
    same.dispose();
    other.dispose();
  });
});
