/**
 * Bots as network clients: an `Agent` plays one seat of a server room using only what that seat
 * receives.
 *
 * How a bot gets a `GameState` for `agent.act` without seeing more than its seat may:
 * - Perfect-information sequential games (tic-tac-toe, Connect Four): every action is public, so the
 *   room publishes the move list (`moves`) and the bot replays it into a local state through the
 *   game contract. Any agent works, search bots included.
 * - Every other game (Kuhn, Leduc, grid soccer, duel): a bot seat (`bot: true` when joining) receives its
 *   `agentView`: its observation vector, information-state string and legal actions, computed by the
 *   server from the real state. The bot wraps it in a seat-only `GameState` that answers `observe`,
 *   `informationState`, `legalMask` and `view` for its own seat and refuses anything else. Agents
 *   that play from observations (policy checkpoints, league snapshots, random, nash, the soccer
 *   heuristic) work; agents that need the hidden state (tree search on an imperfect-information
 *   game) fail with a clear error. Replaying a history is impossible there without revealing hidden
 *   cards or positions, so the server never sends one.
 */
import { AgentMismatchError, agentMove, SIMULTANEOUS, TERMINAL, teamOf, type Agent, type Game, type GameInfo, type GameState, type Seat, type StateData } from '../core/index.ts';
import { MatchClient } from './client.ts';
import { publishesMoves, TO_MOVE_SIMULTANEOUS, roomNameOf, type AgentView, type MatchResult, type RoomOptions } from './protocol.ts';

/** A `GameState` that knows one seat's view of the game and nothing else. */
export class SeatOnlyState implements GameState {
  readonly info: GameInfo;
  private readonly av: AgentView;
  private readonly toMove: number;
  private readonly seatView: Record<string, unknown> | null;

  constructor(info: GameInfo, av: AgentView, toMove: number, seatView: Record<string, unknown> | null) {
    this.info = info;
    this.av = av;
    this.toMove = toMove;
    this.seatView = seatView;
  }

  private own(seat: Seat, what: string): void {
    if (seat !== this.av.seat) throw new AgentMismatchError(`a network bot at seat ${this.av.seat} cannot read ${what} of seat ${seat}`);
  }

  private unavailable(what: string): never {
    throw new AgentMismatchError(
      `a network bot sees only its own seat of ${this.info.id}: ${what} is not available (use an agent that plays from observations: a checkpoint, random, nash, heuristic)`,
    );
  }

  currentSeat(): number {
    return this.toMove === TO_MOVE_SIMULTANEOUS ? SIMULTANEOUS : this.toMove;
  }
  isTerminal(): boolean {
    return this.toMove === TERMINAL;
  }
  isTruncated(): boolean {
    return false;
  }
  stepCount(): number {
    return this.av.step;
  }
  legalMask(seat: Seat, out: Uint8Array): number {
    this.own(seat, 'the legal actions');
    out.fill(0, 0, this.info.actions);
    for (const a of this.av.legal) out[a] = 1;
    return this.av.legal.length;
  }
  legalActions(seat: Seat): number[] {
    this.own(seat, 'the legal actions');
    return [...this.av.legal];
  }
  observe(seat: Seat, out: Float32Array, offset = 0): void {
    this.own(seat, 'the observation');
    out.set(this.av.observation, offset);
  }
  informationState(seat: Seat): string {
    this.own(seat, 'the information state');
    return this.av.informationState;
  }
  view(seat: Seat | null): Record<string, unknown> {
    if (seat !== this.av.seat || !this.seatView) return this.unavailable('view(other seat)');
    return this.seatView;
  }
  actionName(action: number): string {
    return String(action);
  }
  clone(): GameState {
    return new SeatOnlyState(this.info, this.av, this.toMove, this.seatView);
  }
  apply(): void {
    this.unavailable('apply');
  }
  applyJoint(): void {
    this.unavailable('applyJoint');
  }
  applyContinuous(): void {
    this.unavailable('applyContinuous');
  }
  applyJointContinuous(): void {
    this.unavailable('applyJointContinuous');
  }
  chanceProbabilities(): void {
    this.unavailable('chanceProbabilities');
  }
  applyChance(): number {
    return this.unavailable('applyChance');
  }
  rewards(): void {
    this.unavailable('rewards');
  }
  returns(): void {
    this.unavailable('returns');
  }
  globalState(): void {
    this.unavailable('globalState');
  }
  render(): string {
    return this.unavailable('render');
  }
  serialize(): StateData {
    return this.unavailable('serialize');
  }
  reset(): void {
    this.unavailable('reset');
  }
}

