/**
 * Playing games between agents. A `Match` is the flow of the games of one series, and the one place
 * that decides it: how game g is seeded and how its agents are reseeded, which random opening it starts
 * from, that chance plays itself, how a simultaneous tick is applied, how a game ends (returns, winner
 * team) and what a forfeit gives. `playSeries` drives a Match with agents; a server room
 * (servers/room-match.ts) drives the same Match with client messages and server-side agents, so a hosted
 * game and an offline game of the same seed are the same game by construction. Legality itself is the
 * game's: the state's `apply` (core/game.ts) checks it.
 *
 * A series (`playSeries`) plays paired games from random openings (openings.ts): games 2p and 2p+1
 * start from the same opening with the agents' sides swapped. In team games an agent controls every
 * seat of its side.
 *
 * Continuous-action games (`GameInfo.actionSpace`) are played the same way with action vectors
 * (`Move`): agents answer with `actContinuous`, a tick applies one vector per seat
 * (`applyJointContinuous`), and the history holds every vector's components as given (the game clips
 * them to its box when it applies them, so replaying the history replays the game).
 *
 * Distinct games: a series also counts its distinct games — different seatings or action sequences
 * (opening and chance outcomes included). The score is the mean over every game: each game is an
 * independent draw of the opening and of the agents' own randomness, so a likely line that recurs
 * weighs as often as it occurs. But a replay says nothing about any other position — two
 * deterministic agents without openings replay one game per seating however long they play — so the
 * score's interval is computed as if only the distinct games had been played: a Wilson interval with
 * n = distinct games (`SeriesTally`). With n = distinct ≤ games it is never narrower than the usual one.
 */
import {
  AgentMismatchError,
  CHANCE,
  checkAgentActions,
  continuousActionProblem,
  IllegalActionError,
  isContinuous,
  Rng,
  SIMULTANEOUS,
  TERMINAL,
  teamOf,
  type Agent,
  type Game,
  type GameInfo,
  type GameState,
  type Move,
  type Seat,
} from '../../core/index.ts';
import { BalancedOpenings, checkOpeningPlies, defaultOpeningPlies, openingSeed, openingsText, playRandomOpening, type OpeningScheme } from './openings.ts';
import { wilsonInterval } from './stats.ts';

/** Seed of game `g` of a series (the state's chance events; the agents are reseeded from it too). */
export function seriesGameSeed(seed: number, g: number): number {
  return (seed * 1_000_003 + g) >>> 0;
}

/**
 * Reset seed, in game `g` of a series, of agent `agent` (0 or 1: the agent that plays side `agent` in
 * game 0, and side (agent + g) mod 2 in game g).
 */
export function agentGameSeed(seed: number, g: number, agent: number): number {
  return seriesGameSeed(seed, g) ^ (agent === 0 ? 0x5bd1e995 : 0x1b873593);
}

/** A side that lost by forfeit: the seat that forfeited, its team, and why. */
export interface Forfeit {
  readonly seat: number;
  readonly team: number;
  readonly reason: string;
}

/** How a game ended. */
export interface GameResult {
  /** Final return per seat (after a forfeit: −1 per seat of the side that forfeited, +1 per other seat). */
  readonly returns: number[];
  /** Index of the winning team (the one highest team total), null for a draw. */
  readonly winnerTeam: number | null;
  /** Set when a side lost by forfeit. */
  readonly forfeit?: Forfeit;
}

/** The team with the highest total return, or null when the highest total is shared (a draw). */
export function winnerTeam(info: GameInfo, returns: ArrayLike<number>): number | null {
  let best = -1;
  let bestSum = 0;
  let tie = false;
  for (let t = 0; t < info.teams.length; t++) {
    let sum = 0;
    for (const s of info.teams[t]!) sum += returns[s]!;
    if (best < 0 || sum > bestSum) {
      best = t;
      bestSum = sum;
      tie = false;
    } else if (sum === bestSum) tie = true;
  }
  return tie ? null : best;
}

