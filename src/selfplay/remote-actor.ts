/**
 * `arena actor`: a rollout actor process that joins a training run over Redis from any machine
 * (the learner's side is remote-actors.ts, the messages remote-protocol.ts). It needs nothing but
 * Redis: it reads the run's meta (and refuses a run it cannot serve: another protocol, another game
 * or another version of it), then claims tasks through the consumer group while it has a free worker
 * (one task more than workers, so a worker never waits for the round trip), fetches the snapshots a
 * task names (cached by learner session and version), plays the task in its own Piscina pool — the
 * worker code local actors run (worker.ts), so a remote segment is exactly a local one — and adds
 * the result to the results stream, acknowledging the task in the same transaction.
 *
 * Heartbeat: every second a key with an expiry (id, host, pid, workers, segments pushed, last
 * version); the learner gives up the tasks of an actor whose heartbeat expired. The learner's meta
 * tells the actor when the learner is gone (it waits), restarted (new session: old tasks are skipped,
 * cached snapshots dropped) or finished (it leaves).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ArenaError } from '../../core/index.ts';
import type { Redis } from 'ioredis';
import { log } from '../../core/log.ts';
import { isNoGroup, RedisLink } from '../net/redis.ts';
import { ActorPool } from './pool.ts';
import {
  decodeTask,
  encodeResult,
  HEARTBEAT_TTL_S,
  LINGER_S,
  parseRunMeta,
  refusal,
  RESULTS_MAXLEN,
  runKeys,
  SPARE_TASKS,
  streamEntries,
  TASKS_GROUP,
  type ActorHeartbeat,
  type RunMeta,
  type TaskMessage,
} from './remote-protocol.ts';

/** The run cannot be served by this actor (another protocol, game, or game version). */
export class ActorRefusedError extends ArenaError {
  constructor(message: string) {
    super('ACTOR_REFUSED', message);
  }
}

export interface RemoteActorOptions {
  readonly url: string;
  readonly run: string;
  /** Worker threads of the actor's pool. */
  readonly workers: number;
  /** Serve only a run of this game (refuse any other). */
  readonly game?: string | null;
  /** Stops the actor (Ctrl-C). */
  readonly signal?: AbortSignal;
  /**
   * Test hook: once this many tasks were taken to play, later claimed tasks are held, never played (an
   * actor hung mid-task). Counted when a task starts, not when its segment is sent, so tasks played at
   * once cannot slip past the bound: at most this many segments are ever sent.
   */
  readonly holdAfter?: number;
}

export interface ActorSummary {
  readonly id: string;
  readonly segments: number;
  readonly failed: number;
  readonly skipped: number;
  readonly seconds: number;
  /** The run finished, or the actor was stopped. */
  readonly end: 'finished' | 'stopped';
}

/** A snapshot's bytes and the version number the actor's own pool knows it by. */
interface CachedSnapshot {
  readonly local: number;
  readonly bytes: Uint8Array;
}

/** Snapshots kept per actor (by learner session and version): the learner's few latest and the opponents drawn lately. */
const CACHE_LIMIT = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

class RemoteActor {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  private readonly o: RemoteActorOptions;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly startedAt = Date.now();
  private link!: RedisLink;
  /** Blocking reads of the task stream (they hold their connection). */
  private reads!: Redis;
  private pool!: ActorPool;
  /** The run as last seen (its session is the one served). */
  private meta!: RunMeta;
  private readonly running = new Set<Promise<void>>();
  /** Snapshot bytes by `session:version`, with the version number the local pool knows them by. */
  private readonly cache = new Map<string, CachedSnapshot>();
  private readonly fetching = new Map<string, Promise<CachedSnapshot | null>>();
  private nextLocal = 1;
  private segments = 0;
  /** Tasks taken to play (the `holdAfter` test hook counts these). */
  private started = 0;
  private failed = 0;
  private skipped = 0;
  private lastVersion: number | null = null;
  private learnerGone = false;
  private end: 'finished' | 'stopped' | null = null;
  private fatal: Error | null = null;
  private wakers: (() => void)[] = [];

