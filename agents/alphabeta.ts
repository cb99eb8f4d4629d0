/**
 * Depth-limited negamax with alpha-beta pruning for Connect Four (`alphabeta:<depth>`, depth
 * 1..12 plies, default 4).
 *
 * - Search: negamax (Knuth & Moore 1975) on one cloned `ConnectFourState` with `play`/`undo`,
 *   so a search allocates nothing per node. Columns are tried centre-first (3, 2, 4, 1, 5, 0, 6):
 *   central moves are usually best, so cut-offs come early.
 * - Wins: at every node the side to move first checks for an immediate win (a bitboard test per
 *   column). A win found with `d` plies of depth left scores `WIN + d`, so wins and losses
 *   dominate every heuristic value and faster wins (slower losses) are preferred. Checking
 *   before the depth cut-off means even depth 1 sees and blocks the opponent's immediate threats.
 * - Leaves: the usual window heuristic (as in Allis 1988 and many Connect Four tutorials): for
 *   each of the 69 windows of four cells, +5 for three own pieces and an empty cell, +2 for two
 *   own and two empty, the same negated for the opponent, plus +3 per own piece (−3 per opponent
 *   piece) in the centre column. It is antisymmetric, as negamax needs.
 * - Ties: every root move whose exact value equals the best is collected (each later root move is
 *   searched with the window (best − 1, ∞), which is exact for ties and cheap for worse moves),
 *   and one is drawn with the agent's own seeded `Rng`, so games vary.
 */
import { AgentMismatchError, ConfigError, isContinuous, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { COLS, ConnectFourState, ROWS } from '../games/connect-four.ts';

export const DEFAULT_DEPTH = 4;
export const MAX_DEPTH = 12;

/** Larger than any heuristic value (|heuristic| ≤ 69·5 + 6·3 < 400). */
const WIN = 1_000_000;
const INF = 1_000_000_000;
/** Centre-first move ordering. */
const ORDER: readonly number[] = [3, 2, 4, 1, 5, 0, 6];
const CENTRE = 3;

/** The 69 windows of four cells (indices `row*7+col`, row 0 = top), flattened four per window. */
const WINDOWS: Int8Array = (() => {
  const w: number[] = [];
  const dirs = [[0, 1], [1, 0], [1, 1], [1, -1]] as const;
  for (const [dr, dc] of dirs) {
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        const r3 = r + 3 * dr;
        const c3 = c + 3 * dc;
        if (r3 < 0 || r3 >= ROWS || c3 < 0 || c3 >= COLS) continue;
        for (let k = 0; k < 4; k++) w.push((r + k * dr) * COLS + c + k * dc);
      }
    }
  }
  return Int8Array.from(w);
})();

/** Heuristic value of a position for `seat` (1 + seat is its cell code). */
export function evaluate(s: ConnectFourState, seat: Seat): number {
  const own = seat + 1;
  let score = 0;
  for (let i = 0; i < WINDOWS.length; i += 4) {
    let mine = 0;
    let theirs = 0;
    for (let k = 0; k < 4; k++) {
      const v = s.cellAt(WINDOWS[i + k]!);
      if (v === own) mine++;
      else if (v !== 0) theirs++;
    }
    if (theirs === 0) {
      if (mine === 3) score += 5;
      else if (mine === 2) score += 2;
    } else if (mine === 0) {
      if (theirs === 3) score -= 5;
      else if (theirs === 2) score -= 2;
    }
  }
  for (let r = 0; r < ROWS; r++) {
    const v = s.cellAt(r * COLS + CENTRE);
    if (v === own) score += 3;
    else if (v !== 0) score -= 3;
  }
  return score;
}

/** Parses the depth argument of `alphabeta:<depth>`. */
export function parseDepth(arg: string | undefined): number {
  if (arg === undefined) return DEFAULT_DEPTH;
  const n = /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEPTH) {
    throw new ConfigError(`agent 'alphabeta:${arg}': depth must be an integer in [1, ${MAX_DEPTH}]`);
  }
  return n;
}

export class AlphaBetaAgent implements Agent {
  readonly name: string;
  readonly depth: number;
  private readonly rng: Rng;
  private readonly best: number[] = [];
  /** Nodes visited by the last `act` (for benchmarks). */
  nodes = 0;
  private s: ConnectFourState | null = null;

  constructor(depth: number, seed = 0, name = `alphabeta:${depth}`) {
    this.depth = depth;
    this.name = name;
    this.rng = new Rng(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    if (!(state instanceof ConnectFourState)) throw new AgentMismatchError(`alphabeta needs a Connect Four state (got ${state.info.id})`);
    if (state.currentSeat() !== seat) throw new AgentMismatchError(`alphabeta asked to act for seat ${seat}, but seat ${state.currentSeat()} is to move`);
    const s = state.clone();
    this.s = s;
    this.nodes = 0;
    const best = this.best;
    best.length = 0;
    // Immediate wins first: all of them are equally good (WIN + depth).
    for (let c = 0; c < COLS; c++) if (s.canPlay(c) && s.isWinningMove(c)) best.push(c);
    if (best.length === 0) {
      let bestValue = -INF;
      for (const c of ORDER) {
        if (!s.canPlay(c)) continue;
        s.play(c);
        const v = -this.negamax(this.depth - 1, -INF, bestValue === -INF ? INF : -(bestValue - 1));
        s.undo();
        if (v > bestValue) {
          bestValue = v;
          best.length = 0;
        }
        if (v === bestValue) best.push(c);
      }
    }
    this.s = null;
    return best[this.rng.int(best.length)]!;
  }

  /** Value of the current position for its side to move, searched `depth` more plies (fail-soft). */
  private negamax(depth: number, alpha: number, beta: number): number {
    const s = this.s!;
    this.nodes++;
    for (let c = 0; c < COLS; c++) if (s.canPlay(c) && s.isWinningMove(c)) return WIN + depth;
    if (s.moveCount() === ROWS * COLS) return 0;
    if (depth <= 0) return evaluate(s, s.moveCount() & 1);
    let best = -INF;
    for (let i = 0; i < ORDER.length; i++) {
      const c = ORDER[i]!;
      if (!s.canPlay(c)) continue;
      s.play(c);
      const v = -this.negamax(depth - 1, -beta, -alpha);
      s.undo();
      if (v > best) {
        best = v;
        if (v > alpha) {
          alpha = v;
          if (alpha >= beta) break;
        }
      }
    }
    return best;
  }
}

export const alphabetaKind: AgentKind = {
  kind: 'alphabeta',
  summary: `negamax alpha-beta with a window heuristic (Connect Four); arg = depth 1..${MAX_DEPTH}, default ${DEFAULT_DEPTH}`,
  fits(game: GameInfo) {
    if (isContinuous(game)) return `alphabeta searches discrete moves; ${game.id} has continuous actions`;
    if (!game.id.startsWith('connect-four')) return `alphabeta's heuristic is for Connect Four only (got '${game.id}')`;
    return null;
  },
  create(info, arg, seed) {
    const depth = parseDepth(arg);
    const reason = alphabetaKind.fits(info);
    if (reason !== null) throw new AgentMismatchError(`agent 'alphabeta' cannot play ${info.id}: ${reason}`);
    return new AlphaBetaAgent(depth, seed, arg === undefined ? 'alphabeta' : `alphabeta:${arg}`);
  },
};
