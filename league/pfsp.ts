/**
 * Opponent sampling over a pool of past players.
 *
 * - `latest`: self-play against the learner's current weights (ML-Agents' "latest model").
 * - `uniform`: uniform over the history, or over a window of the last N members (ML-Agents'
 *   `window`, default 10 there), optionally mixed with `latest` (ML-Agents plays the latest model
 *   with probability 0.5).
 * - PFSP, prioritized fictitious self-play (AlphaStar, Vinyals et al. 2019): candidate c is drawn
 *   with probability f(x_c) / Σ f(x_c'), where x_c is the learner's win rate against c,
 *   (wins + 0.5·draws) / games, and 0.5 for a pair that has not played. Weightings as in the
 *   published pseudocode: `hard` (1 − x)^p (AlphaStar's `squared` is p = 2) focuses on opponents
 *   the learner still loses to; `variance` x(1 − x) on opponents of similar strength; `linear` 1 − x;
 *   `linear_capped` min(0.5, 1 − x). When the weights sum below 1e-10 (the learner beats everyone)
 *   the draw is uniform, as in the pseudocode.
 */
import { ConfigError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';

export const PFSP_WEIGHTINGS = ['hard', 'variance', 'linear', 'linear_capped'] as const;
export type PfspWeighting = (typeof PFSP_WEIGHTINGS)[number];

/** Win rate assumed for a pair that has not played yet. */
export const UNPLAYED_WIN_RATE = 0.5;
/** Below this total weight PFSP falls back to uniform (AlphaStar pseudocode). */
export const PFSP_UNIFORM_THRESHOLD = 1e-10;

/** How a learner picks opponents when it does not use the AlphaStar roles' rules. */
export type OpponentStrategy =
  | { readonly kind: 'latest' }
  | {
      readonly kind: 'uniform';
      /** Only the last `window` members of the history (all when absent). */
      readonly window?: number;
      /** Probability of playing the latest model (self-play) instead; default 0. */
      readonly latestProbability?: number;
    }
  | { readonly kind: 'pfsp'; readonly weighting?: PfspWeighting; readonly p?: number };

/** f(x) for one win rate x ∈ [0, 1]. `p` is the exponent of `hard` (default 2). */
export function pfspWeight(x: number, weighting: PfspWeighting, p = 2): number {
  if (!(x >= 0 && x <= 1)) throw new ConfigError(`a win rate must be in [0, 1], got ${x}`);
  switch (weighting) {
    case 'hard':
      return (1 - x) ** p;
    case 'variance':
      return x * (1 - x);
    case 'linear':
      return 1 - x;
    case 'linear_capped':
      return Math.min(0.5, 1 - x);
    default:
      throw new ConfigError(`unknown PFSP weighting '${String(weighting)}'; known: ${PFSP_WEIGHTINGS.join(', ')}`);
  }
}

/** Sampling probabilities f(x_i) / Σ f(x_j) (uniform when Σ f < 1e-10 or `p` makes every weight 0). */
export function pfspProbabilities(winRates: ArrayLike<number>, weighting: PfspWeighting = 'hard', p = 2): Float64Array {
  if (!(p > 0) || !Number.isFinite(p)) throw new ConfigError(`PFSP exponent p must be a positive number, got ${p}`);
  const n = winRates.length;
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    out[i] = pfspWeight(winRates[i]!, weighting, p);
    total += out[i]!;
  }
  if (total < PFSP_UNIFORM_THRESHOLD) {
    out.fill(n > 0 ? 1 / n : 0);
    return out;
  }
  for (let i = 0; i < n; i++) out[i]! /= total;
  return out;
}

/** Draws one of `candidates` by PFSP; throws when there are none. */
export function samplePfsp<T>(candidates: readonly T[], winRates: ArrayLike<number>, rng: Rng, weighting: PfspWeighting = 'hard', p = 2): T {
  if (candidates.length === 0) throw new ConfigError('PFSP needs at least one candidate');
  if (winRates.length !== candidates.length) throw new ConfigError(`${candidates.length} candidates but ${winRates.length} win rates`);
  return candidates[rng.categorical(pfspProbabilities(winRates, weighting, p))]!;
}

/** The last `window` entries of a history ordered oldest first (all of it when `window` is absent). */
export function lastWindow<T>(history: readonly T[], window?: number): readonly T[] {
  if (window === undefined) return history;
  if (!Number.isInteger(window) || window < 1) throw new ConfigError(`the opponent window must be an integer >= 1, got ${window}`);
  return history.slice(Math.max(0, history.length - window));
}

/** Draws uniformly from the last `window` entries of a history ordered oldest first. */
export function sampleUniform<T>(history: readonly T[], rng: Rng, window?: number): T {
  const pool = lastWindow(history, window);
  if (pool.length === 0) throw new ConfigError('uniform sampling needs a non-empty history');
  return pool[rng.int(pool.length)]!;
}

/** Throws `ConfigError` for a malformed strategy (unknown kind or weighting, bad window, p or probability). */
export function checkStrategy(s: OpponentStrategy): void {
  switch (s.kind) {
    case 'latest':
      return;
    case 'uniform':
      lastWindow([], s.window);
      if (s.latestProbability !== undefined && !(s.latestProbability >= 0 && s.latestProbability <= 1)) {
        throw new ConfigError(`latestProbability must be in [0, 1], got ${s.latestProbability}`);
      }
      return;
    case 'pfsp':
      pfspProbabilities([0.5], s.weighting ?? 'hard', s.p ?? 2);
      return;
    default:
      throw new ConfigError(`unknown opponent strategy '${String((s as { kind: unknown }).kind)}'; known: latest, uniform, pfsp`);
  }
}
