/**
 * Action frames (core/game.ts `ActionFrame`): which frame a policy acts in, looked up in its game, and
 * the one-line refusal when the game offers no such frame. tfjs-free: the rollout workers use it too.
 */
import { ConfigError, type ActionFrame, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { getGame } from '../games/index.ts';

/** The frame named `name` of game `gameId`; a ConfigError listing the game's frames when it has none of that name. */
export function actionFrameOf(gameId: string, name: string): ActionFrame {
  const frames = getGame(gameId).actionFrames ?? [];
  const frame = frames.find((f) => f.name === name);
  if (frame) return frame;
  const offered = frames.length > 0 ? `it offers ${frames.map((f) => `'${f.name}' (${f.summary})`).join(', ')}` : 'it offers none';
  throw new ConfigError(`action frame '${name}' is not one of ${gameId}'s: ${offered}`);
}

/** The frame a policy's spec acts in (null: the game's own actions). */
export function policyActionFrame(spec: { readonly actionFrame?: string }, gameId: string): ActionFrame | null {
  return spec.actionFrame === undefined ? null : actionFrameOf(gameId, spec.actionFrame);
}

/** A policy's frame with the buffer it reads the seat's raw observation into: what an agent keeps to map its vectors. */
export interface SeatFrame {
  /** Writes the game's action for the policy's `vector` (read in the frame) at `seat` of `state`. */
  toGame(state: GameState, seat: Seat, vector: ArrayLike<number>, out: Float32Array | Float64Array): void;
}

/** The frame a policy acts in, ready for an agent to map its vectors with (null: the game's own actions). */
export function seatFrame(spec: { readonly actionFrame?: string }, info: GameInfo): SeatFrame | null {
  const frame = policyActionFrame(spec, info.id);
  if (!frame) return null;
  const raw = new Float32Array(info.observationSize);
  return {
    toGame(state, seat, vector, out) {
      state.observe(seat, raw);
      frame.toGame(raw, vector, out);
    },
  };
}
