/**
 * `npm run bench:server`: load on an arena server over loopback WebSockets. For N = 10, 100 and 500
 * concurrent Connect Four rooms, two bot clients per room play random legal moves as fast as the
 * server answers (rematch after every game). The server runs in a child process (its own core) with
 * the per-client rate limit raised — the protocol's 20 messages/s would otherwise cap a room at 40
 * moves/s and measure the limit, not the server. Reports moves/s (applied, over the measured
 * window) and the move latency, from a client's send to the state update that shows its move,
 * p50/p99. Bounded: at most 500 rooms (1000 sockets), 127.0.0.1 only, a fixed window per size.
 *
 * Env: BENCH_ROOMS=10,100,500  BENCH_SECONDS=5 (measured window)  BENCH_WARMUP=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Rng } from '../core/index.ts';
import { MatchClient } from '../servers/client.ts';

const CHILD_FLAG = '--bench-server-child';
const MAX_ROOMS = 500;

if (process.argv.includes(CHILD_FLAG)) {
  const { setLogLevel } = await import('../core/log.ts');
  setLogLevel('error');
  const { createArenaServer } = await import('../servers/server.ts');
  const srv = await createArenaServer({ port: 0, host: '127.0.0.1', dataDir: null, adminToken: null, limits: { messagesPerSecond: 1_000_000 } });
  process.stdout.write(`${JSON.stringify({ port: srv.port })}\n`);
  process.stdin.resume();
  // each line on stdin asks for the CPU time used so far (µs)
  process.stdin.on('data', () => {
    const u = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: u.user + u.system })}\n`);
  });
  process.stdin.on('end', () => void srv.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void srv.close().then(() => process.exit(0)));
} else {
  await main();
}

interface Child {
  readonly child: ChildProcess;
  readonly port: number;
  /** CPU time (µs) the server process has used so far. */
  cpu(): Promise<number>;
}

async function startChild(): Promise<Child> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), CHILD_FLAG], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const first = next();
  const port = await Promise.race([
    first.then((line) => (JSON.parse(line) as { port: number }).port),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`bench server exited with code ${code}`)))),
  ]);
  return {
    child,
    port,
    cpu: async () => {
      const reply = next();
      child.stdin!.write('cpu\n');
      return (JSON.parse(await reply) as { cpu: number }).cpu;
    },
  };
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface RoomRun {
  moves: number;
  games: number;
  latencies: number[];
  errors: number;
}

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const sizes = (process.env['BENCH_ROOMS'] ?? '10,100,500').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0 && n <= MAX_ROOMS);
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 1);
  const server = await startChild();
  const { child, port } = server;
  const url = `ws://127.0.0.1:${port}`;
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const run: RoomRun = { moves: 0, games: 0, latencies: [], errors: 0 };
      let measuring = false;
      let stopped = false;
      const clients: MatchClient[] = [];
      // connect in batches so the matchmaker is not hit by 1000 requests at once
      for (let i = 0; i < n; i += 25) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(25, n - i) }, async () => {
            const a = await MatchClient.connect({ url, room: 'connect-four', create: true, pace: null, options: { bot: true } });
            const b = await MatchClient.connect({ url, room: 'connect-four', roomId: a.roomId, pace: null, options: { bot: true } });
            return [a, b];
          }),
        );
        for (const pair of batch) clients.push(...pair);
      }
      const handlers: (() => void)[] = [];
      clients.forEach((c, i) => {
        const rng = new Rng(1000 + i);
        let sentStep = -1;
        let sentGame = -1;
        let sentAt = 0;
        let lastFinished = -1;
        let errors = 0;
        const onChange = (): void => {
          if (stopped) return;
          const st = c.state;
          if (c.errors.length > errors) {
            run.errors += c.errors.length - errors;
            errors = c.errors.length;
          }
          if (sentStep >= 0 && (st.gameNumber !== sentGame || st.step > sentStep)) {
            if (measuring) {
              run.latencies.push(performance.now() - sentAt);
              run.moves++;
            }
            sentStep = -1;
          }
          if (st.phase === 'finished') {
            if (st.gameNumber !== lastFinished) {
              lastFinished = st.gameNumber;
              if (measuring && i % 2 === 0) run.games++;
              c.rematch();
            }
            return;
          }
          const seat = c.seatFor(st.gameNumber);
          if (st.phase !== 'playing' || st.toMove !== seat || sentStep >= 0) return;
          const legal = (c.seatView()?.['legal'] as number[] | undefined) ?? [];
          if (legal.length === 0) return;
          sentStep = st.step;
          sentGame = st.gameNumber;
          sentAt = performance.now();
          c.move(legal[rng.int(legal.length)]!, st.step);
        };
        c.subscribe(onChange);
        handlers.push(onChange);
      });
      // kick: every client checks whether it is to move
      for (const h of handlers) h();
      await new Promise((r) => setTimeout(r, warmup * 1000));
      const serverCpu0 = await server.cpu();
      const clientCpu0 = cpuNow();
      measuring = true;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      measuring = false;
      const secs = (performance.now() - t0) / 1000;
      const clientCpu = (cpuNow() - clientCpu0) / 1e4 / secs;
      const serverCpu = ((await server.cpu()) - serverCpu0) / 1e4 / secs;
      stopped = true;
      await Promise.all(clients.map((c) => c.leave().catch(() => undefined)));
      const lat = Float64Array.from(run.latencies).sort();
      const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
      rows.push(
        `| ${n} | ${2 * n} | ${fmt(run.moves / secs)} | ${fmt(run.games / secs)} | ${percentile(lat, 0.5).toFixed(2)} | ${percentile(lat, 0.99).toFixed(2)} | ${Math.round(serverCpu)}% | ${Math.round(clientCpu)}% | ${run.errors} |`,
      );
      process.stderr.write(`bench:server ${n} rooms done\n`);
      await new Promise((r) => setTimeout(r, 500)); // let the server dispose the rooms
    }
  } finally {
    child.stdin!.end();
    child.kill('SIGTERM');
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# bench:server — Connect Four rooms of two random bot clients on loopback (Node ${process.version}, ${cpus().length} cores: ${cpu})\n`);
  console.log(
    `Server in its own process, clients in another; ${seconds} s measured after ${warmup} s warm-up per size; latency = client send → state update showing the move; CPU = share of one core used by each process (load average when the bench started: ${load.toFixed(1)} on ${cpus().length} cores).\n`,
  );
  console.log('| rooms | clients | moves/s | games/s | p50 latency (ms) | p99 latency (ms) | server CPU | clients CPU | errors |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  process.exit(0);
}
