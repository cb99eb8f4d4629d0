/**
 * The agent contract: anything that picks actions for a seat — baseline bots, trained policies,
 * remote clients. Agents must only use what their seat may see (`observe`, `informationState`,
 * `view`, `legalMask`); search bots for perfect-information games may use the whole state.
 */
import type { GameInfo, GameState, Seat } from './game.ts';

export interface Agent {
  /** The spec that built this agent, e.g. `alphabeta:4`. */
  readonly name: string;
  /** Chooses a legal action for `seat`, which is to act in `state` (sequentially or simultaneously); discrete games. */
  act(state: GameState, seat: Seat): number;
  /**
   * Continuous-action games (`GameInfo.actionSpace`): writes the action vector for `seat`, which is to
   * act, into `out[0..info.actions)` (`GameState.applyContinuous` applies it, clipped to the box).
   * An agent without this method plays discrete games only.
   */
  actContinuous?(state: GameState, seat: Seat, out: Float32Array | Float64Array): void;
  /**
   * Optional: the agent's full action distribution for `seat` at `state` (where `seat` is to act),
   * written into `out[0..actions)`: 0 for illegal actions, summing to 1. Exact evaluation
   * (exploitability by best response, policy tables) needs it; a deterministic agent puts 1 on its choice.
   */
  actionProbabilities?(state: GameState, seat: Seat, out: Float64Array): void;
  /** Called before each game with a per-game seed (agents that randomise reseed from it). */
  reset?(seed: number): void;
  /** Releases resources (tensors, workers). */
  dispose?(): void;
}

/** A named way to build agents from a spec string such as `alphabeta:4`. */
export interface AgentKind {
  /** Spec prefix, e.g. `alphabeta`. */
  readonly kind: string;
  /** One-line description shown by `arena --help`-style listings. */
  readonly summary: string;
  /** Why this kind cannot play `game` (null when it can). */
  fits(game: GameInfo): string | null;
  /** Builds an agent; `arg` is the part after `kind:` (undefined when absent). */
  create(game: GameInfo, arg: string | undefined, seed: number): Agent;
}
