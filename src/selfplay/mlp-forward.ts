/**
 * Batched MLP inference in plain JavaScript over Float32Array weights, for rollout workers: no tfjs in
 * the worker threads, no tensors crossing threads, nothing allocated per call. Reproduces
 * `ActorCritic.actorForward` / `criticForward` (Dense layers, kernels [in, out] row-major).
 */
import type { PolicySpec } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';

interface Layer {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly inSize: number;
  readonly outSize: number;
}

function layersFrom(weights: readonly Float32Array[], start: number, inputSize: number, sizes: readonly number[]): Layer[] {
  const layers: Layer[] = [];
  let inSize = inputSize;
  sizes.forEach((outSize, i) => {
    const kernel = weights[start + 2 * i];
    const bias = weights[start + 2 * i + 1];
    if (!kernel || !bias || kernel.length !== inSize * outSize || bias.length !== outSize) {
      throw new ConfigError(`snapshot weights do not match the policy spec at layer ${i}`);
    }
    layers.push({ kernel, bias, inSize, outSize });
    inSize = outSize;
  });
  return layers;
}

export class MlpForward {
  readonly spec: PolicySpec;
  private readonly actor: Layer[];
  private readonly critic: Layer[];
  readonly logStd: Float32Array | null;
  private scratchA = new Float32Array(0);
  private scratchB = new Float32Array(0);

  constructor(spec: PolicySpec, weights: readonly Float32Array[]) {
    this.spec = spec;
    const actorSizes = [...spec.hidden, spec.actions];
    const criticSizes = [...spec.hidden, 1];
    this.actor = layersFrom(weights, 0, spec.obsSize, actorSizes);
    this.critic = layersFrom(weights, 2 * actorSizes.length, spec.criticInputSize, criticSizes);
    const expected = 2 * (actorSizes.length + criticSizes.length) + (spec.head === 'gaussian' ? 1 : 0);
    if (weights.length !== expected) throw new ConfigError(`snapshot has ${weights.length} weight arrays, expected ${expected}`);
    this.logStd = spec.head === 'gaussian' ? weights[expected - 1]! : null;
  }

  /** Actor outputs (logits or means) for `rows` observations into `out` (rows × actions). */
  actorForward(obs: Float32Array, rows: number, out: Float32Array): void {
    this.run(this.actor, obs, rows, out);
  }

  /** Critic values for `rows` inputs into `out`. */
  criticForward(input: Float32Array, rows: number, out: Float32Array): void {
    this.run(this.critic, input, rows, out);
  }

  private run(layers: readonly Layer[], input: Float32Array, rows: number, out: Float32Array): void {
    const widest = Math.max(...layers.map((l) => l.outSize)) * rows;
    if (this.scratchA.length < widest) {
      this.scratchA = new Float32Array(widest);
      this.scratchB = new Float32Array(widest);
    }
    let x = input;
    const tanh = this.spec.activation === 'tanh';
    for (let li = 0; li < layers.length; li++) {
      const { kernel, bias, inSize, outSize } = layers[li]!;
      const last = li === layers.length - 1;
      const y = last ? out : li % 2 === 0 ? this.scratchA : this.scratchB;
      for (let r = 0; r < rows; r++) {
        const xo = r * inSize;
        const yo = r * outSize;
        for (let j = 0; j < outSize; j++) y[yo + j] = bias[j]!;
        for (let i = 0; i < inSize; i++) {
          const xi = x[xo + i]!;
          if (xi === 0) continue; // one-hot / board inputs are mostly zeros
          const ko = i * outSize;
          for (let j = 0; j < outSize; j++) y[yo + j]! += xi * kernel[ko + j]!;
        }
        if (!last) {
          for (let j = 0; j < outSize; j++) {
            const v = y[yo + j]!;
            y[yo + j] = tanh ? Math.tanh(v) : v > 0 ? v : 0;
          }
        }
      }
      x = y;
    }
  }
}