  constructor(o: RemoteActorOptions) {
    this.o = o;
    this.keys = runKeys(o.run);
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  private woken(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private get stopping(): boolean {
    return this.end !== null || this.fatal !== null;
  }

  async run(): Promise<ActorSummary> {
    const { o } = this;
    this.link = await RedisLink.connect(o.url, { who: 'actor' });
    this.reads = this.link.open('tasks', { blockingTimeout: 10_000 });
    const onAbort = () => {
      this.end ??= 'stopped';
      this.wake();
    };
    o.signal?.addEventListener('abort', onAbort);
    let timer: NodeJS.Timeout | null = null;
    try {
      const meta = await this.waitForRun();
      if (!meta) return this.summary();
      this.meta = meta;
      this.pool = new ActorPool({ workers: o.workers });
      log.info(`actor ${this.id}: joined run '${o.run}' (${meta.game.id}, ${meta.algo}, learner session ${meta.session}) on ${this.link.url} with ${o.workers} worker(s)`);
      await this.beat();
      timer = setInterval(() => void this.beat().catch((err: Error) => log.debug(`actor: heartbeat failed: ${err.message}`)), 1000);
      this.link.onUp(() => void this.beat().catch(() => {}));
      await this.loop();
      if (this.fatal) throw this.fatal;
      return this.summary();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      if (timer) clearInterval(timer);
      this.end ??= 'stopped';
      this.wake();
      await this.pool?.destroy(); // tasks still playing are given up: the learner counts them lost
      await Promise.allSettled(this.running);
      if (this.link.up) await this.link.cmd.pipeline().del(this.keys.actor(this.id)).srem(this.keys.actors, this.id).exec().catch(() => {});
      this.link.close();
    }
  }

  private summary(): ActorSummary {
    return { id: this.id, segments: this.segments, failed: this.failed, skipped: this.skipped, seconds: (Date.now() - this.startedAt) / 1000, end: this.end === 'finished' ? 'finished' : 'stopped' };
  }

  /** The run's meta once a learner runs it (null when stopped first); refuses a run it cannot serve. */
  private async waitForRun(): Promise<RunMeta | null> {
    let said = false;
    while (!this.stopping) {
      const meta = parseRunMeta(await this.link.cmd.get(this.keys.meta));
      if (meta?.state === 'running') {
        const why = refusal(meta, this.o.game ?? null);
        if (why) throw new ActorRefusedError(why);
        return meta;
      }
      if (!said) log.info(`actor: waiting for a learner to run '${this.o.run}' on ${this.link.url} (arena train … --league --redis ${this.link.url} --run ${this.o.run})`);
      said = true;
      await Promise.race([sleep(1000), this.woken()]);
    }
    return null;
  }

  /** Writes the heartbeat and reads the learner's meta. */
  private async beat(): Promise<void> {
    if (!this.link.up) return;
    const hb: ActorHeartbeat = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      workers: this.o.workers,
      segments: this.segments,
      failed: this.failed,
      skipped: this.skipped,
      running: this.running.size,
      lastVersion: this.lastVersion,
      session: this.meta?.session ?? null,
      startedAt: this.startedAt,
    };
    const replies = await this.link.cmd.pipeline().set(this.keys.actor(this.id), JSON.stringify(hb), 'EX', HEARTBEAT_TTL_S).sadd(this.keys.actors, this.id).expire(this.keys.actors, LINGER_S).get(this.keys.meta).exec();
    this.observe(parseRunMeta((replies?.[3]?.[1] as string | null | undefined) ?? null));
  }

  /** Follows the learner: gone (wait), back, restarted (a new session), finished (leave). */
  private observe(meta: RunMeta | null): void {
    const run = `run '${this.o.run}'`;
    if (!meta) {
      if (!this.learnerGone) log.warn(`actor: ${run} has no learner right now (its heartbeat expired); waiting for it to come back`);
      this.learnerGone = true;
      return;
    }
    if (this.learnerGone) log.info(`actor: ${run} has a learner again (session ${meta.session})`);
    this.learnerGone = false;
    if (meta.session !== this.meta.session) {
      const why = refusal(meta, this.o.game ?? null);
      if (why) {
        this.fatal = new ActorRefusedError(why);
        this.wake();
        return;
      }
      log.info(`actor: ${run} restarted (learner session ${this.meta.session} → ${meta.session}); tasks of the old session are skipped`);
      this.cache.clear();
      this.pool.retain(new Set());
    }
    this.meta = meta;
    if (meta.state === 'finished' && this.end === null) {
      log.info(`actor: ${run} finished`);
      this.end = 'finished';
      this.wake();
    }
  }

  /** Claims tasks while a worker (or the one spare place) is free. */
  private async loop(): Promise<void> {
    let waiting = false;
    while (!this.stopping) {
      const free = this.o.workers + SPARE_TASKS - this.running.size;
      if (free <= 0) {
        await this.woken();
        continue;
      }
      let reply: unknown;
      try {
        reply = await this.reads.callBuffer('XREADGROUP', 'GROUP', TASKS_GROUP, this.id, 'COUNT', String(free), 'BLOCK', '1000', 'STREAMS', this.keys.tasks, '>');
        waiting = false;
      } catch (err) {
        if (this.stopping) break;
        if (isNoGroup(err) && !waiting) log.info(`actor: waiting for the learner of run '${this.o.run}' to create its task stream`);
        waiting ||= isNoGroup(err);
        await Promise.race([sleep(500), this.woken()]);
        continue;
      }
      for (const { id, fields } of streamEntries(reply)) {
        const p: Promise<void> = this.play(id, fields.get('data'))
          .catch((err: Error) => log.warn(`actor: a task failed: ${err.message}`)) // the learner gives it up when its time is out
          .finally(() => {
            this.running.delete(p);
            this.wake();
          });
        this.running.add(p);
      }
    }
  }

  /** Plays one claimed task and pushes its result (or why it could not be played). */
  private async play(entry: string, data: Buffer | undefined): Promise<void> {
    const t0 = performance.now();
    const c = this.link.cmd;
    let m: TaskMessage;
    try {
      m = decodeTask(data ?? new Uint8Array(0));
    } catch (err) {
      this.skipped++;
      log.warn(`actor: skipped a malformed task (${(err as Error).message})`);
      return this.done(entry);
    }
    if (m.session !== this.meta.session) {
      // the learner may have restarted since the last heartbeat
      this.observe(parseRunMeta(await c.get(this.keys.meta)));
      if (m.session !== this.meta.session || this.stopping) {
        this.skipped++;
        return this.done(entry);
      }
    }
    if (this.o.holdAfter !== undefined && this.started >= this.o.holdAfter) {
      while (!this.stopping) await this.woken();
      return;
    }
    this.started++;
    if (m.task.game !== this.meta.game.id) return this.fail(entry, m, `a task for ${m.task.game} in a run of ${this.meta.game.id}`);

    // the snapshots, cached by (session, version) under numbers of the local pool's own
    const snapshots = new Map<number, CachedSnapshot>();
    const tf = performance.now();
    for (const v of m.versions) {
      const hit = await this.snapshot(m.session, v);
      if (!hit) return this.fail(entry, m, `snapshot version ${v} is gone from Redis (expired, or Redis restarted)`);
      snapshots.set(v, hit);
    }
    const fetchMs = performance.now() - tf;
    // published now, with no wait before the pool takes them: another task's `retain` cannot drop them between
    for (const { local, bytes } of snapshots.values()) this.pool.publish(local, bytes);
    const map = (v: number) => snapshots.get(v)?.local ?? 0; // 0: never published, the pool refuses the task
    const task = { ...m.task, learner: map(m.task.learner), opponents: m.task.opponents.map((r) => ('version' in r ? { ...r, version: map(r.version) } : r)) };
    let result;
    try {
      const running = this.pool.run(task, m.versions.map(map));
      this.pool.retain(new Set([...this.cache.values()].map((x) => x.local)));
      result = await running;
    } catch (err) {
      if (this.stopping) return;
      return this.fail(entry, m, (err as Error).message);
    }
    const te = performance.now();
    const bytes = encodeResult(result);
    const encodeMs = performance.now() - te;
    // the result and the task's acknowledgement in one transaction: a task is done exactly when its result is in
    await c
      .multi()
      .xadd(this.keys.results, 'MAXLEN', '~', RESULTS_MAXLEN, '*', 'uid', String(m.uid), 'session', m.session, 'actor', this.id, 'status', 'ok', 'data', asBuffer(bytes), 'actorMs', (performance.now() - t0).toFixed(3), 'encodeMs', encodeMs.toFixed(3), 'fetchMs', fetchMs.toFixed(3))
      .xack(this.keys.tasks, TASKS_GROUP, entry)
      .xdel(this.keys.tasks, entry)
      .exec();
    this.segments++;
    this.lastVersion = m.task.learner;
  }

  /**
   * Snapshot `version` of `session` from the cache or from Redis (null: gone). Tasks that need the
   * same snapshot at once share one fetch, so a version has one number in the local pool.
   */
  private async snapshot(session: string, version: number): Promise<CachedSnapshot | null> {
    const key = `${session}:${version}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return hit;
    }
    let fetching = this.fetching.get(key);
    if (!fetching) {
      fetching = (async () => {
        const bytes = await this.link.cmd.getBuffer(this.keys.snapshot(session, version));
        if (!bytes) return null;
        const fetched = { local: this.nextLocal++, bytes: new Uint8Array(bytes) }; // its own copy: a reply may be a view into a larger read buffer
        this.cache.set(key, fetched);
        while (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
        return fetched;
      })().finally(() => this.fetching.delete(key));
      this.fetching.set(key, fetching);
    }
    return fetching;
  }

  /** Tells the learner a task cannot be played (it sends another). */
  private async fail(entry: string, m: TaskMessage, reason: string): Promise<void> {
    this.failed++;
    log.warn(`actor: could not play task ${m.uid}: ${reason}`);
    await this.link.cmd
      .multi()
      .xadd(this.keys.results, 'MAXLEN', '~', RESULTS_MAXLEN, '*', 'uid', String(m.uid), 'session', m.session, 'actor', this.id, 'status', 'failed', 'reason', reason)
      .xack(this.keys.tasks, TASKS_GROUP, entry)
      .xdel(this.keys.tasks, entry)
      .exec();
  }

  /** Removes a task nobody should play. */
  private async done(entry: string): Promise<void> {
    await this.link.cmd.multi().xack(this.keys.tasks, TASKS_GROUP, entry).xdel(this.keys.tasks, entry).exec();
  }
}

/** Runs an actor until the run finishes or `signal` aborts; throws ActorRefusedError for a run it cannot serve. */
export function runRemoteActor(o: RemoteActorOptions): Promise<ActorSummary> {
  return new RemoteActor(o).run();
}
