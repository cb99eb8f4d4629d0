/**
 * Trust Region Policy Optimisation (Schulman, Levine, Moritz, Jordan, Abbeel, ICML 2015), as
 * Stable-Baselines3-contrib's TRPO: one natural-gradient step of the actor per batch, then the critic
 * by minibatch Adam on its own.
 *
 * The policy step solves the trust-region problem of eqs. 12–14,
 *   maximise  L(θ) = E[π_θ(a|s) / π_b(a|s) · Â]   subject to  D̄_KL(θ_old, θ) = E_s[KL(π_θold(·|s) ‖ π_θ(·|s))] ≤ δ,
 * by the procedure of Section 6 and Appendix C: g = ∇L at θ_old; s ≈ F⁻¹g by conjugate gradient on
 * Fisher-vector products (F the Hessian of D̄_KL at θ_old, plus damping); the full step β·s with
 * β = √(2δ / sᵀFs); then a backtracking line search that accepts the first shrunk step improving L with
 * the measured KL ≤ δ (src/algorithms/trust-region.ts). π_b is the policy that played the batch (the
 * actors' recorded log-probabilities, as PPO's ratio here); the KL is taken against the learner's own
 * policy before the step. Advantages are GAE(γ, λ), normalised over the batch; TRPO has no entropy bonus.
 *
 * The Fisher-vector product. At θ_old the gradient of the KL in the network's outputs z is zero, so the
 * Hessian of D̄_KL is exactly its Gauss–Newton form F = E_s[Jᵀ M J] (Schulman et al. 2015, Appendix C;
 * Martens 2014): J = ∂z/∂θ, M the Fisher of the output distribution — diag(p) − ppᵀ in logit space
 * for a categorical head, 1/σ² on the means and 2 on each log σ for a diagonal Gaussian. F·v is taken
 * with tfjs autodiff in that form: J·v as the gradient over u of (Jᵀu)·v (the double-backward trick: a
 * gradient of a gradient, linear in u), then M, then Jᵀ(M·J·v) by one more backward pass. The direct
 * route, ∇((∇D̄_KL)·v), needs second derivatives through tanh, exp and softmax, which tfjs does not
 * give (their gradients read saved outputs that its tape does not connect back to the input). The fast
 * learner (src/fast/trpo.ts) takes the same product with a forward-mode pass for J·v; both hand their
 * subproblem (`TrpoProblem`) to the one `trustRegionStep` of trust-region.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import type { RolloutBuffer } from './buffer.ts';
import { explainedVarianceValid, shuffle, validIndices, type UpdateStats } from './learner-common.ts';
import { logProbAndEntropy, normalizeAdvantages, type TensorBatch } from './losses.ts';
import { globalNorm, PolicyGradientLearner, type LearnerSettings } from './policy-gradient.ts';
import { dot, trustRegionStep, type TrustRegionProblem, type TrustRegionStep } from './trust-region.ts';

/**
 * TRPO's settings. Of the learner settings it reads `targetKl` (the trust-region bound δ), `normAdv`,
 * and for the critic `lr`, `annealLr`, `epochs` (passes over the batch), `minibatchSize`,
 * `maxGradNorm`, `optimizer` and `optimizerEps`.
 */
export interface TrpoSettings extends LearnerSettings {
  /** Conjugate-gradient iterations per update (SB3 cg_max_steps). */
  readonly cgIters: number;
  /** Damping λ added to the Fisher-vector product, (F + λI)·v (SB3 cg_damping). */
  readonly cgDamping: number;
  /** Factor by which a rejected step is shrunk (SB3 line_search_shrinking_factor). */
  readonly lineSearchShrink: number;
  /** Candidate steps of the line search, the full one included (SB3 line_search_max_iter). */
  readonly lineSearchSteps: number;
}

