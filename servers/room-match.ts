/**
 * The match flow of a room: its games are one `Match` (src/eval/match.ts) — the one `playSeries`
 * plays offline — driven by client moves and server-side agents. A client's move (an action id, or an
 * action vector in a continuous game) comes in through `move` and is refused, with an error code and
 * the game's reason, unless it is that seat's turn and legal (a vector's out-of-box components are
 * legal: the game clips them). A server-side
 * agent is asked for its move when its seat is to act (after a delay, so people can follow), and
 * thinks meanwhile in the agent pool or on this thread (served-agent.ts). A simultaneous node is a
 * tick that closes at its deadline or once every client seat has moved, after every agent answered.
 * An agent that throws, crashes, answers an illegal action or misses its deadline forfeits its side.
 *
 * No transport and no seats here: the room says who plays each seat when a game starts, passes
 * moves in, and hears what happened through `RoomMatchEvents`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { SIMULTANEOUS, type Game, type Move, type Seat } from '../core/index.ts';
import { log } from '../core/log.ts';
import { Match, seriesGameSeed, type GameResult } from '../src/eval/match.ts';
import type { OpeningScheme } from '../src/eval/openings.ts';
import type { ErrorCode, MatchResult, Phase } from './protocol.ts';
import type { ServedAgent } from './served-agent.ts';

/** A server-side agent in a seat. */
export interface SeatAgent {
  readonly agent: ServedAgent;
  /** Its spec, named when it fails. */
  readonly spec: string;
  /** The side it played in the room's first game (fixes its reset seed, as in playSeries). */
  readonly firstTeam: number;
}

/** What the room hears from its match. */
export interface RoomMatchEvents {
  /** A seat's action was applied (opening plies included): its name in the position it was played in, and its step. */
  moved(seat: Seat, action: number, name: string, step: number): void;
  /** Clients should see the game as it is now. */
  changed(): void;
  /** The game ended. */
  ended(result: MatchResult): void;
  /** Work done outside a client's message (an agent's move) failed. */
  failed(err: Error, where: string): void;
}

export interface RoomMatchOptions {
  readonly game: Game;
  /** Seed of the room's games (game g: `seriesGameSeed(seed, g)`). */
  readonly seed: number;
  readonly openingPlies: number;
  /** How each pair's opening is picked (default `random`). */
  readonly openings?: OpeningScheme;
  /** Length of a simultaneous tick, ms. */
  readonly tickMs: number;
  /** Delay before a server-side agent moves in a game with clients, ms. */
  readonly agentDelayMs: number;
  /** Delay between moves when every seat is a server-side agent, ms. */
  readonly agentOnlyDelayMs: number;
  /** How log lines name the room. */
  readonly label: string;
  readonly events: RoomMatchEvents;
}

/** A refused move: its error code and message, and whether it counts as a strike (false for a benign race). */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly strike: boolean;
}

const refusal = (code: ErrorCode, message: string, strike = true): Refusal => ({ code, message, strike });

export class RoomMatch {
  readonly match: Match;
  private readonly opts: RoomMatchOptions;
  private readonly events: RoomMatchEvents;
  private current: Phase = 'waiting';
  private tickDeadline = 0;
  private outcome: MatchResult | null = null;
  /** The server-side agent of each seat in the current game (null: a client plays it). */
  private agents: (SeatAgent | null)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private tickTimer: ReturnType<typeof setTimeout> | null = null;
  /** Server-side agents still thinking about the current tick. */
  private thinking = 0;
  /** The current tick's time is up (it closes once `thinking` is 0). */
  private tickDue = false;
  private disposed = false;
  /** Secret of the room's game keys (they must not reveal hidden cards). */
  private readonly keySecret = randomBytes(32);

  constructor(opts: RoomMatchOptions) {
    this.opts = opts;
    this.events = opts.events;
    // seeded as game 0 already, so that the room shows before its first game the position it will start from
    const state = opts.game.newState(seriesGameSeed(opts.seed, 0));
    this.match = new Match({ state, seed: opts.seed, openingPlies: opts.openingPlies, openings: opts.openings ?? 'random', onMove: (seat, action, name, step) => this.events.moved(seat, action, name, step) });
  }

  get phase(): Phase {
    return this.current;
  }

  /** ms epoch of the current tick's deadline, 0 when no tick is open. */
  get deadline(): number {
    return this.tickDeadline;
  }

  /** How the last game ended (null while none has). */
  get result(): MatchResult | null {
    return this.outcome;
  }

  /** Starts game `g`; `agents[s]` plays seat s (null: a client does). */
  start(g: number, agents: readonly (SeatAgent | null)[]): void {
    this.agents = [...agents];
    this.outcome = null;
    this.current = 'playing';
    this.match.start(g);
    for (const a of this.agents) a?.agent.reset(this.match.agentSeed(a.firstTeam));
    this.advance();
  }

