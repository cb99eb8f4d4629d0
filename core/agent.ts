/**
 * The agent contract: anything that picks actions for a seat — baseline bots, trained policies,
 * remote clients. Agents must only use what their seat may see (`observe`, `informationState`,
 * `view`, `legalMask`); search bots for perfect-information games may use the whole state.
 */
import { AgentMismatchError } from './errors.ts';
import { isContinuous, type GameInfo, type GameState, type Seat } from './game.ts';

/**
 * What a seat plays: an action id in a discrete game, an action vector (`GameInfo.actions` numbers)
 * in a continuous one (`GameInfo.actionSpace`).
 */
export type Move = number | ArrayLike<number>;

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

/** Throws `AgentMismatchError` when `agent` cannot play the kind of actions `info` has (a discrete-only agent in a continuous game). */
export function checkAgentActions(agent: Agent, info: GameInfo): void {
  if (isContinuous(info) && !agent.actContinuous) throw new AgentMismatchError(`agent '${agent.name}' plays discrete actions only; ${info.id} has continuous actions`);
}

/**
 * `agent`'s move for `seat` at `state`: `act` in a discrete game, `actContinuous` into a fresh array in
 * a continuous one. For callers that send or hand moves on (worker threads, network bots, server-side
 * agents); a game loop keeps its own buffer instead (src/eval/match.ts).
 */
export function agentMove(agent: Agent, state: GameState, seat: Seat): number | number[] {
  if (!isContinuous(state.info)) return agent.act(state, seat);
  checkAgentActions(agent, state.info);
  const out = new Float64Array(state.info.actions);
  agent.actContinuous!(state, seat, out);
  return Array.from(out);
}
