/**
 * Assembling rollout results from several workers into one RolloutBuffer: each result is time-major
 * T × E_k; the batch is T × ΣE_k, env blocks side by side, so GAE runs unchanged over it.
 */
import { ConfigError } from '../../core/index.ts';
import { RolloutBuffer } from '../algorithms/buffer.ts';
import type { RolloutResult } from './rollout.ts';

export function assembleBuffer(results: readonly RolloutResult[], obsSize: number, actions: number, into?: RolloutBuffer): RolloutBuffer {
  if (results.length === 0) throw new ConfigError('no rollout results to assemble');
  const T = results[0]!.steps;
  if (results.some((r) => r.steps !== T)) throw new ConfigError('rollout results disagree on their length');
  const N = results.reduce((a, r) => a + r.envs, 0);
  const buf =
    into && into.spec.steps === T && into.spec.envs === N
      ? into
      : new RolloutBuffer({ steps: T, envs: N, obsSize, criticSize: 0, actions, continuous: false });
  buf.valid.fill(1);
  let e0 = 0;
  for (const r of results) {
    const E = r.envs;
    for (let t = 0; t < T; t++) {
      const src = t * E;
      const dst = t * N + e0;
      buf.obs.set(r.obs.subarray(src * obsSize, (src + E) * obsSize), dst * obsSize);
      buf.masks.set(r.masks.subarray(src * actions, (src + E) * actions), dst * actions);
      buf.actions.set(r.actions.subarray(src, src + E), dst);
      buf.logProbs.set(r.logProbs.subarray(src, src + E), dst);
      buf.values.set(r.values.subarray(src, src + E), dst);
      buf.rewards.set(r.rewards.subarray(src, src + E), dst);
      buf.dones.set(r.dones.subarray(src, src + E), dst);
      buf.nextValues.set(r.nextValues.subarray(src, src + E), dst);
    }
    e0 += E;
  }
  return buf;
}
