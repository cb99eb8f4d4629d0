/**
 * The learner's working batch for PPO, A2C, REINFORCE, IMPALA and AlphaZero: a Trajectory
 * (trajectory.ts) plus the advantages and returns the algorithm computes, as time-major (index t·N + e)
 * typed arrays allocated once and refilled every update.
 */
import type { Trajectory } from './trajectory.ts';

export interface BufferSpec {
  /** Rollout length per env (T). */
  readonly steps: number;
  /** Number of envs (N). */
  readonly envs: number;
  readonly obsSize: number;
  /** Critic input size; 0 means the critic reads the actor's observation. */
  readonly criticSize: number;
  readonly actions: number;
  /** Discrete actions with legal-action masks, or continuous action vectors. */
  readonly continuous: boolean;
}

export class RolloutBuffer implements Trajectory {
  readonly spec: BufferSpec;
  readonly size: number;
  readonly obs: Float32Array;
  /** Centralized-critic inputs, or null when the critic reads `obs`. */
  readonly criticObs: Float32Array | null;
  /** Legal-action masks (discrete only). */
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly continuousActions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  /** Value to bootstrap from for each transition (see computeGae). */
  readonly nextValues: Float32Array;
  /** 1 when the transition ended an episode (terminated or truncated). */
  readonly dones: Uint8Array;
  /** 1 for real transitions; 0 for padding (e.g. agents already done), excluded from every loss. */
  readonly valid: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /**
   * Magnet-regularised updates (categorical only): log ρ(j|s) of the magnet policy per row and action
   * (0 for illegal actions), set by the algorithm before an update; null: the magnet is uniform and
   * the regulariser is the plain entropy bonus.
   */
  magnetLogp: Float32Array | null = null;
  /**
   * Search distillation (loss kind 'search', categorical only): the target distribution π(j|s) per row
   * and action — an MCTS's normalised visit counts, 0 on illegal actions, each row summing to 1 — set
   * by the algorithm before an update; null when the loss is not 'search'.
   */
  searchPolicy: Float32Array | null = null;

  constructor(spec: BufferSpec) {
    this.spec = spec;
    const n = spec.steps * spec.envs;
    this.size = n;
    this.obs = new Float32Array(n * spec.obsSize);
    this.criticObs = spec.criticSize > 0 ? new Float32Array(n * spec.criticSize) : null;
    this.masks = new Uint8Array(spec.continuous ? 0 : n * spec.actions);
    this.actions = new Int32Array(spec.continuous ? 0 : n);
    this.continuousActions = new Float32Array(spec.continuous ? n * spec.actions : 0);
    this.logProbs = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.nextValues = new Float32Array(n);
    this.dones = new Uint8Array(n);
    this.valid = new Uint8Array(n).fill(1);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  get steps(): number {
    return this.spec.steps;
  }

  get columns(): number {
    return this.spec.envs;
  }

  /** Number of valid transitions. */
  validCount(): number {
    let c = 0;
    for (let i = 0; i < this.size; i++) c += this.valid[i]!;
    return c;
  }
}
