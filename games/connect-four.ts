/**
 * Connect Four: two players alternately drop a piece into one of 7 columns of a vertical 6-row
 * grid; the piece falls to the lowest empty cell. Four of one's own pieces in a line —
 * horizontal, vertical or either diagonal — wins; a full board without such a line is a draw.
 * Seat 0 (X) moves first. Rules as in the Milton Bradley original, OpenSpiel's `connect_four` and
 * the standard references (e.g. Wikipedia, "Connect Four").
 *
 * - Actions: column 0..6 (left to right); names `c1`..`c7` (1-based).
 * - Observation (84 floats, from `seat`'s point of view): plane 0 = `seat`'s pieces, plane 1 =
 *   the opponent's, each 42 floats row-major from the top-left cell (index `row*7+col`, row 0 = top).
 * - Global state (85 floats): plane seat 0, plane seat 1 (same layout), then the seat to move.
 * - Rewards: +1 / -1 / 0 on the final transition only.
 *
 * Board representation — the classic bitboard (John Tromp's / Pascal Pons's layout): bit
 * `col*7 + row` (row 0 = bottom) with one always-empty sentinel bit on top of each column, so a
 * shift by 1, 7, 6 or 8 moves one step vertically, horizontally or diagonally without wrapping
 * into the next column. The 49 bits live in two int32 halves (`lo` = bits 0..31, `hi` = bits
 * 32..48) so everything is plain 32-bit integer arithmetic (no BigInt); a four-in-a-row test is a
 * handful of shifts and ANDs. A row-major `cells` array mirrors the bitboards for observations.
 *
 * For search bots the state also offers, without legality checks or allocation: `play(col)`,
 * `undo()`, `canPlay(col)`, `isWinningMove(col)`, `hasImmediateWin()`, `cellAt(index)`,
 * `heightOf(col)`, `moveCount()` and `winnerSeat()`.
 */
