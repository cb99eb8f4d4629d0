/**
 * Actors: where rollout tasks run. `ActorPool` is a Piscina pool of worker threads (worker.ts) for
 * every kind of actor task; `InThreadActors` runs the same tasks on the main thread (tests, or where
 * threads are unwanted); `RedisActors` (remote-actors.ts) hands them to actor processes on other
 * machines. All publish snapshots once per version (into one `SnapshotSet` they can share); a task
 * carries the bytes of the versions it names (a copy per task: plain buffers that each thread's
 * collector frees as soon as they are unused — a SharedArrayBuffer per version outlived its use in the workers and made a long run's
 * memory grow), workers decode each version once and cache it, and a task's trajectory comes back as
 * transferred typed arrays. A worker that crashes or hangs past the timeout is replaced
 * by Piscina and its task retried with the same seed, so a segment is either exactly the task's data
 * or an error — never a partial segment.
 */
import { Piscina } from 'piscina';
import { WorkerError } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import type { RolloutResult } from './rollout.ts';
import type { SearchSelfPlayResult } from './search-selfplay.ts';
import type { TeamRolloutResult } from './team-rollout.ts';
import { MAX_NICE } from './thread-priority.ts';
import { clearActorCaches, runActorTask, type ActorTask, type ActorThreadData, type WorkerTask } from './worker.ts';

export interface PoolOptions {
  readonly workers: number;
  /** A task running longer than this is aborted (its worker terminated) and retried. */
  readonly taskTimeoutMs?: number;
  readonly maxRetries?: number;
  /** Old-generation heap limit of each worker thread in MB (default ARENA_WORKER_HEAP_MB or 128). */
  readonly heapMB?: number;
  /** Published snapshots shared with other actors (default: the pool's own). */
  readonly snapshots?: SnapshotSet;
  /**
   * Scheduling niceness of the worker threads, 0–19 (default 0). Above 0 the actors yield the cores
   * to the learner's threads when both want them (Linux: per thread; elsewhere it has no effect).
   */
  readonly nice?: number;
}

const WORKER_HEAP_MB = Number(process.env['ARENA_WORKER_HEAP_MB'] ?? 0) || 128;

/** A task without its snapshots (the runner attaches the published bytes of the versions it names). */
export type TaskRequest =
  | Omit<Extract<ActorTask, { kind: 'two-seat' }>, 'snapshots'>
  | Omit<Extract<ActorTask, { kind: 'team' }>, 'snapshots'>
  | Omit<Extract<ActorTask, { kind: 'search' }>, 'snapshots'>;
type TestHooks = Pick<WorkerTask, 'crashOnce' | 'hangOnce'>;
/** A task's result; one played by a remote actor carries its receipt. */
export type ResultOf<T extends TaskRequest> = (T extends { kind: 'team' } ? TeamRolloutResult : T extends { kind: 'search' } ? SearchSelfPlayResult : RolloutResult) & { readonly remote?: RemoteReceipt };

/** Where a remote actor's result waits in the results stream until the learner used or dropped it (remote-actors.ts). */
export interface RemoteReceipt {
  /** The actor that played it. */
  readonly actor: string;
  /** Its stream entry, acknowledged once the learner used or dropped the segment. */
  readonly entry: string;
}

/** What the training loop needs of the place tasks run. */
export interface Actors {
  /** Worker threads (0: the main thread). */
  readonly workers: number;
  /** Tasks retried after a crash or hang. */
  readonly retries: number;
  publish(version: number, bytes: Uint8Array): void;
  has(version: number): boolean;
  /** Drops published versions not in `keep`. */
  retain(keep: ReadonlySet<number>): void;
  run<T extends TaskRequest>(task: T & TestHooks, versions: readonly number[]): Promise<ResultOf<T>>;
  /** The worker threads' own memory (JS heap and external buffers, bytes), for the profile; empty on the main thread. */
  threadMemory(): Promise<ThreadMemory[]>;
  destroy(): Promise<void>;
}

export interface ThreadMemory {
  /** Live JS heap. */
  readonly heapBytes: number;
  /** Physical memory the thread's JS heap holds (committed pages: live objects, garbage and free space). */
  readonly heapPhysicalBytes: number;
  /** V8's own allocations outside the heap (compiled code metadata, zones). */
  readonly mallocedBytes: number;
  readonly externalBytes: number;
}

/**
 * Snapshot bytes by weights version, published once and read by every place tasks run: the local
 * pool and, with `--redis`, the remote actors (remote-actors.ts) share one set.
 */
