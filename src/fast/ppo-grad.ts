/**
 * The policy-gradient loss and its gradient on a set of rows: gather, forward through actor and
 * critic, the head's loss terms and d(loss)/d(output) row by row, backward into the engine's flat
 * gradient. The fast learner (learner.ts) runs it on a whole minibatch, or on its first share when
 * helper threads (grad-threads.ts) take the others: each share's gradient is a partial sum over its
 * rows, normalised by the minibatch's total weight, so the shares add up to the minibatch's gradient.
 *
 * No tfjs here (the helper threads load this module): the engine is a plain `MlpEngine`.
 */
import { MASKED_LOGIT } from '../../agents/logits.ts';
import { ConfigError } from '../../core/index.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import type { LearnerSettings } from '../algorithms/policy-gradient.ts';
import { pad4, type MlpEngine, type ParamLayout } from './mlp.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const f32 = Math.fround;

/** What the gradient reads of a rollout buffer (RolloutBuffer has it; so do the helpers' shared copies). */
export type GradientRows = Pick<RolloutBuffer, 'obs' | 'criticObs' | 'masks' | 'actions' | 'continuousActions' | 'logProbs' | 'values' | 'returns' | 'valid' | 'magnetLogp' | 'searchPolicy'>;

/** The loss settings a share needs. */
export type GradientSettings = Pick<LearnerSettings, 'kind' | 'vfCoef' | 'clipValue' | 'neurdBeta'>;

/**
 * A share's partial sums, in this order, then the Gaussian head's log-std gradient (one per action):
 * Σw·policy term, Σw·(value error)², Σw·entropy, Σw·Σ_j p_j·log ρ_j (the magnet's part), Σw·approx-KL,
 * Σw·[clipped].
 */
export const PARTIALS = 6;

export class RowGradient {
  readonly e: MlpEngine;
  private readonly layout: ParamLayout;
  private readonly settings: GradientSettings;
  // per-row scratch of the categorical head: log-probabilities, probabilities, d(loss)/d(log p)
  private readonly rowLogp: Float64Array;
  private readonly rowP: Float64Array;
  private readonly rowD: Float64Array;
  private readonly rowF: Float64Array;

  constructor(e: MlpEngine, layout: ParamLayout, settings: GradientSettings) {
    this.e = e;
    this.layout = layout;
    this.settings = settings;
    this.rowLogp = new Float64Array(layout.actions);
    this.rowP = new Float64Array(layout.actions);
    this.rowD = new Float64Array(layout.actions);
    this.rowF = new Float64Array(layout.actions);
  }

  /**
   * Throws a ConfigError unless these settings can train this head on `buf` (the search-distillation
   * loss needs a categorical head, no NeuRD, and the buffer's search targets). `compute` checks it
   * too; the learner calls it before its helper threads start on a step.
   */
  check(buf: Pick<GradientRows, 'searchPolicy'>): void {
    const neurd = this.settings.neurdBeta !== undefined && this.settings.neurdBeta !== null;
    if (neurd && this.layout.head !== 'categorical') throw new ConfigError('NeuRD updates the logits of a categorical head; this policy is Gaussian');
    if (this.settings.kind !== 'search') return;
    if (neurd) throw new ConfigError('NeuRD and the search-distillation loss (kind search) cannot be combined');
    if (this.layout.head !== 'categorical') throw new ConfigError('the search-distillation loss (kind search) needs a categorical head; this policy is Gaussian');
    if (!buf.searchPolicy) throw new ConfigError('the search-distillation loss (kind search) needs search targets: set RolloutBuffer.searchPolicy before the update');
  }

