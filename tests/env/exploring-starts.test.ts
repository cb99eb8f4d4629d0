import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RandomAgent } from '../../agents/random.ts';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { VecEnv } from '../../src/env/vec-env.ts';
import { runRollout } from '../../src/selfplay/rollout.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { resolveConfig } from '../../src/train/config.ts';

const game = getGame('tic-tac-toe');
const O = game.info.observationSize;

/** Marks on the board in a tic-tac-toe observation (both planes). */
function marks(obs: Float32Array, offset: number): number {
  let n = 0;
  for (let i = 0; i < O; i++) n += obs[offset + i]!;
  return n;
}

/** Marks seen at the learner's first decision of each episode, over `updates` × 1 steps per env. */
function firstMoveMarks(openingPlies: number): number[] {
  const env = new VecEnv({ game, envs: 16, seed: 3, opponent: new RandomAgent(game.info, 7), openingPlies });
  const seen: number[] = [];
  const fresh = new Uint8Array(16).fill(1);
  for (let t = 0; t < 60; t++) {
    for (let e = 0; e < 16; e++) if (fresh[e]) seen.push(marks(env.obs, e * O));
    const actions = new Int32Array(16);
    for (let e = 0; e < 16; e++) actions[e] = env.masks.subarray(e * 9, e * 9 + 9).indexOf(1);
    env.step(actions);
    for (let e = 0; e < 16; e++) fresh[e] = env.terminated[e] || env.truncated[e] ? 1 : 0;
  }
  return seen;
}

describe('exploring starts (trainOpeningPlies)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('without openings the learner first moves on an empty board (X) or after one mark (O)', () => {
    expect(new Set(firstMoveMarks(0))).toEqual(new Set([0, 1]));
  });

  it('VecEnv starts episodes after 0..N random plies', () => {
    const seen = firstMoveMarks(4);
    const counts = new Set(seen);
    for (const c of [0, 1, 2, 3, 4]) expect(counts.has(c)).toBe(true);
    expect(Math.max(...seen)).toBeLessThanOrEqual(5); // N random plies, then at most one opponent move
  });

  it('self-play rollouts in the workers start from random openings too', () => {
    const { info } = game;
    const policy = new ActorCritic({ obsSize: O, criticInputSize: O, head: 'categorical', actions: info.actions, hidden: [16], activation: 'tanh' }, 1);
    const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    policy.dispose();
    const task = (openingPlies: number) => ({ game: info.id, envs: 8, steps: 20, seed: 5, learner: 1, snapshots: { 1: bytes }, opponents: [{ id: 'random', bot: 'random' }], opponentProbs: [1], openingPlies });
    const firstMarks = (plies: number) => {
      const r = runRollout(task(plies));
      const out: number[] = [];
      for (let e = 0; e < 8; e++) out.push(marks(r.obs, e * O)); // t = 0: each env's first decision
      for (let t = 1; t < 20; t++) for (let e = 0; e < 8; e++) if (r.dones[(t - 1) * 8 + e]) out.push(marks(r.obs, (t * 8 + e) * O));
      for (let i = 0; i < r.actions.length; i++) expect(r.masks[i * info.actions + r.actions[i]!]).toBe(1);
      return out;
    };
    expect(Math.max(...firstMarks(0))).toBeLessThanOrEqual(1);
    expect(Math.max(...firstMarks(4))).toBeGreaterThanOrEqual(3);
  });

  it('refuses exploring starts where random plies cannot apply', () => {
    expect(() => resolveConfig('ppo', 'kuhn-poker-v1', { trainOpeningPlies: 2 })).toThrow(ConfigError);
    expect(() => resolveConfig('ppo', 'kuhn-poker-v1', { trainOpeningPlies: 2 })).toThrow(/chance.*set it to 0/);
    expect(resolveConfig('ppo', 'tic-tac-toe-v1', { trainOpeningPlies: 3 }).trainOpeningPlies).toBe(3);
  });
});
