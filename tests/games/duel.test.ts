/**
 * duel-v3 (games/duel.ts): physics against numbers worked out by hand — a tick of thrust and drag, a
 * wall bounce, the gun's turn, a projectile that misses by 0.02 and hits on the next tick, the
 * cooldown — the end by hit points and by the time limit, seat-relative observations (one policy
 * plays both seats), the seeded start, and the scripted pilot against the random bot.
 */
import { describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { IllegalActionError, SIMULTANEOUS, TERMINAL } from '../../core/index.ts';
import { COOLDOWN_TICKS, DuelState, MAX_HP, MAX_SPEED, MAX_TICKS, OBS_BEARING, OBS_SIZE, OBS_THREAT, duel, interceptTime, wrapAngle } from '../../games/duel.ts';
import { getGame } from '../../games/index.ts';
import { playSeries } from '../../src/eval/match.ts';

type Ship = [x: number, y: number, vx: number, vy: number, heading: number, cooldown: number, hp: number];
type Shot = [slot: number, x: number, y: number, vx: number, vy: number, age: number];

/** A position built by hand: two ships and the projectiles in flight, at tick `steps`. */
function at(ships: [Ship, Ship], shots: Shot[] = [], steps = 0): DuelState {
  return DuelState.restore({ ...duel.newState(0).serialize(), ships, shots, steps, over: false, result0: 0, last0: 0, hits: [0, 0] });
}

/** The joint action of one tick: seat 0's vector, then seat 1's. */
const tick = (s: DuelState, u0: number[], u1: number[] = [0, 0, 0, 0]) => s.applyJointContinuous([...u0, ...u1]);
const returns = (s: DuelState) => {
  const r = new Float64Array(2);
  s.returns(r);
  return Array.from(r);
};
const rewards = (s: DuelState) => {
  const r = new Float64Array(2);
  s.rewards(r);
  return Array.from(r);
};

describe('duel-v3 physics (hand-computed)', () => {
  it('one tick of thrust and drag: v = (0 + 6·0.1)·0.9 = 0.54, x = −7 + 0.054; then v = (0.54 + 0.6)·0.9 = 1.026', () => {
    const s = at([
      [-7, 0, 0, 0, 0, 0, 5],
      [7, 0, 0, 0, Math.PI, 0, 5],
    ]);
    // both push "forward" in their own frames: seat 1's +x is the arena's −x
    tick(s, [1, 0, 0, -1], [1, 0, 0, -1]);
    expect(s.ship(0).vx).toBeCloseTo(0.54, 12);
    expect(s.ship(0).x).toBeCloseTo(-6.946, 12);
    expect(s.ship(1).vx).toBeCloseTo(-0.54, 12);
    expect(s.ship(1).x).toBeCloseTo(6.946, 12);
    expect([s.ship(0).vy, s.ship(0).y, s.ship(0).heading, s.ship(1).heading]).toEqual([0, 0, 0, Math.PI]);
    tick(s, [1, 0, 0, -1], [1, 0, 0, -1]);
    expect(s.ship(0).vx).toBeCloseTo(1.026, 12);
    expect(s.ship(0).x).toBeCloseTo(-6.8434, 12);
    expect(s.stepCount()).toBe(2);
  });

  it('a diagonal push has length 1 (0.54/√2 on each axis); out-of-box components are clipped first', () => {
    const s = at([
      [0, 0, 0, 0, 0, 0, 5],
      [7, 0, 0, 0, Math.PI, 0, 5],
    ]);
    tick(s, [3, -7, 0, -1]); // clipped to [1, −1], then scaled to length 1
    expect(s.ship(0).vx).toBeCloseTo(0.54 / Math.SQRT2, 12);
    expect(s.ship(0).vy).toBeCloseTo(-0.54 / Math.SQRT2, 12);
    expect(s.ship(0).x).toBeCloseTo(0.054 / Math.SQRT2, 12);
  });

  it('terminal speed is 5.4 units/s: the fixed point of v = (v + 0.6)·0.9', () => {
    expect(MAX_SPEED).toBeCloseTo(5.4, 12);
    const s = at([
      [-9, -5, 0, 0, 0, 0, 5],
      [9, 5, 0, 0, Math.PI, 0, 5],
    ]);
    for (let t = 0; t < 60; t++) tick(s, [0, 1, 0, -1]);
    expect(s.ship(0).vy).toBeLessThanOrEqual(MAX_SPEED);
  });

  it('walls: past one the ship is put back on it (centre 0.5 inside) and bounces at half speed', () => {
    // x: v = 2·0.9 = 1.8, x = 9.45 + 0.18 = 9.63 > 9.5 → x = 9.5, vx = −0.9; y: the top wall, mirrored
    const s = at([
      [9.45, -5.45, 2, -2, 0, 0, 5],
      [-5, 0, 0, 0, Math.PI, 0, 5],
    ]);
    tick(s, [0, 0, 0, -1]);
    const a = s.ship(0);
    expect([a.x, a.y]).toEqual([9.5, -5.5]);
    expect(a.vx).toBeCloseTo(-0.9, 12);
    expect(a.vy).toBeCloseTo(0.9, 12);
  });

  it('the gun turns toward aim·π by at most 0.4 rad a tick, the shorter way (seat 1 aims in its own frame)', () => {
    const s = at([
      [0, 0, 0, 0, 0, 0, 5],
      [5, 0, 0, 0, Math.PI, 0, 5],
    ]);
    tick(s, [0, 0, 1, -1], [0, 0, 0.5, -1]); // seat 0: toward π (a tie: clockwise, +); seat 1: toward π/2 in its frame = −π/2 in the arena's
    expect(s.ship(0).heading).toBeCloseTo(0.4, 12);
    expect(s.ship(1).heading).toBeCloseTo(wrapAngle(Math.PI + 0.4), 12);
    tick(s, [0, 0, 0.1, -1]); // 0.1π ≈ 0.314 is within 0.4 of 0.4: reached
    expect(s.ship(0).heading).toBeCloseTo(0.1 * Math.PI, 12);
  });

  it('a projectile flies 1.4 units a tick from the rim: misses by 0.02 (d² = 0.45 > 0.65²), then its path hits', () => {
    const s = at([
      [0, 0, 0, 0, 0, 0, 5],
      [2.5, 0.3, 0, 0, Math.PI, 0, 5],
    ]);
    tick(s, [0, 0, 0, 1]);
    // fired from (0.5, 0) at (14, 0), moved to (1.9, 0): nearest point to (2.5, 0.3) is its end, √0.45 ≈ 0.671 > 0.65
    const [p] = s.projectiles();
    expect(p).toMatchObject({ owner: 0, y: 0, vx: 14, age: 1 });
    expect(p!.x).toBeCloseTo(1.9, 12);
    expect(s.ship(0).cooldown).toBe(COOLDOWN_TICKS);
    expect(s.ship(1).hp).toBe(MAX_HP);
    // seat 1 sees it coming, in its own frame (turned half a turn): at (−(1.9 − 2.5), −(0 − 0.3)) / 10, velocity −(14, 0) / 14
    const obs = new Float32Array(OBS_SIZE);
    s.observe(1, obs);
    expect(Array.from(obs.subarray(16, 21)).map((v) => +v.toFixed(6))).toEqual([1, 0.06, 0.03, -1, 0]);
    expect(Array.from(obs.subarray(21, 26))).toEqual([0, 0, 0, 0, 0]);
    // next tick it goes from (1.9, 0) to (3.3, 0), passing 0.3 from seat 1's centre: a hit
    tick(s, [0, 0, 0, 1]);
    expect(s.ship(1).hp).toBe(MAX_HP - 1);
    expect(s.projectiles()).toEqual([]);
    expect(s.ship(0).cooldown).toBe(COOLDOWN_TICKS - 1); // still cooling: holding fire does nothing
    expect(rewards(s)).toEqual([0, 0]);
    expect(s.view(null)['ships']).toMatchObject([{ hits: 1 }, { hits: 0 }]);
  });

  it('one shot per 8 ticks: the cooldown falls before firing, so fire held shoots at ticks 1, 9, 17', () => {
    const s = at([
      [0, -5, 0, 0, Math.PI / 2, 0, 5],
      [9, 5, 0, 0, Math.PI, 0, 5],
    ]);
    const fired: number[] = [];
    const cooldowns: number[] = [];
    for (let t = 1; t <= 17; t++) {
      tick(s, [0, 0, 0.5, 1]);
      if (s.projectiles().some((p) => p.age === 1)) fired.push(t);
      cooldowns.push(s.ship(0).cooldown);
    }
    expect(fired).toEqual([1, 9, 17]);
    expect(cooldowns).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 8]);
  });

  it('a ship at 0 hit points loses: +1/−1 in the last reward; both at once is a draw', () => {
    const win = at(
      [
        [0, 0, 0, 0, 0, 0, 5],
        [3, 0, 0, 0, Math.PI, 0, 1],
      ],
      [[0, 2, 0, 14, 0, 1]],
    );
    tick(win, [0, 0, 0, -1]);
    expect(win.currentSeat()).toBe(TERMINAL);
    expect(win.isTruncated()).toBe(false);
    expect(returns(win)).toEqual([1, -1]);
    expect(rewards(win)).toEqual([1, -1]);
    expect(() => tick(win, [0, 0, 0, 0])).toThrow(IllegalActionError);

    // seat 0's shot (slot 0) and seat 1's (slot 2) land in the same tick
    const both = at(
      [
        [0, 0, 0, 0, 0, 0, 1],
        [3, 0, 0, 0, Math.PI, 0, 1],
      ],
      [
        [0, 2, 0, 14, 0, 1],
        [2, 1, 0, -14, 0, 1],
      ],
    );
    tick(both, [0, 0, 0, -1]);
    expect(both.isTerminal()).toBe(true);
    expect(returns(both)).toEqual([0, 0]);
  });

  it('after 300 ticks the ship with more hit points wins; equal hit points draw (a rule: no truncation)', () => {
    const ahead = at(
      [
        [-5, 0, 0, 0, 0, 0, 3],
        [5, 0, 0, 0, Math.PI, 0, 2],
      ],
      [],
      MAX_TICKS - 1,
    );
    expect(ahead.currentSeat()).toBe(SIMULTANEOUS);
    tick(ahead, [0, 0, 0, -1]);
    expect([ahead.isTerminal(), ahead.isTruncated(), ahead.stepCount()]).toEqual([true, false, MAX_TICKS]);
    expect(returns(ahead)).toEqual([1, -1]);
    const level = at(
      [
        [-5, 0, 0, 0, 0, 0, 4],
        [5, 0, 0, 0, Math.PI, 0, 4],
      ],
      [],
      MAX_TICKS - 1,
    );
    tick(level, [0, 0, 0, -1]);
    expect(returns(level)).toEqual([0, 0]);
  });
});

