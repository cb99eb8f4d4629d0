/**
 * One Colyseus room type per game. A room holds no rules: it keeps a `GameState` from the game
 * contract and only calls `apply`, `applyJoint`, `applyChance`, `legalMask`, `view`, `observe` and
 * `returns`. Seats are taken by people, remote bots or server-side agents; the room enforces turn
 * order and seat ownership, runs simultaneous games on a tick with a deadline, sends each client only
 * its own seat's private view (StateView), and refuses — without changing anything — every message
 * that is malformed, too large, too frequent, out of turn, illegal or for another seat.
 */
import { createHash, createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { ClientState, Protocol, Room, ServerError, type Client } from '@colyseus/core';
import { decode, StateView, type Iterator } from '@colyseus/schema';
import { unpack } from 'msgpackr';
import { CHANCE, Rng, SIMULTANEOUS, teamOf, type Game, type GameState } from '../core/index.ts';
import { seriesGameSeed } from '../src/eval/match.ts';
import { checkOpeningPlies, openingSeed, playRandomOpening } from '../src/eval/openings.ts';
import { log } from '../core/log.ts';
import type { AgentPool } from './agent-pool.ts';
import { isAllowedSpec, servedName, type CustomAgent, type ListedAgent } from './agents.ts';
import {
  CLIENT_MESSAGE_TYPES,
  CLOSE_MISBEHAVING,
  MAX_CLIENTS,
  MAX_MESSAGE_BYTES,
  MAX_MESSAGES_PER_SECOND,
  MAX_STRIKES,
  TO_MOVE_NONE,
  TO_MOVE_SIMULTANEOUS,
  describeZodError,
  moveMessageSchema,
  rematchMessageSchema,
  roomOptionsSchema,
  type AgentView,
  type ErrorCode,
  type MatchResult,
  type Phase,
  type RoomOptions,
  type SeatKind,
  type SeatMessage,
} from './protocol.ts';
import type { MatchSink } from './records.ts';
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

export interface RoomLimits {
  readonly messageBytes: number;
  readonly messagesPerSecond: number;
  readonly strikes: number;
}

export const DEFAULT_LIMITS: RoomLimits = { messageBytes: MAX_MESSAGE_BYTES, messagesPerSecond: MAX_MESSAGES_PER_SECOND, strikes: MAX_STRIKES };

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

interface ClientInfo {
  seat: number | null;
  strikes: number;
  windowStart: number;
  count: number;
  kicked: boolean;
}

const PROTOCOL_CODE_MASK = 0x1f;
const MESSAGE_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);