  /**
   * Loss terms and gradient of the rows `idx` of `buf` (advantages `adv[r]` for row `idx[r]`, already
   * normalised; `W`: the whole minibatch's weight) at the engine's parameters: the gradient into the
   * engine's gradient buffer (overwritten), the partial sums into `out` (PARTIALS + actions entries).
   */
  compute(buf: GradientRows, idx: Int32Array, adv: Float64Array, W: number, clip: number, entCoef: number, out: Float64Array): void {
    this.check(buf);
    const e = this.e;
    const { actor, critic, head, actions: A } = this.layout;
    const M = idx.length;
    const Mp = pad4(M);
    e.ensureRows(Mp);
    const h = e.k.f32;

    // -- gather the rows (padded rows zero)
    const obsSize = actor.inSize;
    gatherRows(h, e.actor.input, buf.obs, obsSize, idx, Mp);
    const separateCritic = buf.criticObs !== null;
    if (separateCritic) gatherRows(h, e.critic.input, buf.criticObs!, critic.inSize, idx, Mp);
    else if (critic.inSize !== obsSize) throw new ConfigError(`the critic reads ${critic.inSize} inputs but the buffer has no critic observations`);
    const criticInput = separateCritic ? e.critic.input : e.actor.input;

    // -- forward
    e.forward('actor', Mp);
    e.forward('critic', Mp, criticInput);
    const outOff = e.actor.outs[actor.layers.length - 1]!;
    const vOut = e.critic.outs[critic.layers.length - 1]!;
    const dOut = e.actor.dOut;
    const dV = e.critic.dOut;

    // -- head: log-probs, entropies, loss terms and d(loss)/d(head output), d(loss)/dV
    const P = e.params;
    out.fill(0);
    const logStdGrad = PARTIALS;
    let pgSum = 0;
    let vSum = 0;
    let entSum = 0;
    let regSum = 0;
    let klSum = 0;
    let clipSum = 0;
    const { vfCoef, clipValue } = this.settings;
    const clipped = this.settings.kind === 'clipped';
    // AlphaZero's cross-entropy to the search's targets (check: categorical, set)
    const search = this.settings.kind === 'search' ? buf.searchPolicy! : null;
    const beta = this.settings.neurdBeta ?? null;
    const lo = 1 - clip;
    const hi = 1 + clip;
    const masks = buf.masks;
    const { rowLogp, rowP, rowD } = this;
    for (let r = 0; r < M; r++) {
      const i = idx[r]!;
      const w = buf.valid[i]!;
      const o = outOff + r * A;
      // log π(a|s) and entropy; gradients w.r.t. the head output follow below
      let lp: number;
      let ent: number;
      if (head === 'categorical') {
        ent = maskedLogSoftmax(h, o, masks, i * A, A, rowLogp, rowP);
        lp = rowLogp[buf.actions[i]!]!;
      } else {
        lp = 0;
        ent = 0;
        const ao = i * A;
        for (let j = 0; j < A; j++) {
          const ls = h[P + this.layout.logStd + j]!;
          const z = (buf.continuousActions[ao + j]! - h[o + j]!) / Math.exp(ls);
          lp += -0.5 * z * z - ls - 0.5 * LOG_2PI;
          ent += ls;
        }
        ent += A * 0.5 * Math.log(2 * Math.PI * Math.E);
      }
      const logRatio = lp - buf.logProbs[i]!;
      const ratio = Math.exp(logRatio);
      const aHat = adv[r]!;
      const cw = w / W;
      // d(loss)/d(log π) and the policy-loss term (a NeuRD row's are neurdRowInto's, below)
      let gLp = 0;
      if (search) {
        // −Σ_j π_j·log p_j over legal j (an illegal log p is the masked −1e9); its d/dlog p below
        let ce = 0;
        for (let j = 0; j < A; j++) if (masks[i * A + j] !== 0) ce -= search[i * A + j]! * rowLogp[j]!;
        pgSum += w * ce;
      } else if (beta === null && clipped) {
        const u = -aHat * ratio;
        const c = -aHat * Math.min(Math.max(ratio, lo), hi);
        pgSum += w * Math.max(u, c);
        // tf.maximum: the gradient goes to the unclipped term on ties; the clipped term is flat
        // wherever it is strictly larger (the ratio is outside [1 − ε, 1 + ε] there)
        gLp = u >= c ? -aHat * ratio * cw : 0;
      } else if (beta === null) {
        pgSum += w * -aHat * lp;
        gLp = -aHat * cw;
      }
      entSum += w * ent;
      klSum += w * (ratio - 1 - logRatio);
      if (Math.abs(ratio - 1) > clip) clipSum += w;
      // d(loss)/d(entropy_r) = −c_ent·w_r/W
      const gEnt = -entCoef * cw;
      if (beta !== null) {
        pgSum += w * neurdRowInto(h, o, masks, i * A, A, rowLogp, rowP, this.rowF, buf.actions[i]!, Math.exp(buf.logProbs[i]!), aHat, entCoef, buf.magnetLogp, i * A, beta, cw, dOut + r * A);
        if (buf.magnetLogp) for (let j = 0; j < A; j++) regSum += w * rowP[j]! * buf.magnetLogp[i * A + j]!;
      } else if (head === 'categorical') {
        const a = buf.actions[i]!;
        // regulariser H(π) + Σ_j p_j·c_j with c = log ρ of the magnet (c = 0: the entropy bonus):
        // dlogp_j = g_j − gEnt·p_j·(log p_j + 1 − c_j);  dlogit_j = dlogp_j − Σ_k dlogp_k · p_j,
        // with the policy term's g_j = [j = a]·gLp, or −cw·π_j on legal j for the search's cross-entropy
        const mag = buf.magnetLogp;
        let sumD = 0;
        for (let j = 0; j < A; j++) {
          const c = mag ? mag[i * A + j]! : 0;
          if (mag) regSum += w * rowP[j]! * c;
          const g = search ? (masks[i * A + j] !== 0 ? -cw * search[i * A + j]! : 0) : j === a ? gLp : 0;
          const d = g - gEnt * rowP[j]! * (rowLogp[j]! + 1 - c);
          rowD[j] = d;
          sumD += d;
        }
        for (let j = 0; j < A; j++) h[dOut + r * A + j] = rowD[j]! - sumD * rowP[j]!;
      } else {
        const ao = i * A;
        for (let j = 0; j < A; j++) {
          const ls = h[P + this.layout.logStd + j]!;
          const sigma = Math.exp(ls);
          const z = (buf.continuousActions[ao + j]! - h[o + j]!) / sigma;
          h[dOut + r * A + j] = (gLp * z) / sigma;
          out[logStdGrad + j]! += gLp * (z * z - 1) + gEnt;
        }
      }
      // value loss ½·max((V − R)², (V_old + clip(V − V_old, ±ε_v) − R)²) or ½·(V − R)²
      const v = h[vOut + r]!;
      const ret = buf.returns[i]!;
      let gV: number;
      if (clipValue !== null) {
        const oldV = buf.values[i]!;
        const uv = (v - ret) ** 2;
        const dv = v - oldV;
        const vc = oldV + Math.min(Math.max(dv, -clipValue), clipValue);
        const cv = (vc - ret) ** 2;
        vSum += w * Math.max(uv, cv);
        gV = uv >= cv ? 2 * (v - ret) : dv >= -clipValue && dv <= clipValue ? 2 * (vc - ret) : 0;
      } else {
        vSum += w * (v - ret) ** 2;
        gV = 2 * (v - ret);
      }
      h[dV + r] = vfCoef * 0.5 * cw * gV;
    }
    // padded rows carry no gradient
    h.fill(0, dOut + M * A, dOut + Mp * A);
    h.fill(0, dV + M, dV + Mp);

    // -- backward through both networks into the flat gradient
    e.backward('actor', Mp);
    e.backward('critic', Mp, criticInput);
    if (head === 'gaussian') for (let j = 0; j < A; j++) h[e.grads + this.layout.logStd + j] = out[logStdGrad + j]!;
    out[0] = pgSum;
    out[1] = vSum;
    out[2] = entSum;
    out[3] = regSum;
    out[4] = klSum;
    out[5] = clipSum;
  }
}

