/**
 * The trust-region arithmetic of TRPO (Schulman, Levine, Moritz, Jordan, Abbeel 2015, Appendix C), on
 * flat float64 vectors and free of tensors, so that it is tested exactly: the conjugate-gradient solve
 * of F·s = g, the largest step along s that the quadratic model of the KL allows, and the backtracking
 * line search that enforces the true constraint. The tensor side (F·v, the KL, the surrogate) is
 * src/algorithms/trpo.ts.
 */

/** x·y over two vectors of one length. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

export interface CgResult {
  /** The approximate solution of A·x = b. */
  readonly x: Float64Array;
  /** ‖b − A·x‖ at the end. */
  readonly residualNorm: number;
  /** Products A·p taken (at most `iters`). */
  readonly iterations: number;
}

/**
 * Conjugate gradient for A·x = b with A symmetric positive definite, given only `matVec(v) = A·v`
 * (Hestenes & Stiefel 1952; Nocedal & Wright, Algorithm 5.2), from x₀ = 0:
 *   r₀ = p₀ = b;  α_k = r_kᵀr_k / p_kᵀA p_k;  x_{k+1} = x_k + α_k p_k;  r_{k+1} = r_k − α_k A p_k;
 *   p_{k+1} = r_{k+1} + (r_{k+1}ᵀr_{k+1} / r_kᵀr_k) p_k.
 * TRPO (Appendix C) runs a fixed small number of iterations (k = 10 in the paper, 15 in SB3) on
 * F·s = g, so the Fisher matrix F is never formed. Stops early once ‖r‖² < `residualTol` (SB3: 1e-10).
 */
export function conjugateGradient(matVec: (v: Float64Array) => ArrayLike<number>, b: ArrayLike<number>, opts: { iters: number; residualTol?: number }): CgResult {
  const n = b.length;
  const tol = opts.residualTol ?? 1e-10;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  let iterations = 0;
  while (iterations < opts.iters && rr >= tol) {
    const ap = matVec(p);
    iterations++;
    const pAp = dot(p, ap);
    if (!(pAp > 0)) break; // not positive definite along p (or NaN): keep what we have
    const alpha = rr / pAp;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    const next = dot(r, r);
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i]! + beta * p[i]!;
    rr = next;
  }
  return { x, residualNorm: Math.sqrt(rr), iterations };
}

/**
 * The step length β along the search direction s whose quadratic KL estimate ½(βs)ᵀA(βs) equals the
 * bound δ: β = √(2δ / sᵀAs) (Appendix C). 0 when sᵀAs is not positive (no usable direction).
 */
export function maxStepScale(sAs: number, maxKl: number): number {
  return sAs > 0 && Number.isFinite(sAs) ? Math.sqrt((2 * maxKl) / sAs) : 0;
}

export interface LineSearchResult {
  /** Whether a step was accepted; when not, the caller keeps the old parameters. */
  readonly accepted: boolean;
  /** The accepted fraction of the full step (shrink^k), 0 when none was. */
  readonly fraction: number;
  /** Candidate steps evaluated (1: the full step was accepted). */
  readonly evaluations: number;
  /** Surrogate and mean KL at the accepted step (the old surrogate and 0 when none was). */
  readonly surrogate: number;
  readonly kl: number;
}

/**
 * The backtracking line search of Appendix C: try the full step, then shrink it by `shrink` each time,
 * at most `maxSteps` candidates, and accept the first whose surrogate L(θ) improves on L(θ_old) while
 * the mean KL stays within δ — the line search on L_θold(θ) − X[D̄_KL(θ_old, θ) ≤ δ], X being 0 when the
 * constraint holds and +∞ when it does not. `evaluate(fraction)` sets θ = θ_old + fraction·(full step)
 * and returns L and the mean KL there.
 */
export function backtrackingLineSearch(
  evaluate: (fraction: number) => { surrogate: number; kl: number },
  opts: { surrogateBefore: number; maxKl: number; shrink: number; maxSteps: number },
): LineSearchResult {
  let fraction = 1;
  for (let k = 1; k <= opts.maxSteps; k++) {
    const { surrogate, kl } = evaluate(fraction);
    if (kl <= opts.maxKl && surrogate > opts.surrogateBefore && Number.isFinite(surrogate)) return { accepted: true, fraction, evaluations: k, surrogate, kl };
    fraction *= opts.shrink;
  }
  return { accepted: false, fraction: 0, evaluations: opts.maxSteps, surrogate: opts.surrogateBefore, kl: 0 };
}
