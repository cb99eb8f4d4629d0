/**
 * Playing games between agents: one game (`playGame`) and a series (`playSeries`) of paired games
 * from random openings (openings.ts): games 2p and 2p+1 start from the same opening with the agents'
 * sides swapped. In team games an agent controls every seat of its side.
 *
 * Distinct games: a series also counts its distinct games — different seatings or action sequences
 * (opening and chance outcomes included). The score is the mean over every game: each game is an
 * independent draw of the opening and of the agents' own randomness, so a likely line that recurs
 * weighs as often as it occurs. But a replay says nothing about any other position — two
 * deterministic agents without openings replay one game per seating however long they play — so the
 * score's interval is computed as if only the distinct games had been played: a Wilson interval with
 * n = distinct games (`SeriesTally`). With n = distinct ≤ games it is never narrower than the usual one.
 */
import { AgentMismatchError, CHANCE, Rng, SIMULTANEOUS, type Agent, type Game, type GameState } from '../../core/index.ts';
import { checkOpeningPlies, defaultOpeningPlies, openingSeed, playRandomOpening } from './openings.ts';
import { wilsonInterval } from './stats.ts';

/**
 * Plays one game to the end; `agentForSeat[s]` acts for seat `s`. Returns the final per-seat returns.
 * With `history`, appends every transition to it: actions, chance outcomes, and each seat's entry of a joint action.
 */
export function playGame(state: GameState, agentForSeat: readonly Agent[], history?: number[]): Float64Array {
  const { seats } = state.info;
  const joint = new Int32Array(seats);
  const mask = new Uint8Array(state.info.actions);
  while (!state.isTerminal()) {
    const seat = state.currentSeat();
    if (seat === CHANCE) {
      const outcome = state.applyChance();
      history?.push(outcome);
    } else if (seat === SIMULTANEOUS) {
      for (let s = 0; s < seats; s++) joint[s] = state.legalMask(s, mask) > 0 ? agentForSeat[s]!.act(state, s) : 0;
      state.applyJoint(joint);
      if (history) for (let s = 0; s < seats; s++) history.push(joint[s]!);
    } else {
      const action = agentForSeat[seat]!.act(state, seat);
      state.apply(action);
      history?.push(action);
    }
  }
  const returns = new Float64Array(seats);
  state.returns(returns);
  return returns;
}

/** Seed of game `g` of a series (the state's chance events; the agents are reseeded from it too). */
export function seriesGameSeed(seed: number, g: number): number {
  return (seed * 1_000_003 + g) >>> 0;
}

export interface SeriesOptions {
  readonly game: Game;
  /** Two agents; agent i plays side (i + g) mod 2 in game g, so sides alternate. */
  readonly agents: readonly [Agent, Agent];
  /** Games to play; an even number plays every opening from both sides. */
  readonly games: number;
  readonly seed?: number;
  /** Random plies before each game, played by neither agent (default: `defaultOpeningPlies`, 0 turns openings off). */
  readonly openingPlies?: number;
  /** Called after each game (for progress bars). */
  readonly onGame?: (done: number, result: SeriesResult) => void;
}

export interface SeriesResult {
  readonly game: string;
  readonly games: number;
  /** Random plies each game started from (games 2p and 2p+1 share an opening, sides swapped). */
  readonly openingPlies: number;
  /** `wins[i]`: games won by the i-th agent named. */
  readonly wins: [number, number];
  readonly draws: number;
  /** Mean final return of each agent's side (per seat). */
  readonly meanReturn: [number, number];
  /** Score rate of agent 0 over all games, (wins + draws/2) / games. */
  readonly score: number;
  /** Distinct games: different seatings or action sequences (opening and chance outcomes included). */
  readonly distinct: number;
  /** 95% Wilson interval of `score` with n = `distinct` (a replayed game adds no information). */
  readonly scoreInterval: [number, number];
}

/**
 * The tallies of a series, from agent 0's point of view, and its distinct games. `playSeries` and the
 * hosted series (servers/hosted-series.ts) both count with it.
 */
export class SeriesTally {
  private readonly game: Game;
  private readonly openingPlies: number;
  private readonly wins: [number, number] = [0, 0];
  private readonly sums: [number, number] = [0, 0];
  private draws = 0;
  private games = 0;
  private readonly seen = new Set<string>();

  constructor(game: Game, openingPlies: number) {
    this.game = game;
    this.openingPlies = openingPlies;
  }