/** Seed of game `g` of a room: the series' own (playSeries), so a seeded room replays an offline series. */
export function gameSeed(base: number, g: number): number {
  return seriesGameSeed(base, g);
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

  private gs!: GameState;
  private occupants: (Occupant | null)[] = [];
  private readonly infos = new Map<string, ClientInfo>();
  private baseSeed = 0;
  private tickMs = 500;
  private creatorPending = true;
  private mask!: Uint8Array;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private tickTimer: ReturnType<typeof setTimeout> | null = null;
  /** Submitted actions of the current simultaneous tick (−1: none yet). */
  private pending!: Int32Array;
  /** Server-side agents still thinking about the current tick. */
  private thinking = 0;
  /** The current tick's time is up (it closes once `thinking` is 0). */
  private tickDue = false;
  private disposed = false;
  private recordMoves = false;
  private openingPlies = 0;
  private readonly openingRng = new Rng(0);
  /** Every transition of the current game (actions, chance outcomes, joint actions), for its `gameKey`. */
  private readonly history: number[] = [];
  /** Secret of the room's game keys (they must not reveal hidden cards). */
  private readonly keySecret = randomBytes(32);

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
    this.tickMs = opts.tickMs ?? this.ctx.tickMs;
    this.baseSeed = opts.seed ?? randomInt(0x100000000);
    this.openingPlies = opts.openingPlies ?? 0;
    try {
      checkOpeningPlies(info, this.openingPlies);
    } catch (err) {
      throw badOptions((err as Error).message);
    }
    this.mask = new Uint8Array(info.actions);
    this.pending = new Int32Array(info.seats).fill(-1);
    this.recordMoves = info.information === 'perfect' && info.dynamics === 'sequential';
    this.gs = this.game.newState(gameSeed(this.baseSeed, 0));
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
        agent = await serveAgent(spec, info, (this.baseSeed + seat + 1) >>> 0, serve);
      } catch (err) {
        this.disposeAgents();
        throw badOptions(`agent '${spec}': ${(err as Error).message}`);
      }
      const name = servedName(spec, info, this.ctx.listed);
      this.occupants[seat] = { kind: 'agent', name, sessionId: null, agent, spec, connected: true, vote: true, firstTeam: teamOf(info, seat) };
    }
    this.installMessageScreen();
    this.sync();
    // Workaround for @colyseus/schema 5.0.34: arrays written here and changed in the first patch can
    // desync a client that joins before that patch; flushing now makes the first patch start clean.
    this.broadcastPatch();
  }

  override onJoin(client: Client, raw: unknown): void {
    const opts = this.parseOptions(raw);
    const creator = this.creatorPending;
    this.creatorPending = false;
    if (!creator && (opts.agents !== undefined || opts.seed !== undefined || opts.tickMs !== undefined || opts.openingPlies !== undefined)) {
      throw badOptions('agents, seed, tickMs and openingPlies can only be given when the room is created');
    }
    const info: ClientInfo = { seat: null, strikes: 0, windowStart: 0, count: 0, kicked: false };
    client.view = new StateView();
    if (opts.spectator) {
      this.infos.set(client.sessionId, info);
      this.sendSeat(client, info);
      // a room of server-side agents only starts when its first spectator arrives
      if (this.phase() === 'waiting') this.tryStart();
      return;
    }
    const seat = this.freeSeat(opts.seat);
    if (seat === null) throw new ServerError(409, 'ROOM_FULL: no free seat (join with spectator: true to watch)');
    info.seat = seat;
    this.infos.set(client.sessionId, info);
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
    this.sendSeat(client, info);
    this.updatePrivacy();
    if (!this.tryStart()) this.flush();
  }

  /** A connection lost without a consented leave: the seat (or the spectator's place) is kept for the grace period. */
  override onDrop(client: Client): void {
    const info = this.infos.get(client.sessionId);
    if (!info || info.kicked) return; // → onLeave
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
    if (!info || info.seat === null) return;
    const seat = info.seat;
    const occ = this.occupants[seat];
    if (!occ || occ.sessionId !== client.sessionId) return;
    if (this.phase() === 'playing') this.forfeit(seat, `${occ.name} left the game`);
    this.occupants[seat] = null;
    this.updatePrivacy();
    if (!this.disposed) this.flush();
  }

  override onDispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.tickTimer) clearTimeout(this.tickTimer);
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

  /**
   * Screens every client frame before Colyseus decodes it: protocol frames (join ack, ping, leave)
   * pass; messages are rate-limited, size-checked, decoded defensively and dispatched here, so a
   * malformed one earns an `error` reply instead of Colyseus' default of dropping the connection.
   */
  private installMessageScreen(): void {
    const self = this as unknown as { _onMessage: (client: Client, buffer: Buffer) => void };
    const original = self._onMessage.bind(this);
    self._onMessage = (client: Client, buffer: Buffer) => {
      if (!buffer || buffer.byteLength === 0) return;
      const code = buffer[0]! & PROTOCOL_CODE_MASK;
      if (code === Protocol.JOIN_ROOM || code === Protocol.PING || code === Protocol.LEAVE_ROOM) {
        original(client, buffer);
        return;
      }
      if (client.state === ClientState.LEAVING) return;
      this.screen(client, buffer, code);
    };
  }

  private screen(client: Client, buffer: Buffer, code: number): void {
    const info = this.infos.get(client.sessionId);
    if (!info || info.kicked) return;
    const now = Date.now();
    if (now - info.windowStart >= 1000) {
      info.windowStart = now;
      info.count = 0;
    }
    const limits = this.ctx.limits;
    if (++info.count > limits.messagesPerSecond) return this.refuse(client, 'RATE_LIMITED', `more than ${limits.messagesPerSecond} messages per second`);
    if (buffer.byteLength > limits.messageBytes) return this.refuse(client, 'MESSAGE_TOO_LARGE', `messages are limited to ${limits.messageBytes} bytes (got ${buffer.byteLength})`);
    if (code !== Protocol.ROOM_DATA) return this.refuse(client, 'BAD_MESSAGE', 'only plain messages (room.send) are accepted');
    let type: unknown;
    let payload: unknown;
    try {
      const it: Iterator = { offset: 1 };
      type = decode.stringCheck(buffer, it) ? decode.string(buffer, it) : decode.number(buffer, it);
      payload = buffer.byteLength > it.offset ? unpack(buffer.subarray(it.offset)) : undefined;
    } catch {
      return this.refuse(client, 'BAD_MESSAGE', 'undecodable message');
    }
    if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
      return this.refuse(client, 'BAD_MESSAGE', `unknown message type ${JSON.stringify(String(type)).slice(0, 40)}; known: ${CLIENT_MESSAGE_TYPES.join(', ')}`);
    }
    if (type === 'move') this.onMove(client, info, payload);
    else this.onRematch(client, info, payload);
  }

  /** Answers a refused message with `error`; it counts towards disconnection unless it is a benign race (`strike` false). */
  private refuse(client: Client, code: ErrorCode, message: string, strike = true): void {
    client.send('error', { code, message });
    const info = this.infos.get(client.sessionId);
    if (!info || !strike) return;
    const max = this.ctx.limits.strikes;
    if (++info.strikes >= max && !info.kicked) {
      info.kicked = true;
      client.send('error', { code, message: `disconnected after ${max} refused messages` });
      client.leave(CLOSE_MISBEHAVING, 'too many refused messages');
    }
  }

  private onMove(client: Client, info: ClientInfo, payload: unknown): void {
    const seat = info.seat;
    if (seat === null) return this.refuse(client, 'NOT_A_PLAYER', 'spectators cannot move');
    const parsed = moveMessageSchema.safeParse(payload);
    if (!parsed.success) return this.refuse(client, 'BAD_MESSAGE', `move: ${describeZodError(parsed.error)}`);
    const phase = this.phase();
    if (phase === 'waiting') return this.refuse(client, 'NOT_STARTED', 'the game has not started: seats are still free');
    if (phase === 'finished') return this.refuse(client, 'GAME_OVER', 'the game is over (send rematch for another)');
    const { action, step } = parsed.data;
    if (step !== undefined && step !== this.gs.stepCount()) return this.refuse(client, 'STALE_MOVE', `move for step ${step}, but the game is at step ${this.gs.stepCount()}`, false); // a move that crossed a tick
    const cur = this.gs.currentSeat();
    if (cur === SIMULTANEOUS) {
      if (this.gs.legalMask(seat, this.mask) === 0) return this.refuse(client, 'NOT_YOUR_TURN', `seat ${seat} has no move this tick`);
      if (!this.mask[action]) return this.refuse(client, 'ILLEGAL_ACTION', `action ${action} is not legal for seat ${seat} now`);
      this.pending[seat] = action;
      this.maybeApplyTick();
      return;
    }
    if (cur !== seat) return this.refuse(client, 'NOT_YOUR_TURN', cur >= 0 ? `seat ${cur} is to move` : 'nobody is to move');
    this.gs.legalMask(seat, this.mask);
    if (!this.mask[action]) return this.refuse(client, 'ILLEGAL_ACTION', `action ${action} is not legal for seat ${seat} now`);
    this.applyMove(seat, action);
    this.advance();
  }

  private onRematch(client: Client, info: ClientInfo, payload: unknown): void {
    if (info.seat === null) return this.refuse(client, 'NOT_A_PLAYER', 'spectators cannot vote for a rematch');
    if (!rematchMessageSchema.safeParse(payload).success) return this.refuse(client, 'BAD_MESSAGE', 'rematch takes no payload');
    if (this.phase() !== 'finished') return this.refuse(client, 'NOT_FINISHED', 'a rematch can be asked for once the game is over');
    const occ = this.occupants[info.seat]!;
    occ.vote = true;
    if (!this.tryStart()) this.flush();
  }

  // ---- the game ----

  private phase(): Phase {
    return this.state.phase as Phase;
  }

  private freeSeat(preferred: number | undefined): number | null {
    if (this.phase() === 'playing') return null;
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
    const phase = this.phase();
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
    const seed = gameSeed(this.baseSeed, g);
    this.gs.reset(seed);
    for (const occ of this.occupants) {
      if (!occ) continue;
      occ.vote = occ.kind === 'agent';
      occ.agent?.reset(seed ^ (occ.firstTeam === 0 ? 0x5bd1e995 : 0x1b873593));
    }
    this.state.moves.clear();
    this.history.length = 0;
    this.state.result = '';
    this.state.phase = 'playing';
    this.broadcast('events', { type: 'start', gameNumber: g });
    if (this.openingPlies > 0) {
      // the opening of the pair of games g belongs to, drawn on a copy and then played as moves everyone sees
      const opening: number[] = [];
      this.openingRng.seed(openingSeed(this.baseSeed, g >> 1));
      playRandomOpening(this.gs.clone(), this.openingPlies, this.openingRng, opening);
      for (const action of opening) this.applyMove(this.gs.currentSeat(), action);
    }
    this.advance();
  }

  private applyMove(seat: number, action: number): void {
    const name = this.recordMoves ? this.gs.actionName(action) : '';
    const step = this.gs.stepCount();
    this.gs.apply(action);
    this.history.push(action);
    if (this.recordMoves) {
      this.state.moves.push(action);
      this.broadcast('events', { type: 'move', seat, action, name, step });
    }
  }

  /** Plays chance events, then hands the turn to whoever acts next (or finishes the game). */
  private advance(): void {
    if (this.disposed) return;
    while (this.gs.currentSeat() === CHANCE) {
      const outcome = this.gs.applyChance();
      this.history.push(outcome);
      if (this.recordMoves) this.state.moves.push(outcome);
    }
    const cur = this.gs.currentSeat();
    if (this.gs.isTerminal()) {
      const ret = new Float64Array(this.game.info.seats);
      this.gs.returns(ret);
      this.finish({ returns: Array.from(ret), winnerTeam: this.winnerTeam(ret) });
      return;
    }
    if (cur === SIMULTANEOUS) {
      this.startTick();
    } else if (cur >= 0 && this.occupants[cur]?.kind === 'agent') {
      const step = this.gs.stepCount();
      const move = () => void this.agentMove(cur, step).catch((err: Error) => this.onUncaughtException(err, 'agentMove'));
      this.later(move, this.allAgents() ? this.ctx.agentOnlyDelayMs : this.ctx.agentDelayMs);
    }
    this.flush();
  }

  private winnerTeam(ret: Float64Array): number | null {
    const sums = this.game.info.teams.map((team) => team.reduce((a, s) => a + ret[s]!, 0));
    let best = -1;
    let tie = false;
    for (let t = 0; t < sums.length; t++) {
      if (best < 0 || sums[t]! > sums[best]!) {
        best = t;
        tie = false;
      } else if (sums[t] === sums[best]) tie = true;
    }
    return tie ? null : best;
  }

  /**
   * Asks a server-side agent for its move at the current position (it thinks in the agent pool, or on
   * this thread: served-agent.ts). Null when the answer no longer matters (the game moved on or ended,
   * the room closed) or the agent failed: a throw, a crash, an illegal move or a missed deadline
   * forfeits its side's game.
   */
  private async agentAction(seat: number): Promise<number | null> {
    const occ = this.occupants[seat]!;
    const agent = occ.agent!;
    const game = this.state.gameNumber;
    const step = this.gs.stepCount();
    const current = () => !this.disposed && this.phase() === 'playing' && this.state.gameNumber === game && this.gs.stepCount() === step;
    try {
      const action = await agent.move(this.gs, seat);
      if (!current()) return null;
      this.gs.legalMask(seat, this.mask);
      if (!Number.isInteger(action) || !this.mask[action]) throw new Error(`returned illegal action ${String(action)}`);
      return action;
    } catch (err) {
      if (!current()) return null;
      log.warn(`room ${this.roomId}: agent '${occ.spec}' at seat ${seat} failed: ${(err as Error).message}`);
      this.forfeit(seat, `agent '${occ.spec}' failed: ${(err as Error).message}`);
      return null;
    }
  }

  private async agentMove(seat: number, step: number): Promise<void> {
    if (this.disposed || this.phase() !== 'playing' || this.gs.currentSeat() !== seat || this.gs.stepCount() !== step) return;
    const action = await this.agentAction(seat);
    if (action === null) return;
    this.applyMove(seat, action);
    this.advance();
  }

  /** Opens a simultaneous tick: agents think meanwhile; it closes on its timer or when every client seat has moved, once every agent has answered. */
  private startTick(): void {
    this.pending.fill(-1);
    this.tickDue = false;
    this.thinking = 0;
    for (let s = 0; s < this.occupants.length; s++) {
      if (this.occupants[s]?.kind !== 'agent' || this.gs.legalMask(s, this.mask) === 0) continue;
      this.thinking++;
      void this.agentAction(s).then((a) => {
        if (a === null) return; // stale, or the agent's side forfeited
        this.pending[s] = a;
        this.thinking--;
        this.maybeApplyTick();
      });
    }
    this.state.deadline = Date.now() + this.tickMs;
    const step = this.gs.stepCount();
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      if (this.disposed || this.phase() !== 'playing' || this.gs.stepCount() !== step) return;
      this.tickDue = true;
      this.maybeApplyTick();
    }, this.tickMs);
  }

  private maybeApplyTick(): void {
    if (this.thinking === 0 && (this.tickDue || this.allClientsMoved())) this.applyTick();
  }

  /** True when every client seat with a move this tick has sent one (and there is at least one client seat). */
  private allClientsMoved(): boolean {
    let clients = 0;
    for (let s = 0; s < this.occupants.length; s++) {
      const occ = this.occupants[s];
      if (!occ || occ.kind === 'agent' || this.gs.legalMask(s, this.mask) === 0) continue;
      clients++;
      if (this.pending[s]! < 0) return false;
    }
    return clients > 0;
  }

  /** Applies the tick's joint action; a seat that sent nothing stays (action 0, or its first legal action). */
  private applyTick(): void {
    if (this.tickTimer) {
      clearTimeout(this.tickTimer);
      this.tickTimer = null;
    }
    const seats = this.game.info.seats;
    const joint = new Int32Array(seats);
    for (let s = 0; s < seats; s++) {
      if (this.gs.legalMask(s, this.mask) === 0) continue;
      const p = this.pending[s]!;
      joint[s] = p >= 0 && this.mask[p] ? p : this.mask[0] ? 0 : this.mask.indexOf(1);
    }
    this.gs.applyJoint(joint);
    for (let s = 0; s < seats; s++) this.history.push(joint[s]!);
    this.state.deadline = 0;
    this.advance();
  }

  private forfeit(seat: number, reason: string): void {
    const info = this.game.info;
    const team = teamOf(info, seat);
    const returns = Array.from({ length: info.seats }, (_, s) => (teamOf(info, s) === team ? -1 : 1));
    const winnerTeam = info.teams.length === 2 ? 1 - team : null;
    this.finish({ returns, winnerTeam, forfeit: { seat, team, reason } });
  }

  private finish(outcome: MatchResult): void {
    const result: MatchResult = { ...outcome, gameKey: createHmac('sha256', this.keySecret).update(this.history.join(',')).digest('base64url').slice(0, 22) };
    if (this.tickTimer) {
      clearTimeout(this.tickTimer);
      this.tickTimer = null;
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.state.phase = 'finished';
    this.state.deadline = 0;
    this.state.result = JSON.stringify(result);
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
      seed: gameSeed(this.baseSeed, this.state.gameNumber),
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
    const playing = st.phase === 'playing';
    const cur = gs.currentSeat();
    const toMove = playing ? (cur >= 0 ? cur : cur === SIMULTANEOUS ? TO_MOVE_SIMULTANEOUS : TO_MOVE_NONE) : TO_MOVE_NONE;
    if (st.toMove !== toMove) st.toMove = toMove;
    if (st.step !== gs.stepCount()) st.step = gs.stepCount();
    const pub = JSON.stringify(gs.view(null));
    if (st.publicView !== pub) st.publicView = pub;
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
      legal: this.state.phase === 'playing' ? this.gs.legalActions(seat) : [],
    };
  }

  private sendSeat(client: Client, info: ClientInfo): void {
    const msg: SeatMessage = { seat: info.seat, spectator: info.seat === null, game: this.game.info.id, gameNumber: this.state.gameNumber };
    client.send('seat', msg);
  }

  private allAgents(): boolean {
    return this.occupants.every((o) => o?.kind === 'agent');
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
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
