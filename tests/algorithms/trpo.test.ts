/**
 * TRPO's pieces on cases worked out by hand (Schulman et al. 2015, Appendix C): conjugate gradient on a
 * small SPD system, the step length β = √(2δ / sᵀFs), the backtracking line search, the closed-form KLs,
 * and the Fisher-vector product — against the analytic Jᵀ(diag p − ppᵀ)J of a linear softmax policy, and
 * against finite differences of ∇KL (the KL's Hessian) on tanh MLPs with a categorical and a Gaussian head.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { MASKED_LOGIT } from '../../agents/policy.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import {
  assignParameters,
  categoricalKl,
  disposeOldPolicy,
  fisherVectorProduct,
  flatParameters,
  gaussianKl,
  meanKl,
  snapshotOldPolicy,
  TrpoLearner,
  type TrpoSettings,
} from '../../src/algorithms/trpo.ts';
import { backtrackingLineSearch, conjugateGradient, dot, maxStepScale } from '../../src/algorithms/trust-region.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]] (symmetric, diagonally dominant: positive definite), b = [1, 2, 3]
const A = [
  [4, 1, 0],
  [1, 3, 1],
  [0, 1, 2],
];
const matVec = (v: ArrayLike<number>) => Float64Array.from(A.map((row) => dot(row, v)));
const b = [1, 2, 3];

describe('conjugate gradient (Hestenes & Stiefel 1952)', () => {
  it('solves a 3×3 SPD system exactly in 3 iterations', () => {
    // by elimination: x₂ = 1 − 4x₁, x₃ = 1 + 2x₁, then x₁ + 3x₂ + x₃ = 2 gives x₁ = 2/9: x = [2/9, 1/9, 13/9]
    const { x, iterations, residualNorm } = conjugateGradient(matVec, b, { iters: 10 });
    expect(iterations).toBe(3);
    [2 / 9, 1 / 9, 13 / 9].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 12));
    expect(residualNorm).toBeLessThan(1e-5);
  });

  it('takes the steepest-descent step first: x₁ = (bᵀb / bᵀAb)·b', () => {
    // bᵀb = 14, Ab = [6, 10, 8], bᵀAb = 50: x₁ = 0.28·b
    const { x, iterations } = conjugateGradient(matVec, b, { iters: 1 });
    expect(iterations).toBe(1);
    [0.28, 0.56, 0.84].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 12));
  });
});

describe('the trust-region step (Appendix C)', () => {
  it('β = √(2δ / sᵀAs) puts the quadratic KL estimate ½(βs)ᵀA(βs) exactly on δ', () => {
    // s = A⁻¹b = [2/9, 1/9, 13/9]: sᵀAs = sᵀb = (2 + 2 + 39)/9 = 43/9; δ = 0.01: β = √(0.18/43) = 0.0646997
    const beta = maxStepScale(43 / 9, 0.01);
    expect(beta).toBeCloseTo(0.0646997, 6);
    expect(0.5 * beta * beta * (43 / 9)).toBeCloseTo(0.01, 12);
    expect(maxStepScale(0, 0.01)).toBe(0);
    expect(maxStepScale(Number.NaN, 0.01)).toBe(0);
  });

  it('the line search rejects steps that break the KL bound and accepts the first shrunk one within it', () => {
    // L rises along the step (L = f), KL = 0.05·f²: with δ = 0.01 a fraction f passes when f ≤ √0.2 = 0.447.
    // Shrinking by 0.8: f = 1, 0.8, 0.64, 0.512 break it (KL 0.05, 0.032, 0.0205, 0.0131); 0.4096 gives 0.0083886.
    const tried: number[] = [];
    const r = backtrackingLineSearch(
      (f) => {
        tried.push(f);
        return { surrogate: f, kl: 0.05 * f * f };
      },
      { surrogateBefore: 0, maxKl: 0.01, shrink: 0.8, maxSteps: 10 },
    );
    expect(tried.map((f) => +f.toFixed(6))).toEqual([1, 0.8, 0.64, 0.512, 0.4096]);
    expect(r.accepted).toBe(true);
    expect(r.evaluations).toBe(5);
    expect(r.fraction).toBeCloseTo(0.4096, 12);
    expect(r.kl).toBeCloseTo(0.0083886, 7);
  });

  it('keeps the old policy when no candidate improves the surrogate within the bound', () => {
    const worse = backtrackingLineSearch(() => ({ surrogate: -1, kl: 0 }), { surrogateBefore: 0, maxKl: 0.01, shrink: 0.8, maxSteps: 10 });
    expect(worse).toEqual({ accepted: false, fraction: 0, evaluations: 10, surrogate: 0, kl: 0 });
    const tooFar = backtrackingLineSearch(() => ({ surrogate: 1, kl: 1 }), { surrogateBefore: 0, maxKl: 0.01, shrink: 0.5, maxSteps: 3 });
    expect(tooFar.accepted).toBe(false);
    expect(tooFar.evaluations).toBe(3);
  });
});

describe('closed-form KL divergences', () => {
  it('Gaussian: Σ_j [log σ₁/σ₀ + (σ₀² + (μ₀ − μ₁)²)/(2σ₁²) − ½]', () => {
    // dim 1: σ₀ = 1, σ₁ = 2, Δμ = 0.5: ln 2 + 1.25/8 − ½ = 0.3493972
    // dim 2: σ₀ = 2, σ₁ = 1, Δμ = 1:   −ln 2 + 5/2 − ½ = 1.3068528;  sum 1.65625 (the logs cancel)
    const kl = gaussianKl(tf.tensor2d([[0, 1]]), tf.tensor1d([0, Math.log(2)]), tf.tensor2d([[0.5, 0]]), tf.tensor1d([Math.log(2), 0]));
    expect(kl.dataSync()[0]).toBeCloseTo(1.65625, 5);
    // KL(p ‖ p) = 0
    expect(gaussianKl(tf.tensor2d([[0.3, -2]]), tf.tensor1d([0.1, -0.4]), tf.tensor2d([[0.3, -2]]), tf.tensor1d([0.1, -0.4])).dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('a Gaussian policy: meanKl after moving the mean and log-std equals the closed form', () => {
    const policy = new ActorCritic({ obsSize: 1, criticInputSize: 1, head: 'gaussian', actions: 2, hidden: [], activation: 'tanh' }, 0);
    // μ(x) = x·[0, 1] + b: at x = 1, μ = [0, 1]; log σ = [0, ln 2]
    policy.actor.layers[0]!.setWeights([tf.tensor2d([[0, 1]]), tf.zeros([2])]);
    policy.logStd!.assign(tf.tensor1d([0, Math.log(2)]));
    const obs = tf.tensor2d([[1]]);
    const old = snapshotOldPolicy(policy, obs, null, tf.tensor1d([1]));
    // move to μ = [0.5, 0], log σ = [ln 2, 0]: the case above
    policy.actor.layers[0]!.setWeights([tf.tensor2d([[0, 1]]), tf.tensor1d([0.5, -1])]);
    policy.logStd!.assign(tf.tensor1d([Math.log(2), 0]));
    expect(meanKl(old).dataSync()[0]).toBeCloseTo(1.65625, 5);
    disposeOldPolicy(old);
  });

  it('categorical: Σ p (log p − log q); a masked action (p = 0) adds nothing', () => {
    // p = [½, ½], q = [¾, ¼]: ½ ln(2/3) + ½ ln 2 = 0.1438410
    const kl = categoricalKl(tf.log(tf.tensor2d([[0.5, 0.5]])) as tf.Tensor2D, tf.log(tf.tensor2d([[0.75, 0.25]])) as tf.Tensor2D);
    expect(kl.dataSync()[0]).toBeCloseTo(0.143841, 5);
    const masked = categoricalKl(tf.logSoftmax(tf.tensor2d([[0, 0, MASKED_LOGIT]])) as tf.Tensor2D, tf.logSoftmax(tf.tensor2d([[Math.log(3), 0, MASKED_LOGIT + 5]])) as tf.Tensor2D);
    expect(masked.dataSync()[0]).toBeCloseTo(0.143841, 5);
  });
});

/** A linear softmax policy: logits z = x·W + b with W = [[1, 0], [0, 0]], b = 0. */
function linearSoftmax(): ActorCritic {
  const p = new ActorCritic({ obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 2, hidden: [], activation: 'tanh' }, 0);
  p.actor.layers[0]!.setWeights([tf.tensor2d([[1, 0], [0, 0]]), tf.zeros([2])]);
  return p;
}

