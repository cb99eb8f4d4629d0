/**
 * Leduc hold'em: hand-computed payoffs, betting legality, the deal, information hiding, and full
 * tree walks checked against OpenSpiel's reference numbers (936 information states, NashConv of
 * the uniform random policy 4.747222…).
 */
import { describe, expect, it } from 'vitest';
import { BadStateError, CHANCE, IllegalActionError, TERMINAL, type GameState } from '../../core/index.ts';
import { CALL, FOLD, RAISE, leducPoker } from '../../games/leduc-poker.ts';

const F = FOLD;
const C = CALL;
const R = RAISE;
// cards: 0 J1, 1 J2, 2 Q1, 3 Q2, 4 K1, 5 K2

/** Deals the private cards, plays round 1, deals `pub` (if given) and plays round 2. */
function play(p0: number, p1: number, round1: number[], pub?: number, round2: number[] = []): GameState {
  const s = leducPoker.newState(0);
  s.apply(p0);
  s.apply(p1);
  for (const a of round1) s.apply(a);
  if (pub !== undefined) {
    expect(s.currentSeat()).toBe(CHANCE);
    s.apply(pub);
    for (const a of round2) s.apply(a);
  }
  return s;
}

function returnsOf(s: GameState): number[] {
  const out = new Float64Array(2);
  s.returns(out);
  return Array.from(out);
}

function mask(s: GameState, seat: number): number[] {
  const m = new Uint8Array(3);
  s.legalMask(seat, m);
  return Array.from(m);
}

describe('leduc-poker payoffs (by hand)', () => {
  it('raise, fold in round 1: the folder loses the ante', () => {
    const s = play(0, 4, [R, F]);
    expect(s.currentSeat()).toBe(TERMINAL);
    expect(returnsOf(s)).toEqual([1, -1]);
  });

  it('check, raise, fold in round 1: player 0 loses 1', () => {
    expect(returnsOf(play(4, 0, [C, R, F]))).toEqual([-1, 1]);
  });

  it('raise, re-raise, fold in round 1: player 0 loses 1 + 2', () => {
    expect(returnsOf(play(4, 0, [R, R, F]))).toEqual([-3, 3]);
  });

  it('check-check both rounds, private card pairs the public card', () => {
    // player 0 J1 + public J2 = pair of jacks beats player 1's king
    const s = play(0, 4, [C, C], 1, [C, C]);
    expect(s.isTerminal()).toBe(true);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.view(null)).toMatchObject({ cards: ['J1', 'K1'], publicCards: ['J2'], showdown: true });
  });

  it('check-check both rounds, higher card wins', () => {
    expect(returnsOf(play(2, 5, [C, C], 0, [C, C]))).toEqual([-1, 1]); // Q vs K, public J
    expect(returnsOf(play(5, 2, [C, C], 0, [C, C]))).toEqual([1, -1]);
  });

  it('equal ranks split the pot', () => {
    expect(returnsOf(play(2, 3, [R, C], 4, [R, C]))).toEqual([0, 0]); // Q1 vs Q2, public K1
    expect(returnsOf(play(1, 0, [C, C], 5, [C, C]))).toEqual([0, 0]);
  });

  it('round-2 raises are 4 chips', () => {
    // round 1 check-check (1 each), round 2 raise-call (+4 each): the winner takes 5
    const s = play(4, 0, [C, C], 2, [R, C]);
    expect(returnsOf(s)).toEqual([5, -5]);
    // round 1 raise-call (3 each), round 2 check-raise-call (+4 each): 7
    expect(returnsOf(play(0, 4, [R, C], 2, [C, R, C]))).toEqual([-7, 7]);
  });

  it('maximum betting: two raises in each round for 13 chips', () => {
    const s = play(5, 3, [R, R, C], 4, [C, R, R, C]); // K2 + K1 pair vs Q
    expect(returnsOf(s)).toEqual([13, -13]);
    expect(s.view(0)['pot']).toBe(0); // paid out
  });

  it('folds in round 2', () => {
    expect(returnsOf(play(0, 4, [C, C], 2, [R, F]))).toEqual([1, -1]); // player 1 folds for the ante
    expect(returnsOf(play(0, 4, [R, C], 2, [C, R, F]))).toEqual([-3, 3]); // player 0 folds after 3 in
    expect(returnsOf(play(0, 4, [R, R, C], 2, [R, R, F]))).toEqual([-9, 9]); // 5 + raise-call of 4
  });

  it('pays nothing before the end', () => {
    const s = play(0, 4, [R, C], 2, [R]);
    expect(returnsOf(s)).toEqual([0, 0]);
    const r = new Float64Array(2);
    s.rewards(r);
    expect(Array.from(r)).toEqual([0, 0]);
  });
});

