/**
 * Action frames (core/game.ts `ActionFrame`): which frame a policy acts in, looked up in its game, and
 * the one-line refusal when the game offers no such frame. tfjs-free: the rollout workers use it too.
 */
import { ConfigError, type ActionFrame } from '../core/index.ts';
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
