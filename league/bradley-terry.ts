/**
 * Bradley–Terry ratings by maximum likelihood over every game of a tournament.
 *
 * Model: P(i beats j) = σ(θ_i − θ_j) with σ the logistic function; ratings are reported on the Elo
 * scale R_i = 400·log10(e)·θ_i = 400·θ_i / ln 10, so a 400-point gap means 10:1 odds (the same
 * scale as online Elo). A draw counts as half a win for each side: the pair (i, j) contributes
 * S_ij·log σ(θ_i − θ_j) + S_ji·log σ(θ_j − θ_i), with S_ij = wins_ij + 0.5·draws_ij. The fit uses
 * only these totals, so it does not depend on the order of the games (unlike online Elo).
 *
 * Prior (regularisation): an independent Gaussian prior θ_i ~ N(0, τ²), τ = `priorSd` Elo (default
 * 1000, i.e. odds of 10^2.5 ≈ 316:1 for one standard deviation), so the fit is a MAP estimate. It
 * is weak — against a few games of evidence it moves ratings by a few Elo — but it keeps an unbeaten
 * (or winless) agent finite: its rating ends some hundreds of Elo beyond the others, with a wide
 * interval, instead of diverging. It also makes the Hessian invertible (the likelihood alone only
 * fixes differences of ratings).
 *
 * Maximised by Newton's method with step halving (the objective is strictly concave, so it
 * converges from θ = 0). Intervals: the covariance of θ is the inverse of the observed information
 * (the negative Hessian of the log posterior at the optimum); the reported rating is a contrast —
 * θ_i minus the mean of all θ (anchor `mean`, default) or minus θ of a named anchor agent — and its
 * 95% interval is ±1.96 standard errors of that contrast. Game outcomes with draws vary less than
 * the binomial model assumes, so with many draws the intervals are conservative.
 */
import { ConfigError } from '../core/errors.ts';

/** Results of a pair from a's point of view (a's wins, the draws, a's losses). */
export interface PairResult {
  readonly a: string;
  readonly b: string;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
}

/** One game: a's score (1, 0.5 or 0). */
export interface GameResult {
  readonly a: string;
  readonly b: string;
  readonly score: number;
}

export interface BradleyTerryOptions {
  /** `mean` (default: ratings average to `offset`) or an agent id that gets exactly `offset`. */
  readonly anchor?: string;
  /** Rating of the anchor (default 0). */
  readonly offset?: number;
  /** Standard deviation of the Gaussian prior on each rating, in Elo (default 1000). */
  readonly priorSd?: number;
  /** Two-sided confidence level of the intervals (default 0.95). */
  readonly confidence?: number;
  readonly maxIterations?: number;
}

export interface BradleyTerryRating {
  readonly rank: number;
  readonly id: string;
  /** Elo-scale rating relative to the anchor. */
  readonly rating: number;
  /** Standard error of the rating (Elo). */
  readonly se: number;
  /** Half-width of the confidence interval (Elo). */
  readonly halfWidth: number;
  readonly lo: number;
  readonly hi: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  readonly games: number;
  /** (wins + draws/2) / games over all its games (0.5 when it played none). */
  readonly score: number;
}

