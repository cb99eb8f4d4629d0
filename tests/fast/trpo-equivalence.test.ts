/**
 * The fast TRPO learner (src/fast/trpo.ts) against the tfjs reference (src/algorithms/trpo.ts) from the
 * same weights and batch: the surrogate and its gradient g, Fisher-vector products (F + λI)·v for random
 * v, the conjugate-gradient solution, the step and its line search, the new actor, the critic after its
 * Adam epochs, the statistics, and the optimizer state — categorical heads with legal-action masks
 * (tanh and relu) and Gaussian heads, with zero-weight rows; and checkpoints that resume on the other path.
 *
 * Tolerance. What the fast path computes itself — L, g, F·v, the KL, the critic — agrees element-wise
 * to 1e-6 + 1e-5·|reference|, as tests/fast/equivalence.test.ts (measured: every check passes at half
 * of it, g and F·v at a quarter; the closest is the KL after a step, which the reference sums in
 * float32 from nearly cancelling terms). Conjugate gradient
 * then amplifies float32 rounding by about the condition number of F + λI, so the CG solution and all
 * that follows from it (the step, the new actor, the KL and surrogate after the step) are compared to
 * CG_RTOL = 1e-4 relative to the step's own size. That is not slack for the fast path: the reference
 * itself, run on tfjs's wasm backend instead of cpu, moves its CG solution by as much (measured over six
 * seeds, ‖Δx‖/‖x‖ fast vs cpu | wasm vs cpu: λ = 0.1, categorical tanh 6.1e-7 | 5.3e-7, relu 1.7e-5 |
 * 1.5e-5, Gaussian 3.8e-4 | 3.8e-3; at RL Zoo's CartPole damping λ = 1e-3 with 15 iterations both reach
 * 2–4e-2). The cases here use λ = 0.1, where the CG solutions agree to ≤ 2.5e-5.
 * The CG residual ‖g − (F + λI)s‖ is a difference of nearly equal vectors, so it is compared to
 * CG_RTOL·‖g‖. A wrong damping term (λ off by 1%) fails the F·v comparison by orders of magnitude;
 * the last test checks that it does.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { flatParameters, TrpoLearner, type TrpoSettings, type TrpoStats } from '../../src/algorithms/trpo.ts';
import { conjugateGradient, dot } from '../../src/algorithms/trust-region.ts';
import type { KernelChoice } from '../../src/fast/kernels.ts';
import { createTrpoLearner } from '../../src/fast/select.ts';
import { FastTrpoLearner } from '../../src/fast/trpo.ts';

const RTOL = 1e-5;
const ATOL = 1e-6;
/** Relative tolerance of the CG solution and what follows from it (see the file comment). */
const CG_RTOL = 1e-4;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const backend = tf.backend() as { firstUse?: boolean };
  backend.firstUse = false;
});

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = ATOL, rtol = RTOL): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= atol + rtol * Math.abs(expected[i]!))) throw new Error(`${what}[${i}]: fast ${actual[i]} vs reference ${expected[i]} (|Δ| = ${d.toExponential(2)})`);
  }
}

/** ‖a − b‖ ≤ rtol·‖b‖. */
function expectNormClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol: number): void {
  expect(actual.length, what).toBe(expected.length);
  let d = 0;
  for (let i = 0; i < expected.length; i++) d += (actual[i]! - expected[i]!) ** 2;
  const rel = Math.sqrt(d / dot(expected, expected));
  if (!(rel <= rtol)) throw new Error(`${what}: ‖fast − reference‖ / ‖reference‖ = ${rel.toExponential(2)} > ${rtol}`);
}

