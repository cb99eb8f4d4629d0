/**
 * Match records of several server processes behind one Redis (`arena serve --redis`), written in one
 * place with no game lost or counted twice:
 *
 *   1. publish   every process appends each finished game (with its unique id) to the Redis stream
 *                `arena:matches` (XADD), from an in-memory outbox that is retried until Redis takes
 *                it — a Redis outage delays records, it does not drop them;
 *   2. lease     one process at a time writes: the holder of the key `arena:matches:writer` (set
 *                when free, with a lifetime, and renewed every third of it). A process that stops
 *                renewing stops writing after half the lifetime, before anyone else can take the lease;
 *   3. write     the writer reads the stream as the only reader of consumer group `writer`
 *                (XREADGROUP), and for each record rates it in its league (counted once per id:
 *                league/store.ts `recordMatchOnce`), appends it to its `matches.jsonl` unless the
 *                file has that id, then acknowledges and deletes the entry (XACK + XDEL);
 *   4. take over a new writer first claims every entry still pending — delivered to a writer that
 *                died or lost its lease before acknowledging it (XAUTOCLAIM) — and writes those, and
 *                claims again every few seconds. Whatever step a writer died after, the record is
 *                written again only where it is missing.
 *
 * Records end up in the `--data` folder of the process holding the lease: give the processes that
 * may write the same folder (one machine, or a shared volume) and start the others with
 * `recordWriter: false`. A process that exits while Redis is unreachable loses the games still in
 * its outbox, and says how many.
 */
import type { Redis } from 'ioredis';
import { log } from '../core/log.ts';
import { finishedMatchSchema, writeMatch, type FinishedMatch, type MatchFile, type MatchSink } from './records.ts';
import { createGroup, isNoGroup, retryDelay, settlesWithin, type RedisLink } from '../src/net/redis.ts';

export const MATCH_STREAM = 'arena:matches';
export const WRITER_GROUP = 'writer';
export const WRITER_LEASE = 'arena:matches:writer';
/** Lifetime of the writer lease, ms (a dead writer is replaced after at most this long). */
export const DEFAULT_LEASE_MS = 10_000;
/** Records published per round trip. */
const PUBLISH_BATCH = 200;
/** Records read per round trip. */
const READ_BATCH = 100;

/** Takes the lease when it is free, or renews it when this process holds it already (after an error of its own). */
const ACQUIRE = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if v then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Step 1: hands each finished game of this process to the stream. */
export class MatchPublisher implements MatchSink {
  private readonly client: Redis;
  private readonly url: string;
  private readonly outbox: FinishedMatch[] = [];
  private draining: Promise<void> | null = null;
  private stopped = false;

  constructor(link: RedisLink) {
    this.client = link.cmd;
    this.url = link.url;
  }

  /** Games not yet taken by Redis. */
  get unsent(): number {
    return this.outbox.length;
  }

  record(m: FinishedMatch): Promise<void> {
    this.outbox.push(m);
    return this.flush();
  }

  flush(): Promise<void> {
    if (!this.draining && this.outbox.length > 0 && !this.stopped) this.draining = this.drain().finally(() => (this.draining = null));
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.outbox.length > 0 && !this.stopped) {
      const batch = this.outbox.slice(0, PUBLISH_BATCH);
      const pipe = this.client.pipeline();
      for (const m of batch) pipe.xadd(MATCH_STREAM, '*', 'match', JSON.stringify(m));
      let taken = 0;
      let error: Error | null = null;
      try {
        const replies = (await pipe.exec()) ?? [];
        while (taken < batch.length && replies[taken] && !replies[taken]![0]) taken++;
        error = replies[taken]?.[0] ?? null;
      } catch (err) {
        error = err as Error;
      }
      this.outbox.splice(0, taken);
      if (taken === batch.length) {
        failures = 0;
        continue;
      }
      failures++;
      const delay = retryDelay(failures);
      log.warn(`cannot publish ${this.outbox.length} match record(s) to Redis at ${this.url} (${error?.message ?? 'no reply'}): retrying in ${delay} ms`);
      await sleep(delay);
    }
  }

  /** Waits up to `timeoutMs` for the outbox to empty, then stops; logs the games that could not be handed on. */
  async close(timeoutMs = 3000): Promise<void> {
    await settlesWithin(this.flush(), timeoutMs);
    this.stopped = true;
    if (this.outbox.length > 0) log.error(`${this.outbox.length} finished game(s) never reached Redis at ${this.url} before shutdown: they are not recorded`);
  }
}

export interface MatchWriterOptions {
  readonly link: RedisLink;
  /** Where this process writes when it holds the lease. */
  readonly file: MatchFile;
  /** This process' name in the consumer group (unique per process). */
  readonly consumer: string;
  /** Lifetime of the lease, ms (default 10 s). */
  readonly leaseMs?: number;
}

type StreamEntry = [id: string, fields: string[] | null];

/** Steps 2–4: competes for the lease and, while it holds it, writes every published game. */
export class MatchWriter {
  private readonly link: RedisLink;
  private readonly cmd: Redis;
  private readonly reader: Redis;
  private readonly file: MatchFile;
  private readonly consumer: string;
  private readonly leaseMs: number;
  /** performance.now() until which this process may write (0: it does not hold the lease). */
  private writableUntil = 0;
  private renewTimer: ReturnType<typeof setInterval> | null = null;
  private lastClaim = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  /** Games written by this process (a record already in the file is not counted). */
  written = 0;
  /** Entries dropped because they were not match records. */
  dropped = 0;