/**
 * NeuRD (Hennes et al. 2020) as R-NaD applies it (Perolat et al. 2022; OpenSpiel's rnad.py): the
 * logits y move along the advantage of every legal action, not along ∇log π. From one sampled action a
 * (behaviour probability μ_a, advantage Â) the all-actions estimate is q_b = v − η·(log π_b − log ρ_b)
 * + [b = a]·Â/μ_a, so F_b = q_b − Σ_c π_c·q_c = ([b = a] − π_a)·Â/μ_a − η·(log π_b − log ρ_b − KL(π‖ρ))
 * (ρ the magnet, uniform when absent: then −η·(log π_b + H)). The force is applied to the logits
 * centred on their legal mean, ȳ_b = y_b − mean_legal(y), only while it keeps them within ±β:
 * loss_row = −Σ_legal ȳ_b·F'_b with F'_b = [ȳ_b > −β]·min(F_b, 0) + [ȳ_b < β]·max(F_b, 0), F held
 * constant. Reads the row's log-probabilities from `rowLogp`/`rowP` (maskedLogSoftmax ran on it);
 * writes d(loss)/d(y) × `cw` at `dst` and returns the row's loss.
 */
export function neurdRowInto(
  h: Float32Array, o: number, masks: Uint8Array, mo: number, A: number, rowLogp: Float64Array, rowP: Float64Array, force: Float64Array,
  a: number, mu: number, aHat: number, eta: number, magnet: Float32Array | null, go: number, beta: number, cw: number, dst: number,
): number {
  let kl = 0;
  let mean = 0;
  let n = 0;
  for (let j = 0; j < A; j++) {
    if (masks[mo + j] === 0) continue;
    kl += rowP[j]! * (rowLogp[j]! - (magnet ? magnet[go + j]! : 0));
    mean += h[o + j]!;
    n++;
  }
  mean /= n;
  const g = aHat / mu;
  const pa = rowP[a]!;
  let loss = 0;
  let sumF = 0;
  for (let j = 0; j < A; j++) {
    if (masks[mo + j] === 0) {
      force[j] = 0;
      continue;
    }
    const yc = h[o + j]! - mean;
    const F = ((j === a ? 1 : 0) - pa) * g - eta * (rowLogp[j]! - (magnet ? magnet[go + j]! : 0) - kl);
    const f = (yc > -beta ? Math.min(F, 0) : 0) + (yc < beta ? Math.max(F, 0) : 0);
    force[j] = f;
    loss -= yc * f;
    sumF += f;
  }
  // d(−Σ ȳ_b·F'_b)/dy_k = −F'_k + Σ_b F'_b / n on legal k; illegal logits get none
  for (let j = 0; j < A; j++) h[dst + j] = masks[mo + j] === 0 ? 0 : cw * (sumF / n - force[j]!);
  return loss;
}

