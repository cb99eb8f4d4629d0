import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { getGame } from '../../games/index.ts';
import { MlpForward } from '../../src/selfplay/mlp-forward.ts';
import { ActorPool } from '../../src/selfplay/pool.ts';
import { runRollout, type RolloutResult } from '../../src/selfplay/rollout.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';

const game = getGame('tic-tac-toe');
let pool: ActorPool;
let bytes: Uint8Array;
let policy: ActorCritic;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { info } = game;
  policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [32, 32], activation: 'tanh' }, 5);
  bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
  pool = new ActorPool({ workers: 2, taskTimeoutMs: 8000, maxRetries: 2 }); // long enough that a task queued behind a restarting worker on a loaded runner is not timed out too
  pool.publish(1, bytes);
});
afterAll(async () => {
  await pool.destroy();
  policy.dispose();
});

const task = (seed: number) => ({
  kind: 'two-seat' as const,
  game: 'tic-tac-toe-v1',
  envs: 6,
  steps: 10,
  seed,
  learner: 1,
  opponents: [{ id: 'main@1', version: 1 }, { id: 'random', bot: 'random' }],
  opponentProbs: [0.5, 0.5],
});

function checkRollout(r: RolloutResult): void {
  const { info } = game;
  expect(r.obs.length).toBe(60 * info.observationSize);
  for (let i = 0; i < 60; i++) expect(r.masks[i * info.actions + r.actions[i]!]).toBe(1); // only legal moves
  let doneRewards = 0;
  for (let i = 0; i < 60; i++) if (r.dones[i]) doneRewards += r.rewards[i]!;
  expect(r.episodes.length).toBe(r.dones.reduce((a, b) => a + b, 0));
  expect(doneRewards).toBeCloseTo(r.episodes.reduce((a, e) => a + e.learnerReturn, 0), 6);
  for (const e of r.episodes) expect([0, 0.5, 1]).toContain(e.score);
  expect(new Set(r.episodes.map((e) => e.seat))).toEqual(new Set([0, 1]));
}