/** A policy with its orthogonal initialisation perturbed (no output near-constant), deterministic per seed. */
function makePolicy(spec: PolicySpec, seed: number): ActorCritic {
  const p = new ActorCritic(spec, seed);
  const rng = new Rng(seed + 1000);
  tf.tidy(() => {
    for (const v of p.trainableVariables()) {
      const d = (v.dataSync() as Float32Array).slice();
      for (let i = 0; i < d.length; i++) d[i]! += 0.3 * rng.normal();
      v.assign(tf.tensor(d, v.shape));
    }
  });
  return p;
}

/** `steps × envs` random transitions: legal-action masks with about 40% illegal (categorical), every fifth row padding (weight 0). */
function makeBuffer(spec: PolicySpec, steps: number, envs: number, seed: number): RolloutBuffer {
  const A = spec.actions;
  const gaussian = spec.head === 'gaussian';
  const buf = new RolloutBuffer({ steps, envs, obsSize: spec.obsSize, criticSize: 0, actions: A, continuous: gaussian });
  const rng = new Rng(seed);
  for (let i = 0; i < buf.obs.length; i++) buf.obs[i] = rng.normal();
  for (let i = 0; i < buf.size; i++) {
    if (gaussian) {
      for (let j = 0; j < A; j++) buf.continuousActions[i * A + j] = rng.normal();
    } else {
      const a = rng.int(A);
      for (let j = 0; j < A; j++) buf.masks[i * A + j] = rng.next() < 0.6 ? 1 : 0;
      buf.masks[i * A + a] = 1;
      buf.actions[i] = a;
    }
    buf.logProbs[i] = -1 + 0.4 * rng.normal();
    buf.values[i] = rng.normal();
    buf.advantages[i] = rng.normal();
    buf.returns[i] = buf.values[i]! + 0.5 * rng.normal();
    buf.valid[i] = i % 5 === 2 ? 0 : 1;
  }
  return buf;
}

const BASE: TrpoSettings = {
  kind: 'vanilla', clip: 0.2, clipValue: null, entCoef: 0, vfCoef: 0.5, normAdv: true, epochs: 3, minibatchSize: 16,
  lr: 1e-2, annealLr: false, annealClip: false, maxGradNorm: 0, targetKl: 0.01, optimizer: 'adam', optimizerEps: 1e-5,
  cgIters: 10, cgDamping: 0.1, lineSearchShrink: 0.8, lineSearchSteps: 10,
};

const CATEGORICAL: PolicySpec = { obsSize: 5, criticInputSize: 5, head: 'categorical', actions: 4, hidden: [16, 12], activation: 'tanh' };
const RELU: PolicySpec = { obsSize: 5, criticInputSize: 5, head: 'categorical', actions: 3, hidden: [12, 8, 5], activation: 'relu' };
const GAUSSIAN: PolicySpec = { obsSize: 3, criticInputSize: 3, head: 'gaussian', actions: 2, hidden: [8, 8], activation: 'tanh', initLogStd: -0.4 };

interface Case {
  readonly name: string;
  readonly spec: PolicySpec;
  readonly settings: Partial<TrpoSettings>;
}

const CASES: Case[] = [
  { name: 'categorical with masks, tanh', spec: CATEGORICAL, settings: {} },
  { name: 'categorical with masks, relu, 3 hidden layers, critic gradient clipping', spec: RELU, settings: { maxGradNorm: 0.5 } },
  { name: 'Gaussian, tanh, annealed learning rate', spec: GAUSSIAN, settings: { annealLr: true } },
  { name: 'categorical, no advantage normalisation, RMSprop critic', spec: CATEGORICAL, settings: { normAdv: false, optimizer: 'rmsprop', lr: 3e-3 } },
];

/** A reference and a fast learner on two policies with the same weights, and the same shuffle seed. */
function pair(c: Case, kernels?: KernelChoice): { ref: TrpoLearner; fast: FastTrpoLearner } {
  const s = { ...BASE, ...c.settings };
  return {
    ref: new TrpoLearner({ policy: makePolicy(c.spec, 3), settings: s, rng: new Rng(5) }),
    fast: new FastTrpoLearner({ policy: makePolicy(c.spec, 3), settings: s, rng: new Rng(5), kernels }),
  };
}

