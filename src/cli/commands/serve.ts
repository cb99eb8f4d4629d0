/** `arena serve`: host the games over WebSockets for people, bots and server-side agents. */
import type { Command } from 'commander';
import { createArenaServer } from '../../../servers/server.ts';
import { intOption } from '../options.ts';

interface ServeOptions {
  port: number;
  host: string;
  agents?: string[];
  data: string;
  tickMs: number;
  reconnectSeconds: number;
  redis?: string;
  publicAddress?: string;
  recordWriter: boolean;
  agentThreads?: number;
  agentDeadlineMs: number;
  maxConnectionsPerAddress: number;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('host the games: rooms for people, bots and server-side agents (Colyseus over WebSockets), the browser client at /, and /api/games, /api/agents')
    .option('--port <n>', 'TCP port (0: any free port)', intOption('--port', 0), 2567)
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--agents <entries...>', 'opponents to offer besides the baseline bots: checkpoint folders, folders of run folders, league members <runDir>#<id>, bot specs')
    .option('--data <dir>', 'folder for matches.jsonl', 'runs/server')
    .option('--tick-ms <ms>', 'tick of simultaneous-move games (grid soccer)', intOption('--tick-ms', 50), 500)
    .option('--reconnect-seconds <s>', 'how long a dropped player keeps its seat', intOption('--reconnect-seconds', 0), 30)
    .option('--agent-threads <n>', 'worker threads server-side agents think in (default: cores - 1, at least 1; 0: on the rooms\' thread)', intOption('--agent-threads', 0))
    .option('--agent-deadline-ms <ms>', 'longest a server-side agent may think per move; past it its side forfeits', intOption('--agent-deadline-ms', 1), 10_000)
    .option('--max-connections-per-address <n>', 'most WebSockets open at once from one IP address (0: no limit; behind a proxy, clients share the proxy\'s address)', intOption('--max-connections-per-address', 0), 16)
    .option('--redis <url>', 'share matchmaking and match records with other `arena serve` processes through this Redis, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL; none: one process)')
    .option('--public-address <host:port>', 'with --redis: where clients reach this process (default HOST:PORT; the machine name for --host 0.0.0.0)')
    .option('--no-record-writer', 'with --redis: never write matches.jsonl and league ratings here (another process with the shared --data folder does)')
    .action(serve);
}

async function serve(opts: ServeOptions): Promise<void> {
  const agents = (opts.agents ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter((a) => a !== '');
  const redis = opts.redis ?? (process.env['ARENA_REDIS_URL'] || null);
  const srv = await createArenaServer({
    port: opts.port,
    host: opts.host,
    agents,
    dataDir: opts.data,
    tickMs: opts.tickMs,
    reconnectSeconds: opts.reconnectSeconds,
    redis,
    recordWriter: opts.recordWriter,
    agentDeadlineMs: opts.agentDeadlineMs,
    maxConnectionsPerAddress: opts.maxConnectionsPerAddress,
    ...(opts.agentThreads !== undefined ? { agentThreads: opts.agentThreads } : {}),
    ...(opts.publicAddress !== undefined ? { publicAddress: opts.publicAddress } : {}),
  });
  console.log(`Arena server: ${srv.url}`);
  console.log(`  rooms: ${srv.games.map((g) => g.room).join(', ')} at ${srv.wsUrl}`);
  if (srv.listed.length) console.log(`  agents offered: ${srv.listed.map((a) => a.spec).join(', ')}`);
  const threads = srv.agentThreads === 0 ? "on the rooms' thread" : `in ${srv.agentThreads} worker thread${srv.agentThreads === 1 ? '' : 's'}`;
  console.log(`  server-side agents think ${threads}, ${opts.agentDeadlineMs} ms per move at most; at most ${opts.maxConnectionsPerAddress || 'unlimited'} connections per address`);
  const records = srv.scale
    ? `published to Redis ${srv.scale.redis} and written to ${opts.data}/matches.jsonl by the process holding the writer lease${srv.scale.writer ? '' : ' (never this one)'}`
    : `recorded in ${srv.recorder?.file}`;
  if (srv.scale) console.log(`  one of several processes behind Redis ${srv.scale.redis}; clients reach this one at ${srv.scale.publicAddress}`);
  console.log(`  matches ${records}; admin options ${process.env['ARENA_ADMIN_TOKEN'] ? 'enabled (ARENA_ADMIN_TOKEN)' : 'disabled (set ARENA_ADMIN_TOKEN)'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await srv.close();
  console.log('Arena server stopped');
  // behind a Redis that is gone, a room may still wait out a dropped player's grace period: it must not keep a stopped server alive
  process.exit(0);
}
