/**
 * `arena serve`: a Colyseus server (`@colyseus/core` + `@colyseus/ws-transport`) with one room type
 * per registered game of two or more seats, the browser client's static files at `/`, and two JSON
 * endpoints (`GET /api/games`, `GET /api/agents?game=<id>`). See the README's "Protocol" section.
 * With `redis`, several such processes share matchmaking (Colyseus' Redis presence and driver,
 * redis.ts) and write their match records in one place (match-stream.ts): the README's "Deployment".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { matchMaker, Server } from '@colyseus/core';
import { ConfigError, UnknownNameError, type ContinuousActionSpace, type Game, type GameUi } from '../core/index.ts';
import { log } from '../core/log.ts';
import { getGame, listGames } from '../games/index.ts';
import { AgentPool, checkAgentPoolOptions, DEFAULT_AGENT_DEADLINE_MS, defaultAgentThreads } from './agent-pool.ts';
import { agentChoices, resolveAgentList, type CustomAgent, type ListedAgent } from './agents.ts';
import { checkConnectionLimit, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, LimitedTransport } from './connection-limit.ts';
import { roomClassFor, type RoomContext } from './game-room.ts';
import { DEFAULT_LIMITS, type RoomLimits } from './message-screen.ts';
import { DEFAULT_PORT, DEFAULT_RECONNECT_SECONDS, DEFAULT_TICK_MS, roomNameOf } from './protocol.ts';
import { servePublic } from './public-files.ts';
import { MatchPublisher, MatchWriter } from './match-stream.ts';
import { MatchFile, MatchRecorder } from './records.ts';
import { settlesWithin } from '../src/net/redis.ts';
import { connectServerRedis } from './redis.ts';

export interface ArenaServerOptions {
  /** TCP port (default 2567; 0 picks a free one). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Games to host (default: `hostedGames()`); a program that embeds the server may add its own. */
  readonly games?: readonly Game[];
  /** `--agents` entries: checkpoint folders, folders of runs, league members, bot specs. */
  readonly agents?: readonly string[];
  /** Agents supplied in code (offered and allowed like `--agents` entries). */
  readonly customAgents?: readonly CustomAgent[];
  /** Folder for matches.jsonl (default runs/server; null: do not record). */
  readonly dataDir?: string | null;
  /** Admin token (default: env ARENA_ADMIN_TOKEN; empty or null: admin options are refused). */
  readonly adminToken?: string | null;
  readonly tickMs?: number;
  readonly reconnectSeconds?: number;
  readonly agentDelayMs?: number;
  readonly agentOnlyDelayMs?: number;
  /** Per-client message limits (default: the protocol's 1 KiB, 20 messages/s, 50 refusals). */
  readonly limits?: Partial<RoomLimits>;
  /** Worker threads server-side agents think in (default: cores − 1, at least 1; 0: on the rooms' thread). */
  readonly agentThreads?: number;
  /** Longest a server-side agent may think per move, ms (default 10 000); past it its side forfeits. */
  readonly agentDeadlineMs?: number;
  /** Most WebSockets open at once from one address (default 16; 0: no limit). */
  readonly maxConnectionsPerAddress?: number;
  /**
   * `redis://host:port` shared by several server processes (matchmaking across them, match records
   * written in one place: see match-stream.ts). Default: none — one process, nothing shared.
   */
  readonly redis?: string | null;
  /** With `redis`: `host:port` (or `host/path` behind a proxy) where clients reach this process (default HOST:PORT, the machine's name for a wildcard host). */
  readonly publicAddress?: string;
  /** With `redis`: whether this process may become the one that writes match records into its `dataDir` (default true). */
  readonly recordWriter?: boolean;
}

/** A row of GET /api/games. */
export interface GameSummary {
  readonly id: string;
  readonly name: string;
  readonly seats: number;
  /** `teams[t]`: the seats of team t. */
  readonly teams: readonly (readonly number[])[];
  readonly actions: number;
  /** Continuous-action games: the box a move's vector is clipped to (a move is then `actions` numbers). */
  readonly actionSpace?: ContinuousActionSpace;
  readonly dynamics: string;
  readonly information: string;
  /** Colyseus room name to create/join. */
  readonly room: string;
  readonly description: string;
  /** How a client shows the game (its kind, what to draw, the action labels). */
  readonly ui: GameUi;
}