function dispose(...learners: (TrpoLearner | FastTrpoLearner)[]): void {
  for (const l of learners) {
    l.dispose();
    l.policy.dispose();
  }
}

/** Statistics the step does not move (the critic's, the gradient's, the settings'): the standard tolerance. */
const EXACT_STATS = ['losses/value_loss', 'losses/entropy', 'losses/explained_variance', 'losses/grad_norm', 'charts/learning_rate', 'charts/ent_coef', 'charts/epochs', 'charts/minibatch_steps', 'trpo/line_search_steps', 'trpo/line_search_accepted'] as const;

function expectStatsClose(fast: TrpoStats, ref: TrpoStats, gradNorm: number): void {
  expect(Object.keys(fast).sort()).toEqual(Object.keys(ref).sort());
  for (const key of Object.keys(ref) as (keyof TrpoStats)[]) {
    const [f, r] = [fast[key]!, ref[key]!];
    if (Number.isNaN(r)) expect(f, key).toBeNaN();
    else if ((EXACT_STATS as readonly string[]).includes(key)) expectAllClose([f], [r], key);
    else if (key === 'trpo/cg_residual') expectAllClose([f], [r], key, CG_RTOL * gradNorm, 0);
    else expectAllClose([f], [r], key, ATOL, CG_RTOL);
  }
}

describe('fast TRPO subproblem = reference subproblem', () => {
  it.each(CASES.flatMap((c) => (['wasm', 'wasm-fma', 'js'] as const).map((kernels) => ({ ...c, kernels }))))('$name ($kernels kernels): L, g, F·v for random v, and the CG solution', (c) => {
    const { ref, fast } = pair(c, c.kernels);
    const buf = makeBuffer(c.spec, 10, 5, 11);
    const a = ref.trustRegionProblem(buf);
    const b = fast.trustRegionProblem(buf);
    expectAllClose([b.surrogate], [a.surrogate], 'L(θ_old)');
    expectAllClose([b.entropy], [a.entropy], 'entropy');
    expectAllClose(b.gradient, a.gradient, 'g');
    const rng = new Rng(1);
    for (let k = 0; k < 3; k++) {
      const v = Float64Array.from({ length: a.gradient.length }, () => rng.normal());
      expectAllClose(b.fisherVectorProduct(v), a.fisherVectorProduct(v), `(F + λI)·v #${k}`);
    }
    const s = fast.trpo;
    const xa = conjugateGradient((v) => a.fisherVectorProduct(v), a.gradient, { iters: s.cgIters });
    const xb = conjugateGradient((v) => b.fisherVectorProduct(v), b.gradient, { iters: s.cgIters });
    expectNormClose(xb.x, xa.x, 'CG solution', CG_RTOL);
    // a step away and back: L and the KL at θ_old + 0.1·s, and θ_old restored exactly
    for (const p of [a, b]) p.setStep(xa.x, 0.1);
    const [ea, eb] = [a.evaluate(), b.evaluate()];
    expectAllClose([eb.surrogate], [ea.surrogate], 'L(θ_old + 0.1·s)');
    expectAllClose([eb.kl], [ea.kl], 'KL(θ_old, θ_old + 0.1·s)', 1e-9);
    for (const p of [a, b]) p.setStep(null, 0);
    expect(b.evaluate().kl).toBe(0);
    a.dispose();
    b.dispose();
    dispose(ref, fast);
  });
});

