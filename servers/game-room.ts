/**
 * One Colyseus room type per game. A room holds no rules and no match flow: it keeps transport,
 * seats, privacy and state sync, and hands the rest to small modules —
 * - message-screen.ts screens every client frame (size, rate, decoding, strikes) before it gets here;
 * - room-match.ts plays the room's games: the same `Match` as an offline series (src/eval/match.ts),
 *   driven by client moves and server-side agents, ticks and forfeits included;
 * - the recorder (records.ts) writes each finished game and rates league games.
 * Seats are taken by people, remote bots or server-side agents; the room checks seat ownership,
 * sends each client only its own seat's private view (StateView), swaps sides at a rematch and keeps
 * a dropped client's seat for the grace period. Every refused message leaves the game unchanged.
 */
import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Room, ServerError, type Client } from '@colyseus/core';
import { StateView } from '@colyseus/schema';
import { ConfigError, SIMULTANEOUS, teamOf, type Game, type GameState } from '../core/index.ts';
import { log } from '../core/log.ts';
import type { AgentPool } from './agent-pool.ts';
import { isAllowedSpec, servedName, type CustomAgent, type ListedAgent } from './agents.ts';
import { MessageScreen, type ClientMessageType, type RoomLimits } from './message-screen.ts';
import {
  MAX_CLIENTS,
  TO_MOVE_NONE,
  TO_MOVE_SIMULTANEOUS,
  describeZodError,
  moveSchemaFor,
  publishesMoves,
  rematchMessageSchema,
  roomOptionsSchema,
  type AgentView,
  type MatchResult,
  type RoomOptions,
  type SeatKind,
  type SeatMessage,
} from './protocol.ts';
import type { MatchSink } from './records.ts';
import { RoomMatch } from './room-match.ts';
import { serveAgent, type ServedAgent } from './served-agent.ts';
import { MatchState, SeatState } from './state.ts';

/** Server-wide settings every room reads (set by createArenaServer). */
export interface RoomContext {
  /** `--agents` entries: pickable without the admin token. */
  readonly listed: readonly ListedAgent[];
  /** Agents supplied by the embedding program. */
  readonly custom: readonly CustomAgent[];
  /** Admin token (null: admin-only options are refused). */
  readonly adminToken: string | null;
  /** Default tick of simultaneous games, ms. */
  readonly tickMs: number;
  /** Grace period for a dropped client to reconnect, s. */
  readonly reconnectSeconds: number;
  /** Delay before a server-side agent moves in a game with people or bots, ms. */
  readonly agentDelayMs: number;
  /** Delay between moves when every seat is a server-side agent (so spectators can follow), ms. */
  readonly agentOnlyDelayMs: number;
  /** Worker threads server-side agents think in (null: they think on the rooms' thread). */
  readonly agentPool: AgentPool | null;
  /** Longest a server-side agent may think per move, ms; past it its side forfeits. */
  readonly agentDeadlineMs: number;
  /** Where finished games go (written and rated here, or published for the one writer of several processes). */
  readonly recorder: MatchSink;
  /** Per-client message limits (the protocol's defaults unless a deployment raises them, e.g. for a load test). */
  readonly limits: RoomLimits;
}

interface Occupant {
  kind: Exclude<SeatKind, 'empty'>;
  name: string;
  /** Colyseus session of a client seat (null for agents). */
  sessionId: string | null;
  agent: ServedAgent | null;
  spec: string | null;
  connected: boolean;
  vote: boolean;
  /** Team played in game 0 (fixes the agent's reset seed, as in playSeries). */
  firstTeam: number;
}

/** Where a client sits (null: a spectator). */
interface ClientInfo {
  seat: number | null;
}

