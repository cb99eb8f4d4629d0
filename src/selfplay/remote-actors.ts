/**
 * Remote actors, learner side: `RedisActors` runs self-play tasks on `arena actor` processes on other
 * machines, through Redis (keys and messages in remote-protocol.ts; the actor in remote-actor.ts).
 *
 * A task: the snapshots it names are uploaded (once per version, with an expiry; deleted when no task
 * in flight names them and the learner has dropped the version), the task is added to the tasks
 * stream, an actor claims it through the consumer group, plays it with the worker code local actors
 * use (worker.ts) and adds the result to the results stream. The learner reads results through its
 * own consumer group, checks each whole (`checkResult`) and hands it to the collector like a local
 * result; the entry is acknowledged and deleted once the learner used or dropped the segment (`settle`).
 *
 * Every task ends as exactly one of: accepted (a valid result came back); lost (its actor's heartbeat
 * stopped, it timed out, the actor could not play it, its result was corrupt, or the connection to
 * Redis went); cancelled (in flight when the run stopped). Every result read is accepted, corrupt or
 * stale (of an earlier learner session, or for a task no longer awaited). `stats()` counts them all,
 * so nothing is lost silently; a lost task costs only itself (the feed sends another).
 *
 * Once a second the learner refreshes the run's meta (its own heartbeat), reads the actors'
 * heartbeats (how many tasks they can take: `capacity()`) and gives up the tasks of actors that
 * stopped answering.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError, WorkerError, type GameInfo } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { createGroup, isNoGroup, RedisLink, shownRedisUrl } from '../net/redis.ts';
import type { RemoteStatus } from '../../league/status.ts';
import type { Segment } from './collectors.ts';
import { Published, type Actors, type ResultOf, type SnapshotSet, type TaskRequest, type ThreadMemory } from './pool.ts';
import {
  checkResult,
  encodeTask,
  gameSignature,
  HEARTBEAT_TTL_S,
  LINGER_S,
  META_TTL_S,
  parseHeartbeat,
  parseRunMeta,
  RemoteDataError,
  REMOTE_PROTOCOL,
  RESULTS_GROUP,
  runKeys,
  SNAPSHOT_TTL_S,
  SPARE_TASKS,
  streamEntries,
  TASKS_GROUP,
  TASKS_MAXLEN,
  unpackResult,
  type ActorHeartbeat,
  type RemoteTask,
  type RunMeta,
} from './remote-protocol.ts';
import type { ChainableCommander, Redis } from 'ioredis';

export interface RemoteActorsOptions {
  readonly url: string;
  /** The run's name in Redis (actors join it with `--run`). */
  readonly run: string;
  readonly info: GameInfo;
  readonly algo: string;
  readonly network: string;
  /** The snapshot set the local actors publish to: tasks name versions from it. */
  readonly snapshots: SnapshotSet;
  /** Floats of the learner's critic input per decision when its critic reads the agent state (criticInput 'agent-state'), else 0. */
  readonly criticSize?: number;
  /** A task not answered within this many ms is given up (default 120 s, as the local pool's timeout). */
  readonly taskTimeoutMs?: number;
}

/** What the remote path did, for the run's profile. */
export interface RemoteStats {
  readonly actorsSeen: number;
  readonly tasksIssued: number;
  readonly tasksAccepted: number;
  readonly tasksLost: number;
  readonly tasksCancelled: number;
  readonly resultsCorrupt: number;
  readonly resultsStale: number;
  readonly redisOutages: number;
  /** Means per accepted segment: payload, the actor's encoding, the learner's decoding and checks. */
  readonly kBPerSegment: number;
  readonly encodeMsPerSegment: number;
  readonly decodeMsPerSegment: number;
  /** Mean time an actor spent fetching snapshots per task, and the learner uploading them per upload. */
  readonly snapshotFetchMsPerTask: number;
  readonly snapshotUploadMs: number;
  readonly snapshotUploads: number;
  /** Mean round trip of a task less the time it spent in its actor: Redis both ways, and waiting for the learner's busy thread. */
  readonly transitMsPerTask: number;
}

