/**
 * Exact tabular magnet-regularised self-play on a small game's whole tree (Kuhn, Leduc): the learner's
 * regularised update replaced by closed-form mirror descent, with exact action values and exact
 * exploitability. Shared by `npm run bench:magnet` (bench/magnet-fixed-point.ts, where the settings
 * themselves would end) and `npm run bench:magnet-diagnose` (bench/magnet-diagnose.ts, a trained
 * run's policies against it).
 */
import { getGame } from '../games/index.ts';
import { bestResponse, buildGameTree, policyValues, uniformPolicy, type GameTree } from '../src/eval/exploitability.ts';

/** Exact tabular magnet-regularised self-play on one game's tree (both seats share the table, as the learner does). */
export class TabularMagnet {
  readonly tree: GameTree;
  private readonly A: number;
  private readonly sets: number;
  /** Legal-action mask per information set (`A` per set). */
  readonly legal: Uint8Array;
  private readonly uniform: Float64Array;
  /** Per node and seat: expected return under the table, and reach by chance and the other seat. */
  private readonly value: Float64Array;
  private readonly reach: Float64Array;
  readonly q: Float64Array;
  private readonly logits: Float64Array;

  constructor(gameId: string) {
    this.tree = buildGameTree(getGame(gameId), uniformPolicy);
    const t = this.tree;
    this.A = t.actions;
    this.sets = t.infoSetKey.length;
    this.legal = new Uint8Array(this.sets * this.A);
    for (let id = 0; id < this.sets; id++) {
      const h = t.infoSetNodes[id]![0]!;
      for (let e = t.firstEdge[h]!; e < t.firstEdge[h]! + t.edgeCount[h]!; e++) this.legal[id * this.A + t.edgeAction[e]!] = 1;
    }
    this.uniform = t.infoSetPolicy.slice();
    this.value = new Float64Array(t.nodes * t.seats);
    this.reach = new Float64Array(t.nodes * t.seats);
    this.q = new Float64Array(this.sets * this.A);
    this.logits = new Float64Array(this.sets * this.A);
  }

  uniformTable(): Float64Array {
    return this.uniform.slice();
  }

  /** Writes the table into the tree's decision edges. */
  private load(pi: Float64Array): void {
    const t = this.tree;
    for (let id = 0; id < this.sets; id++) {
      for (const h of t.infoSetNodes[id]!) for (let e = t.firstEdge[h]!; e < t.firstEdge[h]! + t.edgeCount[h]!; e++) t.edgeProb[e] = pi[id * this.A + t.edgeAction[e]!]!;
    }
  }

  exploitability(pi: Float64Array): number {
    this.load(pi);
    const on = policyValues(this.tree);
    let conv = 0;
    for (let s = 0; s < this.tree.seats; s++) conv += bestResponse(this.tree, s).value - on[s]!;
    return conv / this.tree.seats;
  }

  /**
   * Loads the table into the tree's decision edges and returns every history's expected return per
   * seat under it (`seats` per node; a view of this object's buffer, overwritten by the next call).
   */
  historyValues(pi: Float64Array): Float64Array {
    const t = this.tree;
    const S = t.seats;
    this.load(pi);
    const value = this.value;
    // values bottom-up (preorder numbering: children after parents)
    for (let n = t.nodes - 1; n >= 0; n--) {
      for (let s = 0; s < S; s++) value[n * S + s] = t.kind[n] === 0 ? t.returns[n * S + s]! : 0;
      for (let e = t.firstEdge[n]!; e < t.firstEdge[n]! + t.edgeCount[n]!; e++) {
        for (let s = 0; s < S; s++) value[n * S + s]! += t.edgeProb[e]! * value[t.edgeChild[e]! * S + s]!;
      }
    }
    return value;
  }

