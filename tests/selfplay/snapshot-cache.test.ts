import { describe, expect, it } from 'vitest';
import { encodeSnapshot, SnapshotCache, type PolicySnapshot } from '../../src/selfplay/snapshot.ts';
import type { PolicySpec } from '../../agents/policy.ts';

const spec = { obsSize: 1, actions: 1, hidden: [], activation: 'tanh', head: 'categorical' } as unknown as PolicySpec;

/** A snapshot of `floats` weights, ≈ 4·floats bytes. */
function snapshotBytes(floats: number): Uint8Array {
  return encodeSnapshot({ game: 'test-v1', spec, weights: [new Float32Array(floats)], obsRms: null });
}

describe('SnapshotCache', () => {
  it('keeps at most `limit` versions, least recently used dropped first, and offers it for recycling', () => {
    const cache = new SnapshotCache<{ v: number }>(3, 1 << 30);
    const snaps: Record<number, Uint8Array> = {};
    for (let v = 1; v <= 5; v++) snaps[v] = snapshotBytes(10);
    const recycled: (number | undefined)[] = [];
    const build = (v: number) => (_s: PolicySnapshot, r: { v: number } | undefined) => {
      recycled.push(r?.v);
      return { v };
    };
    for (const v of [1, 2, 3]) cache.get(v, snaps, build(v));
    cache.get(1, snaps, build(1)); // a hit: 1 becomes the most recent, 2 the oldest
    cache.get(4, snaps, build(4));
    expect(recycled).toEqual([undefined, undefined, undefined, 2]);
    expect(cache.size).toBe(3);
    expect(cache.get(1, snaps, build(99)).v).toBe(1); // still cached, not rebuilt
  });

  it('stays within its byte budget once it holds more than the minimum of 8 versions', () => {
    const snaps: Record<number, Uint8Array> = {};
    for (let v = 1; v <= 40; v++) snaps[v] = snapshotBytes(25_000); // ≈ 100 kB each
    const each = snaps[1]!.byteLength;
    const cache = new SnapshotCache<number>(64, 10 * each + 1);
    for (let v = 1; v <= 40; v++) cache.get(v, snaps, () => v);
    expect(cache.size).toBe(10);
    expect(cache.sizeBytes).toBe(10 * each);
    // a budget smaller than 8 snapshots still keeps 8: one task's learner and opponents stay decoded together
    const small = new SnapshotCache<number>(64, 2 * each);
    for (let v = 1; v <= 40; v++) small.get(v, snaps, () => v);
    expect(small.size).toBe(8);
  });
});