/** TRPO's own metrics, besides the learner's (`losses/approx_kl` is the exact KL of the step here). */
export interface TrpoStats extends UpdateStats {
  /** Mean KL(π_old ‖ π_new) after the step (0 when the line search kept the old policy). */
  readonly 'trpo/kl': number;
  /** Candidate steps the line search evaluated (1: the full step). */
  readonly 'trpo/line_search_steps': number;
  /** 1 when a step was accepted, 0 when the old policy was kept. */
  readonly 'trpo/line_search_accepted': number;
  /** L(θ_new) − L(θ_old), the surrogate's actual improvement. */
  readonly 'trpo/surrogate_improvement': number;
  /** gᵀΔθ, the improvement the linear model expected of the accepted step. */
  readonly 'trpo/expected_improvement': number;
  /** The scalar multiplying the natural-gradient direction s in the accepted step (fraction·β). */
  readonly 'trpo/step_size': number;
  /** ‖Δθ‖₂ of the accepted step. */
  readonly 'trpo/step_norm': number;
  /** ‖g − (F + λI)s‖ at the end of conjugate gradient. */
  readonly 'trpo/cg_residual': number;
}

/** Throws a ConfigError unless `s` poses a trust region (δ > 0) and a line search that shrinks, on an advantage loss (not 'search'). */
export function checkTrpoSettings(s: TrpoSettings): void {
  if (s.kind === 'search') throw new ConfigError('trpo steps its own surrogate; the search-distillation loss (kind search) trains with the policy-gradient learner');
  if (s.targetKl === null || !(s.targetKl > 0)) throw new ConfigError('trpo needs targetKl > 0: the trust-region bound δ on the mean KL of a step');
  if (!(s.lineSearchShrink > 0 && s.lineSearchShrink < 1)) throw new ConfigError(`trpo's lineSearchShrink must lie in (0, 1), got ${s.lineSearchShrink}`);
}

/** A learner's trust-region subproblem for one batch, with what the statistics need; `dispose` frees it. */
export interface TrpoProblem extends TrustRegionProblem {
  /** The policy's mean entropy on the batch at θ_old. */
  readonly entropy: number;
  dispose(): void;
}

/** The statistics of one TRPO update (both learners report these), from its subproblem, step and critic fit. */
export function trpoStats(
  buf: RolloutBuffer,
  problem: TrpoProblem,
  step: TrustRegionStep,
  critic: { readonly loss: number; readonly epochs: number; readonly steps: number },
  lr: number,
): TrpoStats {
  const { search } = step;
  return {
    'losses/policy_loss': -search.surrogate,
    'losses/value_loss': critic.loss,
    'losses/entropy': problem.entropy,
    'losses/approx_kl': search.kl,
    'losses/clipfrac': Number.NaN,
    'losses/explained_variance': explainedVarianceValid(buf),
    'losses/grad_norm': Math.sqrt(dot(problem.gradient, problem.gradient)),
    'charts/learning_rate': lr,
    'charts/clip_coef': Number.NaN,
    'charts/ent_coef': 0,
    'charts/epochs': critic.epochs,
    'charts/minibatch_steps': critic.steps,
    'trpo/kl': search.kl,
    'trpo/line_search_steps': search.evaluations,
    'trpo/line_search_accepted': search.accepted ? 1 : 0,
    'trpo/surrogate_improvement': search.surrogate - problem.surrogate,
    'trpo/expected_improvement': step.expectedImprovement,
    'trpo/step_size': step.stepSize,
    'trpo/step_norm': step.stepNorm,
    'trpo/cg_residual': step.cg.residualNorm,
  };
}

/**
 * What the Fisher-vector product and the KL read: the batch's observations and masks, the per-row
 * weights w_i / Σw (padding rows 0), and the old policy on the batch — its masked log-probabilities
 * (categorical) or means (Gaussian) and log-std.
 */
export interface OldPolicy {
  readonly policy: ActorCritic;
  readonly obs: tf.Tensor2D;
  readonly maskPenalty: tf.Tensor2D | null;
  readonly rowWeights: tf.Tensor1D;
  readonly head: tf.Tensor2D;
  readonly logStd: tf.Tensor1D | null;
}

/** The current policy on `obs` as the old one for the KL and F·v; its tensors are kept: `disposeOldPolicy`. */
export function snapshotOldPolicy(policy: ActorCritic, obs: tf.Tensor2D, maskPenalty: tf.Tensor2D | null, weights: tf.Tensor1D): OldPolicy {
  const [head, rowWeights] = tf.tidy(() => {
    const z = policy.actorForward(obs);
    return [policy.spec.head === 'categorical' ? tf.logSoftmax(maskPenalty ? tf.add(z, maskPenalty) : z) : z, tf.div(weights, tf.maximum(tf.sum(weights), 1e-8))] as [tf.Tensor2D, tf.Tensor1D];
  });
  return { policy, obs, maskPenalty, rowWeights, head, logStd: policy.logStd ? (policy.logStd.clone() as tf.Tensor1D) : null };
}

