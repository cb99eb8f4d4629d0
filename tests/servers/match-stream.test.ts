/**
 * The match-record stream against a real redis-server, a real matches.jsonl and a real league:
 * a record published twice is written once; a record left pending by a writer that died before
 * acknowledging it is taken over and written where it is missing (not again where a dead writer
 * already wrote it, nor counted twice in its league); a stream entry that is not a match record is
 * dropped and counted; only one of two writers holds the lease, and the other takes over when it leaves.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeagueStore } from '../../league/store.ts';
import { MATCH_STREAM, MatchPublisher, MatchWriter, WRITER_GROUP, WRITER_LEASE } from '../../servers/match-stream.ts';
import { MatchFile, writeMatch, type FinishedMatch } from '../../servers/records.ts';
import { RedisLink } from '../../src/net/redis.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../support/redis.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { readMatchLines, until } from './helpers.ts';

let redis: RedisServer;
let raw: Redis;
const links: RedisLink[] = [];
const recordsDir = tempDirs('arena-records-');
const leagueDir = tempDirs('arena-league-');

beforeAll(async () => {
  if (SKIP_REDIS) return;
  redis = await startRedis();
  raw = new Redis(redis.url);
});

afterAll(async () => {
  for (const l of links) l.close();
  raw?.disconnect();
  await redis?.stop();
});

async function link(): Promise<RedisLink> {
  const l = await RedisLink.connect(redis.url, { who: 'test' });
  links.push(l);
  return l;
}

function match(id: string, extra: Partial<FinishedMatch> = {}): FinishedMatch {
  return {
    id,
    time: new Date(0).toISOString(),
    room: 'room1',
    game: 'tic-tac-toe-v1',
    gameNumber: 0,
    seed: 7,
    steps: 5,
    seats: [
      { kind: 'bot', name: 'a' },
      { kind: 'bot', name: 'b' },
    ],
    result: { returns: [1, -1], winnerTeam: 0 },
    ...extra,
  };
}

describe.skipIf(SKIP_REDIS)('match records over a Redis stream', () => {
  it('a record published twice is written once; a record that is not a match is dropped and counted', async () => {
    await raw.flushall();
    const dir = recordsDir();
    const l = await link();
    const publisher = new MatchPublisher(l);
    await publisher.record(match('m-1'));
    await publisher.record(match('m-1')); // e.g. an XADD resent after a reconnection
    await publisher.record(match('m-2'));
    await raw.xadd(MATCH_STREAM, '*', 'match', '{"not":"a match"}');
    const file = new MatchFile(dir);
    const writer = new MatchWriter({ link: l, file, consumer: 'w1', leaseMs: 1000 });
    writer.start();
    try {
      await until(async () => (await raw.xlen(MATCH_STREAM)) === 0, 'the stream to be written out');
      expect(readMatchLines(file.path).map((m) => m.id)).toEqual(['m-1', 'm-2']);
      expect(writer.written).toBe(2);
      expect(writer.dropped).toBe(1);
      expect(await raw.get(WRITER_LEASE)).toBe('w1');
    } finally {
      await writer.close();
    }
    expect(await raw.get(WRITER_LEASE)).toBe(null); // given up at close: the next writer need not wait
  });

  it('records left pending by a writer that died are taken over: written where missing, never twice, rated once', async () => {
    await raw.flushall();
    const dir = recordsDir();
    const runDir = leagueDir();
    const store = LeagueStore.open(runDir, { game: 'tic-tac-toe-v1' });
    store.addMember({ id: 'bot:minimax', role: 'bot', botSpec: 'minimax' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    store.close();
    const leagueSeats = [
      { kind: 'agent' as const, name: 'minimax', spec: `${runDir}#bot:minimax` },
      { kind: 'agent' as const, name: 'random', spec: `${runDir}#bot:random` },
    ];
    const l = await link();
    const publisher = new MatchPublisher(l);
    for (const id of ['a', 'b', 'c']) await publisher.record(match(id, { seats: leagueSeats }));
    // a writer (consumer "dead") reads all three, writes and rates 'a', then dies before acknowledging any
    await raw.xgroup('CREATE', MATCH_STREAM, WRITER_GROUP, '0', 'MKSTREAM');
    await raw.xreadgroup('GROUP', WRITER_GROUP, 'dead', 'COUNT', 10, 'STREAMS', MATCH_STREAM, '>');
    expect(((await raw.xpending(MATCH_STREAM, WRITER_GROUP)) as unknown[])[0]).toBe(3);
    const deadFile = new MatchFile(dir);
    await deadFile.load();
    await writeMatch(match('a', { seats: leagueSeats }), deadFile);
    // …and its last line was cut short by the kill
    writeFileSync(deadFile.path, `${readFileSync(deadFile.path, 'utf8')}{"id":"b","ti`);

    const file = new MatchFile(dir);
    const writer = new MatchWriter({ link: l, file, consumer: 'w2', leaseMs: 1000 });
    writer.start();
    try {
      await until(async () => (await raw.xlen(MATCH_STREAM)) === 0, 'the pending records to be taken over');
      const written = readMatchLines(file.path);
      expect(written.map((m) => m.id).sort()).toEqual(['a', 'b', 'c']);
      expect(written.every((m) => m.league === runDir)).toBe(true);
      expect(((await raw.xpending(MATCH_STREAM, WRITER_GROUP)) as unknown[])[0]).toBe(0);
      const after = LeagueStore.open(runDir, { create: false });
      try {
        expect(after.gameCount()).toBe(3); // 'a' was rated by the dead writer and not again
      } finally {
        after.close();
      }
    } finally {
      await writer.close();
    }
  });

  it('two writers: one holds the lease and writes; when it leaves, the other takes over', async () => {
    await raw.flushall();
    const dir = recordsDir();
    const [l1, l2] = [await link(), await link()];
    const w1 = new MatchWriter({ link: l1, file: new MatchFile(dir), consumer: 'one', leaseMs: 5000 }); // a stall of a second or two on a loaded runner must not hand w2 the lease; close() releases it at once
    const w2 = new MatchWriter({ link: l2, file: new MatchFile(dir), consumer: 'two', leaseMs: 5000 });
    w1.start();
    await until(() => w1.writing, 'the first writer to take the lease');
    w2.start();
    const publisher = new MatchPublisher(l2);
    for (let i = 0; i < 20; i++) await publisher.record(match(`x${i}`));
    await until(async () => (await raw.xlen(MATCH_STREAM)) === 0, 'the first batch');
    expect(w2.writing).toBe(false);
    expect([w1.written, w2.written]).toEqual([20, 0]);
    await w1.close();
    for (let i = 20; i < 30; i++) await publisher.record(match(`x${i}`));
    await until(async () => (await raw.xlen(MATCH_STREAM)) === 0, 'the second writer to take over');
    await w2.close();
    expect(w2.written).toBe(10);
    const ids = readMatchLines(join(dir, 'matches.jsonl')).map((m) => m.id);
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
  });
});