  constructor(opts: MatchWriterOptions) {
    this.link = opts.link;
    this.cmd = opts.link.cmd;
    this.reader = opts.link.open('records-reader');
    this.file = opts.file;
    this.consumer = opts.consumer;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** True while this process holds the lease (and may write). */
  get writing(): boolean {
    return performance.now() < this.writableUntil;
  }

  start(): void {
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        if (!this.writing) {
          if (!(await this.acquire())) {
            await sleep(this.leaseMs / 3);
            continue;
          }
          await this.takeOver();
        }
        if (performance.now() - this.lastClaim > this.leaseMs / 2) await this.claimPending();
        const reply = (await this.reader.xreadgroup('GROUP', WRITER_GROUP, this.consumer, 'COUNT', READ_BATCH, 'BLOCK', Math.round(this.leaseMs / 5), 'STREAMS', MATCH_STREAM, '>')) as
          | [string, StreamEntry[]][]
          | null;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) {
          if (!this.writing || this.closed) break; // left pending: the next writer claims it
          await this.apply(id, fields);
        }
      } catch (err) {
        if (this.closed) break;
        this.writableUntil = 0; // take the lease again, and set the group up again if it is gone
        if (isNoGroup(err)) log.info('match records: the stream is gone from Redis (restarted without its data?): setting it up again');
        else log.warn(`match records: ${(err as Error).message}; retrying in 1 s`);
        await sleep(1000);
      }
    }
  }

  private async acquire(): Promise<boolean> {
    const t0 = performance.now();
    if ((await this.cmd.eval(ACQUIRE, 1, WRITER_LEASE, this.consumer, String(this.leaseMs))) !== 1) return false;
    this.writableUntil = t0 + this.leaseMs / 2;
    this.renewTimer ??= setInterval(() => void this.renew(), this.leaseMs / 3);
    return true;
  }

  private async renew(): Promise<void> {
    if (this.closed || this.writableUntil === 0) return;
    const t0 = performance.now();
    try {
      const ok = (await this.cmd.eval(RENEW, 1, WRITER_LEASE, this.consumer, String(this.leaseMs))) === 1;
      if (ok && this.writableUntil !== 0) this.writableUntil = t0 + this.leaseMs / 2;
      else if (!ok && this.writableUntil !== 0) {
        this.writableUntil = 0;
        log.warn('match records: this process lost the writer lease; another process writes them now');
      }
    } catch {
      // the lease runs out on its own (writing stops at writableUntil); the run loop reports the error
    }
  }

  /** Step 4: the consumer group exists, the file's recent ids are known, and every pending entry is written. */
  private async takeOver(): Promise<void> {
    await createGroup(this.cmd, MATCH_STREAM, WRITER_GROUP);
    await this.file.load();
    const claimed = await this.claimPending();
    log.info(`match records: this process writes them now, to ${this.file.path}${claimed ? ` (${claimed} unacknowledged record(s) taken over)` : ''}`);
  }

  /** Writes every entry delivered but never acknowledged (by a writer that died, or by this one after a failed write). */
  private async claimPending(): Promise<number> {
    this.lastClaim = performance.now();
    let cursor = '0-0';
    let n = 0;
    do {
      const [next, entries] = (await this.cmd.xautoclaim(MATCH_STREAM, WRITER_GROUP, this.consumer, 0, cursor, 'COUNT', READ_BATCH)) as [string, StreamEntry[], string[]?];
      for (const [id, fields] of entries) {
        if (!this.writing || this.closed) return n;
        await this.apply(id, fields);
        n++;
      }
      cursor = next;
    } while (cursor !== '0-0');
    return n;
  }

  /** Step 3 for one entry: write it (where missing), then acknowledge and delete it. */
  private async apply(id: string, fields: string[] | null): Promise<void> {
    const raw = fields?.[fields.indexOf('match') + 1];
    const parsed = raw === undefined ? null : finishedMatchSchema.safeParse(safeJson(raw));
    if (!parsed?.success) {
      this.dropped++;
      log.error(`match records: stream entry ${id} is not a match record: dropped`);
    } else if (!this.file.has(parsed.data.id)) {
      await writeMatch(parsed.data, this.file);
      this.written++;
    }
    await this.cmd.multi().xack(MATCH_STREAM, WRITER_GROUP, id).xdel(MATCH_STREAM, id).exec();
  }

  /**
   * Stops reading; once the record being written (if any) is written, gives the lease up so another
   * process takes over at once. When Redis is gone the loop may wait on it: then the lease just runs out.
   */
  async close(timeoutMs = 2000): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.link.drop(this.reader);
    const stopped = this.running ? await settlesWithin(this.running, timeoutMs) : true;
    if (stopped && this.writableUntil !== 0 && this.cmd.status === 'ready') await this.cmd.eval(RELEASE, 1, WRITER_LEASE, this.consumer).catch(() => undefined);
    this.writableUntil = 0;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
