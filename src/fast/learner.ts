/**
 * The fast on-policy learner: the same update as `PolicyGradientLearner` (src/algorithms/
 * policy-gradient.ts) — epochs of shuffled minibatches of the actor-critic loss of losses.ts, global
 * gradient-norm clipping, Adam or RMSprop, lr/clip annealing, target-KL early stop — computed without
 * tfjs: forward and backward passes by hand on one flat parameter buffer (kernels.ts, mlp.ts) and one
 * fused optimizer step over it. For the small MLPs of RL the reference path's cost is per-op overhead
 * (the tape, ~150 tfjs ops and one optimizer update per variable per step), not arithmetic.
 *
 * The policy's tf variables stay the source of truth outside `update`: each update reads them into the
 * flat buffer first and writes the result back at the end, so inference, checkpoints and `copyFrom`
 * see the trained weights.
 *
 * Gradient conventions, as tfjs differentiates the reference loss (gradients w.r.t. variables only):
 * advantages, their per-minibatch normalisation statistics, old log-probs, old values, returns and
 * weights are constants; `tf.maximum(a, b)` sends the gradient to `a` on ties (a ≥ b); clipByValue
 * passes it inside the closed interval; logSoftmax's gradient is dy − Σdy·softmax.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import { clipAt, entropyAt, learningRateAt, shuffle, updateStats, validIndices, type UpdateStats } from '../algorithms/learner-common.ts';
import type { LearnerSettings } from '../algorithms/policy-gradient.ts';
import { createKernels, type KernelChoice } from './kernels.ts';
import { netVariableCount, type ParamLayout } from './mlp.ts';
import { layoutOf, PolicyMlpEngine } from './mlp-tf.ts';
import { FastForward } from './forward.ts';
import { GradientThreads } from './grad-threads.ts';
import { maskedLogSoftmax, PARTIALS, RowGradient } from './ppo-grad.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const f32 = Math.fround;
/** Adam's β1, β2 and RMSprop's decay as the reference constructs them (tf.train.adam(lr, 0.9, 0.999, ε), rmsprop(lr, 0.99, 0, ε)). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const RMS_DECAY = 0.99;

/** tfjs's optimizer-weight entry (tfjs-core's NamedTensor, which @tensorflow/tfjs does not re-export). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Optimizer state for checkpoints, over the optimised span of the flat layout (every parameter; the
 * critic's for TRPO): Adam's first and second moments (RMSprop: m = the last step, tfjs's
 * '/momentum'; v = the mean squares, '/rms'), and the steps taken.
 */
export interface OptimizerState {
  readonly step: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/** Loss statistics of one minibatch, as the reference's `stats` tensor plus the total loss. */
export interface MinibatchResult {
  readonly loss: number;
  /** [policy_loss, value_loss, entropy, approx_kl, clipfrac] */
  readonly stats: Float64Array;
  /** Gradient norms before clipping: of all the weights, the actor's (log-std included), the critic's. */
  readonly gradNorm: number;
  readonly actorNorm: number;
  readonly criticNorm: number;
}

export class FastLearner {
  readonly kind = 'fast' as const;
  readonly policy: ActorCritic;
  readonly settings: LearnerSettings;
  readonly layout: ParamLayout;
  /** The kernel implementation in use ('wasm' SIMD, or the plain-JS fallback). */
  readonly kernels: KernelChoice;
  private readonly rng: Rng;
  protected readonly e: PolicyMlpEngine;
  /** The variables the optimizer steps (contiguous), and their span of the flat layout. */
  private readonly optimized: { readonly offset: number; readonly size: number; readonly variables: ParamLayout['variables'] };
  /** The actor's spans (its network, the log-std) and the critic's, of the whole layout. */
  private readonly networks: { readonly actor: readonly Span[]; readonly critic: readonly Span[] };
  /** The optimised span in clip groups, each a list of spans that share one clip scale (`settings.gradClip`). */
  private readonly clipGroups: readonly (readonly Span[])[];
  /** Optimizer steps taken and tfjs's float32 running β powers (AdamOptimizer.accBeta1/2). */
  private step = 0;
  private accBeta1 = f32(BETA1);
  private accBeta2 = f32(BETA2);
  /** The slot names of the optimizer weights last restored (tfjs keeps them: its `originalName`), or null. */
  private restoredNames: readonly string[] | null = null;
  private forwardView: FastForward | null = null;
  /** Head outputs of `evaluate`, sized to the largest buffer seen. */
  private evalHead = new Float32Array(0);
  // per-row minibatch data (float64), sized to the largest minibatch seen
  private rowCap = 0;
  private adv = new Float64Array(0);
  private logStdGrad = new Float64Array(0);
  // per-row scratch of `evaluate`'s categorical head: log-probabilities, probabilities
  private readonly rowLogp: Float64Array;
  private readonly rowP: Float64Array;
  /** The minibatch gradient (of the first share, when there are gradient threads) and its partial sums. */
  private readonly grad: RowGradient;
  private readonly partial: Float64Array;
  /** The helper threads that take the other shares of each minibatch (`settings.threads` > 1), or null. */
  readonly threads: GradientThreads | null;

