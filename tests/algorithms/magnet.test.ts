/**
 * Magnet-regularised updates (`magnetEvery`): the regulariser KL(π‖ρ) to a frozen magnet policy ρ
 * instead of the entropy bonus. Hand-computed loss and gradient on a one-layer policy; the two
 * identities that pin the term down (a uniform magnet is the entropy bonus, up to a constant; a
 * magnet equal to π has zero gradient); and the algorithm's refresh schedule and checkpointed magnet.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { PolicyGradientLearner, type LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { FastLearner } from '../../src/fast/learner.ts';
import { magnetLrScale, magnetMixAt, PolicyGradientAlgorithm, type MagnetState } from '../../src/train/algorithm.ts';
import { resolveConfig } from '../../src/train/config.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SETTINGS: LearnerSettings = {
  kind: 'clipped',
  clip: 0.2,
  clipValue: null,
  entCoef: 0.1,
  vfCoef: 0,
  normAdv: false,
  epochs: 1,
  minibatchSize: 1 << 20,
  lr: 1e-3,
  annealLr: false,
  annealClip: false,
  maxGradNorm: 0,
  targetKl: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
};

/** Logits = the output bias (no hidden layer, zero kernel): a policy whose probabilities we choose. */
function biasPolicy(actions: number, bias: number[]): ActorCritic {
  const spec: PolicySpec = { obsSize: 2, criticInputSize: 2, head: 'categorical', actions, hidden: [], activation: 'tanh' };
  const p = new ActorCritic(spec, 1);
  p.setWeights([new Float32Array(2 * actions), Float32Array.from(bias), new Float32Array(2), new Float32Array(1)]);
  return p;
}

/** One row, every action legal, action 0 taken at its own probability (ratio 1), advantage 0. */
function oneRow(policy: ActorCritic, magnet: number[] | null): RolloutBuffer {
  const A = policy.spec.actions;
  const b = new RolloutBuffer({ steps: 1, envs: 1, obsSize: 2, criticSize: 0, actions: A, continuous: false });
  b.masks.fill(1);
  b.actions[0] = 0;
  const logits = policy.getWeights()[1]!;
  const lse = Math.log(Array.from(logits).reduce((a, z) => a + Math.exp(z), 0));
  b.logProbs[0] = logits[0]! - lse;
  b.advantages[0] = 0;
  b.magnetLogp = magnet ? Float32Array.from(magnet) : null;
  return b;
}

function gradients(policy: ActorCritic, buf: RolloutBuffer, settings = SETTINGS): { loss: number; bias: number[]; kernel: number[] } {
  const f = new FastLearner({ policy, settings, rng: new Rng(0), kernels: 'js' });
  const g = f.computeGradients(buf, Int32Array.of(0));
  // no hidden layer: the variables are the actor's kernel and bias, then the critic's
  const [kernel, bias] = f.layout.variables;
  expect(bias!.name).toMatch(/^actor_out\/bias/);
  const out = { loss: g.loss, bias: Array.from(g.grads.subarray(bias!.offset, bias!.offset + bias!.size)), kernel: Array.from(g.grads.subarray(kernel!.offset, kernel!.offset + kernel!.size)) };
  f.dispose();
  return out;
}

