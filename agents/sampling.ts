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