export function disposeOldPolicy(old: OldPolicy): void {
  tf.dispose([old.rowWeights, old.head, ...(old.logStd ? [old.logStd] : [])]);
}

/** KL(p ‖ q) per row of two categorical distributions given as log-probabilities [B, A]: Σ_a p_a (log p_a − log q_a). */
export function categoricalKl(logpOld: tf.Tensor2D, logpNew: tf.Tensor2D): tf.Tensor1D {
  // masked actions have p_a = 0 exactly, so their (finite) log difference never counts
  return tf.sum(tf.mul(tf.exp(logpOld), tf.sub(logpOld, logpNew)), 1) as tf.Tensor1D;
}

/**
 * KL(N(μ₀, σ₀²) ‖ N(μ₁, σ₁²)) per row of two diagonal Gaussians [B, A] with state-independent log-stds [A]:
 * Σ_j [log σ₁ − log σ₀ + (σ₀² + (μ₀ − μ₁)²) / (2σ₁²) − ½].
 */
export function gaussianKl(muOld: tf.Tensor2D, logStdOld: tf.Tensor1D, muNew: tf.Tensor2D, logStdNew: tf.Tensor1D): tf.Tensor1D {
  const varNew = tf.exp(tf.mul(2, logStdNew));
  const num = tf.add(tf.exp(tf.mul(2, logStdOld)), tf.square(tf.sub(muOld, muNew)));
  return tf.sum(tf.sub(tf.add(tf.sub(logStdNew, logStdOld), tf.div(num, tf.mul(2, varNew))), 0.5), 1) as tf.Tensor1D;
}

/** D̄_KL(θ_old, θ) = Σ_i w_i KL(π_old(·|s_i) ‖ π_θ(·|s_i)) / Σw at the policy's current weights (eq. 12's constraint). */
export function meanKl(old: OldPolicy): tf.Scalar {
  return tf.tidy(() => {
    const { policy } = old;
    const z = policy.actorForward(old.obs);
    const perRow =
      policy.spec.head === 'categorical'
        ? categoricalKl(old.head, tf.logSoftmax(old.maskPenalty ? tf.add(z, old.maskPenalty) : z) as tf.Tensor2D)
        : gaussianKl(old.head, old.logStd!, z, policy.logStd as tf.Tensor as tf.Tensor1D);
    return tf.sum(tf.mul(perRow, old.rowWeights)) as tf.Scalar;
  });
}

/** The actor's variables without the Gaussian log-std: the ones the network's outputs z depend on. */
function networkVariables(policy: ActorCritic): tf.Variable[] {
  return policy.actorVariables().filter((v) => v !== policy.logStd);
}

/** The flat vector `flat` cut into tensors shaped as `vars` (in order, from `offset`). */
function unflatten(vars: readonly tf.Variable[], flat: ArrayLike<number>, offset = 0): tf.Tensor[] {
  let k = offset;
  return vars.map((v) => {
    const t = tf.tensor(Float32Array.from({ length: v.size }, (_, i) => flat[k + i]!), v.shape);
    k += v.size;
    return t;
  });
}

/** The named gradients of `vars`, concatenated in the order of `vars` (zeros where one has none). */
function concatGrads(vars: readonly tf.Variable[], grads: tf.NamedTensorMap): tf.Tensor1D {
  return tf.concat(vars.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1]))) as tf.Tensor1D;
}

/**
 * F·v + λ·v, F the Hessian of D̄_KL at θ_old over the actor's variables in `actorVariables()` order,
 * computed as Jᵀ M J v (see the file comment). `v` and the result are flat float64 vectors.
 */
