/**
 * `arena serve`: a Colyseus server (`@colyseus/core` + `@colyseus/ws-transport`) with one room type
 * per registered game of two or more seats, the browser client's static files at `/`, and two JSON
 * endpoints (`GET /api/games`, `GET /api/agents?game=<id>`). See the README's "Protocol" section.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { ConfigError, UnknownNameError, type Game } from '../core/index.ts';
import { log } from '../core/log.ts';
import { getGame, listGames } from '../games/index.ts';
import { agentChoices, resolveAgentList, type CustomAgent, type ListedAgent } from './agents.ts';
import { DEFAULT_LIMITS, roomClassFor, type RoomContext, type RoomLimits } from './game-room.ts';
import { DEFAULT_PORT, DEFAULT_RECONNECT_SECONDS, DEFAULT_TICK_MS, roomNameOf } from './protocol.ts';
import { servePublic } from './public-files.ts';
import { MatchRecorder } from './records.ts';

export interface ArenaServerOptions {
  /** TCP port (default 2567; 0 picks a free one). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
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
}

/** A row of GET /api/games. */
export interface GameSummary {
  readonly id: string;
  readonly name: string;
  readonly seats: number;
  /** `teams[t]`: the seats of team t. */
  readonly teams: readonly (readonly number[])[];
  readonly actions: number;
  readonly dynamics: string;
  readonly information: string;
  /** Colyseus room name to create/join. */
  readonly room: string;
  readonly description: string;
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
  readonly recorder: MatchRecorder | null;
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
    dynamics: i.dynamics,
    information: i.information,
    room: roomNameOf(i.id),
    description: i.description,
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
  warn: (...args: unknown[]) => log.warn(args.map(String).join(' ')),
  error: (...args: unknown[]) => log.error(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')),
};

/**
 * Starts the server and resolves once it listens. Only one can run per process: Colyseus' matchmaker
 * is a module-level singleton.
 */
export async function createArenaServer(opts: ArenaServerOptions = {}): Promise<ArenaServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer in [0, 65535], got ${port}`);
  const listed = await resolveAgentList(opts.agents ?? []);
  const dataDir = opts.dataDir === undefined ? 'runs/server' : opts.dataDir;
  const recorder = dataDir === null ? null : new MatchRecorder(dataDir);
  const token = opts.adminToken === undefined ? (process.env['ARENA_ADMIN_TOKEN'] ?? null) : opts.adminToken;
  const ctx: RoomContext = {
    listed,
    custom: opts.customAgents ?? [],
    adminToken: token ? token : null,
    tickMs: opts.tickMs ?? DEFAULT_TICK_MS,
    reconnectSeconds: opts.reconnectSeconds ?? DEFAULT_RECONNECT_SECONDS,
    agentDelayMs: opts.agentDelayMs ?? 0,
    agentOnlyDelayMs: opts.agentOnlyDelayMs ?? 400,
    recorder,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
  };
  const games = hostedGames();
  const summaries = games.map(summary);

  const api = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/api/games') return sendJson(res, 200, summaries);
    if (req.method === 'GET' && url.pathname === '/api/agents') {
      const name = url.searchParams.get('game');
      if (!name) return sendJson(res, 400, { error: 'missing ?game=<id>' });
      let game: Game;
      try {
        game = getGame(name);
      } catch (err) {
        return sendJson(res, 404, { error: err instanceof UnknownNameError ? err.message : `unknown game '${name}'` });
      }
      return sendJson(res, 200, agentChoices(game.info, listed, ctx.custom));
    }
    if (servePublic(req, res)) return;
    next();
  };

  const transport = new WebSocketTransport({ maxPayload: 64 * 1024 });
  const colyseus = new Server({
    transport,
    greet: false,
    gracefullyShutdown: false,
    logger: colyseusLogger,
    express: (app: { use: (fn: typeof api) => void }) => {
      app.use(api);
    },
  });
  for (const g of games) colyseus.define(roomNameOf(g.info.id), roomClassFor(g, ctx));
  await colyseus.listen(port, host);
  const address = transport.server!.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${address.port}/`,
    wsUrl: `ws://${shownHost}:${address.port}`,
    host,
    port: address.port,
    games: summaries,
    listed,
    recorder,
    colyseus,
    async close() {
      if (closed) return;
      closed = true;
      await colyseus.gracefullyShutdown(false);
      await recorder?.flush();
    },
  };
}
