/**
 * Evaluation of one agent by its returns: single-agent games directly; multi-seat games against an
 * opponent agent on every other seat, alternating the evaluated seat across episodes. Each episode is
 * one `Match` game (`playGame`), with action ids or, in continuous-action games, action vectors (an
 * agent that plays discrete actions only is refused there).
 */
import type { Agent, Game } from '../../core/index.ts';
import { playGame } from './match.ts';
import { mean, std } from './stats.ts';

export interface EvalResult {
  readonly game: string;
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly minReturn: number;
  readonly maxReturn: number;
  /** Mean number of transitions per episode (`GameState.stepCount`). */
  readonly meanLength: number;
}

export function evaluateAgent(opts: { game: Game; agent: Agent; episodes: number; seed: number; opponent?: Agent; onEpisode?: (done: number) => void }): EvalResult {
  const { game, agent, episodes, seed } = opts;
  const seats = game.info.seats;
  const state = game.newState(seed);
  const bySeat: Agent[] = new Array(seats);
  const returns = new Float64Array(episodes);
  let steps = 0;
  for (let ep = 0; ep < episodes; ep++) {
    const seat = ep % seats;
    for (let s = 0; s < seats; s++) bySeat[s] = s === seat ? agent : opts.opponent ?? agent;
    const epSeed = (seed * 1_000_003 + ep) >>> 0;
    agent.reset?.(epSeed ^ 0x9e3779b9);
    opts.opponent?.reset?.(epSeed ^ 0x7f4a7c15);
    state.reset(epSeed);
    returns[ep] = playGame(state, bySeat)[seat]!;
    steps += state.stepCount();
    opts.onEpisode?.(ep + 1);
  }
  return {
    game: game.info.id,
    episodes,
    meanReturn: mean(returns),
    stdReturn: std(returns),
    minReturn: Math.min(...returns),
    maxReturn: Math.max(...returns),
    meanLength: episodes > 0 ? steps / episodes : 0,
  };
}