/** One finished game as a bot saw it. */
export interface BotGame {
  readonly gameNumber: number;
  readonly seat: number;
  readonly team: number;
  readonly result: MatchResult;
  /** Sum of the returns of the bot's team. */
  readonly teamReturn: number;
  readonly outcome: 'win' | 'draw' | 'loss';
}

export interface SeatPlayerOptions {
  readonly game: Game;
  readonly agent: Agent;
  /** Games to play (the bot asks for rematches until then); default 1. */
  readonly games?: number;
  /** Called once per game number, before the bot's first move in it (reseed agents here). */
  readonly onGameStart?: (gameNumber: number) => void;
  readonly onGame?: (g: BotGame) => void;
  /** Leave the room after the last game (default true). */
  readonly leaveAtEnd?: boolean;
}

/**
 * Drives one seat: whenever the state says this seat is to act (or, at a simultaneous node, has a
 * move this tick) and the seat's information for that step has arrived, asks the agent and sends
 * `move` with the step it is meant for: an action id, or an action vector in a continuous game.
 */
export class SeatPlayer {
  readonly client: MatchClient;
  readonly games: BotGame[] = [];
  private readonly opts: SeatPlayerOptions;
  /** The room publishes the moves: the bot replays them into a local state (else it reads its agentView). */
  private readonly replaysMoves: boolean;
  private lastKey = '';
  private local: GameState | null = null;
  private localGame = -1;
  private applied = 0;
  private started = -1;
  private finishedSeen = -1;
  private done!: Promise<BotGame[]>;
  private settle!: { resolve: (g: BotGame[]) => void; reject: (e: Error) => void };
  private unsubscribe: () => void = () => undefined;

