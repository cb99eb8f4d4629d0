/**
 * The wire protocol of `arena serve`, shared by the server rooms and the network clients (bots, the
 * load benchmark, tests). the README's "Protocol" section describes it for clients in any language; this file is
 * its executable form: limits, error codes and the zod schemas that every option and message is
 * checked against before it can touch a room.
 */
import { z } from 'zod';
import type { GameInfo } from '../core/index.ts';

/** Default TCP port of `arena serve`. */
export const DEFAULT_PORT = 2567;
/** Largest client → server message accepted (bytes on the wire, type and payload included). */
export const MAX_MESSAGE_BYTES = 1024;
/** Messages per second a client may send; more are refused with RATE_LIMITED. */
export const MAX_MESSAGES_PER_SECOND = 20;
/** Refused messages after which a client is disconnected. */
export const MAX_STRIKES = 50;
/** Default time per tick of a simultaneous-move game. */
export const DEFAULT_TICK_MS = 500;
/** Default grace period for a dropped client to reconnect to its seat. */
export const DEFAULT_RECONNECT_SECONDS = 30;
/** Most clients (players and spectators) in one room. */
export const MAX_CLIENTS = 64;
/** WebSocket close code used when the server disconnects a misbehaving client. */
export const CLOSE_MISBEHAVING = 4008;

/** `toMove` while every seat moves at once (the game contract's SIMULTANEOUS). */
export const TO_MOVE_SIMULTANEOUS = -2;
/** `toMove` once the game is over (TERMINAL), and before it starts. */
export const TO_MOVE_NONE = -3;

export type Phase = 'waiting' | 'playing' | 'finished';
export type SeatKind = 'human' | 'bot' | 'agent' | 'empty';

