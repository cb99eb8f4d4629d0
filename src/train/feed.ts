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
 *   error surfaces at the next `next()`. With `--redis`, remote actors add slots (`RemoteGate`) while
 *   any are alive: their segments join the same queue, and a lost remote task loses only itself.
 */
import type { LearnerRef, Segment, SegmentCollector } from '../selfplay/collectors.ts';

export interface Feed<L extends LearnerRef> {
  /** The next learner to update and its segments. */
  next(): Promise<{ learner: L; segments: Segment[] }>;
  /** Stops the actors and waits for the segments in flight; returns the segments never handed to a learner. */
  stop(): Promise<Segment[]>;
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

  async stop(): Promise<Segment[]> {
    return [];
  }
}

/**
 * Actors on other machines as the feed sees them (src/selfplay/remote-actors.ts): as many remote
 * tasks run at once as the live remote actors can take, on top of the local slots.
 */
export interface RemoteGate {
  /** Tasks the live remote actors can take at once (0 when none is alive or Redis is unreachable). */
  capacity(): number;
  /** Resolves when `capacity()` may have changed (an actor came or went). */
  changed(): Promise<void>;
  /** Gives up the tasks in flight (the run is stopping). */
  cancel(): void;
}

export class AsyncFeed<L extends LearnerRef> implements Feed<L> {
  private readonly collector: SegmentCollector;
  private readonly learners: () => readonly L[];
  private readonly capacity: number;
  private readonly queue: Segment[] = [];
  /** Segments that arrived after `stop()`: handed back by it, never queued. */
  private readonly late: Segment[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly served = new Map<string, number>();
  private localInFlight = 0;
  private remoteInFlight = 0;
  private remoteFailures = 0;
  private readonly stopped: Promise<void>;
  private onStop!: () => void;
  private waiters: (() => void)[] = [];
  private stopping = false;
  private error: unknown = null;
  private readonly loops: Promise<void>[];

  /**
   * `slots` local actor slots; with `remote`, remote tasks besides. Local slots stop at `capacity`
   * segments waiting or played locally, remote ones when those and the remote tasks reach it, so a
   * local slot never waits for a remote actor (at most `capacity` + the remote tasks are held).
   */
  constructor(opts: { collector: SegmentCollector; learners: () => readonly L[]; slots: number; capacity: number; remote?: { collector: SegmentCollector; gate: RemoteGate } }) {
    this.collector = opts.collector;
    this.learners = opts.learners;
    // some learner must be able to complete a batch from a full queue (pigeonhole), or all would wait
    const need = opts.learners().length * (opts.collector.segmentsPerUpdate - 1) + 1;
    this.capacity = Math.max(need, opts.capacity);
    this.stopped = new Promise((resolve) => (this.onStop = resolve));
    this.loops = Array.from({ length: Math.max(1, opts.slots) }, (_, slot) => this.actorLoop(slot));
    if (opts.remote) this.loops.push(this.remoteLoop(opts.remote));
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
      if (this.queue.length + this.localInFlight >= this.capacity) {
        await this.wait(); // back-pressure: the learner is behind
        continue;
      }
      await this.play(this.collector, slot, false);
    }
  }

  /** Starts remote tasks while the live remote actors can take more and the learner keeps up. */
  private async remoteLoop({ collector, gate }: { collector: SegmentCollector; gate: RemoteGate }): Promise<void> {
    const running = new Set<Promise<boolean>>();
    let failures = 0;
    let slot = 0;
    while (!this.stopping) {
      if (this.remoteFailures > failures) {
        // a remote task was lost (its actor vanished, Redis went away): wait for the actors to change
        // before sending another; the local slots carry on meanwhile
        failures = this.remoteFailures;
        await Promise.race([gate.changed(), this.stopped]);
        continue;
      }
      if (this.remoteInFlight < gate.capacity() && this.queue.length + this.localInFlight + this.remoteInFlight < this.capacity) {
        const p = this.play(collector, slot++, true);
        running.add(p);
        void p.then(() => running.delete(p));
        continue;
      }
      await Promise.race([this.wait(), gate.changed()]);
    }
    gate.cancel();
    await Promise.all(running);
  }

  /** One segment for the learner with the least data waiting or in flight (ties: the one served least). */
  private async play(collector: SegmentCollector, slot: number, remote: boolean): Promise<boolean> {
    let learner: L | undefined;
    let least = Infinity;
    for (const l of this.learners()) {
      const p = this.pending(l.id) * 1e9 + (this.served.get(l.id) ?? 0);
      if (p < least) [learner, least] = [l, p];
    }
    this.served.set(learner!.id, (this.served.get(learner!.id) ?? 0) + 1);
    const ref = { id: learner!.id, version: learner!.version }; // the newest weights published now
    this.inFlight.set(ref.id, (this.inFlight.get(ref.id) ?? 0) + 1);
    if (remote) this.remoteInFlight++;
    else this.localInFlight++;
    try {
      const seg = await collector.collect(ref, slot);
      (this.stopping ? this.late : this.queue).push(seg);
      return true;
    } catch (err) {
      // a local failure (after the pool's retries) stops the feed; a remote one loses that task only
      // (remote-actors.ts counts and reports it)
      if (!remote) {
        this.error ??= err;
        this.stopping = true;
      } else this.remoteFailures++;
      return false;
    } finally {
      this.inFlight.set(ref.id, this.inFlight.get(ref.id)! - 1);
      if (remote) this.remoteInFlight--;
      else this.localInFlight--;
      this.notify();
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

  async stop(): Promise<Segment[]> {
    this.stopping = true;
    this.onStop();
    this.notify();
    await Promise.all(this.loops);
    const unused = [...this.queue, ...this.late];
    this.queue.length = 0;
    this.late.length = 0;
    return unused;
  }
}
