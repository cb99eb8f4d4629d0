/**
 * Batched inference for rollouts on the flat parameters of mlp.ts: the actor's head output (logits or
 * Gaussian means) and the critic's values for `rows` inputs, in a few microseconds for the small MLPs
 * of RL where a tfjs forward costs ~0.2 ms of per-op overhead. `act` reproduces `ActorCritic.act`
 * (same sampling code, same RNG draws) on top of it.
 */
import { gaussianLogProb, sampleCategorical, type ActBuffers, type ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import { createKernels, type KernelChoice } from './kernels.ts';
import { pad4 } from './mlp.ts';
import { layoutOf, PolicyMlpEngine } from './mlp-tf.ts';

/**
 * Rows per pass: larger batches run in chunks, so the scratch (which grows with the rows, and for
 * conv nets holds every layer's activations and an im2col matrix) stays bounded, whatever the batch.
 */
const FORWARD_CHUNK = 1024;

export class FastForward {
  readonly policy: ActorCritic;
  private readonly e: PolicyMlpEngine;
  private readonly probs: Float64Array;
  private head = new Float32Array(0);

  private constructor(engine: PolicyMlpEngine, policy: ActorCritic) {
    this.e = engine;
    this.policy = policy;
    this.probs = new Float64Array(policy.spec.actions);
  }

  /** Inference on a private copy of `policy`'s weights; call `refresh()` after they change. */
  static fromPolicy(policy: ActorCritic, kernels?: KernelChoice): FastForward {
    const e = new PolicyMlpEngine(createKernels(kernels), layoutOf(policy), false);
    e.loadFrom(policy);
    return new FastForward(e, policy);
  }

  /** Inference on an engine's parameters in place (the fast learner's: see FastLearner.fastForward). */
  static onEngine(engine: PolicyMlpEngine, policy: ActorCritic): FastForward {
    return new FastForward(engine, policy);
  }

  /** Re-reads the policy's variables into the flat parameters. */
  refresh(): void {
    this.e.loadFrom(this.policy);
  }

  /**
   * Actor head output (`rows × actions` logits or means) into `outHead`, and critic values into
   * `outValues` from `criticInput` (omitted: the observations themselves; null: no critic pass).
   */
  forward(obs: Float32Array, rows: number, outHead: Float32Array, outValues: Float32Array | null, criticInput?: Float32Array | null): void {
    const { actor, critic, actions: A } = this.e.layout;
    const cin = criticInput === undefined ? obs : criticInput;
    for (let r = 0; r < rows; r += FORWARD_CHUNK) {
      const n = Math.min(FORWARD_CHUNK, rows - r);
      const part = obs.subarray(r * actor.inSize);
      const partCritic = cin === obs ? undefined : cin && cin.subarray(r * critic.inSize);
      this.forwardChunk(part, n, outHead.subarray(r * A), outValues && outValues.subarray(r), partCritic);
    }
  }

  private forwardChunk(obs: Float32Array, rows: number, outHead: Float32Array, outValues: Float32Array | null, criticInput?: Float32Array | null): void {
    const e = this.e;
    const { actor, critic, actions: A } = e.layout;
    e.ensureRows(rows);
    const h = e.k.f32;
    const Mp = pad4(rows);
    const obsSize = actor.inSize;
    if (obs.length < rows * obsSize) throw new ConfigError(`forward: ${obs.length} observation floats for ${rows} rows of ${obsSize}`);
    h.set(obs.subarray(0, rows * obsSize), e.actor.input);
    h.fill(0, e.actor.input + rows * obsSize, e.actor.input + Mp * obsSize);
    e.forward('actor', Mp);
    const out = e.actor.outs[actor.layers.length - 1]!;
    outHead.set(h.subarray(out, out + rows * A));
    const cin = criticInput === undefined ? obs : criticInput;
    if (cin && outValues) {
      let input = e.actor.input;
      if (cin !== obs) {
        const size = critic.inSize;
        if (cin.length < rows * size) throw new ConfigError(`forward: ${cin.length} critic-input floats for ${rows} rows of ${size}`);
        input = e.critic.input;
        h.set(cin.subarray(0, rows * size), input);
        h.fill(0, input + rows * size, input + Mp * size);
      } else if (critic.inSize !== obsSize) {
        throw new ConfigError(`the critic reads ${critic.inSize} inputs; pass its input explicitly`);
      }
      e.forward('critic', Mp, input);
      const v = e.critic.outs[critic.layers.length - 1]!;
      outValues.set(h.subarray(v, v + rows));
    }
  }

  /** `ActorCritic.values`: critic values V(x) for `rows` inputs into `out` from `outOffset`. */
  values(input: Float32Array, rows: number, out: Float32Array, outOffset = 0): void {
    const size = this.e.layout.critic.inSize;
    for (let r = 0; r < rows; r += FORWARD_CHUNK) this.valuesChunk(input.subarray(r * size), Math.min(FORWARD_CHUNK, rows - r), out, outOffset + r);
  }

  private valuesChunk(input: Float32Array, rows: number, out: Float32Array, outOffset: number): void {
    const e = this.e;
    const { critic } = e.layout;
    e.ensureRows(rows);
    const h = e.k.f32;
    const Mp = pad4(rows);
    const size = critic.inSize;
    if (input.length < rows * size) throw new ConfigError(`values: ${input.length} input floats for ${rows} rows of ${size}`);
    h.set(input.subarray(0, rows * size), e.critic.input);
    h.fill(0, e.critic.input + rows * size, e.critic.input + Mp * size);
    e.forward('critic', Mp);
    const v = e.critic.outs[critic.layers.length - 1]!;
    out.set(h.subarray(v, v + rows), outOffset);
  }

  /** The Gaussian head's log-std (a view; valid until the next call). */
  logStd(): Float32Array {
    const { logStd, actions } = this.e.layout;
    if (logStd < 0) throw new ConfigError('the policy has no Gaussian head');
    return this.e.k.f32.subarray(this.e.params + logStd, this.e.params + logStd + actions);
  }

  /** `ActorCritic.act` on the flat parameters: same sampling, same RNG draws, same outputs. */
  act(
    obs: Float32Array,
    rows: number,
    masks: Uint8Array | null,
    rng: Rng,
    out: ActBuffers,
    opts: { deterministic?: boolean; criticInput?: Float32Array | null } = {},
  ): void {
    const A = this.policy.spec.actions;
    if (this.head.length < rows * A) this.head = new Float32Array(rows * A);
    const head = this.head;
    const critic = opts.criticInput === undefined ? obs : opts.criticInput;
    this.forward(obs, rows, head, critic ? out.values : null, critic);
    if (this.policy.spec.head === 'categorical') {
      for (let r = 0; r < rows; r++) {
        const { action, logProb } = sampleCategorical(head, r * A, A, masks, r * A, rng, opts.deterministic ?? false, this.probs);
        out.actions[r] = action;
        out.logProbs[r] = logProb;
      }
    } else {
      const std = this.logStd();
      const cont = out.continuous;
      if (!cont) throw new ConfigError('a Gaussian policy needs a `continuous` action buffer');
      for (let r = 0; r < rows; r++) {
        let lp = 0;
        for (let j = 0; j < A; j++) {
          const mu = head[r * A + j]!;
          const a = opts.deterministic ? mu : mu + Math.exp(std[j]!) * rng.normal();
          cont[r * A + j] = a;
          lp += gaussianLogProb(a, mu, std[j]!);
        }
        out.logProbs[r] = lp;
      }
    }
  }
}
