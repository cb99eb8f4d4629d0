/** Action sampling shared by tfjs policies and the tfjs-free rollout workers. */
import type { Rng } from '../core/index.ts';

/**
 * Samples from softmax(logits) restricted to legal actions, in float64. Returns the action and its
 * log-probability. With no legal action (an all-zero mask) it throws: a caller bug, never a user's.
 */
export function sampleCategorical(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  mask: ArrayLike<number> | null,
  maskOffset: number,
  rng: Rng,
  deterministic: boolean,
  scratch: Float64Array,
): { action: number; logProb: number } {
  let max = -Infinity;
  for (let a = 0; a < n; a++) if ((!mask || mask[maskOffset + a]) && logits[offset + a]! > max) max = logits[offset + a]!;
  if (max === -Infinity) throw new Error('no legal action to sample');
  let total = 0;
  for (let a = 0; a < n; a++) {
    const p = !mask || mask[maskOffset + a] ? Math.exp(logits[offset + a]! - max) : 0;
    scratch[a] = p;
    total += p;
  }
  let action = -1;
  if (deterministic) {
    let best = -1;
    for (let a = 0; a < n; a++) {
      if (scratch[a]! > best) {
        best = scratch[a]!;
        action = a;
      }
    }
  } else {
    let r = rng.next() * total;
    for (let a = 0; a < n; a++) {
      if (scratch[a] === 0) continue;
      action = a;
      if (r < scratch[a]!) break;
      r -= scratch[a]!;
    }
  }
  return { action, logProb: Math.log(scratch[action]! / total) };
}

/** `out[a]` = softmax of `logits` over the actions with `mask[a]` = 1, exactly 0 elsewhere (float64). */
export function maskedSoftmax(logits: ArrayLike<number>, mask: Uint8Array, out: Float64Array, seat: number): void {
  const n = mask.length;
  let max = -Infinity;
  for (let a = 0; a < n; a++) if (mask[a] && logits[a]! > max) max = logits[a]!;
  if (max === -Infinity) throw new Error(`no legal action for seat ${seat}`);
  let total = 0;
  for (let a = 0; a < n; a++) {
    const p = mask[a] ? Math.exp(logits[a]! - max) : 0;
    out[a] = p;
    total += p;
  }
  for (let a = 0; a < n; a++) out[a] = out[a]! / total;
}

/** Puts probability 1 on the first action with the largest weight in `out[0..n)` (sampleCategorical's deterministic choice). */
export function oneHotArgmax(out: Float64Array, n: number): void {
  let best = 0;
  for (let a = 1; a < n; a++) if (out[a]! > out[best]!) best = a;
  out.fill(0, 0, n);
  out[best] = 1;
}

/** log N(a; μ, σ) with σ = exp(logStd). */
export function gaussianLogProb(a: number, mu: number, logStd: number): number {
  const z = (a - mu) / Math.exp(logStd);
  return -0.5 * z * z - logStd - 0.5 * Math.log(2 * Math.PI);
}

/**
 * Samples a ~ N(μ, diag σ²), σ_j = exp(logStd[j]), component by component (one `rng.normal()` each, as
 * `ActorCritic.act` draws), from the means `mu[offset..offset+n)` into `out[outOffset..outOffset+n)`;
 * when deterministic, writes the means (no draw). Returns Σ_j log N(a_j; μ_j, σ_j), the log-density of
 * the vector as written (unclipped: a game clips it to its box when it applies it).
 */
export function sampleGaussian(
  mu: ArrayLike<number>,
  offset: number,
  logStd: ArrayLike<number>,
  n: number,
  rng: Rng,
  deterministic: boolean,
  out: Float32Array | Float64Array,
  outOffset: number,
): number {
  let logProb = 0;
  for (let j = 0; j < n; j++) {
    const m = mu[offset + j]!;
    const a = deterministic ? m : m + Math.exp(logStd[j]!) * rng.normal();
    out[outOffset + j] = a;
    logProb += gaussianLogProb(a, m, logStd[j]!);
  }
  return logProb;
}

/**
 * The index in [0, n) of the largest `value(i)` (NaN: not a candidate), exact ties drawn uniformly with
 * `rng` by reservoir sampling (each tied index kept with probability 1/ties, so a seed replays); −1 when
 * there is no candidate. The first candidate draws nothing.
 */
export function argmaxTiesSeeded(n: number, value: (i: number) => number, rng: Rng): number {
  let best = -1;
  let bestValue = -Infinity;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    const v = value(i);
    if (Number.isNaN(v)) continue;
    if (best < 0 || v > bestValue) {
      best = i;
      bestValue = v;
      ties = 1;
    } else if (v === bestValue && rng.int(++ties) === 0) best = i;
  }
  return best;
}