export function fisherVectorProduct(old: OldPolicy, v: ArrayLike<number>, damping: number): Float64Array {
  const { policy } = old;
  const net = networkVariables(policy);
  const out = tf.tidy(() => {
    const vNet = unflatten(net, v);
    // J·v = ∂/∂u [(Jᵀu)·v], Jᵀu = ∇_θ Σ z⊙u: a backward pass, differentiated in its (linear) input u
    const jv = tf.grad((u: tf.Tensor) => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(policy.actorForward(old.obs), u)) as tf.Scalar, net);
      return tf.addN(net.map((x, k) => tf.sum(tf.mul(grads[x.name]!, vNet[k]!)))) as tf.Scalar;
    })(tf.zeros(old.head.shape));
    // M·(J·v) per row, weighted by w_i / Σw
    let mjv: tf.Tensor;
    if (policy.spec.head === 'categorical') {
      const p = tf.exp(old.head);
      mjv = tf.sub(tf.mul(p, jv), tf.mul(p, tf.sum(tf.mul(p, jv), 1, true)));
    } else {
      mjv = tf.div(jv, tf.exp(tf.mul(2, old.logStd!)));
    }
    mjv = tf.mul(mjv, tf.reshape(old.rowWeights, [-1, 1]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(policy.actorForward(old.obs), mjv)) as tf.Scalar, net);
    return concatGrads(net, grads).dataSync() as Float32Array;
  });
  const n = out.length + (policy.logStd ? policy.logStd.size : 0);
  const fv = new Float64Array(n);
  fv.set(out);
  // the log-std block: ∂²KL/∂(log σ_j)² = 2 on every row (weights sum to 1), no cross terms with the means
  for (let i = out.length; i < n; i++) fv[i] = 2 * v[i]!;
  for (let i = 0; i < n; i++) fv[i]! += damping * v[i]!;
  return fv;
}

/** The actor's variables as one flat float64 vector, in `actorVariables()` order. */
export function flatParameters(policy: ActorCritic): Float64Array {
  const vars = policy.actorVariables();
  return Float64Array.from(tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))).dataSync()));
}

/** Sets the actor's variables to θ + scale·step (flat vectors in `actorVariables()` order). */
export function assignParameters(policy: ActorCritic, theta: Float64Array, step: Float64Array | null, scale: number): void {
  const vars = policy.actorVariables();
  const flat = step ? theta.map((x, i) => x + scale * step[i]!) : theta;
  tf.tidy(() => unflatten(vars, flat).forEach((t, k) => vars[k]!.assign(t)));
}

/**
 * The TRPO learner: PolicyGradientLearner's batch upload, evaluation and inference, with the update
 * replaced — one trust-region step of the actor, then `epochs` passes of minibatch Adam on the critic's
 * squared error E[(V(s) − R)²] toward the GAE returns (SB3's n_critic_updates; its F.mse_loss, without
 * PPO's ½). `optimizer` is the critic's; the actor has no optimizer state.
 */
export class TrpoLearner extends PolicyGradientLearner {
  readonly trpo: TrpoSettings;
  private readonly shuffleRng: Rng;

  constructor(opts: { policy: ActorCritic; settings: TrpoSettings; rng: Rng }) {
    super(opts);
    checkTrpoSettings(opts.settings);
    this.trpo = opts.settings;
    this.shuffleRng = opts.rng;
  }

