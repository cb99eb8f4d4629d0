import { describe, expect, it } from 'vitest';
import { BadStateError, IllegalActionError, TERMINAL } from '../../core/index.ts';
import { ticTacToe, TicTacToeState } from '../../games/tic-tac-toe.ts';

/** Plays `moves` from the initial position and returns the state. */
function play(moves: number[]): TicTacToeState {
  const s = ticTacToe.newState(0) as TicTacToeState;
  for (const m of moves) s.apply(m);
  return s;
}

function returnsOf(s: TicTacToeState): number[] {
  const r = new Float64Array(2);
  s.returns(r);
  return Array.from(r);
}

describe('tic-tac-toe', () => {
  it('declares the expected metadata', () => {
    const i = ticTacToe.info;
    expect(i.id).toBe('tic-tac-toe-v1');
    expect([i.seats, i.actions, i.observationSize, i.stateSize, i.chanceOutcomes, i.maxSteps]).toEqual([2, 9, 18, 19, 0, 9]);
    expect(i.teams).toEqual([[0], [1]]);
    expect([i.dynamics, i.information, i.utility]).toEqual(['sequential', 'perfect', 'zero-sum']);
  });

  it('starts empty with X (seat 0) to move and all nine cells legal', () => {
    const s = play([]);
    expect(s.currentSeat()).toBe(0);
    expect(s.legalActions(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.legalActions(1)).toEqual([]);
    expect(s.render()).toBe('. . .\n. . .\n. . .\nX to move');
  });

  it('golden game: X wins along the top row', () => {
    const s = play([0, 3, 1, 4, 2]);
    expect(s.isTerminal()).toBe(true);
    expect(s.currentSeat()).toBe(TERMINAL);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.render()).toBe('X X X\nO O .\n. . .\nX wins');
    expect(s.view(null)['winningCells']).toEqual([0, 1, 2]);
  });

  it('golden game: X wins down the left column', () => {
    const s = play([0, 1, 3, 2, 6]);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.render()).toBe('X O O\nX . .\nX . .\nX wins');
  });

  it('golden game: X wins on the main diagonal', () => {
    const s = play([0, 1, 4, 2, 8]);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.view(0)['winningCells']).toEqual([0, 4, 8]);
  });

  it('golden game: O wins on the anti-diagonal', () => {
    const s = play([0, 2, 1, 4, 8, 6]);
    expect(s.isTerminal()).toBe(true);
    expect(returnsOf(s)).toEqual([-1, 1]);
    expect(s.render()).toBe('X X O\n. O .\nO . X\nO wins');
  });

  it('golden game: a full board without a line is a draw', () => {
    const s = play([0, 1, 2, 4, 3, 5, 7, 6, 8]);
    expect(s.isTerminal()).toBe(true);
    expect(returnsOf(s)).toEqual([0, 0]);
    expect(s.render()).toBe('X O X\nX O O\nO X X\ndraw');
  });

  it('gives rewards only on the final transition', () => {
    const s = ticTacToe.newState(0);
    const r = new Float64Array(2);
    for (const m of [4, 0, 2, 6, 3, 5, 1]) {
      s.rewards(r);
      expect(Array.from(r)).toEqual([0, 0]);
      s.apply(m);
    }
    // X holds 4,2,3,1 and O holds 0,6,5: no line yet
    expect(s.isTerminal()).toBe(false);
    s.apply(8); // O
    s.apply(7); // X completes the middle column 1-4-7
    s.rewards(r);
    expect(Array.from(r)).toEqual([1, -1]);
  });

  it('rejects occupied cells and moves after the end with IllegalActionError', () => {
    const s = play([4]);
    const before = JSON.stringify(s.serialize());
    expect(() => s.apply(4)).toThrow(IllegalActionError);
    expect(JSON.stringify(s.serialize())).toBe(before);
    const done = play([0, 3, 1, 4, 2]);
    expect(() => done.apply(8)).toThrow(IllegalActionError);
  });

  it('observes from the mover’s point of view and writes the global state', () => {
    const s = play([4, 0]); // X centre, O top-left; X to move
    const obs = new Float32Array(18);
    s.observe(0, obs);
    expect(Array.from(obs.subarray(0, 9))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(obs.subarray(9))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // declared as [planes, rows, cols]: the opponent's plane, row 0, column 0 is the top-left O
    expect(s.info.observationShape).toEqual([2, 3, 3]);
    expect(obs[(1 * 3 + 0) * 3 + 0]).toBe(1);
    s.observe(1, obs);
    expect(Array.from(obs.subarray(0, 9))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(obs.subarray(9))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const g = new Float32Array(19);
    s.globalState(g);
    expect(Array.from(g)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    s.apply(8);
    s.globalState(g);
    expect(g[18]).toBe(1);
  });

  it('names actions by row and column', () => {
    const s = ticTacToe.newState(0);
    expect(s.actionName(0)).toBe('r1c1');
    expect(s.actionName(5)).toBe('r2c3');
    expect(s.actionName(8)).toBe('r3c3');
  });

  it('undo restores the previous position exactly', () => {
    const s = play([0, 3, 1, 4]);
    const before = JSON.stringify(s.serialize());
    s.apply(2);
    expect(s.isTerminal()).toBe(true);
    s.undo();
    expect(JSON.stringify(s.serialize())).toBe(before);
    expect(s.currentSeat()).toBe(0);
  });

  it('round-trips through serialize/restore and rejects inconsistent snapshots', () => {
    const s = play([4, 0, 8]);
    const data = JSON.parse(JSON.stringify(s.serialize()));
    const r = ticTacToe.restore(data);
    expect(r.serialize()).toEqual(s.serialize());
    expect(r.render()).toBe(s.render());
    expect(() => ticTacToe.restore({ ...data, moves: [4, 4] })).toThrow(BadStateError);
    expect(() => ticTacToe.restore({ ...data, moves: [4, 0, 9] })).toThrow(BadStateError);
    expect(() => ticTacToe.restore({ ...data, steps: 2 })).toThrow(BadStateError);
    expect(() => ticTacToe.restore({ ...data, moves: [0, 3, 1, 4, 2, 5], steps: 6 })).toThrow(BadStateError);
    expect(() => ticTacToe.restore({ ...data, moves: 'x' })).toThrow(BadStateError);
  });
});
