/**
 * Policy snapshots as bytes: the spec, every weight as a Float32Array and the observation statistics,
 * packed with msgpackr. This is how weights travel to rollout workers and how the league stores its
 * frozen members — tensors never cross threads or go to disk as tensors.
 */
import { Packr } from 'msgpackr';
import type { PolicySpec } from '../../agents/policy-spec.ts';
import { CheckpointError, ConfigError } from '../../core/index.ts';
import type { RunningMeanStdData } from '../algorithms/running-stats.ts';

export const SNAPSHOT_FORMAT = 'arena-snapshot';

export interface PolicySnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: 1;
  readonly game: string;
  readonly spec: PolicySpec;
  /** All trainable variables in `ActorCritic.trainableVariables()` order (actor, critic, log-std). */
  readonly weights: Float32Array[];
  readonly obsRms: RunningMeanStdData | null;
}

/**
 * An agent that plays a policy it can hand over as snapshot bytes, so another thread can play the same
 * policy without tfjs (the server's agent worker rebuilds it as a SnapshotAgent).
 */
export interface SnapshotPlayer {
  /** The policy as snapshot bytes (`encodeSnapshot`). */
  snapshot(): Uint8Array;
  /** It plays the most probable legal action instead of sampling. */
  readonly deterministic: boolean;
}

export function isSnapshotPlayer(x: unknown): x is SnapshotPlayer {
  const p = x as Partial<SnapshotPlayer> | null;
  return typeof p?.snapshot === 'function' && typeof p.deterministic === 'boolean';
}

const packr = new Packr({ moreTypes: true, useRecords: false });

export function encodeSnapshot(s: Omit<PolicySnapshot, 'format' | 'version'>): Uint8Array {
  // pack() returns a view into a reused buffer: copy it before it can be overwritten or transferred
  return new Uint8Array(packr.pack({ format: SNAPSHOT_FORMAT, version: 1, ...s }));
}

/**
 * The format tag snapshot bytes carry: SNAPSHOT_FORMAT for a policy snapshot, another for an off-policy
 * actor's (src/train/offpolicy-actor.ts). Bytes that are not msgpack, or carry no tag, throw a
 * CheckpointError naming `source`. (It unpacks the whole blob: readers ask once per agent they build.)
 */
export function snapshotFormat(bytes: Uint8Array, source = 'snapshot'): string {
  let s: { format?: unknown } | null;
  try {
    s = packr.unpack(bytes) as { format?: unknown } | null;
  } catch (err) {
    throw new CheckpointError(source, `is not a policy snapshot nor an off-policy actor's: ${(err as Error).message}`, { cause: err });
  }
  if (typeof s?.format !== 'string') throw new CheckpointError(source, "is not a policy snapshot nor an off-policy actor's (no format tag)");
  return s.format;
}

export function decodeSnapshot(bytes: Uint8Array, source = 'snapshot'): PolicySnapshot {
  let s: PolicySnapshot;
  try {
    s = packr.unpack(bytes) as PolicySnapshot;
  } catch (err) {
    throw new CheckpointError(source, `is not a policy snapshot: ${(err as Error).message}`, { cause: err });
  }
  if (s?.format !== SNAPSHOT_FORMAT || s.version !== 1 || !Array.isArray(s.weights) || !s.weights.every((w) => w instanceof Float32Array)) {
    throw new CheckpointError(source, 'is not a version-1 policy snapshot');
  }
  return s;
}

/**
 * A per-thread cache of decoded snapshots by version, least recently used dropped first: at most
 * `limit` entries and `budgetBytes` of snapshot bytes (the bytes a snapshot arrives as, a close proxy
 * for its decoded weights), whichever binds first, but never fewer than `MIN_KEPT` entries, so one
 * task's learner and opponents stay decoded together. Workers decode each version's bytes once, however
 * many tasks use it; the byte budget keeps a thread's memory flat once the league has more snapshots
 * than fit (a Connect Four conv snapshot is ≈ 1.6 MB: 64 of them per thread grew a 30-minute run's
 * resident memory by ≈ 6 MB a minute). A decoded snapshot that is dropped is offered to `build` for
 * the next version (`recycled`), so a builder can load the new weights into the old one's buffers
 * instead of allocating (a long run decodes a new learner version every update; allocating each time
 * makes memory grow faster than the collector frees it).
 */
/** Snapshot bytes a worker thread keeps decoded by default. */
export const DEFAULT_SNAPSHOT_CACHE_BYTES = 24 * 1024 * 1024;
/** A cache never shrinks below this many entries for its byte budget (a task's learner and opponents). */
const MIN_KEPT = 8;

export class SnapshotCache<T> {
  private readonly entries = new Map<number, { value: T; bytes: number }>();
  private readonly limit: number;
  private readonly budgetBytes: number;
  private bytes = 0;

  constructor(limit = 64, budgetBytes = DEFAULT_SNAPSHOT_CACHE_BYTES) {
    this.limit = limit;
    this.budgetBytes = budgetBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Snapshot bytes of the cached versions. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** The decoded snapshot `version`, building it from the task's bytes on first use. */
  get(
    version: number,
    snapshots: Readonly<Record<number, SharedArrayBuffer | Uint8Array>>,
    build: (snap: PolicySnapshot, recycled: T | undefined) => T,
    label = 'snapshot',
  ): T {
    const hit = this.entries.get(version);
    if (hit) {
      // most recently used last: a task's own versions are never the ones dropped
      this.entries.delete(version);
      this.entries.set(version, hit);
      return hit.value;
    }
    const raw = snapshots[version];
    if (!raw) throw new ConfigError(`${label} version ${version} was not sent with the task`);
    const snap = decodeSnapshot(raw instanceof Uint8Array ? raw : new Uint8Array(raw), `${label} v${version}`);
    const need = raw.byteLength;
    let recycled: T | undefined;
    while (this.entries.size >= this.limit || (this.bytes + need > this.budgetBytes && this.entries.size >= MIN_KEPT)) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
      recycled = entry.value;
    }
    const loaded = build(snap, recycled);
    this.entries.set(version, { value: loaded, bytes: need });
    this.bytes += need;
    return loaded;
  }

  /** Forgets every entry (versions name snapshots within one run only). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
