/**
 * Short learning tests: each algorithm must clearly improve on CartPole within seconds (random play
 * averages ~22 steps), and a Gaussian policy must learn a continuous bandit. They check that learning
 * happened, not how fast.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { PolicyGradientLearner } from '../../src/algorithms/policy-gradient.ts';
import { selectBackend } from '../../src/backend.ts';
import { resolveConfig, type Algo } from '../../src/train/config.ts';
import { TrainingRun } from '../../src/train/run.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

function trainCartPole(algo: Algo, totalSteps: number, seed = 1): { first: number; last: number } {
  const run = new TrainingRun(resolveConfig(algo, 'cartpole-v1', { totalSteps, seed, checkpointEvery: 1000 }));
  const returns: number[] = [];
  while (!run.done) returns.push(...run.step().episodes.map((e) => e.return));
  run.dispose();
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { first: avg(returns.slice(0, 20)), last: avg(returns.slice(-10)) };
}

describe('learning happens', () => {
  it('PPO (RL Zoo CartPole settings) improves CartPole well beyond random', () => {
    const { first, last } = trainCartPole('ppo', 16_384);
    expect(first).toBeLessThan(60);
    expect(last).toBeGreaterThan(150);
  });

  it('A2C improves CartPole', () => {
    const { first, last } = trainCartPole('a2c', 60_000);
    expect(last).toBeGreaterThan(Math.max(80, 2 * first));
  });

  it('REINFORCE with a baseline improves CartPole', () => {
    const { first, last } = trainCartPole('reinforce', 50_000);
    expect(last).toBeGreaterThan(Math.max(80, 2 * first));
  });

  it('a Gaussian policy learns the best action of a continuous bandit', () => {
    // one-step episodes: reward −(a − 1.5)², observation constant; the mean must move from 0 towards 1.5
    const policy = new ActorCritic({ obsSize: 1, criticInputSize: 1, head: 'gaussian', actions: 1, hidden: [16], activation: 'tanh', initLogStd: 0 }, 3);
    const rng = new Rng(4);
    const learner = new PolicyGradientLearner({
      policy,
      rng,
      settings: {
        kind: 'clipped', clip: 0.2, clipValue: null, entCoef: 0, vfCoef: 0.5, normAdv: true, epochs: 4, minibatchSize: 64,
        lr: 1e-2, annealLr: false, annealClip: false, maxGradNorm: 0.5, targetKl: null, optimizer: 'adam', optimizerEps: 1e-5,
      },
    });
    const n = 256;
    const buf = new RolloutBuffer({ steps: 1, envs: n, obsSize: 1, criticSize: 0, actions: 1, continuous: true });
    const out = { actions: new Int32Array(n), continuous: buf.continuousActions, logProbs: buf.logProbs, values: buf.values };
    buf.obs.fill(1);
    for (let it = 0; it < 60; it++) {
      policy.act(buf.obs, n, null, rng, out);
      for (let i = 0; i < n; i++) {
        buf.rewards[i] = -((buf.continuousActions[i]! - 1.5) ** 2);
        buf.returns[i] = buf.rewards[i]!;
        buf.advantages[i] = buf.rewards[i]! - buf.values[i]!;
        buf.dones[i] = 1;
      }
      learner.update(buf, 0);
    }
    const mean = tf.tidy(() => policy.actorForward(tf.tensor2d([[1]])).dataSync()[0]!);
    expect(mean).toBeGreaterThan(1.2);
    expect(mean).toBeLessThan(1.8);
    learner.dispose();
    policy.dispose();
  });
});
