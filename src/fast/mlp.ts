/**
 * Actor-critic MLPs on a flat parameter buffer: the layout of an `ActorCritic`'s variables in one
 * Float32Array (the order of `trainableVariables()`: actor kernel/bias per layer, then the critic's,
 * then the Gaussian log-std), and an engine that runs the forward and backward passes of both
 * networks with the kernels of kernels.ts on minibatches held in the kernels' heap.
 *
 * Row counts are padded to a multiple of 4 (the SIMD kernels work on 4-row blocks); padded input rows
 * are zero and padded output-gradient rows are zero, so they never reach a gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';
import { ACT_RELU, ACT_TANH, type ActCode, type Kernels } from './kernels.ts';

export interface DenseLayout {
  readonly inSize: number;
  readonly outSize: number;
  /** Offsets of the kernel [inSize × outSize] and bias [outSize] in the flat buffer. */
  readonly w: number;
  readonly b: number;
}

export interface NetLayout {
  readonly layers: readonly DenseLayout[];
  readonly inSize: number;
  readonly outSize: number;
}

export interface ParamLayout {
  readonly actor: NetLayout;
  readonly critic: NetLayout;
  /** Offset of the Gaussian head's log-std (`actions` floats), or −1. */
  readonly logStd: number;
  /** Total number of parameters. */
  readonly size: number;
  /** One entry per `trainableVariables()` element, in that order. */
  readonly variables: readonly { readonly offset: number; readonly size: number; readonly shape: readonly number[]; readonly name: string }[];
  readonly activation: ActCode;
  readonly head: 'categorical' | 'gaussian';
  readonly actions: number;
}

/** Rounds up to a multiple of 4. */
export const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Why `policy` cannot run on the fast path (null when it can): it must be an `ActorCritic` whose
 * networks are Dense layers with kernel and bias, chained, with a tanh or relu activation.
 */