import { BadStateError, BaseState, boardSymmetries, checkInt, checkSnapshot, TERMINAL, type BoardUi, type Game, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export const ROWS = 6;
export const COLS = 7;
const CELLS = ROWS * COLS;
/** Bits per column in the bitboard: 6 rows + 1 sentinel. */
const COL_BITS = ROWS + 1;

export const CONNECT_FOUR_INFO: GameInfo = Object.freeze({
  id: 'connect-four-v1',
  name: 'Connect Four',
  description: '6×7 gravity four-in-a-row: drop pieces into columns; four in a line wins; seat 0 moves first',
  seats: 2,
  teams: [[0], [1]],
  actions: COLS,
  observationSize: 2 * CELLS,
  // plane 0: the observer's pieces, plane 1: the opponent's; row 0 is the top row (`cells` order)
  observationShape: [2, ROWS, COLS] as const,
  // the left–right mirror: column c becomes column 6 − c
  symmetries: boardSymmetries([2, ROWS, COLS], [{ name: 'mirror', cell: (r, c) => [r, COLS - 1 - c], action: (a) => COLS - 1 - a }], COLS),
  stateSize: 2 * CELLS + 1,
  chanceOutcomes: 0,
  maxSteps: CELLS,
  dynamics: 'sequential',
  information: 'perfect',
  utility: 'zero-sum',
  minReturn: -1,
  maxReturn: 1,
});

/** Planes of connect-four-v2's observation: the two piece planes, each side's threats, the playable cells. */
const THREAT_PLANES = 5;

/**
 * connect-four-v2: the same game, observed with three more planes computed from the board, as AlphaGo's
 * input features were (liberties, ladders) and AlphaZero's were not: plane 2 = the empty cells where the
 * observer's piece would complete four in a line (its threats, wherever they stand: gravity decides only
 * when they can be played), plane 3 = the opponent's, plane 4 = the cells a move can fill now (the lowest
 * empty cell of each column). A win in one is then a cell lit in planes 2 and 4, a forced block one lit in
 * 3 and 4, and a move that gives the opponent a win on top of it one whose cell sits right below a lit
 * cell of plane 3.
 */
export const CONNECT_FOUR_V2_INFO: GameInfo = Object.freeze({
  ...CONNECT_FOUR_INFO,
  id: 'connect-four-v2',
  description: `${CONNECT_FOUR_INFO.description}; observed with each side's threats and the playable cells`,
  observationSize: THREAT_PLANES * CELLS,
  observationShape: [THREAT_PLANES, ROWS, COLS] as const,
  symmetries: boardSymmetries([THREAT_PLANES, ROWS, COLS], [{ name: 'mirror', cell: (r, c) => [r, COLS - 1 - c], action: (a) => COLS - 1 - a }], COLS),
  // networks trained on the two piece planes play on: agents/earlier-version.ts
  earlierVersions: ['connect-four-v1'],
});

/** Planes of connect-four-v3's observation: connect-four-v2's five, then each side's threat-making and forcing moves. */
const TACTIC_PLANES = 9;

/**
 * connect-four-v3: connect-four-v2's five planes and four more, each a one-move look-ahead computed from the
 * bitboards (as KataGo's ladder features read a short search into the input): plane 5 = the playable cells
 * where the observer's piece would make a new threat (an empty cell, anywhere, that would then complete
 * four), plane 6 = the playable cells where its piece would leave a win the opponent cannot stop with one
 * block (two playable winning cells, or a playable one with another right above it), planes 7 and 8 = the
 * same for the opponent, as if it were to move. The two- and three-move traps a network otherwise has to
 * learn to see in one pass.
 */
export const CONNECT_FOUR_V3_INFO: GameInfo = Object.freeze({
  ...CONNECT_FOUR_INFO,
  id: 'connect-four-v3',
  description: `${CONNECT_FOUR_INFO.description}; observed with each side's threats, the playable cells, and each side's threat-making and forcing moves`,
  observationSize: TACTIC_PLANES * CELLS,
  observationShape: [TACTIC_PLANES, ROWS, COLS] as const,
  symmetries: boardSymmetries([TACTIC_PLANES, ROWS, COLS], [{ name: 'mirror', cell: (r, c) => [r, COLS - 1 - c], action: (a) => COLS - 1 - a }], COLS),
  earlierVersions: ['connect-four-v1', 'connect-four-v2'],
});

const MARKS = ['X', 'O'] as const;

export const CONNECT_FOUR_UI: BoardUi = Object.freeze({
  kind: 'board',
  rows: ROWS,
  cols: COLS,
  move: 'column',
  pieces: 'discs',
  seats: [
    { label: MARKS[0], colour: '#d33a32' },
    { label: MARKS[1], colour: '#f2c200' },
  ],
  actionLabels: Array.from({ length: COLS }, (_, c) => `column ${c + 1}`),
});

/** `(b & (b >> d)) & ((…) >> 2d)` on a 64-bit value split into int32 halves: non-zero iff four in a row along shift `d`. */
function lineAlong(lo: number, hi: number, d: number): boolean {
  const mlo = lo & ((lo >>> d) | (hi << (32 - d)));
  const mhi = hi & (hi >>> d);
  const d2 = d + d;
  return ((mlo & ((mlo >>> d2) | (mhi << (32 - d2)))) | (mhi & (mhi >>> d2))) !== 0;
}

/** True when the bitboard (lo, hi) contains four in a row in any direction. */
export function hasFour(lo: number, hi: number): boolean {
  return lineAlong(lo, hi, 1) || lineAlong(lo, hi, COL_BITS) || lineAlong(lo, hi, COL_BITS - 1) || lineAlong(lo, hi, COL_BITS + 1);
}

/** Bits of the playable board (every column's six cells, no sentinels), as int32 halves. */
const BOARD_LO = boardHalf(0);
const BOARD_HI = boardHalf(32);

function boardHalf(from: number): number {
  let m = 0;
  for (let c = 0; c < COLS; c++) for (let r = 0; r < ROWS; r++) {
    const bit = c * COL_BITS + r - from;
    if (bit >= 0 && bit < 32) m |= 1 << bit;
  }
  return m;
}

/** Low half of the 64-bit (lo, hi) shifted by `n` bits: left for n > 0, right for n < 0 (|n| < 32). */
function shLo(lo: number, hi: number, n: number): number {
  return n > 0 ? lo << n : (lo >>> -n) | (hi << (32 + n));
}

/** High half of the same shift. */
function shHi(lo: number, hi: number, n: number): number {
  return n > 0 ? (hi << n) | (lo >>> (32 - n)) : hi >>> -n;
}

/**
 * Cells where one more piece of the position (lo, hi) completes four along shift `d` (Pascal Pons's
 * "winning positions": three of the four cells of a line around each cell, on either side), the half
 * chosen by `high`; not yet masked to the empty cells. The sentinel bits keep lines from wrapping.
 */
function fourAlong(lo: number, hi: number, d: number, high: boolean): number {
  const sh = high ? shHi : shLo;
  const l1 = sh(lo, hi, d);
  const l2 = sh(lo, hi, 2 * d);
  const r1 = sh(lo, hi, -d);
  const r2 = sh(lo, hi, -2 * d);
  return (l1 & l2 & (sh(lo, hi, 3 * d) | r1)) | (r1 & r2 & (l1 | sh(lo, hi, -3 * d)));
}

/** One half of the empty cells where a piece of (lo, hi) would complete four in any direction. */
function threatHalf(lo: number, hi: number, occupied: number, board: number, high: boolean): number {
  return (fourAlong(lo, hi, 1, high) | fourAlong(lo, hi, COL_BITS, high) | fourAlong(lo, hi, COL_BITS - 1, high) | fourAlong(lo, hi, COL_BITS + 1, high)) & board & ~occupied;
}

/** Set bits of a 32-bit value. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Writes the bits of (lo, hi) as a 0/1 plane in `cells` order (row-major from the top-left) at `at`. */
function writePlane(lo: number, hi: number, out: Float32Array, at: number): void {
  for (let c = 0; c < COLS; c++) {
    for (let r = 0; r < ROWS; r++) {
      const bit = c * COL_BITS + r;
      out[at + (ROWS - 1 - r) * COLS + c] = ((bit < 32 ? lo >>> bit : hi >>> (bit - 32)) & 1);
    }
  }
}

export class ConnectFourState extends BaseState {
  /** Bitboards of seat 0 and seat 1 (bit `col*7+row`, row 0 = bottom), split into int32 halves. */
  private lo0 = 0;
  private hi0 = 0;
  private lo1 = 0;
  private hi1 = 0;
  /** Pieces in each column. */
  private readonly height = new Int8Array(COLS);
  /** Row-major from the top-left (`row*7+col`, row 0 = top): 0 empty, 1 seat 0, 2 seat 1. */
  private readonly cells = new Int8Array(CELLS);
  /** Column of each ply, for serialization and `undo`. */
  private readonly moves = new Int8Array(CELLS);
  private nMoves = 0;
  /** Winning seat, or -1 (undecided or draw). */
  private winner = -1;

  /** connect-four-v2's observation and later (threat and playable planes after the piece planes). */
  private readonly threatPlanes: boolean;
  /** connect-four-v3's observation (each side's threat-making and forcing moves after v2's planes). */
  private readonly tacticPlanes: boolean;

  constructor(seed = 0, info: GameInfo = CONNECT_FOUR_INFO) {
    super(info, seed);
    this.tacticPlanes = info.observationShape![0] === TACTIC_PLANES;
    this.threatPlanes = this.tacticPlanes || info.observationShape![0] === THREAT_PLANES;
  }

  protected doReset(): void {
    this.lo0 = 0;
    this.hi0 = 0;
    this.lo1 = 0;
    this.hi1 = 0;
    this.height.fill(0);
    this.cells.fill(0);
    this.nMoves = 0;
    this.winner = -1;
  }

  currentSeat(): number {
    if (this.winner >= 0 || this.nMoves === CELLS) return TERMINAL;
    return this.nMoves & 1;
  }

  override isTerminal(): boolean {
    return this.winner >= 0 || this.nMoves === CELLS;
  }

  isTruncated(): boolean {
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    if (seat !== this.currentSeat()) {
      out.fill(0, 0, COLS);
      return 0;
    }
    let n = 0;
    const h = this.height;
    for (let c = 0; c < COLS; c++) {
      const ok = h[c]! < ROWS ? 1 : 0;
      out[c] = ok;
      n += ok;
    }
    return n;
  }

  protected doApply(action: number): void {
    this.play0(action);
  }

  /** Drops the mover's piece in `col` and updates the winner. No checks: the column must have room and the game must not be over. */
  private play0(col: number): void {
    const h = this.height[col]!;
    const bit = col * COL_BITS + h;
    const seat = this.nMoves & 1;
    this.cells[(ROWS - 1 - h) * COLS + col] = seat + 1;
    this.height[col] = h + 1;
    this.moves[this.nMoves++] = col;
    if (seat === 0) {
      if (bit < 32) this.lo0 |= 1 << bit;
      else this.hi0 |= 1 << (bit - 32);
      if (hasFour(this.lo0, this.hi0)) this.winner = 0;
    } else {
      if (bit < 32) this.lo1 |= 1 << bit;
      else this.hi1 |= 1 << (bit - 32);
      if (hasFour(this.lo1, this.hi1)) this.winner = 1;
    }
  }

  /**
   * Search fast path: plays `col` for the mover without legality checks (the caller guarantees
   * `canPlay(col)` and a non-terminal state). Counts as a step, exactly like `apply`.
   */
  play(col: number): void {
    this.play0(col);
    this.steps++;
  }

  /** Takes back the last move (search fast path); no-op at the initial position. */
  undo(): void {
    if (this.nMoves === 0) return;
    const col = this.moves[--this.nMoves]!;
    const h = this.height[col]! - 1;
    this.height[col] = h;
    this.cells[(ROWS - 1 - h) * COLS + col] = 0;
    const bit = col * COL_BITS + h;
    if ((this.nMoves & 1) === 0) {
      if (bit < 32) this.lo0 &= ~(1 << bit);
      else this.hi0 &= ~(1 << (bit - 32));
    } else {
      if (bit < 32) this.lo1 &= ~(1 << bit);
      else this.hi1 &= ~(1 << (bit - 32));
    }
    this.winner = -1;
    this.steps--;
  }

  /** Whether `col` still has room (ignores whether the game is over). */
  canPlay(col: number): boolean {
    return this.height[col]! < ROWS;
  }

  /** Whether the mover dropping a piece in `col` makes four in a row. Requires `canPlay(col)`. */
  isWinningMove(col: number): boolean {
    const bit = col * COL_BITS + this.height[col]!;
    let lo = (this.nMoves & 1) === 0 ? this.lo0 : this.lo1;
    let hi = (this.nMoves & 1) === 0 ? this.hi0 : this.hi1;
    if (bit < 32) lo |= 1 << bit;
    else hi |= 1 << (bit - 32);
    return hasFour(lo, hi);
  }

  /** Whether the mover can win with its next piece (any column). */
  hasImmediateWin(): boolean {
    for (let c = 0; c < COLS; c++) if (this.height[c]! < ROWS && this.isWinningMove(c)) return true;
    return false;
  }

  /** Owner of cell `row*7+col` (row 0 = top): 0 empty, 1 seat 0, 2 seat 1. */
  cellAt(index: number): number {
    return this.cells[index]!;
  }

  /** Number of pieces in column `col`. */
  heightOf(col: number): number {
    return this.height[col]!;
  }

  /** Number of pieces on the board (plies played). */
  moveCount(): number {
    return this.nMoves;
  }

  /** Winning seat, or -1 while undecided or after a draw. */
  winnerSeat(): number {
    return this.winner;
  }

  rewards(out: Float64Array): void {
    if (this.isTerminal()) this.returns(out);
    else {
      out[0] = 0;
      out[1] = 0;
    }
  }

  returns(out: Float64Array): void {
    const w = this.winner;
    out[0] = w === 0 ? 1 : w === 1 ? -1 : 0;
    out[1] = w === 1 ? 1 : w === 0 ? -1 : 0;
  }

  observe(seat: Seat, out: Float32Array, offset = 0): void {
    const own = seat + 1;
    const cells = this.cells;
    for (let i = 0; i < CELLS; i++) {
      const v = cells[i]!;
      out[offset + i] = v === own ? 1 : 0;
      out[offset + CELLS + i] = v !== 0 && v !== own ? 1 : 0;
    }
    if (this.threatPlanes) this.observeThreats(own, out, offset);
  }

  /** connect-four-v2's planes 2–4: the observer's threats, the opponent's, the playable cells — from the bitboards. */
  private observeThreats(own: number, out: Float32Array, offset: number): void {
    const mineLo = own === 1 ? this.lo0 : this.lo1;
    const mineHi = own === 1 ? this.hi0 : this.hi1;
    const theirsLo = own === 1 ? this.lo1 : this.lo0;
    const theirsHi = own === 1 ? this.hi1 : this.hi0;
    const occLo = this.lo0 | this.lo1;
    const occHi = this.hi0 | this.hi1;
    const mineTLo = threatHalf(mineLo, mineHi, occLo, BOARD_LO, false);
    const mineTHi = threatHalf(mineLo, mineHi, occHi, BOARD_HI, true);
    const theirsTLo = threatHalf(theirsLo, theirsHi, occLo, BOARD_LO, false);
    const theirsTHi = threatHalf(theirsLo, theirsHi, occHi, BOARD_HI, true);
    writePlane(mineTLo, mineTHi, out, offset + 2 * CELLS);
    writePlane(theirsTLo, theirsTHi, out, offset + 3 * CELLS);
    // the lowest empty cell of each column, from the heights
    out.fill(0, offset + 4 * CELLS, offset + 5 * CELLS);
    for (let c = 0; c < COLS; c++) {
      const h = this.height[c]!;
      if (h < ROWS) out[offset + 4 * CELLS + (ROWS - 1 - h) * COLS + c] = 1;
    }
    if (!this.tacticPlanes) return;
    out.fill(0, offset + 5 * CELLS, offset + TACTIC_PLANES * CELLS);
    this.tacticsOf(mineLo, mineHi, mineTLo, mineTHi, occLo, occHi, out, offset + 5 * CELLS);
    this.tacticsOf(theirsLo, theirsHi, theirsTLo, theirsTHi, occLo, occHi, out, offset + 7 * CELLS);
  }

  /**
   * connect-four-v3's two planes for one side (pieces (lo, hi), its threats (tLo, tHi)), at `at`: for each
   * playable cell, whether the side's piece there makes a new threat (plane `at`), and whether it leaves a
   * win one block cannot stop (plane `at + CELLS`): two playable winning cells once the column has grown, or
   * a playable one with another of its threats right above. The planes must be zeroed.
   */
  private tacticsOf(lo: number, hi: number, tLo: number, tHi: number, occLo: number, occHi: number, out: Float32Array, at: number): void {
    // the playable cells as bits (bit col*7 + height)
    let pLo = 0;
    let pHi = 0;
    for (let c = 0; c < COLS; c++) {
      const h = this.height[c]!;
      if (h >= ROWS) continue;
      const bit = c * COL_BITS + h;
      if (bit < 32) pLo |= 1 << bit;
      else pHi |= 1 << (bit - 32);
    }
    for (let c = 0; c < COLS; c++) {
      const h = this.height[c]!;
      if (h >= ROWS) continue;
      const bit = c * COL_BITS + h;
      const bLo = bit < 32 ? 1 << bit : 0;
      const bHi = bit < 32 ? 0 : 1 << (bit - 32);
      const nLo = lo | bLo;
      const nHi = hi | bHi;
      const TLo = threatHalf(nLo, nHi, occLo | bLo, BOARD_LO, false);
      const THi = threatHalf(nLo, nHi, occHi | bHi, BOARD_HI, true);
      const cell = at + (ROWS - 1 - h) * COLS + c;
      if (((TLo & ~tLo) | (THi & ~tHi)) !== 0) out[cell] = 1;
      // the playable cells after the move: the column's next cell (the sentinel bit when it is full, never a threat)
      const qLo = (pLo & ~bLo) | shLo(bLo, bHi, 1);
      const qHi = (pHi & ~bHi) | shHi(bLo, bHi, 1);
      const wLo = TLo & qLo;
      const wHi = THi & qHi;
      const stacked = (shLo(wLo, wHi, 1) & TLo) | (shHi(wLo, wHi, 1) & THi);
      if (popcount(wLo) + popcount(wHi) >= 2 || stacked !== 0) out[cell + CELLS] = 1;
    }
  }

  globalState(out: Float32Array, offset = 0): void {
    const cells = this.cells;
    for (let i = 0; i < CELLS; i++) {
      const v = cells[i]!;
      out[offset + i] = v === 1 ? 1 : 0;
      out[offset + CELLS + i] = v === 2 ? 1 : 0;
    }
    out[offset + 2 * CELLS] = this.nMoves & 1;
  }

  informationState(_seat: Seat): string {
    let s = '';
    for (let i = 0; i < CELLS; i++) {
      const v = this.cells[i]!;
      s += v === 0 ? '.' : MARKS[v - 1];
    }
    return `${s}|${this.nMoves & 1}`;
  }

  actionName(action: number): string {
    if (!Number.isInteger(action) || action < 0 || action >= COLS) return `invalid(${action})`;
    return `c${action + 1}`;
  }

  /** Cells (row-major from the top-left) of every four-in-a-row of the winner; empty without one. */
  private winningCells(): number[] {
    if (this.winner < 0) return [];
    const own = this.winner + 1;
    const hit = new Uint8Array(CELLS);
    const dirs = [[0, 1], [1, 0], [1, 1], [1, -1]] as const;
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        for (const [dr, dc] of dirs) {
          const r3 = r + 3 * dr;
          const c3 = c + 3 * dc;
          if (r3 >= ROWS || c3 < 0 || c3 >= COLS) continue;
          let k = 0;
          while (k < 4 && this.cells[(r + k * dr) * COLS + c + k * dc] === own) k++;
          if (k === 4) for (k = 0; k < 4; k++) hit[(r + k * dr) * COLS + c + k * dc] = 1;
        }
      }
    }
    const out: number[] = [];
    for (let i = 0; i < CELLS; i++) if (hit[i]) out.push(i);
    return out;
  }

  view(_seat: Seat | null): Record<string, unknown> {
    const finished = this.isTerminal();
    const mover = this.nMoves & 1;
    const ret = new Float64Array(2);
    this.returns(ret);
    return {
      board: Array.from(this.cells, (v) => v - 1),
      toMove: finished ? null : mover,
      legal: finished ? [] : this.legalActions(mover),
      finished,
      winner: this.winner >= 0 ? this.winner : null,
      winningCells: this.winningCells(),
      returns: [ret[0]!, ret[1]!],
    };
  }

  render(): string {
    const lines: string[] = [];
    for (let r = 0; r < ROWS; r++) {
      let line = '';
      for (let c = 0; c < COLS; c++) {
        const v = this.cells[r * COLS + c]!;
        line += (c ? ' ' : '') + (v === 0 ? '.' : MARKS[v - 1]);
      }
      lines.push(line);
    }
    lines.push('1 2 3 4 5 6 7');
    if (this.winner >= 0) lines.push(`${MARKS[this.winner]} wins`);
    else if (this.nMoves === CELLS) lines.push('draw');
    else lines.push(`${MARKS[this.nMoves & 1]} to move`);
    return lines.join('\n');
  }

  clone(): ConnectFourState {
    const s = new ConnectFourState(0, this.info);
    s.copyBase(this);
    s.lo0 = this.lo0;
    s.hi0 = this.hi0;
    s.lo1 = this.lo1;
    s.hi1 = this.hi1;
    s.height.set(this.height);
    s.cells.set(this.cells);
    s.moves.set(this.moves);
    s.nMoves = this.nMoves;
    s.winner = this.winner;
    return s;
  }

  protected serializeFields(): Record<string, unknown> {
    return { moves: Array.from(this.moves.subarray(0, this.nMoves)) };
  }

  /** Rebuilds a state by replaying the snapshot's column list (validating each move). */
  static restore(data: unknown, info: GameInfo = CONNECT_FOUR_INFO): ConnectFourState {
    const id = info.id;
    const d = checkSnapshot(id, data);
    const moves = d['moves'];
    if (!Array.isArray(moves) || moves.length > CELLS) throw new BadStateError(id, `field 'moves' must be an array of at most ${CELLS} columns`);
    const s = new ConnectFourState(0, info);
    for (let i = 0; i < moves.length; i++) {
      const col = checkInt(id, `moves[${i}]`, moves[i], 0, COLS - 1);
      if (s.isTerminal()) throw new BadStateError(id, `move ${i} is played after the game ended`);
      if (!s.canPlay(col)) throw new BadStateError(id, `move ${i} drops into full column ${col + 1}`);
      s.play0(col);
    }
    s.restoreBase(d);
    if (s.steps !== moves.length) throw new BadStateError(id, `'steps' (${s.steps}) does not match the ${moves.length} moves`);
    return s;
  }
}

/** Connect Four observed as `info` says (one of the versions above): the same rules, state and snapshots. */
function connectFourVersion(info: GameInfo): Game {
  return {
    info,
    ui: CONNECT_FOUR_UI,
    newState(seed = 0): GameState {
      return new ConnectFourState(seed, info);
    },
    restore(data: unknown): GameState {
      return ConnectFourState.restore(data, info);
    },
  };
}

/** connect-four-v1: the two piece planes (`CONNECT_FOUR_INFO`). */
export const connectFour: Game = connectFourVersion(CONNECT_FOUR_INFO);

/** connect-four-v2: Connect Four observed with each side's threats and the playable cells (`CONNECT_FOUR_V2_INFO`). */
export const connectFourV2: Game = connectFourVersion(CONNECT_FOUR_V2_INFO);

/** connect-four-v3: connect-four-v2's planes and each side's threat-making and forcing moves (`CONNECT_FOUR_V3_INFO`). */
export const connectFourV3: Game = connectFourVersion(CONNECT_FOUR_V3_INFO);
