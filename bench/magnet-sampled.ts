/**
 * `npm run bench:magnet-sampled`: Leduc's magnet-regularised self-play with the trainer's sampled
 * gradient estimate but no network — one logit per (information state, action), updated by Adam —
 * so what separates it from the trained runs is the network and PPO's passes, and what separates it
 * from `npm run bench:magnet` (exact gradients) is sampling alone.
 *
 * Each update samples whole self-play hands (both seats share the table, as the trainer's `latest`
 * self-play does) until it holds `BENCH_BATCH` decisions (default 512, the trainer's batch); every
 * decision contributes what the learner's loss does (src/fast/ppo-grad.ts, one epoch at ratio 1):
 * Â·(e_a − π) on the logits, Â = G − V(h) with V the exact value of the history under the table (the
 * critic that sees both cards, without its error), plus the exact gradient of −η·KL(π ‖ ρ) at that
 * state. Adam (β 0.9 / 0.999) with the learning rate annealed linearly to 0; the magnet refreshed every
 * 1,000 updates to (1 − 0.05)·π + 0.05·uniform; η 1 (Leduc's defaults). The average is the trainer's:
 * a snapshot every 100 updates, weighted (update + 1)² and by its own reach (XFP).
 *
 * Prints, per learning rate and seed: the last iterate's and the average's exact exploitability (the
 * average also after 90% of the updates), and
 * the first player's opening raise probability with a queen (the trained runs' largest shared error:
 * `npm run bench:magnet-diagnose`) against the settings' exact fixed point π*.
 * BENCH_LRS (default 0.003,0.01,0.03), BENCH_SEEDS (default 0,1), BENCH_UPDATES (default 90000, about
 * the updates of a 30-minute trained run; ≈ 40 s per run), BENCH_ANNEAL=0 for a constant learning rate,
 * BENCH_CLIP=c to clip each update's gradient (the batch mean) to norm c as the trainer's `maxGradNorm` does
 * (default 0: off, as Leduc's default trains); the table then gives the share of updates the clip scaled and
 * the gradient norm's median either way.
 */
import { Rng } from '../core/index.ts';
import { markdownTable } from './lib.ts';
import { magnetDynamics, TabularMagnet } from './tabular-magnet.ts';

const LRS = (process.env['BENCH_LRS'] ?? '0.003,0.01,0.03').split(',').map(Number);
const SEEDS = (process.env['BENCH_SEEDS'] ?? '0,1').split(',').map(Number);
const UPDATES = Number(process.env['BENCH_UPDATES'] ?? 90_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 512);
/** 1 (default): the learning rate annealed linearly to 0, as the trainer's `annealLr`; 0: constant. */
const ANNEAL = process.env['BENCH_ANNEAL'] !== '0';
/** > 0: global gradient-norm clip of each update (the trainer's `maxGradNorm`); 0 (default): off. */
const CLIP = Number(process.env['BENCH_CLIP'] ?? 0);
if (!(CLIP >= 0)) throw new Error(`BENCH_CLIP must be a norm ≥ 0 (0: off), got '${process.env['BENCH_CLIP']}'`);
const ETA = 1;
const MIX = 0.05;
const EVERY = 1000;
const OPEN_Q = '[Observer: 0][Private: 2][Round 1][Player: 0][Pot: 2][Money: 99 99][Round1: ][Round2: ]';
const RAISE = 2;

interface Outcome {
  readonly last: number;
  readonly average: number;
  /** The average's exploitability after 90% of the updates. */
  readonly averageAt90: number;
  readonly openRaiseLast: number;
  readonly openRaiseAverage: number;
  /** Share of updates the clip scaled (0 without BENCH_CLIP). */
  readonly clipped: number;
  /** Median norm of the updates' gradients (every tenth update). */
  readonly medianNorm: number;
}

