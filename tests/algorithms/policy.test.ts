import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, gaussianLogProb, orthogonalMatrix, sampleCategorical } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { logProbAndEntropy } from '../../src/algorithms/losses.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('masked categorical head', () => {
  it('never samples an illegal action, whatever the logits', () => {
    const rng = new Rng(3);
    const scratch = new Float64Array(5);
    for (let trial = 0; trial < 2000; trial++) {
      const logits = Array.from({ length: 5 }, () => (rng.next() - 0.5) * 40);
      const mask = Array.from({ length: 5 }, () => (rng.next() < 0.5 ? 1 : 0));
      if (!mask.some(Boolean)) mask[rng.int(5)] = 1;
      const { action, logProb } = sampleCategorical(logits, 0, 5, mask, 0, rng, false, scratch);
      expect(mask[action]).toBe(1);
      expect(logProb).toBeLessThanOrEqual(0);
      // illegal actions got probability exactly zero
      mask.forEach((m, a) => (m ? undefined : expect(scratch[a]).toBe(0)));
    }
  });

  it('batched act() respects masks and deterministic mode picks the best legal action', () => {
    const p = new ActorCritic({ obsSize: 3, criticInputSize: 3, head: 'categorical', actions: 4, hidden: [8], activation: 'tanh' }, 1);
    const rows = 64;
    const rng = new Rng(5);
    const obs = Float32Array.from({ length: rows * 3 }, () => rng.normal());
    const masks = Uint8Array.from({ length: rows * 4 }, (_, i) => (i % 4 === (i >> 2) % 4 ? 0 : 1)); // one illegal action per row
    const out = { actions: new Int32Array(rows), logProbs: new Float32Array(rows), values: new Float32Array(rows) };
    for (let k = 0; k < 20; k++) {
      p.act(obs, rows, masks, rng, out);
      for (let r = 0; r < rows; r++) expect(masks[r * 4 + out.actions[r]!]).toBe(1);
    }
    p.act(obs, rows, masks, rng, out, { deterministic: true });
    const logits = tf.tidy(() => p.actorForward(tf.tensor2d(obs, [rows, 3])).arraySync());
    for (let r = 0; r < rows; r++) {
      const legal = [0, 1, 2, 3].filter((a) => masks[r * 4 + a]);
      const best = legal.reduce((b, a) => (logits[r]![a]! > logits[r]![b]! ? a : b));
      expect(out.actions[r]).toBe(best);
    }
    p.dispose();
  });

  it('gives masked actions zero probability and no entropy in the training graph', () => {
    const p = new ActorCritic({ obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 3, hidden: [], activation: 'tanh' }, 0);
    p.actor.layers[0]!.setWeights([tf.tensor2d([[5, 0, -1], [0, 2, 0]]), tf.zeros([3])]);
    const obs = tf.tensor2d([[1, 1]]);
    const penalty = tf.tensor2d([[0, -1e9, 0]]);
    const batch = {
      obs,
      criticInput: obs,
      maskPenalty: penalty,
      actions: tf.tensor1d([0], 'int32'),
      oldLogProbs: tf.zeros([1]) as tf.Tensor1D,
      oldValues: tf.zeros([1]) as tf.Tensor1D,
      advantages: tf.zeros([1]) as tf.Tensor1D,
      returns: tf.zeros([1]) as tf.Tensor1D,
      weights: tf.ones([1]) as tf.Tensor1D,
    };
    const { logProb, entropy } = logProbAndEntropy(p, batch);
    // logits [5, 2, −1] with action 1 masked: softmax over [5, −1] only
    const p0 = Math.exp(5) / (Math.exp(5) + Math.exp(-1));
    const p2 = 1 - p0;
    expect(logProb.dataSync()[0]).toBeCloseTo(Math.log(p0), 5);
    expect(entropy.dataSync()[0]).toBeCloseTo(-(p0 * Math.log(p0) + p2 * Math.log(p2)), 5);
    p.dispose();
  });
});