describe('leduc-poker betting rules', () => {
  it('allows fold only when facing a bet and at most 2 raises per round', () => {
    const s = play(0, 4, []);
    expect(s.currentSeat()).toBe(0);
    expect(mask(s, 0)).toEqual([0, 1, 1]); // nothing to call: no fold
    expect(mask(s, 1)).toEqual([0, 0, 0]);
    expect(() => s.apply(F)).toThrow(IllegalActionError);
    s.apply(C);
    expect(mask(s, 1)).toEqual([0, 1, 1]);
    s.apply(R);
    expect(mask(s, 0)).toEqual([1, 1, 1]);
    s.apply(R);
    expect(mask(s, 1)).toEqual([1, 1, 0]); // no third raise
    expect(() => s.apply(R)).toThrow(IllegalActionError);
    s.apply(C);
    expect(s.currentSeat()).toBe(CHANCE); // a call after a raise ends the round
    s.apply(2);
    expect(s.currentSeat()).toBe(0); // player 0 opens round 2
    expect(mask(s, 0)).toEqual([0, 1, 1]); // raise count resets; nothing owed
    expect(s.view(0)).toMatchObject({ round: 2, pot: 10, contributions: [5, 5] });
  });

  it('ends a round on check-check, and round 2 on a call after a raise', () => {
    const s = play(0, 4, [C]);
    expect(s.currentSeat()).toBe(1);
    s.apply(C);
    expect(s.currentSeat()).toBe(CHANCE);
    s.apply(3);
    s.apply(R);
    expect(s.isTerminal()).toBe(false);
    s.apply(C);
    expect(s.isTerminal()).toBe(true);
  });

  it('names actions fold, call and raise', () => {
    const s = leducPoker.newState(0);
    expect([0, 1, 2].map((a) => s.actionName(a))).toEqual(['fold', 'call', 'raise']);
  });
});

describe('leduc-poker deal', () => {
  it('deals private cards uniformly and the public card from the 4 left', () => {
    const s = leducPoker.newState(0);
    const p = new Float64Array(6);
    s.chanceProbabilities(p);
    for (const x of p) expect(x).toBeCloseTo(1 / 6, 15);
    s.apply(3);
    s.chanceProbabilities(p);
    expect(p[3]).toBe(0);
    for (const c of [0, 1, 2, 4, 5]) expect(p[c]).toBeCloseTo(1 / 5, 15);
    s.apply(5);
    s.apply(C);
    s.apply(C);
    s.chanceProbabilities(p);
    expect(Array.from(p, (x) => (x > 0 ? 1 : 0))).toEqual([1, 1, 1, 0, 1, 0]);
    for (const c of [0, 1, 2, 4]) expect(p[c]).toBeCloseTo(1 / 4, 15);
    expect(() => s.apply(3)).toThrow(IllegalActionError);
    expect(() => s.apply(5)).toThrow(IllegalActionError);
  });

  it('never deals the public card equal to a private card in sampled games', () => {
    const s = leducPoker.newState(0);
    const m = new Uint8Array(3);
    for (let seed = 0; seed < 500; seed++) {
      s.reset(seed);
      const p0 = s.applyChance();
      const p1 = s.applyChance();
      expect(p1).not.toBe(p0);
      s.apply(C);
      s.apply(C);
      const pub = s.applyChance();
      expect([p0, p1]).not.toContain(pub);
      expect(s.legalMask(0, m)).toBe(2);
    }
  });
});