describe('the Fisher-vector product', () => {
  it('equals Jᵀ(diag p − ppᵀ)J·v averaged over states, for a linear softmax policy', () => {
    const policy = linearSoftmax();
    // x₁ = [1, 0]: z = [1, 0], p₁ = [0.7310586, 0.2689414];  x₂ = [0, 1]: z = [0, 0], p₂ = [½, ½]; a third,
    // padding row (weight 0) must not count
    const obs = tf.tensor2d([[1, 0], [0, 1], [5, -3]]);
    const old = snapshotOldPolicy(policy, obs, null, tf.tensor1d([1, 1, 0]));
    // v: W-part [[1, 0], [0, 2]] (row-major, as the kernel), b-part [0.5, −0.5]
    const v = [1, 0, 0, 2, 0.5, -0.5];
    // J v per state (z = xW + b): x₁: [1, 0] + [0.5, −0.5] = [1.5, −0.5];  x₂: [0, 2] + [0.5, −0.5] = [0.5, 1.5]
    // two actions: diag p − ppᵀ = p₀p₁·[[1, −1], [−1, 1]];  p₀p₁ = e/(e + 1)² = 0.1966119 for x₁, ¼ for x₂
    // M J v: x₁: 0.1966119·[2, −2] = [0.3932239, −0.3932239];  x₂: ¼·[−1, 1];  each weighted ½:
    //   m₁ = [0.1966119, −0.1966119], m₂ = [−0.125, 0.125]
    // Jᵀm: ∂/∂W[j][k] = Σ_i x_ij m_ik: row 0 = m₁, row 1 = m₂;  ∂/∂b = m₁ + m₂ = [0.0716119, −0.0716119]
    const expected = [0.1966119, -0.1966119, -0.125, 0.125, 0.0716119, -0.0716119];
    const fv = fisherVectorProduct(old, v, 0);
    expected.forEach((e, i) => expect(fv[i]).toBeCloseTo(e, 6));
    // with damping λ: (F + λI)·v
    const damped = fisherVectorProduct(old, v, 0.1);
    expected.forEach((e, i) => expect(damped[i]).toBeCloseTo(e + 0.1 * v[i]!, 6));
    disposeOldPolicy(old);
    policy.dispose();
  });

  /** (∇KL(θ + εv) − ∇KL(θ − εv)) / 2ε: the Hessian of the mean KL at θ_old times v, by central differences. */
  function hessianByDifferences(policy: ActorCritic, old: Parameters<typeof meanKl>[0], v: Float64Array, eps: number): Float64Array {
    const theta = flatParameters(policy);
    const vars = policy.actorVariables();
    const gradAt = (scale: number) => {
      assignParameters(policy, theta, v, scale);
      const flat = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => meanKl(old), vars);
        return tf.concat(vars.map((x) => tf.reshape(grads[x.name]!, [-1])));
      });
      const out = Float64Array.from(flat.dataSync());
      flat.dispose();
      return out;
    };
    const plus = gradAt(eps);
    const minus = gradAt(-eps);
    assignParameters(policy, theta, null, 0);
    return plus.map((p, i) => (p - minus[i]!) / (2 * eps));
  }

  for (const head of ['categorical', 'gaussian'] as const) {
    it(`is the Hessian of the mean KL at θ_old on a tanh MLP with a ${head} head`, () => {
      const policy = new ActorCritic({ obsSize: 3, criticInputSize: 3, head, actions: 3, hidden: [5], activation: 'tanh', initLogStd: -0.3 }, 7);
      // a larger output layer than the 0.01 initialisation, so the policy is far from uniform
      const out = policy.actor.layers[1]!;
      out.setWeights([tf.mul(out.getWeights()[0]!, 100), tf.tensor1d([0.2, -0.1, 0.3])]);
      const rng = new Rng(3);
      const obs = tf.tensor2d(Array.from({ length: 6 }, () => [rng.normal(), rng.normal(), rng.normal()]));
      // categorical: one row with action 2 illegal
      const mask = head === 'categorical' ? tf.tensor2d([[0, 0, MASKED_LOGIT], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]) : null;
      const old = snapshotOldPolicy(policy, obs, mask, tf.tensor1d([1, 1, 1, 1, 1, 0]));
      const n = flatParameters(policy).length;
      const v = Float64Array.from({ length: n }, () => rng.normal());
      const fv = fisherVectorProduct(old, v, 0);
      const hv = hessianByDifferences(policy, old, v, 1e-2);
      const scale = Math.max(...Array.from(hv, Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      fv.forEach((x, i) => expect(Math.abs(x - hv[i]!)).toBeLessThan(0.02 * scale));
      // F is positive semi-definite: vᵀFv ≥ 0
      expect(dot(v, fv)).toBeGreaterThan(0);
      disposeOldPolicy(old);
      policy.dispose();
    });
  }
});