export interface ArenaServer {
  /** `http://HOST:PORT/`: the browser client. */
  readonly url: string;
  /** `ws://HOST:PORT`: the Colyseus endpoint for SDK clients. */
  readonly wsUrl: string;
  readonly host: string;
  readonly port: number;
  readonly games: readonly GameSummary[];
  readonly listed: readonly ListedAgent[];
  /** Worker threads server-side agents think in (0: the rooms' thread). */
  readonly agentThreads: number;
  /** The matches.jsonl writer of a single process with a data folder (null with `redis`: see `scale`). */
  readonly recorder: (MatchRecorder & { readonly file: string }) | null;
  /**
   * With `redis`: the Redis address (password hidden), where clients reach this process, this process'
   * publisher of match records, and its writer (null when it may not write).
   */
  readonly scale: { readonly redis: string; readonly publicAddress: string; readonly publisher: MatchPublisher; readonly writer: MatchWriter | null } | null;
  readonly colyseus: Server;
  /** Disconnects every room and stops listening. */
  close(): Promise<void>;
}

/** Games hosted as rooms: every registered game with two or more seats. */
export function hostedGames(): Game[] {
  return listGames().filter((g) => g.info.seats >= 2);
}

function summary(g: Game): GameSummary {
  const i = g.info;
  return {
    id: i.id,
    name: i.name,
    seats: i.seats,
    teams: i.teams,
    actions: i.actions,
    ...(i.actionSpace ? { actionSpace: i.actionSpace } : {}),
    dynamics: i.dynamics,
    information: i.information,
    room: roomNameOf(i.id),
    description: i.description,
    ui: g.ui,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
  res.end(text);
}

/** Colyseus logs through this: its chatter goes to the debug level, problems to ours. */
const colyseusLogger = {
  debug: () => undefined,
  trace: () => undefined,
  info: (...args: unknown[]) => log.debug(args.map(String).join(' ')),
  // RedisPresence reports each failed reconnection; the RedisLink under it already says Redis is lost and retried
  warn: (...args: unknown[]) => (String(args[0]).startsWith('RedisPresence:') ? log.debug : log.warn)(args.map(String).join(' ')),
  error: (...args: unknown[]) => log.error(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')),
};

/** How long a process behind Redis waits at shutdown for each step that needs Redis, ms. */
const CLOSE_WITH_REDIS_MS = 5000;

/** `host:port`, or `host[:port]/path` for a proxy that routes by path; no scheme (the client adds ws:// or wss://). */
function checkPublicAddress(address: string): void {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/.test(address)) {
    throw new ConfigError(`public address '${address}' must be host:port (or host/path behind a proxy) where clients reach this process, without ws://`);
  }
}

function defaultPublicAddress(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? hostname() : host;
  return `${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** A free TCP port on `host` (closed again before it is returned). */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and resolves once it listens. Only one can run per process: Colyseus' matchmaker
 * is a module-level singleton.
 */
export async function createArenaServer(opts: ArenaServerOptions = {}): Promise<ArenaServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer in [0, 65535], got ${port}`);
  const redisUrl = opts.redis ?? null;
  if (redisUrl === null && opts.publicAddress !== undefined) throw new ConfigError('a public address is only used with Redis (several server processes): give the Redis URL too');
  if (opts.publicAddress !== undefined) checkPublicAddress(opts.publicAddress);
  const agentThreads = opts.agentThreads ?? defaultAgentThreads();
  const agentDeadlineMs = opts.agentDeadlineMs ?? DEFAULT_AGENT_DEADLINE_MS;
  checkAgentPoolOptions({ threads: agentThreads, deadlineMs: agentDeadlineMs });
  const maxConnectionsPerAddress = opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  checkConnectionLimit(maxConnectionsPerAddress);
  const listed = await resolveAgentList(opts.agents ?? []);
  const dataDir = opts.dataDir === undefined ? 'runs/server' : opts.dataDir;
  // several processes: the public address names the port before Colyseus listens, so port 0 is resolved first
  const redis = redisUrl === null ? null : await connectServerRedis(redisUrl);
  const link = redis?.link ?? null;
  const listenPort = link && port === 0 ? await freePortOn(host) : port;
  const publicAddress = link ? (opts.publicAddress ?? defaultPublicAddress(host, listenPort)) : null;
  const recorder = link === null && dataDir !== null ? (new MatchRecorder(dataDir) as MatchRecorder & { readonly file: string }) : null;
  const publisher = link ? new MatchPublisher(link) : null;
  const token = opts.adminToken === undefined ? (process.env['ARENA_ADMIN_TOKEN'] ?? null) : opts.adminToken;
  const ctx: RoomContext = {
    listed,
    custom: opts.customAgents ?? [],
    adminToken: token ? token : null,
    tickMs: opts.tickMs ?? DEFAULT_TICK_MS,
    reconnectSeconds: opts.reconnectSeconds ?? DEFAULT_RECONNECT_SECONDS,
    agentDelayMs: opts.agentDelayMs ?? 0,
    agentOnlyDelayMs: opts.agentOnlyDelayMs ?? 400,
    agentPool: agentThreads > 0 ? new AgentPool({ threads: agentThreads, deadlineMs: agentDeadlineMs }) : null,
    agentDeadlineMs,
    recorder: publisher ?? recorder ?? new MatchRecorder(null),
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
  };
  const games = opts.games ?? hostedGames();
  const summaries = games.map(summary);

  const api = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/api/games') return sendJson(res, 200, summaries);
    if (req.method === 'GET' && url.pathname === '/api/agents') {
      const name = url.searchParams.get('game');
      if (!name) return sendJson(res, 400, { error: 'missing ?game=<id>' });
      let game: Game;
      try {
        game = games.find((g) => g.info.id === name || roomNameOf(g.info.id) === name) ?? getGame(name);
      } catch (err) {
        return sendJson(res, 404, { error: err instanceof UnknownNameError ? err.message : `unknown game '${name}'` });
      }
      return sendJson(res, 200, agentChoices(game.info, listed, ctx.custom));
    }
    if (servePublic(req, res)) return;
    next();
  };

  const transport = new LimitedTransport({ maxPayload: 64 * 1024 }, maxConnectionsPerAddress);
  const colyseus = new Server({
    transport,
    greet: false,
    gracefullyShutdown: false,
    logger: colyseusLogger,
    ...(redis ? { presence: redis.presence, driver: redis.driver, publicAddress: publicAddress! } : {}),
    express: (app: { use: (fn: typeof api) => void }) => {
      app.use(api);
    },
  });
  for (const g of games) colyseus.define(roomNameOf(g.info.id), roomClassFor(g, ctx));
  try {
    await colyseus.listen(listenPort, host);
  } catch (err) {
    redis?.close();
    throw err;
  }
  const address = transport.server!.address() as AddressInfo;
  // behind Redis a shutdown may have to stop without Colyseus (Redis gone): then these are closed by hand
  const sockets = new Set<Socket>();
  if (link) {
    transport.server!.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  const writer =
    link && dataDir !== null && opts.recordWriter !== false
      ? new MatchWriter({ link, file: new MatchFile(dataDir), consumer: `${hostname()}/${process.pid}/${matchMaker.processId}` })
      : null;
  writer?.start();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${address.port}/`,
    wsUrl: `ws://${shownHost}:${address.port}`,
    host,
    port: address.port,
    games: summaries,
    listed,
    agentThreads,
    recorder,
    scale: link ? { redis: link.url, publicAddress: publicAddress!, publisher: publisher!, writer } : null,
    colyseus,
    async close() {
      if (closed) return;
      closed = true;
      // behind Redis every step below may wait on it: bounded, and hardly at all when it is known to be down
      const patienceMs = link?.up === false ? 250 : CLOSE_WITH_REDIS_MS;
      link?.markClosing();
      const shutdown = colyseus.gracefullyShutdown(false);
      if (!link) await shutdown;
      else if (!(await settlesWithin(shutdown, patienceMs))) {
        // Colyseus' shutdown waits for Redis to take this process' rooms off the shared list: without Redis, stop anyway
        log.warn(`Redis at ${link.url} did not answer: stopping without taking this process' rooms off its list (the other processes drop them when they find this one gone)`);
        transport.shutdown();
        for (const socket of sockets) socket.destroy();
      }
      await ctx.agentPool?.destroy();
      await recorder?.flush();
      await publisher?.close(patienceMs);
      await writer?.close(patienceMs);
      redis?.close();
    },
  };
}
