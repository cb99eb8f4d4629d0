/** The off-policy learners' selection: fast on the wasm/cpu backends, tfjs on native ones, ARENA_LEARNER overrides. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { SacLearner } from '../../src/algorithms/sac.ts';
import { Td3Learner } from '../../src/algorithms/td3.ts';
import { FastSacLearner } from '../../src/fast/sac.ts';
import { chooseOffPolicyLearner } from '../../src/fast/select.ts';
import { FastTd3Learner } from '../../src/fast/td3.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { newOffPolicyLearner } from '../../src/train/offpolicy.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  setLogLevel('warn');
});

describe('chooseOffPolicyLearner', () => {
  it('picks the fast learner where the PPO learner is fast (wasm, cpu), tfjs on native backends', () => {
    expect(chooseOffPolicyLearner('wasm', undefined).kind).toBe('fast');
    expect(chooseOffPolicyLearner('cpu', undefined).kind).toBe('fast');
    expect(chooseOffPolicyLearner('tensorflow', undefined).kind).toBe('reference');
    expect(chooseOffPolicyLearner('webgl', undefined).kind).toBe('reference');
  });

  it('ARENA_LEARNER overrides, and rejects unknown values', () => {
    expect(chooseOffPolicyLearner('wasm', 'reference')).toEqual({ kind: 'reference', reason: 'ARENA_LEARNER=reference' });
    expect(chooseOffPolicyLearner('tensorflow', 'fast').kind).toBe('fast');
    expect(chooseOffPolicyLearner('wasm', ' ').kind).toBe('fast');
    expect(() => chooseOffPolicyLearner('wasm', 'turbo')).toThrow(ConfigError);
  });

  it('newOffPolicyLearner builds the chosen learner for SAC, TD3 and DDPG', () => {
    const info = getGame('pendulum-v1').info;
    const saved = process.env.ARENA_LEARNER;
    try {
      for (const [kind, sac, td3] of [
        ['fast', FastSacLearner, FastTd3Learner],
        ['reference', SacLearner, Td3Learner],
      ] as const) {
        process.env.ARENA_LEARNER = kind;
        for (const algo of ['sac', 'td3', 'ddpg'] as const) {
          const l = newOffPolicyLearner(resolveConfig(algo, 'pendulum-v1', { hidden: [8] }), info, 0);
          expect(l).toBeInstanceOf(algo === 'sac' ? sac : td3);
          expect(l.algo).toBe(algo);
          l.dispose();
        }
      }
    } finally {
      if (saved === undefined) delete process.env.ARENA_LEARNER;
      else process.env.ARENA_LEARNER = saved;
    }
  });
});
