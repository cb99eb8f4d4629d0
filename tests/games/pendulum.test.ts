/**
 * pendulum-v1 against gymnasium's Pendulum-v1: golden transitions from fixed start states computed by
 * hand (trigonometric identities and plain arithmetic, not the game's code), torque and speed
 * clipping, angle normalisation in the cost, the 200-step truncation, seeding, and the random level.
 */
import { describe, expect, it } from 'vitest';
import { RandomAgent } from '../../agents/random.ts';
import { IllegalActionError, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { angleNormalize, PendulumState, pendulum } from '../../games/pendulum.ts';
import { evaluateAgent } from '../../src/eval/evaluate.ts';

/** A pendulum at (θ, θ̇) before any step, through the snapshot API. */
function at(theta: number, thetaDot: number): PendulumState {
  return pendulum.restore({ ...pendulum.newState(0).serialize(), state: [theta, thetaDot] }) as PendulumState;
}

function observation(s: GameState): number[] {
  const out = new Float32Array(3);
  s.observe(0, out);
  return Array.from(out);
}

function lastReward(s: GameState): number {
  const r = new Float64Array(1);
  s.rewards(r);
  return r[0]!;
}

const HALF_PI = Math.PI / 2;

describe('pendulum-v1', () => {
  it('is registered with a one-component torque box [−2, 2]', () => {
    const { info } = getGame('pendulum');
    expect(info.id).toBe('pendulum-v1');
    expect(info.actions).toBe(1);
    expect(info.actionSpace).toEqual({ kind: 'continuous', low: [-2], high: [2] });
    expect([info.observationSize, info.maxSteps, info.seats]).toEqual([3, 200, 1]);
  });

  it('golden: θ = π/2, θ̇ = 0.5, torque 1, then torque 5 (clipped to 2)', () => {
    const s = at(HALF_PI, 0.5);
    expect(observation(s)).toEqual(Array.from(Float32Array.of(Math.cos(HALF_PI), 1, 0.5)));
    s.applyContinuous([1]);
    // cost = (π/2)² + 0.1·0.5² + 0.001·1² = π²/4 + 0.026
    expect(lastReward(s)).toBeCloseTo(-(Math.PI * Math.PI) / 4 - 0.026, 12);
    expect(lastReward(s)).toBeCloseTo(-2.4934011002723393, 12);
    // θ̇' = 0.5 + (3·10/2·sin(π/2) + 3·1)·0.05 = 0.5 + 18·0.05 = 1.4; θ' = π/2 + 1.4·0.05 = π/2 + 0.07
    const [th1, td1] = s.physics();
    expect(td1).toBeCloseTo(1.4, 12);
    expect(th1).toBeCloseTo(HALF_PI + 0.07, 12);
    // cos(π/2 + x) = −sin x, sin(π/2 + x) = cos x
    const obs1 = observation(s);
    expect(obs1[0]).toBeCloseTo(-0.06994284733753277, 6);
    expect(obs1[1]).toBeCloseTo(0.9975510002532796, 6);
    expect(obs1[2]).toBeCloseTo(1.4, 6);

    s.applyContinuous([5]); // clipped to the box: torque 2
    // cost = (π/2 + 0.07)² + 0.1·1.4² + 0.001·2² (θ' is already in [−π, π))
    expect(lastReward(s)).toBeCloseTo(-((HALF_PI + 0.07) ** 2) - 0.196 - 0.004, 12);
    expect(lastReward(s)).toBeCloseTo(-2.8922125860236254, 12);
    // θ̇'' = 1.4 + (15·cos 0.07 + 3·2)·0.05 = 1.7 + 0.75·cos 0.07
    const [th2, td2] = s.physics();
    expect(td2).toBeCloseTo(1.7 + 0.75 * 0.9975510002532796, 12);
    expect(td2).toBeCloseTo(2.4481632501899595, 12);
    expect(th2).toBeCloseTo(HALF_PI + 0.07 + 0.05 * 2.4481632501899595, 12);
    expect(th2).toBeCloseTo(1.7632044893043946, 12);
    const ret = new Float64Array(1);
    s.returns(ret);
    expect(ret[0]).toBeCloseTo(-2.4934011002723393 - 2.8922125860236254, 12);
    expect(s.view(null)['torque']).toBe(2);
  });

  it('clips θ̇ to ±8 after the update, and θ then moves by the clipped speed', () => {
    const up = at(HALF_PI, 7.9);
    up.applyContinuous([-2.5]); // torque −2: 7.9 + (15 − 6)·0.05 = 8.35 → 8
    expect(up.physics()[1]).toBe(8);
    expect(up.physics()[0]).toBeCloseTo(HALF_PI + 0.4, 12);
    // cost from the state before the step: π²/4 + 0.1·7.9² + 0.001·2²
    expect(lastReward(up)).toBeCloseTo(-(Math.PI * Math.PI) / 4 - 6.241 - 0.004, 12);
    expect(lastReward(up)).toBeCloseTo(-8.71240110027234, 12);
    const down = at(-HALF_PI, -7.9);
    down.applyContinuous([-2]); // −7.9 + (−15 − 6)·0.05 = −8.95 → −8
    expect(down.physics()[1]).toBe(-8);
    expect(down.physics()[0]).toBeCloseTo(-HALF_PI - 0.4, 12);
  });

  it('normalises θ to [−π, π) in the cost, as gymnasium’s angle_normalize', () => {
    expect(angleNormalize(Math.PI)).toBe(-Math.PI);
    expect(angleNormalize(-Math.PI)).toBe(-Math.PI);
    expect(angleNormalize(1.5 * Math.PI)).toBeCloseTo(-HALF_PI, 12);
    expect(angleNormalize(6 * Math.PI + 0.3)).toBeCloseTo(0.3, 12);
    expect(angleNormalize(-6 * Math.PI - 0.3)).toBeCloseTo(-0.3, 12);
    const s = at(4, 0);
    s.applyContinuous([0]);
    // θ_n = 4 − 2π; θ̇' = 15·sin(4)·0.05; θ itself is not wrapped
    expect(lastReward(s)).toBeCloseTo(-((4 - 2 * Math.PI) ** 2), 12);
    expect(lastReward(s)).toBeCloseTo(-5.212935146920741, 12);
    expect(s.physics()[1]).toBeCloseTo(-0.5676018714809461, 12);
    expect(s.physics()[0]).toBeCloseTo(3.9716199064259525, 12);
  });

  it('is truncated (not terminated) after 200 steps; further actions are refused', () => {
    const s = pendulum.newState(3);
    for (let t = 0; t < 199; t++) s.applyContinuous([0.5]);
    expect(s.isTerminal()).toBe(false);
    s.applyContinuous([0.5]);
    expect(s.isTerminal()).toBe(true);
    expect(s.isTruncated()).toBe(true);
    expect(() => s.applyContinuous([0])).toThrow(IllegalActionError);
    expect(s.stepCount()).toBe(200);
  });

  it('refuses discrete actions, NaN, infinite and mis-sized vectors with one clear line', () => {
    const s = pendulum.newState(1);
    expect(() => s.apply(0)).toThrow(/pendulum-v1 has continuous actions: use applyContinuous/);
    expect(() => s.applyContinuous([Number.NaN])).toThrow(/component 0 of the action must be a finite number/);
    expect(() => s.applyContinuous([Infinity])).toThrow(IllegalActionError);
    expect(() => s.applyContinuous([1, 2])).toThrow(/actions are vectors of 1 finite number, got 2 numbers/);
    expect(s.stepCount()).toBe(0);
    // Float32Array works as well as an array (what policies write)
    s.applyContinuous(Float32Array.of(1));
    expect(s.stepCount()).toBe(1);
  });

  it('starts from θ ~ U(−π, π), θ̇ ~ U(−1, 1), seeded', () => {
    expect(pendulum.newState(42).serialize()).toEqual(pendulum.newState(42).serialize());
    let absTheta = 0;
    let thetaDot = 0;
    const n = 2000;
    for (let seed = 0; seed < n; seed++) {
      const [th, td] = (pendulum.newState(seed) as PendulumState).physics();
      expect(th >= -Math.PI && th < Math.PI && td >= -1 && td < 1).toBe(true);
      absTheta += Math.abs(th) / n;
      thetaDot += td / n;
    }
    expect(absTheta).toBeCloseTo(HALF_PI, 1);
    expect(thetaDot).toBeCloseTo(0, 1);
  });

  it('random torques average about −1200 per episode (gymnasium’s random level)', () => {
    const r = evaluateAgent({ game: pendulum, agent: new RandomAgent(pendulum.info, 5), episodes: 100, seed: 11 });
    expect(r.meanReturn).toBeGreaterThan(-1500);
    expect(r.meanReturn).toBeLessThan(-1000);
  });
});
