/**
 * IMPALA on CartPole in one process: collect → V-trace advantages against the current policy
 * (vtrace.ts) → one epoch of the vanilla actor-critic loss. On-policy it must learn like A2C; with
 * the actor acting on weights several updates old, V-trace must truncate ratios and still learn.
 * These check that learning happened, not how fast (random play averages ~22 steps).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import type { LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { vtraceAdvantages, type VtraceStats } from '../../src/algorithms/vtrace.ts';
import { VecEnv } from '../../src/env/vec-env.ts';
import { FastForward } from '../../src/fast/forward.ts';
import { createLearner } from '../../src/fast/select.ts';
import { Collector } from '../../src/train/collector.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
});

/** IMPALA's learner: the vanilla loss (−ρ-weighted advantage · log π), one epoch, no advantage normalisation. */
const SETTINGS: LearnerSettings = {
  kind: 'vanilla',
  clip: 0.2,
  clipValue: null,
  entCoef: 0.01,
  vfCoef: 0.5,
  normAdv: false,
  epochs: 1,
  minibatchSize: 1 << 30,
  lr: 1e-3,
  annealLr: false,
  annealClip: false,
  maxGradNorm: 0.5,
  targetKl: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
};

interface ImpalaRun {
  /** Mean return of the first and of the last 20 finished episodes. */
  readonly first: number;
  readonly last: number;
  /** V-trace statistics of every update. */
  readonly stats: VtraceStats[];
}

/**
 * Trains for `updates` updates of `envs × steps` transitions. The actor acts on its own copy of the
 * weights, refreshed from the learner every `lag` updates (1: on-policy; k: data up to k − 1 updates old).
 */
function trainImpala(o: { updates: number; lag: number; envs?: number; steps?: number; seed?: number; settings?: Partial<LearnerSettings> }): ImpalaRun {
  const seed = o.seed ?? 1;
  const envs = o.envs ?? 16;
  const steps = o.steps ?? 16;
  const game = getGame('cartpole-v1');
  const { observationSize: obsSize, actions } = game.info;
  const spec = { obsSize, criticInputSize: obsSize, head: 'categorical', actions, hidden: [64, 64], activation: 'tanh' } as const;
  const policy = new ActorCritic(spec, seed);
  const actor = new ActorCritic(spec, seed);
  actor.copyFrom(policy);
  const rng = new Rng(seed + 1);
  const learner = createLearner({ policy, settings: { ...SETTINGS, ...o.settings }, rng, backend: 'cpu' });
  const buffer = new RolloutBuffer({ steps, envs, obsSize, criticSize: 0, actions, continuous: false });
  const inference = FastForward.fromPolicy(actor);
  const collector = new Collector({ env: new VecEnv({ game, envs, seed }), policy: inference, buffer, rng, mode: 'continuing' });
  const returns: number[] = [];
  const stats: VtraceStats[] = [];
  for (let u = 0; u < o.updates; u++) {
    // 1. rollout with the actor's (possibly stale) weights
    returns.push(...collector.collect().map((e) => e.return));
    // 2. V-trace against the learner's current policy, 3. one epoch of the vanilla loss
    stats.push(vtraceAdvantages(buffer, learner, { gamma: 0.99 }));
    learner.update(buffer, u / o.updates);
    // 4. the actor receives new weights every `lag` updates
    if ((u + 1) % o.lag === 0) {
      actor.copyFrom(policy);
      inference.refresh();
    }
  }
  learner.dispose();
  policy.dispose();
  actor.dispose();
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { first: avg(returns.slice(0, 20)), last: avg(returns.slice(-20)), stats };
}

describe('IMPALA (V-trace + vanilla loss) learns CartPole', () => {
  it('on-policy: from ~20 to well above 100 in 150 updates', () => {
    const r = trainImpala({ updates: 150, lag: 1 });
    expect(r.first).toBeLessThan(40);
    expect(r.last).toBeGreaterThan(100);
    // the actor's log-probs are the learner's own: every ratio is 1 (to float precision)
    for (const s of r.stats) expect(s['vtrace/mean_abs_ratio_dev']).toBeLessThan(1e-5);
  });

  it('off-policy: with the actor up to 3 updates behind, ratios are truncated and it still learns', () => {
    const lag = 4;
    const r = trainImpala({ updates: 150, lag });
    expect(r.first).toBeLessThan(40);
    expect(r.last).toBeGreaterThan(100);
    // fresh weights right after each refresh; stale ones (π ≠ μ, some ratios above ρ̄ = 1) in between
    r.stats.forEach((s, u) => {
      if (u % lag === 0) expect(s['vtrace/mean_abs_ratio_dev']).toBeLessThan(1e-5);
      else expect(s['vtrace/mean_abs_ratio_dev']).toBeGreaterThan(1e-4);
    });
    const stale = r.stats.filter((_, u) => u % lag === lag - 1);
    const meanOf = (k: keyof VtraceStats) => stale.reduce((a, s) => a + s[k], 0) / stale.length;
    expect(meanOf('vtrace/clipped_rho_frac')).toBeGreaterThan(0.1);
    expect(meanOf('vtrace/mean_rho')).toBeLessThan(1);
  });
});
