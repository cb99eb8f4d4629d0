/**
 * The replay buffer of the off-policy learners (DDPG, TD3, SAC): a ring of transitions
 * (s, a, r, s', terminated, truncated) in typed arrays allocated once, sampled uniformly with the
 * learner's seeded RNG into a caller-owned batch.
 *
 * Terminated and truncated are kept apart, as Stable-Baselines3 does (`handle_timeout_termination`):
 * the TD target bootstraps through a time-limit truncation — s' is then the episode's final
 * observation, not the next episode's first — and never through a termination. Actions are stored in
 * the networks' units, [−1, 1] per dimension (the collector scales them to the game's bounds).
 *
 * `TransitionBatch` is how fresh transitions travel from the collector to the algorithm: a Trajectory
 * (so it rides in a Segment like every batch) with the next observations and the two end flags added.
 *
 * `encodeReplay` / `decodeReplay` write the buffer with a header naming what it holds (game, obs size,
 * action dims, capacity, step); a buffer that does not match the run's config is refused.
 */
import { CheckpointError, type Rng } from '../../core/index.ts';
import type { Trajectory } from './trajectory.ts';

export interface ReplaySpec {
  /** Transitions kept; the oldest is overwritten once full. */
  readonly capacity: number;
  readonly obsSize: number;
  readonly actionDims: number;
}

/** A sampled minibatch: row i of every array is one transition. */
export interface ReplayBatch {
  readonly size: number;
  readonly obs: Float32Array;
  /** Actions in [−1, 1], size × actionDims. */
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  /** 1 where the transition terminated the episode (no bootstrap), else 0 (truncations bootstrap). */
  readonly dones: Float32Array;
}

export function allocReplayBatch(spec: Omit<ReplaySpec, 'capacity'>, size: number): ReplayBatch {
  return {
    size,
    obs: new Float32Array(size * spec.obsSize),
    actions: new Float32Array(size * spec.actionDims),
    rewards: new Float32Array(size),
    nextObs: new Float32Array(size * spec.obsSize),
    dones: new Float32Array(size),
  };
}

/** Fresh transitions of T steps × N envs (index t·N + e), as the off-policy collector records them. */
export interface TransitionBatch extends Trajectory {
  readonly kind: 'transitions';
  readonly actionDims: number;
  /** Actions in [−1, 1], T·N × actionDims. */
  readonly continuousActions: Float32Array;
  /** s' of each transition: the final observation at a truncation (what the target bootstraps from). */
  readonly nextObs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
}

export function isTransitionBatch(t: Trajectory): t is TransitionBatch {
  return (t as Partial<TransitionBatch>).kind === 'transitions';
}

/** A zeroed TransitionBatch; the Trajectory fields off-policy learning does not read stay empty or zero. */
export function allocTransitionBatch(steps: number, columns: number, obsSize: number, actionDims: number): TransitionBatch {
  const n = steps * columns;
  return {
    kind: 'transitions',
    steps,
    columns,
    actionDims,
    obs: new Float32Array(n * obsSize),
    criticObs: null,
    masks: new Uint8Array(0),
    actions: new Int32Array(0),
    continuousActions: new Float32Array(n * actionDims),
    logProbs: new Float32Array(n),
    values: new Float32Array(n),
    rewards: new Float32Array(n),
    nextValues: new Float32Array(n),
    dones: new Uint8Array(n),
    valid: new Uint8Array(n).fill(1),
    nextObs: new Float32Array(n * obsSize),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
  };
}

export class ReplayBuffer {
  readonly spec: ReplaySpec;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Transitions held (≤ capacity). */
  size = 0;
  /** Where the next transition goes. */
  position = 0;

  constructor(spec: ReplaySpec) {
    for (const k of ['capacity', 'obsSize', 'actionDims'] as const) {
      if (!Number.isInteger(spec[k]) || spec[k] < 1) throw new RangeError(`replay ${k} must be a positive integer, got ${spec[k]}`);
    }
    this.spec = spec;
    const { capacity: C, obsSize: O, actionDims: A } = spec;
    this.obs = new Float32Array(C * O);
    this.actions = new Float32Array(C * A);
    this.rewards = new Float32Array(C);
    this.nextObs = new Float32Array(C * O);
    this.terminated = new Uint8Array(C);
    this.truncated = new Uint8Array(C);
  }

  /** Appends every transition of `t` (valid rows only), overwriting the oldest once full. */
  addBatch(t: TransitionBatch): void {
    const { obsSize: O, actionDims: A, capacity } = this.spec;
    const n = t.steps * t.columns;
    if (t.obs.length !== n * O || t.actionDims !== A) {
      throw new RangeError(`transitions of obs size ${t.obs.length / n} and ${t.actionDims} action dim(s) do not fit a replay buffer of obs size ${O} and ${A}`);
    }
    for (let i = 0; i < n; i++) {
      if (!t.valid[i]) continue;
      const p = this.position;
      this.obs.set(t.obs.subarray(i * O, (i + 1) * O), p * O);
      this.nextObs.set(t.nextObs.subarray(i * O, (i + 1) * O), p * O);
      this.actions.set(t.continuousActions.subarray(i * A, (i + 1) * A), p * A);
      this.rewards[p] = t.rewards[i]!;
      this.terminated[p] = t.terminated[i]!;
      this.truncated[p] = t.truncated[i]!;
      this.position = (p + 1) % capacity;
      if (this.size < capacity) this.size++;
    }
  }