export class SnapshotSet {
  private readonly bytes = new Map<number, Uint8Array>();

  publish(version: number, bytes: Uint8Array): void {
    if (!this.bytes.has(version)) this.bytes.set(version, bytes);
  }

  has(version: number): boolean {
    return this.bytes.has(version);
  }

  /** Drops published versions not in `keep`. */
  retain(keep: ReadonlySet<number>): void {
    for (const v of this.bytes.keys()) if (!keep.has(v)) this.bytes.delete(v);
  }

  /** The bytes of every version a task names; a WorkerError when one was never published. */
  pick(versions: readonly number[]): Record<number, Uint8Array> {
    const out: Record<number, Uint8Array> = {};
    for (const v of versions) {
      const s = this.bytes.get(v);
      if (!s) throw new WorkerError(`snapshot version ${v} was never published to the actors`);
      out[v] = s;
    }
    return out;
  }
}

/** The publishing half of `Actors`, over a snapshot set (its own, or one shared with other actors). */
export abstract class Published {
  protected readonly snapshots: SnapshotSet;

  constructor(snapshots?: SnapshotSet) {
    this.snapshots = snapshots ?? new SnapshotSet();
  }

  publish(version: number, bytes: Uint8Array): void {
    this.snapshots.publish(version, bytes);
  }

  has(version: number): boolean {
    return this.snapshots.has(version);
  }

  retain(keep: ReadonlySet<number>): void {
    this.snapshots.retain(keep);
  }
}

/** Actor tasks in Piscina worker threads. */
export class ActorPool extends Published implements Actors {
  private readonly piscina: Piscina;
  readonly workers: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  retries = 0;

  constructor(opts: PoolOptions) {
    super(opts.snapshots);
    this.workers = opts.workers;
    this.timeoutMs = opts.taskTimeoutMs ?? 120_000;
    this.maxRetries = opts.maxRetries ?? 3;
    const nice = opts.nice ?? 0;
    if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) throw new RangeError(`actor pool: nice is an integer from 0 to ${MAX_NICE}, got ${nice}`);
    this.piscina = new Piscina({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: 60_000,
      workerData: { nice } satisfies ActorThreadData,
      // A capped heap makes each worker collect its garbage (decoded snapshots, task buffers) instead
      // of growing: with V8's defaults a worker's heap grew for the whole of a 30-minute run.
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMB ?? WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
    });
  }

  async run<T extends TaskRequest>(task: T & TestHooks, versions: readonly number[]): Promise<ResultOf<T>> {
    const snapshots = this.snapshots.pick(versions);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      try {
        return (await this.piscina.run({ ...task, snapshots }, { signal: AbortSignal.timeout(this.timeoutMs) })) as ResultOf<T>;
      } catch (err) {
        lastError = err;
        this.retries++;
        if (attempt < this.maxRetries) log.warn(`actor task failed (${(err as Error).message}); retrying it with seed ${task.seed} (${attempt + 1}/${this.maxRetries})`);
      }
    }
    throw new WorkerError(`actor task with seed ${task.seed} failed ${this.maxRetries + 1} times: ${(lastError as Error)?.message}`, { cause: lastError });
  }

  async threadMemory(): Promise<ThreadMemory[]> {
    // a thread that is exiting may never answer: each gets a second, then counts as absent
    const answer = (w: (typeof this.piscina.threads)[number]) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 1000)));
      return Promise.race([w.getHeapStatistics().catch(() => null), late]).finally(() => clearTimeout(timer));
    };
    const stats = await Promise.all(this.piscina.threads.map(answer));
    return stats.filter((h) => h !== null).map((h) => ({ heapBytes: h.used_heap_size, heapPhysicalBytes: h.total_physical_size, mallocedBytes: h.malloced_memory, externalBytes: h.external_memory }));
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

/** The same tasks on the main thread. */
export class InThreadActors extends Published implements Actors {
  readonly workers = 0;
  readonly retries = 0;

  constructor(snapshots?: SnapshotSet) {
    super(snapshots);
    // the main thread's caches outlive a run, and every run numbers its snapshots from 0
    clearActorCaches();
  }

  async run<T extends TaskRequest>(task: T, versions: readonly number[]): Promise<ResultOf<T>> {
    return runActorTask({ ...task, snapshots: this.snapshots.pick(versions) } as ActorTask) as ResultOf<T>;
  }

  async threadMemory(): Promise<ThreadMemory[]> {
    return [];
  }

  async destroy(): Promise<void> {}
}
