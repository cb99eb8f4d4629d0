/**
 * Load on an arena server over loopback WebSockets, shared by the server benchmarks (bench/server.ts,
 * bench/scale-agents.ts): the server in a child process (bench/server-child.ts) whose CPU time can be
 * read, rooms of bot clients that play random legal moves as fast as the server answers (rematch after
 * every game), and a measured window: moves/s, games/s and the move latency — from a client's send to
 * the state update that shows its move — p50/p99.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../core/index.ts';
import type { ArenaServerOptions } from '../servers/server.ts';
import { MatchClient } from '../servers/client.ts';
import { quantile } from './lib.ts';

export interface ServerChild {
  readonly child: ChildProcess;
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string;
  /** CPU time (µs) the server process has used so far, all its threads together. */
  cpu(): Promise<number>;
  stop(): void;
}

/** Starts bench/server-child.ts with `options` (createArenaServer's, as JSON) and waits until it listens. */
export async function startServerChild(options: ArenaServerOptions = {}): Promise<ServerChild> {
  const entry = fileURLToPath(new URL('./server-child.ts', import.meta.url));
  const child = spawn(process.execPath, [entry, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
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
    url: `ws://127.0.0.1:${port}`,
    cpu: async () => {
      const reply = next();
      child.stdin!.write('cpu\n');
      return (JSON.parse(await reply) as { cpu: number }).cpu;
    },
    stop: () => {
      child.stdin!.end();
      child.kill('SIGTERM');
    },
  };
}

/** CPU time (µs) this process has used so far. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** What a set of clients did while `measuring`. */
export class Load {
  moves = 0;
  games = 0;
  errors = 0;
  readonly latencies: number[] = [];
  measuring = false;
  stopped = false;

  /** Clears the counts (for another window with the same clients). */
  reset(): void {
    this.moves = this.games = this.errors = 0;
    this.latencies.length = 0;
  }

  /** Moves/s, games/s and latency percentiles (ms) over a window of `seconds`. */
  summary(seconds: number): { movesPerSecond: number; gamesPerSecond: number; p50: number; p99: number } {
    const lat = Float64Array.from(this.latencies).sort();
    return { movesPerSecond: this.moves / seconds, gamesPerSecond: this.games / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
  }
}

/**
 * Makes `c` play random legal moves as fast as the server answers, and vote for a rematch after every
 * game, counting into `load` (games only when `countGames`: once per room). Returns a function that
 * checks whether it is to move (call it once to start).
 */
export function playRandomly(c: MatchClient, seed: number, load: Load, countGames: boolean): () => void {
  const rng = new Rng(seed);
  let sentStep = -1;
  let sentGame = -1;
  let sentAt = 0;
  let lastFinished = -1;
  let errors = 0;
  const onChange = (): void => {
    if (load.stopped) return;
    const st = c.state;
    if (c.errors.length > errors) {
      load.errors += c.errors.length - errors;
      errors = c.errors.length;
    }
    if (sentStep >= 0 && (st.gameNumber !== sentGame || st.step > sentStep)) {
      if (load.measuring) {
        load.latencies.push(performance.now() - sentAt);
        load.moves++;
      }
      sentStep = -1;
    }
    if (st.phase === 'finished') {
      if (st.gameNumber !== lastFinished) {
        lastFinished = st.gameNumber;
        if (load.measuring && countGames) load.games++;
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
  return onChange;
}

/**
 * `n` Connect Four rooms of two bot clients each, connected in batches so the matchmaker is not hit
 * all at once. With several server urls (processes behind Redis), room k is created through url k mod
 * U and its second client joins through the next url, as a load balancer would spread them.
 */
export async function connectBotPairs(url: string | readonly string[], n: number): Promise<MatchClient[]> {
  const urls = typeof url === 'string' ? [url] : url;
  const clients: MatchClient[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async (_, j) => {
        const k = i + j;
        const a = await MatchClient.connect({ url: urls[k % urls.length]!, room: 'connect-four', create: true, pace: null, options: { bot: true } });
        const b = await MatchClient.connect({ url: urls[(k + 1) % urls.length]!, room: 'connect-four', roomId: a.roomId, pace: null, options: { bot: true } });
        return [a, b];
      }),
    );
    for (const pair of batch) clients.push(...pair);
  }
  return clients;
}

/** Bot pairs from connectBotPairs playing randomly into one Load (seeds from `seed`, games counted once per room). */
export function playPairs(clients: readonly MatchClient[], load: Load, seed = 1000): void {
  const kicks = clients.map((c, i) => playRandomly(c, seed + i, load, i % 2 === 0));
  for (const kick of kicks) kick();
}

/**
 * Warms up for `warmup` s, then measures every load for `seconds` s. Returns the window's length (s)
 * and the CPU share of one core used by the server (by all of them, summed, when several) and by this
 * process over it.
 */
export async function measureWindow(server: ServerChild | readonly ServerChild[], loads: readonly Load[], warmup: number, seconds: number): Promise<{ seconds: number; serverCpu: number; clientCpu: number }> {
  const servers = 'cpu' in server ? [server] : server;
  const serversCpu = async () => (await Promise.all(servers.map((s) => s.cpu()))).reduce((a, b) => a + b, 0);
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const serverCpu0 = await serversCpu();
  const clientCpu0 = cpuNow();
  for (const l of loads) l.measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const l of loads) l.measuring = false;
  const secs = (performance.now() - t0) / 1000;
  const clientCpu = (cpuNow() - clientCpu0) / 1e4 / secs;
  const serverCpu = ((await serversCpu()) - serverCpu0) / 1e4 / secs;
  return { seconds: secs, serverCpu, clientCpu };
}

/** Stops the loads and disconnects their clients. */
export async function disconnect(clients: readonly MatchClient[], loads: readonly Load[]): Promise<void> {
  for (const l of loads) l.stopped = true;
  await Promise.all(clients.map((c) => c.leave().catch(() => undefined)));
}
