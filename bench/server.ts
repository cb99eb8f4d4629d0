/**
 * `npm run bench:server`: load on an arena server over loopback WebSockets. For N = 10, 100 and 500
 * concurrent Connect Four rooms, two bot clients per room play random legal moves as fast as the
 * server answers (rematch after every game). The server runs in a child process (its own core) with
 * the per-client rate limit raised — the protocol's 20 messages/s would otherwise cap a room at 40
 * moves/s and measure the limit, not the server — and the per-address connection limit off. Reports
 * moves/s (applied, over the measured window) and the move latency, from a client's send to the state
 * update that shows its move, p50/p99. Bounded: at most 500 rooms (1000 sockets), 127.0.0.1 only, a
 * fixed window per size. The load itself is bench/server-load.ts.
 *
 * Env: BENCH_ROOMS=10,100,500  BENCH_SECONDS=5 (measured window)  BENCH_WARMUP=1.
 */
import { cpus, loadavg } from 'node:os';
import { connectBotPairs, disconnect, Load, measureWindow, playPairs, startServerChild } from './server-load.ts';

const MAX_ROOMS = 500;

const load = loadavg()[0]!;
const sizes = (process.env['BENCH_ROOMS'] ?? '10,100,500').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0 && n <= MAX_ROOMS);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const warmup = Number(process.env['BENCH_WARMUP'] ?? 1);
const server = await startServerChild();
const rows: string[] = [];
try {
  for (const n of sizes) {
    const run = new Load();
    const clients = await connectBotPairs(server.url, n);
    playPairs(clients, run);
    const window = await measureWindow(server, [run], warmup, seconds);
    await disconnect(clients, [run]);
    const s = run.summary(window.seconds);
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    rows.push(
      `| ${n} | ${2 * n} | ${fmt(s.movesPerSecond)} | ${fmt(s.gamesPerSecond)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${Math.round(window.serverCpu)}% | ${Math.round(window.clientCpu)}% | ${run.errors} |`,
    );
    process.stderr.write(`bench:server ${n} rooms done\n`);
    await new Promise((r) => setTimeout(r, 500)); // let the server dispose the rooms
  }
} finally {
  server.stop();
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
