/**
 * Policy-gradient losses on a batch of tensors, shared by PPO, A2C and REINFORCE, and AlphaZero's
 * search-distillation loss.
 * Every mean is weighted by `weights` so padded or finished-agent steps (weight 0) drop out exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';

export interface TensorBatch {
  readonly obs: tf.Tensor2D;
  /** Critic input (the observation itself, or a global state). */
  readonly criticInput: tf.Tensor2D;
  /** 0 for legal and MASKED_LOGIT for illegal actions (categorical only; null = all legal). */
  readonly maskPenalty: tf.Tensor2D | null;
  /** Discrete: int32 [B]; continuous: float32 [B, actions]. */
  readonly actions: tf.Tensor;
  readonly oldLogProbs: tf.Tensor1D;
  readonly oldValues: tf.Tensor1D;
  readonly advantages: tf.Tensor1D;
  readonly returns: tf.Tensor1D;
  readonly weights: tf.Tensor1D;
  /** Magnet log-probabilities [B, actions] (0 for illegal actions); absent: a uniform magnet. */
  readonly magnetLogp?: tf.Tensor2D | null;
  /** Search targets π [B, actions] (loss kind 'search'; rows sum to 1, 0 on illegal actions). */
  readonly searchPolicy?: tf.Tensor2D | null;
}

/**
 * 'clipped': PPO's surrogate; 'vanilla': −Â·log π (A2C, REINFORCE); 'search': AlphaZero's
 * cross-entropy −Σ_j π_j·log p_j to a search policy π (`RolloutBuffer.searchPolicy`; advantages unused).
 */
export type LossKind = 'clipped' | 'vanilla' | 'search';

export interface LossSettings {
  /** The policy term (see LossKind). */
  readonly kind: LossKind;
  readonly clip: number;
  /** Clip range for the value loss around the old values; null disables value clipping. */
  readonly clipValue: number | null;
  readonly entCoef: number;
  readonly vfCoef: number;
  /** Normalise advantages within the batch (mean 0, std 1). */
  readonly normAdv: boolean;
  /**
   * NeuRD's logit threshold β (categorical heads): the policy term becomes R-NaD's NeuRD update
   * (`neurdLoss`) and the regulariser enters it, instead of the surrogate above (absent or null: the surrogate).
   */
  readonly neurdBeta?: number | null;
}

/** Names of the entries of `stats`, in order. */
export const LOSS_STATS = ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac'] as const;

function wmean(x: tf.Tensor, w: tf.Tensor1D, wsum: tf.Scalar): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, w)), wsum) as tf.Scalar;
}

/** (Â − mean) / (std + 1e-8) over the rows of weight 1, with the unbiased std, as torch.std() in CleanRL and SB3. */
export function normalizeAdvantages(adv: tf.Tensor1D, w: tf.Tensor1D, wsum: tf.Scalar): tf.Tensor1D {
  const m = wmean(adv, w, wsum);
  const v = tf.div(tf.sum(tf.mul(tf.square(tf.sub(adv, m)), w)), tf.maximum(tf.sub(wsum, 1), 1));
  return tf.div(tf.sub(adv, m), tf.add(tf.sqrt(v), 1e-8)) as tf.Tensor1D;
}

/** Log-probabilities of the taken actions and per-sample entropies under the current policy. */
export function logProbAndEntropy(policy: ActorCritic, batch: TensorBatch): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; logp?: tf.Tensor2D; logits?: tf.Tensor2D } {
  const head = policy.actorForward(batch.obs);
  if (policy.spec.head === 'categorical') {
    const logits = batch.maskPenalty ? tf.add(head, batch.maskPenalty) : head;
    const logp = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(batch.actions as tf.Tensor1D, policy.spec.actions);
    return {
      logProb: tf.sum(tf.mul(logp, oneHot), 1) as tf.Tensor1D,
      // p·log p is exactly 0 for masked actions (p underflows to 0), so they never enter the entropy.
      entropy: tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D,
      logp: logp as tf.Tensor2D,
      logits: head,
    };
  }
  const logStd = policy.logStd!;
  const z = tf.div(tf.sub(batch.actions, head), tf.exp(logStd));
  const logProb = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.5 * Math.log(2 * Math.PI)), 1) as tf.Tensor1D;
  const entropy = tf.add(tf.sum(logStd), policy.spec.actions * 0.5 * Math.log(2 * Math.PI * Math.E));
  return { logProb, entropy: tf.mul(entropy, tf.onesLike(logProb)) as tf.Tensor1D };
}

