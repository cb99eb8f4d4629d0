/**
 * One server process against two behind Redis: N Connect Four rooms of two random bot clients
 * (bench/server-load.ts) on
 *
 * 1. one `arena serve` process, no Redis (the default);
 * 2. two processes sharing a redis-server (`--redis`), each a writer candidate for the match records
 *    (one holds the lease and writes them to a temporary folder). Rooms are created alternately
 *    through each process and each room's second client joins through the other one, as a load
 *    balancer would spread them; Colyseus puts every room on the process with fewer rooms.
 *
 * Reports moves/s, games/s and the p50/p99 move latency (a client's send → the state update showing
 * its move), the servers' CPU (share of one core, summed over the processes) and how the rooms were
 * split. All processes — servers, clients, Redis — share this machine, so two processes only help when
 * it has cores to spare. Runnable alone: `node bench/scale-server.ts` (env BENCH_ROOMS=100,500
 * BENCH_SECONDS=5; BENCH_REDIS_URL to use a running Redis instead of starting one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { HAVE_REDIS, startRedis } from '../tests/support/redis.ts';
import { fmtInt, fmtMs, loadWarning, markdownTable } from './lib.ts';
import { connectBotPairs, disconnect, Load, measureWindow, playPairs, startServerChild, type ServerChild } from './server-load.ts';

export interface ServerScaleOptions {
  /** Room counts to measure (each with 1 and with 2 processes). */
  readonly rooms: readonly number[];
  /** Measured window per case, s. */
  readonly seconds: number;
  readonly log: (line: string) => void;
  /** Warm-up before each window, s (default 1). */
  readonly warmup?: number;
  /** A running Redis to use (default: a redis-server started on a free port for the run, then stopped). */
  readonly redisUrl?: string;
}

export interface ServerScaleRow {
  /** Server processes (1: no Redis; 2: behind Redis). */
  readonly processes: 1 | 2;
  readonly rooms: number;
  readonly movesPerSecond: number;
  readonly gamesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Share of one core used by the server processes, summed. */
  readonly serverCpu: number;
  /** Share of one core used by the clients' process. */
  readonly clientCpu: number;
  /** Rooms hosted by each process. */
  readonly split: readonly number[];
  readonly errors: number;
}

const MAX_ROOMS = 500;

/** Rooms of Connect Four hosted by each server, from the room list in Redis. */
async function roomSplit(redis: Redis, servers: readonly ServerChild[]): Promise<number[]> {
  const ports = servers.map((s) => s.url.split(':').at(-1)!);
  const counts = ports.map(() => 0);
  for (const value of Object.values(await redis.hgetall('roomcaches'))) {
    const room = JSON.parse(value) as { name: string; publicAddress?: string };
    const i = ports.indexOf(room.publicAddress?.split(':').at(-1) ?? '');
    if (room.name === 'connect-four' && i >= 0) counts[i]!++;
  }
  return counts;
}

/** Measures `rooms` on `servers` (one process, or several sharing `redis`). */
async function measure(servers: readonly ServerChild[], redis: Redis | null, rooms: number, warmup: number, seconds: number): Promise<ServerScaleRow> {
  const load = new Load();
  const clients = await connectBotPairs(
    servers.map((s) => s.url),
    rooms,
  );
  try {
    const split = redis ? await roomSplit(redis, servers) : [rooms];
    playPairs(clients, load);
    const window = await measureWindow(servers, [load], warmup, seconds);
    const s = load.summary(window.seconds);
    return {
      processes: servers.length as 1 | 2,
      rooms,
      movesPerSecond: s.movesPerSecond,
      gamesPerSecond: s.gamesPerSecond,
      p50Ms: s.p50,
      p99Ms: s.p99,
      serverCpu: window.serverCpu,
      clientCpu: window.clientCpu,
      split,
      errors: load.errors,
    };
  } finally {
    await disconnect(clients, [load]);
    await new Promise((r) => setTimeout(r, 500)); // let the servers dispose the rooms
  }
}

export async function benchServerScale(opts: ServerScaleOptions): Promise<ServerScaleRow[]> {
  const sizes = opts.rooms.filter((n) => Number.isInteger(n) && n > 0 && n <= MAX_ROOMS);
  if (sizes.length === 0) throw new Error(`bench:scale-server: rooms must be integers in 1..${MAX_ROOMS}, got ${opts.rooms.join(',')}`);
  if (!opts.redisUrl && !HAVE_REDIS) throw new Error('bench:scale-server: redis-server is missing (apt-get install -y redis-server), or pass a running Redis (BENCH_REDIS_URL)');
  const warmup = opts.warmup ?? 1;
  const rows: ServerScaleRow[] = [];
  opts.log(`bench:scale-server — Connect Four rooms of two random bot clients, 1 server process vs 2 behind Redis (Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`);
  const warning = loadWarning(cpus().length);
  if (warning) opts.log(`warning: ${warning}`);

  // 1: one process, no Redis
  const single = await startServerChild();
  try {
    for (const n of sizes) {
      rows.push(await measure([single], null, n, warmup, opts.seconds));
      opts.log(`  1 process, ${n} rooms done`);
    }
  } finally {
    single.stop();
  }

  // 2: two processes behind Redis, both writer candidates for the records (in a temporary folder)
  const started = opts.redisUrl ? null : await startRedis();
  const url = opts.redisUrl ?? started!.url;
  const redis = new Redis(url);
  const dataDir = mkdtempSync(join(tmpdir(), 'arena-bench-scale-'));
  const servers: ServerChild[] = [];
  try {
    for (let i = 0; i < 2; i++) servers.push(await startServerChild({ redis: url, dataDir }));
    for (const n of sizes) {
      rows.push(await measure(servers, redis, n, warmup, opts.seconds));
      opts.log(`  2 processes, ${n} rooms done`);
    }
  } finally {
    for (const s of servers) s.stop();
    redis.disconnect();
    await started?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  rows.sort((a, b) => a.rooms - b.rooms || a.processes - b.processes);
  opts.log(
    markdownTable(
      ['rooms', 'server processes', 'moves/s', 'games/s', 'p50 (ms)', 'p99 (ms)', 'servers CPU', 'clients CPU', 'rooms per process', 'errors'],
      rows.map((r) => [
        String(r.rooms),
        r.processes === 1 ? '1' : '2 + Redis',
        fmtInt(r.movesPerSecond),
        fmtInt(r.gamesPerSecond),
        fmtMs(r.p50Ms),
        fmtMs(r.p99Ms),
        `${Math.round(r.serverCpu)}%`,
        `${Math.round(r.clientCpu)}%`,
        r.split.join(' / '),
        String(r.errors),
      ]),
    ),
  );
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rooms = (process.env['BENCH_ROOMS'] ?? '100,500').split(',').map(Number);
  const redisUrl = process.env['BENCH_REDIS_URL'];
  await benchServerScale({ rooms, seconds: Number(process.env['BENCH_SECONDS'] ?? 5), log: (s) => console.log(s), ...(redisUrl ? { redisUrl } : {}) });
  process.exit(0);
}
