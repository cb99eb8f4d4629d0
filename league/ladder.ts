/**
 * A strength ladder: the agents to rate play a round robin (tournament.ts) together with a fixed
 * set of reference bots of graded strength — `random` and `alphabeta:1` … `alphabeta:7` at Connect
 * Four — from paired random openings, and the Bradley–Terry ratings are anchored at the weakest
 * search bot (`alphabeta:1` at Connect Four) = 0, so ratings from different ladders of the same game
 * (same bots, openings and games per pair) are comparable: "+400" means 10:1 odds against alphabeta:1.
 * Not at `random`: a search bot almost never loses to it, so random's own rating is uncertain by
 * hundreds of Elo, and the anchor's uncertainty would widen every other interval.
 *
 * Which reference bots apply is read from the agent kinds themselves (`fits`): the depth-limited
 * `alphabeta` where it plays, else the perfect player `minimax` with the mixture `minimax+random`
 * (each move by one of the two, drawn uniformly) as the rung between it and `random`.
 */
import { alphabetaKind } from '../agents/alphabeta.ts';
import { minimaxKind } from '../agents/minimax.ts';
import { ConfigError, type GameInfo } from '../core/index.ts';
import { runTournament, type TournamentOptions, type TournamentResult } from './tournament.ts';

/** Depths of the default `alphabeta` rungs. */
export const DEFAULT_LADDER_DEPTHS: readonly number[] = [1, 2, 3, 4, 5, 6, 7];

/** The weakest rung of every default ladder. */
export const LADDER_FLOOR = 'random';

/** Parses `1-7`, `1,3,5` or `2` into a sorted list of distinct depths (integers 1..12). */
export function parseDepths(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo < 1 || hi > 12 || hi < lo) throw new ConfigError(`depths must look like 1-7 or 1,3,5 (depths 1..12), got '${text}'`);
    for (let d = lo; d <= hi; d++) out.add(d);
  }
  return [...out].sort((a, b) => a - b);
}

/** The reference bots of a game's ladder (`random` first), or a one-line error when none can play it. */
export function defaultLadderBots(info: GameInfo, depths: readonly number[] = DEFAULT_LADDER_DEPTHS): string[] {
  if (alphabetaKind.fits(info) === null) return [LADDER_FLOOR, ...depths.map((d) => `alphabeta:${d}`)];
  if (minimaxKind.fits(info) === null) return [LADDER_FLOOR, 'minimax+random', 'minimax'];
  return [LADDER_FLOOR];
}

export interface LadderOptions extends Omit<TournamentOptions, 'specs' | 'anchor' | 'offset'> {
  /** Agents to rate (any specs: checkpoints, `greedy:…`, league members, bots). */
  readonly agents: readonly string[];
  /** Reference bots, weakest first (default: `defaultLadderBots`). */
  readonly bots?: readonly string[];
  /** The player rated 0 (default: `ladderAnchor(bots)`). */
  readonly anchor?: string;
}

/** The default anchor: the first reference bot after `random` (the weakest search bot), else the first bot. */
export function ladderAnchor(bots: readonly string[]): string {
  return bots.find((b) => b !== LADDER_FLOOR) ?? bots[0]!;
}

export interface LadderResult extends TournamentResult {
  /** The reference bots and the rated agents, as played. */
  readonly bots: string[];
  readonly rated: string[];
}

/** Plays the ladder's round robin and fits its ratings, anchored at `opts.anchor` (default `ladderAnchor`) = 0. */
export async function runLadder(opts: LadderOptions): Promise<LadderResult> {
  const agents = opts.agents.map((a) => a.trim());
  if (agents.some((a) => a === '')) throw new ConfigError(`agent specs must not be empty, got '${opts.agents.join(',')}'`);
  const given = (opts.bots ?? defaultLadderBots(opts.game.info)).map((b) => b.trim());
  if (given.length === 0 || given.some((b) => b === '')) throw new ConfigError('a ladder needs at least one reference bot');
  // an agent that is also a reference bot plays once, as the bot
  const bots = [...new Set(given)];
  const rated = agents.filter((a) => !bots.includes(a));
  const specs = [...bots, ...rated];
  if (specs.length < 2) throw new ConfigError(`a ladder needs at least two players, got '${specs.join(',')}'`);
  const anchor = opts.anchor ?? ladderAnchor(bots);
  if (!specs.includes(anchor)) throw new ConfigError(`the anchor '${anchor}' is not on the ladder (${specs.join(', ')})`);
  const t = await runTournament({ ...opts, specs, anchor, offset: 0 });
  return { ...t, bots, rated };
}
