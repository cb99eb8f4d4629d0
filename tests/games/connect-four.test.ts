import { describe, expect, it } from 'vitest';
import { BadStateError, IllegalActionError, Rng, TERMINAL } from '../../core/index.ts';
import { connectFour, connectFourV2, connectFourV3, ConnectFourState, hasFour } from '../../games/connect-four.ts';

/** Plays 1-based column numbers (as written in Connect Four notation) from the initial position. */
function play(cols: string): ConnectFourState {
  const s = connectFour.newState(0) as ConnectFourState;
  for (const ch of cols.replace(/\s+/g, '')) s.apply(Number(ch) - 1);
  return s;
}

function returnsOf(s: ConnectFourState): number[] {
  const r = new Float64Array(2);
  s.returns(r);
  return Array.from(r);
}

/** Board rows of `render()` (without the footer). */
function boardOf(s: ConnectFourState): string[] {
  return s.render().split('\n').slice(0, 6);
}

/** Reference four-in-a-row test on the row-major cells, independent of the bitboards. */
function naiveWinner(s: ConnectFourState): number {
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 7; c++) {
      for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]] as const) {
        const v = s.cellAt(r * 7 + c);
        if (v === 0) continue;
        let k = 1;
        while (k < 4) {
          const rr = r + k * dr;
          const cc = c + k * dc;
          if (rr >= 6 || cc < 0 || cc >= 7 || s.cellAt(rr * 7 + cc) !== v) break;
          k++;
        }
        if (k === 4) return v - 1;
      }
    }
  }
  return -1;
}

/** Whether a piece of `who` (1 or 2) on the empty cell (r, c) would make four in a line; `cell(i)` reads the board row-major from the top (0 empty). */
function completesFour(cell: (i: number) => number, who: number, r: number, c: number): boolean {
  return ([[0, 1], [1, 0], [1, 1], [1, -1]] as const).some(([dr, dc]) => {
    let n = 0;
    for (const sgn of [1, -1]) {
      for (let k = 1; k < 4; k++) {
        const rr = r + sgn * k * dr;
        const cc = c + sgn * k * dc;
        if (rr < 0 || rr >= 6 || cc < 0 || cc >= 7 || cell(rr * 7 + cc) !== who) break;
        n++;
      }
    }
    return n >= 3;
  });
}