function train(g: TabularMagnet, lr0: number, seed: number): Outcome {
  const t = g.tree;
  const A = t.actions;
  const S = t.seats;
  const sets = t.infoSetKey.length;
  const legal = g.legal;
  const uniform = g.uniformTable();
  const rng = new Rng(seed);
  const y = new Float64Array(sets * A);
  const pi = uniform.slice();
  const rho = uniform.slice();
  const grad = new Float64Array(sets * A);
  const m1 = new Float64Array(sets * A);
  const m2 = new Float64Array(sets * A);
  let value: Float64Array = new Float64Array(0);
  const avgSums = new Float64Array(sets * A);
  const avgReach = new Float64Array(sets);
  const path: number[] = [];
  const averageTable = () => {
    const out = uniform.slice();
    for (let id = 0; id < sets; id++) if (avgReach[id]! > 0) for (let a = 0; a < A; a++) out[id * A + a] = avgSums[id * A + a]! / avgReach[id]!;
    return out;
  };
  let averageAt90 = Number.NaN;
  const norms: number[] = [];
  let clipped = 0;

  const softmax = () => {
    g.softmax(y, pi);
    // the table into the tree's decision edges (what the hands below sample), and every history's value per seat
    value = g.historyValues(pi);
  };
  /** XFP: the current table weighted `w` and by each seat's own reach of each state. */
  const accumulate = (w: number) => {
    const own = g.reachOf(true);
    for (let id = 0; id < sets; id++) {
      const r = w * own[t.infoSetNodes[id]![0]! * S + t.infoSetSeat[id]!]!;
      avgReach[id]! += r;
      for (let a = 0; a < A; a++) avgSums[id * A + a]! += r * pi[id * A + a]!;
    }
  };

  for (let u = 0; u < UPDATES; u++) {
    softmax();
    if (u % EVERY === 0) g.refresh(pi, rho, MIX);
    if (u % 100 === 0) accumulate((u + 1) ** 2);
    grad.fill(0);
    let n = 0;
    while (n < BATCH) {
      // one hand from the root: chance and both seats sampled from the tree's edge probabilities
      let h = 0;
      path.length = 0;
      while (t.kind[h] !== 0) {
        const e0 = t.firstEdge[h]!;
        const last = e0 + t.edgeCount[h]! - 1;
        let x = rng.next();
        let e = e0;
        for (; e < last; e++) if ((x -= t.edgeProb[e]!) < 0) break;
        if (t.kind[h] === 2) path.push(h, t.edgeAction[e]!);
        h = t.edgeChild[e]!;
      }
      for (let i = 0; i < path.length; i += 2) {
        const node = path[i]!;
        const a = path[i + 1]!;
        const s = t.seat[node]!;
        const id = t.infoSet[node]!;
        const adv = t.returns[h * S + s]! - value[node * S + s]!;
        let kl = 0;
        for (let b = 0; b < A; b++) if (legal[id * A + b]) kl += pi[id * A + b]! * Math.log(pi[id * A + b]! / rho[id * A + b]!);
        for (let b = 0; b < A; b++) {
          if (!legal[id * A + b]) continue;
          const p = pi[id * A + b]!;
          grad[id * A + b]! += adv * ((b === a ? 1 : 0) - p) - ETA * p * (Math.log(p / rho[id * A + b]!) - kl);
        }
        n++;
      }
    }
    // Adam ascent on the batch mean, learning rate annealed linearly to 0
    const lr = ANNEAL ? lr0 * (1 - u / UPDATES) : lr0;
    const c1 = 1 - 0.9 ** (u + 1);
    const c2 = 1 - 0.999 ** (u + 1);
    let sq = 0;
    for (let k = 0; k < grad.length; k++) sq += (grad[k]! / n) ** 2;
    const norm = Math.sqrt(sq);
    if (u % 10 === 0) norms.push(norm);
    const scale = CLIP > 0 ? Math.min(1, CLIP / (norm + 1e-6)) : 1;
    if (scale < 1) clipped++;
    for (let k = 0; k < grad.length; k++) {
      const gk = (grad[k]! / n) * scale;
      m1[k] = 0.9 * m1[k]! + 0.1 * gk;
      m2[k] = 0.999 * m2[k]! + 0.001 * gk * gk;
      y[k]! += (lr * (m1[k]! / c1)) / (Math.sqrt(m2[k]! / c2) + 1e-8);
    }
    // (exploitability loads its table into the tree's edges: the next update's softmax puts π back)
    if (u === Math.floor(0.9 * UPDATES)) averageAt90 = g.exploitability(averageTable());
  }
  softmax();
  const average = averageTable();
  const q = t.infoSetKey.indexOf(OPEN_Q);
  if (q < 0) throw new Error(`no information state ${OPEN_Q}`);
  const openRaiseLast = pi[q * A + RAISE]!;
  norms.sort((a, b) => a - b);
  return {
    last: g.exploitability(pi.slice()),
    average: g.exploitability(average),
    averageAt90,
    openRaiseLast,
    openRaiseAverage: average[q * A + RAISE]!,
    clipped: clipped / UPDATES,
    medianNorm: norms[norms.length >> 1]!,
  };
}

function main(): void {
  const g = new TabularMagnet('leduc-poker-v1');
  const A = g.tree.actions;
  const star = g.uniformTable();
  magnetDynamics(g, star, g.uniformTable(), { eta: ETA, alpha: 0.1 / ETA, inner: 50, outer: 100, mix: MIX });
  const q = g.tree.infoSetKey.indexOf(OPEN_Q);
  console.log(`Leduc, sampled tabular magnet self-play (Adam, batch ${BATCH}, ${UPDATES} updates, learning rate ${ANNEAL ? 'annealed to 0' : 'constant'}, ${CLIP > 0 ? `gradient norm clipped to ${CLIP}` : 'no clip'}, η ${ETA}, magnet every ${EVERY}, blend ${MIX})`);
  console.log(`exact fixed point π*: exploitability ${g.exploitability(star.slice()).toFixed(4)}, opening raise with a queen ${star[q * A + RAISE]!.toFixed(3)}`);
  const rows: string[][] = [];
  for (const lr of LRS) {
    for (const seed of SEEDS) {
      const t0 = performance.now();
      const o = train(g, lr, seed);
      rows.push([String(lr), String(seed), o.last.toFixed(4), o.averageAt90.toFixed(4), o.average.toFixed(4), o.openRaiseLast.toFixed(3), o.openRaiseAverage.toFixed(3), o.clipped.toFixed(3), o.medianNorm.toFixed(4), ((performance.now() - t0) / 1000).toFixed(0)]);
      console.log(`  lr ${lr} seed ${seed}: average ${o.average.toFixed(4)}`);
    }
  }
  console.log(markdownTable(['Adam lr', 'seed', 'last iterate', 'average at 90%', 'average (exported)', 'open raise, Q: last', 'open raise, Q: average', 'clipped', 'median norm', 's'], rows));
}

main();
