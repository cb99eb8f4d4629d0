/**
 * How segments reach the learners: the training loop asks its feed for the next learner's batch.
 *
 * - `SyncFeed`: every actor slot plays one segment with the learner's current weights, then the
 *   learner updates while the actors wait — on-policy and exactly reproducible for a seed.
 * - `AsyncFeed` (IMPALA's decoupled actors): one loop per actor slot collects segments back to back
 *   with the newest weights published so far and puts them in a bounded queue; the learner takes a
 *   batch as soon as one is ready. When `capacity` segments are waiting or being played, the actors
 *   stop until the learner takes some (back-pressure: memory stays bounded however slow the learner is). With several
 *   learners, each actor serves the learner with the least data queued or in flight, so they all get
 *   the same share of the actors. A segment failing (after the pool's retries) stops the feed and the
 *   error surfaces at the next `next()`.
 */
import type { LearnerRef, Segment, SegmentCollector } from '../selfplay/collectors.ts';

export interface Feed<L extends LearnerRef> {
  /** The next learner to update and its segments. */
  next(): Promise<{ learner: L; segments: Segment[] }>;
  /** Stops the actors and waits for the segments in flight (they are discarded). */
  stop(): Promise<void>;
  /** Segments currently waiting (queue depth). */
  readonly queued: number;
}

export class SyncFeed<L extends LearnerRef> implements Feed<L> {
  private readonly collector: SegmentCollector;
  private readonly learners: () => readonly L[];
  private turn = 0;
  readonly queued = 0;

  constructor(collector: SegmentCollector, learners: () => readonly L[]) {
    this.collector = collector;
    this.learners = learners;
  }

  async next(): Promise<{ learner: L; segments: Segment[] }> {
    const all = this.learners();
    const learner = all[this.turn++ % all.length]!;
    const n = this.collector.segmentsPerUpdate;
    const segments = await Promise.all(Array.from({ length: n }, (_, slot) => this.collector.collect(learner, slot)));
    return { learner, segments };
  }

  async stop(): Promise<void> {}
}

export class AsyncFeed<L extends LearnerRef> implements Feed<L> {
  private readonly collector: SegmentCollector;
  private readonly learners: () => readonly L[];
  private readonly capacity: number;
  private readonly queue: Segment[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly served = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private stopping = false;
  private error: unknown = null;
  private readonly loops: Promise<void>[];

  constructor(opts: { collector: SegmentCollector; learners: () => readonly L[]; slots: number; capacity: number }) {
    this.collector = opts.collector;
    this.learners = opts.learners;
    // some learner must be able to complete a batch from a full queue (pigeonhole), or all would wait
    const need = opts.learners().length * (opts.collector.segmentsPerUpdate - 1) + 1;
    this.capacity = Math.max(need, opts.capacity);
    this.loops = Array.from({ length: Math.max(1, opts.slots) }, (_, slot) => this.actorLoop(slot));
  }

  get queued(): number {
    return this.queue.length;
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pending(id: string): number {
    let n = this.inFlight.get(id) ?? 0;
    for (const s of this.queue) if (s.learner === id) n++;
    return n;
  }

  private async actorLoop(slot: number): Promise<void> {
    while (!this.stopping) {
      let inFlight = 0;
      for (const v of this.inFlight.values()) inFlight += v;
      if (this.queue.length + inFlight >= this.capacity) {
        await this.wait(); // back-pressure: the learner is behind
        continue;
      }
      // the learner with the least data waiting or in flight; ties go to the one served least
      let learner: L | undefined;
      let least = Infinity;
      for (const l of this.learners()) {
        const p = this.pending(l.id) * 1e9 + (this.served.get(l.id) ?? 0);
        if (p < least) [learner, least] = [l, p];
      }
      this.served.set(learner!.id, (this.served.get(learner!.id) ?? 0) + 1);
      const ref = { id: learner!.id, version: learner!.version }; // the newest weights published now
      this.inFlight.set(ref.id, (this.inFlight.get(ref.id) ?? 0) + 1);
      try {
        const seg = await this.collector.collect(ref, slot);
        if (!this.stopping) this.queue.push(seg);
      } catch (err) {
        this.error ??= err;
        this.stopping = true;
      } finally {
        this.inFlight.set(ref.id, this.inFlight.get(ref.id)! - 1);
        this.notify();
      }
    }
  }

  async next(): Promise<{ learner: L; segments: Segment[] }> {
    const n = this.collector.segmentsPerUpdate;
    for (;;) {
      if (this.error) throw this.error;
      // the learner whose oldest waiting segment is oldest, among those with a full batch
      const ready = this.learners().filter((l) => this.queue.filter((s) => s.learner === l.id).length >= n);
      ready.sort((a, b) => this.queue.findIndex((s) => s.learner === a.id) - this.queue.findIndex((s) => s.learner === b.id));
      for (const learner of ready) {
        const mine = this.queue.filter((s) => s.learner === learner.id);
        {
          const segments = mine.slice(0, n);
          for (const s of segments) this.queue.splice(this.queue.indexOf(s), 1);
          this.notify();
          return { learner, segments };
        }
      }
      if (this.stopping) throw new Error('the actors stopped');
      await this.wait();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await Promise.all(this.loops);
    this.queue.length = 0;
  }
}