  override update(buf: RolloutBuffer, progress: number): TrpoStats {
    const s = this.trpo;
    const lr = this.learningRate(progress);
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const full = this.uploadBatch(buf);
    try {
      // 1. the subproblem at θ_old: the surrogate, its gradient g, F·v
      const problem = this.problemOn(full);
      try {
        // 2–3. s ≈ (F + λI)⁻¹g by conjugate gradient, the full step β·s, the line search on the true KL
        const step = trustRegionStep(problem, { cgIters: s.cgIters, maxKl: s.targetKl!, shrink: s.lineSearchShrink, maxSteps: s.lineSearchSteps });
        // 4. the critic, on its own (its gradients never touch the actor)
        const critic = this.fitCritic(full, buf);
        return trpoStats(buf, problem, step, critic, lr);
      } finally {
        problem.dispose();
      }
    } finally {
      tf.dispose(Object.values(full).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    }
  }

  /**
   * The trust-region subproblem of an update on `buf` at the policy's current weights, without taking
   * the step (for tests and diagnostics; `update` poses the same one). Call `dispose` when done.
   */
  trustRegionProblem(buf: RolloutBuffer): TrpoProblem {
    const full = this.uploadBatch(buf);
    const freeBatch = () => tf.dispose(Object.values(full).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    try {
      const problem = this.problemOn(full);
      return {
        ...problem,
        dispose: () => {
          problem.dispose();
          freeBatch();
        },
      };
    } catch (err) {
      freeBatch();
      throw err;
    }
  }

  /** The subproblem on an uploaded batch: the old policy, the normalised advantages, L and g at θ_old. */
  private problemOn(full: TensorBatch): TrpoProblem {
    const s = this.trpo;
    const old = snapshotOldPolicy(this.policy, full.obs, full.maskPenalty, full.weights);
    const adv = tf.tidy(() => {
      const wsum = tf.maximum(tf.sum(full.weights), 1e-8) as tf.Scalar;
      return s.normAdv ? normalizeAdvantages(full.advantages, full.weights, wsum) : full.advantages.clone();
    });
    const dispose = () => {
      disposeOldPolicy(old);
      adv.dispose();
    };
    try {
      const vars = this.policy.actorVariables();
      // L(θ) = Σ_i w_i Â_i π_θ(a_i|s_i) / π_b(a_i|s_i) / Σw, with the mean entropy alongside
      const surrogate = (): { value: tf.Scalar; entropy: tf.Scalar } => {
        const { logProb, entropy } = logProbAndEntropy(this.policy, full);
        const ratio = tf.exp(tf.sub(logProb, full.oldLogProbs));
        return { value: tf.sum(tf.mul(tf.mul(adv, ratio), old.rowWeights)) as tf.Scalar, entropy: tf.sum(tf.mul(entropy, old.rowWeights)) as tf.Scalar };
      };
      const first = tf.tidy(() => {
        let ent: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = surrogate();
          ent = tf.keep(out.entropy);
          return out.value;
        }, vars);
        return [value, ent!, concatGrads(vars, grads)];
      });
      const [before, entropy] = [first[0]!.dataSync()[0]!, first[1]!.dataSync()[0]!];
      const gradient = Float64Array.from(first[2]!.dataSync());
      tf.dispose(first);
      const theta = flatParameters(this.policy);
      return {
        surrogate: before,
        gradient,
        entropy,
        fisherVectorProduct: (v) => fisherVectorProduct(old, v, s.cgDamping),
        setStep: (step, scale) => assignParameters(this.policy, theta, step, scale),
        evaluate: () => tf.tidy(() => ({ surrogate: surrogate().value.dataSync()[0]!, kl: meanKl(old).dataSync()[0]! })),
        dispose,
      };
    } catch (err) {
      dispose();
      throw err;
    }
  }

  /** `epochs` passes of shuffled minibatches of E[(V − R)²] on the critic; the mean loss over the steps. */
  private fitCritic(full: TensorBatch, buf: RolloutBuffer): { loss: number; epochs: number; steps: number } {
    const indices = validIndices(buf);
    const n = indices.length;
    const mb = Math.min(Math.max(1, this.settings.minibatchSize), n);
    const vars = this.policy.criticVariables();
    let sum = 0;
    let steps = 0;
    for (let epoch = 0; epoch < this.settings.epochs; epoch++) {
      shuffle(indices, this.shuffleRng);
      const losses: tf.Scalar[] = [];
      for (let start = 0; start < n; start += mb) {
        const idx = indices.subarray(start, Math.min(n, start + mb));
        losses.push(
          tf.tidy(() => {
            const i = tf.tensor1d(idx, 'int32');
            const x = tf.gather(full.criticInput, i);
            const r = tf.gather(full.returns, i);
            const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(this.policy.criticForward(x), r))) as tf.Scalar, vars);
            if (this.settings.maxGradNorm > 0) {
              const scale = tf.minimum(1, tf.div(this.settings.maxGradNorm, tf.add(globalNorm(Object.values(grads)), 1e-6)));
              for (const k of Object.keys(grads)) grads[k] = tf.mul(grads[k]!, scale);
            }
            this.optimizer.applyGradients(grads);
            return value;
          }),
        );
        steps++;
      }
      // one read-back per epoch
      sum += tf.tidy(() => tf.sum(tf.stack(losses)).dataSync()[0]!);
      tf.dispose(losses);
    }
    return { loss: sum / Math.max(1, steps), epochs: this.settings.epochs, steps };
  }
}
