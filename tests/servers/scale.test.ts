/**
 * Game servers across processes: two real `arena serve --redis` processes sharing one real
 * redis-server, SDK clients over real WebSockets. A room created through either process is listed
 * and joinable through the other (players, spectators, a reconnecting player, a bot, a hosted
 * tournament); finished games of both processes end up once in one matches.jsonl and once in their
 * league; kill -9 of the process that writes the records loses none of them and writes none twice;
 * a Redis lost mid-game leaves the game playing, the servers retrying and saying so, and everything
 * working again once Redis is back; a server stopped while Redis is gone exits and says what it could
 * not record. A Redis that cannot be reached at start, a bad Redis URL or a
 * bad public address is one line from `arena serve`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { runTournament } from '../../league/tournament.ts';
import { runBot } from '../../servers/bot.ts';
import { MatchClient } from '../../servers/client.ts';
import { hostedSeries } from '../../servers/hosted-series.ts';
import { MATCH_STREAM, WRITER_GROUP, WRITER_LEASE } from '../../servers/match-stream.ts';
import type { MatchLine } from '../../servers/records.ts';
import { arena, ROOT } from '../cli/helpers.ts';
import { freePort, SKIP_REDIS, startRedis, type RedisServer } from '../support/redis.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { legalOf, readMatchLines, until } from './helpers.ts';

const TOKEN = 'scale-test-token';

interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly http: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

let redis: RedisServer;
let raw: Redis;
let data: string;
let league: string;
const procs: ServeProcess[] = [];
const dataDir = tempDirs('arena-scale-');
const leagueDir = tempDirs('arena-scale-league-');
const badDataDir = tempDirs('arena-scale-bad-');

async function serve(extra: string[] = []): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [`${ROOT}src/cli/main.ts`, 'serve', '--port', String(port), '--redis', redis.url, '--data', data, '--reconnect-seconds', '20', '--max-connections-per-address', '0', ...extra],
    { cwd: ROOT, env: { ...process.env, ARENA_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Arena server:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`arena serve exited with ${code}: ${err}`)));
  });
  const p = { child, port, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, stderr: () => err };
  procs.push(p);
  return p;
}

async function stop(p: ServeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  await exited;
}

/** The process hosting a room, from the shared room list in Redis. */
async function hostOf(roomId: string): Promise<number> {
  const cache = await raw.hget('roomcaches', roomId);
  if (!cache) throw new Error(`room ${roomId} is not listed in Redis`);
  return Number((JSON.parse(cache) as { publicAddress: string }).publicAddress.split(':').at(-1));
}

/**
 * Creates rooms through `via` until one is hosted by `host`. Colyseus puts a new room on the process
 * with the fewest rooms as last written to Redis, at most once a second per process: a second apart,
 * the rooms kept meanwhile tip the balance.
 */
async function roomHostedOn(host: ServeProcess, via: ServeProcess, room: string, options: Record<string, unknown>): Promise<MatchClient> {
  const spare: MatchClient[] = [];
  const seen: number[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const c = await MatchClient.connect({ url: via.url, room, create: true, options });
      const at = await hostOf(c.roomId);
      if (at === host.port) return c;
      seen.push(at);
      spare.push(c);
      await new Promise((r) => setTimeout(r, 1100));
    }
    throw new Error(`no room landed on process ${host.port} (created through ${via.port}; hosts: ${seen.join(', ')})`);
  } finally {
    await Promise.all(spare.map((c) => c.leave()));
  }
}

function matchLines(): MatchLine[] {
  return readMatchLines(join(data, 'matches.jsonl'));
}

/** One move of a two-player game between two clients (the mover takes its first legal move); resolves once `a` sees it. */
async function moveOnce(a: MatchClient, b: MatchClient): Promise<void> {
  await a.waitFor(() => a.state.phase === 'playing' && [a, b].some((c) => c.seatFor(a.state.gameNumber) === a.state.toMove), 5000, 'a seat to move');
  const mover = [a, b].find((c) => c.seatFor(a.state.gameNumber) === a.state.toMove)!;
  const step = a.state.step;
  await mover.waitFor(() => mover.state.step === step && legalOf(mover).length > 0, 5000, 'its legal moves');
  mover.move(legalOf(mover)[0]!, step);
  await a.waitFor(() => a.state.step > step || a.state.phase === 'finished', 5000, 'the move');
}

/** Plays the game between two clients to its end (first legal moves: X wins tic-tac-toe on its 4th move, step 7). */
async function playOut(a: MatchClient, b: MatchClient): Promise<void> {
  await a.waitFor(() => a.state.phase === 'playing', 5000, 'the game');
  while (a.state.phase !== 'finished') await moveOnce(a, b);
}

