/**
 * Search's evaluation averaged over the game's symmetries (`GameInfo.symmetries`: Connect Four's
 * mirror, tic-tac-toe's eight rotations and reflections). A symmetric game gives a position and its
 * mirror image the same value and mirrored best moves, but a trained network only approximately
 * does: averaging its priors and values over the transformed positions (AlphaGo evaluated positions
 * over the eight symmetries of the board the same way; AlphaGo Zero over one drawn at random) cancels
 * part of its error at the cost of one more row per symmetry in the same forward pass.
 *
 *   P(a | x) = mean over g of π_θ(g·a | g·x)      V(x) = mean over g of V_θ(g·x)
 *
 * with g running over the identity and every declared symmetry; π_θ(· | g·x) is the masked softmax
 * over the transformed position's legal moves, so each term is a distribution over legal moves and so
 * is their mean.
 */
import type { GameInfo, GameState, GameSymmetry, Seat } from '../core/index.ts';
import { maskedSoftmax } from './sampling.ts';

/** A network's forward passes as search reads them (MlpForward's: `rows` observations at once). */
export interface ForwardPasses {
  actorForward(obs: Float32Array, rows: number, out: Float32Array): void;
  criticForward(obs: Float32Array, rows: number, out: Float32Array): void;
}

/** An agent's observation statistics, applied to `count` rows in place (RunningMeanStd). */
export interface RowNormalizer {
  normalize(rows: Float32Array, count: number): void;
}

/** Preallocated buffers for averaging one network over one game's symmetries. */
export class SymmetricEvaluation {
  private readonly symmetries: readonly GameSymmetry[];
  private readonly rows: number;
  private readonly size: number;
  private readonly actions: number;
  private readonly batch: Float32Array;
  private readonly logits: Float32Array;
  private readonly values: Float32Array;
  private readonly maskT: Uint8Array;
  private readonly probs: Float64Array;
  private readonly raw: Float32Array;
  private readonly mask: Uint8Array;

  constructor(info: GameInfo) {
    this.symmetries = info.symmetries ?? [];
    this.rows = 1 + this.symmetries.length;
    this.size = info.observationSize;
    this.actions = info.actions;
    this.batch = new Float32Array(this.rows * this.size);
    this.logits = new Float32Array(this.rows * this.actions);
    this.values = new Float32Array(this.rows);
    this.maskT = new Uint8Array(this.actions);
    this.probs = new Float64Array(this.actions);
    this.raw = new Float32Array(this.size);
    this.mask = new Uint8Array(this.actions);
  }

  /** `evaluate` at `seat`'s view of `state` (its raw observation and legal moves). */
  evaluateState(state: GameState, seat: Seat, net: ForwardPasses, stats: RowNormalizer | null, priors: Float64Array): number {
    state.observe(seat, this.raw);
    state.legalMask(seat, this.mask);
    return this.evaluate(this.raw, this.mask, seat, net, stats, priors);
  }

  /** Transformed positions per evaluation, the identity included. */
  get count(): number {
    return this.rows;
  }

  /**
   * Writes the averaged priors over `mask`'s legal moves into `priors` and returns the averaged value.
   * `raw`: the seat's observation before normalisation; `stats` (the agent's observation statistics, or null)
   * is applied to every transformed row, as the network saw observations in training.
   */
  evaluate(raw: Float32Array, mask: Uint8Array, seat: Seat, net: ForwardPasses, stats: RowNormalizer | null, priors: Float64Array): number {
    const { size, actions, batch, logits, values, maskT, probs } = this;
    batch.set(raw.subarray(0, size), 0);
    this.symmetries.forEach((sym, k) => {
      const base = (k + 1) * size;
      for (let i = 0; i < size; i++) batch[base + i] = raw[sym.observation[i]!]!;
    });
    stats?.normalize(batch, this.rows);
    net.actorForward(batch, this.rows, logits);
    net.criticForward(batch, this.rows, values);
    maskedSoftmax(logits.subarray(0, actions), mask, priors, seat);
    let value = values[0]!;
    this.symmetries.forEach((sym, k) => {
      const map = sym.actions;
      for (let a = 0; a < actions; a++) maskT[map[a]!] = mask[a]!;
      maskedSoftmax(logits.subarray((k + 1) * actions, (k + 2) * actions), maskT, probs, seat);
      for (let a = 0; a < actions; a++) priors[a]! += probs[map[a]!]!;
      value += values[k + 1]!;
    });
    for (let a = 0; a < actions; a++) priors[a] = priors[a]! / this.rows;
    return value / this.rows;
  }
}