  /**
   * Adds a finished game in which agent 0 played side `side0`; `key` identifies its moves (equal keys ⇔
   * identical games, e.g. the action history joined), so a replay is not a new distinct game.
   */
  add(side0: number, returns: ArrayLike<number>, key: string): void {
    const { teams } = this.game.info;
    let r0 = 0;
    let r1 = 0;
    for (const s of teams[side0]!) r0 += returns[s]!;
    for (const s of teams[1 - side0]!) r1 += returns[s]!;
    this.sums[0] += r0 / teams[side0]!.length;
    this.sums[1] += r1 / teams[1 - side0]!.length;
    const outcome = r0 > r1 ? 0 : r1 > r0 ? 1 : 2; // 2: a draw
    if (outcome === 2) this.draws++;
    else this.wins[outcome]++;
    this.games++;
    this.seen.add(`${side0}|${key}`);
  }

  result(): SeriesResult {
    const { games, wins, draws, sums } = this;
    const distinct = this.seen.size;
    const score = games ? (wins[0] + draws / 2) / games : 0;
    return {
      game: this.game.info.id,
      games,
      openingPlies: this.openingPlies,
      wins: [wins[0], wins[1]],
      draws,
      meanReturn: [games ? sums[0] / games : 0, games ? sums[1] / games : 0],
      score,
      distinct,
      scoreInterval: wilsonInterval(score * distinct, distinct),
    };
  }
}

/** Throws unless the game has two sides (a series needs two). */
export function checkTwoSides(game: Game): void {
  if (game.info.teams.length !== 2) {
    throw new AgentMismatchError(`${game.info.id} has ${game.info.teams.length} side(s); a match needs a game with two sides`);
  }
}

/** Plays `games` paired games between two agents from random openings, alternating sides, and tallies the results. */
export function playSeries(opts: SeriesOptions): SeriesResult {
  const { game, agents } = opts;
  checkTwoSides(game);
  const seed = opts.seed ?? 0;
  const plies = opts.openingPlies ?? defaultOpeningPlies(game.info);
  checkOpeningPlies(game.info, plies);
  const tally = new SeriesTally(game, plies);
  const state = game.newState(seed);
  const bySeat: Agent[] = new Array(game.info.seats);
  const openingRng = new Rng(0);
  const history: number[] = [];
  let result = tally.result();
  for (let g = 0; g < opts.games; g++) {
    const gameSeed = seriesGameSeed(seed, g);
    for (let i = 0; i < 2; i++) {
      for (const s of game.info.teams[(i + g) % 2]!) bySeat[s] = agents[i]!;
    }
    agents[0].reset?.(gameSeed ^ 0x5bd1e995);
    agents[1].reset?.(gameSeed ^ 0x1b873593);
    state.reset(gameSeed);
    history.length = 0;
    if (plies > 0) {
      openingRng.seed(openingSeed(seed, g >> 1));
      playRandomOpening(state, plies, openingRng, history);
    }
    const returns = playGame(state, bySeat, history);
    tally.add(g % 2, returns, history.join(','));
    result = tally.result();
    opts.onGame?.(g + 1, result);
  }
  return result;
}

/** `1 random opening ply, paired` or `no random openings`. */
function openingsText(plies: number): string {
  return plies > 0 ? `${plies} random opening ${plies === 1 ? 'ply' : 'plies'}, paired` : 'no random openings';
}

/** A human summary of a series: tallies, distinct games, the score with its interval over distinct games. */
export function formatSeries(r: SeriesResult, names: readonly [string, string], seed: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const [lo, hi] = r.scoreInterval;
  const lines = [
    `${r.game}: ${names[0]} vs ${names[1]}, ${r.games} games (sides alternate, ${openingsText(r.openingPlies)}, seed ${seed})`,
    `  ${names[0]}: ${r.wins[0]} wins, ${r.draws} draws, ${r.wins[1]} losses`,
    `  distinct games: ${r.distinct} of ${r.games} (a game replayed move for move counts once)`,
    `  score ${pct(r.score)} (95% CI ${pct(lo)}–${pct(hi)} over the ${r.distinct} distinct games; a draw counts half)`,
    `  mean return per seat: ${r.meanReturn[0].toFixed(3)} vs ${r.meanReturn[1].toFixed(3)}`,
  ];
  if (r.games >= 10 && r.distinct < r.games / 2) {
    lines.push(`  note: only ${r.distinct} distinct games — the agents repeat themselves; ${r.openingPlies > 0 ? 'more --opening-plies give more distinct openings' : '--opening-plies 1 or more diversifies the games'}`);
  }
  return lines.join('\n');
}

/** A series against a baseline bot as training metrics: `eval/score_vs_<bot>`, `eval/loss_rate_vs_<bot>`, `eval/distinct_vs_<bot>`. */
export function seriesMetrics(bot: string, r: SeriesResult): Record<string, number> {
  return {
    [`eval/score_vs_${bot}`]: r.score,
    [`eval/loss_rate_vs_${bot}`]: r.games ? r.wins[1] / r.games : 0,
    [`eval/distinct_vs_${bot}`]: r.distinct,
  };
}
