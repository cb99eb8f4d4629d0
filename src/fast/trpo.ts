/**
 * TRPO on the fast path: the update of `TrpoLearner` (src/algorithms/trpo.ts — the maths, the
 * references and the Fisher-vector product's Gauss–Newton form are there) computed without tfjs on
 * the flat buffer of mlp.ts. It extends the PPO fast learner (learner.ts) for the weights, inference,
 * V-trace evaluation and the critic's optimizer; the trust-region step itself (conjugate gradient, β,
 * the line search) is `trustRegionStep` of src/algorithms/trust-region.ts, shared with the reference.
 *
 * The subproblem, on every row of the batch at once (r_i = w_i / Σw, padding rows 0; Â normalised over
 * the batch; ρ_i = π_θ(a_i|s_i) / π_b(a_i|s_i)):
 *  - L(θ) = Σ_i r_i Â_i ρ_i, and g = ∇L from ∂L/∂log π_i = r_i Â_i ρ_i through the head (categorical:
 *    ∂/∂z_j = ∂L/∂log π·([j = a] − p_j); Gaussian, ζ = (a − μ)/σ: ∂/∂μ_j = ∂L/∂log π·ζ_j/σ_j and
 *    ∂/∂log σ_j = Σ_i ∂L/∂log π_i·(ζ_ij² − 1)) and one backward pass of the actor;
 *  - F·v = Jᵀ M J v: J·v by the engine's forward-mode pass (`MlpEngine.jvpNet`), M per row at θ_old
 *    (r_i·(diag p − ppᵀ) on the logits, r_i/σ² on the means), Jᵀ by a backward pass; 2·v on the
 *    log-std block; plus λ·v;
 *  - at a candidate θ, L and D̄_KL(θ_old, θ) from one forward pass.
 * The critic: `epochs` passes of shuffled minibatches of mean((V − R)²) with gradient-norm clipping
 * and FastLearner's optimizer restricted to the critic's variables — the checkpoint entries of the
 * reference's tfjs optimizer, which only ever sees the critic's gradients — so runs resume on either path.
 */
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import { shuffle, validIndices } from '../algorithms/learner-common.ts';
import { checkTrpoSettings, trpoStats, type TrpoProblem, type TrpoSettings, type TrpoStats } from '../algorithms/trpo.ts';
import { trustRegionStep } from '../algorithms/trust-region.ts';
import type { KernelChoice } from './kernels.ts';
import { FastLearner } from './learner.ts';
import { gatherRows, maskedLogSoftmax } from './ppo-grad.ts';
import { pad4 } from './mlp.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const GAUSSIAN_ENTROPY = 0.5 * Math.log(2 * Math.PI * Math.E);

export class FastTrpoLearner extends FastLearner {
  readonly trpo: TrpoSettings;
  private readonly shuffleRng: Rng;
  /** The actor's parameters besides the log-std: the flat layout's [0, netSize), the first part of the flat vectors. */
  private readonly netSize: number;
  // whole-batch scratch (float64), sized to the largest batch seen
  private rows = 0;
  private rowWeight = new Float64Array(0);
  private batchAdv = new Float64Array(0);
  /** θ_old's head on every row: masked log-probabilities and probabilities (categorical), or means (Gaussian). */
  private oldLogp = new Float64Array(0);
  private oldP = new Float64Array(0);
  private oldMean = new Float64Array(0);
  /** θ_old's log-std and 1/σ² (Gaussian). */
  private readonly oldLogStd: Float64Array;
  private readonly oldInvVar: Float64Array;
  private readonly logStdGrads: Float64Array;
  private readonly logp: Float64Array;
  private readonly p: Float64Array;

  constructor(opts: { policy: ActorCritic; settings: TrpoSettings; rng: Rng; kernels?: KernelChoice }) {
    // the critic's epochs and the trust-region step run on this thread: no gradient threads to start
    super({ ...opts, settings: { ...opts.settings, threads: 1 }, optimizes: 'critic' });
    checkTrpoSettings(opts.settings);
    if (this.layout.actor.conv) throw new ConfigError('trpo trains MLPs only (network: mlp)');
    this.trpo = opts.settings;
    this.shuffleRng = opts.rng;
    const lastActor = this.layout.actor.layers.at(-1)!;
    this.netSize = lastActor.b + lastActor.outSize;
    const A = this.layout.actions;
    this.oldLogStd = new Float64Array(A);
    this.oldInvVar = new Float64Array(A);
    this.logStdGrads = new Float64Array(A);
    this.logp = new Float64Array(A);
    this.p = new Float64Array(A);
  }