describe('duel-v3 observations and start', () => {
  it('is seat-relative: seat 1 sees the arena turned half a turn exactly as seat 0 sees the mirrored position', () => {
    const a: Ship = [-3, 1.5, 0.7, -0.2, 0.3, 2, 4];
    const b: Ship = [4, -2, -1.1, 0.4, 2.5, 5, 3];
    const turn = ([x, y, vx, vy, h, cd, hp]: Ship): Ship => [-x, -y, -vx, -vy, wrapAngle(h + Math.PI), cd, hp];
    const s = at([a, b], [[2, 1, -1, -14, 0, 3]]);
    const swapped = at([turn(b), turn(a)], [[0, -1, 1, 14, 0, 3]]);
    const o0 = new Float32Array(OBS_SIZE);
    const o1 = new Float32Array(OBS_SIZE);
    s.observe(0, o0);
    swapped.observe(1, o1);
    expect(Array.from(o1).map((v) => +v.toFixed(5))).toEqual(Array.from(o0).map((v) => +v.toFixed(5)));
    // and a seat's view is drawn in that frame too, where its actions are
    expect((swapped.view(1)['ships'] as { x: number }[])[1]!.x).toBeCloseTo(-3, 12);
    expect(swapped.view(1)['frame']).toBe('own');
    expect(swapped.view(null)['frame']).toBe('arena');
  });

  it('observes the bearing, the lead bearing and the gun error, worked out by hand, in each seat\'s frame', () => {
    // seat 0 at the origin, gun at 0.1 rad; the opponent 7 units ahead flying sideways at 5 units/s
    const s = at([
      [0, 0, 0, 0, 0.1, 0, 5],
      [7, 0, 0, 5, Math.PI, 0, 5],
    ]);
    // flight time: (v·v − 196)τ² + (2 r·v − 14)τ + (49 − 0.25) = 0, i.e. −171τ² − 14τ + 48.75 = 0
    const tau = (14 - Math.sqrt(196 + 4 * 171 * 48.75)) / (2 * -171);
    expect(tau).toBeCloseTo(0.494567, 6);
    expect(interceptTime(7, 0, 0, 5)).toBeCloseTo(tau, 12);
    // the shot meets it where |r + vτ| = 0.5 + 14τ: at (7, 5τ)
    expect(Math.hypot(7, 5 * tau)).toBeCloseTo(0.5 + 14 * tau, 12);
    const lead = Math.atan2(5 * tau, 7); // ≈ 0.3397 rad
    const o = new Float32Array(OBS_SIZE);
    s.observe(0, o);
    expect(o[OBS_BEARING]).toBeCloseTo(0, 6);
    expect(o[OBS_BEARING + 1]).toBeCloseTo(lead / Math.PI, 6);
    expect(o[OBS_BEARING + 2]).toBeCloseTo((lead - 0.1) / Math.PI, 6);
    // seat 1, gun at π (facing seat 0): in its frame seat 0 is 7 ahead and at rest, the gun at 0
    s.observe(1, o);
    expect(Array.from(o.subarray(OBS_BEARING, OBS_BEARING + 3)).map((v) => +v.toFixed(6))).toEqual([0, 0, 0]);
    // an opponent straight behind: bearing ±1 (π), the gun's error wraps to the short way
    const behind = at([
      [0, 0, 0, 0, 3, 0, 5],
      [-5, -0.001, 0, 0, 0, 0, 5],
    ]);
    behind.observe(0, o);
    expect(o[OBS_BEARING]).toBeCloseTo(-1, 3);
    expect(o[OBS_BEARING + 2]).toBeCloseTo(wrapAngle(Math.atan2(-0.001, -5) - 3) / Math.PI, 6);
    expect(Math.abs(o[OBS_BEARING + 2]!)).toBeLessThan(0.1);
  });

  it('observes the threat (the opponent\'s gun error to its lead on this ship), worked out by hand and by symmetry', () => {
    // seat 0 at the origin flying sideways at 5 units/s; seat 1 7 units ahead, its gun at π − 0.2
    const s = at([
      [0, 0, 0, 5, 0.1, 0, 5],
      [7, 0, 0, 0, Math.PI - 0.2, 0, 5],
    ]);
    const tau = interceptTime(7, 0, 0, 5); // the same flight as above, ≈ 0.494567 s
    const onMe = Math.PI - Math.atan2(5 * tau, 7); // seat 1's lead bearing on seat 0, ≈ π − 0.3397
    const o0 = new Float32Array(OBS_SIZE);
    const o1 = new Float32Array(OBS_SIZE);
    s.observe(0, o0);
    expect(o0[OBS_THREAT]).toBeCloseTo((onMe - (Math.PI - 0.2)) / Math.PI, 6); // ≈ −0.1397 rad
    // the threat to one seat is the other seat's gun error, in any position
    for (const [a, b] of [
      [[-3, 1.5, 0.7, -0.2, 0.3, 2, 4], [4, -2, -1.1, 0.4, 2.5, 5, 3]],
      [[6, -4, -3, 2, -2.9, 0, 5], [-7, 3, 4, 4, 1.2, 1, 1]],
    ] as [Ship, Ship][]) {
      const t = at([a, b]);
      t.observe(0, o0);
      t.observe(1, o1);
      expect(o0[OBS_THREAT]).toBeCloseTo(o1[OBS_BEARING + 2]!, 6);
      expect(o1[OBS_THREAT]).toBeCloseTo(o0[OBS_BEARING + 2]!, 6);
    }
  });

  it('observes the nearest incoming projectile\'s closest approach if both fly on, worked out by hand', () => {
    const o = new Float32Array(OBS_SIZE);
    const approach = (own: Ship, age: number, seat = 0): number[] => {
      at([own, [7, 0, 0, 0, Math.PI, 0, 5]], [[2, 5, 1, -14, 0, age]]).observe(seat, o);
      return [o[OBS_THREAT + 1]!, o[OBS_THREAT + 2]!];
    };
    // at rest: relative p = (5, 1), w = (−14, 0): t = 70 / 196 s, passing 1 unit off
    let [d, t] = approach([0, 0, 0, 0, 0, 0, 5], 3);
    expect(d).toBeCloseTo(0.1, 6);
    expect(t).toBeCloseTo(70 / 196 / 1.5, 6);
    // flying at (0, 2): w = (−14, −2), t = 72 / 200 = 0.36 s, passing at (−0.04, 0.28): a hit
    [d, t] = approach([0, 0, 0, 2, 0, 0, 5], 3);
    expect(d).toBeCloseTo(Math.hypot(0.04, 0.28) / 10, 6);
    expect(t).toBeCloseTo(0.36 / 1.5, 6);
    // a shot with one tick left (age 14) gets only 0.1 s: it ends at (3.6, 0.8) from the ship
    [d, t] = approach([0, 0, 0, 2, 0, 0, 5], 14);
    expect(d).toBeCloseTo(Math.hypot(3.6, 0.8) / 10, 6);
    expect(t).toBeCloseTo(0.1 / 1.5, 6);
    // none incoming (seat 1: the shot is its own): far off, now
    expect(approach([0, 0, 0, 0, 0, 0, 5], 3, 1)).toEqual([1, 0]);
  });

  it('starts seeded: seat 0 in x ∈ [−8, −6], seat 1 in [6, 8], y ∈ [−4, 4], at rest, facing each other', () => {
    const starts = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const s = duel.newState(seed) as DuelState;
      const [a, b] = [s.ship(0), s.ship(1)];
      expect(a.x >= -8 && a.x <= -6 && b.x >= 6 && b.x <= 8 && Math.abs(a.y) <= 4 && Math.abs(b.y) <= 4).toBe(true);
      expect([a.vx, a.vy, a.heading, a.hp, b.heading, b.cooldown]).toEqual([0, 0, 0, MAX_HP, Math.PI, 0]);
      starts.add(JSON.stringify([a, b]));
    }
    expect(starts.size).toBe(20);
  });
});

describe('duel-scripted', () => {
  it('beats the random bot in most games of a short series', () => {
    const game = getGame('duel');
    const r = playSeries({ game, agents: [createBot('duel-scripted', game.info, 1), createBot('random', game.info, 2)], games: 10, seed: 4 });
    expect(r.games).toBe(10);
    expect(r.score).toBeGreaterThan(0.5);
  });

  it('is deterministic given its seed, and only plays duel', () => {
    const game = getGame('duel');
    const play = () => playSeries({ game, agents: [createBot('duel-scripted', game.info, 7), createBot('duel-scripted', game.info, 8)], games: 2, seed: 1 });
    expect(play()).toEqual(play());
    expect(() => createBot('duel-scripted', getGame('pendulum').info)).toThrow(/only plays duel-v3/);
  });
});
