/**
 * Logit conventions shared by the tfjs policy (policy.ts) and the tfjs-free paths that must form the
 * same numbers (the fast learner's gradient threads, src/fast/ppo-grad.ts). No tfjs here.
 */

/** Logit offset for illegal actions: exp(−1e9) underflows to exactly 0 in float32, so they are never sampled. */
export const MASKED_LOGIT = -1e9;