describe('self-play rollouts', () => {
  it('the JavaScript forward pass matches the tfjs policy', () => {
    const mlp = new MlpForward(policy.spec, policy.getWeights());
    const x = Float32Array.from({ length: 5 * 18 }, (_, i) => ((i * 7) % 3) - 1);
    const out = new Float32Array(5 * 9);
    const v = new Float32Array(5);
    mlp.actorForward(x, 5, out);
    mlp.criticForward(x, 5, v);
    const ref = tf.tidy(() => policy.actorForward(tf.tensor2d(x, [5, 18])).dataSync());
    const refV = tf.tidy(() => policy.criticForward(tf.tensor2d(x, [5, 18])).dataSync());
    ref.forEach((r, i) => expect(out[i]).toBeCloseTo(r, 5));
    refV.forEach((r, i) => expect(v[i]).toBeCloseTo(r, 5));
  });

  it('runs in real worker threads, in parallel, deterministically from the seed', async () => {
    const [a, b] = await Promise.all([pool.run(task(1), [1]), pool.run(task(2), [1])]);
    checkRollout(a);
    checkRollout(b);
    expect(Array.from(a.actions)).not.toEqual(Array.from(b.actions));
    const local = runRollout({ ...task(1), snapshots: { 1: bytes } });
    expect(Array.from(a.actions)).toEqual(Array.from(local.actions));
    expect(Array.from(a.rewards)).toEqual(Array.from(local.rewards));
    expect(Array.from(a.nextValues)).toEqual(Array.from(local.nextValues));
  });

  it('continue the games the previous task left in progress (carry): no game is cut off, no decision lost', async () => {
    const { info } = game;
    const N = 6;
    const T = 10;
    /** Per column: the lengths of the games that end in `r` (the first one counting `carried` earlier decisions), and the decisions of the game left in progress. */
    const columns = (r: RolloutResult, carried: readonly number[]) => {
      const ended: number[] = [];
      const open = Array.from({ length: N }, (_, e) => {
        let len = carried[e]!;
        for (let t = 0; t < T; t++) {
          len++;
          if (r.dones[t * N + e]) {
            ended.push(len);
            len = 0;
          }
        }
        return len;
      });
      return { ended: ended.sort((a, b) => a - b), open };
    };
    const first = await pool.run(task(3), [1]);
    expect(first.carry).toHaveLength(N);
    const c1 = columns(first, new Array<number>(N).fill(0));
    expect(first.carry!.map((c) => c.length)).toEqual(c1.open);
    // the next task resumes each game at the learner's turn: its first observation is the carried state's
    const second = runRollout({ ...task(4), snapshots: { 1: bytes }, carry: first.carry });
    const obs = new Float32Array(info.observationSize);
    first.carry!.forEach((c, e) => {
      const s = game.restore(c.state);
      expect(s.currentSeat()).toBe(c.side);
      s.observe(c.side, obs, 0);
      expect(Array.from(second.obs.subarray(e * info.observationSize, (e + 1) * info.observationSize))).toEqual(Array.from(obs));
    });
    // every game that ends there reports its whole length, the decisions of the task before included
    const c2 = columns(second, c1.open);
    expect(second.episodes.map((ep) => ep.length).sort((a, b) => a - b)).toEqual(c2.ended);
    expect(second.carry!.map((c) => c.length)).toEqual(c2.open);
    expect(Math.max(...c2.ended)).toBeGreaterThan(Math.min(...second.episodes.map((ep) => ep.length)));
    checkRollout(second);
    // without a carry every env starts a new game: a column's first game is no longer than its first done
    const fresh = runRollout({ ...task(4), snapshots: { 1: bytes } });
    expect(fresh.episodes.map((ep) => ep.length).sort((a, b) => a - b)).toEqual(columns(fresh, new Array<number>(N).fill(0)).ended);
  });

  it('replaces a worker that crashes and retries its task without corrupting the batch', async () => {
    const before = pool.retries;
    const flag = new SharedArrayBuffer(4);
    const [crashed, other] = await Promise.all([pool.run({ ...task(3), crashOnce: flag }, [1]), pool.run(task(4), [1])]);
    expect(new Int32Array(flag)[0]).toBe(1); // the crash happened
    expect(pool.retries).toBe(before + 1);
    const reference = runRollout({ ...task(3), snapshots: { 1: bytes } });
    expect(Array.from(crashed.actions)).toEqual(Array.from(reference.actions));
    expect(Array.from(crashed.obs)).toEqual(Array.from(reference.obs));
    checkRollout(other);
  });

  it('aborts a hung task after the timeout, replaces the worker and retries', async () => {
    const before = pool.retries;
    const flag = new SharedArrayBuffer(4);
    const r = await pool.run({ ...task(5), hangOnce: flag }, [1]);
    expect(pool.retries).toBe(before + 1);
    const reference = runRollout({ ...task(5), snapshots: { 1: bytes } });
    expect(Array.from(r.actions)).toEqual(Array.from(reference.actions));
  });

  it('refuses a task naming a snapshot that was never published', async () => {
    await expect(pool.run({ ...task(6), learner: 99 }, [99])).rejects.toThrow(/never published/);
  });

  it('reports each worker thread\'s own heap (live and committed), V8 allocations and external memory for the profile', async () => {
    await pool.run(task(7), [1]);
    const threads = await pool.threadMemory();
    expect(threads.length).toBeGreaterThanOrEqual(1);
    expect(threads.length).toBeLessThanOrEqual(2);
    for (const t of threads) {
      expect(t.heapBytes).toBeGreaterThan(1 << 20); // a live isolate with the rollout code loaded
      expect(t.heapBytes).toBeLessThan(512 << 20);
      expect(t.externalBytes).toBeGreaterThanOrEqual(0);
      expect(t.heapPhysicalBytes).toBeGreaterThanOrEqual(t.heapBytes); // committed pages hold the live heap
      expect(t.mallocedBytes).toBeGreaterThan(0);
    }
  });
});
