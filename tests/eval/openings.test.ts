import { describe, expect, it } from 'vitest';
import { ConfigError, Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { BalancedOpenings, checkOpeningScheme, defaultOpeningPlies, enumerateOpenings, MAX_BALANCED_OPENINGS, openingSeed, playRandomOpening } from '../../src/eval/openings.ts';

describe('random openings', () => {
  it('plays k legal plies, by the acting seats in turn, that replay on a fresh state', () => {
    for (const name of ['tic-tac-toe', 'connect-four']) {
      const game = getGame(name);
      for (let seed = 0; seed < 20; seed++) {
        const state = game.newState(0);
        const actions: number[] = [];
        expect(playRandomOpening(state, 3, new Rng(seed), actions)).toBe(3);
        expect(actions).toHaveLength(3);
        expect(state.stepCount()).toBe(3);
        const replay = game.newState(0);
        for (const a of actions) replay.apply(a); // throws on an illegal action
        expect(replay.informationState(0)).toBe(state.informationState(0));
      }
    }
  });

  it('is reproducible from its seed and uniform over the legal moves', () => {
    const game = getGame('connect-four');
    const draw = (seed: number) => {
      const out: number[] = [];
      playRandomOpening(game.newState(0), 2, new Rng(seed), out);
      return out;
    };
    expect(draw(7)).toEqual(draw(7));
    const counts = new Array<number>(7).fill(0);
    for (let p = 0; p < 7000; p++) counts[draw(openingSeed(3, p))[0]!]!++;
    // 1000 expected per column; 5 standard deviations ≈ 150
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    // different pairs of a series get different openings, different series too
    expect(new Set(Array.from({ length: 20 }, (_, p) => draw(openingSeed(0, p)).join())).size).toBeGreaterThan(10);
    expect(openingSeed(0, 1)).not.toBe(openingSeed(1, 1));
  });

  it('stops when the game ends during the opening', () => {
    const game = getGame('tic-tac-toe');
    const state = game.newState(0);
    const played = playRandomOpening(state, 9, new Rng(1));
    expect(played).toBe(state.stepCount());
    expect(played).toBeLessThanOrEqual(9);
    const more = playRandomOpening(state, 4, new Rng(2));
    expect(state.isTerminal()).toBe(true);
    expect(more).toBe(0);
  });

  it('defaults to one ply in sequential games without chance and refuses games with chance or simultaneous moves', () => {
    expect(defaultOpeningPlies(getGame('tic-tac-toe').info)).toBe(1);
    expect(defaultOpeningPlies(getGame('connect-four').info)).toBe(1);
    for (const name of ['kuhn-poker', 'leduc-poker', 'grid-soccer', 'cartpole']) {
      const game = getGame(name);
      expect(defaultOpeningPlies(game.info)).toBe(0);
      expect(playRandomOpening(game.newState(0), 0, new Rng(0))).toBe(0);
      expect(() => playRandomOpening(game.newState(0), 1, new Rng(0))).toThrow(ConfigError);
    }
    expect(() => playRandomOpening(getGame('kuhn-poker').newState(0), 1, new Rng(0))).toThrow(/chance/);
    expect(() => playRandomOpening(getGame('grid-soccer').newState(0), 1, new Rng(0))).toThrow(/simultaneous/);
    expect(() => playRandomOpening(getGame('connect-four').newState(0), -1, new Rng(0))).toThrow(/integer >= 0/);
  });
});

describe('balanced openings', () => {
  it('enumerates every k-ply opening once, in action order, each legal on a fresh state', () => {
    const c4 = getGame('connect-four');
    expect(enumerateOpenings(c4.newState(0), 1)).toEqual([[0], [1], [2], [3], [4], [5], [6]]);
    const two = enumerateOpenings(c4.newState(0), 2);
    expect(two).toHaveLength(49);
    expect(new Set(two.map((o) => o.join())).size).toBe(49);
    expect(enumerateOpenings(c4.newState(0), 4)).toHaveLength(2401);
    const ttt = getGame('tic-tac-toe');
    expect(enumerateOpenings(ttt.newState(0), 3)).toHaveLength(9 * 8 * 7);
    for (const o of enumerateOpenings(ttt.newState(0), 2)) {
      const s = ttt.newState(0);
      for (const a of o) s.apply(a); // throws on an illegal action
    }
    // the start state is not changed
    const start = c4.newState(0);
    enumerateOpenings(start, 3);
    expect(start.stepCount()).toBe(0);
  });

  it('ends an opening where the game ends inside it', () => {
    // X on 0 and 1, O on 3 and 4, X to move: X's 2 wins at once (an opening of one ply); the other four moves meet O's four replies
    const state = getGame('tic-tac-toe').newState(0);
    for (const a of [0, 3, 1, 4]) state.apply(a);
    const all = enumerateOpenings(state, 2);
    expect(all).toHaveLength(1 + 4 * 4);
    expect(all[0]).toEqual([2]);
    expect(all.slice(1).every((o) => o.length === 2)).toBe(true);
  });

  it('refuses more openings than the limit, games with chance or simultaneous moves, and an unknown scheme', () => {
    expect(MAX_BALANCED_OPENINGS).toBeGreaterThanOrEqual(2401);
    expect(() => enumerateOpenings(getGame('connect-four').newState(0), 6)).toThrow(/more than 20,000 of them; use fewer opening plies or random openings/);
    // the most a room's creator may name: refused after a bounded walk, like any other
    expect(() => enumerateOpenings(getGame('connect-four').newState(0), 64)).toThrow(/every 64-ply opening of connect-four-v3: more than 20,000/);
    expect(() => new BalancedOpenings(getGame('kuhn-poker').newState(0), 1)).toThrow(/chance/);
    expect(() => new BalancedOpenings(getGame('grid-soccer').newState(0), 1)).toThrow(/simultaneous/);
    expect(() => checkOpeningScheme('stratified')).toThrow(/unknown opening scheme 'stratified': use random or balanced/);
    expect(checkOpeningScheme('balanced')).toBe('balanced');
  });

  it('plays every opening once per cycle, in an order drawn from the series seed', () => {
    const book = new BalancedOpenings(getGame('connect-four').newState(0), 2);
    const cycle = (seed: number, c: number) => Array.from({ length: 49 }, (_, i) => book.opening(seed, c * 49 + i).join());
    for (const [seed, c] of [[0, 0], [0, 1], [7, 3]] as const) expect(new Set(cycle(seed, c)).size).toBe(49);
    expect(cycle(0, 0)).not.toEqual(cycle(0, 1));
    expect(cycle(0, 0)).not.toEqual(cycle(1, 0));
    // reproducible, whatever was asked in between
    const first = cycle(3, 2);
    cycle(5, 0);
    expect(cycle(3, 2)).toEqual(first);
    // n pairs: each opening ⌊n / M⌋ or ⌈n / M⌉ times
    const counts = new Map<string, number>();
    for (let p = 0; p < 100; p++) counts.set(book.opening(9, p).join(), (counts.get(book.opening(9, p).join()) ?? 0) + 1);
    expect(counts.size).toBe(49);
    for (const n of counts.values()) expect([2, 3]).toContain(n);
  });
});
