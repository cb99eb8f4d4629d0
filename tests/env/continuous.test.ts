/**
 * The vector env on a continuous-action game (pendulum-v1): one action vector per env through
 * `stepContinuous`, clipped by the game, with rewards, truncation and the final observation as for
 * discrete games; the discrete `step` and malformed batches are refused with one clear line.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, IllegalActionError } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { VecEnv } from '../../src/env/vec-env.ts';

const game = getGame('pendulum-v1');
const N = 3;

describe('VecEnv on a continuous-action game', () => {
  it('steps one vector per env, matches the game stepped alone, and truncates at 200 steps', () => {
    const env = new VecEnv({ game, envs: N, seed: 5 });
    expect(env.continuous).toBe(true);
    // the same episodes played on bare states, from the observations the env shows
    const torques = Float32Array.of(-1, 0.25, 2);
    let episodes = 0;
    for (let t = 0; t < 200; t++) {
      const before = Float32Array.from(env.obs);
      env.stepContinuous(torques);
      for (let e = 0; e < N; e++) {
        // reward of the step from the observation before it: cos θ, sin θ, θ̇ → cost θ² + 0.1·θ̇² + 0.001·u²
        const theta = Math.atan2(before[e * 3 + 1]!, before[e * 3]!);
        const thetaDot = before[e * 3 + 2]!;
        expect(env.rewards[e]).toBeCloseTo(-(theta * theta + 0.1 * thetaDot * thetaDot + 0.001 * torques[e]! ** 2), 4);
        expect(env.terminated[e]).toBe(0);
        expect(env.truncated[e]).toBe(t === 199 ? 1 : 0);
      }
      episodes += env.drainEpisodes().length;
    }
    expect(episodes).toBe(N);
    for (let e = 0; e < N; e++) {
      // the final observation of the truncated episode is kept for bootstrapping, the new one has |θ̇| < 1
      expect(Math.hypot(env.finalObs[e * 3]!, env.finalObs[e * 3 + 1]!)).toBeCloseTo(1, 5);
      expect(Math.abs(env.obs[e * 3 + 2]!)).toBeLessThan(1);
    }
  });

  it('clips out-of-box torques in the game: ±100 plays as ±2', () => {
    const a = new VecEnv({ game, envs: N, seed: 9 });
    const b = new VecEnv({ game, envs: N, seed: 9 });
    for (let t = 0; t < 20; t++) {
      a.stepContinuous(Float32Array.of(100, -100, 1));
      b.stepContinuous(Float32Array.of(2, -2, 1));
      expect(Array.from(a.obs)).toEqual(Array.from(b.obs));
      expect(Array.from(a.rewards)).toEqual(Array.from(b.rewards));
    }
  });

  it('refuses the discrete step, batches of the wrong size and NaN torques', () => {
    const env = new VecEnv({ game, envs: N, seed: 1 });
    expect(() => env.step(new Int32Array(N))).toThrow(ConfigError);
    expect(() => env.stepContinuous(new Float32Array(N + 1))).toThrow(/takes 3×1 numbers/);
    expect(() => env.stepContinuous(Float32Array.of(0, Number.NaN, 0))).toThrow(IllegalActionError);
    const discrete = new VecEnv({ game: getGame('cartpole-v1'), envs: 2, seed: 1 });
    expect(() => discrete.stepContinuous(new Float32Array(2))).toThrow(/discrete actions/);
  });
});