export interface MatchOptions {
  /** The state the games are played on: `start` resets it; before any `start`, `play` plays on from its current position. */
  readonly state: GameState;
  /** Seed of the series: game g is played with `seriesGameSeed(seed, g)` (default 0). */
  readonly seed?: number;
  /** Random plies each game starts from, games 2p and 2p+1 sharing one (default 0; see openings.ts). */
  readonly openingPlies?: number;
  /** How each pair's opening is picked: drawn at random (default) or every opening in turn (openings.ts). */
  readonly openings?: OpeningScheme;
  /**
   * With `balanced`: the openings, enumerated once for several series of the same game (a tournament, a
   * training run's evaluations) instead of by each; enumerated here when absent. Its plies must be `openingPlies`.
   */
  readonly book?: BalancedOpenings;
  /**
   * Told of each seat's discrete action once it is applied (opening plies included): its name in the
   * position it was played in, and the step it was played at. (Action vectors are not reported.)
   */
  readonly onMove?: (seat: Seat, action: number, name: string, step: number) => void;
}

/**
 * The games of one series on one state: `start(g)` sets up game g, then seats act — one at a time
 * (`apply`) or, at a simultaneous node, by submitting their part of a tick (`submit`, `closeTick`) —
 * until `result()` is set, by the rules or by a `forfeit`. Chance events play themselves with the
 * state's seeded RNG as soon as they come up. A move is an action id, or an action vector in a
 * continuous game.
 */
export class Match {
  readonly state: GameState;
  readonly seed: number;
  readonly openingPlies: number;
  readonly openings: OpeningScheme;
  /** The `balanced` scheme's openings (null with `random` or no opening plies). */
  readonly book: BalancedOpenings | null;
  /** Whether moves are action vectors (`GameInfo.actionSpace`). */
  readonly continuous: boolean;
  /**
   * Every transition of the current game: actions, chance outcomes, and each seat's entry of a joint
   * action; in a continuous game, the components of each vector (a tick: every seat's, seat by seat).
   */
  readonly history: number[] = [];
  private readonly onMove: MatchOptions['onMove'];
  private game = 0;
  private outcome: GameResult | null = null;
  private readonly openingRng = new Rng(0);
  private readonly mask: Uint8Array;
  /** Actions submitted for the current simultaneous tick (−1: none yet; a continuous game: 0 once its vector is in `vectors`). */
  private readonly pending: Int32Array;
  private readonly joint: Int32Array;
  /** Continuous games: the tick's vectors, seats × actions row-major (a seat without one: zeros). */
  private readonly vectors: Float64Array;
  /** Continuous games: the vector an agent writes its move into (`play`). */
  private readonly vector: Float64Array;

  constructor(opts: MatchOptions) {
    this.state = opts.state;
    const { info } = this.state;
    this.seed = opts.seed ?? 0;
    this.openingPlies = opts.openingPlies ?? 0;
    checkOpeningPlies(info, this.openingPlies);
    this.openings = opts.openings ?? 'random';
    if (this.openings === 'balanced' && this.openingPlies > 0 && opts.book) {
      if (opts.book.plies !== this.openingPlies) throw new Error(`the openings given were enumerated for ${opts.book.plies} plies, the series opens with ${this.openingPlies}`);
      this.book = opts.book;
    } else if (this.openings === 'balanced' && this.openingPlies > 0) {
      // enumerated from the initial position, on a copy (a game without chance starts the same for every seed)
      const start = this.state.clone();
      start.reset(seriesGameSeed(this.seed, 0));
      this.book = new BalancedOpenings(start, this.openingPlies);
    } else this.book = null;
    this.onMove = opts.onMove;
    this.continuous = isContinuous(info);
    this.mask = new Uint8Array(info.actions);
    this.pending = new Int32Array(info.seats).fill(-1);
    this.joint = new Int32Array(info.seats);
    this.vectors = new Float64Array(this.continuous ? info.seats * info.actions : 0);
    this.vector = new Float64Array(this.continuous ? info.actions : 0);
  }

  /** Index of the current game in the series. */
  get gameNumber(): number {
    return this.game;
  }