describe('magnet KL regulariser', () => {
  it('hand-computed: π uniform over 2 actions, ρ = (0.8, 0.2)', () => {
    const policy = biasPolicy(2, [0, 0]);
    const g = gradients(policy, oneRow(policy, [Math.log(0.8), Math.log(0.2)]));
    // KL(π‖ρ) = ½·ln(0.5/0.8) + ½·ln(0.5/0.2) = ½·ln(25/16) = 0.22314; loss = c·KL = 0.022314
    expect(g.loss).toBeCloseTo(0.1 * 0.5 * Math.log(25 / 16), 6);
    // ∂KL/∂z_b = π_b·(ln π_b − ln ρ_b − KL): ½·(ln 0.625 − 0.22314) = −0.34657, ½·(ln 2.5 − 0.22314) = +0.34657
    expect(g.bias[0]).toBeCloseTo(0.1 * 0.5 * (Math.log(0.625) - 0.5 * Math.log(25 / 16)), 6);
    expect(g.bias[1]).toBeCloseTo(0.1 * 0.5 * (Math.log(2.5) - 0.5 * Math.log(25 / 16)), 6);
    expect(g.bias[0]).toBeCloseTo(-0.034657, 5);
    policy.dispose();
  });

  it('a uniform magnet is the entropy bonus: same gradient, loss shifted by c·ln|A|', () => {
    const policy = biasPolicy(3, [0.7, -0.4, 0.1]);
    const plain = gradients(policy, oneRow(policy, null));
    const uniform = gradients(policy, oneRow(policy, [Math.log(1 / 3), Math.log(1 / 3), Math.log(1 / 3)]));
    for (let j = 0; j < 3; j++) expect(uniform.bias[j]).toBeCloseTo(plain.bias[j]!, 7);
    expect(uniform.loss - plain.loss).toBeCloseTo(0.1 * Math.log(3), 6);
    expect(Math.max(...plain.bias.map(Math.abs))).toBeGreaterThan(1e-3); // the entropy bonus does push
    policy.dispose();
  });

  it('a magnet equal to the current policy exerts no force (KL(π‖π) is stationary)', () => {
    const bias = [0.7, -0.4, 0.1];
    const policy = biasPolicy(3, bias);
    const lse = Math.log(bias.reduce((a, z) => a + Math.exp(z), 0));
    const g = gradients(policy, oneRow(policy, bias.map((z) => z - lse)));
    expect(Math.max(...g.bias.map(Math.abs))).toBeLessThan(1e-7);
    expect(g.loss).toBeCloseTo(0, 7);
    policy.dispose();
  });
});

