import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../../core/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { dirLoadHandler } from '../../src/checkpoint/tfjs-io.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';
import { runTraining as train } from '../../src/train/loop.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-ckpt-');

beforeAll(async () => {
  await selectBackend('wasm');
});

const small = { totalSteps: 1024, envs: 4, steps: 32, minibatchSize: 64, epochs: 2, normObs: true, checkpointEvery: 2 };

describe('policy checkpoints', () => {
  it('saving a checkpoint leaves no tensor behind, for the fast and the reference learner alike', async () => {
    const run = new TrainingRun(resolveConfig('ppo', 'cartpole-v1', small));
    run.step();
    const state = { config: run.config, update: run.update, globalStep: run.globalStep, obsRms: run.obsRms!.toJSON(), rng: run.rng.getState(), elapsedSeconds: 1 };
    const dir = tmp();
    await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: run.learner.optimizer, state }); // warm-up: lazily made tensors
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: run.learner.optimizer, state: { ...state, update: state.update + i + 1 } });
    // each save used to leak the optimizer state's copies (1 + 2 × variables tensors with the fast learner)
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });

  it('round-trip restores identical outputs, statistics, counters, RNG and optimizer state', async () => {
    const dir = tmp();
    const run = new TrainingRun(resolveConfig('ppo', 'cartpole-v1', small));
    run.step();
    run.step();
    const state = { config: run.config, update: run.update, globalStep: run.globalStep, obsRms: run.obsRms!.toJSON(), rng: run.rng.getState(), elapsedSeconds: 1 };
    await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: run.learner.optimizer, state });
    const loaded = await loadPolicyCheckpoint(dir);
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
    expect(Array.from(loaded.policy.actorForward(x).dataSync())).toEqual(Array.from(run.policy.actorForward(x).dataSync()));
    expect(Array.from(loaded.policy.criticForward(x).dataSync())).toEqual(Array.from(run.policy.criticForward(x).dataSync()));
    expect(loaded.state.update).toBe(2);
    expect(loaded.state.globalStep).toBe(256);
    expect(loaded.state.rng).toEqual(run.rng.getState());
    expect(loaded.obsRms!.toJSON()).toEqual(run.obsRms!.toJSON());

    const resumed = new TrainingRun(loaded.state.config, { policy: loaded.policy, obsRms: loaded.obsRms, update: 2, globalStep: 256, rng: loaded.state.rng });
    await restoreOptimizer(resumed.learner.optimizer, loaded.checkpoint);
    const a = await run.learner.optimizer.getWeights();
    const b = await resumed.learner.optimizer.getWeights();
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expect(Array.from(b[i]!.tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync())));

    // the actor model is a standard tfjs model: tf.loadLayersModel reads it from disk (its `predict`
    // runs fused kernels, so outputs agree to float32 rounding rather than bit for bit)
    const model = await tf.loadLayersModel(dirLoadHandler(join(loaded.checkpoint.dir, 'actor', 'model.json')));
    const viaLayers = (model.predict(x) as tf.Tensor).dataSync();
    run.policy.actorForward(x).dataSync().forEach((v, i) => expect(viaLayers[i]).toBeCloseTo(v, 6));
    run.dispose();
    resumed.dispose();
  });

  it('resume continues counters, metrics and elapsed time from the last checkpoint', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', 'cartpole-v1', small);
    const first = await train({ config, outDir: dir, resume: false });
    expect(first.globalStep).toBe(1024);
    await expect(train({ config, outDir: dir, resume: false })).rejects.toThrow(ConfigError);
    const second = await train({ config: { ...config, totalSteps: 2048 }, outDir: dir, resume: true });
    expect(second.updates).toBe(16);
    expect(second.globalStep).toBe(2048);
    const rows = readMetrics(dir);
    expect(rows.map((r) => r['update'])).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(rows.at(-1)!['global_step']).toBe(2048);
    const times = rows.map((r) => r['time/elapsed_s'] as number);
    expect(times[8]).toBeGreaterThan(times[7]!); // elapsed time carries over the resume
  });

  it('a corrupt or missing checkpoint gives an error naming the file, and the previous one still loads', async () => {
    const dir = tmp();
    await train({ config: resolveConfig('ppo', 'cartpole-v1', small), outDir: dir, resume: false });
    const latest = JSON.parse(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8')) as { checkpoint: string };
    const weights = join(dir, 'checkpoints', latest.checkpoint, 'actor', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(weights, bytes);
    await expect(loadPolicyCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadPolicyCheckpoint(dir)).rejects.toThrow(/actor\/weights\.bin/);
    const r = arena(['eval', '--agent', dir, '--game', 'cartpole', '--episodes', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weights\.bin.*previous good checkpoint is .*ckpt-/s);
    const previous = /previous good checkpoint is (\S+) /.exec(r.stderr)![1]!;
    const ok = await loadPolicyCheckpoint(previous);
    expect(ok.state.update).toBeLessThan(8);
    ok.policy.dispose();
    await expect(loadPolicyCheckpoint(join(dir, 'nothing-here'))).rejects.toThrow(CheckpointError);
  });
});

describe('arena train / eval from the CLI', () => {
  it('trains, saves the resolved config, evaluates as JSON and plays matches from a checkpoint', () => {
    const dir = tmp();
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ epochs: 2, steps: 16 }));
    const out = join(dir, 'run');
    const t = arena(['train', '--game', 'cartpole', '--algo', 'ppo', '--steps', '512', '--envs', '4', '--config', cfg, '--out', out, '--json']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ globalStep: 512 });
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ epochs: 2, steps: 16, envs: 4, totalSteps: 512 });
    expect(t.stderr).toMatch(/epochs\s+2/); // the resolved config is printed
    const e = arena(['eval', '--agent', out, '--game', 'cartpole', '--episodes', '3', '--json']);
    expect(e.code).toBe(0);
    const r = JSON.parse(e.stdout);
    expect(r.episodes).toBe(3);
    expect(r.meanReturn).toBeGreaterThan(0);
    expect(typeof r.stdReturn).toBe('number');
    const m = arena(['match', '--game', 'tic-tac-toe', '--agents', `${out},random`, '--games', '2']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/trained on cartpole-v1, not tic-tac-toe-v1/);
  });

  it.each([
    [['train', '--game', 'cartpole', '--algo', 'dqn'], /unknown algorithm 'dqn'/],
    [['train', '--game', 'cartpole', '--backend', 'gpu'], /tfjs-node-gpu/],
    [['train', '--game', 'cartpole', '--config', '/nonexistent.json'], /cannot read config file/],
  ])('refuses bad input with one line: %j', (args, pattern) => {
    const r = arena(args as string[]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names every bad config field', () => {
    const dir = tmp();
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ gamma: 2, hidden: [], lerning_rate: 1 }));
    const r = arena(['train', '--game', 'cartpole', '--config', cfg, '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gamma/);
    expect(r.stderr).toMatch(/hidden/);
    expect(r.stderr).toMatch(/lerning_rate/);
  });
});
