/**
 * The replay buffer: a ring that overwrites its oldest transitions, seeded uniform sampling,
 * terminated kept apart from truncated (only a termination stops the bootstrap), and a saved buffer
 * that is refused when it does not match the run's config.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointError, Rng } from '../../core/index.ts';
import { allocReplayBatch, allocTransitionBatch, decodeReplay, encodeReplay, isTransitionBatch, ReplayBuffer } from '../../src/algorithms/replay-buffer.ts';
import { allocTrajectory } from '../../src/algorithms/trajectory.ts';

/** One step of 1 env: obs [k, −k], action k/10, reward k, next obs [k + 0.5, 0]; flags as given. */
function step(k: number, terminated = 0, truncated = 0) {
  const t = allocTransitionBatch(1, 1, 2, 1);
  t.obs.set([k, -k]);
  t.continuousActions[0] = k / 10;
  t.rewards[0] = k;
  t.nextObs.set([k + 0.5, 0]);
  t.terminated[0] = terminated;
  t.truncated[0] = truncated;
  t.dones[0] = terminated | truncated;
  return t;
}

describe('ReplayBuffer', () => {
  it('is a ring: once full, each transition overwrites the oldest', () => {
    const buf = new ReplayBuffer({ capacity: 3, obsSize: 2, actionDims: 1 });
    for (let k = 0; k < 5; k++) buf.addBatch(step(k));
    expect(buf.size).toBe(3);
    expect(buf.position).toBe(2);
    // slots: 0 ← step 3, 1 ← step 4, 2 ← step 2
    expect([...buf.rewards]).toEqual([3, 4, 2]);
    expect([...buf.obs]).toEqual([3, -3, 4, -4, 2, -2]);
    expect([...buf.nextObs]).toEqual([3.5, 0, 4.5, 0, 2.5, 0]);
    expect(buf.actions[1]).toBeCloseTo(0.4, 6);
  });

  it('adds a T×N batch time-major and skips padding rows', () => {
    const t = allocTransitionBatch(2, 2, 2, 1);
    t.rewards.set([1, 2, 3, 4]);
    t.valid.set([1, 0, 1, 1]);
    const buf = new ReplayBuffer({ capacity: 10, obsSize: 2, actionDims: 1 });
    buf.addBatch(t);
    expect(buf.size).toBe(3);
    expect([...buf.rewards.subarray(0, 3)]).toEqual([1, 3, 4]);
  });

  it('samples uniformly with the seeded RNG; dones are terminations only', () => {
    const buf = new ReplayBuffer({ capacity: 8, obsSize: 2, actionDims: 1 });
    buf.addBatch(step(0));
    buf.addBatch(step(1, 1, 0)); // terminated: no bootstrap
    buf.addBatch(step(2, 0, 1)); // truncated: bootstraps from its final observation
    const a = allocReplayBatch({ obsSize: 2, actionDims: 1 }, 300);
    const b = allocReplayBatch({ obsSize: 2, actionDims: 1 }, 300);
    buf.sample(new Rng(7), a);
    buf.sample(new Rng(7), b);
    expect([...a.rewards]).toEqual([...b.rewards]);
    const counts = [0, 0, 0];
    for (let i = 0; i < a.size; i++) {
      const k = a.rewards[i]!;
      counts[k]!++;
      expect(a.dones[i]).toBe(k === 1 ? 1 : 0);
      expect([a.obs[2 * i], a.nextObs[2 * i]]).toEqual([k, k + 0.5]);
      expect(a.actions[i]).toBeCloseTo(k / 10, 6);
    }
    for (const c of counts) expect(c).toBeGreaterThan(60); // 100 expected each
  });

  it('refuses transitions of another shape and rollouts that are not transitions', () => {
    const buf = new ReplayBuffer({ capacity: 4, obsSize: 3, actionDims: 1 });
    expect(() => buf.addBatch(step(0))).toThrow(/do not fit/);
    expect(isTransitionBatch(allocTrajectory(1, 1, 2, 0, 1))).toBe(false);
    expect(isTransitionBatch(step(0))).toBe(true);
  });
});

describe('saved replay buffers', () => {
  const spec = { capacity: 3, obsSize: 2, actionDims: 1 };
  const about = { game: 'pendulum-v1', algo: 'sac', globalStep: 5 };

  it('round-trip: the same transitions, ring position and counters', () => {
    const buf = new ReplayBuffer(spec);
    for (let k = 0; k < 5; k++) buf.addBatch(step(k, k === 3 ? 1 : 0, k === 4 ? 1 : 0));
    const { buffer, header } = decodeReplay(encodeReplay(buf, about), { game: 'pendulum-v1', spec }, 'replay.bin');
    expect(header).toMatchObject({ format: 'arena-replay', game: 'pendulum-v1', algo: 'sac', capacity: 3, size: 3, position: 2, globalStep: 5 });
    expect(buffer.size).toBe(3);
    expect(buffer.position).toBe(2);
    for (const k of ['obs', 'actions', 'rewards', 'nextObs', 'terminated', 'truncated'] as const) expect([...buffer[k]]).toEqual([...buf[k]]);
  });

  it('a partly filled buffer round-trips too', () => {
    const buf = new ReplayBuffer(spec);
    buf.addBatch(step(1));
    const { buffer } = decodeReplay(encodeReplay(buf, about), { game: 'pendulum-v1', spec }, 'replay.bin');
    expect([buffer.size, buffer.position, buffer.rewards[0]]).toEqual([1, 1, 1]);
  });

  it('a buffer that does not match the config is refused, naming each difference', () => {
    const bytes = encodeReplay(new ReplayBuffer(spec), about);
    const load = (game: string, s: typeof spec) => () => decodeReplay(bytes, { game, spec: s }, 'run/replay.bin');
    expect(load('pendulum-v1', { ...spec, capacity: 4 })).toThrow(CheckpointError);
    expect(load('pendulum-v1', { ...spec, capacity: 4 })).toThrow(/run\/replay\.bin: .*does not match.*capacity 3 \(the config needs 4\)/);
    expect(load('pendulum-v1', { ...spec, obsSize: 3 })).toThrow(/obsSize 2 \(the config needs 3\)/);
    expect(load('pendulum-v1', { ...spec, actionDims: 2 })).toThrow(/actionDims 1 \(the config needs 2\)/);
    expect(load('other-v1', spec)).toThrow(/game "pendulum-v1" \(the config needs "other-v1"\)/);
  });

  it('truncated or foreign bytes are refused', () => {
    const buf = new ReplayBuffer(spec);
    buf.addBatch(step(1));
    const bytes = encodeReplay(buf, about);
    expect(() => decodeReplay(bytes.subarray(0, bytes.length - 1), { game: 'pendulum-v1', spec }, 'replay.bin')).toThrow(/has \d+ bytes/);
    expect(() => decodeReplay(new TextEncoder().encode('hello world'), { game: 'pendulum-v1', spec }, 'replay.bin')).toThrow(/is not a replay buffer/);
  });
});
