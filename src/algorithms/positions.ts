/**
 * Searched positions as columns: the row layout the expert-iteration actors record
 * (src/selfplay/search-selfplay.ts) and the learner's replay window keeps (src/train/expert-iteration.ts).
 * One row per position: its observation, legal moves, the search's move distribution π, the final
 * outcome z for the seat to move, the search's own value q of the position, and the move played with
 * the network's log-probability of it and value there (diagnostics). The names are the trajectory's
 * (π is `searchPolicy`, z `rewards`, q `searchValue`), so a search trajectory is itself a source of rows.
 *
 * No tfjs here: the actors' threads use it.
 */

/** Preallocated columns of `capacity` positions. */
export class PositionColumns {
  readonly capacity: number;
  readonly obsSize: number;
  readonly moves: number;
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly searchPolicy: Float32Array;
  readonly rewards: Float32Array;
  readonly searchValue: Float32Array;
  readonly actions: Int32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;

  constructor(capacity: number, obsSize: number, moves: number) {
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.moves = moves;
    this.obs = new Float32Array(capacity * obsSize);
    this.masks = new Uint8Array(capacity * moves);
    this.searchPolicy = new Float32Array(capacity * moves);
    this.rewards = new Float32Array(capacity);
    this.searchValue = new Float32Array(capacity);
    this.actions = new Int32Array(capacity);
    this.logProbs = new Float32Array(capacity);
    this.values = new Float32Array(capacity);
  }

  /** Copies rows `[from, from + count)` of `src` (of this layout's sizes) to rows `[to, to + count)` here. */
  copyRows(src: PositionSource, from: number, to: number, count: number): void {
    const O = this.obsSize;
    const A = this.moves;
    const end = from + count;
    this.obs.set(src.obs.subarray(from * O, end * O), to * O);
    this.masks.set(src.masks.subarray(from * A, end * A), to * A);
    this.searchPolicy.set(src.searchPolicy.subarray(from * A, end * A), to * A);
    this.rewards.set(src.rewards.subarray(from, end), to);
    this.searchValue.set(src.searchValue.subarray(from, end), to);
    this.actions.set(src.actions.subarray(from, end), to);
    this.logProbs.set(src.logProbs.subarray(from, end), to);
    this.values.set(src.values.subarray(from, end), to);
  }
}

/** Rows of searched positions: a `PositionColumns`, or a search trajectory's columns (the same names). */
export type PositionSource = Pick<PositionColumns, 'obs' | 'masks' | 'searchPolicy' | 'rewards' | 'searchValue' | 'actions' | 'logProbs' | 'values'>;