  /**
   * `optimizes`: the variables the optimizer steps and checkpoints — every one (default), or the
   * critic's (TRPO, whose actor moves by its own trust-region step, so its Adam has no actor slots).
   * `threadTimeoutMs`: how long a minibatch waits for a gradient thread before it reports it lost.
   */
  constructor(opts: { policy: ActorCritic; settings: LearnerSettings; rng: Rng; kernels?: KernelChoice; optimizes?: 'all' | 'critic'; threadTimeoutMs?: number }) {
    this.policy = opts.policy;
    this.settings = opts.settings;
    this.rng = opts.rng;
    this.layout = layoutOf(opts.policy);
    // the actor's variables come first
    const actorVars = netVariableCount(this.layout.actor);
    const variables = opts.optimizes === 'critic' ? this.layout.variables.slice(actorVars, actorVars + netVariableCount(this.layout.critic)) : this.layout.variables;
    const offset = variables[0]!.offset;
    const end = variables.at(-1)!.offset + variables.at(-1)!.size;
    this.optimized = { offset, size: end - offset, variables };
    this.networks = networkSpans(this.layout);
    this.clipGroups = clipGroupsOf(this.networks, this.optimized, opts.settings.gradClip ?? 'global');
    const k = createKernels(opts.kernels);
    this.kernels = k.name;
    this.e = new PolicyMlpEngine(k, this.layout, true);
    this.e.loadFrom(this.policy);
    this.logStdGrad = new Float64Array(this.layout.actions);
    this.rowLogp = new Float64Array(this.layout.actions);
    this.rowP = new Float64Array(this.layout.actions);
    this.grad = new RowGradient(this.e, this.layout, opts.settings);
    this.partial = new Float64Array(PARTIALS + this.layout.actions);
    const threads = opts.settings.threads ?? 1;
    this.threads = threads > 1 ? new GradientThreads({ threads, layout: this.layout, settings: opts.settings, kernels: k.name, timeoutMs: opts.threadTimeoutMs }) : null;
  }

  /** Current learning rate for a fraction `progress` ∈ [0, 1] of training done. */
  learningRate(progress: number): number {
    return learningRateAt(this.settings, progress);
  }

  clipCoef(progress: number): number {
    return clipAt(this.settings, progress);
  }

  /** Entropy coefficient, annealed linearly to `entCoefFinal` when set (as the reference). */
  entropyCoef(progress: number): number {
    return entropyAt(this.settings, progress);
  }

  /** The flat parameters (a view of the kernels' heap: valid until the next call into the learner). */
  params(): Float32Array {
    return this.e.paramView();
  }