  /** Fills `out` with `out.size` transitions drawn uniformly with replacement (SB3's sampling). */
  sample(rng: Rng, out: ReplayBatch): void {
    if (this.size === 0) throw new RangeError('cannot sample an empty replay buffer');
    const { obsSize: O, actionDims: A } = this.spec;
    for (let b = 0; b < out.size; b++) {
      const j = rng.int(this.size);
      out.obs.set(this.obs.subarray(j * O, (j + 1) * O), b * O);
      out.nextObs.set(this.nextObs.subarray(j * O, (j + 1) * O), b * O);
      out.actions.set(this.actions.subarray(j * A, (j + 1) * A), b * A);
      out.rewards[b] = this.rewards[j]!;
      out.dones[b] = this.terminated[j]!;
    }
  }
}

/** What a saved buffer says it holds; checked against the run before any transition is read. */
export interface ReplayHeader {
  readonly format: typeof REPLAY_FORMAT;
  readonly version: typeof REPLAY_VERSION;
  readonly game: string;
  readonly algo: string;
  readonly obsSize: number;
  readonly actionDims: number;
  readonly capacity: number;
  readonly size: number;
  readonly position: number;
  /** The run's step when it was saved (the checkpoint it belongs to). */
  readonly globalStep: number;
}

export const REPLAY_FORMAT = 'arena-replay';
export const REPLAY_VERSION = 1;

/**
 * The buffer as bytes: a little-endian u32 header length, the JSON header, zero padding to 4 bytes,
 * then the arrays (obs, actions, rewards, next obs as float32; terminated, truncated as bytes) of the
 * first `size` slots — ring order is kept, with `position` in the header.
 */
export function encodeReplay(buf: ReplayBuffer, about: { game: string; algo: string; globalStep: number }): Uint8Array {
  const { capacity, obsSize: O, actionDims: A } = buf.spec;
  const n = buf.size;
  const header: ReplayHeader = { format: REPLAY_FORMAT, version: REPLAY_VERSION, game: about.game, algo: about.algo, obsSize: O, actionDims: A, capacity, size: n, position: buf.position, globalStep: about.globalStep };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = 4 + Math.ceil(json.length / 4) * 4;
  const floats = n * (2 * O + A + 1);
  const bytes = new Uint8Array(start + 4 * floats + 2 * n);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  const f = new Float32Array(bytes.buffer, start, floats);
  let o = 0;
  for (const [arr, w] of [[buf.obs, O], [buf.actions, A], [buf.rewards, 1], [buf.nextObs, O]] as const) {
    f.set(arr.subarray(0, n * w), o);
    o += n * w;
  }
  bytes.set(buf.terminated.subarray(0, n), start + 4 * floats);
  bytes.set(buf.truncated.subarray(0, n), start + 4 * floats + n);
  return bytes;
}

/** Reads a buffer's header only (`file` names it in errors). */
export function readReplayHeader(bytes: Uint8Array, file: string): ReplayHeader {
  let header: ReplayHeader;
  try {
    if (bytes.length < 4) throw new Error('too short');
    const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    if (4 + len > bytes.length) throw new Error('header runs past the end');
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as ReplayHeader;
  } catch (err) {
    throw new CheckpointError(file, `is not a replay buffer: ${(err as Error).message}`, { cause: err });
  }
  if (header?.format !== REPLAY_FORMAT || header.version !== REPLAY_VERSION) {
    throw new CheckpointError(file, `is not an ${REPLAY_FORMAT} v${REPLAY_VERSION} file (format ${JSON.stringify(header?.format)}, version ${JSON.stringify(header?.version)})`);
  }
  return header;
}

/**
 * Rebuilds a buffer saved by `encodeReplay`. `expected` is what the run's config needs: a buffer for
 * another game, observation size, action dimension count or capacity is refused, naming both sides.
 */
export function decodeReplay(bytes: Uint8Array, expected: { game: string; spec: ReplaySpec }, file: string): { buffer: ReplayBuffer; header: ReplayHeader } {
  const h = readReplayHeader(bytes, file);
  const want = { game: expected.game, ...expected.spec };
  const diffs = (['game', 'obsSize', 'actionDims', 'capacity'] as const).filter((k) => h[k] !== want[k]).map((k) => `${k} ${JSON.stringify(h[k])} (the config needs ${JSON.stringify(want[k])})`);
  if (diffs.length) throw new CheckpointError(file, `holds a replay buffer that does not match this run's config: ${diffs.join(', ')}`);
  const { obsSize: O, actionDims: A, capacity } = expected.spec;
  const n = h.size;
  if (!Number.isInteger(n) || n < 0 || n > capacity || !Number.isInteger(h.position) || h.position < 0 || h.position >= capacity || (n < capacity && h.position !== n)) {
    throw new CheckpointError(file, `has an inconsistent header (size ${n}, position ${h.position}, capacity ${capacity})`);
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const start = 4 + Math.ceil(len / 4) * 4;
  const floats = n * (2 * O + A + 1);
  if (bytes.length !== start + 4 * floats + 2 * n) throw new CheckpointError(file, `has ${bytes.length} bytes; a buffer of ${n} transitions has ${start + 4 * floats + 2 * n}`);
  const f = new Float32Array(bytes.slice(start, start + 4 * floats).buffer);
  const buffer = new ReplayBuffer(expected.spec);
  let o = 0;
  for (const [arr, w] of [[buffer.obs, O], [buffer.actions, A], [buffer.rewards, 1], [buffer.nextObs, O]] as const) {
    arr.set(f.subarray(o, o + n * w));
    o += n * w;
  }
  buffer.terminated.set(bytes.subarray(start + 4 * floats, start + 4 * floats + n));
  buffer.truncated.set(bytes.subarray(start + 4 * floats + n, start + 4 * floats + 2 * n));
  buffer.size = n;
  buffer.position = h.position;
  return { buffer, header: h };
}
