/**
 * TRPO in the one training loop: RL Zoo's rows as its defaults, checkpoints with the critic's Adam state
 * and `--resume`, its metrics, a Gaussian head on pendulum-v1, and league self-play (which it gets from
 * the Algorithm interface like PPO).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { FastTrpoLearner } from '../../src/fast/trpo.ts';
import { selectBackend } from '../../src/backend.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-trpo-');
beforeAll(async () => {
  setLogLevel('warn');
  await selectBackend('wasm');
});

const small = { envs: 2, steps: 64, minibatchSize: 64, epochs: 2, hidden: [16, 16], evalEvery: 0, checkpointEvery: 1 };
const TRPO_KEYS = ['trpo/kl', 'trpo/line_search_steps', 'trpo/line_search_accepted', 'trpo/surrogate_improvement', 'trpo/step_size', 'trpo/cg_residual'];

describe('TRPO configuration', () => {
  it("defaults to SB3-contrib's solver and RL Zoo's CartPole-v1 and Pendulum-v1 rows", () => {
    const cp = resolveConfig('trpo', 'cartpole-v1');
    expect(cp).toMatchObject({ envs: 2, steps: 512, minibatchSize: 512, epochs: 20, gamma: 0.99, lambda: 0.98, lr: 1e-3, annealLr: false, cgDamping: 1e-3, cgIters: 15, targetKl: 0.01, lineSearchShrink: 0.8, lineSearchSteps: 10, totalSteps: 100_000 });
    expect(resolveConfig('trpo', 'pendulum-v1')).toMatchObject({ envs: 2, steps: 1024, gamma: 0.9, epochs: 15, minibatchSize: 128, lambda: 0.95, cgDamping: 0.1 });
    // a league game keeps its PPO rollout shape and evaluation, with TRPO's update on MLPs
    expect(resolveConfig('trpo', 'connect-four-v1')).toMatchObject({ envs: 32, steps: 32, network: 'mlp', epochs: 10, minibatchSize: 128 });
    expect(() => resolveConfig('trpo', 'cartpole-v1', { targetKl: null })).toThrow(/trpo needs targetKl/);
    expect(() => resolveConfig('trpo', 'connect-four-v1', { network: 'conv' })).toThrow(ConfigError);
  });
});

describe('TRPO in the training loop', () => {
  it('checkpoints the policy and the critic optimizer, and a restored learner carries the same Adam state', async () => {
    const dir = tmp();
    const run = new TrainingRun(resolveConfig('trpo', 'cartpole-v1', { ...small, totalSteps: 1024 }));
    // the 'wasm' backend: the fast learner, by chooseLearner's rule (tests/fast/trpo-equivalence.test.ts)
    expect(run.learner).toBeInstanceOf(FastTrpoLearner);
    run.step();
    run.step();
    const state = { config: run.config, update: run.update, globalStep: run.globalStep, obsRms: null, rng: run.rng.getState(), elapsedSeconds: 1 };
    await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: run.learner.optimizer, state });
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.meta.algo).toBe('trpo');
    const resumed = new TrainingRun(loaded.state.config, { policy: loaded.policy, obsRms: null, update: 2, globalStep: 256, rng: loaded.state.rng });
    await restoreOptimizer(resumed.learner.optimizer, loaded.checkpoint);
    const a = await run.learner.optimizer.getWeights();
    const b = await resumed.learner.optimizer.getWeights();
    // Adam's step count (2 updates × 2 epochs × 2 minibatches) and its two moments per critic variable
    expect(a.find((w) => w.name === 'iter')!.tensor.dataSync()[0]).toBe(8);
    expect(a.length).toBe(1 + 2 * run.policy.criticVariables().length);
    expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
    a.forEach((w, i) => expect(Array.from(b[i]!.tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync())));
    run.dispose();
    resumed.dispose();
  });

  it('runs, logs its metrics and resumes from its checkpoint', async () => {
    const dir = tmp();
    const config = resolveConfig('trpo', 'cartpole-v1', { ...small, totalSteps: 256 });
    const first = await runTraining({ config, outDir: dir, resume: false });
    expect(first.updates).toBe(2);
    const second = await runTraining({ config: { ...config, totalSteps: 512 }, outDir: dir, resume: true });
    expect(second.updates).toBe(4);
    expect(second.globalStep).toBe(512);
    const rows = readMetrics(dir);
    expect(rows.map((r) => r['update'])).toEqual([1, 2, 3, 4]);
    for (const r of rows) {
      for (const k of TRPO_KEYS) expect(typeof r[k]).toBe('number');
      expect(r['trpo/kl'] as number).toBeLessThanOrEqual(0.01);
      expect(r['losses/clipfrac']).toBeNull(); // no clipping in TRPO: written as null, not plotted
    }
  });

  it('trains a Gaussian policy on pendulum-v1 within the trust region', async () => {
    const dir = tmp();
    const config = resolveConfig('trpo', 'pendulum-v1', { ...small, steps: 200, totalSteps: 800 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBe(2);
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.policy.spec.head).toBe('gaussian');
    loaded.policy.dispose();
    for (const r of readMetrics(dir)) expect(r['trpo/kl'] as number).toBeLessThanOrEqual(0.01);
  });

  it('trains in league self-play through the same Algorithm interface', async () => {
    const dir = tmp();
    const config = resolveConfig('trpo', 'tic-tac-toe-v1', { ...small, envs: 8, steps: 8, league: true, workers: 2, async: false, snapshotEvery: 1, totalSteps: 3 * 2 * 8 * 8 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.mode).toBe('self-play');
    expect(summary.updates).toBe(3);
    const rows = readMetrics(dir);
    expect(rows.every((r) => typeof r['trpo/kl'] === 'number' && (r['trpo/kl'] as number) <= 0.01)).toBe(true);
  });
});
