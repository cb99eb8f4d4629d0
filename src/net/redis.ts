/**
 * One process' link to Redis, shared by the game servers behind Redis (servers/redis.ts, match-stream.ts)
 * and by the learner and its actors (src/selfplay/remote-actors.ts, remote-actor.ts):
 *
 *   1. address  `parseRedisUrl` checks `redis://[user:password@]host[:port][/db]` (one ConfigError line
 *               for a typo); messages show the address with its password as `***` (`shownRedisUrl`);
 *   2. start    `RedisLink.connect` first asks Redis for a PING: one RedisUnavailableError line naming
 *               the address when it does not answer, before the caller has done anything;
 *   3. later    every connection of the link retries with capped exponential backoff (`retryDelay`),
 *               and commands wait for the reconnection instead of failing (`maxRetriesPerRequest: null`);
 *               the link logs one line when Redis is lost, one at most every 10 s while it stays lost,
 *               one when it is back, and runs its `onDown` / `onUp` listeners then (a restarted Redis
 *               may have lost everything: callers set their streams up again).
 *
 * This module sits below servers/ and src/selfplay/ and imports neither (eslint.config.js).
 */
import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import { ArenaError, ConfigError } from '../../core/index.ts';
import { log } from '../../core/log.ts';

/** Longest wait between two reconnection attempts, ms. */
export const MAX_RETRY_DELAY_MS = 2000;
/** How long a connection attempt waits for Redis to answer, ms. */
const CONNECT_TIMEOUT_MS = 5000;
/** At most one "still unreachable" line per this many ms (the loss and the recovery are always logged). */
const STILL_LOST_EVERY_MS = 10_000;

/** Redis did not answer when a server, a learner or an actor started. */
export class RedisUnavailableError extends ArenaError {
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super('REDIS_UNAVAILABLE', `cannot reach Redis at ${shownRedisUrl(url)}: ${reason}`, options);
  }
}

/** Capped exponential backoff for the `attempt`-th retry (from 1): 100 ms, 200 ms, … up to MAX_RETRY_DELAY_MS. */
export function retryDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 10), MAX_RETRY_DELAY_MS);
}

/** `url` with its password as `***`, for messages (also for a URL that does not parse). */
export function shownRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return url.endsWith('/') ? u.toString() : u.toString().replace(/\/$/, '');
  } catch {
    // everything between `scheme://user:` and the last '@'
    return url.replace(/^([a-z][\w+.-]*:\/\/[^:@/]*:).*@/i, '$1***@');
  }
}