describe('connect four', () => {
  it('declares the expected metadata', () => {
    const i = connectFour.info;
    expect(i.id).toBe('connect-four-v1');
    expect([i.seats, i.actions, i.observationSize, i.stateSize, i.chanceOutcomes, i.maxSteps]).toEqual([2, 7, 84, 85, 0, 42]);
    expect([i.dynamics, i.information, i.utility]).toEqual(['sequential', 'perfect', 'zero-sum']);
  });

  it('drops pieces to the lowest empty cell and names columns c1..c7', () => {
    const s = play('4 4 5');
    expect(boardOf(s)).toEqual([
      '. . . . . . .',
      '. . . . . . .',
      '. . . . . . .',
      '. . . . . . .',
      '. . . O . . .',
      '. . . X X . .',
    ]);
    expect(s.currentSeat()).toBe(1);
    expect(s.actionName(0)).toBe('c1');
    expect(s.actionName(6)).toBe('c7');
    expect(s.heightOf(3)).toBe(2);
  });

  it('golden game: horizontal win', () => {
    const s = play('1 1 2 2 3 3 4');
    expect(s.isTerminal()).toBe(true);
    expect(s.currentSeat()).toBe(TERMINAL);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.view(null)['winningCells']).toEqual([35, 36, 37, 38]);
    expect(s.render().split('\n').slice(4)).toEqual(['O O O . . . .', 'X X X X . . .', '1 2 3 4 5 6 7', 'X wins']);
  });

  it('golden game: vertical win (by O, the second player)', () => {
    const s = play('1 2 1 2 3 2 4');
    expect(s.isTerminal()).toBe(false); // X has 1,3,4 on the bottom row: column 2 breaks the line
    s.apply(1);
    expect(s.isTerminal()).toBe(true);
    expect(returnsOf(s)).toEqual([-1, 1]);
    expect(s.view(1)['winningCells']).toEqual([15, 22, 29, 36]);
  });

  it('golden game: rising diagonal win', () => {
    const s = play('1 2 2 3 3 4 3 4 4 7');
    expect(s.isTerminal()).toBe(false);
    s.apply(3); // X completes c1r1-c2r2-c3r3-c4r4
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(boardOf(s)).toEqual([
      '. . . . . . .',
      '. . . . . . .',
      '. . . X . . .',
      '. . X X . . .',
      '. X X O . . .',
      'X O O O . . O',
    ]);
  });

  it('golden game: falling diagonal win', () => {
    const s = play('7 6 6 5 5 4 5 4 4 1');
    expect(s.isTerminal()).toBe(false);
    s.apply(3);
    expect(returnsOf(s)).toEqual([1, -1]);
    expect(s.view(0)['winningCells']).toEqual([17, 25, 33, 41]);
  });

  it('golden game: a full board without four in a row is a draw', () => {
    // Columns paired (1,3), (2,4), (5,7) with the order A B B A ×3, then column 6 alone. Cell
    // (row r from the bottom, column c) gets X iff r + f(c) is even with f = 0,0,1,1,0,0,1: rows
    // read XXOOXXO (no four), columns alternate, and both diagonal parities r ± c + f(c) never
    // repeat four times along a diagonal — so nobody ever wins.
    const seq = '133113311331' + '244224422442' + '577557755775' + '666666';
    const s = connectFour.newState(0) as ConnectFourState;
    for (const ch of seq) {
      expect(s.isTerminal()).toBe(false);
      s.apply(Number(ch) - 1);
    }
    expect(s.stepCount()).toBe(42);
    expect(s.isTerminal()).toBe(true);
    expect(s.winnerSeat()).toBe(-1);
    expect(returnsOf(s)).toEqual([0, 0]);
    expect(s.render()).toBe(
      ['O O X X O O X', 'X X O O X X O', 'O O X X O O X', 'X X O O X X O', 'O O X X O O X', 'X X O O X X O', '1 2 3 4 5 6 7', 'draw'].join('\n'),
    );
    expect(s.legalActions(0)).toEqual([]);
  });

  it('rejects a move into a full column with IllegalActionError and leaves the state unchanged', () => {
    const s = play('1 1 1 1 1 1');
    expect(s.legalActions(0)).toEqual([1, 2, 3, 4, 5, 6]);
    const before = JSON.stringify(s.serialize());
    expect(() => s.apply(0)).toThrow(IllegalActionError);
    expect(JSON.stringify(s.serialize())).toBe(before);
    expect(() => s.apply(7)).toThrow(IllegalActionError);
  });

  it('observes from the mover’s point of view, row-major from the top-left', () => {
    const s = play('4 4 5'); // X at bottom row cols 4,5; O above col 4; O to move
    const obs = new Float32Array(84);
    s.observe(1, obs);
    const own = Array.from(obs.subarray(0, 42));
    const opp = Array.from(obs.subarray(42));
    expect(own.flatMap((v, i) => (v ? [i] : []))).toEqual([4 * 7 + 3]);
    expect(opp.flatMap((v, i) => (v ? [i] : []))).toEqual([5 * 7 + 3, 5 * 7 + 4]);
    // the declared shape indexes the same cells: plane p, row r, column c at (p·rows + r)·cols + c
    const [planes, rows, cols] = s.info.observationShape!;
    expect([planes, rows, cols]).toEqual([2, 6, 7]);
    expect(obs[(0 * rows + 4) * cols + 3]).toBe(1);
    expect(obs[(1 * rows + 5) * cols + 4]).toBe(1);
    s.observe(0, obs);
    expect(Array.from(obs.subarray(0, 42)).flatMap((v, i) => (v ? [i] : []))).toEqual([38, 39]);
    const g = new Float32Array(85);
    s.globalState(g);
    expect(Array.from(g.subarray(0, 42)).flatMap((v, i) => (v ? [i] : []))).toEqual([38, 39]);
    expect(Array.from(g.subarray(42, 84)).flatMap((v, i) => (v ? [i] : []))).toEqual([31]);
    expect(g[84]).toBe(1);
  });

  it('connect-four-v2 observes each side’s threats and the playable cells after the pieces', () => {
    const s = connectFourV2.newState(0) as ConnectFourState;
    for (const c of [3, 3, 4, 4, 5]) s.apply(c); // X on c4–c6 of the bottom row, O on c4–c5 above; O to move
    expect(s.info.observationShape).toEqual([5, 6, 7]);
    const obs = new Float32Array(s.info.observationSize);
    const lit = (p: number) => Array.from(obs.subarray(p * 42, (p + 1) * 42)).flatMap((v, i) => (v ? [i] : []));
    s.observe(1, obs);
    expect(lit(0)).toEqual([4 * 7 + 3, 4 * 7 + 4]);
    expect(lit(1)).toEqual([5 * 7 + 3, 5 * 7 + 4, 5 * 7 + 5]);
    expect(lit(2)).toEqual([]); // O has two in a row: no cell completes four
    expect(lit(3)).toEqual([5 * 7 + 2, 5 * 7 + 6]); // X's double threat: c3 and c7 of the bottom row
    expect(lit(4)).toEqual([3 * 7 + 3, 3 * 7 + 4, 4 * 7 + 5, 5 * 7 + 0, 5 * 7 + 1, 5 * 7 + 2, 5 * 7 + 6]);
    // from X's side the threats swap planes; the first two planes are connect-four-v1's observation
    s.observe(0, obs);
    expect(lit(2)).toEqual([5 * 7 + 2, 5 * 7 + 6]);
    expect(lit(3)).toEqual([]);
    const v1 = play('4 4 5 5 6');
    const obs1 = new Float32Array(84);
    v1.observe(0, obs1);
    expect(Array.from(obs.subarray(0, 84))).toEqual(Array.from(obs1));
    // a threat off the playable cells (gravity decides when it can be played)
    const t = connectFourV2.newState(0) as ConnectFourState;
    for (const c of [0, 0, 1, 1, 2, 2]) t.apply(c); // X on c1–c3 of the bottom row, O on c1–c3 above; X to move
    t.observe(0, obs);
    expect(lit(2)).toEqual([5 * 7 + 3]); // X completes four on c4 now
    expect(lit(3)).toEqual([4 * 7 + 3]); // O's on c4's second cell, once c4 holds a piece
    expect(lit(4)).toContain(5 * 7 + 3);
    expect(lit(4)).not.toContain(4 * 7 + 3);
    // the state, its clone and its restored copy all observe as connect-four-v2
    const c = t.clone();
    const r = connectFourV2.restore(JSON.parse(JSON.stringify(t.serialize())));
    for (const u of [c, r]) {
      expect(u.info.id).toBe('connect-four-v2');
      const o2 = new Float32Array(u.info.observationSize);
      u.observe(0, o2);
      expect(Array.from(o2)).toEqual(Array.from(obs));
    }
    expect(() => connectFourV2.restore({ ...t.serialize(), game: 'connect-four-v1' })).toThrow(/snapshot is for 'connect-four-v1'/);
  });

  it('search helpers: play/undo round-trip and immediate-win detection', () => {
    const s = play('1 1 2 2 3 3'); // X threatens c4 on the bottom row
    expect(s.isWinningMove(3)).toBe(true);
    expect(s.isWinningMove(4)).toBe(false);
    expect(s.hasImmediateWin()).toBe(true);
    const before = JSON.stringify(s.serialize());
    s.play(3);
    expect(s.isTerminal()).toBe(true);
    s.undo();
    expect(JSON.stringify(s.serialize())).toBe(before);
    expect(s.isTerminal()).toBe(false);
  });

  it('bitboard wins agree with a plain scan over many random games', () => {
    const s = connectFour.newState(0) as ConnectFourState;
    const rng = new Rng(5);
    const mask = new Uint8Array(7);
    let decisive = 0;
    for (let g = 0; g < 500; g++) {
      s.reset(g);
      while (!s.isTerminal()) {
        expect(naiveWinner(s)).toBe(-1);
        s.legalMask(s.currentSeat(), mask);
        s.apply(rng.pickMasked(mask));
      }
      expect(naiveWinner(s)).toBe(s.winnerSeat());
      if (s.winnerSeat() >= 0) decisive++;
    }
    expect(decisive).toBeGreaterThan(400);
    expect(hasFour(0, 0)).toBe(false);
  });

  it('connect-four-v2 threat planes (bitboards) agree with a plain scan of every empty cell', () => {
    const completes = (s: ConnectFourState, who: number, r: number, c: number): boolean => completesFour((i) => s.cellAt(i), who, r, c);
    const s = connectFourV2.newState(0) as ConnectFourState;
    const rng = new Rng(11);
    const mask = new Uint8Array(7);
    const obs = new Float32Array(5 * 42);
    let lit = 0;
    for (let g = 0; g < 300; g++) {
      s.reset(g);
      for (;;) {
        for (const seat of [0, 1]) {
          s.observe(seat, obs);
          for (let i = 0; i < 42; i++) {
            const empty = s.cellAt(i) === 0;
            const [r, c] = [Math.floor(i / 7), i % 7];
            expect(obs[2 * 42 + i]).toBe(empty && completes(s, seat + 1, r, c) ? 1 : 0);
            expect(obs[3 * 42 + i]).toBe(empty && completes(s, 2 - seat, r, c) ? 1 : 0);
            lit += obs[2 * 42 + i]! + obs[3 * 42 + i]!;
          }
        }
        if (s.isTerminal()) break;
        s.legalMask(s.currentSeat(), mask);
        s.apply(rng.pickMasked(mask));
      }
    }
    expect(lit).toBeGreaterThan(1000);
  });

  it('connect-four-v3 tactic planes (bitboards) agree with a plain scan of every playable cell, both sides', () => {
    const completes = (grid: Int8Array, who: number, r: number, c: number): boolean => completesFour((i) => grid[i]!, who, r, c);
    const threats = (grid: Int8Array, who: number): Set<number> => {
      const t = new Set<number>();
      for (let i = 0; i < 42; i++) if (grid[i] === 0 && completes(grid, who, Math.floor(i / 7), i % 7)) t.add(i);
      return t;
    };
    /** The lowest empty cell of each column of `grid`. */
    const playable = (grid: Int8Array): number[] => {
      const p: number[] = [];
      for (let c = 0; c < 7; c++) {
        for (let r = 5; r >= 0; r--) {
          if (grid[r * 7 + c] === 0) {
            p.push(r * 7 + c);
            break;
          }
        }
      }
      return p;
    };
    /** [makes a new threat, leaves a win one block cannot stop] for `who` playing the playable cell `i`. */
    const tactics = (grid: Int8Array, who: number, i: number): [boolean, boolean] => {
      const before = threats(grid, who);
      const g = Int8Array.from(grid);
      g[i] = who;
      const after = threats(g, who);
      const wins = playable(g).filter((j) => after.has(j));
      return [[...after].some((j) => !before.has(j)), wins.length >= 2 || wins.some((j) => j >= 7 && after.has(j - 7))];
    };
    const s = connectFourV3.newState(0) as ConnectFourState;
    expect(s.info.observationShape).toEqual([9, 6, 7]);
    const v2 = connectFourV2.newState(0) as ConnectFourState;
    const rng = new Rng(12);
    const mask = new Uint8Array(7);
    const obs = new Float32Array(9 * 42);
    const obs2 = new Float32Array(5 * 42);
    const lit = [0, 0, 0, 0];
    for (let g = 0; g < 200; g++) {
      s.reset(g);
      v2.reset(g);
      for (;;) {
        const grid = Int8Array.from({ length: 42 }, (_, i) => s.cellAt(i));
        const open = new Set(playable(grid));
        for (const seat of [0, 1]) {
          s.observe(seat, obs);
          v2.observe(seat, obs2);
          expect(Array.from(obs.subarray(0, 5 * 42))).toEqual(Array.from(obs2)); // v2's planes first
          for (let i = 0; i < 42; i++) {
            const [mineMake, mineForce] = open.has(i) ? tactics(grid, seat + 1, i) : [false, false];
            const [theirMake, theirForce] = open.has(i) ? tactics(grid, 2 - seat, i) : [false, false];
            const want = [mineMake, mineForce, theirMake, theirForce];
            for (let p = 0; p < 4; p++) {
              expect(obs[(5 + p) * 42 + i]).toBe(want[p] ? 1 : 0);
              lit[p]! += obs[(5 + p) * 42 + i]!;
            }
          }
        }
        if (s.isTerminal()) break;
        s.legalMask(s.currentSeat(), mask);
        const a = rng.pickMasked(mask);
        s.apply(a);
        v2.apply(a);
      }
    }
    // every plane lit often enough for the comparison to mean something
    for (const n of lit) expect(n).toBeGreaterThan(300);
  });

  it('round-trips through serialize/restore and rejects inconsistent snapshots', () => {
    const s = play('4 4 3 5');
    const data = JSON.parse(JSON.stringify(s.serialize()));
    const r = connectFour.restore(data);
    expect(r.serialize()).toEqual(s.serialize());
    expect(r.render()).toBe(s.render());
    expect(() => connectFour.restore({ ...data, moves: [0, 0, 0, 0, 0, 0, 0], steps: 7 })).toThrow(BadStateError);
    expect(() => connectFour.restore({ ...data, moves: [0, 1, 0, 1, 0, 1, 0, 1], steps: 8 })).toThrow(BadStateError);
    expect(() => connectFour.restore({ ...data, moves: [7], steps: 1 })).toThrow(BadStateError);
    expect(() => connectFour.restore({ ...data, steps: 3 })).toThrow(BadStateError);
  });
});
