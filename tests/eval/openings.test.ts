import { describe, expect, it } from 'vitest';
import { ConfigError, Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { defaultOpeningPlies, openingSeed, playRandomOpening } from '../../src/eval/openings.ts';

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