  /** Re-reads the policy's variables (after they were changed outside the learner, e.g. a restore). */
  syncFromPolicy(): void {
    this.e.loadFrom(this.policy);
  }

  /** Writes the flat parameters into the policy's variables. */
  syncToPolicy(): void {
    this.e.storeTo(this.policy);
  }

  /**
   * Batched inference on this learner's own parameters (no copy): the weights of the last update
   * (or of construction / the last `syncFromPolicy`). Call `syncFromPolicy()` after changing the
   * policy's variables from outside. Shares the learner's heap, so it must not be used during
   * `update` (single-threaded code never does).
   */
  fastForward(): FastForward {
    this.forwardView ??= FastForward.onEngine(this.e, this.policy);
    return this.forwardView;
  }

  inference(): FastForward {
    return this.fastForward();
  }

  /**
   * One update from a filled buffer (advantages and returns already computed), exactly as
   * `PolicyGradientLearner.update`: same minibatches (same `shuffle` on the same RNG), same statistics.
   */
  update(buf: RolloutBuffer, progress: number, lrScale = 1): UpdateStats {
    const s = this.settings;
    const lr = this.learningRate(progress) * lrScale;
    const clip = this.clipCoef(progress);
    const entCoef = this.entropyCoef(progress);
    this.grad.check(buf);
    this.e.loadFrom(this.policy);
    this.threads?.publish(buf);
    const indices = validIndices(buf);
    const n = indices.length;
    const mb = Math.min(Math.max(1, s.minibatchSize), n);
    this.ensureRows(mb);
    const sums = new Float64Array(5);
    const epochSums = new Float64Array(5);
    const norms = new Float64Array(3);
    const epochNorms = new Float64Array(3);
    let steps = 0;
    let epochs = 0;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      shuffle(indices, this.rng);
      epochSums.fill(0);
      epochNorms.fill(0);
      let count = 0;
      for (let start = 0; start < n; start += mb) {
        const r = this.minibatch(buf, indices.subarray(start, Math.min(n, start + mb)), clip, entCoef, true, lr);
        for (let q = 0; q < 5; q++) epochSums[q]! += r.stats[q]!;
        epochNorms[0]! += r.gradNorm;
        epochNorms[1]! += r.actorNorm;
        epochNorms[2]! += r.criticNorm;
        count++;
        steps++;
      }
      epochs++;
      const c = Math.max(1, count);
      for (let q = 0; q < 5; q++) sums[q]! += epochSums[q]! / c;
      for (let q = 0; q < 3; q++) norms[q]! += epochNorms[q]! / c;
      if (s.targetKl !== null && epochSums[3]! / c > s.targetKl) break;
    }
    this.e.storeTo(this.policy);
    return updateStats(buf, sums, norms, epochs, steps, { lr, clip, entCoef });
  }

  /**
   * The current policy on every row of `buf` (for V-trace, src/algorithms/vtrace.ts): log π(a_i|x_i)
   * of the stored action under the stored legal-action mask (categorical) or of the stored action
   * vector (Gaussian) into `outLogProbs`, and the critic's V on `criticObs` (or `obs`) into
   * `outValues`, at the policy's current weights. Padding rows (valid = 0) get 0 for both.
   */
  evaluate(buf: RolloutBuffer, outLogProbs: Float32Array, outValues: Float32Array): void {
    this.e.loadFrom(this.policy);
    const n = buf.size;
    const { head: kind, actions: A } = this.layout;
    if (this.evalHead.length < n * A) this.evalHead = new Float32Array(n * A);
    const head = this.evalHead;
    this.fastForward().forward(buf.obs, n, head, outValues, buf.criticObs ?? undefined);
    const logStd = kind === 'gaussian' ? this.fastForward().logStd() : null;
    const { rowLogp, rowP } = this;
    for (let i = 0; i < n; i++) {
      if (!buf.valid[i]) {
        outLogProbs[i] = 0;
        outValues[i] = 0;
        continue;
      }
      if (logStd === null) {
        maskedLogSoftmax(head, i * A, buf.masks, i * A, A, rowLogp, rowP);
        outLogProbs[i] = rowLogp[buf.actions[i]!]!;
      } else {
        let lp = 0;
        for (let j = 0; j < A; j++) {
          const ls = logStd[j]!;
          const z = (buf.continuousActions[i * A + j]! - head[i * A + j]!) / Math.exp(ls);
          lp += -0.5 * z * z - ls - 0.5 * LOG_2PI;
        }
        outLogProbs[i] = lp;
      }
    }
  }