/** A copy of x's values off the gradient tape (torch's detach, JAX's stop_gradient; tfjs has none, and its comparisons have no gradient to pass through). */
const detach = <T extends tf.Tensor>(x: T): T => tf.tensor(x.dataSync(), x.shape, x.dtype) as T;

/**
 * NeuRD's policy term per row, as R-NaD applies it (the fast path's `neurdRowInto`, src/fast/ppo-grad.ts,
 * documents the formula): −Σ_legal ȳ_b·F'_b with the logits ȳ centred on their legal mean and the force
 * F' held constant. `logits` are the actor's raw outputs, `logp` the masked log-softmax, `eta` the
 * regulariser's weight (entCoef), `beta` the logit threshold.
 */
export function neurdLoss(logits: tf.Tensor2D, logp: tf.Tensor2D, batch: TensorBatch, adv: tf.Tensor1D, eta: number, beta: number): tf.Tensor1D {
  const A = logits.shape[1];
  const legal = batch.maskPenalty ? tf.cast(tf.equal(batch.maskPenalty, 0), 'float32') : tf.onesLike(logits);
  const yc = tf.sub(logits, tf.div(tf.sum(tf.mul(logits, legal), 1, true), tf.sum(legal, 1, true))) as tf.Tensor2D;
  // the force, computed on constants: only the centred logits carry the gradient
  const ycHeld = detach(yc);
  const logpHeld = detach(logp);
  const p = tf.exp(logpHeld);
  const oneHot = tf.oneHot(batch.actions as tf.Tensor1D, A);
  const pa = tf.sum(tf.mul(p, oneHot), 1, true);
  const g = tf.reshape(tf.div(detach(adv), tf.exp(batch.oldLogProbs)), [-1, 1]);
  // log π − log ρ on legal actions (0 on illegal ones: their logp is the masked −1e9)
  const logRatio = tf.mul(batch.magnetLogp ? tf.sub(logpHeld, batch.magnetLogp) : logpHeld, legal);
  const kl = tf.sum(tf.mul(p, logRatio), 1, true);
  const force = tf.sub(tf.mul(tf.sub(oneHot, pa), g), tf.mul(eta, tf.sub(logRatio, kl)));
  const zero = tf.zerosLike(force);
  const clipped = tf.add(tf.where(tf.greater(ycHeld, -beta), tf.minimum(force, 0), zero), tf.where(tf.less(ycHeld, beta), tf.maximum(force, 0), zero));
  return tf.neg(tf.sum(tf.mul(yc, tf.mul(clipped, legal)), 1)) as tf.Tensor1D;
}

/**
 * AlphaZero's policy term per row (Silver et al. 2018, eq. 1): the cross-entropy −Σ_j π_j·log p_j of
 * the masked log-softmax `logp` to the search's target π (`batch.searchPolicy`). Illegal actions are
 * left out: their log p is the masked −1e9, and a target that put mass there would swamp the loss.
 */
export function searchCrossEntropy(logp: tf.Tensor2D, batch: TensorBatch): tf.Tensor1D {
  if (!batch.searchPolicy) throw new ConfigError('the search-distillation loss (kind search) needs search targets: set RolloutBuffer.searchPolicy before the update');
  const target = batch.maskPenalty ? tf.mul(batch.searchPolicy, tf.cast(tf.equal(batch.maskPenalty, 0), 'float32')) : batch.searchPolicy;
  return tf.neg(tf.sum(tf.mul(target, logp), 1)) as tf.Tensor1D;
}

