/**
 * Soft Actor-Critic on the fast path: the update of `SacLearner` (src/algorithms/sac.ts — the maths,
 * the order of the steps and the references are there) computed without tfjs, forward and backward
 * by hand on one flat buffer (offpolicy-nets.ts, mlp.ts) with fused Adam steps. Same networks at the
 * start (`initialSacNetworks`), same RNG draws, same statistics, same checkpoint format.
 *
 * Gradients, as tfjs differentiates the reference (w.r.t. the variables of each optimizer only):
 * - critics: ½·Σ_i mean((Q_i − y)²) → ∂/∂Q_i = (Q_i − y)/B, y a constant;
 * - actor: mean(α·log π(ã|s) − min_i Q_i(s, ã)), ã = tanh(u), u = μ + σ·ε. With g = ∂min Q/∂ã from the
 *   critics' input gradient (tf.minimum sends it to the first critic on ties),
 *   ∂/∂u = (α·2·tanh u − g·(1 − tanh²u))/B (log π = Σ [−½ε² − log σ − ½ log 2π − log(1 − tanh²u)],
 *   ∂log(1 − tanh²u)/∂u = −2·tanh u), ∂/∂μ = ∂/∂u and ∂/∂log σ = ∂/∂u·σ·ε − α/B inside the clamp
 *   [−20, 2] (clipByValue passes the gradient on the closed interval), 0 outside;
 * - temperature: −mean(log α·(log π + H̄)) → ∂/∂log α = −mean(log π + H̄), log π a constant.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/index.ts';
import { checkFinite, normals, type Mlp, type OffPolicyLearner, type OptimizerWeights } from '../algorithms/offpolicy-nets.ts';
import type { ReplayBatch } from '../algorithms/replay-buffer.ts';
import { initialSacNetworks, LOG_STD_MAX, LOG_STD_MIN, type SacNetworks, type SacSettings } from '../algorithms/sac.ts';
import type { KernelChoice } from './kernels.ts';
import { pad4 } from './mlp.ts';
import { criticRegression, FlatAdam, FlatNetworks } from './offpolicy-nets.ts';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG2 = Math.log(2);
const CRITICS = ['critic-0', 'critic-1'] as const;
const TARGETS = ['critic-0-target', 'critic-1-target'] as const;

/** softplus(x) = log(1 + eˣ), stable for large |x|. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

export class FastSacLearner implements OffPolicyLearner {
  readonly algo = 'sac' as const;
  readonly kind = 'fast' as const;
  readonly settings: SacSettings;
  readonly targetEntropy: number;
  readonly nets: FlatNetworks;
  updates = 0;
  private readonly logAlphaVar: tf.Variable;
  /** Offset of log α in the flat buffer. */
  private readonly logAlphaAt: number;
  private readonly actorOptimizer: FlatAdam;
  private readonly criticOptimizer: FlatAdam;
  private readonly alphaOptimizer: FlatAdam | null;
  // per-minibatch scratch, sized to the batch
  private eps = new Float32Array(0);
  private nextEps = new Float32Array(0);
  private actEps = new Float32Array(0);
  private actions = new Float32Array(0);
  private logProb = new Float64Array(0);
  private y = new Float64Array(0);
  private actOut = new Float32Array(0);

  constructor(settings: SacSettings, seed: number, networks?: SacNetworks, kernels?: KernelChoice) {
    this.settings = settings;
    const init = initialSacNetworks(settings, seed, networks);
    this.nets = new FlatNetworks({
      nets: [
        { name: 'actor', mlp: init.actor },
        ...CRITICS.map((name, i) => ({ name, mlp: init.critics[i]! })),
        ...TARGETS.map((name, i) => ({ name, mlp: init.criticTargets[i]!, targetOf: CRITICS[i]! })),
      ],
      scalars: 1,
      kernels,
    });
    this.logAlphaAt = this.nets.scalar(0);
    this.nets.f32[this.nets.engine.params + this.logAlphaAt] = init.logAlpha;
    this.logAlphaVar = tf.tidy(() => tf.variable(tf.scalar(init.logAlpha), settings.alpha === null));
    this.targetEntropy = settings.targetEntropy ?? -settings.actionDims;
    const { lr, optimizerEps: eps } = settings;
    this.actorOptimizer = new FlatAdam(this.nets, this.nets.variables(['actor']), lr, eps);
    this.criticOptimizer = new FlatAdam(this.nets, this.nets.variables(CRITICS), lr, eps);
    const logAlpha = { name: this.logAlphaVar.name, offset: this.logAlphaAt, size: 1, shape: [] };
    this.alphaOptimizer = settings.alpha === null ? new FlatAdam(this.nets, [logAlpha], lr, eps) : null;
  }

  /** The kernel implementation in use. */
  get kernels(): KernelChoice {
    return this.nets.kernels;
  }

  private get logAlpha(): number {
    return this.nets.f32[this.nets.engine.params + this.logAlphaAt]!;
  }

  get alpha(): number {
    return Math.exp(this.logAlpha);
  }

  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean, rng: Rng): void {
    const { obsSize: O, actionDims: A } = this.settings;
    if (this.actEps.length !== rows * A) this.actEps = new Float32Array(rows * A);
    if (explore) normals(rng, this.actEps);
    if (this.actOut.length < rows * A) this.actOut = new Float32Array(rows * A);
    const head = this.actorHead(obs, O, rows);
    const h = this.nets.f32;
    const a = this.actOut;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < A; j++) {
        const mean = h[head + r * 2 * A + j]!;
        if (!explore) {
          a[r * A + j] = Math.tanh(mean);
          continue;
        }
        const logStd = Math.min(Math.max(h[head + r * 2 * A + A + j]!, LOG_STD_MIN), LOG_STD_MAX);
        a[r * A + j] = Math.tanh(mean + Math.exp(logStd) * this.actEps[r * A + j]!);
      }
    }
    const actions = a.subarray(0, rows * A);
    checkFinite(actions, () => `the sac actor after gradient step ${this.updates}`);
    out.set(actions);
  }

  /** The actor on `rows` rows of `obs` (width `width`): the heap offset of its head [μ, log σ] per row. */
  private actorHead(obs: Float32Array, width: number, rows: number): number {
    const n = this.nets;
    n.ensureRows(rows);
    const s = n.scratch('actor');
    n.setColumns(s.input, width, 0, obs, width, rows);
    n.forward('actor', pad4(rows));
    return n.output('actor');
  }

  /**
   * Squashed-Gaussian samples from the actor head at `head` (after `actorHead`) for the noise `eps`:
   * actions tanh(μ + σ·ε) into `actions`, log π into `logProb` (as `squashedGaussian` of sac.ts).
   */
  private sample(head: number, eps: Float32Array, rows: number, actions: Float32Array, logProb: Float64Array): void {
    const A = this.settings.actionDims;
    const h = this.nets.f32;
    for (let r = 0; r < rows; r++) {
      let lp = 0;
      for (let j = 0; j < A; j++) {
        const mean = h[head + r * 2 * A + j]!;
        const logStd = Math.min(Math.max(h[head + r * 2 * A + A + j]!, LOG_STD_MIN), LOG_STD_MAX);
        const e = eps[r * A + j]!;
        const u = mean + Math.exp(logStd) * e;
        actions[r * A + j] = Math.tanh(u);
        // log N(u; μ, σ) − log(1 − tanh²u), the latter as 2·(log 2 − u − softplus(−2u))
        lp += -0.5 * e * e - logStd - HALF_LOG_2PI - 2 * (LOG2 - u - softplus(-2 * u));
      }
      logProb[r] = lp;
    }
  }

  /** The critic target y of a minibatch for the policy noise ε' at s' and temperature α (as SacLearner.target). */
  target(batch: ReplayBatch, nextEps: Float32Array, alpha: number): Float32Array {
    this.ensureBatch(batch.size);
    this.targetInto(batch, nextEps, alpha);
    return Float32Array.from(this.y.subarray(0, batch.size));
  }

  /** y = r + γ·(1 − d)·(min_i Q'_i(s', a') − α·log π(a'|s')), a' = tanh(μ(s') + σ(s')·ε'), into `this.y`. */
  private targetInto(batch: ReplayBatch, nextEps: Float32Array, alpha: number): void {
    const { obsSize: O, actionDims: A, gamma } = this.settings;
    const B = batch.size;
    const Bp = pad4(B);
    const n = this.nets;
    const head = this.actorHead(batch.nextObs, O, B);
    this.sample(head, nextEps, B, this.actions, this.logProb);
    const x = n.scratch('critic-0').input;
    n.setColumns(x, O + A, 0, batch.nextObs, O, B);
    n.setColumns(x, O + A, O, this.actions, A, B);
    for (const t of TARGETS) n.forward(t, Bp, x);
    const h = n.f32;
    const [q0, q1] = TARGETS.map((t) => n.output(t)) as [number, number];
    const a32 = Math.fround(alpha);
    for (let r = 0; r < B; r++) {
      const minQ = Math.min(h[q0 + r]!, h[q1 + r]!);
      this.y[r] = batch.rewards[r]! + gamma * (1 - batch.dones[r]!) * (minQ - a32 * this.logProb[r]!);
    }
  }

  private ensureBatch(B: number): void {
    const A = this.settings.actionDims;
    if (this.eps.length === B * A) return;
    this.eps = new Float32Array(B * A);
    this.nextEps = new Float32Array(B * A);
    this.actions = new Float32Array(B * A);
    this.logProb = new Float64Array(B);
    this.y = new Float64Array(B);
  }

  train(batch: ReplayBatch, rng: Rng): Record<string, number> {
    const { obsSize: O, actionDims: A, tau } = this.settings;
    const B = batch.size;
    const Bp = pad4(B);
    this.ensureBatch(B);
    normals(rng, this.eps);
    normals(rng, this.nextEps);
    this.updates++;
    const n = this.nets;
    const e = n.engine;
    const alpha = this.alpha;
    const a32 = Math.fround(alpha);
    const s: Record<string, number> = { 'losses/alpha': alpha };

    // step 3's target y first (with α before its update, as in step 3): it runs the actor on s', and
    // step 4 reuses the actor's pass on s below
    this.targetInto(batch, this.nextEps, alpha);

    // 1–2. a fresh sample ã of the current policy; the temperature from its log π (a constant there)
    const head = this.actorHead(batch.obs, O, B);
    const { actions, logProb } = this;
    this.sample(head, this.eps, B, actions, logProb);
    if (this.alphaOptimizer) {
      let mean = 0;
      for (let r = 0; r < B; r++) mean += logProb[r]! + this.targetEntropy;
      mean /= B;
      s['losses/alpha_loss'] = -this.logAlpha * mean;
      n.f32[e.grads + this.logAlphaAt] = -mean;
      this.alphaOptimizer.apply();
    }

    // 3. critics toward y: ½·Σ_i mean((Q_i(s, a) − y)²)
    const x = n.scratch('critic-0').input;
    n.setColumns(x, O + A, 0, batch.obs, O, B);
    n.setColumns(x, O + A, O, batch.actions, A, B);
    const { loss: criticLoss, qMeans } = criticRegression(n, CRITICS, x, this.y, B, Bp, 0.5);
    this.criticOptimizer.apply();
    s['losses/qf_loss'] = criticLoss;
    qMeans.forEach((q, i) => (s[`losses/qf${i + 1}_values`] = q));
    checkFinite([criticLoss], () => `sac critic update ${this.updates}`);

    // 4. actor: mean(α·log π(ã|s) − min_i Q_i(s, ã)) through the updated critics
    n.setColumns(x, O + A, O, actions, A, B);
    for (const c of CRITICS) n.forward(c, Bp, x);
    let h = n.f32;
    const [q0, q1] = CRITICS.map((c) => n.output(c)) as [number, number];
    const [d0, d1] = CRITICS.map((c) => n.scratch(c).dOut) as [number, number];
    let actorLoss = 0;
    let logProbSum = 0;
    for (let r = 0; r < B; r++) {
      // tf.minimum: the gradient goes to the first critic where Q₁ ≤ Q₂
      const first = h[q0 + r]! <= h[q1 + r]!;
      actorLoss += a32 * logProb[r]! - (first ? h[q0 + r]! : h[q1 + r]!);
      logProbSum += logProb[r]!;
      h[d0 + r] = first ? -1 / B : 0;
      h[d1 + r] = first ? 0 : -1 / B;
    }
    h.fill(0, d0 + B, d0 + Bp);
    h.fill(0, d1 + B, d1 + Bp);
    for (const c of CRITICS) n.backward(c, Bp, { params: false, input: true }, x);
    h = n.f32;
    const [g0, g1] = CRITICS.map((c) => n.scratch(c).dInput) as [number, number];
    const dHead = n.scratch('actor').dOut;
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < A; j++) {
        const mean = h[head + r * 2 * A + j]!;
        const raw = h[head + r * 2 * A + A + j]!;
        const logStd = Math.min(Math.max(raw, LOG_STD_MIN), LOG_STD_MAX);
        const sigma = Math.exp(logStd);
        const eps = this.eps[r * A + j]!;
        const t = Math.tanh(mean + sigma * eps);
        const gq = h[g0 + r * (O + A) + O + j]! + h[g1 + r * (O + A) + O + j]!;
        const gu = (a32 * 2 * t) / B + gq * (1 - t * t);
        h[dHead + r * 2 * A + j] = gu;
        h[dHead + r * 2 * A + A + j] = raw >= LOG_STD_MIN && raw <= LOG_STD_MAX ? gu * sigma * eps - a32 / B : 0;
      }
    }
    h.fill(0, dHead + B * 2 * A, dHead + Bp * 2 * A);
    n.backward('actor', Bp, { params: true, input: false });
    this.actorOptimizer.apply();
    s['losses/actor_loss'] = actorLoss / B;
    s['losses/entropy'] = -logProbSum / B;
    checkFinite([s['losses/actor_loss']], () => `sac actor update ${this.updates}`);
    checkFinite([this.alpha], () => `sac temperature update ${this.updates}`);

    // 5. Polyak averaging of the target critics
    n.polyak(n.range(CRITICS[0], CRITICS[1]), n.range(TARGETS[0], TARGETS[1]), tau);
    return s;
  }

  /** The tfjs networks, holding the current weights. */
  networks(): Record<string, Mlp> {
    this.nets.store();
    return this.nets.mlps();
  }

  optimizers(): Record<string, OptimizerWeights> {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer, ...(this.alphaOptimizer ? { alpha: this.alphaOptimizer } : {}) };
  }

  /** log α as a tf variable, holding the current value. */
  extraVariables(): Record<string, tf.Variable> {
    tf.tidy(() => this.logAlphaVar.assign(tf.scalar(this.logAlpha)));
    return { 'log-alpha': this.logAlphaVar };
  }

  dispose(): void {
    for (const o of [this.actorOptimizer, this.criticOptimizer, this.alphaOptimizer]) o?.dispose();
    this.nets.dispose();
    this.logAlphaVar.dispose();
  }
}
