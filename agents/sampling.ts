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