export function unsupportedReason(policy: unknown): string | null {
  if (!(policy instanceof ActorCritic)) return 'the policy is not an ActorCritic';
  try {
    layoutOf(policy);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The flat layout of a policy's trainable variables; throws ConfigError for unsupported shapes. */
export function layoutOf(policy: ActorCritic): ParamLayout {
  const { spec } = policy;
  const activation = spec.activation === 'tanh' ? ACT_TANH : spec.activation === 'relu' ? ACT_RELU : null;
  if (activation === null) throw new ConfigError(`activation '${String(spec.activation)}' is not supported by the fast learner`);
  const vars = policy.trainableVariables();
  const criticCount = policy.criticVariables().length;
  const actorCount = policy.actorVariables().length - (policy.logStd ? 1 : 0);
  if (actorCount + criticCount + (policy.logStd ? 1 : 0) !== vars.length || actorCount % 2 || criticCount % 2) {
    throw new ConfigError('the policy variables are not kernel/bias pairs');
  }
  const variables: { offset: number; size: number; shape: number[]; name: string }[] = [];
  let offset = 0;
  const net = (first: number, count: number, inSize: number, outSize: number, what: string): NetLayout => {
    const layers: DenseLayout[] = [];
    let width = inSize;
    for (let i = first; i < first + count; i += 2) {
      const kernel = vars[i]!;
      const bias = vars[i + 1]!;
      const [rows, cols] = kernel.shape;
      if (kernel.shape.length !== 2 || bias.shape.length !== 1 || rows !== width || bias.shape[0] !== cols) {
        throw new ConfigError(`${what} layer ${(i - first) / 2} has shapes [${kernel.shape.join(',')}] / [${bias.shape.join(',')}]; expected a Dense layer from ${width} inputs`);
      }
      if (kernel.dtype !== 'float32' || bias.dtype !== 'float32') throw new ConfigError(`${what} variables must be float32`);
      const w = offset;
      variables.push({ offset, size: rows * cols!, shape: [rows, cols!], name: kernel.name });
      offset += rows * cols!;
      const b = offset;
      variables.push({ offset, size: cols!, shape: [cols!], name: bias.name });
      offset += cols!;
      layers.push({ inSize: rows, outSize: cols!, w, b });
      width = cols!;
    }
    if (layers.length === 0 || width !== outSize) throw new ConfigError(`${what} network ends with ${width} outputs, expected ${outSize}`);
    return { layers, inSize, outSize };
  };
  const actor = net(0, actorCount, spec.obsSize, spec.actions, 'actor');
  const critic = net(actorCount, criticCount, spec.criticInputSize, 1, 'critic');
  let logStd = -1;
  if (policy.logStd) {
    if (policy.logStd.size !== spec.actions) throw new ConfigError('log-std size differs from the action count');
    logStd = offset;
    variables.push({ offset, size: spec.actions, shape: [spec.actions], name: policy.logStd.name });
    offset += spec.actions;
  }
  return { actor, critic, logStd, size: offset, variables, activation, head: spec.head, actions: spec.actions };
}

/** Per-network scratch offsets for a row capacity. */
interface NetScratch {
  /** Input rows (capacity × inSize). */
  input: number;
  /** Output of each layer (capacity × outSize); the last is the network's output. */
  outs: number[];
  /** Gradient of the loss w.r.t. the network's output (capacity × outSize). */
  dOut: number;
}

/**
 * Forward/backward passes of both networks on the kernels' heap. The heap holds, in order:
 * parameters, [gradients, optimizer slots 1 and 2] (training only), then scratch sized for a row
 * capacity (grown on demand; scratch contents are not kept across growth).
 */
export class MlpEngine {
  readonly k: Kernels;
  readonly layout: ParamLayout;
  /** Heap offsets (floats) of the parameters, gradients and optimizer slots (−1 when absent). */
  readonly params: number;
  readonly grads: number;
  readonly slot1: number;
  readonly slot2: number;
  /** Rows the scratch is laid out for (a multiple of 4). */
  capacity = 0;
  actor!: NetScratch;
  critic!: NetScratch;
  /** Ping-pong buffers for hidden-layer gradients, and room for one transposed kernel. */
  private dz0 = 0;
  private dz1 = 0;
  private wt = 0;
  private readonly scratchBase: number;
  private readonly training: boolean;

  constructor(k: Kernels, layout: ParamLayout, training: boolean) {
    this.k = k;
    this.layout = layout;
    this.training = training;
    const n = pad4(layout.size);
    let at = 16; // offset 0 is the null pointer
    this.params = at;
    at += n;
    this.grads = training ? at : -1;
    at += training ? n : 0;
    this.slot1 = training ? at : -1;
    at += training ? n : 0;
    this.slot2 = training ? at : -1;
    at += training ? n : 0;
    this.scratchBase = at;
    k.ensure(at);
    k.f32.fill(0, 16, at);
    this.ensureRows(4);
  }

  /** The flat parameters as a view of the heap (re-read after `ensureRows`, which may move it). */
  paramView(): Float32Array {
    return this.k.f32.subarray(this.params, this.params + this.layout.size);
  }

  gradView(): Float32Array {
    return this.k.f32.subarray(this.grads, this.grads + this.layout.size);
  }

  /** Lays the scratch out for at least `rows` rows (padded to 4). */
  ensureRows(rows: number): void {
    const cap = pad4(Math.max(rows, 4));
    if (cap <= this.capacity) return;
    const { actor, critic } = this.layout;
    let at = this.scratchBase;
    const take = (floats: number): number => {
      const off = at;
      at += pad4(floats);
      return off;
    };
    const net = (l: NetLayout): NetScratch => ({
      input: take(cap * l.inSize),
      outs: l.layers.map((d) => take(cap * d.outSize)),
      dOut: this.training ? take(cap * l.outSize) : -1,
    });
    this.actor = net(actor);
    this.critic = net(critic);
    const all = [...actor.layers, ...critic.layers];
    if (this.training) {
      const widest = Math.max(...all.map((d) => d.inSize));
      this.dz0 = take(cap * widest);
      this.dz1 = take(cap * widest);
    }
    this.wt = take(Math.max(...all.map((d) => d.inSize * d.outSize)));
    this.k.ensure(at);
    this.k.f32.fill(0, this.scratchBase, at);
    this.capacity = cap;
  }

  /**
   * Forward pass of one network on `rows` (a multiple of 4) rows from `input` (heap offset; the
   * network's own input buffer unless given). Its output is at `scratch.outs[last]`.
   */
  forward(which: 'actor' | 'critic', rows: number, input?: number): void {
    const net = which === 'actor' ? this.layout.actor : this.layout.critic;
    const s = which === 'actor' ? this.actor : this.critic;
    const k = this.k;
    const P = this.params;
    let x = input ?? s.input;
    const last = net.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inSize: K, outSize: N, w, b } = net.layers[l]!;
      const y = s.outs[l]!;
      if (N >= 4) {
        k.gemmNN(x, P + w, P + b, y, rows, K, N);
      } else if (K >= 4) {
        k.transpose(P + w, this.wt, K, N);
        k.gemmNT(x, this.wt, P + b, y, rows, K, N);
      } else {
        k.gemmStrided(x, K, 1, P + w, N, 1, P + b, y, rows, K, N);
      }
      if (l < last) k.actFwd(y, rows * N, this.layout.activation);
      x = y;
    }
  }

  /**
   * Backward pass of one network after `forward` on the same rows, from the output gradient in
   * `scratch.dOut` (padded rows zero): writes every kernel and bias gradient into the gradient buffer.
   */
  backward(which: 'actor' | 'critic', rows: number, input?: number): void {
    const net = which === 'actor' ? this.layout.actor : this.layout.critic;
    const s = which === 'actor' ? this.actor : this.critic;
    const k = this.k;
    const P = this.params;
    const G = this.grads;
    const act = this.layout.activation;
    let d = s.dOut;
    let spare = this.dz0;
    for (let l = net.layers.length - 1; l >= 0; l--) {
      const { inSize: K, outSize: N, w, b } = net.layers[l]!;
      const x = l === 0 ? (input ?? s.input) : s.outs[l - 1]!;
      // dW = Xᵀ·dZ, db = Σ_rows dZ
      if (K >= 4 && N >= 4) k.gemmTN(x, d, G + w, rows, K, N);
      else if (K >= 4) k.gemmTNNarrow(x, d, G + w, rows, K, N);
      else k.gemmStrided(x, 1, K, d, N, 1, 0, G + w, K, rows, N);
      k.colsum(d, G + b, rows, N);
      if (l === 0) break;
      // dX = dZ·Wᵀ, then through the activation
      if (K >= 4) {
        k.transpose(P + w, this.wt, K, N);
        k.gemmNN(d, this.wt, 0, spare, rows, N, K);
      } else {
        k.gemmStrided(d, N, 1, P + w, 1, N, 0, spare, rows, N, K);
      }
      k.actBwd(spare, x, rows * K, act);
      d = spare;
      spare = spare === this.dz0 ? this.dz1 : this.dz0;
    }
  }

  /** Copies the policy's variables into the flat parameters. */
  loadFrom(policy: ActorCritic): void {
    const vars = policy.trainableVariables();
    const h = this.k.f32;
    this.layout.variables.forEach((v, i) => {
      const data = vars[i]!.dataSync() as Float32Array;
      if (data.length !== v.size) throw new ConfigError(`variable ${v.name} changed size`);
      h.set(data, this.params + v.offset);
    });
  }

  /** Writes the flat parameters back into the policy's variables. */
  storeTo(policy: ActorCritic): void {
    const vars = policy.trainableVariables();
    const h = this.k.f32;
    tf.tidy(() => {
      this.layout.variables.forEach((v, i) => {
        // slice: tfjs may keep the array it is given, so it must not alias the heap
        vars[i]!.assign(tf.tensor(h.slice(this.params + v.offset, this.params + v.offset + v.size), v.shape as number[], 'float32'));
      });
    });
  }
}
