/**
 * `npm run bench:magnet`: where magnet-regularised self-play (`magnetEvery`, `magnetMix`, `entCoef`)
 * would end with exact gradients, on Kuhn and Leduc. The learner is replaced by exact tabular mirror
 * descent over the whole game tree, so what is left is the bias of the settings themselves, not
 * sampling noise or the network.
 *
 * The learner's regularised objective at an information state s, weighted like its policy term by
 * the probability of visiting s, is Σ_a π(a|s)·Q(s,a) − η·KL(π(·|s) ‖ ρ(·|s)), with Q the expected
 * return of a at s (conditioned on s: chance and the opponent weight its histories) and η = `entCoef`.
 * Its stationary point is π ∝ ρ·exp(Q/η). Each inner step below is the closed-form mirror-descent step
 * toward it (Sokota et al. 2022: π ← (π·ρ^{αη}·e^{αQ})^{1/(1+αη)}); every `inner` steps the magnet
 * moves to ρ = (1 − m)·π + m·uniform, with m = `magnetMix` (annealed linearly to `magnetMixFinal`
 * over the outer iterations when given), as the trainer refreshes it every `magnetEvery` updates.
 * Exploitability is exact (src/eval/exploitability.ts).
 *
 * BENCH_OUTER (default 100) outer iterations of BENCH_INNER (default 50) steps of size BENCH_ALPHA
 * (default 0.1 / η). Prints one row per setting.
 */
import { getGame } from '../games/index.ts';
import { bestResponse, buildGameTree, policyValues, uniformPolicy, type GameTree } from '../src/eval/exploitability.ts';
import { markdownTable } from './lib.ts';

const OUTER = Number(process.env['BENCH_OUTER'] ?? 100);
const INNER = Number(process.env['BENCH_INNER'] ?? 50);

interface Setting {
  readonly game: string;
  /** The temperature η (`entCoef`). */
  readonly eta: number;
  readonly mix: number;
  readonly mixFinal: number | null;
  readonly note: string;
}

const SETTINGS: Setting[] = [
  { game: 'kuhn-poker', eta: 0.2, mix: 0.05, mixFinal: null, note: "Kuhn's default" },
  { game: 'kuhn-poker', eta: 0.2, mix: 0, mixFinal: null, note: 'pure copy' },
  { game: 'leduc-poker', eta: 1, mix: 0.05, mixFinal: null, note: "Leduc's default before magnetMixFinal" },
  { game: 'leduc-poker', eta: 1, mix: 0.1, mixFinal: null, note: 'thicker blend' },
  { game: 'leduc-poker', eta: 1, mix: 0.01, mixFinal: null, note: 'thinner blend' },
  { game: 'leduc-poker', eta: 1, mix: 0, mixFinal: null, note: 'pure copy' },
  { game: 'leduc-poker', eta: 1, mix: 0.05, mixFinal: 0.01, note: 'blend annealed 0.05 → 0.01' },
  { game: 'leduc-poker', eta: 2, mix: 0.05, mixFinal: null, note: 'hotter' },
  { game: 'leduc-poker', eta: 0.5, mix: 0.05, mixFinal: null, note: 'colder' },
];

/** Exact tabular magnet-regularised self-play on one game's tree (both seats share the table, as the learner does). */
class TabularMagnet {
  readonly tree: GameTree;
  private readonly A: number;
  private readonly sets: number;
  /** Legal-action mask per information set (`A` per set). */
  private readonly legal: Uint8Array;
  private readonly uniform: Float64Array;
  /** Per node and seat: expected return under the table, and reach by chance and the other seat. */
  private readonly value: Float64Array;
  private readonly reach: Float64Array;
  readonly q: Float64Array;

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

