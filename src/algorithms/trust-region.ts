/**
 * The trust-region arithmetic of TRPO (Schulman, Levine, Moritz, Jordan, Abbeel 2015, Appendix C), on
 * flat float64 vectors and free of tensors, so that it is tested exactly: the conjugate-gradient solve
 * of F·s = g, the largest step along s that the quadratic model of the KL allows, and the backtracking
 * line search that enforces the true constraint, and the step that chains them (`trustRegionStep`).
 * The network side (F·v, the KL, the surrogate) is the learner's: src/algorithms/trpo.ts on tfjs,
 * src/fast/trpo.ts on the fast path, each as a `TrustRegionProblem`.
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

/**
 * One TRPO update's subproblem at θ_old, as a learner poses it: flat float64 vectors over the actor's
 * variables in `actorVariables()` order.
 */
export interface TrustRegionProblem {
  /** L(θ_old), the surrogate before the step. */
  readonly surrogate: number;
  /** g = ∇L(θ_old). */
  readonly gradient: Float64Array;
  /** (F + λI)·v, F the Hessian of D̄_KL at θ_old and λ the damping. */
  fisherVectorProduct(v: Float64Array): ArrayLike<number>;
  /** Sets the actor to θ_old + scale·step, or back to θ_old when `step` is null. */
  setStep(step: Float64Array | null, scale: number): void;
  /** L(θ) and D̄_KL(θ_old, θ) at the actor's current parameters. */
  evaluate(): { surrogate: number; kl: number };
}

export interface TrustRegionStep {
  readonly cg: CgResult;
  /** β, the full step's scale along the direction `cg.x` (0: no usable direction). */
  readonly beta: number;
  readonly search: LineSearchResult;
  /** The accepted step is stepSize·s (fraction·β; 0 when the old policy was kept). */
  readonly stepSize: number;
  /** gᵀΔθ, the improvement the linear model expects of the accepted step. */
  readonly expectedImprovement: number;
  /** ‖Δθ‖₂. */
  readonly stepNorm: number;
}

/**
 * TRPO's policy step on a learner's subproblem (Appendix C): s ≈ (F + λI)⁻¹g by `cgIters` iterations
 * of conjugate gradient, β = √(2δ / sᵀ(F + λI)s), then the backtracking line search from the full step
 * β·s. Leaves the actor at the accepted θ_old + fraction·β·s, or at θ_old when none was.
 */
export function trustRegionStep(p: TrustRegionProblem, opts: { cgIters: number; maxKl: number; shrink: number; maxSteps: number }): TrustRegionStep {
  const cg = conjugateGradient((v) => p.fisherVectorProduct(v), p.gradient, { iters: opts.cgIters });
  const dir = cg.x;
  const beta = cg.iterations > 0 ? maxStepScale(dot(dir, p.fisherVectorProduct(dir)), opts.maxKl) : 0;
  const search: LineSearchResult =
    beta > 0
      ? backtrackingLineSearch(
          (fraction) => {
            p.setStep(dir, fraction * beta);
            return p.evaluate();
          },
          { surrogateBefore: p.surrogate, maxKl: opts.maxKl, shrink: opts.shrink, maxSteps: opts.maxSteps },
        )
      : { accepted: false, fraction: 0, evaluations: 0, surrogate: p.surrogate, kl: 0 };
  if (!search.accepted) p.setStep(null, 0);
  const stepSize = search.fraction * beta;
  return { cg, beta, search, stepSize, expectedImprovement: stepSize * dot(p.gradient, dir), stepNorm: stepSize * Math.sqrt(dot(dir, dir)) };
}