function sameToken(given: string | undefined, expected: string | null): boolean {
  if (!given || !expected) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function badOptions(message: string): ServerError {
  return new ServerError(400, `BAD_OPTIONS: ${message}`);
}

export class GameRoom extends Room<{ state: MatchState }> {
  /** Set by the per-game subclass (see `roomClassFor`). */
  protected game!: Game;
  protected ctx!: RoomContext;

  private flow!: RoomMatch;
  private screen!: MessageScreen;
  private occupants: (Occupant | null)[] = [];
  private readonly infos = new Map<string, ClientInfo>();
  private creatorPending = true;
  private disposed = false;
  /** Whether the room publishes its moves (`moves`, `move` events: protocol.ts `publishesMoves`). */
  private recordMoves = false;

  override onCreate(raw: unknown): Promise<void> {
    return this.create(raw);
  }

  private async create(raw: unknown): Promise<void> {
    const opts = this.parseOptions(raw);
    const info = this.game.info;
    const admin = sameToken(opts.token, this.ctx.adminToken);
    if (opts.seed !== undefined && !admin) throw new ServerError(403, 'FORBIDDEN: the seed option needs the admin token');
    this.maxClients = MAX_CLIENTS;
    // every change is flushed at once (flush()); the periodic patch is only a safety net, so it can be slow
    this.setPatchRate(1000);
    const seed = opts.seed ?? randomInt(0x100000000);
    this.recordMoves = publishesMoves(info);
    try {
      this.flow = new RoomMatch({
        game: this.game,
        seed,
        openingPlies: opts.openingPlies ?? 0,
        openings: opts.openings ?? 'random',
        tickMs: opts.tickMs ?? this.ctx.tickMs,
        agentDelayMs: this.ctx.agentDelayMs,
        agentOnlyDelayMs: this.ctx.agentOnlyDelayMs,
        label: this.roomId,
        events: {
          moved: (seat, action, name, step) => {
            if (this.recordMoves) this.broadcast('events', { type: 'move', seat, action, name, step });
          },
          changed: () => this.flush(),
          ended: (result) => this.onEnded(result),
          failed: (err, where) => this.onUncaughtException(err, where),
        },
      });
    } catch (err) {
      if (err instanceof ConfigError) throw badOptions(err.message); // openingPlies the game cannot take, too many balanced openings
      throw err;
    }
    this.occupants = new Array<Occupant | null>(info.seats).fill(null);

    const state = new MatchState();
    state.gameId = info.id;
    for (let s = 0; s < info.seats; s++) state.seats.push(new SeatState());
    this.state = state;

    // check every requested agent before loading any
    const requested = Object.entries(opts.agents ?? {}).map(([key, spec]) => [Number(key), spec] as const);
    for (const [seat, spec] of requested) {
      if (seat >= info.seats) throw badOptions(`agents: ${info.id} has seats 0..${info.seats - 1}, not ${seat}`);
      if (!admin && !isAllowedSpec(spec, info, this.ctx.listed, this.ctx.custom)) {
        throw new ServerError(403, `FORBIDDEN: agent '${spec}' is not offered by this server for ${info.id} (see GET /api/agents?game=${info.id}); other agents need the admin token`);
      }
    }
    if (new Set(requested.map(([seat]) => seat)).size !== requested.length) throw badOptions('agents: a seat is named twice');
    if (requested.length === info.seats && !opts.spectator) throw badOptions('every seat is an agent: the creator must join with spectator: true');
    for (const [seat, spec] of requested) {
      let agent: ServedAgent;
      try {
        const serve = { custom: this.ctx.custom, pool: this.ctx.agentPool, deadlineMs: this.ctx.agentDeadlineMs };
        agent = await serveAgent(spec, info, (seed + seat + 1) >>> 0, serve);
      } catch (err) {
        this.disposeAgents();
        throw badOptions(`agent '${spec}': ${(err as Error).message}`);
      }
      const name = servedName(spec, info, this.ctx.listed);
      this.occupants[seat] = { kind: 'agent', name, sessionId: null, agent, spec, connected: true, vote: true, firstTeam: teamOf(info, seat) };
    }
    this.screen = new MessageScreen({ limits: this.ctx.limits, onMessage: (client, type, payload) => this.onClientMessage(client, type, payload) });
    this.screen.install(this);
    this.sync();
    // Workaround for @colyseus/schema 5.0.34: arrays written here and changed in the first patch can
    // desync a client that joins before that patch; flushing now makes the first patch start clean.
    this.broadcastPatch();
  }

  override onJoin(client: Client, raw: unknown): void {
    const opts = this.parseOptions(raw);
    const creator = this.creatorPending;
    this.creatorPending = false;
    if (!creator && (opts.agents !== undefined || opts.seed !== undefined || opts.tickMs !== undefined || opts.openingPlies !== undefined || opts.openings !== undefined)) {
      throw badOptions('agents, seed, tickMs, openingPlies and openings can only be given when the room is created');
    }
    const info: ClientInfo = { seat: null };
    client.view = new StateView();
    if (opts.spectator) {
      this.admit(client, info);
      // a room of server-side agents only starts when its first spectator arrives
      if (this.flow.phase === 'waiting') this.tryStart();
      return;
    }
    const seat = this.freeSeat(opts.seat);
    if (seat === null) throw new ServerError(409, 'ROOM_FULL: no free seat (join with spectator: true to watch)');
    info.seat = seat;
    const kind = opts.bot ? 'bot' : 'human';
    this.occupants[seat] = {
      kind,
      name: opts.name || `${kind === 'bot' ? 'Bot' : 'Player'} ${seat + 1}`,
      sessionId: client.sessionId,
      agent: null,
      spec: null,
      connected: true,
      vote: false,
      firstTeam: teamOf(this.game.info, seat),
    };
    client.view.add(this.state.seats[seat]!);
    this.admit(client, info);
    this.updatePrivacy();
    if (!this.tryStart()) this.flush();
  }

  /** A connection lost without a consented leave: the seat (or the spectator's place) is kept for the grace period. */
  override onDrop(client: Client): void {
    const info = this.infos.get(client.sessionId);
    if (!info || this.screen.kicked(client.sessionId)) return; // → onLeave
    const occ = info.seat !== null ? this.occupants[info.seat] : null;
    if (info.seat !== null && occ?.sessionId !== client.sessionId) return;
    if (occ) {
      occ.connected = false;
      this.flush();
    }
    const reconnection = this.allowReconnection(client, this.ctx.reconnectSeconds);
    void Promise.resolve(reconnection).catch(() => undefined);
  }

  override onReconnect(client: Client): void {
    const info = this.infos.get(client.sessionId);
    if (!info) return;
    const occ = info.seat !== null ? this.occupants[info.seat] : null;
    if (occ) occ.connected = true;
    this.sendSeat(client, info);
    this.flush();
  }

  override onLeave(client: Client): void {
    const info = this.infos.get(client.sessionId);
    this.infos.delete(client.sessionId);
    this.screen.remove(client.sessionId);
    if (!info || info.seat === null) return;
    const seat = info.seat;
    const occ = this.occupants[seat];
    if (!occ || occ.sessionId !== client.sessionId) return;
    if (this.flow.phase === 'playing') this.flow.forfeit(seat, `${occ.name} left the game`);
    this.occupants[seat] = null;
    this.updatePrivacy();
    if (!this.disposed) this.flush();
  }

  override onDispose(): void {
    this.disposed = true;
    this.flow?.dispose();
    this.disposeAgents();
  }

  override onUncaughtException(err: Error, method: string): void {
    // refused options (ServerError 4xx) are the client's mistake, already reported to it
    const code = (err as { code?: unknown }).code;
    const clientError = err instanceof ServerError && typeof code === 'number' && code >= 400 && code < 500;
    (clientError ? log.debug : log.error)(`room ${this.roomName} ${this.roomId}: ${method} failed: ${err.message}`);
  }

  // ---- options and messages ----

  private parseOptions(raw: unknown): RoomOptions {
    const r = roomOptionsSchema.safeParse(raw ?? {});
    if (!r.success) throw badOptions(describeZodError(r.error));
    return r.data;
  }

  /** A client in the room: its messages are screened from now on, and it learns where it sits. */
  private admit(client: Client, info: ClientInfo): void {
    this.infos.set(client.sessionId, info);
    this.screen.add(client.sessionId);
    this.sendSeat(client, info);
  }

  /** A message that passed the screen (message-screen.ts). */
  private onClientMessage(client: Client, type: ClientMessageType, payload: unknown): void {
    const info = this.infos.get(client.sessionId);
    if (!info) return;
    if (type === 'move') this.onMove(client, info, payload);
    else this.onRematch(client, info, payload);
  }

  private onMove(client: Client, info: ClientInfo, payload: unknown): void {
    if (info.seat === null) return this.screen.refuse(client, 'NOT_A_PLAYER', 'spectators cannot move');
    // an action id, or an array of finite numbers in a continuous game (the game checks its length and clips it)
    const parsed = moveSchemaFor(this.game.info).safeParse(payload);
    if (!parsed.success) return this.screen.refuse(client, 'BAD_MESSAGE', `move: ${describeZodError(parsed.error)}`);
    const refused = this.flow.move(info.seat, parsed.data.action, parsed.data.step);
    if (refused) this.screen.refuse(client, refused.code, refused.message, refused.strike);
  }

  private onRematch(client: Client, info: ClientInfo, payload: unknown): void {
    if (info.seat === null) return this.screen.refuse(client, 'NOT_A_PLAYER', 'spectators cannot vote for a rematch');
    if (!rematchMessageSchema.safeParse(payload).success) return this.screen.refuse(client, 'BAD_MESSAGE', 'rematch takes no payload');
    if (this.flow.phase !== 'finished') return this.screen.refuse(client, 'NOT_FINISHED', 'a rematch can be asked for once the game is over');
    const occ = this.occupants[info.seat]!;
    occ.vote = true;
    if (!this.tryStart()) this.flush();
  }

  // ---- seats and games ----

  /** The state the room's games are played on (read here for views and sync). */
  private get gs(): GameState {
    return this.flow.match.state;
  }

  private freeSeat(preferred: number | undefined): number | null {
    if (this.flow.phase === 'playing') return null;
    if (preferred !== undefined && preferred < this.occupants.length && this.occupants[preferred] === null) return preferred;
    const i = this.occupants.indexOf(null);
    return i < 0 ? null : i;
  }

  /** Rooms with no free seat leave matchmaking (joinOrCreate), but stay joinable by id for spectators. */
  private updatePrivacy(): void {
    if (this.disposed) return;
    void this.setPrivate(this.occupants.every((o) => o !== null)).catch(() => undefined);
  }

  /** Starts the first game, or a rematch, when every seat is taken (and, for a rematch, every seat voted). */
  private tryStart(): boolean {
    if (this.occupants.some((o) => o === null)) return false;
    const phase = this.flow.phase;
    if (phase === 'waiting') {
      this.startGame();
      return true;
    }
    if (phase === 'finished' && this.occupants.every((o) => o!.vote)) {
      this.state.gameNumber++;
      this.swapSides();
      this.startGame();
      return true;
    }
    return false;
  }

  /** Rematch: every seat moves to the matching seat of the other side (teams of equal size). */
  private swapSides(): void {
    const { teams, seats } = this.game.info;
    if (teams.length !== 2 || teams[0]!.length !== teams[1]!.length) return;
    const perm = new Array<number>(seats);
    for (let t = 0; t < 2; t++) teams[t]!.forEach((s, k) => (perm[s] = teams[1 - t]![k]!));
    const next = new Array<Occupant | null>(seats).fill(null);
    for (let s = 0; s < seats; s++) next[perm[s]!] = this.occupants[s]!;
    this.occupants = next;
    for (const client of this.clients) {
      const info = this.infos.get(client.sessionId);
      if (!info || info.seat === null) continue;
      client.view?.remove(this.state.seats[info.seat]!);
      info.seat = perm[info.seat]!;
    }
    for (const client of this.clients) {
      const info = this.infos.get(client.sessionId);
      if (!info || info.seat === null) continue;
      client.view?.add(this.state.seats[info.seat]!);
      this.sendSeat(client, info);
    }
    // a dropped client (reconnecting) keeps its record: move it too
    for (const [sid, info] of this.infos) {
      if (info.seat !== null && !this.clients.some((c) => c.sessionId === sid)) info.seat = perm[info.seat]!;
    }
  }

  private startGame(): void {
    const g = this.state.gameNumber;
    for (const occ of this.occupants) if (occ) occ.vote = occ.kind === 'agent';
    this.state.moves.clear();
    this.broadcast('events', { type: 'start', gameNumber: g });
    const agents = this.occupants.map((o) => (o?.agent ? { agent: o.agent, spec: o.spec!, firstTeam: o.firstTeam } : null));
    this.flow.start(g, agents);
  }

  private onEnded(result: MatchResult): void {
    this.broadcast('events', { type: 'end', gameNumber: this.state.gameNumber, result });
    void this.record(result);
    this.flush();
  }

  /** Hands the finished game to the recorder (which rates league games: records.ts). */
  private async record(result: MatchResult): Promise<void> {
    const info = this.game.info;
    const seats = this.occupants.map((o) => (o ? { kind: o.kind, name: o.name, ...(o.spec ? { spec: o.spec } : {}) } : { kind: 'empty' as const, name: '' }));
    await this.ctx.recorder.record({
      id: randomUUID(),
      time: new Date().toISOString(),
      room: this.roomId,
      game: info.id,
      gameNumber: this.state.gameNumber,
      seed: this.flow.match.gameSeed,
      steps: this.gs.stepCount(),
      seats,
      result,
    });
  }

  // ---- state sync ----

  /** Copies the game into the synchronized state and sends the patch now (moves should not wait for the patch interval). */
  private flush(): void {
    if (this.disposed) return;
    this.sync();
    this.broadcastPatch();
  }

  private sync(): void {
    const st = this.state;
    const gs = this.gs;
    const flow = this.flow;
    if (st.phase !== flow.phase) st.phase = flow.phase;
    const playing = flow.phase === 'playing';
    const cur = gs.currentSeat();
    const toMove = playing ? (cur >= 0 ? cur : cur === SIMULTANEOUS ? TO_MOVE_SIMULTANEOUS : TO_MOVE_NONE) : TO_MOVE_NONE;
    if (st.toMove !== toMove) st.toMove = toMove;
    if (st.step !== gs.stepCount()) st.step = gs.stepCount();
    if (st.deadline !== flow.deadline) st.deadline = flow.deadline;
    const result = flow.result ? JSON.stringify(flow.result) : '';
    if (st.result !== result) st.result = result;
    const pub = JSON.stringify(gs.view(null));
    if (st.publicView !== pub) st.publicView = pub;
    if (this.recordMoves) {
      // the moves of this game so far: in these games every transition is public
      const { history } = flow.match;
      for (let i = st.moves.length; i < history.length; i++) st.moves.push(history[i]!);
    }
    let votes = 0;
    for (let s = 0; s < this.occupants.length; s++) {
      const occ = this.occupants[s] ?? null;
      const seat = st.seats[s]!;
      const kind: SeatKind = occ?.kind ?? 'empty';
      if (seat.kind !== kind) seat.kind = kind;
      const name = occ?.name ?? '';
      if (seat.name !== name) seat.name = name;
      const connected = occ?.connected ?? false;
      if (seat.connected !== connected) seat.connected = connected;
      const vote = st.phase === 'finished' && (occ?.vote ?? false);
      if (seat.rematch !== vote) seat.rematch = vote;
      if (vote) votes++;
      const view = occ?.sessionId && occ.connected ? JSON.stringify(gs.view(s)) : '';
      if (seat.view !== view) seat.view = view;
      // bots of games whose history cannot be public get their seat's observation instead (see servers/bot.ts)
      const agentView = occ?.kind === 'bot' && occ.connected && !this.recordMoves ? JSON.stringify(this.agentView(s)) : '';
      if (seat.agentView !== agentView) seat.agentView = agentView;
    }
    if (st.rematchVotes !== votes) st.rematchVotes = votes;
  }

  private agentView(seat: number): AgentView {
    const obs = new Float32Array(this.game.info.observationSize);
    this.gs.observe(seat, obs);
    return {
      seat,
      gameNumber: this.state.gameNumber,
      step: this.gs.stepCount(),
      observation: Array.from(obs),
      informationState: this.gs.informationState(seat),
      legal: this.flow.phase === 'playing' ? this.gs.legalActions(seat) : [],
    };
  }

  private sendSeat(client: Client, info: ClientInfo): void {
    const msg: SeatMessage = { seat: info.seat, spectator: info.seat === null, game: this.game.info.id, gameNumber: this.state.gameNumber };
    client.send('seat', msg);
  }

  private disposeAgents(): void {
    for (const occ of this.occupants) {
      if (!occ?.agent) continue;
      try {
        occ.agent.dispose();
      } catch {
        // a failing dispose must not take the room down
      }
      occ.agent = null;
    }
  }
}

/** The room class of one game, bound to the server's context. */
export function roomClassFor(game: Game, ctx: RoomContext): typeof GameRoom {
  return class extends GameRoom {
    constructor() {
      super();
      this.game = game;
      this.ctx = ctx;
    }
  };
}
