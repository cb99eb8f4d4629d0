/**
 * The feeds between actors and learners (src/train/feed.ts), driven by a collector whose segments
 * take a controlled time: back-pressure bounds the queue, every segment carries the version it was
 * played with, learners share the actors fairly, and a failing actor surfaces as an error. Remote
 * slots (actors on other machines; the real ones over Redis are tested in tests/selfplay/remote-actors.test.ts)
 * add segments while the gate says actors are alive, lose only their own task when one fails, and
 * never make a local slot wait.
 */
import { describe, expect, it } from 'vitest';
import type { LearnerRef, Segment, SegmentCollector } from '../../src/selfplay/collectors.ts';
import { AsyncFeed, SyncFeed, type RemoteGate } from '../../src/train/feed.ts';

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

  it('async: remote slots add segments while actors are alive; a lost remote task costs only itself', async () => {
    const local = new TimedCollector(2, 2);
    const gate = new Gate(2);
    const remote = new RemoteCollector(1, gate);
    remote.failAt = new Set([0, 3]);
    const learner = { id: 'main', version: 1 };
    const feed = new AsyncFeed({ collector: local, learners: () => [learner], slots: 1, capacity: 4, remote: { collector: remote, gate } });
    let fromRemote = 0;
    for (let u = 0; u < 20; u++) {
      const { segments } = await feed.next();
      fromRemote += segments.filter((s) => s.remote).length;
      learner.version++;
      if (u === 5) gate.set(0); // every actor gone: no remote task is sent any more
      if (u === 12) gate.set(2);
    }
    expect(remote.maxRunning).toBeLessThanOrEqual(2);
    expect(remote.startedWhileClosed).toBe(0);
    const unused = await feed.stop();
    expect(gate.cancels).toBe(1);
    expect(fromRemote).toBeGreaterThan(0);
    expect(fromRemote).toBeLessThan(40); // the local slot played its share all along
    expect(remote.started).toBeGreaterThan(3); // the failures at 0 and 3 did not stop the remote slots
    for (const s of unused) expect(s.learner).toBe('main');
  });

  it('async: the local slots never wait for remote actors that do not answer', async () => {
    const local = new TimedCollector(2, 1);
    const gate = new Gate(3);
    const remote = new RemoteCollector(1, gate);
    remote.hang = true;
    const feed = new AsyncFeed({ collector: local, learners: () => [{ id: 'main', version: 1 }], slots: 1, capacity: 4, remote: { collector: remote, gate } });
    for (let u = 0; u < 10; u++) {
      const { segments } = await feed.next();
      expect(segments.every((s) => !s.remote)).toBe(true);
    }
    expect(remote.maxRunning).toBe(3); // as many as the gate allowed, all hanging
    await feed.stop(); // cancels the hanging remote tasks
    expect(gate.cancels).toBe(1);
    expect(remote.running).toBe(0);
  });
});

/** A gate whose capacity the test sets; cancel() rejects the remote tasks still running. */
class Gate implements RemoteGate {
  cancels = 0;
  private cap: number;
  private waiters: (() => void)[] = [];
  readonly onCancel: (() => void)[] = [];
  constructor(cap: number) {
    this.cap = cap;
  }
  set(cap: number): void {
    this.cap = cap;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  capacity(): number {
    return this.cap;
  }
  changed(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, 5);
    });
  }
  cancel(): void {
    this.cancels++;
    for (const f of this.onCancel.splice(0)) f();
  }
}

/** Remote segments (with a receipt) that take `ms`, fail at chosen starts, or hang until the gate cancels them. */
class RemoteCollector implements SegmentCollector {
  readonly segmentsPerUpdate = 1;
  started = 0;
  running = 0;
  maxRunning = 0;
  /** Tasks started while the gate said no actor was alive (must stay 0). */
  startedWhileClosed = 0;
  failAt = new Set<number>();
  hang = false;
  private readonly ms: number;
  private readonly gate: Gate;
  constructor(ms: number, gate: Gate) {
    this.ms = ms;
    this.gate = gate;
  }
  async collect(learner: LearnerRef): Promise<Segment> {
    const n = this.started++;
    if (this.gate.capacity() === 0) this.startedWhileClosed++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.hang) await new Promise<void>((_, reject) => this.gate.onCancel.push(() => reject(new Error('cancelled'))));
      await sleep(this.ms);
      if (this.failAt.has(n)) throw new Error('remote task lost');
      const trajectory = { steps: 1, columns: 1, obs: new Float32Array(1), criticObs: null, masks: new Uint8Array(1), actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1), rewards: new Float32Array(1), nextValues: new Float32Array(1), dones: new Uint8Array(1), valid: new Uint8Array(1) };
      return { learner: learner.id, version: learner.version, trajectory, steps: 1, games: [], envSeconds: 0, inferenceSeconds: 0, remote: { actor: 'a', entry: String(n) } };
    } finally {
      this.running--;
    }
  }
  async evaluate(): Promise<Record<string, number>> {
    return {};
  }
}
