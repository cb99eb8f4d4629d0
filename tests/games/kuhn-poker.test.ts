/** Kuhn poker: every payoff by hand, the deal, OpenSpiel's information states and tensors. */
import { describe, expect, it } from 'vitest';
import { BadStateError, CHANCE, IllegalActionError, TERMINAL, type GameState } from '../../core/index.ts';
import { kuhnPoker } from '../../games/kuhn-poker.ts';

const P = 0;
const B = 1;

/** Deals `c0`, `c1` then plays the betting line `line` (letters p/b). */
function play(c0: number, c1: number, line: string): GameState {
  const s = kuhnPoker.newState(0);
  s.apply(c0);
  s.apply(c1);
  for (const ch of line) s.apply(ch === 'b' ? B : P);
  return s;
}

function returnsOf(s: GameState): number[] {
  const out = new Float64Array(2);
  s.returns(out);
  return Array.from(out);
}

const PAIRS: [number, number][] = [];
for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) if (a !== b) PAIRS.push([a, b]);

describe('kuhn-poker payoffs', () => {
  // Player 0's return for each terminal line, as a function of who holds the higher card.
  const lines: [string, (p0High: boolean) => number][] = [
    ['pp', (hi) => (hi ? 1 : -1)], // check-check: showdown for the antes
    ['bp', () => 1], // player 1 folds to the bet: loses the ante
    ['bb', (hi) => (hi ? 2 : -2)], // bet-call: showdown for 2
    ['pbp', () => -1], // player 0 checks, folds to the bet
    ['pbb', (hi) => (hi ? 2 : -2)], // check-bet-call: showdown for 2
  ];
  for (const [line, value] of lines) {
    it.each(PAIRS)(`${line} with cards %i vs %i`, (c0, c1) => {
      const s = play(c0, c1, line);
      expect(s.isTerminal()).toBe(true);
      expect(s.currentSeat()).toBe(TERMINAL);
      const v = value(c0 > c1);
      expect(returnsOf(s)).toEqual([v, -v]);
      const r = new Float64Array(2);
      s.rewards(r);
      expect(Array.from(r)).toEqual([v, -v]);
      expect(() => s.apply(P)).toThrow(IllegalActionError);
      // the opponent's card is revealed exactly when the hand ended in a showdown
      const showdown = line === 'pp' || line.endsWith('bb');
      expect((s.view(0)['cards'] as unknown[])[1] !== null).toBe(showdown);
      expect((s.view(null)['cards'] as unknown[])[0] !== null).toBe(showdown);
    });
  }

  it('pays nothing before the end, and the pb line is still open', () => {
    const s = play(2, 0, 'pb');
    expect(s.isTerminal()).toBe(false);
    expect(s.currentSeat()).toBe(0);
    expect(returnsOf(s)).toEqual([0, 0]);
    expect(s.view(1)['pot']).toBe(3);
  });
});