  /** Q(s, a) of every information set under the table, into `this.q`. */
  private actionValues(pi: Float64Array): void {
    const t = this.tree;
    const S = t.seats;
    this.load(pi);
    const { value, reach } = this;
    // values bottom-up (preorder numbering: children after parents)
    for (let n = t.nodes - 1; n >= 0; n--) {
      for (let s = 0; s < S; s++) value[n * S + s] = t.kind[n] === 0 ? t.returns[n * S + s]! : 0;
      for (let e = t.firstEdge[n]!; e < t.firstEdge[n]! + t.edgeCount[n]!; e++) {
        for (let s = 0; s < S; s++) value[n * S + s]! += t.edgeProb[e]! * value[t.edgeChild[e]! * S + s]!;
      }
    }
    // reach top-down, each seat's own actions counting 1
    for (let s = 0; s < S; s++) reach[s] = 1;
    for (let n = 0; n < t.nodes; n++) {
      for (let e = t.firstEdge[n]!; e < t.firstEdge[n]! + t.edgeCount[n]!; e++) {
        const c = t.edgeChild[e]!;
        for (let s = 0; s < S; s++) reach[c * S + s] = reach[n * S + s]! * (t.kind[n] === 2 && t.seat[n] === s ? 1 : t.edgeProb[e]!);
      }
    }
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
    const A = this.A;
    const logits = new Float64Array(A);
    for (let id = 0; id < this.sets; id++) {
      let max = -Infinity;
      for (let a = 0; a < A; a++) {
        const k = id * A + a;
        if (!this.legal[k]) continue;
        logits[a] = (Math.log(pi[k]!) + alpha * eta * Math.log(rho[k]!) + alpha * this.q[k]!) / (1 + alpha * eta);
        max = Math.max(max, logits[a]!);
      }
      let z = 0;
      for (let a = 0; a < A; a++) if (this.legal[id * A + a]) z += Math.exp(logits[a]! - max);
      for (let a = 0; a < A; a++) pi[id * A + a] = this.legal[id * A + a] ? Math.exp(logits[a]! - max) / z : 0;
    }
  }

  /** The magnet after a refresh: (1 − m)·π + m·uniform. */
  refresh(pi: Float64Array, rho: Float64Array, m: number): void {
    for (let k = 0; k < pi.length; k++) rho[k] = (1 - m) * pi[k]! + m * this.uniform[k]!;
  }
}

function run(setting: Setting, games: Map<string, TabularMagnet>): { final: number; half: number } {
  let g = games.get(setting.game);
  if (!g) games.set(setting.game, (g = new TabularMagnet(setting.game)));
  const alpha = Number(process.env['BENCH_ALPHA'] ?? 0.1 / setting.eta);
  const pi = g.uniformTable();
  const rho = g.uniformTable();
  let half = NaN;
  for (let o = 0; o < OUTER; o++) {
    for (let i = 0; i < INNER; i++) g.step(pi, rho, setting.eta, alpha);
    const progress = OUTER > 1 ? o / (OUTER - 1) : 1;
    const m = setting.mixFinal === null ? setting.mix : setting.mix + (setting.mixFinal - setting.mix) * progress;
    g.refresh(pi, rho, m);
    if (o + 1 === Math.ceil(OUTER / 2)) half = g.exploitability(pi);
  }
  return { final: g.exploitability(pi), half };
}

function main(): void {
  console.log(`Exact tabular magnet-regularised self-play: ${OUTER} magnet refreshes of ${INNER} mirror-descent steps each`);
  const games = new Map<string, TabularMagnet>();
  const rows: string[][] = [];
  for (const s of SETTINGS) {
    const r = run(s, games);
    const row = [s.game, String(s.eta), s.mixFinal === null ? String(s.mix) : `${s.mix} → ${s.mixFinal}`, r.half.toFixed(4), r.final.toFixed(4), s.note];
    console.log(`  ${row.join('  ')}`);
    rows.push(row);
  }
  console.log();
  console.log(markdownTable(['game', 'η (entCoef)', 'magnetMix', `exploitability at refresh ${Math.ceil(OUTER / 2)}`, `at refresh ${OUTER}`, 'setting'], rows));
}

main();
