/**
 * The one batch type: a time-major trajectory (index t·columns + c). Every collector produces it —
 * a vector env on the main thread, two-seat self-play and team rollouts in worker threads — and every
 * algorithm trains from it. A column is one learning agent's stream: an env of a single-agent or
 * two-seat game, an (env, team seat) pair of a team game.
 *
 * `logProbs` and `values` are the behaviour policy's (the weights the actor played with), which is
 * what PPO's ratio and V-trace's importance weights are taken against.
 *
 * Actions are integers with legal-action masks in discrete games (`actions`, `masks`), vectors in
 * continuous ones (`continuousActions`, the arrays of the other kind then empty): the vector as
 * sampled, before the game clips it to its box, since that is the sample its log-probability is of.
 */
import { ConfigError } from '../../core/index.ts';

export interface Trajectory {
  /** Rollout length per column (T). */
  readonly steps: number;
  /** Number of columns (N). */
  readonly columns: number;
  /** Actor inputs, T·N × obsSize. */
  readonly obs: Float32Array;
  /** Critic inputs (centralized critics), or null when the critic reads `obs`. */
  readonly criticObs: Float32Array | null;
  /** Legal-action masks, T·N × actions (discrete games; empty in continuous ones). */
  readonly masks: Uint8Array;
  /** The action taken (discrete games; empty in continuous ones). */
  readonly actions: Int32Array;
  /**
   * Continuous games: the sampled action vectors, T·N × action components, unclipped. Absent or empty
   * in discrete games.
   */
  readonly continuousActions?: Float32Array;
  /** Behaviour log-probability of each action. */
  readonly logProbs: Float32Array;
  /** Behaviour critic's V(x_t). */
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  /** Value to bootstrap each transition from: V(x_{t+1}), V(final observation) at a truncation, 0 at a termination. */
  readonly nextValues: Float32Array;
  /** 1 on the last transition of an episode (terminated or truncated) or of an agent that is done from then on. */
  readonly dones: Uint8Array;
  /** 1 for real transitions; 0 for padding (agents already done), left out of every loss. */
  readonly valid: Uint8Array;
}

/** The typed arrays of a trajectory (for transfer lists: they move between threads, never copied). */
export function trajectoryArrays(t: Trajectory): ArrayBufferView[] {
  const arrays: ArrayBufferView[] = [t.obs, t.masks, t.actions, t.logProbs, t.values, t.rewards, t.nextValues, t.dones, t.valid];
  if (t.criticObs) arrays.push(t.criticObs);
  if (t.continuousActions) arrays.push(t.continuousActions);
  return arrays;
}

/** Whether a trajectory holds action vectors (a continuous game) rather than action ids. */
export function hasContinuousActions(t: Trajectory): boolean {
  return (t.continuousActions?.length ?? 0) > 0;
}

/**
 * A zeroed trajectory of `steps` × `columns` (critic inputs only when `criticSize` > 0): `actions`
 * ids with masks, or, when `continuous`, vectors of `actions` components.
 */
export function allocTrajectory(steps: number, columns: number, obsSize: number, criticSize: number, actions: number, continuous = false) {
  const n = steps * columns;
  return {
    steps,
    columns,
    obs: new Float32Array(n * obsSize),
    criticObs: criticSize > 0 ? new Float32Array(n * criticSize) : null,
    masks: new Uint8Array(continuous ? 0 : n * actions),
    actions: new Int32Array(continuous ? 0 : n),
    continuousActions: new Float32Array(continuous ? n * actions : 0),
    logProbs: new Float32Array(n),
    values: new Float32Array(n),
    rewards: new Float32Array(n),
    nextValues: new Float32Array(n),
    dones: new Uint8Array(n),
    valid: new Uint8Array(n),
  };
}

/**
 * Concatenates trajectories of equal length column-wise: T × ΣN_k, blocks side by side (GAE runs
 * unchanged over it), into `into` when given (it must have that shape), else into new arrays.
 */
export function concatTrajectories(parts: readonly Trajectory[], into?: Trajectory): Trajectory {
  if (parts.length === 0) throw new ConfigError('no trajectories to assemble');
  if (parts.length === 1 && !into) return parts[0]!;
  const first = parts[0]!;
  const T = first.steps;
  if (parts.some((r) => r.steps !== T)) throw new ConfigError('trajectories disagree on their length');
  if (parts.some((r) => (r.criticObs === null) !== (first.criticObs === null))) throw new ConfigError('trajectories disagree on critic inputs');
  const C = parts.reduce((a, r) => a + r.columns, 0);
  const inA = first.obs.length / (T * first.columns);
  const inC = first.criticObs ? first.criticObs.length / (T * first.columns) : 0;
  const continuous = hasContinuousActions(first);
  if (parts.some((r) => hasContinuousActions(r) !== continuous)) throw new ConfigError('trajectories disagree on the kind of actions');
  const A = (continuous ? first.continuousActions!.length : first.masks.length) / (T * first.columns);
  if (into && (into.steps !== T || into.columns !== C)) throw new ConfigError(`trajectories of ${T}×${C} do not fit ${into.steps}×${into.columns}`);
  const b = into ?? allocTrajectory(T, C, inA, inC, A, continuous);
  const mA = continuous ? 0 : A; // mask entries per transition
  let c0 = 0;
  for (const r of parts) {
    const Ck = r.columns;
    for (let t = 0; t < T; t++) {
      const src = t * Ck;
      const dst = t * C + c0;
      b.obs.set(r.obs.subarray(src * inA, (src + Ck) * inA), dst * inA);
      if (b.criticObs) b.criticObs.set(r.criticObs!.subarray(src * inC, (src + Ck) * inC), dst * inC);
      b.masks.set(r.masks.subarray(src * mA, (src + Ck) * mA), dst * mA);
      if (continuous) b.continuousActions!.set(r.continuousActions!.subarray(src * A, (src + Ck) * A), dst * A);
      else b.actions.set(r.actions.subarray(src, src + Ck), dst);
      b.logProbs.set(r.logProbs.subarray(src, src + Ck), dst);
      b.values.set(r.values.subarray(src, src + Ck), dst);
      b.rewards.set(r.rewards.subarray(src, src + Ck), dst);
      b.nextValues.set(r.nextValues.subarray(src, src + Ck), dst);
      b.dones.set(r.dones.subarray(src, src + Ck), dst);
      b.valid.set(r.valid.subarray(src, src + Ck), dst);
    }
    c0 += Ck;
  }
  return b;
}

/** Number of valid transitions. */
export function validCount(t: Trajectory): number {
  let c = 0;
  for (let i = 0; i < t.valid.length; i++) c += t.valid[i]!;
  return c;
}
