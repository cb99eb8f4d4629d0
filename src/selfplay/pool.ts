/**
 * Actors: where rollout tasks run. `ActorPool` is a Piscina pool of worker threads (worker.ts) for
 * every kind of actor task; `InThreadActors` runs the same tasks on the main thread (tests, or where
 * threads are unwanted). Both publish snapshots once per version; a task carries the bytes of the
 * versions it names (a copy per task: plain buffers that each thread's collector frees as soon as they
 * are unused — a SharedArrayBuffer per version outlived its use in the workers and made a long run's
 * memory grow), workers decode each version once and cache it, and a task's trajectory comes back as
 * transferred typed arrays. A worker that crashes or hangs past the timeout is replaced
 * by Piscina and its task retried with the same seed, so a segment is either exactly the task's data
 * or an error — never a partial segment.
 */
import { Piscina } from 'piscina';
import { WorkerError } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import type { RolloutResult } from './rollout.ts';
import type { TeamRolloutResult } from './team-rollout.ts';
import { runActorTask, type ActorTask, type WorkerTask } from './worker.ts';

export interface PoolOptions {
  readonly workers: number;
  /** A task running longer than this is aborted (its worker terminated) and retried. */
  readonly taskTimeoutMs?: number;
  readonly maxRetries?: number;
  /** Old-generation heap limit of each worker thread in MB (default ARENA_WORKER_HEAP_MB or 128). */
  readonly heapMB?: number;
}

const WORKER_HEAP_MB = Number(process.env['ARENA_WORKER_HEAP_MB'] ?? 0) || 128;

/** A task without its snapshots (the runner attaches the published bytes of the versions it names). */
export type TaskRequest = Omit<Extract<ActorTask, { kind: 'two-seat' }>, 'snapshots'> | Omit<Extract<ActorTask, { kind: 'team' }>, 'snapshots'>;
type TestHooks = Pick<WorkerTask, 'crashOnce' | 'hangOnce'>;
export type ResultOf<T extends TaskRequest> = T extends { kind: 'team' } ? TeamRolloutResult : RolloutResult;

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
  destroy(): Promise<void>;
}

abstract class Published<B> {
  protected readonly snapshots = new Map<number, B>();
  protected abstract wrap(bytes: Uint8Array): B;

  publish(version: number, bytes: Uint8Array): void {
    if (!this.snapshots.has(version)) this.snapshots.set(version, this.wrap(bytes));
  }

  has(version: number): boolean {
    return this.snapshots.has(version);
  }

  retain(keep: ReadonlySet<number>): void {
    for (const v of this.snapshots.keys()) if (!keep.has(v)) this.snapshots.delete(v);
  }

  protected collect(versions: readonly number[]): Record<number, B> {
    const out: Record<number, B> = {};
    for (const v of versions) {
      const s = this.snapshots.get(v);
      if (!s) throw new WorkerError(`snapshot version ${v} was never published to the actors`);
      out[v] = s;
    }
    return out;
  }
}

/** Actor tasks in Piscina worker threads. */
export class ActorPool extends Published<Uint8Array> implements Actors {
  private readonly piscina: Piscina;
  readonly workers: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  retries = 0;

  constructor(opts: PoolOptions) {
    super();
    this.workers = opts.workers;
    this.timeoutMs = opts.taskTimeoutMs ?? 120_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.piscina = new Piscina({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: 60_000,
      // A capped heap makes each worker collect its garbage (decoded snapshots, task buffers) instead
      // of growing: with V8's defaults a worker's heap grew for the whole of a 30-minute run.
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMB ?? WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
    });
  }

  protected wrap(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  async run<T extends TaskRequest>(task: T & TestHooks, versions: readonly number[]): Promise<ResultOf<T>> {
    const snapshots = this.collect(versions);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      try {
        return (await this.piscina.run({ ...task, snapshots }, { signal: AbortSignal.timeout(this.timeoutMs) })) as ResultOf<T>;
      } catch (err) {
        lastError = err;
        this.retries++;
        log.warn(`actor task failed (${(err as Error).message}); retrying it with seed ${task.seed} (${attempt + 1}/${this.maxRetries})`);
      }
    }
    throw new WorkerError(`actor task with seed ${task.seed} failed ${this.maxRetries + 1} times: ${(lastError as Error)?.message}`, { cause: lastError });
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

/** The same tasks on the main thread. */
export class InThreadActors extends Published<Uint8Array> implements Actors {
  readonly workers = 0;
  readonly retries = 0;

  protected wrap(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  async run<T extends TaskRequest>(task: T, versions: readonly number[]): Promise<ResultOf<T>> {
    return runActorTask({ ...task, snapshots: this.collect(versions) } as ActorTask) as ResultOf<T>;
  }

  async destroy(): Promise<void> {}
}