describe('fast TRPO update = reference update', () => {
  // On the plain kernels: three chained updates compare the step element-wise, which float32 rounding
  // that CG amplifies would blur. The fused-multiply-add kernels round GEMMs differently (their L, g,
  // F·v and CG solution are checked above at the same tolerances); from the same start their first
  // step differs by 1.3e-4 of its norm on the relu case, and the chain then compares different actors.
  it.each(CASES)('$name: the step, the new actor, the critic and the statistics over 3 updates', (c) => {
    const { ref, fast } = pair(c, 'wasm');
    let accepted = 0;
    for (let u = 0; u < 3; u++) {
      const buf = makeBuffer(c.spec, 10, 5, 20 + u);
      const before = flatParameters(ref.policy);
      const sr = ref.update(buf, u / 3);
      const sf = fast.update(buf, u / 3);
      expectStatsClose(sf, sr, sr['losses/grad_norm']);
      accepted += sr['trpo/line_search_accepted'];
      // the new actor: θ_old + step, with the step's error relative to its own size
      const [after, got] = [flatParameters(ref.policy), flatParameters(fast.policy)];
      const stepMax = Math.max(...after.map((x, i) => Math.abs(x - before[i]!)));
      expectAllClose(got, after, `actor after update ${u + 1}`, ATOL + CG_RTOL * stepMax);
      // the critic, fitted on its own: the standard tolerance
      const fc = fast.policy.criticVariables();
      ref.policy.criticVariables().forEach((v, i) => expectAllClose(fc[i]!.dataSync(), v.dataSync(), `critic ${v.name} after update ${u + 1}`));
    }
    expect(accepted).toBeGreaterThan(0);
    dispose(ref, fast);
  });

  it('keeps the old policy when there is no direction to step in (Â = 0: g = 0), as the reference', () => {
    const { ref, fast } = pair(CASES[0]!);
    const buf = makeBuffer(CATEGORICAL, 10, 5, 30);
    buf.advantages.fill(0);
    const before = flatParameters(fast.policy);
    const [sr, sf] = [ref.update(buf, 0), fast.update(buf, 0)];
    for (const s of [sr, sf]) expect([s['trpo/line_search_accepted'], s['trpo/line_search_steps'], s['trpo/step_size']]).toEqual([0, 0, 0]);
    expect(Array.from(flatParameters(fast.policy))).toEqual(Array.from(before));
    expectStatsClose(sf, sr, 0);
    dispose(ref, fast);
  });
});

describe('fast TRPO checkpoints', () => {
  it("holds the reference's critic optimizer state, and resumes from it (and it from the fast one's)", async () => {
    for (const c of [CASES[0]!, CASES[3]!]) {
      const { ref, fast } = pair(c);
      const buf = makeBuffer(c.spec, 10, 5, 40);
      ref.update(buf, 0);
      fast.update(buf, 0);
      const [wr, wf] = [await ref.optimizer.getWeights(), await fast.optimizer.getWeights()];
      // the same entries under the same names (tfjs numbers each policy's layers: kernel_3 vs kernel_4)
      const unnumbered = (name: string) => name.replace(/_\d+(?=\/)/g, '');
      expect(wf.map((w) => unnumbered(w.name))).toEqual(wr.map((w) => unnumbered(w.name)));
      expect(wf.slice(1, 1 + fast.policy.criticVariables().length).map((w) => w.name)).toEqual(fast.policy.criticVariables().map((v) => `${v.name}/${c.settings.optimizer === 'rmsprop' ? 'rms' : 'm'}`));
      expect(wr.length).toBe(1 + 2 * ref.policy.criticVariables().length);
      wr.forEach((w, i) => expectAllClose(wf[i]!.tensor.dataSync(), w.tensor.dataSync(), `${c.name}: ${w.name}`));
      // cross-resume: a fast learner from the reference's weights and optimizer, and the other way round
      const s = { ...BASE, ...c.settings };
      const fromRef = new FastTrpoLearner({ policy: makePolicy(c.spec, 3), settings: s, rng: new Rng(9) });
      fromRef.policy.setWeights(ref.policy.getWeights());
      await fromRef.optimizer.setWeights(wr);
      const fromFast = new TrpoLearner({ policy: makePolicy(c.spec, 3), settings: s, rng: new Rng(9) });
      fromFast.policy.setWeights(fast.policy.getWeights());
      await fromFast.optimizer.setWeights(wf);
      const next = makeBuffer(c.spec, 10, 5, 41);
      fromRef.update(next, 0.5);
      fromFast.update(next, 0.5);
      const [a, b] = [fromFast.policy.criticVariables(), fromRef.policy.criticVariables()];
      a.forEach((v, i) => expectAllClose(b[i]!.dataSync(), v.dataSync(), `${c.name}: critic ${v.name} after resuming on the other path`));
      const [ra, rb] = [await fromFast.optimizer.getWeights(), await fromRef.optimizer.getWeights()];
      expect(rb[0]!.tensor.dataSync()[0]).toBe(2 * s.epochs * 3); // iter: 2 updates × epochs × ⌈40 / 16⌉ minibatches
      ra.forEach((w, i) => expectAllClose(rb[i]!.tensor.dataSync(), w.tensor.dataSync(), `${c.name}: resumed ${w.name}`));
      dispose(ref, fast, fromRef, fromFast);
    }
  });

  it('restores a tfjs optimizer saved before its first step (iter alone) as zero moments', async () => {
    const { ref, fast } = pair(CASES[0]!);
    const w = await ref.optimizer.getWeights();
    expect(w.map((x) => x.name)).toEqual(['iter']);
    await fast.optimizer.setWeights(w);
    const buf = makeBuffer(CATEGORICAL, 10, 5, 50);
    ref.update(buf, 0);
    fast.update(buf, 0);
    const fc = fast.policy.criticVariables();
    ref.policy.criticVariables().forEach((v, i) => expectAllClose(fc[i]!.dataSync(), v.dataSync(), `critic ${v.name}`));
    dispose(ref, fast);
  });
});