/**
 * The actor-critic loss  L = L_pg − c_ent·H + c_vf·L_v, or with a magnet policy ρ (magnet mirror
 * descent, Sokota et al. 2023; R-NaD's regularisation policy, Perolat et al. 2022)
 * L = L_pg + c_ent·KL(π‖ρ) + c_vf·L_v (KL to a uniform ρ is −H up to a constant: the same gradient).
 *  - clipped (PPO, Schulman et al. 2017, eq. 7): L_pg = E[max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε))], ρ = π/π_old;
 *  - vanilla (REINFORCE/A2C, Williams 1992; Mnih et al. 2016): L_pg = E[−Â·log π(a|s)];
 *  - search (AlphaZero, Silver et al. 2018, eq. 1, without its L2 term): L_pg = E[−Σ_j π_j·log p_j],
 *    the cross-entropy to the search's visit distribution π, with R the game's outcome z;
 *  - L_v = ½·E[(V − R)²], or ½·E[max((V − R)², (V_old + clip(V − V_old, ±ε_v) − R)²)] with value clipping.
 * Also returns [policy_loss, value_loss, entropy, approx_kl, clipfrac] where approx_kl is the
 * low-variance estimator E[(ρ − 1) − log ρ] (Schulman's "k3"); for 'search' these two are diagnostics
 * of the stored action (policy lag), and policy_loss is the mean cross-entropy.
 */
export function policyGradientLoss(policy: ActorCritic, batch: TensorBatch, s: LossSettings): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const w = batch.weights;
  const wsum = tf.maximum(tf.sum(w), 1e-8) as tf.Scalar;
  const { logProb, entropy, logp, logits } = logProbAndEntropy(policy, batch);

  const adv = s.normAdv ? normalizeAdvantages(batch.advantages, w, wsum) : batch.advantages;

  const logRatio = tf.sub(logProb, batch.oldLogProbs);
  const ratio = tf.exp(logRatio);
  let pgLoss: tf.Scalar;
  const neurd = s.neurdBeta !== undefined && s.neurdBeta !== null;
  if (s.kind === 'search') {
    if (neurd) throw new ConfigError('NeuRD and the search-distillation loss (kind search) cannot be combined');
    if (!logp) throw new ConfigError('the search-distillation loss (kind search) needs a categorical head; this policy is Gaussian');
    pgLoss = wmean(searchCrossEntropy(logp, batch), w, wsum);
  } else if (neurd) {
    if (!logits || !logp) throw new Error('NeuRD updates the logits of a categorical head; this policy is Gaussian');
    pgLoss = wmean(neurdLoss(logits, logp, batch, adv, s.entCoef, s.neurdBeta!), w, wsum);
  } else if (s.kind === 'clipped') {
    const unclipped = tf.mul(tf.neg(adv), ratio);
    const clipped = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - s.clip, 1 + s.clip));
    pgLoss = wmean(tf.maximum(unclipped, clipped), w, wsum);
  } else {
    pgLoss = wmean(tf.neg(tf.mul(adv, logProb)), w, wsum);
  }

  const value = policy.criticForward(batch.criticInput);
  let vLoss: tf.Scalar;
  if (s.clipValue !== null) {
    const unclipped = tf.square(tf.sub(value, batch.returns));
    const vClipped = tf.add(batch.oldValues, tf.clipByValue(tf.sub(value, batch.oldValues), -s.clipValue, s.clipValue));
    vLoss = tf.mul(0.5, wmean(tf.maximum(unclipped, tf.square(tf.sub(vClipped, batch.returns))), w, wsum));
  } else {
    vLoss = tf.mul(0.5, wmean(tf.square(tf.sub(value, batch.returns)), w, wsum));
  }

  const ent = wmean(entropy, w, wsum);
  // the regulariser: H(π) (a uniform magnet), or −KL(π‖ρ) = H(π) + Σ_a π(a|s)·log ρ(a|s) with a magnet ρ
  const reg = batch.magnetLogp && logp ? tf.add(ent, wmean(tf.sum(tf.mul(tf.exp(logp), batch.magnetLogp), 1) as tf.Tensor1D, w, wsum)) : ent;
  // NeuRD's force already holds the regulariser
  const loss = tf.add(neurd ? pgLoss : tf.sub(pgLoss, tf.mul(s.entCoef, reg)), tf.mul(s.vfCoef, vLoss)) as tf.Scalar;
  const approxKl = wmean(tf.sub(tf.sub(ratio, 1), logRatio), w, wsum);
  const clipFrac = wmean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), s.clip), 'float32'), w, wsum);
  return { loss, stats: tf.stack([pgLoss, vLoss, ent, approxKl, clipFrac]) as tf.Tensor1D };
}