  /** A client's move for `seat` (optionally meant for `step`): null once taken, else why it was refused (nothing changed). */
  move(seat: Seat, action: Move, step: number | undefined): Refusal | null {
    if (this.current === 'waiting') return refusal('NOT_STARTED', 'the game has not started: seats are still free');
    if (this.current === 'finished') return refusal('GAME_OVER', 'the game is over (send rematch for another)');
    const now = this.match.state.stepCount();
    if (step !== undefined && step !== now) return refusal('STALE_MOVE', `move for step ${step}, but the game is at step ${now}`, false); // a move that crossed a tick
    const cur = this.match.toMove();
    if (cur === SIMULTANEOUS) {
      if (!this.match.hasMove(seat)) return refusal('NOT_YOUR_TURN', `seat ${seat} has no move this tick`);
      const why = this.match.whyIllegal(seat, action);
      if (why !== null) return refusal('ILLEGAL_ACTION', why);
      this.match.submit(seat, action);
      this.maybeCloseTick();
      return null;
    }
    if (cur !== seat) return refusal('NOT_YOUR_TURN', cur >= 0 ? `seat ${cur} is to move` : 'nobody is to move');
    const why = this.match.whyIllegal(seat, action);
    if (why !== null) return refusal('ILLEGAL_ACTION', why);
    this.match.apply(seat, action);
    this.advance();
    return null;
  }

  /** Ends the game being played with `seat`'s side losing by forfeit. */
  forfeit(seat: Seat, reason: string): void {
    this.finish(this.match.forfeit(seat, reason));
  }

  /** Stops every timer; answers that arrive later are dropped. */
  dispose(): void {
    this.disposed = true;
    this.clearTimers();
  }

  /** Hands the turn to whoever acts next, or finishes the game. */
  private advance(): void {
    if (this.disposed) return;
    const result = this.match.result();
    if (result) return this.finish(result);
    const cur = this.match.toMove();
    if (cur === SIMULTANEOUS) {
      this.startTick();
    } else if (this.agents[cur]) {
      const step = this.match.state.stepCount();
      const move = () => void this.agentMove(cur, step).catch((err: Error) => this.events.failed(err, 'agentMove'));
      this.later(move, this.agents.every((a) => a !== null) ? this.opts.agentOnlyDelayMs : this.opts.agentDelayMs);
    }
    this.events.changed();
  }

  /**
   * Asks a server-side agent for its move at the current position. Null when the answer no longer
   * matters (the game moved on or ended, the room closed) or the agent failed: a throw, a crash, an
   * illegal move or a missed deadline forfeits its side's game.
   */
  private async agentAction(seat: Seat): Promise<Move | null> {
    const { agent, spec } = this.agents[seat]!;
    const game = this.match.gameNumber;
    const step = this.match.state.stepCount();
    const current = () => !this.disposed && this.current === 'playing' && this.match.gameNumber === game && this.match.state.stepCount() === step;
    try {
      const action = await agent.move(this.match.state, seat);
      if (!current()) return null;
      if (!this.match.isLegal(seat, action)) throw new Error(`returned illegal action ${Array.isArray(action) ? `[${action.join(', ')}]` : String(action)}`);
      return action;
    } catch (err) {
      if (!current()) return null;
      log.warn(`room ${this.opts.label}: agent '${spec}' at seat ${seat} failed: ${(err as Error).message}`);
      this.forfeit(seat, `agent '${spec}' failed: ${(err as Error).message}`);
      return null;
    }
  }

  private async agentMove(seat: Seat, step: number): Promise<void> {
    if (this.disposed || this.current !== 'playing' || this.match.toMove() !== seat || this.match.state.stepCount() !== step) return;
    const action = await this.agentAction(seat);
    if (action === null) return;
    this.match.apply(seat, action);
    this.advance();
  }

  /** Opens a simultaneous tick: agents think meanwhile; it closes on its timer or when every client seat has moved, once every agent has answered. */
  private startTick(): void {
    this.tickDue = false;
    this.thinking = 0;
    for (let s = 0; s < this.agents.length; s++) {
      if (!this.agents[s] || !this.match.hasMove(s)) continue;
      this.thinking++;
      void this.agentAction(s).then((a) => {
        if (a === null) return; // stale, or the agent's side forfeited
        this.match.submit(s, a);
        this.thinking--;
        this.maybeCloseTick();
      });
    }
    this.tickDeadline = Date.now() + this.opts.tickMs;
    const step = this.match.state.stepCount();
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      if (this.disposed || this.current !== 'playing' || this.match.state.stepCount() !== step) return;
      this.tickDue = true;
      this.maybeCloseTick();
    }, this.opts.tickMs);
  }

  private maybeCloseTick(): void {
    if (this.thinking === 0 && (this.tickDue || this.allClientsMoved())) this.closeTick();
  }

  /** True when every client seat with a move this tick has sent one (and there is at least one client seat). */
  private allClientsMoved(): boolean {
    let clients = 0;
    for (let s = 0; s < this.agents.length; s++) {
      if (this.agents[s] || !this.match.hasMove(s)) continue;
      clients++;
      if (!this.match.submitted(s)) return false;
    }
    return clients > 0;
  }

  private closeTick(): void {
    if (this.tickTimer) {
      clearTimeout(this.tickTimer);
      this.tickTimer = null;
    }
    this.match.closeTick();
    this.tickDeadline = 0;
    this.advance();
  }

  private finish(outcome: GameResult): void {
    const gameKey = createHmac('sha256', this.keySecret).update(this.match.history.join(',')).digest('base64url').slice(0, 22);
    this.clearTimers();
    this.current = 'finished';
    this.tickDeadline = 0;
    this.outcome = { ...outcome, gameKey };
    this.events.ended(this.outcome);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
  }

  private clearTimers(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
