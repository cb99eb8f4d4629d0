/**
 * Playing games between agents: one game (`playGame`) and a series with alternating sides
 * (`playSeries`). In team games an agent controls every seat of its side.
 */
import { AgentMismatchError, CHANCE, SIMULTANEOUS, type Agent, type Game, type GameState } from '../../core/index.ts';
import { wilsonInterval } from './stats.ts';

/** Plays one game to the end; `agentForSeat[s]` acts for seat `s`. Returns the final per-seat returns. */
export function playGame(state: GameState, agentForSeat: readonly Agent[]): Float64Array {
  const { seats } = state.info;
  const joint = new Int32Array(seats);
  const mask = new Uint8Array(state.info.actions);
  while (!state.isTerminal()) {
    const seat = state.currentSeat();
    if (seat === CHANCE) {
      state.applyChance();
    } else if (seat === SIMULTANEOUS) {
      for (let s = 0; s < seats; s++) joint[s] = state.legalMask(s, mask) > 0 ? agentForSeat[s]!.act(state, s) : 0;
      state.applyJoint(joint);
    } else {
      state.apply(agentForSeat[seat]!.act(state, seat));
    }
  }
  const returns = new Float64Array(seats);
  state.returns(returns);
  return returns;
}

export interface SeriesOptions {
  readonly game: Game;
  /** Two agents; agent i plays side (i + g) mod 2 in game g, so sides alternate. */
  readonly agents: readonly [Agent, Agent];
  readonly games: number;
  readonly seed?: number;
  /** Called after each game (for progress bars). */
  readonly onGame?: (done: number, result: SeriesResult) => void;
}

export interface SeriesResult {
  readonly game: string;
  readonly games: number;
  /** `wins[i]`: games won by the i-th agent named. */
  readonly wins: [number, number];
  readonly draws: number;
  /** Mean final return of each agent's side (per seat). */
  readonly meanReturn: [number, number];
  /** Score rate of agent 0, (wins + draws/2) / games, with a 95% Wilson interval. */
  readonly score: number;
  readonly scoreInterval: [number, number];
}

/** Plays `games` games between two agents, alternating sides, and tallies the results. */
export function playSeries(opts: SeriesOptions): SeriesResult {
  const { game, agents } = opts;
  if (game.info.teams.length !== 2) {
    throw new AgentMismatchError(`${game.info.id} has ${game.info.teams.length} side(s); a match needs a game with two sides`);
  }
  const seed = opts.seed ?? 0;
  const wins: [number, number] = [0, 0];
  const returnSums: [number, number] = [0, 0];
  let draws = 0;
  const state = game.newState(seed);
  const bySeat: Agent[] = new Array(game.info.seats);
  let result = summarizeSeries(game.info.id, 0, wins, draws, returnSums);
  for (let g = 0; g < opts.games; g++) {
    const gameSeed = (seed * 1_000_003 + g) >>> 0;
    for (let i = 0; i < 2; i++) {
      for (const s of game.info.teams[(i + g) % 2]!) bySeat[s] = agents[i]!;
    }
    agents[0].reset?.(gameSeed ^ 0x5bd1e995);
    agents[1].reset?.(gameSeed ^ 0x1b873593);
    state.reset(gameSeed);
    const returns = playGame(state, bySeat);
    const side0 = g % 2; // side played by agent 0
    const r0 = sideReturn(game, side0, returns);
    const r1 = sideReturn(game, 1 - side0, returns);
    returnSums[0] += r0 / game.info.teams[side0]!.length;
    returnSums[1] += r1 / game.info.teams[1 - side0]!.length;
    if (r0 > r1) wins[0]++;
    else if (r1 > r0) wins[1]++;
    else draws++;
    result = summarizeSeries(game.info.id, g + 1, wins, draws, returnSums);
    opts.onGame?.(g + 1, result);
  }
  return result;
}

function sideReturn(game: Game, side: number, returns: Float64Array): number {
  let r = 0;
  for (const s of game.info.teams[side]!) r += returns[s]!;
  return r;
}

/** A series' result from its tallies (`sums`: each agent's summed per-seat returns). */
export function summarizeSeries(id: string, games: number, wins: [number, number], draws: number, sums: [number, number]): SeriesResult {
  const score = games ? (wins[0] + draws / 2) / games : 0;
  return {
    game: id,
    games,
    wins: [wins[0], wins[1]],
    draws,
    meanReturn: [games ? sums[0] / games : 0, games ? sums[1] / games : 0],
    score,
    scoreInterval: wilsonInterval(wins[0] + draws / 2, games),
  };
}
