/**
 * Batched MLP inference for rollout workers over a snapshot's Float32Array weights: the fast path's
 * WASM SIMD kernels (src/fast/) on a flat copy of the weights, so no tfjs op runs per step and no
 * tensor crosses threads. Reproduces `ActorCritic.actorForward` / `criticForward` (an optional conv
 * trunk, then Dense layers; kernels row-major, in `trainableVariables()` order): the snapshot's spec
 * says which architecture its weights belong to.
 */
import type { PolicySpec } from '../../agents/policy-spec.ts';
import { ConfigError } from '../../core/index.ts';
import { createKernels } from '../fast/kernels.ts';
import { MlpEngine, pad4, paramLayout, sameArchitecture, type ParamLayout } from '../fast/mlp.ts';

/** The flat layout of a policy of `spec` (the order of its weights), checked against `weights`. */
function layoutFromSpec(spec: PolicySpec, weights: readonly Float32Array[]): ParamLayout {
  const layout = paramLayout(spec);
  if (weights.length !== layout.variables.length) throw new ConfigError(`snapshot has ${weights.length} weight arrays, expected ${layout.variables.length}`);
  layout.variables.forEach((v, i) => {
    if (weights[i]!.length !== v.size) throw new ConfigError(`snapshot weight ${i} has ${weights[i]!.length} values; the policy spec implies [${v.shape.join(', ')}]`);
  });
  return layout;
}

export class MlpForward {
  readonly spec: PolicySpec;
  readonly logStd: Float32Array | null;
  private readonly e: MlpEngine;

  constructor(spec: PolicySpec, weights: readonly Float32Array[]) {
    this.spec = spec;
    const layout = layoutFromSpec(spec, weights);
    this.e = new MlpEngine(createKernels(), layout, false);
    this.logStd = spec.head === 'gaussian' ? new Float32Array(weights[weights.length - 1]!.length) : null;
    this.load(weights);
  }

  /**
   * A forward pass over `weights`: this one with the weights loaded in place when `spec` has the same
   * architecture (no new kernel instance or memory), else a new one.
   */
  reuse(spec: PolicySpec, weights: readonly Float32Array[]): MlpForward {
    if (!sameArchitecture(this.spec, spec)) return new MlpForward(spec, weights);
    (this as { spec: PolicySpec }).spec = spec;
    this.load(weights);
    return this;
  }

  private load(weights: readonly Float32Array[]): void {
    const params = this.e.paramView();
    const { variables } = this.e.layout;
    const check = layoutFromSpec(this.spec, weights); // throws on a weights/spec mismatch
    if (check.variables.length !== variables.length) throw new ConfigError('snapshot weights do not match the policy spec');
    variables.forEach((v, i) => params.set(weights[i]!, v.offset));
    if (this.logStd) this.logStd.set(weights[weights.length - 1]!);
  }

  /** Actor outputs (logits or means) for `rows` observations into `out` (rows × actions). */
  actorForward(obs: Float32Array, rows: number, out: Float32Array): void {
    this.run('actor', obs, rows, out);
  }

  /** Critic values for `rows` inputs into `out`. */
  criticForward(input: Float32Array, rows: number, out: Float32Array): void {
    this.run('critic', input, rows, out);
  }

  private run(which: 'actor' | 'critic', input: Float32Array, rows: number, out: Float32Array): void {
    const e = this.e;
    e.ensureRows(rows);
    const net = which === 'actor' ? e.layout.actor : e.layout.critic;
    const scratch = which === 'actor' ? e.actor : e.critic;
    const h = e.k.f32; // re-read after ensureRows: the heap may have grown
    const padded = pad4(rows);
    const n = rows * net.inSize;
    h.set(input.subarray(0, n), scratch.input);
    h.fill(0, scratch.input + n, scratch.input + padded * net.inSize);
    e.forward(which, padded);
    const y = scratch.outs[net.layers.length - 1]!;
    out.set(h.subarray(y, y + rows * net.outSize));
  }
}
