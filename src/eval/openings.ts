/**
 * Random openings: the first plies of a game played uniformly at random, by neither agent.
 *
 * Two deterministic agents replay the same game every time, so a series between them measures one
 * game, however many times it is played. Starting each game from a few random plies makes the
 * series sample the game instead. Matches, tournaments, the ladder and the training loop's
 * evaluations play their games in *pairs*: game 2p and game 2p+1 start from the same opening (drawn
 * from an Rng seeded by `openingSeed(seriesSeed, p)`) with the agents' sides swapped, so both agents
 * face the same openings from both sides and an unbalanced opening costs neither of them.
 *
 * Openings apply to sequential games without chance events: a game with chance (poker) is already
 * diversified by its deals, and a simultaneous-move game has no ply to play for one seat, so
 * `defaultOpeningPlies` is 0 there and `playRandomOpening` refuses them.
 *
 * Two schemes pick pair p's opening. `random` (the default) draws its plies uniformly at random, so a
 * short series leaves it to chance how often each opening comes up: 50 pairs from Connect Four's 7
 * first moves can give one of them 18 pairs (expected 7), and a line the agent plays badly then counts
 * two and a half times. `balanced` (`BalancedOpenings`) is stratified sampling instead: every distinct
 * k-ply opening in turn, each cycle through them in a fresh seeded order, so after n pairs each opening
 * has come up ⌊n / M⌋ or ⌈n / M⌉ times (M openings). The score estimates the same thing — the mean over
 * openings drawn ply by ply uniformly, wherever every ply of the opening has as many legal moves, as in
 * Connect Four's first six plies and every tic-tac-toe opening — without the opening draw's variance.
 */
import { CHANCE, ConfigError, SIMULTANEOUS, Rng, type GameInfo, type GameState } from '../../core/index.ts';

/** How a series picks its openings: drawn at random, or every opening in turn (see the module's comment). */
export type OpeningScheme = 'random' | 'balanced';
export const OPENING_SCHEMES: readonly OpeningScheme[] = ['random', 'balanced'];

/** `1 random opening ply (paired)`, `1 opening ply, balanced over its 7 openings (paired)` or `no random openings`. */
export function openingsText(r: { readonly openingPlies: number; readonly openings?: OpeningScheme; readonly openingCount?: number }): string {
  const n = r.openingPlies;
  if (n === 0) return 'no random openings';
  if (r.openings === 'balanced') return `${n} opening ${n === 1 ? 'ply' : 'plies'}, balanced over its ${r.openingCount ?? '?'} openings (paired)`;
  return `${n} random opening ${n === 1 ? 'ply' : 'plies'} (paired)`;
}

/** The most openings `balanced` enumerates (Connect Four: 2,401 at four plies, 16,807 at five). */
export const MAX_BALANCED_OPENINGS = 20_000;

/** Checks an opening scheme's name (a CLI word or a room option). */
export function checkOpeningScheme(scheme: string): OpeningScheme {
  if (!(OPENING_SCHEMES as readonly string[]).includes(scheme)) throw new ConfigError(`unknown opening scheme '${scheme}': use ${OPENING_SCHEMES.join(' or ')}`);
  return scheme as OpeningScheme;
}

/** Why a game takes no random openings (null when it does). */
export function openingsUnsupported(info: GameInfo): string | null {
  if (info.dynamics === 'simultaneous') return `${info.id} has simultaneous moves`;
  if (info.chanceOutcomes > 0) return `${info.id} has chance events (its deals already vary the games)`;
  if (info.teams.length < 2) return `${info.id} has a single side`;
  return null;
}

/** Opening plies used when none are asked for: 1 in sequential games without chance, 0 elsewhere. */
export function defaultOpeningPlies(info: GameInfo): number {
  return openingsUnsupported(info) === null ? 1 : 0;
}

/** Checks a requested number of opening plies (an integer >= 0; > 0 only where openings apply). */
export function checkOpeningPlies(info: GameInfo, plies: number): void {
  if (!Number.isInteger(plies) || plies < 0) throw new ConfigError(`opening plies must be an integer >= 0, got ${plies}`);
  const why = plies > 0 ? openingsUnsupported(info) : null;
  if (why !== null) throw new ConfigError(`random openings need a sequential game without chance: ${why} (use 0 opening plies)`);
}

/** Seed of opening `pair` of a series (the games 2·pair and 2·pair + 1). */
export function openingSeed(seriesSeed: number, pair: number): number {
  return (Math.imul(seriesSeed >>> 0, 0x9e3779b1) ^ Math.imul(pair + 1, 0x85ebca6b) ^ 0x2545f491) >>> 0;
}

let scratchMask = new Uint8Array(0);

/**
 * Plays up to `plies` uniformly random legal actions on `state` (stopping early if the game ends),
 * drawing from `rng`; appends them to `out` when given and returns how many were played.
 * Throws `ConfigError` for games with chance events or simultaneous moves.
 */