  /** Seed of the current game (its state's chance events). */
  get gameSeed(): number {
    return seriesGameSeed(this.seed, this.game);
  }

  /** Reset seed, for the current game, of the agent that played side `firstSide` in game 0 (`agentGameSeed`). */
  agentSeed(firstSide: number): number {
    return agentGameSeed(this.seed, this.game, firstSide);
  }

  /** Starts game `g`: resets the state with its seed and plays the opening of its pair as moves (then any chance events). */
  start(g: number): void {
    this.game = g;
    this.state.reset(this.gameSeed);
    this.history.length = 0;
    this.pending.fill(-1);
    this.outcome = null;
    if (this.book) {
      for (const action of this.book.opening(this.seed, g >> 1)) this.apply(this.state.currentSeat(), action);
    } else if (this.openingPlies > 0) {
      // drawn on a copy, then played as moves like any other
      const opening: number[] = [];
      this.openingRng.seed(openingSeed(this.seed, g >> 1));
      playRandomOpening(this.state.clone(), this.openingPlies, this.openingRng, opening);
      for (const action of opening) this.apply(this.state.currentSeat(), action);
    }
    this.settle();
  }

  /** Who acts now: a seat, SIMULTANEOUS (a tick: every seat with a move acts), or TERMINAL once the game is over. Never CHANCE. */
  toMove(): number {
    return this.outcome ? TERMINAL : this.state.currentSeat();
  }

  /** How the current game ended; null while it is played. */
  result(): GameResult | null {
    return this.outcome;
  }

  /**
   * Why `move` is not legal for `seat` now (null when it is): a discrete action must be in the seat's
   * legal mask; an action vector must have the game's length and finite components (components outside
   * the box are legal: the game clips them), from a seat that has a move.
   */
  whyIllegal(seat: Seat, move: Move): string | null {
    const { info } = this.state;
    if (this.outcome) return 'the game is over';
    const hasMove = this.state.legalMask(seat, this.mask) > 0;
    if (this.continuous) {
      if (typeof move === 'number') return `${info.id} has continuous actions: a move is a vector of ${info.actions} numbers`;
      return hasMove ? continuousActionProblem(info, move) : `seat ${seat} has no move now`;
    }
    if (typeof move !== 'number') return `${info.id} has discrete actions: a move is an action id`;
    return this.mask[move] === 1 ? null : `action ${move} is not legal for seat ${seat} now`;
  }

  /** Whether `move` is legal for `seat` now (`whyIllegal` says why not). */
  isLegal(seat: Seat, move: Move): boolean {
    return this.whyIllegal(seat, move) === null;
  }

  /** Whether `seat` has a move now (at a tick: whether it takes part). */
  hasMove(seat: Seat): boolean {
    return !this.outcome && this.state.legalMask(seat, this.mask) > 0;
  }

  /** Applies the move of `seat`, which must be the one to act; throws `IllegalActionError` (the state unchanged) otherwise. */
  apply(seat: Seat, move: Move): void {
    const cur = this.toMove();
    const id = typeof move === 'number' ? move : -1;
    if (seat !== cur || seat < 0) throw new IllegalActionError(this.state.info.id, seat, id, cur === TERMINAL ? 'the game is over' : `seat ${seat} is not to act`);
    if (typeof move === 'number') {
      const step = this.state.stepCount();
      const name = this.onMove ? this.state.actionName(move) : '';
      this.state.apply(move);
      this.history.push(move);
      this.onMove?.(seat, move, name, step);
    } else {
      this.state.applyContinuous(move);
      for (let j = 0; j < move.length; j++) this.history.push(move[j]!);
    }
    this.settle();
  }

  /** Submits `seat`'s move for the current tick (replacing an earlier one); throws `IllegalActionError` unless the seat may play it now. */
  submit(seat: Seat, move: Move): void {
    const id = typeof move === 'number' ? move : -1;
    if (this.toMove() !== SIMULTANEOUS) throw new IllegalActionError(this.state.info.id, seat, id, 'not a simultaneous node');
    const why = this.whyIllegal(seat, move);
    if (why !== null) throw new IllegalActionError(this.state.info.id, seat, id, why);
    if (typeof move === 'number') {
      this.pending[seat] = move;
    } else {
      const A = this.state.info.actions;
      for (let j = 0; j < A; j++) this.vectors[seat * A + j] = move[j]!;
      this.pending[seat] = 0;
    }
  }