/**
 * Log-softmax of the logits `h[o…o+A)` with illegal actions (mask 0 at `masks[mo + j]`) masked as tf
 * forms them in float32 (logit + MASKED_LOGIT): log-probabilities into `logp`, probabilities into
 * `p`; returns the entropy. The one place the fast path turns logits into log π.
 */
export function maskedLogSoftmax(h: Float32Array, o: number, masks: Uint8Array, mo: number, A: number, logp: Float64Array, p: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < A; j++) {
    const l = masks[mo + j] === 0 ? f32(h[o + j]! + MASKED_LOGIT) : h[o + j]!;
    logp[j] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let j = 0; j < A; j++) sum += Math.exp(logp[j]! - max);
  const shift = max + Math.log(sum);
  let ent = 0;
  for (let j = 0; j < A; j++) {
    const lp = logp[j]! - shift;
    const pj = Math.exp(lp);
    logp[j] = lp;
    p[j] = pj;
    ent -= pj * lp;
  }
  return ent;
}

/** Copies rows `idx` of a [n × width] array into the heap at `dst`, zeroing rows up to `padded`. */
export function gatherRows(h: Float32Array, dst: number, src: Float32Array, width: number, idx: Int32Array, padded: number): void {
  const M = idx.length;
  if (width >= 16) {
    for (let r = 0; r < M; r++) h.set(src.subarray(idx[r]! * width, (idx[r]! + 1) * width), dst + r * width);
  } else {
    for (let r = 0; r < M; r++) {
      const so = idx[r]! * width;
      const d = dst + r * width;
      for (let c = 0; c < width; c++) h[d + c] = src[so + c]!;
    }
  }
  h.fill(0, dst + M * width, dst + padded * width);
}
