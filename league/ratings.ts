/**
 * League ratings: Bradley–Terry maximum likelihood, refitted from the league's pair counts
 * (store.ts) whenever they are read after a change. Nothing about ratings is stored.
 *
 * Scale (Elo points): P(a beats b) = 1 / (1 + 10^((R_b − R_a)/400)), a draw counting as half a win
 * for each side. A 400-point gap means 10:1 odds; scoring 75% against an opponent puts a member
 * 400·log10(3) ≈ 190.8 points above it. The zero point is an anchor member: the `random` bot (bot
 * spec `random`, id `bot:random`) when it is in the league, else the first member added. So with
 * the random bot in the league, "+850" reads "850 Elo above uniformly random play", comparable
 * across runs of the same game. Adding the random bot to a league later moves the zero point to it.
 *
 * Fit (bradley-terry.ts): MAP with a weak Gaussian prior, sd `RATING_PRIOR_SD` = 1000 Elo, on each
 * member. The prior keeps an unbeaten member finite (some hundreds of Elo beyond the others, growing
 * with the log of its games) and it centres the fit: at the optimum the members' log-strengths sum
 * to zero, so a member that has not played yet sits at the league's mean level.
 *
 * Which games count: a pair of frozen members (snapshots, bots) contributes all its games; a pair
 * with a member that is still learning contributes the store's decayed counts (AlphaStar's payoff
 * decay, 0.99 by default: about the pair's last 100 games), so a learner is rated on its current
 * weights rather than on its whole history. Self-play says nothing about relative strength and is
 * left out.
 *
 * Unlike the online Elo this replaces (K = 16 after every game, snapshots inheriting their parent's
 * rating, which drifted to ≈ 11,000 on a long run), nothing is carried forward from one game or one
 * refit to the next: every refit starts from the counts alone, so the scale cannot drift.
 */
import { fitBradleyTerry, type PairResult } from './bradley-terry.ts';

/** Score of the first player of a game: win, draw or loss. */
export type Score = 1 | 0.5 | 0;

export function isScore(x: unknown): x is Score {
  return x === 1 || x === 0.5 || x === 0;
}

/** Standard deviation of the prior on each member's rating, in Elo. */
export const RATING_PRIOR_SD = 1000;
/** Bot spec of the anchor member when the league has it: uniformly random legal moves. */
export const ANCHOR_BOT_SPEC = 'random';

export interface RatingRow {
  readonly id: string;
  /** Elo-scale rating; the anchor member (`ratingAnchor`) is 0. */
  readonly rating: number;
  /** Games against other members (self-play excluded). */
  readonly games: number;
}

/** What the fit needs to know about a member. */
export interface RatedMember {
  readonly id: string;
  /** False while the member is still learning: its games then count with the decayed weights. */
  readonly frozen: boolean;
  readonly botSpec: string | null;
}

/** Results of a against b, plain and decayed (the store's `pairs` row). */
export interface RatedPair {
  readonly a: string;
  readonly b: string;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  readonly decayedGames: number;
  /** Decayed sum of a's scores (wins + draws/2). */
  readonly decayedScore: number;
}

/** Expected score of a member rated `ra` against one rated `rb`: 1 / (1 + 10^((rb − ra)/400)). */
export function expectedScore(ra: number, rb: number): number {
  return 1 / (1 + 10 ** ((rb - ra) / 400));
}

/** The member rated 0: the random bot when present, else the first member (`members` in creation order). */
export function ratingAnchor(members: readonly RatedMember[]): string | null {
  return (members.find((m) => m.botSpec === ANCHOR_BOT_SPEC) ?? members[0])?.id ?? null;
}

/**
 * Bradley–Terry ratings of `members` (creation order) from their pair results, each unordered pair
 * given once (either order; self-pairs ignored), best first. See the file comment for the scale.
 */
export function fitLeagueRatings(members: readonly RatedMember[], pairs: readonly RatedPair[]): RatingRow[] {
  const anchor = ratingAnchor(members);
  if (anchor === null) return [];
  const frozen = new Map(members.map((m) => [m.id, m.frozen]));
  const games = new Map<string, number>();
  const results: PairResult[] = [];
  for (const p of pairs) {
    if (p.a === p.b) continue;
    const n = p.wins + p.draws + p.losses;
    games.set(p.a, (games.get(p.a) ?? 0) + n);
    games.set(p.b, (games.get(p.b) ?? 0) + n);
    if (frozen.get(p.a) && frozen.get(p.b)) results.push(p);
    else results.push({ a: p.a, b: p.b, wins: p.decayedScore, draws: 0, losses: Math.max(0, p.decayedGames - p.decayedScore) });
  }
  const fit = fitBradleyTerry(
    members.map((m) => m.id),
    results,
    { anchor, priorSd: RATING_PRIOR_SD },
  );
  return fit.ratings.map((r) => ({ id: r.id, rating: r.rating, games: games.get(r.id) ?? 0 }));
}