/** Codes of the `error` message (server → client). */
export const ERROR_CODES = [
  'NOT_YOUR_TURN',
  'ILLEGAL_ACTION',
  'NOT_A_PLAYER',
  'BAD_MESSAGE',
  'MESSAGE_TOO_LARGE',
  'RATE_LIMITED',
  'GAME_OVER',
  'NOT_STARTED',
  'NOT_FINISHED',
  'STALE_MOVE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorMessage {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Options of `create`, `join`, `joinById` and `joinOrCreate`. Unknown keys are refused, so a typo
 * fails loudly instead of being ignored.
 */
export const roomOptionsSchema = z.strictObject({
  /** Preferred seat (taken if free, else the first free seat). */
  seat: z.number().int().min(0).max(63).optional(),
  /** Server-side agents, seat index → agent spec, chosen when the room is created. */
  agents: z.record(z.string().regex(/^\d{1,2}$/, 'seat keys are seat indexes such as "1"'), z.string().trim().min(1).max(300)).optional(),
  /** Watch without a seat; spectators never act. */
  spectator: z.boolean().optional(),
  /** Display name of the seat. */
  name: z.string().trim().max(32).optional(),
  /** Admin token (env ARENA_ADMIN_TOKEN on the server) for admin-only options. */
  token: z.string().max(256).optional(),
  /** A program rather than a person: the seat shows as `bot` and, in imperfect-information games, receives its observation. */
  bot: z.boolean().optional(),
  /** Tick length of a simultaneous-move game, ms (creation only). */
  tickMs: z.number().int().min(50).max(60_000).optional(),
  /** Seed of the room's games (admin only: a known seed reveals the deals). */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /**
   * Random plies that start each game, played by neither side (creation only; sequential games
   * without chance). Games 2p and 2p+1 share an opening, as in an offline series (src/eval/openings.ts).
   */
  openingPlies: z.number().int().min(0).max(64).optional(),
  /** How each pair's opening is picked with `openingPlies` (creation only): `random` (default) or `balanced` (src/eval/openings.ts). */
  openings: z.enum(['random', 'balanced']).optional(),
});
export type RoomOptions = z.infer<typeof roomOptionsSchema>;

/** Optional guard of a `move`: the `step` the move is meant for; a move for another step is refused (STALE_MOVE). */
const moveStep = z.number().int().min(0).optional();

/** `move`: the client's action for its own seat (at a simultaneous node: for the current tick). */
export const moveMessageSchema = z.strictObject({
  action: z.number().int().min(0).max(1_000_000),
  step: moveStep,
});
export type MoveMessage = z.infer<typeof moveMessageSchema>;

/** Most components of a continuous action on the wire. */
export const MAX_ACTION_COMPONENTS = 64;

/**
 * `move` in a continuous-action game (`GameInfo.actionSpace`): the action is an array of finite
 * numbers, one per component (zod's numbers refuse NaN and ±Infinity). The game itself refuses a
 * vector of the wrong length and clips components outside its box (core/game.ts `applyContinuous`).
 */
export const continuousMoveMessageSchema = z.strictObject({
  action: z.array(z.number()).min(1).max(MAX_ACTION_COMPONENTS),
  step: moveStep,
});
export type ContinuousMoveMessage = z.infer<typeof continuousMoveMessageSchema>;

/** The `move` schema of a game: an integer action, or an action vector in a continuous-action game. */
export function moveSchemaFor(info: Pick<GameInfo, 'actionSpace'>): typeof moveMessageSchema | typeof continuousMoveMessageSchema {
  return info.actionSpace ? continuousMoveMessageSchema : moveMessageSchema;
}

/**
 * Whether a room publishes its game's moves (the `moves` state field and `move` events): in
 * perfect-information sequential games of action ids, where every move is public and a client replays
 * them; in every other game a bot seat receives its `agentView` instead.
 */
export function publishesMoves(info: Pick<GameInfo, 'information' | 'dynamics' | 'actionSpace'>): boolean {
  return info.information === 'perfect' && info.dynamics === 'sequential' && !info.actionSpace;
}

/** `rematch`: vote for another game with sides swapped (payload `{}` or none). */
export const rematchMessageSchema = z.union([z.strictObject({}), z.undefined(), z.null()]);

/** Client → server message types. */
export const CLIENT_MESSAGE_TYPES = ['move', 'rematch'] as const;

/** `seat` (server → client): where this client sits now; sent on join, reconnection and each side swap. */
export interface SeatMessage {
  readonly seat: number | null;
  readonly spectator: boolean;
  readonly game: string;
  readonly gameNumber: number;
}

/** The `result` state field, parsed. */
export interface MatchResult {
  /** Final return per seat (±1 per seat of the winning/losing side after a forfeit). */
  readonly returns: number[];
  /** Index of the winning team, null for a draw. */
  readonly winnerTeam: number | null;
  /** Set when a side lost by forfeit (a crashing agent, a player who left). */
  readonly forfeit?: { readonly seat: number; readonly team: number; readonly reason: string };
  /**
   * Identifies the game's whole history (chance outcomes included) without revealing it: an HMAC under
   * a secret of the room, so equal keys within a room ⇔ identical games (for counting distinct games).
   */
  readonly gameKey?: string;
}

/**
 * What a bot seat of an imperfect-information game receives (`seats[i].agentView`, visible only to
 * that seat): everything an agent may use, from the seat's own point of view.
 */
export interface AgentView {
  readonly seat: number;
  readonly gameNumber: number;
  readonly step: number;
  /** `state.observe(seat)`. */
  readonly observation: number[];
  /** `state.informationState(seat)`. */
  readonly informationState: string;
  /** Legal actions of the seat now (empty when it has nothing to do). */
  readonly legal: number[];
}

/** One-line description of a zod failure. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`)
    .join('; ');
}

/** Room name of a game id: its unversioned name (`connect-four-v1` → `connect-four`). */
export function roomNameOf(gameId: string): string {
  return gameId.replace(/-v\d+$/, '');
}