describe('fast TRPO selection', () => {
  it("follows chooseLearner's rule: fast on wasm and cpu, the reference on native backends, ARENA_LEARNER overrides", () => {
    const make = (backend: string, override?: string) => {
      const saved = process.env.ARENA_LEARNER;
      if (override === undefined) delete process.env.ARENA_LEARNER;
      else process.env.ARENA_LEARNER = override;
      try {
        const l = createTrpoLearner({ policy: makePolicy(CATEGORICAL, 1), settings: BASE, rng: new Rng(0), backend });
        const fastKind = l instanceof FastTrpoLearner;
        l.dispose();
        l.policy.dispose();
        return fastKind;
      } finally {
        if (saved === undefined) delete process.env.ARENA_LEARNER;
        else process.env.ARENA_LEARNER = saved;
      }
    };
    expect(make('wasm')).toBe(true);
    expect(make('cpu')).toBe(true);
    expect(make('tensorflow')).toBe(false);
    expect(make('cpu', 'reference')).toBe(false);
    expect(make('tensorflow', 'fast')).toBe(true);
  });
});

describe('the comparison is sensitive', () => {
  it('a wrong damping term (λ off by 1%) fails the F·v comparison', () => {
    const c = CASES[0]!;
    const ref = new TrpoLearner({ policy: makePolicy(c.spec, 3), settings: BASE, rng: new Rng(5) });
    const fast = new FastTrpoLearner({ policy: makePolicy(c.spec, 3), settings: { ...BASE, cgDamping: BASE.cgDamping * 1.01 }, rng: new Rng(5) });
    const buf = makeBuffer(c.spec, 10, 5, 11);
    const [a, b] = [ref.trustRegionProblem(buf), fast.trustRegionProblem(buf)];
    const v = Float64Array.from({ length: a.gradient.length }, (_, i) => Math.sin(i + 1));
    expect(() => expectAllClose(b.fisherVectorProduct(v), a.fisherVectorProduct(v), 'F·v')).toThrow(/F·v/);
    a.dispose();
    b.dispose();
    dispose(ref, fast);
  });
});
