/** Learner selection: fast on the wasm/cpu backends for Dense MLP policies, reference elsewhere, env override. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { PolicyGradientLearner, type LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { FastLearner } from '../../src/fast/learner.ts';
import { chooseLearner, createLearner } from '../../src/fast/select.ts';

const settings: LearnerSettings = {
  kind: 'clipped', clip: 0.2, clipValue: null, entCoef: 0, vfCoef: 0.5, normAdv: true, epochs: 1, minibatchSize: 64,
  lr: 1e-3, annealLr: false, annealClip: false, maxGradNorm: 0.5, targetKl: null, optimizer: 'adam', optimizerEps: 1e-5,
};

let policy: ActorCritic;
beforeAll(async () => {
  await tf.setBackend('cpu');
  policy = new ActorCritic({ obsSize: 4, criticInputSize: 4, head: 'categorical', actions: 2, hidden: [8], activation: 'tanh' }, 0);
});
afterAll(() => policy.dispose());

describe('chooseLearner / createLearner', () => {
  it('picks the fast learner on wasm and cpu, the reference on native backends', () => {
    expect(chooseLearner(policy, 'wasm', undefined).kind).toBe('fast');
    expect(chooseLearner(policy, 'cpu', undefined).kind).toBe('fast');
    expect(chooseLearner(policy, 'tensorflow', undefined).kind).toBe('reference');
    expect(chooseLearner(policy, 'webgl', undefined).kind).toBe('reference');
  });

  it('ARENA_LEARNER overrides, and rejects unknown values', () => {
    expect(chooseLearner(policy, 'wasm', 'reference').kind).toBe('reference');
    expect(chooseLearner(policy, 'tensorflow', 'fast').kind).toBe('fast');
    expect(chooseLearner(policy, 'wasm', '').kind).toBe('fast');
    expect(() => chooseLearner(policy, 'wasm', 'turbo')).toThrow(ConfigError);
  });

  it('keeps the reference for policies that are not Dense MLPs, and refuses to force them fast', () => {
    const odd = Object.create(policy) as ActorCritic; // not built by the ActorCritic constructor
    Object.defineProperty(odd, 'spec', { value: { ...policy.spec, activation: 'elu' } });
    expect(chooseLearner(odd, 'wasm', undefined).kind).toBe('reference');
    expect(() => chooseLearner(odd, 'wasm', 'fast')).toThrow(/activation 'elu'/);
    expect(chooseLearner({} as ActorCritic, 'wasm', undefined)).toEqual({ kind: 'reference', reason: 'fast learner unsupported: the policy is not an ActorCritic' });
  });

  it('trains conv policies fast on wasm, where tfjs has no conv filter gradient, and refuses to force the reference there', () => {
    const conv = new ActorCritic({ obsSize: 18, criticInputSize: 18, head: 'categorical', actions: 9, hidden: [8], activation: 'relu', conv: { shape: [2, 3, 3], channels: 4, resBlocks: 1 } }, 0);
    expect(chooseLearner(conv, 'wasm', undefined).kind).toBe('fast');
    expect(() => chooseLearner(conv, 'wasm', 'reference')).toThrow(/Conv2DBackpropFilter/);
    expect(chooseLearner(conv, 'cpu', 'reference').kind).toBe('reference');
    expect(chooseLearner(conv, 'tensorflow', undefined).kind).toBe('reference');
    conv.dispose();
  });

  it('constructs the chosen learner (the active backend by default)', () => {
    const saved = process.env.ARENA_LEARNER;
    try {
      delete process.env.ARENA_LEARNER;
      expect(createLearner({ policy, settings, rng: new Rng(0) })).toBeInstanceOf(FastLearner);
      expect(createLearner({ policy, settings, rng: new Rng(0), backend: 'tensorflow' })).toBeInstanceOf(PolicyGradientLearner);
      process.env.ARENA_LEARNER = 'reference';
      expect(createLearner({ policy, settings, rng: new Rng(0) })).toBeInstanceOf(PolicyGradientLearner);
    } finally {
      if (saved === undefined) delete process.env.ARENA_LEARNER;
      else process.env.ARENA_LEARNER = saved;
    }
  });
});
