/**
 * DDPG, TD3 and SAC in the one training loop on pendulum-v1: metrics (losses, α, Q values, episode
 * returns, the deterministic policy's evaluation), checkpoints that hold every network, optimizer,
 * log α and the replay buffer, `--resume` that restores all of them, a replay buffer that does not
 * match its config refused, and one-line errors for games these algorithms cannot train.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, Rng } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { ReplayBuffer } from '../../src/algorithms/replay-buffer.ts';
import { selectBackend } from '../../src/backend.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig, type TrainConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { OffPolicyAlgorithm } from '../../src/train/offpolicy.ts';
import { loadOffPolicyCheckpoint, REPLAY_FILE, saveOffPolicyCheckpoint } from '../../src/train/offpolicy-checkpoint.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempRoot = tempDirs('arena-offpolicy-');
let root = '';
let runs = 0;
/** A fresh run folder under this file's temporary root. */
const tmp = () => join(root, `run-${++runs}`);
beforeAll(async () => {
  root = tempRoot();
  setLogLevel('warn');
  await selectBackend('wasm');
});

const info = getGame('pendulum-v1').info;
const small = { hidden: [16, 16], minibatchSize: 32, learningStarts: 50, evalGames: 2 };

describe('off-policy training in the loop', () => {
  it('SAC: metrics, checkpoint with every network, optimizer, log α and the replay buffer; resume restores them', async () => {
    const dir = tmp();
    const config = resolveConfig('sac', 'pendulum-v1', { ...small, totalSteps: 250, checkpointEvery: 100, evalEvery: 100, metricsEvery: 50 });
    const first = await runTraining({ config, outDir: dir, resume: false });
    expect(first.updates).toBe(250);
    expect(first.globalStep).toBe(250);
    expect(first.recentReturn).toBeLessThan(0); // one 200-step episode finished
    expect(first.lastEval['eval/episodes']).toBe(2);
    const rows = readMetrics(dir);
    // rows every 50 updates, at the episode's end (200) and at the evaluations (1, 100, 200)
    expect(rows.map((r) => r.update)).toEqual([1, 50, 100, 150, 200, 250]);
    const last = rows.at(-1)!;
    for (const k of ['losses/qf_loss', 'losses/actor_loss', 'losses/alpha', 'losses/alpha_loss', 'losses/qf1_values', 'losses/qf2_values', 'losses/entropy']) expect(Number.isFinite(last[k])).toBe(true);
    expect(last['charts/replay_size']).toBe(250);
    expect(last['charts/gradient_steps']).toBe(200); // trains after more than 50 steps: steps 51..250
    expect(rows.find((r) => r.update === 200)!['charts/episodic_return']).toBeLessThan(0);
    expect(Number.isFinite(rows.find((r) => r.update === 200)!['eval/return'])).toBe(true);

    const saved = await loadOffPolicyCheckpoint(dir);
    expect(Object.keys(saved.networks).sort()).toEqual(['actor', 'critic-0', 'critic-0-target', 'critic-1', 'critic-1-target']);
    expect(Object.keys(saved.optimizers).sort()).toEqual(['actor', 'alpha', 'critic']);
    expect(saved.replay!.size).toBe(250);
    expect(saved.state.offPolicy).toEqual({ gradientSteps: 200, transitions: 250 });
    expect(saved.variables['log-alpha']).toBeLessThan(0); // α tuned down from 1

    // what --resume rebuilds: the same weights, optimizer moments, log α, counters and replay buffer
    const resumed = await OffPolicyAlgorithm.create({ config: saved.state.config, info, seed: 0, rng: new Rng(0), restore: await loadOffPolicyCheckpoint(dir) });
    for (const [name, net] of Object.entries(resumed.learner.networks())) expect(net.getWeights()).toEqual(saved.networks[name]!.getWeights());
    const moments = async (a: OffPolicyAlgorithm) => Promise.all(Object.values(a.optimizerMap()).map(async (o) => (await o.getWeights()).map((w) => [...w.tensor.dataSync()])));
    const again = await OffPolicyAlgorithm.create({ config: saved.state.config, info, seed: 0, rng: new Rng(0), restore: await loadOffPolicyCheckpoint(dir) });
    expect(await moments(resumed)).toEqual(await moments(again));
    expect((await moments(resumed))[0]![0]).toEqual([200]); // the actor's Adam took 200 steps
    expect(resumed.learner.updates).toBe(200);
    expect([...resumed.replay.rewards.subarray(0, 250)]).toEqual([...saved.replay!.rewards.subarray(0, 250)]);
    resumed.dispose();
    again.dispose();

    const second = await runTraining({ config: { ...config, totalSteps: 300 }, outDir: dir, resume: true });
    expect(second.updates).toBe(300);
    const after = await loadOffPolicyCheckpoint(dir);
    expect(after.replay!.size).toBe(300);
    expect(after.state.offPolicy).toEqual({ gradientSteps: 250, transitions: 300 });
    expect(readMetrics(dir).at(-1)!.update).toBe(300);
  });

  it('TD3 and DDPG: an update plays `steps` steps, then `gradientSteps` gradient steps; resume continues', async () => {
    for (const algo of ['td3', 'ddpg'] as const) {
      const dir = tmp();
      const config = resolveConfig(algo, 'pendulum-v1', { ...small, totalSteps: 200, steps: 50, gradientSteps: 10, learningStarts: 50, checkpointEvery: 2, evalEvery: 4, saveReplay: algo === 'td3' });
      const s = await runTraining({ config, outDir: dir, resume: false });
      expect(s.updates).toBe(4);
      const rows = readMetrics(dir);
      expect(rows.at(-1)!['charts/gradient_steps']).toBe(30); // updates 2–4 train (more than 50 steps seen)
      expect(Number.isFinite(rows.at(-1)!['losses/actor_loss'])).toBe(true);
      expect(Number.isFinite(rows.at(-1)!['eval/return'])).toBe(true);
      const saved = await loadOffPolicyCheckpoint(dir);
      expect(Object.keys(saved.networks).sort()).toEqual(
        algo === 'td3' ? ['actor', 'actor-target', 'critic-0', 'critic-0-target', 'critic-1', 'critic-1-target'] : ['actor', 'actor-target', 'critic-0', 'critic-0-target'],
      );
      expect(saved.checkpoint.files.has(REPLAY_FILE)).toBe(algo === 'td3');
      const r = await runTraining({ config: { ...config, totalSteps: 300 }, outDir: dir, resume: true });
      expect(r.updates).toBe(6);
      // resumed without a saved buffer, DDPG trains again once the refilled one holds a minibatch (50 ≥ 32)
      expect(readMetrics(dir).at(-1)!['charts/gradient_steps']).toBe(50);
      expect(readMetrics(dir).at(-1)!['charts/replay_size']).toBe(algo === 'td3' ? 300 : 100);
    }
  });

  it('refuses a replay buffer that does not match the config', async () => {
    const dir = tmp();
    const config: TrainConfig = resolveConfig('sac', 'pendulum-v1', { ...small, bufferSize: 1000 });
    const algorithm = await OffPolicyAlgorithm.create({ config, info, seed: 0, rng: new Rng(0) });
    const state = { config, update: 0, globalStep: 0, obsRms: null, rng: [1, 2, 3, 4], elapsedSeconds: 0, offPolicy: { gradientSteps: 0, transitions: 0 } };
    // a buffer of another capacity (say, from a run configured differently) saved next to this config
    await saveOffPolicyCheckpoint(dir, { learner: algorithm.learner, replay: new ReplayBuffer({ capacity: 500, obsSize: 3, actionDims: 1 }), state, obsSize: 3, actionDims: 1 });
    await expect(loadOffPolicyCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadOffPolicyCheckpoint(dir)).rejects.toThrow(/replay\.bin: holds a replay buffer that does not match this run's config: capacity 500 \(the config needs 1000\)/);
    algorithm.dispose();
  });

  it('refuses discrete-action games in one line naming the continuous ones', () => {
    for (const algo of ['sac', 'td3', 'ddpg'] as const) {
      const err = (() => {
        try {
          resolveConfig(algo, 'cartpole-v1');
        } catch (e) {
          return e as Error;
        }
        throw new Error('no error');
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(new RegExp(`^${algo} trains games with continuous actions: single-agent ones \\([^)]*pendulum-v1[^)]*\\), or two-seat ones with simultaneous moves in a league \\([^)]*duel-v3[^)]*\\); cartpole-v1 has discrete actions$`));
    }
    expect(() => resolveConfig('sac', 'pendulum-v1', { league: true })).toThrow(/drop --league/);
  });
});
