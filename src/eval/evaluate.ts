/**
 * Evaluation of one agent by its returns: single-agent games directly; multi-seat games against an
 * opponent agent on every other seat, alternating the evaluated seat across episodes. Continuous-action
 * games (single-agent only so far) are played here with `actContinuous`, since a `Match` plays
 * discrete actions.
 */
import { AgentMismatchError, CHANCE, ConfigError, isContinuous, type Agent, type Game, type GameState } from '../../core/index.ts';
import { playGame } from './match.ts';
import { mean, std } from './stats.ts';

export interface EvalResult {
  readonly game: string;
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly minReturn: number;
  readonly maxReturn: number;
}

export function evaluateAgent(opts: { game: Game; agent: Agent; episodes: number; seed: number; opponent?: Agent; onEpisode?: (done: number) => void }): EvalResult {
  const { game, agent, episodes, seed } = opts;
  const seats = game.info.seats;
  const continuous = isContinuous(game.info);
  if (continuous && seats > 1) throw new ConfigError(`${game.info.id} has continuous actions and ${seats} seats: evaluation plays single-agent continuous games only`);
  if (continuous && !agent.actContinuous) throw new AgentMismatchError(`agent '${agent.name}' plays discrete actions only; ${game.info.id} has continuous actions`);
  const state = game.newState(seed);
  const bySeat: Agent[] = new Array(seats);
  const returns = new Float64Array(episodes);
  for (let ep = 0; ep < episodes; ep++) {
    const seat = ep % seats;
    for (let s = 0; s < seats; s++) bySeat[s] = s === seat ? agent : opts.opponent ?? agent;
    const epSeed = (seed * 1_000_003 + ep) >>> 0;
    agent.reset?.(epSeed ^ 0x9e3779b9);
    opts.opponent?.reset?.(epSeed ^ 0x7f4a7c15);
    state.reset(epSeed);
    returns[ep] = continuous ? playContinuousEpisode(state, agent) : playGame(state, bySeat)[seat]!;
    opts.onEpisode?.(ep + 1);
  }
  return {
    game: game.info.id,
    episodes,
    meanReturn: mean(returns),
    stdReturn: std(returns),
    minReturn: Math.min(...returns),
    maxReturn: Math.max(...returns),
  };
}

/** Plays a single-agent continuous game to its end from the state's position (chance events with its own RNG); returns seat 0's return. */
function playContinuousEpisode(state: GameState, agent: Agent): number {
  const action = new Float64Array(state.info.actions);
  while (!state.isTerminal()) {
    if (state.currentSeat() === CHANCE) {
      state.applyChance();
      continue;
    }
    agent.actContinuous!(state, 0, action);
    state.applyContinuous(action);
  }
  const returns = new Float64Array(1);
  state.returns(returns);
  return returns[0]!;
}