const SETTINGS: TrpoSettings = {
  kind: 'vanilla', clip: 0.2, clipValue: null, entCoef: 0, vfCoef: 0.5, normAdv: true, epochs: 5, minibatchSize: 16,
  lr: 1e-2, annealLr: false, annealClip: false, maxGradNorm: 0, targetKl: 0.01, optimizer: 'adam', optimizerEps: 1e-5,
  cgIters: 10, cgDamping: 0.1, lineSearchShrink: 0.8, lineSearchSteps: 10,
};

/** A one-step batch of `n` rows played by `policy`, with rewards favouring action 0 (categorical) or a = 1 (Gaussian). */
function banditBatch(policy: ActorCritic, n: number, rng: Rng): RolloutBuffer {
  const continuous = policy.spec.head === 'gaussian';
  const buf = new RolloutBuffer({ steps: 1, envs: n, obsSize: 2, criticSize: 0, actions: policy.spec.actions, continuous });
  for (let i = 0; i < n; i++) buf.obs.set([rng.normal(), rng.normal()], 2 * i);
  buf.masks.fill(1);
  policy.act(buf.obs, n, buf.masks, rng, { actions: buf.actions, continuous: buf.continuousActions, logProbs: buf.logProbs, values: buf.values });
  for (let i = 0; i < n; i++) {
    buf.rewards[i] = continuous ? -((buf.continuousActions[i]! - 1) ** 2) : buf.actions[i] === 0 ? 1 : 0;
    buf.returns[i] = buf.rewards[i]!;
    buf.advantages[i] = buf.rewards[i]! - buf.values[i]!;
    buf.dones[i] = 1;
  }
  buf.valid[n - 1] = 0; // one padding row
  return buf;
}

