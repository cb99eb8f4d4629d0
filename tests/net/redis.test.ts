/**
 * The shared Redis link: the URL check and its messages (a password never shown), the one-line
 * error for a Redis that does not answer at start (a closed port: no Redis needed), the backoff,
 * and — against a real redis-server — one line when Redis is lost, one when it is back, with the
 * link's listeners run and its commands answered again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArenaError, ConfigError } from '../../core/index.ts';
import { setLogSink } from '../../core/log.ts';
import { isNoGroup, MAX_RETRY_DELAY_MS, parseRedisUrl, RedisLink, RedisUnavailableError, retryDelay, shownRedisUrl } from '../../src/net/redis.ts';
import { freePort, SKIP_REDIS, startRedis, type RedisServer } from '../support/redis.ts';

describe('Redis URLs', () => {
  it('reads host, port, user, password, database and TLS', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380')).toMatchObject({ host: '10.0.0.5', port: 6380 });
    expect(parseRedisUrl('redis://cache')).toMatchObject({ host: 'cache', port: 6379 });
    const full = parseRedisUrl('rediss://arena:p%40ss@[::1]:7000/3');
    expect(full).toMatchObject({ host: '::1', port: 7000, username: 'arena', password: 'p@ss', db: 3, tls: {} });
    const noUser = parseRedisUrl('redis://:secret@h');
    expect(noUser.password).toBe('secret');
    expect(noUser.username).toBeUndefined();
    expect(parseRedisUrl('redis://h').tls).toBeUndefined();
  });

  it('refuses a typo in one ConfigError line saying what is wrong, the password hidden', () => {
    const cases: [string, RegExp][] = [
      ['http://127.0.0.1:6379', /^bad Redis URL 'http:\/\/127\.0\.0\.1:6379': unknown scheme 'http:' \(expected redis:\/\/\[user:password@\]host\[:port\]\[\/db\]\)$/],
      ['127.0.0.1:6379', /^bad Redis URL '127\.0\.0\.1:6379': no scheme/],
      ['localhost:6379', /^bad Redis URL 'localhost:6379': no scheme/],
      ['redis://', /^bad Redis URL 'redis:\/\/': no host/],
      ['redis://a b', /^bad Redis URL 'redis:\/\/a b': not a URL/],
      ['redis://h:99999', /^bad Redis URL 'redis:\/\/h:99999': not a URL/],
      ['redis://h/zero', /^bad Redis URL 'redis:\/\/h\/zero': database 'zero' is not a number/],
      ['redis://:hunter2@h/zero', /^bad Redis URL 'redis:\/\/:\*\*\*@h\/zero': database/],
      ['http://u:hunter2@h', /^bad Redis URL 'http:\/\/u:\*\*\*@h': unknown scheme/],
      ['redis://u:hunter2@h:99999', /^bad Redis URL 'redis:\/\/u:\*\*\*@h:99999': not a URL/],
    ];
    for (const [url, message] of cases) {
      let err: unknown;
      try {
        parseRedisUrl(url);
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('shows an address with its password as ***', () => {
    expect(shownRedisUrl('redis://:hunter2@10.0.0.5:6379')).toBe('redis://:***@10.0.0.5:6379');
    expect(shownRedisUrl('redis://arena:hunter2@h/2')).toBe('redis://arena:***@h/2');
    expect(shownRedisUrl('redis://arena@h:6379')).toBe('redis://arena@h:6379');
    expect(shownRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('Redis unreachable at start', () => {
  it('is one RedisUnavailableError line naming the address (password hidden) and the reason', async () => {
    const port = await freePort(); // nothing listens there
    for (const [url, shown] of [
      [`redis://127.0.0.1:${port}`, `redis://127.0.0.1:${port}`],
      [`redis://:hunter2@127.0.0.1:${port}`, `redis://:***@127.0.0.1:${port}`],
    ] as const) {
      const err = await RedisLink.connect(url, { who: 'test' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RedisUnavailableError);
      expect(err).toBeInstanceOf(ArenaError); // the CLI prints it as one line, exit code 2
      expect((err as ArenaError).code).toBe('REDIS_UNAVAILABLE');
      expect((err as Error).message).toBe(`cannot reach Redis at ${shown}: connect ECONNREFUSED 127.0.0.1:${port}`);
    }
  });

  it('a bad URL is refused before any connection', async () => {
    await expect(RedisLink.connect('http://127.0.0.1:6379', { who: 'test' })).rejects.toThrow(ConfigError);
  });
});

describe('backoff and errors', () => {
  it('doubles from 100 ms up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(retryDelay)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(retryDelay(0)).toBe(100);
    expect(MAX_RETRY_DELAY_MS).toBe(2000);
  });

  it("recognises Redis' missing stream or group", () => {
    expect(isNoGroup(new Error("NOGROUP No such key 'k' or consumer group 'g' in XREADGROUP with GROUP option"))).toBe(true);
    expect(isNoGroup(new Error('BUSYGROUP Consumer Group name already exists'))).toBe(false);
    expect(isNoGroup(undefined)).toBe(false);
  });
});

describe.skipIf(SKIP_REDIS)('a link to a real Redis lost and back', () => {
  let redis: RedisServer;
  const lines: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    setLogSink((level, message) => lines.push(`${level}: ${message}`));
  });
  afterEach(() => {
    lines.length = 0;
  });
  afterAll(async () => {
    setLogSink((level, message) => process.stderr.write(`${level}: ${message}\n`));
    await redis?.stop();
  });

  it('says so once each way, runs its listeners, and answers commands again', async () => {
    const link = await RedisLink.connect(redis.url, { who: 'test', whileDown: 'work waits', whenBack: 'work resumes' });
    const events: string[] = [];
    link.onDown(() => events.push('down'));
    link.onUp(() => events.push('up'));
    try {
      const reads = link.open('reads');
      await link.cmd.set('k', 'v');
      await reads.ping();
      expect(link.up).toBe(true);
      await redis.kill();
      await vi.waitFor(() => expect(events).toContain('down'), { timeout: 10_000 });
      expect(link.up).toBe(false);
      const answer = link.cmd.get('k'); // waits for Redis instead of failing
      await redis.restart();
      await vi.waitFor(() => expect(events).toContain('up'), { timeout: 10_000 });
      expect(await answer).toBe(null); // a restarted Redis keeps nothing here
      expect(link.up).toBe(true);
      expect(events).toEqual(['down', 'up']);
      expect(link.outages).toBe(1);
      const warns = lines.filter((l) => l.startsWith('warn:'));
      expect(warns).toHaveLength(1); // two connections lost, one line
      expect(warns[0]).toMatch(new RegExp(`^warn: test: lost the connection to Redis at ${redis.url}.*: work waits; retrying with backoff \\(up to 2 s apart\\)$`));
      expect(lines.filter((l) => l.startsWith('info:'))).toEqual([expect.stringMatching(new RegExp(`^info: test: reconnected to Redis at ${redis.url} after \\d+\\.\\d s: work resumes$`))]);
    } finally {
      link.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.filter((l) => !l.startsWith('debug:'))).toHaveLength(2); // closing is no loss
  });
});