  /** One TRPO update, exactly as `TrpoLearner.update`: the trust-region step of the actor, then the critic. */
  override update(buf: RolloutBuffer, progress: number): TrpoStats {
    const s = this.trpo;
    const lr = this.learningRate(progress);
    // 1. the subproblem at θ_old: the surrogate, its gradient g, F·v
    const problem = this.trustRegionProblem(buf);
    // 2–3. s ≈ (F + λI)⁻¹g by conjugate gradient, the full step β·s, the line search on the true KL
    const step = trustRegionStep(problem, { cgIters: s.cgIters, maxKl: s.targetKl!, shrink: s.lineSearchShrink, maxSteps: s.lineSearchSteps });
    // 4. the critic, on its own
    const critic = this.fitCritic(buf, lr);
    this.e.storeTo(this.policy);
    return trpoStats(buf, problem, step, critic, lr);
  }

  /**
   * The trust-region subproblem of an update on `buf` at the policy's current weights, on the flat
   * buffer (read from the policy first). `setStep` moves the flat parameters only (the policy's
   * variables change at the end of `update`); F·v is taken at θ_old, so call `setStep(null, 0)`
   * before it once a step was set. Valid until the learner's next call.
   */
  trustRegionProblem(buf: RolloutBuffer): TrpoProblem {
    const e = this.e;
    const { actor, head, actions: A } = this.layout;
    const n = buf.size;
    const Np = pad4(n);
    e.loadFrom(this.policy);
    e.ensureRows(n);
    this.ensureBatch(n);
    const h = e.k.f32;
    const P = e.params;
    // every row into the actor's input (padded rows zero)
    h.set(buf.obs.subarray(0, n * actor.inSize), e.actor.input);
    h.fill(0, e.actor.input + n * actor.inSize, e.actor.input + Np * actor.inSize);
    // r_i = w_i / Σw, and the advantages normalised over the batch (unbiased std, as normalizeAdvantages)
    let wsum = 0;
    for (let i = 0; i < n; i++) wsum += buf.valid[i]!;
    const W = Math.max(wsum, 1e-8);
    const adv = this.batchAdv;
    for (let i = 0; i < n; i++) {
      this.rowWeight[i] = buf.valid[i]! / W;
      adv[i] = buf.advantages[i]!;
    }
    if (this.trpo.normAdv) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += adv[i]! * buf.valid[i]!;
      mean /= W;
      let v = 0;
      for (let i = 0; i < n; i++) v += (adv[i]! - mean) ** 2 * buf.valid[i]!;
      const std = Math.sqrt(v / Math.max(wsum - 1, 1));
      for (let i = 0; i < n; i++) adv[i] = (adv[i]! - mean) / (std + 1e-8);
    }
    // θ_old: its head on every row, and its flat parameters
    e.forward('actor', Np);
    const out = e.actor.outs[actor.layers.length - 1]!;
    for (let i = 0; i < n; i++) {
      if (head === 'categorical') {
        maskedLogSoftmax(h, out + i * A, buf.masks, i * A, A, this.logp, this.p);
        this.oldLogp.set(this.logp, i * A);
        this.oldP.set(this.p, i * A);
      } else {
        for (let j = 0; j < A; j++) this.oldMean[i * A + j] = h[out + i * A + j]!;
      }
    }
    if (head === 'gaussian') {
      for (let j = 0; j < A; j++) {
        this.oldLogStd[j] = h[P + this.layout.logStd + j]!;
        this.oldInvVar[j] = 1 / Math.exp(2 * this.oldLogStd[j]!);
      }
    }
    const theta = this.flatActor();
    const gradient = new Float64Array(theta.length);
    const first = this.measure(buf, gradient);
    // whether the parameters, and the saved activations F·v reads, are θ_old's
    let atOld = true;
    let forwardAtOld = true;
    return {
      surrogate: first.surrogate,
      entropy: first.entropy,
      gradient,
      fisherVectorProduct: (v) => {
        if (!atOld) throw new Error('F·v is taken at θ_old: call setStep(null, 0) first');
        if (!forwardAtOld) e.forward('actor', Np);
        forwardAtOld = true;
        return this.fisherVectorProduct(v, n);
      },
      setStep: (step, scale) => {
        this.setFlatActor(theta, step, scale);
        atOld = step === null;
      },
      evaluate: () => {
        e.forward('actor', Np);
        forwardAtOld = atOld;
        const { surrogate, kl } = this.measure(buf, null);
        return { surrogate, kl };
      },
      dispose: () => {},
    };
  }

  private ensureBatch(n: number): void {
    if (n <= this.rows) return;
    const A = this.layout.actions;
    this.rows = n;
    this.rowWeight = new Float64Array(n);
    this.batchAdv = new Float64Array(n);
    this.oldLogp = new Float64Array(n * A);
    this.oldP = new Float64Array(n * A);
    this.oldMean = new Float64Array(n * A);
  }

  /** The actor's parameters as one float64 vector in `actorVariables()` order (the network's, then the log-std). */
  private flatActor(): Float64Array {
    const h = this.e.k.f32;
    const P = this.e.params;
    const A = this.layout.logStd >= 0 ? this.layout.actions : 0;
    const out = new Float64Array(this.netSize + A);
    for (let i = 0; i < this.netSize; i++) out[i] = h[P + i]!;
    for (let j = 0; j < A; j++) out[this.netSize + j] = h[P + this.layout.logStd + j]!;
    return out;
  }

  /** Sets the actor's flat parameters to θ + scale·step (θ when `step` is null), rounded to float32 as tfjs assigns them. */
  private setFlatActor(theta: Float64Array, step: Float64Array | null, scale: number): void {
    const h = this.e.k.f32;
    const P = this.e.params;
    const at = (i: number) => (i < this.netSize ? P + i : P + this.layout.logStd + i - this.netSize);
    for (let i = 0; i < theta.length; i++) h[at(i)] = step ? theta[i]! + scale * step[i]! : theta[i]!;
  }

  /**
   * L, D̄_KL(θ_old, θ) and the mean entropy at the actor's forward pass on the batch; with `gradient`,
   * also ∇L into it (flat, `actorVariables()` order) by a backward pass.
   */
  private measure(buf: RolloutBuffer, gradient: Float64Array | null): { surrogate: number; kl: number; entropy: number } {
    const e = this.e;
    const h = e.k.f32;
    const { actor, head, actions: A } = this.layout;
    const n = buf.size;
    const out = e.actor.outs[actor.layers.length - 1]!;
    const dOut = e.actor.dOut;
    const ls0 = e.params + this.layout.logStd;
    const { logp, p, oldLogp, oldP, oldMean, oldLogStd, batchAdv: adv } = this;
    const lsg = this.logStdGrads.fill(0);
    let surrogate = 0;
    let kl = 0;
    let entropy = 0;
    for (let i = 0; i < n; i++) {
      const rw = this.rowWeight[i]!;
      const o = out + i * A;
      if (rw === 0) {
        if (gradient) h.fill(0, dOut + i * A, dOut + (i + 1) * A);
        continue;
      }
      let lp: number;
      let ent: number;
      let klRow = 0;
      if (head === 'categorical') {
        ent = maskedLogSoftmax(h, o, buf.masks, i * A, A, logp, p);
        lp = logp[buf.actions[i]!]!;
        for (let j = 0; j < A; j++) {
          const q = oldP[i * A + j]!;
          if (q > 0) klRow += q * (oldLogp[i * A + j]! - logp[j]!);
        }
      } else {
        lp = 0;
        ent = A * GAUSSIAN_ENTROPY;
        for (let j = 0; j < A; j++) {
          const ls = h[ls0 + j]!;
          const z = (buf.continuousActions[i * A + j]! - h[o + j]!) / Math.exp(ls);
          lp += -0.5 * z * z - ls - 0.5 * LOG_2PI;
          ent += ls;
          // KL(N(μ₀, σ₀²) ‖ N(μ, σ²)) = log σ − log σ₀ + (σ₀² + (μ₀ − μ)²)/(2σ²) − ½
          const dm = oldMean[i * A + j]! - h[o + j]!;
          klRow += ls - oldLogStd[j]! + (Math.exp(2 * oldLogStd[j]!) + dm * dm) / (2 * Math.exp(2 * ls)) - 0.5;
        }
      }
      const ratio = Math.exp(lp - buf.logProbs[i]!);
      surrogate += rw * adv[i]! * ratio;
      entropy += rw * ent;
      kl += rw * klRow;
      if (!gradient) continue;
      // ∂L/∂log π_i, then through the head
      const gLp = rw * adv[i]! * ratio;
      if (head === 'categorical') {
        const a = buf.actions[i]!;
        for (let j = 0; j < A; j++) h[dOut + i * A + j] = gLp * ((j === a ? 1 : 0) - p[j]!);
      } else {
        for (let j = 0; j < A; j++) {
          const sigma = Math.exp(h[ls0 + j]!);
          const z = (buf.continuousActions[i * A + j]! - h[o + j]!) / sigma;
          h[dOut + i * A + j] = (gLp * z) / sigma;
          lsg[j]! += gLp * (z * z - 1);
        }
      }
    }
    if (gradient) {
      const Np = pad4(n);
      h.fill(0, dOut + n * A, dOut + Np * A);
      e.backward('actor', Np);
      for (let i = 0; i < this.netSize; i++) gradient[i] = h[e.grads + i]!;
      if (head === 'gaussian') gradient.set(lsg, this.netSize);
    }
    return { surrogate, kl, entropy };
  }

  /** (F + λI)·v at θ_old (see the file comment), after a forward pass at θ_old on the batch's `n` rows. */
  private fisherVectorProduct(v: ArrayLike<number>, n: number): Float64Array {
    const e = this.e;
    const h = e.k.f32;
    const { actor, head, actions: A } = this.layout;
    const Np = pad4(n);
    const G = e.grads;
    const dOut = e.actor.dOut;
    // v's network part, as parameters in the gradient block (float32, as the reference's tensors), then J·v into dOut
    for (let i = 0; i < this.netSize; i++) h[G + i] = v[i]!;
    e.jvpNet(actor, e.actor, Np, e.actor.input, G, dOut);
    // M·(J·v) per row, weighted by r_i
    const { oldP, oldInvVar } = this;
    for (let i = 0; i < n; i++) {
      const rw = this.rowWeight[i]!;
      const o = dOut + i * A;
      if (rw === 0) {
        h.fill(0, o, o + A);
      } else if (head === 'categorical') {
        let pj = 0;
        for (let j = 0; j < A; j++) pj += oldP[i * A + j]! * h[o + j]!;
        for (let j = 0; j < A; j++) {
          const q = oldP[i * A + j]!;
          h[o + j] = rw * (q * h[o + j]! - q * pj);
        }
      } else {
        for (let j = 0; j < A; j++) h[o + j] = rw * h[o + j]! * oldInvVar[j]!;
      }
    }
    h.fill(0, dOut + n * A, dOut + Np * A);
    // Jᵀ(M·J·v): a backward pass into the gradient block (over v, read already)
    e.backward('actor', Np);
    const damping = this.trpo.cgDamping;
    const fv = new Float64Array(v.length);
    for (let i = 0; i < this.netSize; i++) fv[i] = h[G + i]!;
    // the log-std block: ∂²KL/∂(log σ_j)² = 2 on every row (weights sum to 1), no cross terms with the means
    for (let i = this.netSize; i < v.length; i++) fv[i] = 2 * v[i]!;
    for (let i = 0; i < v.length; i++) fv[i]! += damping * v[i]!;
    return fv;
  }

  /** `epochs` passes of shuffled minibatches of E[(V − R)²] on the critic (as `TrpoLearner`'s); the mean loss over the steps. */
  private fitCritic(buf: RolloutBuffer, lr: number): { loss: number; epochs: number; steps: number } {
    const e = this.e;
    const s = this.settings;
    const { critic } = this.layout;
    const indices = validIndices(buf);
    const n = indices.length;
    const mb = Math.min(Math.max(1, s.minibatchSize), n);
    e.ensureRows(mb);
    const input = buf.criticObs ?? buf.obs;
    if (!buf.criticObs && critic.inSize !== this.layout.actor.inSize) throw new ConfigError(`the critic reads ${critic.inSize} inputs but the buffer has no critic observations`);
    const first = critic.layers[0]!.w;
    const last = critic.layers.at(-1)!;
    const span = last.b + last.outSize - first;
    const vOut = e.critic.outs[critic.layers.length - 1]!;
    const dV = e.critic.dOut;
    let sum = 0;
    let steps = 0;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      shuffle(indices, this.shuffleRng);
      for (let start = 0; start < n; start += mb) {
        const idx = indices.subarray(start, Math.min(n, start + mb));
        const M = idx.length;
        const Mp = pad4(M);
        const h = e.k.f32;
        gatherRows(h, e.critic.input, input, critic.inSize, idx, Mp);
        e.forward('critic', Mp);
        // mean((V − R)²): ∂/∂V_r = 2(V_r − R_r)/M
        let loss = 0;
        for (let r = 0; r < M; r++) {
          const d = h[vOut + r]! - buf.returns[idx[r]!]!;
          loss += d * d;
          h[dV + r] = (2 * d) / M;
        }
        h.fill(0, dV + M, dV + Mp);
        e.backward('critic', Mp);
        this.optimizerStep([Math.sqrt(e.k.sumsq(e.grads + first, span))], lr);
        sum += loss / M;
        steps++;
      }
    }
    return { loss: sum / Math.max(1, steps), epochs: s.epochs, steps };
  }
}
