/**
 * The rollout pool: a Piscina pool of worker threads running self-play tasks. Snapshots are published
 * once per version into SharedArrayBuffers (workers read them without copies and cache the decoded
 * weights by version); results come back as transferred typed arrays. A worker that crashes or hangs
 * past the timeout is replaced by Piscina and its task is retried with the same seed, so a batch is
 * never corrupted: it either completes with exactly the task's data or fails with a WorkerError.
 */
import { Piscina } from 'piscina';
import { WorkerError } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import type { RolloutResult } from './rollout.ts';
import type { WorkerTask } from './worker.ts';

export interface PoolOptions {
  readonly workers: number;
  /** A task running longer than this is aborted (its worker terminated) and retried. */
  readonly taskTimeoutMs?: number;
  readonly maxRetries?: number;
}

export class RolloutPool {
  private readonly piscina: Piscina;
  private readonly snapshots = new Map<number, SharedArrayBuffer>();
  readonly workers: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  /** Tasks retried after a crash or hang (for metrics and tests). */
  retries = 0;

  constructor(opts: PoolOptions) {
    this.workers = opts.workers;
    this.timeoutMs = opts.taskTimeoutMs ?? 120_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.piscina = new Piscina({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: 60_000,
    });
  }

  /** Makes a snapshot version available to workers (written once into shared memory). */
  publish(version: number, bytes: Uint8Array): void {
    if (this.snapshots.has(version)) return;
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    this.snapshots.set(version, shared);
  }

  has(version: number): boolean {
    return this.snapshots.has(version);
  }

  /** Drops published versions not in `keep` (e.g. learner versions no longer needed). */
  retain(keep: ReadonlySet<number>): void {
    for (const v of this.snapshots.keys()) if (!keep.has(v)) this.snapshots.delete(v);
  }

  /** Runs one task, retrying on worker crash or hang. `versions` lists the snapshots it needs. */
  async run(task: Omit<WorkerTask, 'snapshots'>, versions: readonly number[]): Promise<RolloutResult> {
    const snapshots: Record<number, SharedArrayBuffer> = {};
    for (const v of versions) {
      const s = this.snapshots.get(v);
      if (!s) throw new WorkerError(`snapshot version ${v} was never published to the pool`);
      snapshots[v] = s;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      try {
        return (await this.piscina.run({ ...task, snapshots }, { signal: AbortSignal.timeout(this.timeoutMs) })) as RolloutResult;
      } catch (err) {
        lastError = err;
        this.retries++;
        log.warn(`rollout worker failed (${(err as Error).message}); retrying task with seed ${task.seed} (${attempt + 1}/${this.maxRetries})`);
      }
    }
    throw new WorkerError(`rollout task with seed ${task.seed} failed ${this.maxRetries + 1} times: ${(lastError as Error)?.message}`, { cause: lastError });
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