describe('leduc-poker information', () => {
  it("writes OpenSpiel's information-state string", () => {
    const s = play(3, 0, [R, C], 5);
    expect(s.informationState(0)).toBe('[Observer: 0][Private: 3][Round 2][Player: 0][Pot: 6][Money: 97 97][Public: 5][Round1: 2 1][Round2: ]');
    expect(s.informationState(1)).toBe('[Observer: 1][Private: 0][Round 2][Player: 0][Pot: 6][Money: 97 97][Public: 5][Round1: 2 1][Round2: ]');
    expect(leducPoker.newState(0).informationState(1)).toBe('[Observer: 1][Private: -10000][Round 1][Player: -1][Pot: 2][Money: 99 99][Round1: ][Round2: ]');
  });

  it('hides the opponent card from the information state and the observation', () => {
    for (const own of [0, 3, 5]) {
      const strings = new Set<string>();
      const obs = new Set<string>();
      for (let opp = 0; opp < 6; opp++) {
        if (opp === own) continue;
        const pub = [0, 1, 2, 3, 4, 5].find((c) => c !== own && c !== opp)!;
        if (pub !== (own === 0 ? 1 : 0)) continue; // keep the public card fixed
        const s = play(own, opp, [C, R, C], pub, [R]);
        strings.add(s.informationState(0));
        const o = new Float32Array(30);
        s.observe(0, o);
        obs.add(o.join(','));
        expect(s.view(0)['cards']).toEqual([expect.any(String), null]);
      }
      expect(strings.size).toBe(1);
      expect(obs.size).toBe(1);
    }
    // player 1 cannot tell J1 from J2 in player 0's hand; player 0 can
    expect(play(0, 4, [C]).informationState(1)).toBe(play(1, 4, [C]).informationState(1));
    expect(play(0, 4, [C]).informationState(0)).not.toBe(play(1, 4, [C]).informationState(0));
  });

  it("observes OpenSpiel's information-state tensor", () => {
    const s = play(3, 0, [C, R, C], 5, [R]);
    const o = new Float32Array(30);
    s.observe(1, o);
    const expected = new Array<number>(30).fill(0);
    expected[1] = 1; // observer
    expected[2 + 0] = 1; // private J1
    expected[8 + 5] = 1; // public K2
    expected[14 + 0] = 1; // round 1: call
    expected[14 + 3] = 1; // raise
    expected[14 + 4] = 1; // call
    expected[22 + 1] = 1; // round 2: raise
    expect(Array.from(o)).toEqual(expected);
    const g = new Float32Array(36);
    s.globalState(g);
    const eg = new Array<number>(36).fill(0);
    eg[3] = 1;
    eg[6 + 0] = 1;
    eg[12 + 5] = 1;
    for (const i of [0, 3, 4]) eg[18 + i] = 1;
    eg[26 + 1] = 1;
    eg[34 + 1] = 1; // player 1 to move
    expect(Array.from(g)).toEqual(eg);
  });
});

/** Calls `visit` on every state of the game tree (chance outcomes and all legal actions). */
function walk(s: GameState, visit: (s: GameState) => void): void {
  visit(s);
  if (s.isTerminal()) return;
  const seat = s.currentSeat();
  const moves: number[] = [];
  if (seat === CHANCE) {
    const p = new Float64Array(6);
    s.chanceProbabilities(p);
    for (let c = 0; c < 6; c++) if (p[c]! > 0) moves.push(c);
  } else {
    moves.push(...s.legalActions(seat));
  }
  for (const a of moves) {
    const child = s.clone();
    child.apply(a);
    walk(child, visit);
  }
}

type Policy = (s: GameState, seat: number) => number[];
const uniform: Policy = (s, seat) => {
  const m = new Uint8Array(3);
  const n = s.legalMask(seat, m);
  return Array.from(m, (x) => x / n);
};

/** Expected returns of both seats when everyone plays `policy`. */
function expectedReturns(s: GameState, policy: Policy): [number, number] {
  if (s.isTerminal()) {
    const out = new Float64Array(2);
    s.returns(out);
    return [out[0]!, out[1]!];
  }
  const seat = s.currentSeat();
  const probs = seat === CHANCE ? chanceProbs(s) : policy(s, seat);
  const v: [number, number] = [0, 0];
  probs.forEach((p, a) => {
    if (p === 0) return;
    const child = s.clone();
    child.apply(a);
    const [a0, a1] = expectedReturns(child, policy);
    v[0] += p * a0;
    v[1] += p * a1;
  });
  return v;
}