describe('PolicyGradientAlgorithm with magnetEvery', () => {
  const info = getGame('kuhn-poker').info;

  function segment(): RolloutBuffer {
    const b = new RolloutBuffer({ steps: 4, envs: 2, obsSize: info.observationSize, criticSize: 0, actions: info.actions, continuous: false });
    const rng = new Rng(3);
    for (let i = 0; i < b.size; i++) {
      for (let k = 0; k < info.observationSize; k++) b.obs[i * info.observationSize + k] = rng.next() < 0.3 ? 1 : 0;
      b.masks.fill(1, i * info.actions, (i + 1) * info.actions);
      b.actions[i] = rng.int(info.actions);
      b.logProbs[i] = -Math.log(info.actions);
      b.rewards[i] = rng.normal();
      b.dones[i] = i % 3 === 2 ? 1 : 0;
    }
    return b;
  }

  const make = (magnetEvery: number | null, magnet: MagnetState | null = null) => {
    const config = resolveConfig('ppo', info.id, { magnetEvery, magnetMix: 0, hidden: [8], epochs: 2, minibatchSize: 4 });
    const policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5);
    return new PolicyGradientAlgorithm({ config, info, policy, rng: new Rng(1), magnet });
  };

  it('refreshes the magnet every magnetEvery updates, and a checkpoint restores it exactly', () => {
    const alg = make(3);
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) {
      alg.update([segment()], 0);
      seen.push((alg.extraState().magnet as MagnetState).age);
    }
    // ages 1, 2, 3, then the refresh at the 4th update restarts the count
    expect(seen).toEqual([1, 2, 3, 1, 2]);
    const saved = alg.extraState().magnet as MagnetState;
    // the magnet is the policy as it was at the refresh (after 3 updates), not the current one
    const current = alg.policy.getWeights().map((w) => Buffer.from(w.buffer).toString('base64'));
    expect(saved.weights).not.toEqual(current);
    // resumed from the checkpointed state, the next update sees the same magnet log-probabilities
    const resumed = make(3, JSON.parse(JSON.stringify(saved)) as MagnetState);
    resumed.policy.setWeights(alg.policy.getWeights());
    const a = segment();
    const b = segment();
    alg.update([a], 0);
    resumed.update([b], 0);
    expect(Array.from(b.magnetLogp!)).toEqual(Array.from(a.magnetLogp!));
    alg.dispose();
    resumed.dispose();
  });

  it('magnetMix blends the copy with the uniform policy over the legal actions (full support)', () => {
    const pure = make(3);
    const config = resolveConfig('ppo', info.id, { magnetEvery: 3, magnetMix: 0.25, hidden: [8], epochs: 2, minibatchSize: 4 });
    const policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5);
    const mixed = new PolicyGradientAlgorithm({ config, info, policy, rng: new Rng(1) });
    const a = segment();
    const b = segment();
    pure.update([a], 0);
    mixed.update([b], 0);
    const legal = info.actions; // every action legal in these segments
    for (let k = 0; k < a.size * info.actions; k++) {
      // log ρ' = log(0.75·ρ + 0.25/|legal|)
      expect(b.magnetLogp![k]).toBeCloseTo(Math.log(0.75 * Math.exp(a.magnetLogp![k]!) + 0.25 / legal), 5);
      expect(b.magnetLogp![k]).toBeGreaterThanOrEqual(Math.log(0.25 / legal) - 1e-6);
    }
    pure.dispose();
    mixed.dispose();
  });

  it('magnetMixFinal anneals the blend linearly over the run (0.2 → 0.02: 0.11 halfway) and holds it after', () => {
    expect(magnetMixAt({ magnetMix: 0.2, magnetMixFinal: null }, 0.7)).toBe(0.2);
    expect(magnetMixAt({ magnetMix: 0.2, magnetMixFinal: 0.02 }, 0)).toBeCloseTo(0.2, 12);
    expect(magnetMixAt({ magnetMix: 0.2, magnetMixFinal: 0.02 }, 0.5)).toBeCloseTo(0.11, 12);
    expect(magnetMixAt({ magnetMix: 0.2, magnetMixFinal: 0.02 }, 1)).toBeCloseTo(0.02, 12);
    expect(magnetMixAt({ magnetMix: 0.2, magnetMixFinal: 0.02 }, 1.3)).toBeCloseTo(0.02, 12);
    // the update applies the blend of its own progress: at 0.5 the rows' log ρ' use ε = 0.11
    const pure = make(3);
    const config = resolveConfig('ppo', info.id, { magnetEvery: 3, magnetMix: 0.2, magnetMixFinal: 0.02, hidden: [8], epochs: 2, minibatchSize: 4 });
    const policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5);
    const mixed = new PolicyGradientAlgorithm({ config, info, policy, rng: new Rng(1) });
    const a = segment();
    const b = segment();
    pure.update([a], 0.5);
    const stats = mixed.update([b], 0.5);
    expect(stats['charts/magnet_mix']).toBeCloseTo(0.11, 12);
    for (let k = 0; k < a.size * info.actions; k++) expect(b.magnetLogp![k]).toBeCloseTo(Math.log(0.89 * Math.exp(a.magnetLogp![k]!) + 0.11 / info.actions), 5);
    pure.dispose();
    mixed.dispose();
  });

  it("magnetAverage refreshes to the mean of the second half of the phase's iterates, and a checkpoint keeps the partial mean", () => {
    const config = resolveConfig('ppo', info.id, { magnetEvery: 4, magnetMix: 0, magnetAverage: true, hidden: [8], epochs: 2, minibatchSize: 4 });
    const build = (magnet: MagnetState | null = null) =>
      new PolicyGradientAlgorithm({ config, info, policy: new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5), rng: new Rng(1), magnet });
    const alg = build();
    const after: Float32Array[][] = [];
    for (let k = 0; k < 4; k++) {
      alg.update([segment()], 0);
      after.push(alg.policy.getWeights());
    }
    // ages 1–4: the iterates after updates 3 and 4 (2·age > 4) are averaged; the magnet is still the initial policy
    const state = alg.extraState().magnet as MagnetState;
    expect(state.meanCount).toBe(2);
    alg.update([segment()], 0); // the refresh: the magnet becomes the mean of those two
    const refreshed = (alg.extraState().magnet as MagnetState).weights.map((b) => new Float32Array(new Uint8Array(Buffer.from(b, 'base64')).buffer));
    refreshed.forEach((w, i) => {
      const expected = Float32Array.from(w, (_, j) => Math.fround((after[2]![i]![j]! + after[3]![i]![j]!) / 2));
      for (let j = 0; j < w.length; j++) expect(w[j]).toBeCloseTo(expected[j]!, 6);
    });
    expect(refreshed[0]).not.toEqual(after[3]![0]); // not the last iterate
    expect((alg.extraState().magnet as MagnetState).meanCount).toBeUndefined(); // a new phase, nothing averaged yet
    // resumed mid-average (after update 3 of a phase): the partial mean comes back exactly, and the
    // next update averages the new iterate into it
    const mid = build();
    for (let k = 0; k < 3; k++) mid.update([segment()], 0);
    const saved = JSON.parse(JSON.stringify(mid.extraState().magnet)) as MagnetState;
    expect(saved.meanCount).toBe(1);
    const resumed = build(saved);
    expect(resumed.extraState().magnet).toEqual(saved);
    resumed.update([segment()], 0);
    const next = resumed.policy.getWeights();
    const partial = saved.mean!.map((b) => new Float64Array(new Uint8Array(Buffer.from(b, 'base64')).buffer));
    const state2 = resumed.extraState().magnet as MagnetState;
    expect(state2.meanCount).toBe(2);
    state2.mean!.map((b) => new Float64Array(new Uint8Array(Buffer.from(b, 'base64')).buffer)).forEach((m, i) => {
      for (let j = 0; j < m.length; j++) expect(m[j]).toBeCloseTo((partial[i]![j]! + next[i]![j]!) / 2, 12);
    });
    for (const x of [alg, mid, resumed]) x.dispose();
  });

  it('magnetLrDecay lowers the learning rate linearly within each phase and restores it at the refresh', () => {
    // magnetEvery 4, decay 0.75: ages 1–4 scale lr by 1, 1 − 0.75·1/4, 1 − 0.75·2/4, 1 − 0.75·3/4; the refresh (age 1 again) by 1
    expect([1, 2, 3, 4].map((age) => magnetLrScale({ magnetEvery: 4, magnetLrDecay: 0.75 }, age))).toEqual([1, 0.8125, 0.625, 0.4375]);
    expect(magnetLrScale({ magnetEvery: 4, magnetLrDecay: 0 }, 3)).toBe(1);
    expect(magnetLrScale({ magnetEvery: null, magnetLrDecay: 0.75 }, 3)).toBe(1);
    const config = resolveConfig('ppo', info.id, { magnetEvery: 4, magnetMix: 0, magnetLrDecay: 0.75, lr: 1e-3, annealLr: false, hidden: [8], epochs: 2, minibatchSize: 4 });
    const policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5);
    const alg = new PolicyGradientAlgorithm({ config, info, policy, rng: new Rng(1) });
    const lrs = Array.from({ length: 6 }, () => alg.update([segment()], 0)['charts/learning_rate'] as number);
    [1, 0.8125, 0.625, 0.4375, 1, 0.8125].forEach((f, k) => expect(lrs[k]).toBeCloseTo(1e-3 * f, 12));
    alg.dispose();
    // the scale is the step the optimizer takes, in both learner paths: lr 1e-3 scaled by 0.5 updates exactly as lr 5e-4
    const weights = (lr: number, scale: number, reference: boolean): Float32Array[] => {
      const p = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [8], activation: 'tanh' }, 5);
      const settings = { ...SETTINGS, lr, minibatchSize: 4, epochs: 2 };
      const learner = reference ? new PolicyGradientLearner({ policy: p, settings, rng: new Rng(2) }) : new FastLearner({ policy: p, settings, rng: new Rng(2), kernels: 'js' });
      const b = segment();
      b.advantages.fill(0.5);
      learner.update(b, 0, scale);
      if (!reference) (learner as FastLearner).syncToPolicy();
      const w = p.getWeights();
      learner.dispose();
      p.dispose();
      return w;
    };
    for (const reference of [false, true]) {
      const scaled = weights(1e-3, 0.5, reference);
      const half = weights(5e-4, 1, reference);
      const full = weights(1e-3, 1, reference);
      scaled.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) expect(w[j]).toBeCloseTo(half[i]![j]!, 7);
      });
      expect(scaled[0]).not.toEqual(full[0]);
    }
    expect(() => resolveConfig('ppo', info.id, { magnetEvery: null, magnetLrDecay: 0.5 })).toThrow(/magnetLrDecay decays the learning rate within each magnet phase; set magnetEvery/);
    expect(() => resolveConfig('ppo', info.id, { magnetEvery: 10, magnetLrDecay: 1.5 })).toThrow(/magnetLrDecay/);
  });

  it('without magnetEvery nothing changes: no magnet, no checkpoint state', () => {
    const alg = make(null);
    const b = segment();
    alg.update([b], 0);
    expect(b.magnetLogp).toBeNull();
    expect(alg.extraState()).toEqual({});
    alg.dispose();
  });

  it('refuses continuous actions and TRPO with a one-line reason', () => {
    const pend = getGame('pendulum').info;
    const config = resolveConfig('ppo', pend.id, { magnetEvery: 10 });
    const policy = new ActorCritic({ obsSize: pend.observationSize, criticInputSize: pend.observationSize, head: 'gaussian', actions: 1, hidden: [4], activation: 'tanh' }, 1);
    expect(() => new PolicyGradientAlgorithm({ config, info: pend, policy, rng: new Rng(1) })).toThrow(/magnetEvery needs discrete actions/);
    expect(() => resolveConfig('ppo', info.id, { magnetEvery: 0 })).toThrow(/magnetEvery/);
    policy.dispose();
  });
});