describe('kuhn-poker deal', () => {
  it('deals player 0 uniformly from 3 cards, then player 1 from the 2 left', () => {
    const s = kuhnPoker.newState(0);
    const p = new Float64Array(3);
    expect(s.currentSeat()).toBe(CHANCE);
    s.chanceProbabilities(p);
    expect(Array.from(p)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    s.apply(1);
    expect(s.currentSeat()).toBe(CHANCE);
    s.chanceProbabilities(p);
    expect(Array.from(p)).toEqual([0.5, 0, 0.5]);
    expect(() => s.apply(1)).toThrow(IllegalActionError); // already dealt
    s.apply(2);
    expect(s.currentSeat()).toBe(0);
    s.chanceProbabilities(p);
    expect(Array.from(p)).toEqual([0, 0, 0]);
    expect(s.legalActions(0)).toEqual([0, 1]);
    expect(s.legalActions(1)).toEqual([]);
  });

  it('samples deals with the state RNG: 2 different cards, every ordered pair about equally often', () => {
    const counts = new Map<string, number>();
    const s = kuhnPoker.newState(0);
    for (let seed = 0; seed < 6000; seed++) {
      s.reset(seed);
      const a = s.applyChance();
      const b = s.applyChance();
      expect(a).not.toBe(b);
      counts.set(`${a}${b}`, (counts.get(`${a}${b}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });
});

describe('kuhn-poker information', () => {
  it("uses OpenSpiel's information-state strings", () => {
    const s = kuhnPoker.newState(0);
    expect(s.informationState(0)).toBe('');
    expect(s.informationState(1)).toBe('');
    s.apply(0);
    s.apply(2);
    expect(s.informationState(0)).toBe('0');
    expect(s.informationState(1)).toBe('2');
    s.apply(P);
    expect(s.informationState(0)).toBe('0p');
    expect(s.informationState(1)).toBe('2p');
    s.apply(B);
    expect(s.informationState(0)).toBe('0pb');
    expect(s.informationState(1)).toBe('2pb');
    expect(play(1, 0, 'b').informationState(1)).toBe('0b');
  });

  it('marks the mid-deal chance node so it differs from the decision node that follows', () => {
    const s = kuhnPoker.newState(0);
    s.apply(1);
    expect(s.informationState(0)).toBe('1*');
    expect(s.informationState(1)).toBe('');
    s.apply(0);
    expect(s.informationState(0)).toBe('1');
  });

  it('has the 12 decision information states of Kuhn poker, independent of the hidden card', () => {
    const seen = new Map<string, Set<string>>();
    for (const [c0, c1] of PAIRS) {
      for (const line of ['', 'p', 'b', 'pb']) {
        const s = play(c0, c1, line);
        const seat = s.currentSeat();
        const key = s.informationState(seat);
        const hidden = seat === 0 ? c1 : c0;
        if (!seen.has(key)) seen.set(key, new Set());
        seen.get(key)!.add(String(hidden));
        expect(key).toBe(`${seat === 0 ? c0 : c1}${line}`);
      }
    }
    expect(seen.size).toBe(12);
    for (const hidden of seen.values()) expect(hidden.size).toBe(2);
  });

  it("observes OpenSpiel's information-state tensor", () => {
    const s = play(1, 2, 'pb');
    const o = new Float32Array(11);
    s.observe(0, o);
    expect(Array.from(o)).toEqual([1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0]);
    s.observe(1, o);
    expect(Array.from(o)).toEqual([0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0]);
    const g = new Float32Array(14);
    s.globalState(g);
    expect(Array.from(g)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0]);
  });

  it('names actions pass and bet', () => {
    const s = kuhnPoker.newState(0);
    expect([s.actionName(0), s.actionName(1)]).toEqual(['pass', 'bet']);
  });

  it('views hide the opponent card until a showdown', () => {
    const s = play(0, 2, 'b');
    expect(s.view(0)).toMatchObject({ cards: ['J', null], pot: 3, history: 'b', toMove: 1, legal: [0, 1], finished: false });
    expect(s.view(1)).toMatchObject({ cards: [null, 'K'] });
    expect(s.view(null)).toMatchObject({ cards: [null, null] });
    s.apply(B);
    expect(s.view(null)).toMatchObject({ cards: ['J', 'K'], finished: true, returns: [-2, 2], showdown: true });
  });
});

describe('kuhn-poker snapshots', () => {
  it('restores mid-hand states and rejects impossible ones', () => {
    const s = play(2, 1, 'p');
    const restored = kuhnPoker.restore(JSON.parse(JSON.stringify(s.serialize())));
    expect(restored.serialize()).toEqual(s.serialize());
    expect(restored.informationState(1)).toBe('1p');
    const good = s.serialize();
    for (const bad of [
      { ...good, cards: [2, 2] },
      { ...good, cards: [-1, 1], bets: [], steps: 1 },
      { ...good, cards: [2, 1], bets: [1, 1, 1], steps: 5 },
      { ...good, cards: [2, -1], bets: [0], steps: 2 },
      { ...good, bets: [0, 3] },
      { ...good, steps: 4 },
      { ...good, cards: 'x' },
    ]) {
      expect(() => kuhnPoker.restore(bad)).toThrow(BadStateError);
    }
  });
});
