/**
 * Learner selection: the fast learner (hand-written forward/backward on a flat buffer, WASM SIMD
 * kernels) where tfjs's per-op overhead dominates — the 'wasm' and 'cpu' backends — and the tfjs
 * reference learner elsewhere (tfjs-node on CPU or GPU runs native kernels, where the reference is
 * the right tool and larger networks gain from them). `ARENA_LEARNER=reference|fast` overrides.
 * TRPO's learners follow the same rule (`createTrpoLearner`), and so do the off-policy learners (SAC,
 * TD3, DDPG: `chooseOffPolicyLearner`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import type { OptimizerState } from '../train/policy-checkpoint.ts';
import { PolicyGradientLearner, type LearnerSettings, type UpdateStats } from '../algorithms/policy-gradient.ts';
import { TrpoLearner, type TrpoSettings } from '../algorithms/trpo.ts';
import { FastLearner } from './learner.ts';
import { unsupportedReason } from './mlp-tf.ts';
import { FastTrpoLearner } from './trpo.ts';

export type LearnerKind = 'fast' | 'reference';

/** What both learners offer. */
export interface Learner {
  readonly policy: ActorCritic;
  readonly settings: LearnerSettings;
  /** Optimizer state for checkpoints (Adam/RMSprop slots). */
  readonly optimizer: OptimizerState;
  /** One update; `lrScale` (default 1) multiplies the scheduled learning rate. */
  update(buf: RolloutBuffer, progress: number, lrScale?: number): UpdateStats;
  /** The current policy on `buf`: masked log π of the stored actions and critic values (for V-trace). */
  evaluate(buf: RolloutBuffer, outLogProbs: Float32Array, outValues: Float32Array): void;
  /** Batched inference over the learner's current weights (the fast path reads its flat parameters: no tfjs call). */
  inference(): Pick<ActorCritic, 'act' | 'values'>;
  learningRate(progress: number): number;
  clipCoef(progress: number): number;
  entropyCoef(progress: number): number;
  dispose(): void;
}

/** tfjs backends on which the fast learner is chosen by default. */
const FAST_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * Which learner to use for `policy` on the tfjs backend `backend` (default: the active one), and why.
 * `override` (default: `process.env.ARENA_LEARNER`) forces a choice; forcing 'fast' on a policy it
 * cannot train throws a ConfigError.
 */
export function chooseLearner(policy: ActorCritic, backend: string = tf.getBackend(), override: string | undefined = process.env.ARENA_LEARNER): { kind: LearnerKind; reason: string } {
  const forced = forcedLearner(override);
  const unsupported = unsupportedReason(policy);
  if (forced === 'reference') {
    // tfjs-backend-wasm registers Conv2D but not its filter gradient (Conv2DBackpropFilter)
    if (unsupported === null && policy.spec.conv && backend === 'wasm') throw new ConfigError("ARENA_LEARNER=reference: tfjs's 'wasm' backend cannot train a conv policy (no Conv2DBackpropFilter kernel); use the fast learner, or --backend cpu or node");
    return { kind: 'reference', reason: 'ARENA_LEARNER=reference' };
  }
  if (forced === 'fast') {
    if (unsupported) throw new ConfigError(`ARENA_LEARNER=fast: ${unsupported}`);
    return { kind: 'fast', reason: 'ARENA_LEARNER=fast' };
  }
  if (unsupported) return { kind: 'reference', reason: `fast learner unsupported: ${unsupported}` };
  if (!FAST_BACKENDS.has(backend)) return { kind: 'reference', reason: `tfjs backend '${backend}' runs native kernels` };
  return { kind: 'fast', reason: `tfjs backend '${backend}': per-op overhead dominates` };
}

/** `ARENA_LEARNER`'s choice, or undefined when unset or empty. */
function forcedLearner(override: string | undefined): LearnerKind | undefined {
  const forced = override?.trim() || undefined;
  if (forced !== undefined && forced !== 'fast' && forced !== 'reference') {
    throw new ConfigError(`ARENA_LEARNER must be 'fast' or 'reference', got '${forced}'`);
  }
  return forced;
}

/**
 * Which learner the off-policy algorithms (SAC, TD3, DDPG: src/fast/sac.ts and td3.ts, or the tfjs
 * ones of src/algorithms/) use on the tfjs backend `backend`, and why: the rule and the override of
 * `chooseLearner` — their networks are dense MLPs, which the fast path always supports.
 */
export function chooseOffPolicyLearner(backend: string = tf.getBackend(), override: string | undefined = process.env.ARENA_LEARNER): { kind: LearnerKind; reason: string } {
  const forced = forcedLearner(override);
  if (forced) return { kind: forced, reason: `ARENA_LEARNER=${forced}` };
  if (!FAST_BACKENDS.has(backend)) return { kind: 'reference', reason: `tfjs backend '${backend}' runs native kernels` };
  return { kind: 'fast', reason: `tfjs backend '${backend}': per-op overhead dominates` };
}

/** The learner `chooseLearner` picks, constructed. */
export function createLearner(opts: { policy: ActorCritic; settings: LearnerSettings; rng: Rng; backend?: string }): Learner {
  const { kind } = chooseLearner(opts.policy, opts.backend);
  const { policy, settings, rng } = opts;
  return kind === 'fast' ? new FastLearner({ policy, settings, rng }) : new PolicyGradientLearner({ policy, settings, rng });
}

/** TRPO's learner by `chooseLearner`'s rule: the fast one (src/fast/trpo.ts) or the tfjs reference (src/algorithms/trpo.ts). */
export function createTrpoLearner(opts: { policy: ActorCritic; settings: TrpoSettings; rng: Rng; backend?: string }): Learner {
  const { kind } = chooseLearner(opts.policy, opts.backend);
  const { policy, settings, rng } = opts;
  return kind === 'fast' ? new FastTrpoLearner({ policy, settings, rng }) : new TrpoLearner({ policy, settings, rng });
}
