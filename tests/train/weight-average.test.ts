import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { CheckpointError, ConfigError } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { listCheckpoints } from '../../src/checkpoint/store.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining as train } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { exportedSwaDir, SWA_DIR, WeightAverage } from '../../src/train/weight-average.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-swa-');

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('WeightAverage', () => {
  it('is the uniform mean of the checkpoints added, each update once, inside the window only', () => {
    const avg = new WeightAverage(0.25);
    expect(avg.inWindow(0.74)).toBe(false);
    expect(avg.inWindow(0.75)).toBe(true);
    expect(avg.inWindow(1)).toBe(true);
    expect(avg.mean()).toBeNull();
    expect(avg.add([Float32Array.of(1, 2), Float32Array.of(-1)], 10)).toBe(true);
    expect(avg.add([Float32Array.of(3, 6), Float32Array.of(2)], 20)).toBe(true);
    expect(avg.add([Float32Array.of(100, 100), Float32Array.of(100)], 20)).toBe(false); // the same update again: ignored
    expect(avg.add([Float32Array.of(5, 1), Float32Array.of(5)], 30)).toBe(true);
    expect(avg.averaged).toBe(3);
    const [a, b] = avg.mean()!;
    expect(Array.from(a!)).toEqual([3, 3]);
    expect(Array.from(b!)).toEqual([2]);
    expect(() => avg.add([Float32Array.of(1, 2)], 40)).toThrow(/expected 2 weight arrays/);
    expect(() => avg.add([Float32Array.of(1), Float32Array.of(1)], 40)).toThrow(/weight 0 has 1 values, expected 2/);
    expect(() => new WeightAverage(0)).toThrow(ConfigError);
    expect(() => new WeightAverage(1.5)).toThrow(/swaFraction must be in \(0, 1\]/);
  });
});

function weightsOf(dir: string): Float32Array {
  const b = readFileSync(join(dir, 'actor', 'weights.bin'));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('exportPolicy "swa"', () => {
  // 8 updates of 128 steps, a checkpoint every update: the window (the last half) holds updates 4..8
  const small = { totalSteps: 1024, envs: 4, steps: 32, minibatchSize: 64, epochs: 2, checkpointEvery: 1, exportPolicy: 'swa' as const, swaFraction: 0.5 };

  it('plays the mean of the checkpoints in the last swaFraction of the run; last: plays the last iterate; a resumed run continues the sum', async () => {
    const dir = tmp();
    const game = getGame('cartpole-v1').info;
    // a budget of 4 updates: the last half (progress ≥ 0.5) holds updates 2, 3 and 4
    await train({ config: resolveConfig('ppo', 'cartpole-v1', { ...small, totalSteps: 512 }), outDir: dir, resume: false });
    const first = await loadPolicyCheckpoint(join(dir, SWA_DIR));
    expect((first.state as { averaged?: number }).averaged).toBe(3);
    first.policy.dispose();

    // extended to 8 updates: the average goes on from its sum (not recomputed for the new budget), adding 5..8
    await train({ config: resolveConfig('ppo', 'cartpole-v1', small), outDir: dir, resume: true });
    const swa = await loadPolicyCheckpoint(join(dir, SWA_DIR));
    expect((swa.state as { averaged?: number }).averaged).toBe(7);
    expect(swa.state.update).toBe(8);
    swa.policy.dispose();
    // resumed with nothing left to train: the final checkpoint (update 8 again) is not added twice
    await train({ config: resolveConfig('ppo', 'cartpole-v1', small), outDir: dir, resume: true });
    const again = await loadPolicyCheckpoint(join(dir, SWA_DIR));
    expect((again.state as { averaged?: number }).averaged).toBe(7);
    again.policy.dispose();

    const ckpts = await listCheckpoints(dir);
    const swaCkpts = await listCheckpoints(join(dir, SWA_DIR));
    const swaW = weightsOf(swaCkpts.find((c) => c.isLatest)!.dir);
    const last = weightsOf(ckpts.find((c) => c.isLatest)!.dir);
    expect(swaW.length).toBe(last.length);
    expect(swaW.some((v, i) => Math.abs(v - last[i]!) > 1e-6)).toBe(true);

    const played = await createAgent(dir, game, 0, { deterministic: true });
    const lastIterate = await createAgent(`last:${dir}`, game, 0, { deterministic: true });
    expect(played).toBeInstanceOf(PolicyAgent);
    expect(played.name).toBe(dir);
    const w = (a: unknown) => (a as { policy: { getWeights(): Float32Array[] } }).policy.getWeights()[0]!;
    expect(Array.from(w(played)).slice(0, 8)).toEqual(Array.from(swaW.slice(0, 8)));
    expect(Array.from(w(lastIterate)).slice(0, 8)).toEqual(Array.from(last.slice(0, 8)));
    played.dispose?.();
    lastIterate.dispose?.();
  });

  it('the average is exactly the mean of the checkpoints it names', async () => {
    const dir = tmp();
    // 3 updates, a checkpoint each, all in the window (swaFraction 1) and all kept by the store
    await train({ config: resolveConfig('ppo', 'cartpole-v1', { ...small, totalSteps: 384, swaFraction: 1 }), outDir: dir, resume: false });
    const ckpts = await listCheckpoints(dir);
    expect(ckpts.map((c) => c.index)).toEqual([1, 2, 3]);
    const ws = ckpts.map((c) => weightsOf(c.dir));
    const swa = await loadPolicyCheckpoint(join(dir, SWA_DIR));
    expect((swa.state as { averaged?: number }).averaged).toBe(3);
    const got = swa.policy.actor.getWeights().flatMap((t) => Array.from(t.dataSync()));
    swa.policy.dispose();
    const want = Array.from(ws[0]!, (_, i) => (ws[0]![i]! + ws[1]![i]! + ws[2]![i]!) / 3);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
  });

  it('before its window opens a run that exports its average refuses to play, naming last:', async () => {
    const early = tmp();
    const ac = new AbortController();
    await train({ config: resolveConfig('ppo', 'cartpole-v1', { ...small, swaFraction: 0.1 }), outDir: early, resume: false, onUpdate: (u) => (u.update >= 2 ? ac.abort() : undefined), signal: ac.signal });
    expect(() => exportedSwaDir(early)).toThrow(CheckpointError);
    expect(() => exportedSwaDir(early)).toThrow(/has not reached that window; play the last iterate with last:/);
    await expect(createAgent(early, getGame('cartpole-v1').info, 0)).rejects.toThrow(/last:/);
    const agent = await createAgent(`last:${early}`, getGame('cartpole-v1').info, 0);
    agent.dispose?.();
  });

  it('an off-policy run is refused in one line', async () => {
    const dir = tmp();
    await expect(train({ config: resolveConfig('sac', 'pendulum-v1', { totalSteps: 64, exportPolicy: 'swa' }), outDir: dir, resume: false })).rejects.toThrow(/exportPolicy "swa" averages one policy network's checkpoints; sac saves its own kind/);
  });
});
