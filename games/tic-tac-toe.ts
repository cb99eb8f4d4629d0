/**
 * Tic-tac-toe (noughts and crosses): two players alternately mark empty cells of a 3×3 grid; the
 * first to complete a row, column or diagonal of three wins, and a full grid without a line is a
 * draw. X (seat 0) moves first. Rules as in OpenSpiel's `tic_tac_toe` and the standard references
 * (e.g. Wikipedia, "Tic-tac-toe").
 *
 * - Actions: cell index `row * 3 + col` (0 = top-left, 8 = bottom-right); names `r1c1`..`r3c3`.
 * - Observation (18 floats, from `seat`'s point of view): plane 0 = cells of `seat`, plane 1 =
 *   cells of the opponent, each 9 floats in row-major order. Seat-relative planes let one network
 *   play both sides.
 * - Global state (19 floats): plane X, plane O (9 floats each), then the seat to move (0 or 1).
 * - Rewards: +1 / -1 / 0 on the final transition only; all earlier transitions reward 0.
 *
 * The board is two 9-bit masks (one per seat), so win checks are eight mask tests and a state is
 * cheap to copy. `informationState` is the board plus the side to move: the game has perfect
 * information and the position determines everything about the future.
 */
import { BadStateError, BaseState, boardSymmetries, checkInt, checkSnapshot, TERMINAL, type BoardUi, type Game, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export const TIC_TAC_TOE_INFO: GameInfo = Object.freeze({
  id: 'tic-tac-toe-v1',
  name: 'Tic-tac-toe',
  description: '3×3 noughts and crosses: three in a row wins; X (seat 0) moves first',
  seats: 2,
  teams: [[0], [1]],
  actions: 9,
  observationSize: 18,
  // plane 0: the observer's marks, plane 1: the opponent's; cell i = row ⌊i/3⌋, column i mod 3
  observationShape: [2, 3, 3] as const,
  // the square's seven non-trivial rotations and reflections; an action is the cell it marks
  symmetries: boardSymmetries(
    [2, 3, 3],
    (
      [
        ['rotate 90°', (r, c) => [c, 2 - r]],
        ['rotate 180°', (r, c) => [2 - r, 2 - c]],
        ['rotate 270°', (r, c) => [2 - c, r]],
        ['mirror', (r, c) => [r, 2 - c]],
        ['flip', (r, c) => [2 - r, c]],
        ['transpose', (r, c) => [c, r]],
        ['anti-transpose', (r, c) => [2 - c, 2 - r]],
      ] as const satisfies readonly (readonly [string, (r: number, c: number) => readonly [number, number]])[]
    ).map(([name, cell]) => ({ name, cell, action: (a: number) => { const [r, c] = cell(Math.floor(a / 3), a % 3); return r * 3 + c; } })),
    9,
  ),
  stateSize: 19,
  chanceOutcomes: 0,
  maxSteps: 9,
  dynamics: 'sequential',
  information: 'perfect',
  utility: 'zero-sum',
  minReturn: -1,
  maxReturn: 1,
});

/** The eight winning lines as 9-bit masks (bit i = cell i). */
const LINES: readonly number[] = [
  0b000000111, 0b000111000, 0b111000000, // rows
  0b001001001, 0b010010010, 0b100100100, // columns
  0b100010001, 0b001010100, // diagonals
];

const MARKS = ['X', 'O'] as const;

export const TIC_TAC_TOE_UI: BoardUi = Object.freeze({
  kind: 'board',
  rows: 3,
  cols: 3,
  move: 'cell',
  pieces: 'marks',
  seats: [
    { label: MARKS[0], colour: '#2f6fdf' },
    { label: MARKS[1], colour: '#d9433b' },
  ],
  actionLabels: Array.from({ length: 9 }, (_, a) => `row ${Math.floor(a / 3) + 1}, column ${(a % 3) + 1}`),
});

function hasLine(bits: number): boolean {
  for (let i = 0; i < LINES.length; i++) {
    const l = LINES[i]!;
    if ((bits & l) === l) return true;
  }
  return false;
}

export class TicTacToeState extends BaseState {
  /** Cells of each seat as 9-bit masks (bit `row*3+col`). */
  private bits0 = 0;
  private bits1 = 0;
  /** Move history (cell per ply), for serialization and `undo`. */
  private readonly moves = new Int8Array(9);
  private nMoves = 0;
  /** Winning seat, or -1 (no winner yet, or draw). */
  private winner = -1;

  constructor(seed = 0) {
    super(TIC_TAC_TOE_INFO, seed);
  }

  protected doReset(): void {
    this.bits0 = 0;
    this.bits1 = 0;
    this.nMoves = 0;
    this.winner = -1;
  }

  /** Seat to move by parity (also defined once the game is over). */
  private mover(): Seat {
    return this.nMoves & 1;
  }

  currentSeat(): number {
    if (this.winner >= 0 || this.nMoves === 9) return TERMINAL;
    return this.nMoves & 1;
  }

  override isTerminal(): boolean {
    return this.winner >= 0 || this.nMoves === 9;
  }

  isTruncated(): boolean {
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    if (seat !== this.currentSeat()) {
      out.fill(0, 0, 9);
      return 0;
    }
    const occ = this.bits0 | this.bits1;
    for (let i = 0; i < 9; i++) out[i] = ((occ >> i) & 1) ^ 1;
    return 9 - this.nMoves;
  }

  protected doApply(action: number): void {
    const bit = 1 << action;
    this.moves[this.nMoves] = action;
    if ((this.nMoves & 1) === 0) {
      this.bits0 |= bit;
      if (hasLine(this.bits0)) this.winner = 0;
    } else {
      this.bits1 |= bit;
      if (hasLine(this.bits1)) this.winner = 1;
    }
    this.nMoves++;
  }

  /** Takes back the last move (for search); no-op at the initial position. */
  undo(): void {
    if (this.nMoves === 0) return;
    this.nMoves--;
    const clear = ~(1 << this.moves[this.nMoves]!);
    if ((this.nMoves & 1) === 0) this.bits0 &= clear;
    else this.bits1 &= clear;
    this.winner = -1;
    this.steps--;
  }

  /** Number of marks on the board. */
  moveCount(): number {
    return this.nMoves;
  }

  /** Winning seat, or -1 while undecided or after a draw. */
  winnerSeat(): number {
    return this.winner;
  }

  /** Cell owner: 0 or 1 for a seat's mark, -1 for empty. */
  cell(index: number): number {
    if ((this.bits0 >> index) & 1) return 0;
    if ((this.bits1 >> index) & 1) return 1;
    return -1;
  }

  /** Compact position key: seat-0 bits | seat-1 bits << 9 (unique per board). */
  boardKey(): number {
    return this.bits0 | (this.bits1 << 9);
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
    const own = seat === 0 ? this.bits0 : this.bits1;
    const opp = seat === 0 ? this.bits1 : this.bits0;
    for (let i = 0; i < 9; i++) {
      out[offset + i] = (own >> i) & 1;
      out[offset + 9 + i] = (opp >> i) & 1;
    }
  }

  globalState(out: Float32Array, offset = 0): void {
    for (let i = 0; i < 9; i++) {
      out[offset + i] = (this.bits0 >> i) & 1;
      out[offset + 9 + i] = (this.bits1 >> i) & 1;
    }
    out[offset + 18] = this.mover();
  }

  informationState(_seat: Seat): string {
    let s = '';
    for (let i = 0; i < 9; i++) {
      const c = this.cell(i);
      s += c < 0 ? '.' : MARKS[c];
    }
    return `${s}|${this.mover()}`;
  }

  actionName(action: number): string {
    if (!Number.isInteger(action) || action < 0 || action >= 9) return `invalid(${action})`;
    return `r${Math.floor(action / 3) + 1}c${(action % 3) + 1}`;
  }

  /** Cells of the winning line(s), empty when there is no winner. */
  private winningCells(): number[] {
    if (this.winner < 0) return [];
    const bits = this.winner === 0 ? this.bits0 : this.bits1;
    let m = 0;
    for (const l of LINES) if ((bits & l) === l) m |= l;
    const cells: number[] = [];
    for (let i = 0; i < 9; i++) if ((m >> i) & 1) cells.push(i);
    return cells;
  }

  view(_seat: Seat | null): Record<string, unknown> {
    const board: number[] = [];
    for (let i = 0; i < 9; i++) board.push(this.cell(i));
    const finished = this.isTerminal();
    const ret = new Float64Array(2);
    this.returns(ret);
    return {
      board,
      toMove: finished ? null : this.mover(),
      legal: finished ? [] : this.legalActions(this.mover()),
      finished,
      winner: this.winner >= 0 ? this.winner : null,
      winningCells: this.winningCells(),
      returns: [ret[0]!, ret[1]!],
    };
  }

  render(): string {
    const lines: string[] = [];
    for (let r = 0; r < 3; r++) {
      const row: string[] = [];
      for (let c = 0; c < 3; c++) {
        const v = this.cell(r * 3 + c);
        row.push(v < 0 ? '.' : MARKS[v]!);
      }
      lines.push(row.join(' '));
    }
    if (this.winner >= 0) lines.push(`${MARKS[this.winner]} wins`);
    else if (this.nMoves === 9) lines.push('draw');
    else lines.push(`${MARKS[this.mover()]} to move`);
    return lines.join('\n');
  }

  clone(): TicTacToeState {
    const s = new TicTacToeState(0);
    s.copyBase(this);
    s.bits0 = this.bits0;
    s.bits1 = this.bits1;
    s.moves.set(this.moves);
    s.nMoves = this.nMoves;
    s.winner = this.winner;
    return s;
  }

  protected serializeFields(): Record<string, unknown> {
    return { moves: Array.from(this.moves.subarray(0, this.nMoves)) };
  }

  /** Rebuilds a state by replaying the snapshot's move list (validating each move). */
  static restore(data: unknown): TicTacToeState {
    const id = TIC_TAC_TOE_INFO.id;
    const d = checkSnapshot(id, data);
    const moves = d['moves'];
    if (!Array.isArray(moves) || moves.length > 9) throw new BadStateError(id, `field 'moves' must be an array of at most 9 cells`);
    const s = new TicTacToeState(0);
    for (let i = 0; i < moves.length; i++) {
      const a = checkInt(id, `moves[${i}]`, moves[i], 0, 8);
      if (s.isTerminal()) throw new BadStateError(id, `move ${i} is played after the game ended`);
      if (((s.bits0 | s.bits1) >> a) & 1) throw new BadStateError(id, `move ${i} plays occupied cell ${a}`);
      s.doApply(a);
    }
    s.restoreBase(d);
    if (s.steps !== moves.length) throw new BadStateError(id, `'steps' (${s.steps}) does not match the ${moves.length} moves`);
    return s;
  }
}

export const ticTacToe: Game = {
  info: TIC_TAC_TOE_INFO,
  ui: TIC_TAC_TOE_UI,
  newState(seed = 0): GameState {
    return new TicTacToeState(seed);
  },
  restore(data: unknown): GameState {
    return TicTacToeState.restore(data);
  },
};