export function playRandomOpening(state: GameState, plies: number, rng: Rng, out?: number[]): number {
  checkOpeningPlies(state.info, plies);
  // one scratch mask per thread, grown on demand: rollouts call this once per episode
  if (scratchMask.length < state.info.actions) scratchMask = new Uint8Array(state.info.actions);
  const mask = scratchMask;
  let played = 0;
  while (played < plies && !state.isTerminal()) {
    const seat = state.currentSeat();
    if (seat === CHANCE || seat === SIMULTANEOUS) throw new ConfigError(`random openings need a sequential game without chance: ${state.info.id} reached a ${seat === CHANCE ? 'chance' : 'simultaneous'} node`);
    const legal = state.legalMask(seat, mask);
    let k = rng.int(legal);
    let action = 0;
    for (; action < state.info.actions; action++) if (mask[action] && k-- === 0) break;
    state.apply(action);
    out?.push(action);
    played++;
  }
  return played;
}

/**
 * Exploring starts for training (`trainOpeningPlies`): plays k uniformly random plies, k drawn
 * uniformly from 0..maxPlies with the same `rng`; nothing when maxPlies is 0.
 */
export function playExploringStart(state: GameState, maxPlies: number, rng: Rng): void {
  if (maxPlies > 0) playRandomOpening(state, rng.int(maxPlies + 1), rng);
}

/**
 * Every sequence of `plies` legal actions from `state` (a shorter one where the game ends inside it), in
 * action order; `state` is not changed. Throws `ConfigError` past `limit` sequences (or 10 × `limit`
 * positions visited), before building more.
 */
export function enumerateOpenings(state: GameState, plies: number, limit = MAX_BALANCED_OPENINGS): number[][] {
  checkOpeningPlies(state.info, plies);
  const out: number[][] = [];
  const line: number[] = [];
  const mask = new Uint8Array(state.info.actions);
  const tooMany = () => new ConfigError(`balanced openings enumerate every ${plies}-ply opening of ${state.info.id}: more than ${limit.toLocaleString('en-US')} of them; use fewer opening plies or random openings`);
  // positions visited, bounded too (a room's creator names the plies): a long line of forced moves is one opening but many positions
  let budget = 10 * limit;
  const walk = (s: GameState): void => {
    if (--budget < 0) throw tooMany();
    if (line.length === plies || s.isTerminal()) {
      if (out.length >= limit) throw tooMany();
      out.push(line.slice());
      return;
    }
    const seat = s.currentSeat();
    if (seat === CHANCE || seat === SIMULTANEOUS) throw new ConfigError(`openings need a sequential game without chance: ${state.info.id} reached a ${seat === CHANCE ? 'chance' : 'simultaneous'} node`);
    s.legalMask(seat, mask);
    const legal: number[] = [];
    for (let a = 0; a < state.info.actions; a++) if (mask[a]) legal.push(a);
    for (const a of legal) {
      const next = s.clone();
      next.apply(a);
      line.push(a);
      walk(next);
      line.pop();
    }
  };
  walk(state.clone());
  return out;
}

/**
 * The `balanced` scheme: pair p of a series plays opening `order[p mod M]` of the M openings, where
 * `order` is a permutation drawn afresh for each cycle ⌊p / M⌋ from the series seed — so every opening
 * comes up once per cycle, and two series with different seeds meet them in different orders.
 */
export class BalancedOpenings {
  readonly openings: readonly (readonly number[])[];
  /** Plies of each opening (the `plies` it was enumerated for). */
  readonly plies: number;
  private readonly order: Int32Array;
  private readonly rng = new Rng(0);
  /** Seed and cycle `order` was drawn for (−1: none yet). */
  private orderSeed = -1;
  private orderCycle = -1;

  /** Enumerates the `plies`-ply openings from `start` (the game's initial position; not changed). */
  constructor(start: GameState, plies: number) {
    this.openings = enumerateOpenings(start, plies);
    this.plies = plies;
    this.order = new Int32Array(this.openings.length);
  }

  /** Number of distinct openings (M). */
  get size(): number {
    return this.openings.length;
  }

  /** The opening of pair `pair` in the series seeded `seriesSeed`. */
  opening(seriesSeed: number, pair: number): readonly number[] {
    const m = this.openings.length;
    const cycle = Math.floor(pair / m);
    if (cycle !== this.orderCycle || seriesSeed !== this.orderSeed) {
      this.rng.seed(openingSeed(seriesSeed, cycle) ^ 0x6a09e667);
      for (let i = 0; i < m; i++) this.order[i] = i;
      for (let i = m - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        const t = this.order[i]!;
        this.order[i] = this.order[j]!;
        this.order[j] = t;
      }
      this.orderCycle = cycle;
      this.orderSeed = seriesSeed;
    }
    return this.openings[this.order[pair - cycle * m]!]!;
  }
}