  /** Whether `seat` has submitted its action for the current tick. */
  submitted(seat: Seat): boolean {
    return this.pending[seat]! >= 0;
  }

  /**
   * Applies the tick's joint action: each seat's submitted move. A seat with a move that submitted none
   * plays action 0 when it is legal (in grid soccer: it stays), else its first legal action; in a
   * continuous game it plays the zero vector, clipped to the box by the game (in duel: no thrust, aim
   * straight ahead, no fire).
   */
  closeTick(): void {
    if (this.toMove() !== SIMULTANEOUS) throw new IllegalActionError(this.state.info.id, SIMULTANEOUS, -1, 'no tick to close: not a simultaneous node');
    if (this.continuous) return this.closeContinuousTick();
    const { seats } = this.state.info;
    const { joint, mask } = this;
    for (let s = 0; s < seats; s++) {
      joint[s] = 0;
      if (this.state.legalMask(s, mask) === 0) continue;
      const p = this.pending[s]!;
      joint[s] = p >= 0 ? p : mask[0] ? 0 : mask.indexOf(1);
    }
    this.state.applyJoint(joint);
    for (let s = 0; s < seats; s++) this.history.push(joint[s]!);
    this.pending.fill(-1);
    this.settle();
  }

  private closeContinuousTick(): void {
    const { seats, actions } = this.state.info;
    const { vectors } = this;
    for (let s = 0; s < seats; s++) if (this.pending[s]! < 0) vectors.fill(0, s * actions, (s + 1) * actions);
    this.state.applyJointContinuous(vectors);
    for (let i = 0; i < vectors.length; i++) this.history.push(vectors[i]!);
    this.pending.fill(-1);
    this.settle();
  }

  /**
   * Ends the current game with `seat`'s side losing by forfeit: −1 to each seat of its team, +1 to
   * every other seat; with two teams the other one wins.
   */
  forfeit(seat: Seat, reason: string): GameResult {
    const { info } = this.state;
    if (this.outcome) throw new IllegalActionError(info.id, seat, -1, 'the game is over: nothing to forfeit');
    const team = teamOf(info, seat);
    const returns = Array.from({ length: info.seats }, (_, s) => (teamOf(info, s) === team ? -1 : 1));
    this.outcome = { returns, winnerTeam: info.teams.length === 2 ? 1 - team : null, forfeit: { seat, team, reason } };
    return this.outcome;
  }

  /**
   * Plays the current game to its end, `agentForSeat[s]` acting for seat s (at a tick, every seat with
   * a move acts); returns its result. In a continuous game the agents answer with `actContinuous`.
   */
  play(agentForSeat: readonly Agent[]): GameResult {
    if (this.continuous) for (const agent of agentForSeat) checkAgentActions(agent, this.state.info);
    if (!this.outcome) this.settle();
    for (;;) {
      const seat = this.toMove();
      if (seat === TERMINAL) return this.outcome!;
      if (seat === SIMULTANEOUS) {
        for (let s = 0; s < this.state.info.seats; s++) if (this.hasMove(s)) this.submit(s, this.agentMove(agentForSeat[s]!, s));
        this.closeTick();
      } else {
        this.apply(seat, this.agentMove(agentForSeat[seat]!, seat));
      }
    }
  }

  /** `agent`'s move for `seat`: its action, or its vector written into the match's own buffer (valid until the next call). */
  private agentMove(agent: Agent, seat: Seat): Move {
    if (!this.continuous) return agent.act(this.state, seat);
    agent.actContinuous!(this.state, seat, this.vector);
    return this.vector;
  }