  /**
   * Loss, statistics and gradient on the rows `indices` of `buf` at the policy's current weights,
   * without an optimizer step (for tests and diagnostics). Rows are used as given, valid or not, with
   * weight `buf.valid[i]`. `grads` is a copy in the flat layout (`layout.variables` order).
   */
  computeGradients(buf: RolloutBuffer, indices: Int32Array, clip = this.settings.clip, entCoef = this.settings.entCoef): MinibatchResult & { grads: Float32Array } {
    this.grad.check(buf);
    this.e.loadFrom(this.policy);
    this.threads?.publish(buf);
    this.ensureRows(indices.length);
    const r = this.minibatch(buf, indices, clip, entCoef, false, 0);
    return { ...r, grads: this.e.gradView().slice() };
  }

  getOptimizerState(): OptimizerState {
    const h = this.e.k.f32;
    const { offset, size } = this.optimized;
    return { step: this.step, m: h.slice(this.e.slot1 + offset, this.e.slot1 + offset + size), v: h.slice(this.e.slot2 + offset, this.e.slot2 + offset + size) };
  }

  /** Restores optimizer state (as tfjs's setWeights: the β powers become β^(step+1)). */
  setOptimizerState(state: OptimizerState): void {
    const { offset, size: n } = this.optimized;
    if (state.m.length !== n || state.v.length !== n) throw new ConfigError(`optimizer state has ${state.m.length}/${state.v.length} values, expected ${n}`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new ConfigError(`bad optimizer step ${state.step}`);
    const h = this.e.k.f32;
    h.set(state.m, this.e.slot1 + offset);
    h.set(state.v, this.e.slot2 + offset);
    this.step = state.step;
    this.accBeta1 = f32(Math.pow(f32(BETA1), state.step + 1));
    this.accBeta2 = f32(Math.pow(f32(BETA2), state.step + 1));
  }

  /**
   * The optimizer state as tfjs optimizer weights (`iter`, then `<variable>/m`… `<variable>/v`… for
   * Adam, `/rms` and `/momentum` for RMSprop, over the optimised variables): a drop-in for
   * `tf.Optimizer.getWeights`/`setWeights`, so checkpoints written by either learner restore into the
   * other. `iter` alone (a tfjs optimizer before its first step) restores zero moments.
   */
  readonly optimizer = {
    getWeights: async (): Promise<NamedTensor[]> => {
      const { m, v, step } = this.getOptimizerState();
      const [s1, s2] = this.settings.optimizer === 'adam' ? ['m', 'v'] : ['momentum', 'rms'];
      const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(step, 'int32') }];
      const base = this.optimized.offset;
      // tfjs's RMSprop lists mean squares (rms) before moments
      const slots: [string, Float32Array][] = this.settings.optimizer === 'adam' ? [[s1!, m], [s2!, v]] : [[s2!, v], [s1!, m]];
      for (const [suffix, data] of slots) {
        for (const spec of this.optimized.variables) {
          out.push({ name: this.restoredNames?.[out.length - 1] ?? `${spec.name}/${suffix}`, tensor: tf.tensor(data.slice(spec.offset - base, spec.offset - base + spec.size), spec.shape as number[]) });
        }
      }
      return out;
    },
    setWeights: async (weights: NamedTensor[]): Promise<void> => {
      const { offset: base, size: n, variables: vars } = this.optimized;
      if (weights.length !== 1 && weights.length !== 1 + 2 * vars.length) throw new ConfigError(`optimizer weights have ${weights.length} entries, expected ${1 + 2 * vars.length}`);
      const step = (await weights[0]!.tensor.data())[0]!;
      const first = new Float32Array(n);
      const second = new Float32Array(n);
      for (let i = 0; i < vars.length && weights.length > 1; i++) {
        first.set((await weights[1 + i]!.tensor.data()) as Float32Array, vars[i]!.offset - base);
        second.set((await weights[1 + vars.length + i]!.tensor.data()) as Float32Array, vars[i]!.offset - base);
      }
      this.restoredNames = weights.length > 1 ? weights.slice(1).map((w) => w.name) : null;
      // Adam: [m…, v…]; RMSprop: [rms…, momentum…]
      if (this.settings.optimizer === 'adam') this.setOptimizerState({ step, m: first, v: second });
      else this.setOptimizerState({ step, m: second, v: first });
    },
  };

  dispose(): void {
    this.forwardView = null;
    this.threads?.dispose();
  }

  private ensureRows(rows: number): void {
    this.e.ensureRows(rows);
    if (rows <= this.rowCap) return;
    this.rowCap = rows;
    this.adv = new Float64Array(rows);
  }

  /**
   * Loss (at clip range `clip`, entropy coefficient `entCoef`) and gradient on the rows `idx` of `buf`
   * (gathered into the heap; shared with the gradient threads when there are any), then, when
   * `apply`, gradient clipping and one optimizer step at learning rate `lr`.
   */
  private minibatch(buf: RolloutBuffer, idx: Int32Array, clip: number, entCoef: number, apply: boolean, lr: number): MinibatchResult {
    const s = this.settings;
    const e = this.e;
    const M = idx.length;

    // -- weights and advantage normalisation over the whole minibatch (constants: no gradient flows through them)
    let wsum = 0;
    for (let r = 0; r < M; r++) wsum += buf.valid[idx[r]!]!;
    const W = Math.max(wsum, 1e-8);
    const adv = this.adv;
    for (let r = 0; r < M; r++) adv[r] = buf.advantages[idx[r]!]!;
    if (s.normAdv) {
      let mean = 0;
      for (let r = 0; r < M; r++) mean += adv[r]! * buf.valid[idx[r]!]!;
      mean /= W;
      let v = 0;
      for (let r = 0; r < M; r++) v += (adv[r]! - mean) ** 2 * buf.valid[idx[r]!]!;
      const std = Math.sqrt(v / Math.max(wsum - 1, 1));
      for (let r = 0; r < M; r++) adv[r] = (adv[r]! - mean) / (std + 1e-8);
    }

    // -- loss terms and gradient: the first share here, the others on the gradient threads
    const part = this.partial;
    const threads = this.threads;
    const first = threads ? threads.firstShare(M) : M;
    if (first < M) threads!.start(idx, adv, first, W, clip, entCoef, e.paramView());
    this.grad.compute(buf, idx.subarray(0, first), adv, W, clip, entCoef, part);
    if (first < M) threads!.join(e.k.f32, e.grads, part);
    if (this.layout.head === 'gaussian') for (let j = 0; j < this.layout.actions; j++) e.k.f32[e.grads + this.layout.logStd + j] = part[PARTIALS + j]!;

    // partial sums: policy term, squared value error, entropy, magnet term, approx-KL, clipped (ppo-grad.ts)
    const pg = part[0]! / W;
    const vl = (0.5 * part[1]!) / W;
    const entMean = part[2]! / W;
    const stats = Float64Array.of(pg, vl, entMean, part[4]! / W, part[5]! / W);
    // NeuRD's policy term already holds the regulariser (ppo-grad.ts)
    const neurd = s.neurdBeta !== undefined && s.neurdBeta !== null;
    const loss = (neurd ? pg : pg - entCoef * (entMean + part[3]! / W)) + s.vfCoef * vl;
    const gradNorm = Math.sqrt(e.k.sumsq(e.grads, this.layout.size));
    const actorNorm = this.spansNorm(this.networks.actor);
    const criticNorm = this.spansNorm(this.networks.critic);
    if (apply) this.optimizerStep(this.clipGroups.length === 1 ? [gradNorm] : [actorNorm, criticNorm], lr);
    return { loss, stats, gradNorm, actorNorm, criticNorm };
  }

  /** The norm of the gradient over `spans`. */
  private spansNorm(spans: readonly Span[]): number {
    return Math.sqrt(spans.reduce((acc, [o, n]) => acc + this.e.k.sumsq(this.e.grads + o, n), 0));
  }

  /**
   * Gradient-norm clipping and one fused optimizer step over the optimised span of the flat buffer.
   * `norms`: the gradient's norm over each clip group (`clipGroups`: the whole optimised span, or the
   * actor's and the critic's).
   */
  protected optimizerStep(norms: readonly number[], lr: number): void {
    const s = this.settings;
    const e = this.e;
    const groups = this.clipGroups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const norm = norms[g]!;
      // tf: scale = min(1, maxGradNorm / (norm + 1e-6)) in float32
      const scale = s.maxGradNorm > 0 ? Math.min(1, f32(f32(s.maxGradNorm) / f32(f32(norm) + f32(1e-6)))) : 1;
      for (const [o, n] of group) {
        if (s.optimizer === 'adam') {
          e.k.adam(e.params + o, e.grads + o, e.slot1 + o, e.slot2 + o, n, scale, BETA1, 1 - BETA1, BETA2, 1 - BETA2, f32(1 - this.accBeta1), f32(1 - this.accBeta2), s.optimizerEps, -lr);
        } else {
          // slot1 = moments (tfjs '/momentum'), slot2 = mean squares ('/rms')
          e.k.rmsprop(e.params + o, e.grads + o, e.slot2 + o, e.slot1 + o, n, scale, RMS_DECAY, 1 - RMS_DECAY, s.optimizerEps, lr, 0);
        }
      }
    }
    if (s.optimizer === 'adam') {
      this.accBeta1 = f32(this.accBeta1 * f32(BETA1));
      this.accBeta2 = f32(this.accBeta2 * f32(BETA2));
    }
    this.step++;
  }
}

