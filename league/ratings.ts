/**
 * Online Elo ratings, updated after every finished match of the league.
 *
 * Expected score from the `elo-rating` package: E_a = 1 / (1 + 10^((R_b − R_a)/400)), where the
 * package caps |R_a − R_b| at 400, so a favourite is never expected to score more than 10/11 ≈ 0.909
 * (this keeps one upset from costing a far stronger player more than K·0.909 points). The update is
 * our own, in floating point: R_a += K·(S − E_a) and R_b += K·((1 − S) − (1 − E_a)), with S = 1 for
 * a win of a, 0.5 for a draw, 0 for a loss. (The package's `calculate` counts a draw as a win and
 * truncates the change to an integer, so it is not used.) The update is zero-sum: what a gains, b
 * loses. A draw between equals changes nothing; a draw against a stronger player gains rating.
 *
 * K = 16 by default, Unity ML-Agents' value for self-play (FIDE uses 10–40 for humans). A larger K
 * follows a learner that improves quickly at the price of noisier ratings. Initial rating 1200,
 * also ML-Agents' default. Online Elo depends on the order of the matches; for a table of fixed
 * agents use the order-independent Bradley–Terry fit (bradley-terry.ts).
 */
import EloRating from 'elo-rating';
import { ConfigError } from '../core/errors.ts';

/** Default K factor (Unity ML-Agents' self-play trainer uses 16). */
export const DEFAULT_K = 16;
/** Rating of a new member (ML-Agents' initial Elo). */
export const DEFAULT_RATING = 1200;

/** Score of the first player of a match: win, draw or loss. */
export type Score = 1 | 0.5 | 0;

export function isScore(x: unknown): x is Score {
  return x === 1 || x === 0.5 || x === 0;
}

/** Expected score of a player rated `ra` against one rated `rb` (the difference is capped at ±400). */
export function expectedScore(ra: number, rb: number): number {
  return EloRating.expected(ra, rb);
}

/**
 * Ratings of a and b after one game where a scored `score` (1, 0.5 or 0).
 * Throws `ConfigError` for a score that is not 1, 0.5 or 0, a non-finite rating or a bad K.
 */
export function eloUpdate(ra: number, rb: number, score: number, k = DEFAULT_K): [number, number] {
  if (!isScore(score)) throw new ConfigError(`a match score must be 1, 0.5 or 0, got ${score}`);
  if (!Number.isFinite(ra) || !Number.isFinite(rb)) throw new ConfigError(`ratings must be finite, got ${ra} and ${rb}`);
  checkK(k);
  const delta = k * (score - expectedScore(ra, rb));
  return [ra + delta, rb - delta];
}

export function checkK(k: number): void {
  if (!Number.isFinite(k) || k <= 0) throw new ConfigError(`Elo K must be a positive number, got ${k}`);
}