interface InFlight {
  readonly uid: number;
  readonly task: RemoteTask;
  readonly versions: readonly number[];
  readonly issuedAt: number;
  /** Its entry in the tasks stream once added. */
  entry: string | null;
  readonly resolve: (r: ResultOf<RemoteTask>) => void;
  readonly reject: (err: Error) => void;
}

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export class RedisActors extends Published implements Actors {
  /** Remote workers do not count as local threads (see `capacity()`). */
  readonly workers = 0;
  readonly retries = 0;
  readonly session = randomBytes(4).toString('hex');
  private readonly o: RemoteActorsOptions;
  private readonly link: RedisLink;
  /** Blocking reads of the results stream (they hold their connection). */
  private readonly reads: Redis;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly startedAt = Date.now();
  private readonly timeoutMs: number;
  private readonly inFlight = new Map<number, InFlight>();
  /** Uploaded snapshot versions: tasks in flight naming them, and when they were (re)written. */
  private readonly uploaded = new Map<number, { uses: number; at: number }>();
  private alive = new Map<string, ActorHeartbeat>();
  private readonly seen = new Set<string>();
  private capacityNow = 0;
  private changeWaiters: (() => void)[] = [];
  private uids = 0;
  private timer: NodeJS.Timeout | null = null;
  private receiving: Promise<void> = Promise.resolve();
  private polling = false;
  private closed = false;
  private finished = false;
  private readonly counts = { tasksIssued: 0, tasksAccepted: 0, tasksLost: 0, tasksCancelled: 0, resultsCorrupt: 0, resultsStale: 0 };
  private readonly sums = { bytes: 0, encodeMs: 0, decodeMs: 0, fetchMs: 0, transitMs: 0, uploadMs: 0, uploads: 0 };

  private constructor(o: RemoteActorsOptions, link: RedisLink) {
    super(o.snapshots);
    this.o = o;
    this.link = link;
    this.reads = link.open('results', { blockingTimeout: 10_000 });
    this.keys = runKeys(o.run);
    this.timeoutMs = o.taskTimeoutMs ?? 120_000;
  }

  /** Connects (one line when Redis is unreachable), claims the run in Redis and starts serving actors. */
  static async open(o: RemoteActorsOptions): Promise<RedisActors> {
    const link = await RedisLink.connect(o.url, { who: 'learner', whileDown: 'training goes on with the local workers' });
    const remote = new RedisActors(o, link);
    try {
      await remote.claim();
      await remote.prepare(true);
    } catch (err) {
      link.close();
      throw err;
    }
    link.onDown(() => remote.down());
    link.onUp(() =>
      void remote
        .prepare(false)
        .then(() => remote.poll())
        .catch((err: Error) => log.warn(`learner: could not set run '${o.run}' up again in Redis: ${err.message}`)),
    );
    remote.timer = setInterval(() => void remote.poll().catch((err: Error) => log.debug(`remote actors: poll failed: ${err.message}`)), POLL_MS);
    remote.receiving = remote.receive();
    await remote.poll();
    return remote;
  }

  private meta(state: RunMeta['state']): string {
    const m: RunMeta = {
      protocol: REMOTE_PROTOCOL,
      run: this.o.run,
      session: this.session,
      state,
      game: gameSignature(this.o.info),
      algo: this.o.algo,
      network: this.o.network,
      tasks: ['two-seat'],
      learner: { host: hostname(), pid: process.pid, startedAt: this.startedAt },
    };
    return JSON.stringify(m);
  }

  /** Takes the run over, waiting for an earlier learner's heartbeat to expire unless that learner is known dead. */
  private async claim(): Promise<void> {
    const { run } = this.o;
    const deadline = Date.now() + (META_TTL_S + 1) * 1000;
    let said = false;
    for (;;) {
      const other = parseRunMeta(await this.link.cmd.get(this.keys.meta));
      if (!other || other.state !== 'running') break;
      const { host, pid } = other.learner;
      if (host === hostname() && !processAlive(pid)) {
        log.info(`remote actors: run '${run}' was held by learner pid ${pid}, which is no longer running: taking it over`);
        break;
      }
      if (Date.now() > deadline) throw new ConfigError(`run '${run}' on ${this.link.url} is being trained by another learner (${host}, pid ${pid}): stop it or choose another --run`);
      if (!said) log.info(`remote actors: run '${run}' is held by a learner on ${host} (pid ${pid}); waiting up to ${META_TTL_S} s for its heartbeat to expire`);
      said = true;
      await sleep(500);
    }
    await this.link.cmd.set(this.keys.meta, this.meta('running'), 'EX', META_TTL_S);
  }

  /**
   * The run's meta and consumer groups (again after Redis came back: a restarted Redis lost them).
   * At start, tasks and results of an earlier session are of no use: they are dropped (the results counted).
   */
  private async prepare(start: boolean): Promise<void> {
    const c = this.link.cmd;
    await c.set(this.keys.meta, this.meta('running'), 'EX', META_TTL_S);
    for (const [key, group] of [
      [this.keys.tasks, TASKS_GROUP],
      [this.keys.results, RESULTS_GROUP],
    ] as const) {
      await createGroup(c, key, group);
      await c.persist(key); // a stopped run's streams expire (close); this one lives while it runs
    }
    if (!start) return;
    const replies = await c.multi().xlen(this.keys.results).xtrim(this.keys.results, 'MAXLEN', 0).xtrim(this.keys.tasks, 'MAXLEN', 0).exec();
    const stale = Number(replies?.[0]?.[1] ?? 0);
    this.counts.resultsStale += stale;
    if (stale) log.info(`remote actors: dropped ${stale} result(s) left by an earlier learner session`);
    const consumers = (await c.call('XINFO', 'CONSUMERS', this.keys.results, RESULTS_GROUP)) as unknown[][];
    for (const row of consumers) {
      const name = String(row[1]);
      if (name !== this.session) await c.call('XGROUP', 'DELCONSUMER', this.keys.results, RESULTS_GROUP, name);
    }
  }

  /** The Redis address (without a password). */
  get url(): string {
    return this.link.url;
  }

  /** Remote tasks that may run now: each live actor's workers, plus one it can hold ready. */
  capacity(): number {
    return this.link.up && !this.closed ? this.capacityNow : 0;
  }

  /** Resolves at the next heartbeat poll (about a second), or when the connection to Redis changes. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  private fire(): void {
    const w = this.changeWaiters;
    this.changeWaiters = [];
    for (const f of w) f();
  }

  /** Live actors right now (their last heartbeats). */
  actors(): ActorHeartbeat[] {
    return [...this.alive.values()];
  }

  /** Waits until at least `n` actors are alive. */
  async waitForActors(n: number): Promise<void> {
    if (this.alive.size >= n) return;
    log.info(`remote actors: waiting for ${n} actor(s) to join run '${this.o.run}'`);
    while (this.alive.size < n) await this.changed();
  }

  async run<T extends TaskRequest>(task: T, versions: readonly number[]): Promise<ResultOf<T>> {
    if (task.kind !== 'two-seat') throw new ConfigError('remote actors play two-seat self-play tasks only');
    if (!this.link.up || this.closed) throw new WorkerError('Redis is unreachable: no remote task sent');
    const bytes = this.snapshots.pick(versions); // now: the versions may be dropped at the next update
    const uid = ++this.uids;
    const result = new Promise<ResultOf<RemoteTask>>((resolve, reject) => {
      this.inFlight.set(uid, { uid, task, versions, issuedAt: performance.now(), entry: null, resolve, reject });
    });
    result.catch(() => {}); // it may end (cancelled, lost) before the caller awaits it below
    const f = this.inFlight.get(uid)!;
    this.counts.tasksIssued++;
    try {
      // the snapshots Redis lacks and the task, in one round trip (in this order on one connection)
      const pipe = this.link.cmd.pipeline();
      const writes = this.upload(pipe, versions, bytes);
      const message = encodeTask({ uid, session: this.session, task, versions });
      pipe.xadd(this.keys.tasks, 'MAXLEN', '~', TASKS_MAXLEN, '*', 'session', this.session, 'uid', String(uid), 'data', asBuffer(message));
      const t = performance.now();
      const replies = (await pipe.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0]!;
      if (writes) {
        this.sums.uploadMs += performance.now() - t;
        this.sums.uploads += writes;
      }
      const entry = replies.at(-1)?.[1] as string;
      if (this.inFlight.has(uid)) f.entry = entry;
      else void this.link.cmd.xdel(this.keys.tasks, entry).catch(() => {}); // given up meanwhile: nobody should play it
    } catch (err) {
      this.finish(f, 'lost', new WorkerError(`could not send a remote task: ${(err as Error).message}`));
    }
    return result as unknown as Promise<ResultOf<T>>;
  }

  /** Adds to `pipe` the snapshots a task names that Redis does not hold (or may have let expire); returns how many. */
  private upload(pipe: ChainableCommander, versions: readonly number[], bytes: Record<number, Uint8Array>): number {
    const now = Date.now();
    let writes = 0;
    for (const v of versions) {
      let u = this.uploaded.get(v);
      if (!u) this.uploaded.set(v, (u = { uses: 0, at: 0 }));
      u.uses++;
      if (now - u.at > (SNAPSHOT_TTL_S * 1000) / 2) {
        pipe.set(this.keys.snapshot(this.session, v), asBuffer(bytes[v]!), 'EX', SNAPSHOT_TTL_S);
        u.at = now;
        writes++;
      }
    }
    return writes;
  }

  /** Ends a task in flight once; false when it had already ended. */
  private finish(f: InFlight, outcome: 'accepted' | 'lost' | 'cancelled', err?: Error, result?: ResultOf<RemoteTask>): boolean {
    if (!this.inFlight.delete(f.uid)) return false;
    for (const v of f.versions) {
      const u = this.uploaded.get(v);
      if (u) u.uses--;
    }
    if (outcome === 'accepted') {
      this.counts.tasksAccepted++;
      f.resolve(result!);
      return true;
    }
    if (outcome === 'lost') this.counts.tasksLost++;
    else this.counts.tasksCancelled++;
    f.reject(err!);
    return true;
  }

  /** Gives a task up: nobody plays it any more, its result (if one still comes) is stale. */
  private lose(f: InFlight, why: string): void {
    if (!this.finish(f, 'lost', new WorkerError(`remote task lost: ${why}`))) return;
    log.warn(`remote actors: task ${f.uid} lost: ${why}; training continues`);
    if (f.entry && this.link.up) void this.link.cmd.pipeline().xack(this.keys.tasks, TASKS_GROUP, f.entry).xdel(this.keys.tasks, f.entry).exec().catch(() => {});
  }

  /** Redis went away: the tasks in flight are lost (a restarted Redis lost its streams); local actors carry on. */
  private down(): void {
    const n = this.inFlight.size;
    for (const f of [...this.inFlight.values()]) this.finish(f, 'lost', new WorkerError('the connection to Redis was lost'));
    this.alive = new Map();
    this.capacityNow = 0;
    this.uploaded.clear();
    log.warn(`remote actors: ${n} task(s) in flight lost with Redis; training continues on the local workers`);
    this.fire();
  }

  /** Once a second: the learner's heartbeat, the actors' heartbeats, and the tasks of actors that stopped. */
  async poll(): Promise<void> {
    if (this.polling || this.closed || !this.link.up) return;
    this.polling = true;
    try {
      const c = this.link.cmd;
      await c.set(this.keys.meta, this.meta('running'), 'EX', META_TTL_S);
      const ids = await c.smembers(this.keys.actors);
      const beats = ids.length ? await c.mget(...ids.map((id) => this.keys.actor(id))) : [];
      const alive = new Map<string, ActorHeartbeat>();
      ids.forEach((id, i) => {
        const hb = parseHeartbeat(beats[i] ?? null);
        if (hb) alive.set(id, hb);
      });
      for (const [id, hb] of alive) if (!this.alive.has(id)) log.info(`remote actors: ${id} joined (${hb.host}, pid ${hb.pid}, ${hb.workers} worker(s))`);
      const gone = ids.filter((id) => !alive.has(id));
      for (const id of gone) if (this.alive.has(id)) log.warn(`remote actors: ${id} stopped answering (no heartbeat for ${HEARTBEAT_TTL_S} s)`);
      this.alive = alive;
      for (const id of alive.keys()) this.seen.add(id);
      this.capacityNow = [...alive.values()].reduce((a, hb) => a + hb.workers + SPARE_TASKS, 0);

      // tasks whose actor stopped, that no actor is left to take, or that took too long
      const sent = [...this.inFlight.values()].filter((f) => f.entry !== null);
      if (sent.length) {
        const pipe = c.pipeline();
        for (const f of sent) pipe.xpending(this.keys.tasks, TASKS_GROUP, f.entry!, f.entry!, 1);
        const replies = (await pipe.exec()) ?? [];
        const now = performance.now();
        sent.forEach((f, i) => {
          const row = (replies[i]?.[1] as unknown[][] | undefined)?.[0];
          const consumer = row ? String(row[1]) : null;
          if (consumer !== null && !alive.has(consumer)) this.lose(f, `actor ${consumer} stopped answering`);
          else if (consumer === null && alive.size === 0 && now - f.issuedAt > 3 * POLL_MS) this.lose(f, 'no live actor to take it');
          else if (now - f.issuedAt > this.timeoutMs) this.lose(f, `no result within ${this.timeoutMs / 1000} s`);
        });
      }
      // the actors gone, now that their tasks are given up
      for (const id of gone) {
        await c.srem(this.keys.actors, id);
        await c.call('XGROUP', 'DELCONSUMER', this.keys.tasks, TASKS_GROUP, id).catch(() => {});
      }
      this.sweep();
    } finally {
      this.polling = false;
      this.fire();
    }
  }

  /** Deletes uploaded snapshots that no task in flight names and the learner no longer publishes. */
  private sweep(): void {
    const unused = [...this.uploaded].filter(([v, u]) => u.uses <= 0 && !this.snapshots.has(v)).map(([v]) => v);
    if (!unused.length) return;
    for (const v of unused) this.uploaded.delete(v);
    void this.link.cmd.del(...unused.map((v) => this.keys.snapshot(this.session, v))).catch(() => {});
  }

  /** Reads the results stream until closed. */
  private async receive(): Promise<void> {
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.reads.callBuffer('XREADGROUP', 'GROUP', RESULTS_GROUP, this.session, 'COUNT', '32', 'BLOCK', '1000', 'STREAMS', this.keys.results, '>');
      } catch (err) {
        if (this.closed) return;
        if (isNoGroup(err) && this.link.up) await this.prepare(false).catch(() => {});
        await sleep(200); // Redis is away: the link reconnects meanwhile
        continue;
      }
      for (const { id, fields } of streamEntries(reply)) this.take(id, fields);
    }
  }

  /** One result entry: accepted (resolves its task), corrupt or stale; all but accepted ones are acknowledged at once. */
  private take(entry: string, fields: Map<string, Buffer>): void {
    const receivedAt = performance.now();
    const text = (k: string) => fields.get(k)?.toString() ?? '';
    const actor = text('actor') || '(unknown actor)';
    const f = this.inFlight.get(Number(text('uid')));
    const drop = () => this.ack([entry]);
    if (text('session') !== this.session) {
      this.counts.resultsStale++;
      return drop();
    }
    if (text('status') === 'failed') {
      drop();
      if (f) this.lose(f, `actor ${actor} could not play it: ${text('reason')}`);
      else this.counts.resultsStale++;
      return;
    }
    let value: unknown;
    const t = performance.now();
    try {
      value = unpackResult(fields.get('data') ?? new Uint8Array(0));
    } catch (err) {
      return this.corrupt(entry, actor, err as Error, f);
    }
    if (!f) {
      this.counts.resultsStale++;
      return drop();
    }
    let result: ResultOf<RemoteTask>;
    try {
      result = { ...checkResult(value, f.task, this.o.info, this.o.criticSize ?? 0), remote: { actor, entry } };
    } catch (err) {
      return this.corrupt(entry, actor, err as Error, f);
    }
    const actorMs = Number(text('actorMs'));
    this.sums.decodeMs += performance.now() - t;
    this.sums.bytes += fields.get('data')!.length;
    this.sums.encodeMs += Number(text('encodeMs')) || 0;
    this.sums.fetchMs += Number(text('fetchMs')) || 0;
    this.sums.transitMs += Number.isFinite(actorMs) ? Math.max(0, receivedAt - f.issuedAt - actorMs) : 0;
    this.finish(f, 'accepted', undefined, result);
  }

  private corrupt(entry: string, actor: string, err: Error, f: InFlight | undefined): void {
    this.counts.resultsCorrupt++;
    this.ack([entry]);
    const why = err instanceof RemoteDataError ? err.message : `unexpected: ${err.message}`;
    log.warn(`remote actors: dropped a corrupt result from ${actor} (${why}); never trained on`);
    if (f) this.lose(f, 'its result was corrupt');
  }

  /** Acknowledges and deletes result entries (bounded stream: nothing stays once handled). */
  private ack(entries: readonly string[]): void {
    if (!entries.length || !this.link.up) return;
    void this.link.cmd
      .pipeline()
      .xack(this.keys.results, RESULTS_GROUP, ...entries)
      .xdel(this.keys.results, ...entries)
      .exec()
      .catch(() => {});
  }

  /** The learner used or dropped these segments: their remote entries are acknowledged and deleted. */
  settle(segments: readonly Segment[]): void {
    this.ack(segments.flatMap((s) => (s.remote ? [s.remote.entry] : [])));
  }

  /** Gives up every task in flight (the run is stopping); nobody plays them any more. */
  cancel(): void {
    const entries: string[] = [];
    for (const f of [...this.inFlight.values()]) {
      if (f.entry) entries.push(f.entry);
      this.finish(f, 'cancelled', new WorkerError('the run is stopping'));
    }
    if (entries.length && this.link.up) void this.link.cmd.xdel(this.keys.tasks, ...entries).catch(() => {});
  }

  stats(): RemoteStats {
    const s = this.sums;
    const per = (x: number, n: number) => (n > 0 ? +(x / n).toFixed(3) : 0);
    const n = this.counts.tasksAccepted;
    return {
      actorsSeen: this.seen.size,
      ...this.counts,
      redisOutages: this.link.outages,
      kBPerSegment: per(s.bytes / 1024, n),
      encodeMsPerSegment: per(s.encodeMs, n),
      decodeMsPerSegment: per(s.decodeMs, n),
      snapshotFetchMsPerTask: per(s.fetchMs, n),
      snapshotUploadMs: per(s.uploadMs, s.uploads),
      snapshotUploads: s.uploads,
      transitMsPerTask: per(s.transitMs, n),
    };
  }

  /** The run reached its budget: at close, the actors are told so and leave. */
  markFinished(): void {
    this.finished = true;
  }

  /**
   * Stops serving actors: tasks in flight are cancelled, this session's snapshots deleted, and the
   * meta marked finished (actors leave) or removed (actors wait for the run to come back, e.g. --resume).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.cancel();
    this.closed = true;
    this.fire();
    if (this.link.up) {
      const c = this.link.cmd;
      // nothing of the run outlives it by more than a minute unless a learner resumes it
      await Promise.all([
        this.finished ? c.set(this.keys.meta, this.meta('finished'), 'EX', LINGER_S) : c.del(this.keys.meta),
        this.uploaded.size ? c.del(...[...this.uploaded.keys()].map((v) => this.keys.snapshot(this.session, v))) : null,
        c.call('XGROUP', 'DELCONSUMER', this.keys.results, RESULTS_GROUP, this.session),
        c.expire(this.keys.tasks, LINGER_S),
        c.expire(this.keys.results, LINGER_S),
      ]).catch((err: Error) => log.debug(`remote actors: cleanup failed: ${err.message}`));
    }
    this.link.close();
    await this.receiving;
  }

  /** Remote actors run in other processes: their memory is theirs to report. */
  async threadMemory(): Promise<ThreadMemory[]> {
    return [];
  }

  destroy(): Promise<void> {
    return this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A run's learner and live actors as Redis shows them; a Redis that cannot be reached is reported, not thrown. */
export async function remoteStatus(url: string, run: string): Promise<RemoteStatus> {
  let link: RedisLink;
  try {
    link = await RedisLink.connect(url, { who: 'status' });
  } catch (err) {
    return { url: shownRedisUrl(url), run, learner: null, actors: [], error: (err as Error).message };
  }
  try {
    const keys = runKeys(run);
    const learner = parseRunMeta(await link.cmd.get(keys.meta));
    const ids = await link.cmd.smembers(keys.actors);
    const beats = ids.length ? await link.cmd.mget(...ids.map((id) => keys.actor(id))) : [];
    const actors = beats.flatMap((b) => parseHeartbeat(b ?? null) ?? []);
    return { url: link.url, run, learner, actors, error: null };
  } finally {
    link.close();
  }
}