export interface BradleyTerryFit {
  /** Sorted by rating, best first. */
  readonly ratings: BradleyTerryRating[];
  readonly anchor: string;
  readonly offset: number;
  readonly priorSd: number;
  readonly confidence: number;
  /** Log-likelihood of the games at the fitted ratings (prior term excluded). */
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** 400 / ln 10: natural-log odds → Elo points. */
export const ELO_PER_NAT = 400 / Math.LN10;

/** Sums per-game results into pair totals (self-pairs dropped; a pair's both orders merged). */
export function aggregateGames(games: readonly GameResult[]): PairResult[] {
  const map = new Map<string, { a: string; b: string; wins: number; draws: number; losses: number }>();
  for (const g of games) {
    if (g.a === g.b) continue;
    const flip = g.a > g.b;
    const [a, b] = flip ? [g.b, g.a] : [g.a, g.b];
    const s = flip ? 1 - g.score : g.score;
    const key = `${a}\u0000${b}`;
    let row = map.get(key);
    if (!row) map.set(key, (row = { a, b, wins: 0, draws: 0, losses: 0 }));
    if (s === 1) row.wins++;
    else if (s === 0) row.losses++;
    else if (s === 0.5) row.draws++;
    else throw new ConfigError(`a game score must be 1, 0.5 or 0, got ${g.score}`);
  }
  return [...map.values()];
}

function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Inverse of the standard normal CDF at p (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ConfigError(`quantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Cholesky factor L (row-major n×n, lower) of a symmetric positive-definite matrix; throws if not SPD. */
function cholesky(m: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('matrix is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = rhs. */
function cholSolve(l: Float64Array, n: number, rhs: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = rhs[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * The information matrix I = L + prec·Id, where the likelihood part L has the all-ones vector 1 in
 * its null space, is badly conditioned when the prior is weak (the overall level of the ratings is
 * barely determined). Both uses below avoid inverting it directly: M = I + c·11ᵀ acts as I on the
 * subspace ⊥ 1 and has a well-scaled eigenvalue prec + c·n along 1.
 */
function shifted(info: Float64Array, n: number): { m: Float64Array; c: number } {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += info[i * n + i]!;
  const c = Math.max(trace / n, 1e-12) / n;
  const m = info.map((x) => x + c);
  return { m, c };
}

/** Solves I·x = g: x = M⁻¹·g⊥ + (mean g / prec)·1, since I·1 = prec·1. */
function solveInfo(info: Float64Array, n: number, g: Float64Array, prec: number): Float64Array {
  const { m } = shifted(info, n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += g[i]! / n;
  const x = cholSolve(cholesky(m, n), n, g.map((v) => v - mean));
  for (let i = 0; i < n; i++) x[i]! += mean / prec;
  return x;
}

/**
 * C·I⁻¹·C with C = Id − 11ᵀ/n: the covariance of θ minus its mean. Any contrast vector v ⊥ 1 (such
 * as e_i − e_k) has vᵀI⁻¹v = vᵀ(C·I⁻¹·C)v, so this serves both anchors. Computed as
 * M⁻¹ − 11ᵀ/(n·(prec + c·n)).
 */
function contrastCovariance(info: Float64Array, n: number, prec: number): Float64Array {
  const { m, c } = shifted(info, n);
  const l = cholesky(m, n);
  const cov = new Float64Array(n * n);
  const e = new Float64Array(n);
  const along = 1 / (n * (prec + c * n));
  for (let k = 0; k < n; k++) {
    e.fill(0);
    e[k] = 1;
    const col = cholSolve(l, n, e);
    for (let i = 0; i < n; i++) cov[i * n + k] = col[i]! - along;
  }
  return cov;
}

interface Pair {
  i: number;
  j: number;
  /** Score of i against j, and of j against i. */
  sij: number;
  sji: number;
  n: number;
}

/**
 * Fits Bradley–Terry ratings for `ids` from pair totals (a pair may appear several times, in either
 * order; self-pairs are ignored). Throws `ConfigError` for unknown ids, negative counts or a bad option.
 */
export function fitBradleyTerry(ids: readonly string[], results: readonly PairResult[], opts: BradleyTerryOptions = {}): BradleyTerryFit {
  const n = ids.length;
  if (n === 0) throw new ConfigError('Bradley–Terry needs at least one agent');
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (index.has(id)) throw new ConfigError(`agent '${id}' is listed twice`);
    index.set(id, i);
  });
  const priorSd = opts.priorSd ?? 1000;
  if (!(priorSd > 0) || !Number.isFinite(priorSd)) throw new ConfigError(`priorSd must be a positive number of Elo, got ${priorSd}`);
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new ConfigError(`confidence must be in (0, 1), got ${confidence}`);
  const anchor = opts.anchor ?? 'mean';
  const anchorIndex = anchor === 'mean' ? -1 : index.get(anchor);
  if (anchorIndex === undefined) throw new ConfigError(`anchor '${anchor}' is not one of the agents (${ids.join(', ')})`);
  const offset = opts.offset ?? 0;
  const maxIterations = opts.maxIterations ?? 100;

  const wins = new Float64Array(n);
  const draws = new Float64Array(n);
  const losses = new Float64Array(n);
  const pairMap = new Map<number, Pair>();
  for (const r of results) {
    const i = index.get(r.a);
    const j = index.get(r.b);
    if (i === undefined || j === undefined) throw new ConfigError(`result for unknown agent '${i === undefined ? r.a : r.b}'`);
    for (const c of [r.wins, r.draws, r.losses]) {
      if (!(c >= 0) || !Number.isFinite(c)) throw new ConfigError(`game counts must be finite and >= 0 (${r.a} vs ${r.b})`);
    }
    if (i === j) continue;
    const [lo, hi, w, l] = i < j ? [i, j, r.wins, r.losses] : [j, i, r.losses, r.wins];
    const key = lo * n + hi;
    let p = pairMap.get(key);
    if (!p) pairMap.set(key, (p = { i: lo, j: hi, sij: 0, sji: 0, n: 0 }));
    p.sij += w + r.draws / 2;
    p.sji += l + r.draws / 2;
    p.n += w + l + r.draws;
    wins[i]! += r.wins;
    losses[i]! += r.losses;
    draws[i]! += r.draws;
    wins[j]! += r.losses;
    losses[j]! += r.wins;
    draws[j]! += r.draws;
  }
  const pairs = [...pairMap.values()].filter((p) => p.n > 0);
  const tau = priorSd / ELO_PER_NAT;
  const prec = 1 / (tau * tau);

  const logLik = (theta: Float64Array): number => {
    let ll = 0;
    for (const p of pairs) {
      const d = theta[p.i]! - theta[p.j]!;
      ll += p.sij * logSigmoid(d) + p.sji * logSigmoid(-d);
    }
    return ll;
  };
  const objective = (theta: Float64Array): number => {
    let pen = 0;
    for (let i = 0; i < n; i++) pen += theta[i]! * theta[i]!;
    return logLik(theta) - 0.5 * prec * pen;
  };
  /** Gradient and negative Hessian (observed information) of the log posterior. */
  const derivatives = (theta: Float64Array): { g: Float64Array; info: Float64Array } => {
    const g = new Float64Array(n);
    const info = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      g[i] = -prec * theta[i]!;
      info[i * n + i] = prec;
    }
    for (const p of pairs) {
      const q = sigmoid(theta[p.i]! - theta[p.j]!);
      const r = p.sij - p.n * q;
      g[p.i]! += r;
      g[p.j]! -= r;
      const w = p.n * q * (1 - q);
      info[p.i * n + p.i]! += w;
      info[p.j * n + p.j]! += w;
      info[p.i * n + p.j]! -= w;
      info[p.j * n + p.i]! -= w;
    }
    return { g, info };
  };

  let theta = new Float64Array(n);
  let f = objective(theta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const { g, info } = derivatives(theta);
    const step = solveInfo(info, n, g, prec);
    let t = 1;
    let next = theta;
    let fNext = f;
    for (let h = 0; h < 60; h++) {
      next = theta.map((x, i) => x + t * step[i]!);
      fNext = objective(next);
      if (fNext >= f - 1e-12 * Math.abs(f)) break;
      t /= 2;
    }
    let maxMove = 0;
    for (let i = 0; i < n; i++) maxMove = Math.max(maxMove, Math.abs(next[i]! - theta[i]!));
    theta = next;
    f = fNext;
    if (maxMove < 1e-9) {
      converged = true;
      break;
    }
  }

  // Covariance of the reported contrasts (differences of θ), from the inverse observed information.
  const { info } = derivatives(theta);
  const cov = contrastCovariance(info, n, prec);
  let ref = 0;
  if (anchorIndex < 0) {
    for (let i = 0; i < n; i++) ref += theta[i]! / n;
  } else {
    ref = theta[anchorIndex]!;
  }
  const z = normalQuantile(0.5 + confidence / 2);
  const rows = ids.map((id, i) => {
    const variance = anchorIndex < 0 ? cov[i * n + i]! : cov[i * n + i]! - 2 * cov[i * n + anchorIndex]! + cov[anchorIndex * n + anchorIndex]!;
    const se = Math.sqrt(Math.max(0, variance)) * ELO_PER_NAT;
    const raw = (theta[i]! - ref) * ELO_PER_NAT;
    const rating = (Math.abs(raw) < 1e-9 ? 0 : raw) + offset;
    const games = wins[i]! + draws[i]! + losses[i]!;
    return {
      rank: 0,
      id,
      rating,
      se,
      halfWidth: z * se,
      lo: rating - z * se,
      hi: rating + z * se,
      wins: wins[i]!,
      draws: draws[i]!,
      losses: losses[i]!,
      games,
      score: games > 0 ? (wins[i]! + draws[i]! / 2) / games : 0.5,
    };
  });
  rows.sort((x, y) => y.rating - x.rating || x.id.localeCompare(y.id));
  rows.forEach((r, k) => (r.rank = k + 1));
  return { ratings: rows, anchor, offset, priorSd, confidence, logLikelihood: logLik(theta), iterations, converged };
}