describe('TrpoLearner', () => {
  for (const head of ['categorical', 'gaussian'] as const) {
    it(`takes a ${head} step that improves the surrogate within the KL bound, and fits the critic alone`, () => {
      const policy = new ActorCritic({ obsSize: 2, criticInputSize: 2, head, actions: 2, hidden: [8], activation: 'tanh' }, 1);
      const rng = new Rng(2);
      const learner = new TrpoLearner({ policy, rng, settings: SETTINGS });
      const valueLosses: number[] = [];
      for (let k = 0; k < 4; k++) {
        const buf = banditBatch(policy, 64, rng);
        const before = flatParameters(policy);
        const s = learner.update(buf, 0);
        expect(s['trpo/kl']).toBeLessThanOrEqual(SETTINGS.targetKl!);
        expect(s['trpo/line_search_accepted']).toBe(1);
        expect(s['trpo/surrogate_improvement']).toBeGreaterThan(0);
        expect(s['trpo/line_search_steps']).toBeGreaterThanOrEqual(1);
        // the applied step is step_size·s, of norm step_norm
        const after = flatParameters(policy);
        expect(Math.sqrt(before.reduce((a, x, i) => a + (after[i]! - x) ** 2, 0))).toBeCloseTo(s['trpo/step_norm'], 4);
        expect(s['charts/minibatch_steps']).toBe(5 * 4); // 63 valid rows in minibatches of 16, 5 epochs
        valueLosses.push(s['losses/value_loss']);
      }
      expect(valueLosses[3]).toBeLessThan(valueLosses[0]!);
      // the critic's Adam holds moments for the critic's variables only
      const critic = new Set(policy.criticVariables().map((v) => v.name));
      return learner.optimizer.getWeights().then((ws) => {
        const slots = ws.filter((w) => w.name !== 'iter');
        expect(slots.length).toBe(2 * critic.size);
        for (const w of slots) expect([...critic].some((c) => w.name.startsWith(c))).toBe(true);
        learner.dispose();
        policy.dispose();
      });
    });
  }
});
