/**
 * Policy snapshots as bytes: the spec, every weight as a Float32Array and the observation statistics,
 * packed with msgpackr. This is how weights travel to rollout workers and how the league stores its
 * frozen members — tensors never cross threads or go to disk as tensors.
 */
import { Packr } from 'msgpackr';
import type { PolicySpec } from '../../agents/policy.ts';
import { CheckpointError } from '../../core/index.ts';
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

const packr = new Packr({ moreTypes: true, useRecords: false });

export function encodeSnapshot(s: Omit<PolicySnapshot, 'format' | 'version'>): Uint8Array {
  // pack() returns a view into a reused buffer: copy it before it can be overwritten or transferred
  return new Uint8Array(packr.pack({ format: SNAPSHOT_FORMAT, version: 1, ...s }));
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
