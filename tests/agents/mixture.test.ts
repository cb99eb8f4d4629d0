import { describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { getGame } from '../../games/index.ts';

describe('mixture opponents (a+b)', () => {
  it('each move comes from one of the named bots, drawn at random', () => {
    const game = getGame('tic-tac-toe');
    const mix = createBot('minimax+random', game.info, 3);
    expect(mix.name).toBe('minimax+random');
    // X (seat 0) holds cells 0 and 1, O holds 3 and 4: X wins at once with cell 2, which minimax
    // always plays; the random part picks any of the 5 empty cells
    let wins = 0;
    let others = 0;
    for (let trial = 0; trial < 200; trial++) {
      const state = game.newState(trial);
      for (const a of [0, 3, 1, 4]) state.apply(a);
      mix.reset?.(trial);
      const a = mix.act(state, 0);
      expect(state.legalActions(0)).toContain(a);
      if (a === 2) wins++;
      else others++;
    }
    // expected: 2 with probability 1/2 + 1/2·1/5 = 0.6
    expect(wins / 200).toBeGreaterThan(0.45);
    expect(wins / 200).toBeLessThan(0.75);
    expect(others).toBeGreaterThan(0);
  });

  it('refuses a part that cannot play the game', () => {
    expect(() => createBot('minimax+nash', getGame('tic-tac-toe').info)).toThrow(/cannot play/);
  });
});
