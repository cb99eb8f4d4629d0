/**
 * Gradient threads (src/fast/grad-threads.ts): a minibatch's rows split over helper threads. The
 * gradients and updates match the tfjs reference in tests/fast/equivalence.test.ts; here: a thread
 * count gives the same weights on every run, a larger buffer after a smaller one reaches the helpers,
 * shares smaller than the helpers leave some idle, search targets reach them with every buffer, and a
 * helper that dies is reported, not waited for.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import type { LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { FastLearner } from '../../src/fast/learner.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SPEC: PolicySpec = { obsSize: 10, criticInputSize: 10, head: 'categorical', actions: 5, hidden: [16, 16], activation: 'tanh' };
const SETTINGS: LearnerSettings = {
  kind: 'clipped', clip: 0.2, clipValue: null, entCoef: 0.01, vfCoef: 0.5, normAdv: true, epochs: 3, minibatchSize: 24,
  lr: 3e-3, annealLr: false, annealClip: false, maxGradNorm: 0.5, targetKl: null, optimizer: 'adam', optimizerEps: 1e-5,
};

function buffer(steps: number, envs: number, seed: number): RolloutBuffer {
  const A = SPEC.actions;
  const buf = new RolloutBuffer({ steps, envs, obsSize: SPEC.obsSize, criticSize: 0, actions: A, continuous: false });
  const rng = new Rng(seed);
  for (let i = 0; i < buf.obs.length; i++) buf.obs[i] = rng.normal();
  for (let i = 0; i < buf.size; i++) {
    for (let j = 0; j < A; j++) buf.masks[i * A + j] = rng.next() < 0.7 ? 1 : 0;
    const a = rng.int(A);
    buf.masks[i * A + a] = 1;
    buf.actions[i] = a;
    buf.logProbs[i] = -1.5 + 0.3 * rng.normal();
    buf.values[i] = rng.normal();
    buf.advantages[i] = rng.normal();
    buf.returns[i] = rng.normal();
  }
  return buf;
}

const weights = (p: ActorCritic): number[] => p.trainableVariables().flatMap((v) => Array.from(v.dataSync()));

/** Three updates (on buffers of 30, then 90, then 30 rows) with `threads` gradient threads; the final weights. */
function train(threads: number): number[] {
  const policy = new ActorCritic(SPEC, 4);
  const learner = new FastLearner({ policy, settings: { ...SETTINGS, threads }, rng: new Rng(8) });
  learner.update(buffer(10, 3, 1), 0);
  learner.update(buffer(10, 9, 2), 0.3);
  learner.update(buffer(10, 3, 3), 0.6);
  learner.dispose();
  const w = weights(policy);
  policy.dispose();
  return w;
}

describe('gradient threads', () => {
  it('give the same weights on every run with the same thread count, close to one thread', () => {
    const one = train(1);
    const two = train(2);
    expect(train(2)).toEqual(two);
    // regrouped float32 sums: close, not bit-identical
    const worst = Math.max(...one.map((x, i) => Math.abs(x - two[i]!)));
    expect(worst).toBeLessThan(1e-4);
    expect(two).not.toEqual(one);
  });

  it('leave helpers idle when a minibatch has fewer shares than threads', () => {
    const policy = new ActorCritic(SPEC, 4);
    const ref = new ActorCritic(SPEC, 4);
    // 6 rows: shares of 4 and 2 for the learner and the first helper; the second and third get none
    const learner = new FastLearner({ policy, settings: { ...SETTINGS, threads: 4 }, rng: new Rng(1) });
    const single = new FastLearner({ policy: ref, settings: SETTINGS, rng: new Rng(1) });
    const buf = buffer(2, 3, 5);
    const idx = Int32Array.from({ length: buf.size }, (_, i) => i);
    const a = learner.computeGradients(buf, idx);
    const b = single.computeGradients(buf, idx);
    for (let i = 0; i < b.grads.length; i++) expect(Math.abs(a.grads[i]! - b.grads[i]!)).toBeLessThan(1e-6);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    learner.dispose();
    single.dispose();
  });

  it('carry the search targets (loss kind search) to the helpers, refreshed with every buffer', () => {
    const settings: LearnerSettings = { ...SETTINGS, kind: 'search' };
    const policy = new ActorCritic(SPEC, 4);
    const learner = new FastLearner({ policy, settings: { ...settings, threads: 3 }, rng: new Rng(1) });
    const single = new FastLearner({ policy, settings, rng: new Rng(1) });
    const buf = buffer(8, 3, 6);
    const idx = Int32Array.from({ length: buf.size }, (_, i) => i);
    // a buffer without targets is refused before the helpers start on it, and leaves them usable
    expect(() => learner.computeGradients(buf, idx)).toThrow(/searchPolicy/);
    const A = SPEC.actions;
    const rng = new Rng(9);
    const target = (): Float32Array => {
      const pi = new Float32Array(buf.size * A);
      for (let i = 0; i < buf.size; i++) {
        const z = Array.from({ length: A }, (_, j) => (buf.masks[i * A + j] ? rng.next() : 0));
        const sum = z.reduce((a, x) => a + x, 0);
        for (let j = 0; j < A; j++) pi[i * A + j] = z[j]! / sum;
      }
      return pi;
    };
    const grads: Float32Array[] = [];
    for (const pi of [target(), target()]) {
      buf.searchPolicy = pi;
      const a = learner.computeGradients(buf, idx);
      const b = single.computeGradients(buf, idx);
      for (let i = 0; i < b.grads.length; i++) expect(Math.abs(a.grads[i]! - b.grads[i]!)).toBeLessThan(1e-6);
      expect(a.loss).toBeCloseTo(b.loss, 6);
      grads.push(a.grads);
    }
    // the second targets moved the gradient: the helpers read the new ones
    expect(Math.max(...grads[0]!.map((g, i) => Math.abs(g - grads[1]![i]!)))).toBeGreaterThan(1e-3);
    learner.dispose();
    single.dispose();
    policy.dispose();
  });

  it('report a helper thread that died instead of waiting for it', async () => {
    const policy = new ActorCritic(SPEC, 4);
    const learner = new FastLearner({ policy, settings: { ...SETTINGS, threads: 2 }, rng: new Rng(1), threadTimeoutMs: 5000 }); // the first update's wait includes the helper's start (modules, WASM kernels)
    const buf = buffer(10, 3, 1);
    learner.update(buf, 0);
    const helper = learner.threads!.workers[0]!;
    const exited = new Promise((resolve) => helper.once('exit', resolve));
    await helper.terminate();
    await exited;
    expect(() => learner.update(buf, 0.5)).toThrow(/gradient thread 1 did not answer within 5 s/);
    learner.dispose();
    policy.dispose();
  });

  it('refuse a thread count outside 1 to 16 in a config', async () => {
    const { resolveConfig } = await import('../../src/train/config.ts');
    expect(() => resolveConfig('ppo', 'connect-four-v1', { learnerThreads: 0 })).toThrow(/learnerThreads/);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { learnerThreads: 17 })).toThrow(/learnerThreads/);
    expect(resolveConfig('ppo', 'connect-four-v1', { learnerThreads: 2 }).learnerThreads).toBe(2);
  });
});
