/**
 * `npm run bench:scale`: Arena beyond one process, the three figures of the scale-out work side by side
 * in one run on this machine.
 *
 * 1. Training (bench/scale-training.ts): Connect Four league decisions/s with 2 local workers against
 *    1 local worker + 1 `arena actor` process over Redis; the remote path's cost per worker, with
 *    serialization and transport measured separately.
 * 2. Servers (bench/scale-server.ts): moves/s and p50/p99 move latency of 100 and 500 rooms on one
 *    `arena serve` process and on two behind Redis.
 * 3. A slow agent (bench/scale-agents.ts): the other rooms' moves/s and p50/p99 with and without
 *    `alphabeta:12` thinking in one room — in the agent threads, and on the rooms' thread.
 *
 * Environment: BENCH_QUICK=1 (a smoke run: 20 s training windows, 50 rooms, 3 s server windows);
 * BENCH_SECONDS (training window, s), BENCH_SERVER_SECONDS, BENCH_ROOMS (e.g. `100,500`),
 * BENCH_PARTS (e.g. `training,servers,agents`). Redis: a redis-server started on a free port (the
 * Debian package), or BENCH_REDIS_URL for the server part. Raw results go to
 * bench/results/scale-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchSlowAgent } from './scale-agents.ts';
import { benchServerScale } from './scale-server.ts';
import { benchTrainingScale } from './scale-training.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const trainingSeconds = Number(process.env['BENCH_SECONDS'] ?? (QUICK ? 20 : 60));
const serverSeconds = Number(process.env['BENCH_SERVER_SECONDS'] ?? (QUICK ? 3 : 10));
const rooms = (process.env['BENCH_ROOMS'] ?? (QUICK ? '50' : '100,500')).split(',').map(Number);
const parts = new Set((process.env['BENCH_PARTS'] ?? 'training,servers,agents').split(',').map((s) => s.trim()));
const unknown = [...parts].filter((p) => !['training', 'servers', 'agents'].includes(p));
if (unknown.length) {
  console.error(`bench:scale: unknown BENCH_PARTS ${unknown.join(', ')} (valid: training, servers, agents)`);
  process.exit(2);
}
const redisUrl = process.env['BENCH_REDIS_URL'];
const log = (s: string) => console.log(s);
const results: Record<string, unknown> = { startedAt: new Date().toISOString(), quick: QUICK };

if (parts.has('training')) {
  log('\n## 1. Training: 2 local workers vs 1 local + 1 remote actor over Redis\n');
  results['training'] = await benchTrainingScale({ seconds: trainingSeconds, log });
}
if (parts.has('servers')) {
  log('\n## 2. Game servers: 1 process vs 2 behind Redis\n');
  results['servers'] = await benchServerScale({ rooms, seconds: serverSeconds, log, ...(redisUrl ? { redisUrl } : {}) });
}
if (parts.has('agents')) {
  log('\n## 3. A slow server-side agent in one room\n');
  results['agents'] = await benchSlowAgent({ rooms: rooms[0]!, seconds: serverSeconds, log });
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
log(`\nraw results: ${file}`);
process.exit(0);