  constructor(client: MatchClient, opts: SeatPlayerOptions) {
    this.client = client;
    this.opts = opts;
    const info = opts.game.info;
    this.replaysMoves = publishesMoves(info);
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined);
  }

  /** Starts playing; resolves with the games once `games` are finished. */
  play(): Promise<BotGame[]> {
    this.unsubscribe = this.client.subscribe(() => this.step());
    this.step();
    return this.done;
  }

  private fail(err: Error): void {
    this.unsubscribe();
    this.settle.reject(err);
  }

  private step(): void {
    try {
      this.stepUnsafe();
    } catch (err) {
      this.fail(err as Error);
      void this.client.leave().catch(() => undefined);
    }
  }

  private stepUnsafe(): void {
    const mc = this.client;
    if (mc.hasLeft) {
      if (this.games.length < (this.opts.games ?? 1)) this.fail(new Error(`left the room (code ${mc.leaveCode}) after ${this.games.length} game(s)`));
      return;
    }
    const st = mc.state;
    if (!st) return;
    const seat = mc.seatFor(st.gameNumber);
    if (seat === null) return;
    if (st.phase === 'finished') {
      this.onFinished(seat);
      return;
    }
    if (st.phase !== 'playing') return;
    if (st.gameNumber !== this.started) {
      this.started = st.gameNumber;
      this.opts.onGameStart?.(st.gameNumber);
    }
    const simultaneous = st.toMove === TO_MOVE_SIMULTANEOUS;
    if (!simultaneous && st.toMove !== seat) return;
    const key = `${st.gameNumber}:${st.step}`;
    if (key === this.lastKey) return;
    const gs = this.stateFor(seat);
    if (!gs) return; // this seat's information for the step has not arrived yet
    this.lastKey = key;
    if (simultaneous && gs.legalActions(seat).length === 0) return;
    mc.move(agentMove(this.opts.agent, gs, seat), st.step);
  }

  private onFinished(seat: number): void {
    const st = this.client.state;
    if (st.gameNumber === this.finishedSeen || !st.result) return;
    this.finishedSeen = st.gameNumber;
    if (this.started !== st.gameNumber) {
      // joined a room whose game was already over: not ours to count; ask for the next one
      this.client.rematch();
      return;
    }
    const result = JSON.parse(st.result) as MatchResult;
    const info = this.opts.game.info;
    const team = teamOf(info, seat);
    let mine = 0;
    for (let s = 0; s < info.seats; s++) if (teamOf(info, s) === team) mine += result.returns[s] ?? 0;
    const outcome = result.winnerTeam === null ? 'draw' : result.winnerTeam === team ? 'win' : 'loss';
    const g: BotGame = { gameNumber: st.gameNumber, seat, team, result, teamReturn: mine, outcome };
    this.games.push(g);
    this.opts.onGame?.(g);
    if (this.games.length >= (this.opts.games ?? 1)) {
      this.unsubscribe();
      this.settle.resolve(this.games);
      if (this.opts.leaveAtEnd ?? true) void this.client.leave().catch(() => undefined);
    } else {
      this.client.rematch();
    }
  }

  /** The state the agent acts on, or null while this step's information is still on its way. */
  private stateFor(seat: number): GameState | null {
    const st = this.client.state;
    if (this.replaysMoves) {
      if (this.localGame !== st.gameNumber || !this.local) {
        this.local = this.opts.game.newState(0);
        this.localGame = st.gameNumber;
        this.applied = 0;
      }
      const moves = st.moves;
      while (this.applied < moves.length) this.local.apply(moves[this.applied++]!);
      return this.local.stepCount() === st.step ? this.local : null;
    }
    const text = st.seats[seat]?.agentView;
    if (!text) return null;
    const av = JSON.parse(text) as AgentView;
    if (av.seat !== seat || av.step !== st.step || av.gameNumber !== st.gameNumber) return null;
    const viewText = st.seats[seat]?.view;
    return new SeatOnlyState(this.opts.game.info, av, st.toMove, viewText ? (JSON.parse(viewText) as Record<string, unknown>) : null);
  }
}

export interface BotOptions {
  /** `ws://host:port`. */
  readonly url: string;
  readonly game: Game;
  readonly agent: Agent;
  /** Join this room (else join any room of the game with a free seat, or create one). */
  readonly roomId?: string;
  /** Always create a new room. */
  readonly create?: boolean;
  readonly games?: number;
  readonly name?: string;
  readonly seat?: number;
  /** Extra create options (agents, seed, tickMs, token). */
  readonly options?: RoomOptions;
  readonly onGame?: (g: BotGame) => void;
  readonly onJoin?: (client: MatchClient) => void;
  /** Messages per second the bot allows itself (default 16, under the server's 20; null: unpaced). */
  readonly pace?: number | null;
}

/** Joins (or creates) a room as a bot client and plays `games` games; resolves with them. */
export async function runBot(opts: BotOptions): Promise<BotGame[]> {
  const client = await MatchClient.connect({
    url: opts.url,
    room: roomNameOf(opts.game.info.id),
    ...(opts.roomId ? { roomId: opts.roomId } : {}),
    create: opts.create ?? false,
    ...(opts.pace !== undefined ? { pace: opts.pace } : {}),
    options: { ...opts.options, bot: true, name: opts.name ?? opts.agent.name.slice(0, 32), ...(opts.seat !== undefined ? { seat: opts.seat } : {}) },
  });
  opts.onJoin?.(client);
  const player = new SeatPlayer(client, { game: opts.game, agent: opts.agent, games: opts.games ?? 1, ...(opts.onGame ? { onGame: opts.onGame } : {}) });
  return player.play();
}