/** Value of a best response of `br` to `policy` (information-set based, deepest sets first). */
function bestResponseValue(policy: Policy, br: number): number {
  const sets = new Map<string, { depth: number; nodes: { s: GameState; reach: number }[] }>();
  const collect = (s: GameState, reach: number): void => {
    if (s.isTerminal()) return;
    const seat = s.currentSeat();
    if (seat === br) {
      const key = s.informationState(br);
      const e = sets.get(key) ?? { depth: s.stepCount(), nodes: [] };
      sets.set(key, e);
      e.nodes.push({ s, reach });
    }
    // the best responder's own actions do not count in the reach probability
    const probs = seat === CHANCE ? chanceProbs(s) : seat === br ? mask(s, br) : policy(s, seat);
    probs.forEach((p, a) => {
      if (p === 0) return;
      const child = s.clone();
      child.apply(a);
      collect(child, reach * p);
    });
  };
  collect(leducPoker.newState(0), 1);
  const choice = new Map<string, number>();
  const value = (s: GameState): number => {
    if (s.isTerminal()) return expectedReturns(s, policy)[br]!;
    const seat = s.currentSeat();
    if (seat === br) {
      const child = s.clone();
      child.apply(choice.get(s.informationState(br))!);
      return value(child);
    }
    const probs = seat === CHANCE ? chanceProbs(s) : policy(s, seat);
    let v = 0;
    probs.forEach((p, a) => {
      if (p === 0) return;
      const child = s.clone();
      child.apply(a);
      v += p * value(child);
    });
    return v;
  };
  for (const [key, e] of [...sets].sort((x, y) => y[1].depth - x[1].depth)) {
    let best = -Infinity;
    for (const a of e.nodes[0]!.s.legalActions(br)) {
      let v = 0;
      for (const n of e.nodes) {
        const child = n.s.clone();
        child.apply(a);
        v += n.reach * value(child);
      }
      if (v > best) {
        best = v;
        choice.set(key, a);
      }
    }
  }
  return value(leducPoker.newState(0));
}

function chanceProbs(s: GameState): number[] {
  const p = new Float64Array(6);
  s.chanceProbabilities(p);
  return Array.from(p);
}

describe('leduc-poker full tree', () => {
  it('is zero-sum in every terminal, within ±13, with 5520 terminals', () => {
    let terminals = 0;
    const out = new Float64Array(2);
    walk(leducPoker.newState(0), (s) => {
      if (!s.isTerminal()) return;
      terminals++;
      s.returns(out);
      expect(out[0]! + out[1]!).toBe(0);
      expect(Math.abs(out[0]!)).toBeLessThanOrEqual(13);
    });
    // 30 deals × (4 lines ending in a round-1 fold + 5 lines reaching round 2 × 4 public cards × 9 round-2 lines)
    expect(terminals).toBe(30 * (4 + 5 * 4 * 9));
  });

  it("has OpenSpiel's 936 decision information states", () => {
    const keys = new Set<string>();
    walk(leducPoker.newState(0), (s) => {
      const seat = s.currentSeat();
      if (seat >= 0) keys.add(s.informationState(seat));
    });
    expect(keys.size).toBe(936);
  });

  it('gives a finite, zero-sum exact value under the uniform random policy', () => {
    const [v0, v1] = expectedReturns(leducPoker.newState(0), uniform);
    expect(Number.isFinite(v0)).toBe(true);
    expect(Math.abs(v0 + v1)).toBeLessThan(1e-12);
    expect(Math.abs(v0)).toBeLessThan(13);
  });

  it("matches OpenSpiel's NashConv of the uniform random policy (4.747222)", () => {
    const nashConv = bestResponseValue(uniform, 0) + bestResponseValue(uniform, 1);
    expect(nashConv).toBeCloseTo(4.747222222222222, 9);
  });
});

describe('leduc-poker snapshots', () => {
  it('restores mid-hand states and rejects impossible ones', () => {
    const s = play(3, 0, [C, R, C], 5, [R]);
    const restored = leducPoker.restore(JSON.parse(JSON.stringify(s.serialize())));
    expect(restored.serialize()).toEqual(s.serialize());
    expect(restored.informationState(1)).toBe(s.informationState(1));
    expect(mask(restored, 1)).toEqual([1, 1, 1]);
    const good = s.serialize();
    for (const bad of [
      { ...good, public: 3 }, // equals a private card
      { ...good, private: [0, 0] },
      { ...good, private: [-1, 0] },
      { ...good, public: -1 }, // round-2 betting without a public card
      { ...good, round1: [C, R] }, // round 1 not over, yet a public card
      { ...good, round1: [F, C, R, C] },
      { ...good, round2: [R, R, R] },
      { ...good, round2: [R, 7] },
      { ...good, steps: 3 },
      { ...good, round1: 'x' },
    ]) {
      expect(() => leducPoker.restore(bad)).toThrow(BadStateError);
    }
  });
});
