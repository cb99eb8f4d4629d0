/**
 * An arena server in its own process for the load benchmarks (bench/server-load.ts starts it): the
 * per-client rate limit raised and the per-address connection limit off (every client comes from
 * 127.0.0.1), no records. Options of createArenaServer arrive as JSON in the last argument. It prints
 * `{"port":N}` once it listens; each line on stdin asks for the CPU time used so far (µs); stdin's end
 * or SIGTERM stops it.
 */
import { setLogLevel } from '../core/log.ts';
import { createArenaServer, type ArenaServerOptions } from '../servers/server.ts';

setLogLevel('error');
const extra = JSON.parse(process.argv.at(-1) ?? '{}') as ArenaServerOptions;
const srv = await createArenaServer({
  port: 0,
  host: '127.0.0.1',
  dataDir: null,
  adminToken: null,
  limits: { messagesPerSecond: 1_000_000 },
  maxConnectionsPerAddress: 0,
  ...extra,
});
process.stdout.write(`${JSON.stringify({ port: srv.port })}\n`);
process.stdin.resume();
process.stdin.on('data', () => {
  const u = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpu: u.user + u.system })}\n`);
});
process.stdin.on('end', () => void srv.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void srv.close().then(() => process.exit(0)));
