/**
 * A slow server-side agent beside other rooms: do the other rooms wait while it thinks? N Connect Four
 * rooms of two random bot clients (bench/server-load.ts) are measured three times, side by side:
 *
 * 1. alone;
 * 2. with one more room where a bot client plays `alphabeta:12` (≈ 0.2 s a move), the agent thinking in
 *    the server's agent pool (worker threads, the default);
 * 3. the same, on a server whose agents think on the rooms' thread (`--agent-threads 0`, as before the
 *    pool): every move of the agent stalls every room.
 *
 * Reports the other rooms' moves/s and p50/p99 move latency, and the slow room's moves/s (its agent's
 * pace). Runnable alone: `node bench/scale-agents.ts` (env BENCH_ROOMS=100 BENCH_SECONDS=5).
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MatchClient } from '../servers/client.ts';
import { fmtInt, fmtMs, loadWarning, markdownTable } from './lib.ts';
import { connectBotPairs, disconnect, Load, measureWindow, playPairs, playRandomly, startServerChild, type ServerChild } from './server-load.ts';

export interface SlowAgentOptions {
  /** Rooms of two random bot clients besides the slow one. */
  readonly rooms: number;
  /** Measured window of each case, s. */
  readonly seconds: number;
  readonly log: (line: string) => void;
  /** The slow agent (default `alphabeta:12`); it plays Connect Four against a random bot client. */
  readonly agent?: string;
  /** Warm-up before each window, s (default 1). */
  readonly warmup?: number;
}

export interface SlowAgentCase {
  readonly label: string;
  /** The other rooms' applied moves per second. */
  readonly movesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Moves per second in the slow room (null: no slow room). */
  readonly slowRoomMovesPerSecond: number | null;
  /** Share of one core used by the server process, all its threads. */
  readonly serverCpu: number;
  readonly errors: number;
}

export interface SlowAgentResult {
  readonly rooms: number;
  readonly seconds: number;
  readonly agent: string;
  readonly cases: readonly SlowAgentCase[];
}

/** The room where a bot client plays random moves against the slow agent (it moves second in game 0). */
async function slowRoom(server: ServerChild, agent: string, load: Load): Promise<MatchClient> {
  const c = await MatchClient.connect({ url: server.url, room: 'connect-four', create: true, pace: null, options: { bot: true, agents: { '1': agent } } });
  playRandomly(c, 7, load, true)();
  return c;
}

function row(label: string, others: Load, slow: Load | null, window: { seconds: number; serverCpu: number }): SlowAgentCase {
  const s = others.summary(window.seconds);
  return {
    label,
    movesPerSecond: s.movesPerSecond,
    p50Ms: s.p50,
    p99Ms: s.p99,
    // each of the client's moves is answered by one of the agent's
    slowRoomMovesPerSecond: slow ? (2 * slow.moves) / window.seconds : null,
    serverCpu: window.serverCpu,
    errors: others.errors + (slow?.errors ?? 0),
  };
}

/** Runs the three cases (see the file comment) and logs them as a Markdown table. */
export async function benchSlowAgent(opts: SlowAgentOptions): Promise<SlowAgentResult> {
  const agent = opts.agent ?? 'alphabeta:12';
  const warmup = opts.warmup ?? 1;
  const cases: SlowAgentCase[] = [];
  const warning = loadWarning(cpus().length);
  opts.log(`bench:scale-agents — ${opts.rooms} rooms of random bot clients, and one room against ${agent} (Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`);
  if (warning) opts.log(`warning: ${warning}`);

  // 1 and 2: the default server (agents in worker threads)
  const pooled = await startServerChild();
  try {
    const others = new Load();
    const clients = await connectBotPairs(pooled.url, opts.rooms);
    playPairs(clients, others);
    cases.push(row('no slow agent', others, null, await measureWindow(pooled, [others], warmup, opts.seconds)));
    others.reset();
    const slow = new Load();
    const slowClient = await slowRoom(pooled, agent, slow);
    cases.push(row(`${agent} thinking in a worker thread`, others, slow, await measureWindow(pooled, [others, slow], warmup, opts.seconds)));
    await disconnect([...clients, slowClient], [others, slow]);
  } finally {
    pooled.stop();
  }

  // 3: agents on the rooms' thread
  const inThread = await startServerChild({ agentThreads: 0 });
  try {
    const others = new Load();
    const slow = new Load();
    const clients = await connectBotPairs(inThread.url, opts.rooms);
    playPairs(clients, others);
    const slowClient = await slowRoom(inThread, agent, slow);
    cases.push(row(`${agent} thinking on the rooms' thread (--agent-threads 0)`, others, slow, await measureWindow(inThread, [others, slow], warmup, opts.seconds)));
    await disconnect([...clients, slowClient], [others, slow]);
  } finally {
    inThread.stop();
  }

  opts.log(
    markdownTable(
      ['case', 'other rooms: moves/s', 'p50 (ms)', 'p99 (ms)', 'slow room: moves/s', 'server CPU', 'errors'],
      cases.map((c) => [c.label, fmtInt(c.movesPerSecond), fmtMs(c.p50Ms), fmtMs(c.p99Ms), c.slowRoomMovesPerSecond === null ? '–' : c.slowRoomMovesPerSecond.toFixed(1), `${Math.round(c.serverCpu)}%`, String(c.errors)]),
    ),
  );
  return { rooms: opts.rooms, seconds: opts.seconds, agent, cases };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchSlowAgent({ rooms: Number(process.env['BENCH_ROOMS'] ?? 100), seconds: Number(process.env['BENCH_SECONDS'] ?? 5), log: (s) => console.log(s) });
  process.exit(0);
}
