import { describe, expect, it } from 'vitest';
import { IllegalActionError, TERMINAL, type GameState } from '../../core/index.ts';
import { cartPole, CartPoleState, THETA_THRESHOLD } from '../../games/cartpole.ts';

/** A state at an exact physics point, built through `restore` (the public way to set a state). */
function at(state: [number, number, number, number], steps = 1): CartPoleState {
  const base = cartPole.newState(0).serialize();
  return cartPole.restore({ ...base, state, steps, terminated: false, lastReward: steps > 0 ? 1 : 0 }) as CartPoleState;
}

function obs(s: GameState): number[] {
  const out = new Float32Array(4);
  s.observe(0, out);
  return Array.from(out);
}

const rew = (s: GameState) => {
  const r = new Float64Array(1);
  s.rewards(r);
  return r[0];
};
const ret = (s: GameState) => {
  const r = new Float64Array(1);
  s.returns(r);
  return r[0];
};

describe('cartpole-v1', () => {
  it('declares gymnasium CartPole-v1 metadata', () => {
    const i = cartPole.info;
    expect(i.id).toBe('cartpole-v1');
    expect([i.seats, i.actions, i.observationSize, i.stateSize, i.chanceOutcomes, i.maxSteps]).toEqual([1, 2, 4, 4, 0, 500]);
    expect(i.teams).toEqual([[0]]);
    expect([i.utility, i.dynamics, i.information]).toEqual(['single-agent', 'sequential', 'perfect']);
  });

  it('one push right from rest matches the equations worked by hand', () => {
    // x = ẋ = θ = θ̇ = 0, force = +10, sin θ = 0, cos θ = 1:
    //   temp = (10 + 0.05·0·0) / 1.1 = 100/11
    //   θ̈ = (9.8·0 − 1·100/11) / (0.5·(4/3 − 0.1·1/1.1)) = −(100/11) / (0.5·41/33) = −(100/11)·(66/41) = −600/41
    //   ẍ = 100/11 − 0.05·(−600/41)·1/1.1 = 100/11 + 300/451 = 4400/451 = 400/41
    //   x' = 0 + 0.02·0 = 0;  ẋ' = 0 + 0.02·400/41 = 8/41;  θ' = 0;  θ̇' = 0 + 0.02·(−600/41) = −12/41
    const s = at([0, 0, 0, 0], 0);
    s.apply(1);
    const [x, xDot, theta, thetaDot] = s.physics();
    expect(x).toBe(0);
    expect(xDot).toBeCloseTo(8 / 41, 14);
    expect(theta).toBe(0);
    expect(thetaDot).toBeCloseTo(-12 / 41, 14);
    expect(rew(s)).toBe(1);
    expect(ret(s)).toBe(1);
    expect(s.isTerminal()).toBe(false);
    expect(obs(s)).toEqual(Array.from(Float32Array.of(0, 8 / 41, 0, -12 / 41)));
  });

  it('one push left from a tilted, moving state matches the equations worked by hand', () => {
    // x = 0.1, ẋ = −0.2, θ = 0.05, θ̇ = 0.3, force = −10
    //   cos θ = 0.99875026039496630, sin θ = 0.04997916927067833
    //   temp = (−10 + 0.05·0.09·0.04997916927067833) / 1.1 = −9.090704630671166
    //   θ̈ = (9.8·0.04997916927067833 + 0.9987502603949663·9.090704630671166)   = 9.569139475909202
    //        / (0.5·(4/3 − 0.1·0.997502082639013/1.1))   (cos²θ = 0.997502082639013) / 0.6213256629103479
    //      = 15.401165680307574
    //   ẍ = −9.090704630671166 − 0.05·15.401165680307574·0.9987502603949663/1.1 = −9.78988273219813
    //   x' = 0.1 + 0.02·(−0.2) = 0.096;       ẋ' = −0.2 + 0.02·(−9.78988273219813) = −0.3957976546439626
    //   θ' = 0.05 + 0.02·0.3 = 0.056;          θ̇' = 0.3 + 0.02·15.401165680307574 = 0.6080233136061515
    const s = at([0.1, -0.2, 0.05, 0.3]);
    s.apply(0);
    const [x, xDot, theta, thetaDot] = s.physics();
    expect(x).toBeCloseTo(0.096, 14);
    expect(xDot).toBeCloseTo(-0.3957976546439626, 13);
    expect(theta).toBeCloseTo(0.056, 14);
    expect(thetaDot).toBeCloseTo(0.6080233136061515, 13);
  });

  it('terminates when |x| passes 2.4, with reward 1 on the terminating step', () => {
    const edge = at([2.4, 0, 0, 0], 10); // x stays exactly 2.4: not beyond the threshold
    edge.apply(0);
    expect(edge.isTerminal()).toBe(false);
    const s = at([2.39, 1, 0, 0], 10); // x' = 2.39 + 0.02 = 2.41 > 2.4
    s.apply(1);
    expect(s.isTerminal()).toBe(true);
    expect(s.currentSeat()).toBe(TERMINAL);
    expect(s.isTerminated()).toBe(true);
    expect(s.isTruncated()).toBe(false);
    expect(rew(s)).toBe(1);
    expect(ret(s)).toBe(11);
    expect(s.legalActions(0)).toEqual([]);
    expect(() => s.apply(0)).toThrow(IllegalActionError);
    const left = at([-2.39, -1, 0, 0], 10);
    left.apply(0);
    expect(left.isTerminated()).toBe(true);
  });

  it('terminates when |theta| passes 12 degrees', () => {
    expect(THETA_THRESHOLD).toBeCloseTo((12 * 2 * Math.PI) / 360, 15);
    const edge = at([0, 0, THETA_THRESHOLD, 0]); // θ' = θ exactly: not beyond
    edge.apply(1);
    expect(edge.isTerminal()).toBe(false);
    const s = at([0, 0, THETA_THRESHOLD, 0.1]); // θ' = θ + 0.002
    s.apply(1);
    expect(s.isTerminated()).toBe(true);
    expect(rew(s)).toBe(1);
    const neg = at([0, 0, -THETA_THRESHOLD, -0.1]);
    neg.apply(0);
    expect(neg.isTerminated()).toBe(true);
  });

  it('truncates at exactly 500 steps under a balancing policy', () => {
    for (let seed = 0; seed < 3; seed++) {
      const s = cartPole.newState(seed);
      while (!s.isTerminal()) {
        const [x, xDot, theta, thetaDot] = (s as CartPoleState).physics();
        // a linear balancing controller that keeps both the pole and the cart near the centre
        s.apply(0.1 * x + 0.5 * xDot + 10 * theta + 2 * thetaDot > 0 ? 1 : 0);
        if (s.stepCount() < 500) expect(s.isTruncated()).toBe(false);
      }
      expect(s.stepCount()).toBe(500);
      expect(s.isTruncated()).toBe(true);
      expect((s as CartPoleState).isTerminated()).toBe(false);
      expect(s.currentSeat()).toBe(TERMINAL);
      expect(ret(s)).toBe(500);
      expect(rew(s)).toBe(1);
    }
  });

  it('truncates after step 500 from a restored state, but a fall on step 500 is a termination', () => {
    const s = at([0, 0, 0, 0], 499);
    expect(s.isTerminal()).toBe(false);
    s.apply(0);
    expect(s.isTruncated()).toBe(true);
    expect(s.currentSeat()).toBe(TERMINAL);
    const f = at([2.39, 1, 0, 0], 499);
    f.apply(1);
    expect(f.isTerminal()).toBe(true);
    expect(f.isTruncated()).toBe(false);
  });

  it('draws the initial state uniformly in [-0.05, 0.05) from the seed', () => {
    const a = cartPole.newState(42) as CartPoleState;
    const b = cartPole.newState(42) as CartPoleState;
    expect(a.physics()).toEqual(b.physics());
    expect(cartPole.newState(43).serialize()).not.toEqual(a.serialize());
    for (const v of a.physics()) {
      expect(v).toBeGreaterThanOrEqual(-0.05);
      expect(v).toBeLessThan(0.05);
    }
    a.apply(1);
    a.reset(42);
    expect(a.physics()).toEqual(b.physics());
    expect(a.stepCount()).toBe(0);
    expect(rew(a)).toBe(0);
  });

  it('observation equals the global state, and view/render carry the numbers', () => {
    const s = at([0.1, -0.2, 0.05, 0.3]);
    const g = new Float32Array(4);
    s.globalState(g);
    expect(obs(s)).toEqual(Array.from(g));
    expect(obs(s)).toEqual(Array.from(Float32Array.of(0.1, -0.2, 0.05, 0.3)));
    const v = s.view(null);
    expect(v).toMatchObject({ x: 0.1, xDot: -0.2, theta: 0.05, thetaDot: 0.3, finished: false, truncated: false });
    expect(s.render()).toContain('x=+0.1000');
    expect(s.render().split('\n')).toHaveLength(1);
  });

  it('rejects inconsistent snapshots', () => {
    const base = cartPole.newState(0).serialize();
    expect(() => cartPole.restore({ ...base, state: [0, 0, 0] })).toThrow(/state/);
    expect(() => cartPole.restore({ ...base, state: [0, 0, 0, 'x'] })).toThrow(/state/);
    expect(() => cartPole.restore({ ...base, steps: 3, state: [3, 0, 0, 0], terminated: false, lastReward: 1 })).toThrow(/terminated/);
    expect(() => cartPole.restore({ ...base, steps: 501 })).toThrow(/steps/);
  });
});