  /**
   * Every node's reach per seat under the table loaded in the tree's edges (`seats` per node; a view of
   * this object's buffer, overwritten by the next call): `own` true, by that seat's own actions alone
   * (what XFP weighs a seat's strategy by); false, by chance and the other seat (what its action values
   * are weighed by).
   */
  reachOf(own: boolean): Float64Array {
    const t = this.tree;
    const S = t.seats;
    const reach = this.reach;
    for (let s = 0; s < S; s++) reach[s] = 1;
    for (let n = 0; n < t.nodes; n++) {
      for (let e = t.firstEdge[n]!; e < t.firstEdge[n]! + t.edgeCount[n]!; e++) {
        const c = t.edgeChild[e]!;
        for (let s = 0; s < S; s++) reach[c * S + s] = reach[n * S + s]! * ((t.kind[n] === 2 && t.seat[n] === s) === own ? t.edgeProb[e]! : 1);
      }
    }
    return reach;
  }

  /** π = the softmax of `logits` over each information set's legal actions (`A` per set), into `out`; illegal actions 0. */
  softmax(logits: Float64Array, out: Float64Array): void {
    const A = this.A;
    for (let id = 0; id < this.sets; id++) {
      let max = -Infinity;
      for (let a = 0; a < A; a++) if (this.legal[id * A + a]) max = Math.max(max, logits[id * A + a]!);
      let z = 0;
      for (let a = 0; a < A; a++) if (this.legal[id * A + a]) z += Math.exp(logits[id * A + a]! - max);
      for (let a = 0; a < A; a++) out[id * A + a] = this.legal[id * A + a] ? Math.exp(logits[id * A + a]! - max) / z : 0;
    }
  }

  /** Q(s, a) of every information set under the table, into `this.q`. */
  private actionValues(pi: Float64Array): void {
    const t = this.tree;
    const S = t.seats;
    const value = this.historyValues(pi);
    const reach = this.reachOf(false);
    this.q.fill(0);
    for (let id = 0; id < this.sets; id++) {
      const s = t.infoSetSeat[id]!;
      let w = 0;
      for (const h of t.infoSetNodes[id]!) {
        const r = reach[h * S + s]!;
        w += r;
        for (let e = t.firstEdge[h]!; e < t.firstEdge[h]! + t.edgeCount[h]!; e++) this.q[id * this.A + t.edgeAction[e]!]! += r * value[t.edgeChild[e]! * S + s]!;
      }
      for (let a = 0; a < this.A; a++) this.q[id * this.A + a]! /= w > 0 ? w : 1;
    }
  }

  /** One mirror-descent step of size `alpha` toward π ∝ ρ·exp(Q/η), in place. */
  step(pi: Float64Array, rho: Float64Array, eta: number, alpha: number): void {
    this.actionValues(pi);
    const logits = this.logits;
    for (let k = 0; k < pi.length; k++) if (this.legal[k]) logits[k] = (Math.log(pi[k]!) + alpha * eta * Math.log(rho[k]!) + alpha * this.q[k]!) / (1 + alpha * eta);
    this.softmax(logits, pi);
  }

  /** The magnet after a refresh: (1 − m)·π + m·uniform. */
  refresh(pi: Float64Array, rho: Float64Array, m: number): void {
    for (let k = 0; k < pi.length; k++) rho[k] = (1 - m) * pi[k]! + m * this.uniform[k]!;
  }
}

/**
 * Runs `outer` magnet refreshes of `inner` mirror-descent steps (size `alpha`, temperature `eta`)
 * from `pi` and `rho`, in place; the magnet refresh blends `mix` of uniform. `inner` = 0 refreshes only.
 */
export function magnetDynamics(g: TabularMagnet, pi: Float64Array, rho: Float64Array, opts: { eta: number; alpha: number; inner: number; outer: number; mix: number }): void {
  for (let o = 0; o < opts.outer; o++) {
    for (let i = 0; i < opts.inner; i++) g.step(pi, rho, opts.eta, opts.alpha);
    g.refresh(pi, rho, opts.mix);
  }
}