describe('initialisation', () => {
  it('orthogonal matrices have orthonormal columns (or rows) scaled by the gain', () => {
    for (const [r, c] of [
      [8, 4],
      [4, 8],
      [6, 6],
    ] as const) {
      const w = orthogonalMatrix(r, c, 2, new Rng(1));
      const m = Math.min(r, c);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let dot = 0;
          for (let k = 0; k < Math.max(r, c); k++) dot += r >= c ? w[k * c + i]! * w[k * c + j]! : w[i * c + k]! * w[j * c + k]!;
          expect(dot).toBeCloseTo(i === j ? 4 : 0, 4);
        }
      }
    }
  });

  it('the policy head starts near uniform (gain 0.01) and the same seed gives the same weights', () => {
    const spec = { obsSize: 4, criticInputSize: 4, head: 'categorical', actions: 2, hidden: [64, 64], activation: 'tanh' } as const;
    const a = new ActorCritic(spec, 7);
    const b = new ActorCritic(spec, 7);
    const x = tf.tensor2d([[1, -1, 0.5, 2]]);
    const la = a.actorForward(x).dataSync();
    expect(Math.abs(la[0]! - la[1]!)).toBeLessThan(0.1);
    expect(Array.from(b.actorForward(x).dataSync())).toEqual(Array.from(la));
    a.dispose();
    b.dispose();
  });
});

describe('diagonal Gaussian head', () => {
  it('computes log-densities and entropies of a diagonal Gaussian', () => {
    expect(gaussianLogProb(0, 0, 0)).toBeCloseTo(-0.5 * Math.log(2 * Math.PI), 12);
    expect(gaussianLogProb(1, 0, Math.log(2))).toBeCloseTo(-0.125 - Math.log(2) - 0.5 * Math.log(2 * Math.PI), 12);
    const p = new ActorCritic({ obsSize: 1, criticInputSize: 1, head: 'gaussian', actions: 2, hidden: [], activation: 'tanh', initLogStd: Math.log(0.5) }, 0);
    p.actor.layers[0]!.setWeights([tf.tensor2d([[1, -1]]), tf.zeros([2])]);
    const obs = tf.tensor2d([[2]]);
    const batch = {
      obs,
      criticInput: obs,
      maskPenalty: null,
      actions: tf.tensor2d([[2.5, -2]]),
      oldLogProbs: tf.zeros([1]) as tf.Tensor1D,
      oldValues: tf.zeros([1]) as tf.Tensor1D,
      advantages: tf.zeros([1]) as tf.Tensor1D,
      returns: tf.zeros([1]) as tf.Tensor1D,
      weights: tf.ones([1]) as tf.Tensor1D,
    };
    const { logProb, entropy } = logProbAndEntropy(p, batch);
    // means [2, −2], σ = 0.5: log N(2.5; 2, 0.5) + log N(−2; −2, 0.5)
    const expected = gaussianLogProb(2.5, 2, Math.log(0.5)) + gaussianLogProb(-2, -2, Math.log(0.5));
    expect(logProb.dataSync()[0]).toBeCloseTo(expected, 5);
    expect(entropy.dataSync()[0]).toBeCloseTo(2 * (Math.log(0.5) + 0.5 * Math.log(2 * Math.PI * Math.E)), 5);
    // sampling: the empirical mean and std of many samples match the head
    const rows = 4000;
    const out = { actions: new Int32Array(rows), continuous: new Float32Array(rows * 2), logProbs: new Float32Array(rows), values: new Float32Array(rows) };
    p.act(new Float32Array(rows).fill(2), rows, null, new Rng(1), out);
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < rows; r++) {
      s += out.continuous[r * 2]!;
      s2 += out.continuous[r * 2]! ** 2;
    }
    expect(s / rows).toBeCloseTo(2, 1);
    expect(Math.sqrt(s2 / rows - (s / rows) ** 2)).toBeCloseTo(0.5, 1);
    p.dispose();
  });

  it('starts each action component from its own log-std when initLogStd is a list', () => {
    const p = new ActorCritic({ obsSize: 1, criticInputSize: 1, head: 'gaussian', actions: 3, hidden: [], activation: 'tanh', initLogStd: [-0.5, -2.5, 0] }, 0);
    expect(Array.from(p.logStd!.dataSync())).toEqual([-0.5, -2.5, 0].map(Math.fround));
    p.dispose();
    expect(() => new ActorCritic({ obsSize: 1, criticInputSize: 1, head: 'gaussian', actions: 3, hidden: [], activation: 'tanh', initLogStd: [-0.5, -2.5] }, 0)).toThrow(
      'initLogStd has 2 entries; this policy has 3 action components',
    );
  });
});