/** True while the records writer waits in a blocking read of the stream. */
async function writerWaiting(): Promise<boolean> {
  const clients = (await raw.client('LIST')) as string;
  return clients.split('\n').some((l) => / flags=b /.test(l) && / cmd=xreadgroup/.test(l));
}

describe.skipIf(SKIP_REDIS)('game servers across processes over Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
    raw.on('error', () => undefined); // Redis is killed on purpose in the last test
    data = dataDir();
    league = leagueDir();
    const store = LeagueStore.open(league, { game: 'tic-tac-toe-v1' });
    store.addMember({ id: 'bot:minimax', role: 'bot', botSpec: 'minimax' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    store.close();
    await serve();
    await serve();
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    raw?.disconnect();
    await redis?.stop();
  });

  it('serves /api/games and /api/agents on every process', async () => {
    for (const p of procs) {
      const games = (await (await fetch(`${p.http}/api/games`)).json()) as { room: string }[];
      expect(games.map((g) => g.room)).toContain('tic-tac-toe');
      expect((await fetch(`${p.http}/api/agents?game=tic-tac-toe`)).status).toBe(200);
    }
  });

  it('a room hosted by either process is joinable through the other, by a player and by a spectator', async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    for (const [host, other] of [
      [p1, p2],
      [p2, p1],
    ] as const) {
      const a = await roomHostedOn(host, other, 'tic-tac-toe', { name: 'ann' });
      const b = await MatchClient.connect({ url: other.url, room: 'tic-tac-toe', roomId: a.roomId, options: { name: 'bob' } });
      const s = await MatchClient.connect({ url: other.url, room: 'tic-tac-toe', roomId: a.roomId, options: { spectator: true } });
      await s.waitFor(() => s.state.phase === 'playing' && s.state.seats[0]!.name === 'ann' && s.state.seats[1]!.name === 'bob', 5000, 'both players');
      await playOut(a, b);
      await s.waitFor(() => s.state.phase === 'finished', 5000, 'the end, seen by the spectator');
      expect(s.result()).toEqual(a.result());
      await Promise.all([a, b, s].map((c) => c.leave()));
    }
  });

  it('a dropped player gets its seat back by reconnecting through the other process', async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    const a = await roomHostedOn(p1, p2, 'connect-four', { name: 'ann', agents: { '1': 'random' } });
    await a.waitFor(() => a.state.phase === 'playing' && a.seat === 0, 5000, 'the game');
    a.move(3, 0);
    await a.waitFor(() => a.state.step === 2, 5000, 'the agent to answer');
    const token = a.room.reconnectionToken;
    a.room.connection.close(4999, 'network trouble'); // not a consented leave
    const back = await MatchClient.reconnect(p2.url, token);
    await back.waitFor(() => back.seat === 0 && back.state.seats[0]!.connected && back.state.step === 2, 5000, 'the seat back');
    expect(back.state.seats[0]!.name).toBe('ann');
    back.move(3, 2);
    await back.waitFor(() => back.state.step === 4, 5000, 'the game to go on');
    await back.leave();
  });

  it('a bot connecting to one process plays in a room hosted by the other', async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    const game = getGame('tic-tac-toe');
    const first = await roomHostedOn(p1, p2, 'tic-tac-toe', { name: 'human', seat: 0 });
    const played = runBot({ url: p2.url, game, agent: createBot('minimax', game.info, 1), roomId: first.roomId, games: 1 });
    await first.waitFor(() => first.state.phase === 'playing', 5000, 'the bot to join');
    while (first.state.phase === 'playing') {
      await first.waitFor(() => first.state.phase !== 'playing' || (first.state.toMove === 0 && legalOf(first).length > 0), 5000, 'my turn');
      if (first.state.phase !== 'playing') break;
      const step = first.state.step;
      first.move(legalOf(first)[0]!, step);
      await first.waitFor(() => first.state.step > step || first.state.phase !== 'playing', 5000, 'my move');
    }
    const [g] = await played;
    expect(g!.result).toEqual(first.result());
    expect(g!.outcome).not.toBe('loss'); // minimax never loses
    await first.leave();
  });

  it('a tournament hosted through one process plays its rooms on the other and gives the offline table', async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    const game = getGame('kuhn-poker');
    const specs = ['nash', 'random', 'nash:0'];
    const offline = await runTournament({ game, specs, games: 4, seed: 5 });
    // one idle room on p2, so Colyseus puts new rooms on p1 (the process with fewer rooms)
    const idle = await roomHostedOn(p2, p2, 'connect-four', { name: 'idle' });
    await new Promise((r) => setTimeout(r, 1200)); // room counts reach Redis at most once a second
    const hosts = new Set<number>();
    const watch = setInterval(() => {
      void raw.hgetall('roomcaches').then((all) => {
        for (const v of Object.values(all)) {
          const room = JSON.parse(v) as { name: string; publicAddress: string };
          if (room.name === 'kuhn-poker') hosts.add(Number(room.publicAddress.split(':').at(-1)));
        }
      });
    }, 20);
    const before = new Set(matchLines().map((m) => m.id));
    let hosted;
    try {
      hosted = await runTournament({ game, specs, games: 4, seed: 5, playSeries: hostedSeries({ url: p2.url, token: TOKEN }) });
    } finally {
      clearInterval(watch);
      await idle.leave();
    }
    expect(hosted.table).toEqual(offline.table);
    expect(hosts.has(p1.port)).toBe(true); // played through p2 in rooms hosted by p1
    // every game of it reaches the shared records
    await until(() => matchLines().filter((m) => !before.has(m.id)).length === 12, 'the tournament records');
  });

  it("league games played on both processes are written once in the shared records and rated once in their league", async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    const options = { spectator: true, token: TOKEN, agents: { '0': `${league}#bot:minimax`, '1': `${league}#bot:random` } };
    const spectators = [await roomHostedOn(p1, p2, 'tic-tac-toe', options), await roomHostedOn(p2, p1, 'tic-tac-toe', options)];
    await Promise.all(spectators.map((s) => s.waitFor(() => s.state.phase === 'finished', 20_000, 'the league game')));
    const ids = spectators.map((s) => s.roomId);
    await until(() => matchLines().filter((m) => ids.includes(m.room)).length === 2, 'both league records');
    const lines = matchLines();
    expect(new Set(lines.map((m) => m.id)).size).toBe(lines.length);
    expect(lines.filter((m) => ids.includes(m.room)).every((m) => m.league === league)).toBe(true);
    const store = LeagueStore.open(league, { create: false });
    try {
      expect(store.gameCount()).toBe(2);
    } finally {
      store.close();
    }
    await Promise.all(spectators.map((s) => s.leave()));
  });

  it('kill -9 of the process writing the records: rooms elsewhere play on, its unacknowledged records are written by the other, none twice', async () => {
    const writerName = await raw.get(WRITER_LEASE);
    expect(writerName).not.toBe(null);
    const writer = procs.find((p) => writerName!.includes(`/${p.child.pid}/`))!;
    const survivor = procs.find((p) => p !== writer)!;
    // rooms of agents on the surviving process, watched through the writer's process
    const options = { spectator: true, token: TOKEN, agents: { '0': 'random', '1': 'random' } };
    const watched = [await roomHostedOn(survivor, writer, 'connect-four', options), await roomHostedOn(survivor, writer, 'connect-four', options)];
    // a live room on the survivor, with a player connected through the survivor
    const a = await roomHostedOn(survivor, survivor, 'tic-tac-toe', { name: 'ann' });
    const b = await MatchClient.connect({ url: survivor.url, room: 'tic-tac-toe', roomId: a.roomId, options: { name: 'bob' } });
    const s = await MatchClient.connect({ url: survivor.url, room: 'tic-tac-toe', roomId: a.roomId, options: { spectator: true } });
    await Promise.all(watched.map((w) => w.waitFor(() => w.state.phase === 'finished', 20_000, 'the first games')));
    await until(async () => (await raw.xlen(MATCH_STREAM)) === 0, 'the records so far to be written');

    // freeze the writer while it waits in a read of the stream: a record published now is delivered to it and never acknowledged
    await a.waitFor(() => a.state.phase === 'playing', 5000, 'the game');
    while (a.state.step < 6) await moveOnce(a, b);
    for (;;) {
      await until(writerWaiting, 'the writer to wait for records');
      writer.child.kill('SIGSTOP');
      if (await writerWaiting()) break;
      writer.child.kill('SIGCONT');
    }
    await moveOnce(a, b); // the last move: a game finished on the survivor…
    expect(a.state.phase).toBe('finished');
    await until(async () => ((await raw.xpending(MATCH_STREAM, WRITER_GROUP)) as unknown[])[0] === 1, 'its record to be delivered to the frozen writer', 5000);
    await stop(writer, 'SIGKILL');
    // …and its room, on the survivor, plays on: a rematch
    a.rematch();
    b.rematch();
    await s.waitFor(() => s.state.gameNumber === 1 && s.state.phase === 'playing', 5000, 'the rematch');
    await playOut(a, b);

    // the survivor takes the lease once the dead writer's runs out, and writes both games of the room, once each
    await until(() => matchLines().filter((m) => m.room === a.roomId).length === 2, 'the records of the room on the survivor', 30_000);
    expect(await raw.get(WRITER_LEASE)).toContain(`/${survivor.child.pid}/`);
    expect(survivor.stderr()).toMatch(/unacknowledged record\(s\) taken over/);
    const lines = matchLines();
    expect(new Set(lines.map((m) => m.id)).size).toBe(lines.length);
    expect(lines.filter((m) => m.room === a.roomId).map((m) => m.gameNumber).sort()).toEqual([0, 1]);
    expect(((await raw.xpending(MATCH_STREAM, WRITER_GROUP)) as unknown[])[0]).toBe(0);
    await Promise.all([a, b, s].map((c) => c.leave()));
    await Promise.all(watched.map((w) => w.leave().catch(() => undefined)));
    procs.splice(procs.indexOf(writer), 1);
    procs.push(await serve()); // back to two processes for the next test
  }, 180_000); // mostly fixed waits (agent games at the served pace, the writer's lease running out, a fresh serve)

  it('Redis lost mid-game: the game plays on, the servers retry and say so, and all works again once Redis is back', async () => {
    const [p1, p2] = procs as [ServeProcess, ServeProcess];
    const a = await roomHostedOn(p1, p2, 'tic-tac-toe', { name: 'ann' });
    const b = await MatchClient.connect({ url: p1.url, room: 'tic-tac-toe', roomId: a.roomId, options: { name: 'bob' } });
    await a.waitFor(() => a.state.phase === 'playing', 5000, 'the game');
    await redis.kill();
    await playOut(a, b);
    expect(a.result()).not.toBe(null);
    await until(() => procs.every((p) => /server: lost the connection to Redis at .*retrying with backoff/.test(p.stderr())), 'both servers to report the loss');
    await until(() => /still unreachable: retrying in \d+ ms/.test(p1.stderr()), 'a retry to be reported', 20_000);
    await redis.restart(); // empty: this test Redis keeps nothing
    await until(() => procs.every((p) => /server: reconnected to Redis at .* after/.test(p.stderr())), 'both servers to report the recovery');
    // the game finished during the outage reaches the records
    await until(() => matchLines().some((m) => m.room === a.roomId), 'the record of the game played during the outage', 30_000);
    await a.leave();
    await b.leave();
    // matchmaking across processes works again (this Redis restarted empty: the room lands where Colyseus sees room counts)
    const c = await MatchClient.connect({ url: p2.url, room: 'tic-tac-toe', create: true, options: { name: 'carl' } });
    const host = await hostOf(c.roomId);
    const d = await MatchClient.connect({ url: (host === p1.port ? p2 : p1).url, room: 'tic-tac-toe', roomId: c.roomId, options: { name: 'dora' } });
    await playOut(c, d);
    await until(() => matchLines().some((m) => m.room === c.roomId), 'the record of a game after the recovery');
    await Promise.all([c, d].map((x) => x.leave()));
    const lines = matchLines();
    expect(new Set(lines.map((m) => m.id)).size).toBe(lines.length);
  });

  it('stopped while Redis is gone, a server exits at once and says how many finished games it could not hand on', async () => {
    const p1 = procs[0]!;
    const a = await roomHostedOn(p1, p1, 'tic-tac-toe', { name: 'ann' });
    const b = await MatchClient.connect({ url: p1.url, room: 'tic-tac-toe', roomId: a.roomId, options: { name: 'bob' } });
    await redis.kill();
    await playOut(a, b);
    const exited = new Promise<number | null>((r) => p1.child.once('close', r)); // after its output is all read
    p1.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(p1.stderr()).toMatch(/1 finished game\(s\) never reached Redis at .* before shutdown: they are not recorded/);
    await redis.restart();
  });
});

describe('arena serve --redis: bad input is one line', () => {
  it('an unreachable Redis, a bad Redis URL, a bad public address, a public address without Redis', async () => {
    const closed = await freePort(); // nothing listens there
    const cases: [string[], RegExp][] = [
      [['--redis', `redis://127.0.0.1:${closed}`], new RegExp(`^arena: cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`)],
      [['--redis', 'http://127.0.0.1:6379'], /^arena: bad Redis URL 'http:\/\/127\.0\.0\.1:6379': unknown scheme/],
      [['--redis', `redis://127.0.0.1:${closed}`, '--public-address', 'ws://game-1:2567'], /^arena: public address 'ws:\/\/game-1:2567' must be host:port/],
      [['--public-address', 'game-1:2567'], /^arena: a public address is only used with Redis/],
    ];
    for (const [args, message] of cases) {
      const r = arena(['serve', '--port', '0', '--data', badDataDir(), ...args], { timeout: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
