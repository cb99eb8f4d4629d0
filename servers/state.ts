/**
 * The synchronized room state (Colyseus schema 5). Everything here reaches every client of the room
 * except the fields tagged with `.view()`, which Colyseus' per-client filtering (StateView) sends
 * only to the client whose view holds that seat: a seat's private `view` and `agentView`.
 */
import { schema, t } from '@colyseus/schema';

export const SeatState = schema(
  {
    /** 'human' | 'bot' (a remote program) | 'agent' (played by the server) | 'empty'. */
    kind: t.string().default('empty'),
    name: t.string().default(''),
    /** Whether the seat's client is connected (agents: always). */
    connected: t.boolean().default(false),
    /** Whether the seat voted for a rematch. */
    rematch: t.boolean().default(false),
    /** JSON of `state.view(seat)`: only this seat's client receives it. */
    view: t.string().view().default(''),
    /** JSON of an AgentView (bot seats of imperfect-information games only): only this seat's client receives it. */
    agentView: t.string().view().default(''),
  },
  'SeatState',
);
export type SeatState = InstanceType<typeof SeatState>;

export const MatchState = schema(
  {
    /** Versioned game id, e.g. `connect-four-v1`. */
    gameId: t.string().default(''),
    /** 'waiting' | 'playing' | 'finished'. */
    phase: t.string().default('waiting'),
    /** Acting seat; −2 while every seat moves at once; −3 when nobody is to move (waiting, finished). */
    toMove: t.number().default(-3),
    /** Transitions applied in the current game (the game contract's stepCount). */
    step: t.number().default(0),
    /** Games started in this room so far minus one (0 for the first game). */
    gameNumber: t.number().default(0),
    /** JSON of `state.view(null)`: what a spectator may see. */
    publicView: t.string().default(''),
    seats: t.array(SeatState),
    /** JSON of a MatchResult once finished, '' otherwise. */
    result: t.string().default(''),
    /** ms epoch of the current simultaneous tick's deadline, 0 otherwise. */
    deadline: t.number().default(0),
    /** Rematch votes so far. */
    rematchVotes: t.number().default(0),
    /** Actions applied so far in this game (chance outcomes included), for perfect-information sequential games only. */
    moves: t.array('number'),
  },
  'MatchState',
);
export type MatchState = InstanceType<typeof MatchState>;
