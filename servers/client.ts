/**
 * A network client of an arena server (`@colyseus/sdk`): joins or creates a room, keeps the seat
 * the server assigns (the `seat` message), collects `error` and `events` messages, and waits for
 * state conditions. Bots, the hosted tournament, the load benchmark and the tests all use it.
 */
import { Client, type Room } from '@colyseus/sdk';
import type { ErrorMessage, MatchResult, Phase, RoomOptions, SeatMessage } from './protocol.ts';

/** The synchronized state as the SDK decodes it (plain reads; see servers/state.ts). */
export interface RemoteSeat {
  readonly kind: string;
  readonly name: string;
  readonly connected: boolean;
  readonly rematch: boolean;
  readonly view?: string;
  readonly agentView?: string;
}

export interface RemoteState {
  readonly gameId: string;
  readonly phase: Phase;
  readonly toMove: number;
  readonly step: number;
  readonly gameNumber: number;
  readonly publicView: string;
  readonly seats: ArrayLike<RemoteSeat> & Iterable<RemoteSeat>;
  readonly result: string;
  readonly deadline: number;
  readonly rematchVotes: number;
  readonly moves: ArrayLike<number> & Iterable<number>;
  toJSON(): unknown;
}

export interface ConnectOptions {
  /** `ws://host:port` of the server. */
  readonly url: string;
  /** Room name (the unversioned game name). */
  readonly room: string;
  /** Join this room id (else: `create` when `create` is set, `joinOrCreate` otherwise). */
  readonly roomId?: string;
  readonly create?: boolean;
  readonly options?: RoomOptions;
  /**
   * Most `move`/`rematch` messages sent in any second (default 16, under the server's limit of
   * 20/s); more wait their turn. null: no pacing (for servers with a raised limit).
   */
  readonly pace?: number | null;
}

/** One connection to one room. */
export class MatchClient {
  readonly room: Room;
  /** The client's seat (null: spectator or not told yet). */
  seat: number | null = null;
  readonly errors: ErrorMessage[] = [];
  readonly events: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  private left = false;
  leaveCode: number | null = null;

  /** Seat per game number, from the `seat` messages (sides swap at each rematch). */
  private readonly seatByGame = new Map<number, number | null>();
  private readonly pace: number | null;
  private readonly sentAt: number[] = [];
  private readonly queue: (() => void)[] = [];
  private drainTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(room: Room, pace: number | null) {
    this.room = room;
    this.pace = pace;
    room.onMessage('seat', (m: SeatMessage) => {
      this.seat = m.seat;
      this.seatByGame.set(m.gameNumber, m.seat);
      this.poke();
    });
    room.onMessage('error', (m: ErrorMessage) => {
      this.errors.push(m);
      this.poke();
    });
    room.onMessage('events', (m: Record<string, unknown>) => {
      this.events.push(m);
      this.poke();
    });
    room.onStateChange(() => this.poke());
    room.onLeave((code: number) => {
      this.left = true;
      this.leaveCode = code;
      this.poke();
    });
  }

  static async connect(opts: ConnectOptions): Promise<MatchClient> {
    const client = new Client(opts.url);
    const options = opts.options ?? {};
    const room = opts.roomId
      ? await client.joinById(opts.roomId, options)
      : opts.create
        ? await client.create(opts.room, options)
        : await client.joinOrCreate(opts.room, options);
    return new MatchClient(room as Room, opts.pace === undefined ? 16 : opts.pace);
  }

  /** The seat this client holds in game `gameNumber` (null: spectator or not known yet). */
  seatFor(gameNumber: number): number | null {
    let best = -1;
    for (const g of this.seatByGame.keys()) if (g <= gameNumber && g > best) best = g;
    return best < 0 ? null : this.seatByGame.get(best)!;
  }

  /** Reconnects to a seat after a drop, with the dropped room's `room.reconnectionToken` (`roomId:token`). */
  static async reconnect(url: string, reconnectionToken: string, pace?: number | null): Promise<MatchClient> {
    const room = await new Client(url).reconnect(reconnectionToken);
    return new MatchClient(room as Room, pace === undefined ? 16 : pace);
  }

  get state(): RemoteState {
    return this.room.state as unknown as RemoteState;
  }

  get roomId(): string {
    return this.room.roomId;
  }

  get hasLeft(): boolean {
    return this.left;
  }

  /** This seat's private view (parsed) in the current state, or null. */
  seatView(): Record<string, unknown> | null {
    const seat = this.seatFor(this.state.gameNumber);
    if (seat === null) return null;
    const text = this.state.seats[seat]?.view;
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  }

  result(): MatchResult | null {
    return this.state.result ? (JSON.parse(this.state.result) as MatchResult) : null;
  }

  /** Sends a message now (no pacing). */
  send(type: string, payload?: unknown): void {
    this.room.send(type, payload);
  }

  /** Sends `move` (paced): the action for this client's seat (an action vector in a continuous game), optionally for a given step. */
  move(action: number | readonly number[], step?: number): void {
    this.paced(() => this.room.send('move', step === undefined ? { action } : { action, step }));
  }

  /** Votes for a rematch (paced). */
  rematch(): void {
    this.paced(() => this.room.send('rematch', {}));
  }

  private paced(fn: () => void): void {
    if (this.pace === null) return fn();
    this.queue.push(fn);
    this.drain();
  }

  private drain(): void {
    if (this.drainTimer) return;
    const limit = this.pace!;
    while (this.queue.length > 0 && !this.left) {
      const now = Date.now();
      while (this.sentAt.length > 0 && now - this.sentAt[0]! >= 1000) this.sentAt.shift();
      if (this.sentAt.length >= limit) {
        this.drainTimer = setTimeout(() => {
          this.drainTimer = null;
          this.drain();
        }, this.sentAt[0]! + 1000 - now + 5);
        return;
      }
      this.sentAt.push(now);
      this.queue.shift()!();
    }
  }

  /** Resolves when `pred()` holds (checked now and after every state change or message); rejects after `timeoutMs` or when the room is left. */
  waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        let ok = false;
        try {
          ok = pred();
        } catch {
          ok = false;
        }
        if (ok) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        if (this.left) {
          clearTimeout(timer);
          reject(new Error(`left the room (code ${this.leaveCode}) while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Calls `fn` after every state change and message until the returned function is called. */
  subscribe(fn: () => void): () => void {
    const listener = { fn };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly listeners = new Set<{ fn: () => void }>();

  private poke(): void {
    for (const l of [...this.listeners]) l.fn();
    for (const w of [...this.waiters]) w();
  }

  async leave(): Promise<void> {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.queue.length = 0;
    if (this.left) return;
    await this.room.leave(true);
  }
}