  /** Plays chance events until a seat acts or the game ends; notes the result at the end. */
  private settle(): void {
    const { state } = this;
    while (state.currentSeat() === CHANCE) this.history.push(state.applyChance());
    if (!state.isTerminal()) return;
    const returns = new Float64Array(state.info.seats);
    state.returns(returns);
    this.outcome = { returns: Array.from(returns), winnerTeam: winnerTeam(state.info, returns) };
  }
}

/**
 * Plays one game to the end from the state's current position; `agentForSeat[s]` acts for seat `s`.
 * Returns the final per-seat returns. With `history`, appends every transition to it: actions,
 * chance outcomes, and each seat's entry of a joint action.
 */
export function playGame(state: GameState, agentForSeat: readonly Agent[], history?: number[]): Float64Array {
  const match = new Match({ state });
  const { returns } = match.play(agentForSeat);
  if (history) for (const t of match.history) history.push(t);
  return Float64Array.from(returns);
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
  /** How each pair's opening is picked (default `random`; see openings.ts). */
  readonly openings?: OpeningScheme;
  /** With `balanced`: the openings enumerated once for several series (`MatchOptions.book`). */
  readonly book?: BalancedOpenings;
  /** Called after each game (for progress bars). */
  readonly onGame?: (done: number, result: SeriesResult) => void;
}

export interface SeriesResult {
  readonly game: string;
  readonly games: number;
  /** Random plies each game started from (games 2p and 2p+1 share an opening, sides swapped). */
  readonly openingPlies: number;
  /** How the openings were picked; with `balanced`, how many distinct openings there are (`openingCount`). */
  readonly openings: OpeningScheme;
  readonly openingCount?: number;
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

/** The openings of a series, as its result reports them: plies, scheme, and with `balanced` how many there are. */
export interface SeriesOpenings {
  readonly plies: number;
  readonly scheme?: OpeningScheme;
  readonly count?: number;
}

/**
 * The tallies of a series, from agent 0's point of view, and its distinct games. `playSeries` and the
 * hosted series (servers/hosted-series.ts) both count with it.
 */
export class SeriesTally {
  private readonly game: Game;
  private readonly openings: SeriesOpenings;
  private readonly wins: [number, number] = [0, 0];
  private readonly sums: [number, number] = [0, 0];
  private draws = 0;
  private games = 0;
  private readonly seen = new Set<string>();

  constructor(game: Game, openings: SeriesOpenings) {
    this.game = game;
    this.openings = openings;
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
    const winner = winnerTeam(this.game.info, returns);
    if (winner === null) this.draws++;
    else this.wins[winner === side0 ? 0 : 1]++;
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
      openingPlies: this.openings.plies,
      openings: this.openings.scheme ?? 'random',
      ...(this.openings.count !== undefined ? { openingCount: this.openings.count } : {}),
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
  const scheme = opts.openings ?? 'random';
  const match = new Match({ state: game.newState(seed), seed, openingPlies: plies, openings: scheme, ...(opts.book ? { book: opts.book } : {}) });
  const tally = new SeriesTally(game, { plies, scheme, ...(match.book ? { count: match.book.size } : {}) });
  const bySeat: Agent[] = new Array(game.info.seats);
  let result = tally.result();
  for (let g = 0; g < opts.games; g++) {
    for (let i = 0; i < 2; i++) {
      for (const s of game.info.teams[(i + g) % 2]!) bySeat[s] = agents[i]!;
    }
    match.start(g);
    agents[0].reset?.(match.agentSeed(0));
    agents[1].reset?.(match.agentSeed(1));
    const { returns } = match.play(bySeat);
    tally.add(g % 2, returns, match.history.join(','));
    result = tally.result();
    opts.onGame?.(g + 1, result);
  }
  return result;
}

/** A human summary of a series: tallies, distinct games, the score with its interval over distinct games. */
export function formatSeries(r: SeriesResult, names: readonly [string, string], seed: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const [lo, hi] = r.scoreInterval;
  const lines = [
    `${r.game}: ${names[0]} vs ${names[1]}, ${r.games} games (sides alternate, ${openingsText(r)}, seed ${seed})`,
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
