/**
 * Actor-critic MLPs on a flat parameter buffer: the layout of an actor-critic's weights in one
 * Float32Array (the order of `ActorCritic.trainableVariables()`: actor kernel/bias per layer, then the
 * critic's, then the Gaussian log-std), and an engine that runs the forward and backward passes of
 * both networks with the kernels of kernels.ts on minibatches held in the kernels' heap.
 *
 * Pure JavaScript: rollout workers run it on snapshot weights (src/selfplay/mlp-forward.ts), so it
 * imports no tfjs (a lint rule checks it). Reading the layout of a tfjs `ActorCritic` and copying its
 * variables in and out is mlp-tf.ts.
 *
 * Row counts are padded to a multiple of 4 (the SIMD kernels work on 4-row blocks); padded input rows
 * are zero and padded output-gradient rows are zero, so they never reach a gradient.
 */
import type { ActCode, Kernels } from './kernels.ts';

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
}
