/**
 * The feeds between actors and learners (src/train/feed.ts), driven by a collector whose segments
 * take a controlled time: back-pressure bounds the queue, every segment carries the version it was
 * played with, learners share the actors fairly, and a failing actor surfaces as an error.
 */
import { describe, expect, it } from 'vitest';
import type { LearnerRef, Segment, SegmentCollector } from '../../src/selfplay/collectors.ts';
import { AsyncFeed, SyncFeed } from '../../src/train/feed.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Segments that take `ms` each; records the largest number of segments waiting in the feed. */
class TimedCollector implements SegmentCollector {
  readonly segmentsPerUpdate: number;
  started = 0;
  failAt = -1;
  private readonly ms: number;
  constructor(segmentsPerUpdate: number, ms: number) {
    this.segmentsPerUpdate = segmentsPerUpdate;
    this.ms = ms;
  }
  async collect(learner: LearnerRef, slot: number): Promise<Segment> {
    const n = this.started++;
    await sleep(this.ms);
    if (n === this.failAt) throw new Error(`actor ${slot} crashed`);
    const trajectory = { steps: 1, columns: 1, obs: new Float32Array(1), criticObs: null, masks: new Uint8Array(1), actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1), rewards: new Float32Array(1), nextValues: new Float32Array(1), dones: new Uint8Array(1), valid: new Uint8Array(1) };
    return { learner: learner.id, version: learner.version, trajectory, steps: 1, games: [], envSeconds: 0, inferenceSeconds: 0 };
  }
  async evaluate(): Promise<Record<string, number>> {
    return {};
  }
}

describe('feeds', () => {
  it('sync: every slot plays the current version, learners take turns', async () => {
    const learners = [
      { id: 'main', version: 1 },
      { id: 'main_exploiter', version: 7 },
    ];
    const feed = new SyncFeed(new TimedCollector(3, 1), () => learners);
    const a = await feed.next();
    expect(a.learner.id).toBe('main');
    expect(a.segments.map((s) => s.version)).toEqual([1, 1, 1]);
    learners[0]!.version = 2;
    const b = await feed.next();
    expect(b.learner.id).toBe('main_exploiter');
    const c = await feed.next();
    expect(c.segments.map((s) => s.version)).toEqual([2, 2, 2]);
  });

  it('async: the actors run ahead of a slow learner only as far as the queue allows (back-pressure)', async () => {
    const collector = new TimedCollector(2, 2);
    const learner = { id: 'main', version: 1 };
    const feed = new AsyncFeed({ collector, learners: () => [learner], slots: 2, capacity: 4 });
    let maxQueued = 0;
    const versions: number[][] = [];
    for (let u = 0; u < 5; u++) {
      await sleep(30); // a slow update: the actors fill the queue meanwhile
      maxQueued = Math.max(maxQueued, feed.queued);
      const { segments } = await feed.next();
      versions.push(segments.map((s) => s.version));
      learner.version++;
    }
    await feed.stop();
    expect(maxQueued).toBe(4); // full, never more
    expect(collector.started).toBeLessThanOrEqual(5 * 2 + 4 + 2); // taken + queued + in flight
    // segments were played with older weights while the learner updated: their versions say so
    expect(versions.flat().some((v, i) => v < 1 + Math.floor(i / 2))).toBe(true);
  });

  it('async: several learners get the same share of the actors', async () => {
    const collector = new TimedCollector(1, 1);
    const learners = [
      { id: 'main', version: 1 },
      { id: 'league_exploiter', version: 2 },
      { id: 'main_exploiter', version: 3 },
    ];
    const feed = new AsyncFeed({ collector, learners: () => learners, slots: 2, capacity: 1 });
    const counts: Record<string, number> = {};
    for (let u = 0; u < 30; u++) {
      const { learner } = await feed.next();
      counts[learner.id] = (counts[learner.id] ?? 0) + 1;
    }
    await feed.stop();
    for (const l of learners) expect(counts[l.id]).toBeGreaterThanOrEqual(8);
  });

  it('async: an actor failure stops the feed with its error', async () => {
    const collector = new TimedCollector(1, 1);
    collector.failAt = 3;
    const feed = new AsyncFeed({ collector, learners: () => [{ id: 'main', version: 1 }], slots: 2, capacity: 2 });
    await expect(
      (async () => {
        for (let u = 0; u < 100; u++) await feed.next();
      })(),
    ).rejects.toThrow(/crashed/);
    await feed.stop();
  });
});