/** Connection options of `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS); a bad URL is a ConfigError. */
export function parseRedisUrl(url: string): RedisOptions {
  const bad = (why: string) => new ConfigError(`bad Redis URL '${shownRedisUrl(url)}': ${why} (expected redis://[user:password@]host[:port][/db])`);
  if (!/^[a-z][\w+.-]*:\/\//i.test(url)) throw bad('no scheme');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`unknown scheme '${u.protocol}'`);
  if (!u.hostname) throw bad('no host');
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad(`database '${path}' is not a number`);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(path ? { db: Number(path) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // RESP2: the reply shapes stream reads are parsed in, whatever the server speaks
    protocol: 2,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

/** Resolves when Redis at `url` answers PING; otherwise throws one RedisUnavailableError line naming the address. */
export async function checkRedis(url: string): Promise<void> {
  const client = new Redis({ ...parseRedisUrl(url), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // the connection's own error (ECONNREFUSED, ENOTFOUND, WRONGPASS) says more than connect()'s "Connection is closed"
  let cause: Error | null = null;
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const why = cause ?? (err as Error);
    throw new RedisUnavailableError(url, why.message || String(why), { cause: why });
  } finally {
    client.disconnect();
  }
}

/** True for Redis' error when a stream or its consumer group does not exist (e.g. Redis restarted empty). */
export function isNoGroup(err: unknown): boolean {
  return /NOGROUP|no longer exists/i.test((err as Error | undefined)?.message ?? '');
}

/** Creates consumer group `group` of `stream` (and the stream) reading from its start; nothing when it exists already. */
export async function createGroup(client: Redis, stream: string, group: string): Promise<void> {
  try {
    await client.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) throw err;
  }
}

/** True when `p` settles within `ms` (a rejection counts too): for work that waits on a Redis that may be gone. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = await Promise.race([p.then(() => true, () => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return done;
}

/** What a link's log lines say: who speaks, and what a loss and a recovery mean to it. */
export interface RedisLinkOptions {
  /** The speaker, first in each line ('server', 'learner', 'actor'). */
  readonly who: string;
  /** What carries on and what waits while Redis is away (in the loss line). */
  readonly whileDown?: string;
  /** What resumes once Redis is back (in the recovery line). */
  readonly whenBack?: string;
}

/** An ioredis client class: ioredis' own, or the copy a package was built against (servers/redis.ts). */
export type RedisClass = new (options: RedisOptions) => Redis;

/** The connections of one process to one Redis, watched together for loss and recovery. */
export class RedisLink {
  /** The address, password hidden. */
  readonly url: string;
  /** For commands (no blocking reads: `open` a connection of their own for those). */
  readonly cmd: Redis;
  /** Connection losses since the link opened. */
  outages = 0;
  private readonly o: RedisLinkOptions;
  private readonly rawUrl: string;
  private readonly owned: Redis[] = [];
  /** Connections closed on purpose (their close is no loss). */
  private readonly retired = new WeakSet<Redis>();
  private readonly names = new WeakMap<Redis, string>();
  /** Names of the connections that are down now. */
  private readonly down = new Set<string>();
  private lostAt = 0;
  private lastReport = 0;
  private lastError = '';
  private closing = false;
  private readonly upListeners: (() => void)[] = [];
  private readonly downListeners: (() => void)[] = [];

  private constructor(url: string, o: RedisLinkOptions) {
    this.rawUrl = url;
    this.url = shownRedisUrl(url);
    this.o = o;
    this.cmd = this.open('cmd');
  }

  /** Checks that Redis answers (one RedisUnavailableError line if not), then opens the command connection. */
  static async connect(url: string, o: RedisLinkOptions): Promise<RedisLink> {
    await checkRedis(url);
    return new RedisLink(url, o);
  }

  /**
   * A further connection (e.g. for blocking reads, which hold their connection), watched like the
   * others and closed with them; `Class` for a package that only adopts clients of its own ioredis copy.
   */
  open(name: string, extra: RedisOptions = {}, Class: RedisClass = Redis): Redis {
    const client = new Class({
      ...parseRedisUrl(this.rawUrl),
      maxRetriesPerRequest: null,
      retryStrategy: retryDelay,
      connectionName: `arena-${this.o.who}-${name}-${hostname()}-${process.pid}`,
      ...extra,
    });
    this.names.set(client, name);
    this.owned.push(client);
    this.watch(name, client);
    return client;
  }

  /** True while every connection that came up is up (commands are answered now rather than queued). */
  get up(): boolean {
    return this.down.size === 0 && this.cmd.status === 'ready';
  }

  /** Called each time Redis comes back after a loss. */
  onUp(f: () => void): void {
    this.upListeners.push(f);
  }

  /** Called each time Redis is lost. */
  onDown(f: () => void): void {
    this.downListeners.push(f);
  }

  private watch(name: string, client: Redis): void {
    let wasReady = false;
    client.on('error', (err: Error) => {
      this.lastError = err.message || String(err);
      log.debug(`${this.o.who}: Redis ${name} connection: ${this.lastError}`);
    });
    client.on('ready', () => {
      wasReady = true;
      if (this.down.delete(name) && this.down.size === 0) this.back();
    });
    client.on('close', () => {
      if (this.closing || this.retired.has(client) || !wasReady || this.down.has(name)) return;
      this.down.add(name);
      if (this.down.size === 1) this.lost();
    });
    client.on('reconnecting', (delay: number) => {
      if (!this.closing && this.down.has(name)) this.stillLost(delay);
    });
  }

  private reason(): string {
    return this.lastError ? ` (${this.lastError})` : '';
  }

  private lost(): void {
    this.lostAt = this.lastReport = Date.now();
    this.outages++;
    const meanwhile = this.o.whileDown ? `: ${this.o.whileDown}` : '';
    log.warn(`${this.o.who}: lost the connection to Redis at ${this.url}${this.reason()}${meanwhile}; retrying with backoff (up to ${MAX_RETRY_DELAY_MS / 1000} s apart)`);
    for (const f of this.downListeners) f();
  }

  private stillLost(delay: number): void {
    const now = Date.now();
    if (now - this.lastReport < STILL_LOST_EVERY_MS) return;
    this.lastReport = now;
    log.warn(`${this.o.who}: Redis at ${this.url} still unreachable: retrying in ${delay} ms (lost ${((now - this.lostAt) / 1000).toFixed(0)} s ago${this.reason()})`);
  }

  private back(): void {
    if (this.closing) return;
    const after = `${((Date.now() - this.lostAt) / 1000).toFixed(1)} s`;
    log.info(`${this.o.who}: reconnected to Redis at ${this.url} after ${after}${this.o.whenBack ? `: ${this.o.whenBack}` : ''}`);
    this.lastError = '';
    for (const f of this.upListeners) f();
  }

  /** Closes one connection from `open` now (e.g. to end a blocking read at once); its close is no loss. */
  drop(client: Redis): void {
    this.retired.add(client);
    this.down.delete(this.names.get(client) ?? '');
    client.disconnect();
  }

  /** From now on a connection that closes is no loss (e.g. while a library shuts its connections down). */
  markClosing(): void {
    this.closing = true;
  }

  /** Closes every connection from `open`; commands still waiting fail. */
  close(): void {
    this.closing = true;
    for (const c of this.owned) c.disconnect();
  }
}
