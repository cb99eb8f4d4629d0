import { describe, expect, it } from 'vitest';
import { AgentMismatchError, ConfigError, type Agent, type Game, type GameState } from '../../core/index.ts';
import { alphabetaKind, AlphaBetaAgent } from '../../agents/alphabeta.ts';
import { minimaxKind } from '../../agents/minimax.ts';
import { randomKind } from '../../agents/random.ts';
import { connectFour, ConnectFourState } from '../../games/connect-four.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';

/** A tiny local match loop: returns the final returns. */
function playMatch(game: Game, agents: readonly Agent[], seed: number): number[] {
  const state = game.newState(seed);
  agents.forEach((a, i) => a.reset?.(seed * 31 + i));
  while (!state.isTerminal()) {
    const seat = state.currentSeat();
    const action = agents[seat]!.act(state, seat);
    state.apply(action);
  }
  const r = new Float64Array(game.info.seats);
  state.returns(r);
  return Array.from(r);
}

/** Plays 1-based columns from the initial Connect Four position. */
function c4(cols: string): ConnectFourState {
  const s = connectFour.newState(0) as ConnectFourState;
  for (const ch of cols.replace(/\s+/g, '')) s.apply(Number(ch) - 1);
  return s;
}

describe('minimax (tic-tac-toe)', () => {
  it('fits tic-tac-toe only and takes no argument', () => {
    expect(minimaxKind.fits(ticTacToe.info)).toBeNull();
    expect(minimaxKind.fits(connectFour.info)).toMatch(/tic-tac-toe/);
    expect(() => minimaxKind.create(ticTacToe.info, '3', 0)).toThrow(ConfigError);
    expect(() => minimaxKind.create(connectFour.info, undefined, 0)).toThrow(AgentMismatchError);
  });

  it('never loses to random in 100 games as either seat', () => {
    const mm = minimaxKind.create(ticTacToe.info, undefined, 1);
    let wins = 0;
    for (let g = 0; g < 100; g++) {
      for (const seat of [0, 1]) {
        const rnd = randomKind.create(ticTacToe.info, undefined, 1000 + g);
        const agents = seat === 0 ? [mm, rnd] : [rnd, mm];
        const r = playMatch(ticTacToe, agents, g * 2 + seat);
        expect(r[seat]).toBeGreaterThanOrEqual(0);
        if (r[seat] === 1) wins++;
      }
    }
    expect(wins).toBeGreaterThan(150); // random blunders; perfect play punishes almost every game
  });

  it('minimax vs minimax is always a draw, and tie-breaking varies the games', () => {
    const a = minimaxKind.create(ticTacToe.info, undefined, 1);
    const b = minimaxKind.create(ticTacToe.info, undefined, 2);
    const openings = new Set<string>();
    for (let g = 0; g < 10; g++) {
      expect(playMatch(ticTacToe, [a, b], g)).toEqual([0, 0]);
      a.reset?.(g);
      const s = ticTacToe.newState(0);
      openings.add(String(a.act(s, 0)));
    }
    expect(openings.size).toBeGreaterThan(1); // every first move draws, so the choice is random
  });

  it('takes a win at once and blocks an immediate loss', () => {
    const mm = minimaxKind.create(ticTacToe.info, undefined, 3);
    const s = ticTacToe.newState(0);
    for (const m of [0, 3, 1, 4]) s.apply(m); // X to move: 2 wins at once (5 would only block)
    expect(mm.act(s, 0)).toBe(2);
    const t = ticTacToe.newState(0);
    for (const m of [0, 4, 1]) t.apply(m); // O to move must block at 2
    expect(mm.act(t, 1)).toBe(2);
  });
});

describe('alphabeta (Connect Four)', () => {
  it('parses the depth argument', () => {
    expect((alphabetaKind.create(connectFour.info, undefined, 0) as AlphaBetaAgent).depth).toBe(4);
    expect((alphabetaKind.create(connectFour.info, '7', 0) as AlphaBetaAgent).depth).toBe(7);
    expect(alphabetaKind.create(connectFour.info, '5', 0).name).toBe('alphabeta:5');
    for (const bad of ['x', '', '0', '13', '2.5', '-1', '1e1', ' 4']) {
      expect(() => alphabetaKind.create(connectFour.info, bad, 0), `alphabeta:${bad}`).toThrow(ConfigError);
    }
  });

  it('fits Connect Four and rejects other games', () => {
    expect(alphabetaKind.fits(connectFour.info)).toBeNull();
    expect(alphabetaKind.fits(ticTacToe.info)).toMatch(/Connect Four/);
    expect(() => alphabetaKind.create(ticTacToe.info, '4', 0)).toThrow(AgentMismatchError);
  });

  it('finds an immediate win', () => {
    for (const depth of ['1', '4', '6']) {
      for (let seed = 0; seed < 5; seed++) {
        const ab = alphabetaKind.create(connectFour.info, depth, seed);
        // X holds c1..c3 on the bottom row: only c4 wins now
        expect(ab.act(c4('1 1 2 2 3 3'), 0)).toBe(3);
        // O holds c7 ×3 vertically and X holds the bottom of c1..c2: c7 wins for O
        expect(ab.act(c4('1 7 2 7 5 7 1'), 1)).toBe(6);
      }
    }
  });

  it('blocks an immediate loss', () => {
    for (const depth of ['1', '4', '6']) {
      for (let seed = 0; seed < 5; seed++) {
        const ab = alphabetaKind.create(connectFour.info, depth, seed);
        // X threatens c4 on the bottom row; O must block there
        expect(ab.act(c4('1 7 2 7 3'), 1)).toBe(3);
        // O threatens c6 vertically; X must block
        expect(ab.act(c4('1 6 2 6 7 6'), 0)).toBe(5);
      }
    }
  });

  it('does not modify the state it is given', () => {
    const s = c4('4 4 3 5');
    const before = JSON.stringify(s.serialize());
    alphabetaKind.create(connectFour.info, '5', 0).act(s, 0);
    expect(JSON.stringify(s.serialize())).toBe(before);
  });

  it('depth 4 beats random in at least 95 of 100 games (alternating seats)', () => {
    const ab = alphabetaKind.create(connectFour.info, '4', 11);
    const rnd = randomKind.create(connectFour.info, undefined, 12);
    let wins = 0;
    for (let g = 0; g < 100; g++) {
      const seat = g % 2;
      const r = playMatch(connectFour, seat === 0 ? [ab, rnd] : [rnd, ab], g);
      if (r[seat] === 1) wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(95);
  });

  it('varies its play through random tie-breaking', () => {
    const ab = alphabetaKind.create(connectFour.info, '2', 0);
    const games = new Set<string>();
    for (let g = 0; g < 6; g++) {
      const s: GameState = connectFour.newState(0);
      ab.reset?.(g);
      const moves: number[] = [];
      for (let i = 0; i < 8 && !s.isTerminal(); i++) {
        const a = ab.act(s, s.currentSeat());
        moves.push(a);
        s.apply(a);
      }
      games.add(moves.join(''));
    }
    expect(games.size).toBeGreaterThan(1);
  });
});