/** A span [offset, size] of the flat parameter buffer. */
type Span = readonly [number, number];

/** The actor's spans of the flat layout (its network, then the log-std when there is one) and the critic's. */
function networkSpans(layout: ParamLayout): { actor: Span[]; critic: Span[] } {
  // paramLayout: the actor's variables, the critic's, then the log-std
  const criticAt = layout.variables[netVariableCount(layout.actor)]!.offset;
  const criticEnd = layout.logStd >= 0 ? layout.logStd : layout.size;
  const actor: Span[] = [[0, criticAt]];
  if (layout.logStd >= 0) actor.push([layout.logStd, layout.actions]);
  return { actor, critic: [[criticAt, criticEnd - criticAt]] };
}

/**
 * The optimised span `opt` in clip groups: one group (`global`), or the actor's spans and the critic's
 * (`per-network`), each cut to `opt` and left out when empty.
 */
function clipGroupsOf(networks: { readonly actor: readonly Span[]; readonly critic: readonly Span[] }, opt: { readonly offset: number; readonly size: number }, mode: 'global' | 'per-network'): Span[][] {
  if (mode !== 'per-network') return [[[opt.offset, opt.size]]];
  const within = ([o, n]: Span): Span[] => {
    const a = Math.max(o, opt.offset);
    const b = Math.min(o + n, opt.offset + opt.size);
    return b > a ? [[a, b - a]] : [];
  };
  return [networks.actor.flatMap(within), networks.critic.flatMap(within)].filter((g) => g.length > 0);
}
