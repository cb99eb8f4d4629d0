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
 */
import { CHANCE, ConfigError, SIMULTANEOUS, type GameInfo, type GameState, type Rng } from '../../core/index.ts';

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
