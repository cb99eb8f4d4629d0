/**
 * Actor-critic MLPs on a flat parameter buffer: the layout of an actor-critic's weights in one
 * Float32Array (the order of `ActorCritic.trainableVariables()`: actor kernel/bias per layer, then the
 * critic's, then the Gaussian log-std), and an engine that runs the forward and backward passes of
 * both networks with the kernels of kernels.ts on minibatches held in the kernels' heap.
 *
 * A network may start with a convolutional trunk (`PolicySpec.conv`, agents/policy.ts): 3×3 'same'
 * convolutions as GEMMs over im2col matrices (conv.ts), ReLU, residual blocks; its channels-last
 * output, [rows × (H·W·C)], is the first dense layer's input, in tfjs's flatten order.
 *
 * Pure JavaScript: rollout workers run it on snapshot weights (src/selfplay/mlp-forward.ts), so it
 * imports no tfjs (a lint rule checks it). Reading the layout of a tfjs `ActorCritic` and copying its
 * variables in and out is mlp-tf.ts.
 *
 * Row counts are padded to a multiple of 4 (the SIMD kernels work on 4-row blocks); padded input rows
 * are zero and padded output-gradient rows are zero, so they never reach a gradient.
 */
import { columnHead as columnHeadOf, netConv, type ColumnHeadSpec, type PolicySpec } from '../../agents/policy-spec.ts';
import { ConfigError } from '../../core/errors.ts';
import { addInto, channelsLast, columnWindows, columnWindowsAdjoint, planeMajor } from './conv.ts';
import { ACT_RELU, ACT_TANH, type ActCode, type Kernels } from './kernels.ts';

export interface DenseLayout {
  readonly inSize: number;
  readonly outSize: number;
  /** Offsets of the kernel [inSize × outSize] and bias [outSize] in the flat buffer. */
  readonly w: number;
  readonly b: number;
}

/** One convolution: kernel [3, 3, inCh, outCh] (a [9·inCh × outCh] matrix; the 1×1 reduction's [1, 1, inCh, outCh]) and bias [outCh]. */
export interface ConvLayerLayout {
  readonly inCh: number;
  readonly outCh: number;
  readonly w: number;
  readonly b: number;
}

/**
 * A conv trunk: the first 3×3 convolution, then two per residual block (every one with `channels`
 * outputs), then optionally a 1×1 convolution down to `reduce.outCh` channels.
 */
export interface ConvLayout {
  readonly planes: number;
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  readonly resBlocks: number;
  /** The 3×3 convolutions. */
  readonly layers: readonly ConvLayerLayout[];
  /** The 1×1 reduction after them, or null. */
  readonly reduce: ConvLayerLayout | null;
  /**
   * The column move head (`ConvSpec.columnHead`, the actor's only; null: none): the dense layers run
   * on `cols` rows per sample, each column's window of trunk features (rows × (2·reach + 1) columns ×
   * channels, conv.ts' `columnWindows`), and the last gives one logit.
   */
  readonly columnHead: ColumnHeadSpec | null;
}

/** Rows the dense layers of `net` run per sample: the board's columns under the column head, else one. */
export function denseRowsPerSample(net: NetLayout): number {
  return net.conv?.columnHead ? net.conv.cols : 1;
}

/** Channels of a trunk's output (what the first dense layer reads at every position). */
export function trunkChannels(conv: ConvLayout): number {
  return conv.reduce ? conv.reduce.outCh : conv.channels;
}

/** Kernels and biases of a network: two per conv (3×3 and 1×1) and dense layer. */
export function netVariableCount(net: NetLayout): number {
  return 2 * (net.layers.length + (net.conv ? net.conv.layers.length + (net.conv.reduce ? 1 : 0) : 0));
}

export interface NetLayout {
  /** The dense layers (the first reads the conv trunk's output when there is one). */
  readonly layers: readonly DenseLayout[];
  readonly inSize: number;
  readonly outSize: number;
  readonly conv: ConvLayout | null;
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
 * The flat layout of the weights of a policy of `spec`, in `trainableVariables()` order: per network
 * (actor, then critic) the conv layers' kernel and bias, then the dense layers'; then the log-std.
 * Variables are named `w<index>`; `layoutOf` (mlp-tf.ts) renames them after a policy's variables.
 */
export function paramLayout(spec: PolicySpec): ParamLayout {
  const activation = spec.activation === 'tanh' ? ACT_TANH : spec.activation === 'relu' ? ACT_RELU : null;
  if (activation === null) throw new ConfigError(`activation '${String(spec.activation)}' is not supported by the fast path`);
  const variables: { offset: number; size: number; shape: number[]; name: string }[] = [];
  let offset = 0;
  const take = (shape: number[]): number => {
    const at = offset;
    const size = shape.reduce((a, b) => a * b, 1);
    variables.push({ offset: at, size, shape, name: `w${variables.length}` });
    offset += size;
    return at;
  };
  const net = (which: 'actor' | 'critic', inSize: number, outSize: number): NetLayout => {
    let conv: ConvLayout | null = null;
    let width = inSize;
    const columnHead = columnHeadOf(spec, which) ?? null;
    const c = netConv(spec, which);
    if (c) {
      const [planes, rows, cols] = c.shape;
      const { channels, resBlocks } = c;
      if (planes * rows * cols !== inSize) throw new ConfigError(`conv shape [${planes}, ${rows}, ${cols}] does not hold ${inSize} inputs`);
      const layers: ConvLayerLayout[] = [];
      for (let l = 0; l < 1 + 2 * resBlocks; l++) {
        const inCh = l === 0 ? planes : channels;
        const w = take([3, 3, inCh, channels]);
        layers.push({ inCh, outCh: channels, w, b: take([channels]) });
      }
      const r = c.reduce ?? 0;
      const reduce = r > 0 ? { inCh: channels, outCh: r, w: take([1, 1, channels, r]), b: take([r]) } : null;
      conv = { planes, rows, cols, channels, resBlocks, layers, reduce, columnHead };
      width = (columnHead ? rows * (2 * columnHead.reach + 1) : rows * cols) * (r > 0 ? r : channels);
    }
    const layers: DenseLayout[] = [];
    // the column head's last layer gives one column's logit (the network's output is still [actions]);
    // its first is stored as the convolution it is in tfjs, [rows, 2·reach + 1, channels, units]
    for (const units of [...spec.hidden, columnHead ? 1 : outSize]) {
      const window = layers.length === 0 && conv && columnHead ? [conv.rows, 2 * columnHead.reach + 1, trunkChannels(conv)] : null;
      const w = take(window ? [...window, units] : [width, units]);
      layers.push({ inSize: width, outSize: units, w, b: take([units]) });
      width = units;
    }
    return { layers, inSize, outSize, conv };
  };
  const actor = net('actor', spec.obsSize, spec.actions);
  const critic = net('critic', spec.criticInputSize, 1);
  const logStd = spec.head === 'gaussian' ? take([spec.actions]) : -1;
  return { actor, critic, logStd, size: offset, variables, activation, head: spec.head, actions: spec.actions };
}

/** Whether two specs have the same architecture (the same `paramLayout`, so weights of one fit the other). */
export function sameArchitecture(a: PolicySpec, b: PolicySpec): boolean {
  const ca = a.conv;
  const cb = b.conv;
  const sameConv = ca && cb ? ca.channels === cb.channels && ca.resBlocks === cb.resBlocks && (ca.reduce ?? 0) === (cb.reduce ?? 0) && (ca.actorOnly === true) === (cb.actorOnly === true) && (ca.columnHead?.reach ?? -1) === (cb.columnHead?.reach ?? -1) && ca.shape.every((d, i) => d === cb.shape[i]) : !ca && !cb;
  return (
    sameConv && a.obsSize === b.obsSize && a.criticInputSize === b.criticInputSize && a.actions === b.actions && a.head === b.head && a.activation === b.activation && a.hidden.length === b.hidden.length && a.hidden.every((h, i) => h === b.hidden[i])
  );
}

/** What an `MlpEngine` needs of a layout: the two networks it keeps scratch for, the parameter count and the activation. */
export type EngineLayout = Pick<ParamLayout, 'actor' | 'critic' | 'size' | 'activation'>;

/** Which gradients `MlpEngine.backwardNet` computes: the network's kernels and biases, and/or its input's. */
export interface BackwardOptions {
  /** Kernel and bias gradients into the gradient buffer. */
  readonly params: boolean;
  /** d(loss)/d(input) into `scratch.dInput` (dense networks only: no gradient through a conv trunk). */
  readonly input: boolean;
}

/** Per-network scratch offsets for a row capacity. */
export interface NetScratch {
  /** Input rows (capacity × inSize). */
  input: number;
  /** Output of each layer (capacity × outSize; × cols under the column head); the last is the network's output. */
  outs: number[];
  /** Gradient of the loss w.r.t. the network's output (capacity × outSize). */
  dOut: number;
  /** Gradient of the loss w.r.t. the network's input (capacity × inSize; training only, −1 otherwise). */
  dInput: number;
  /**
   * Conv nets: the output of each conv layer (capacity·H·W × channels, after its ReLU; a residual
   * block's second, after the skip and ReLU), then the 1×1 reduction's (capacity·H·W × its channels).
   */
  trunk: number[];
  /** The column head's input: the trunk's output, one row per (sample, column) (−1 without the head). */
  columns: number;
}

/**
 * Forward/backward passes of both networks on the kernels' heap. The heap holds, in order:
 * parameters, [gradients, optimizer slots 1 and 2] (training only), then scratch sized for a row
 * capacity (grown on demand; scratch contents are not kept across growth).
 *
 * Any dense network whose parameters lie in the buffer runs through `forwardNet`/`backwardNet` with a
 * scratch of the same shape: the off-policy learners (offpolicy-nets.ts) keep several critics and
 * target networks in one buffer, and `extraNets` gives networks besides the actor and the critic a
 * scratch of their own (`extra`).
 */
export class MlpEngine<L extends EngineLayout = ParamLayout> {
  readonly k: Kernels;
  readonly layout: L;
  /** Heap offsets (floats) of the parameters, gradients and optimizer slots (−1 when absent). */
  readonly params: number;
  readonly grads: number;
  readonly slot1: number;
  readonly slot2: number;
  /** Rows the scratch is laid out for (a multiple of 4). */
  capacity = 0;
  actor!: NetScratch;
  critic!: NetScratch;
  /** Scratch of each of `extraNets`, in order. */
  extra: NetScratch[] = [];
  /** Ping-pong buffers for hidden-layer gradients (and tangents, `jvpNet`, with a third), and room for one transposed kernel. */
  private dz0 = 0;
  private dz1 = 0;
  private dz2 = 0;
  private wt = 0;
  /** Conv nets: one im2col matrix (reused by every conv layer, forward and backward) and three trunk-gradient buffers. */
  private col = 0;
  private cg: [number, number, number] = [0, 0, 0];
  private readonly scratchBase: number;
  private readonly training: boolean;
  private readonly extraNets: readonly NetLayout[];

  constructor(k: Kernels, layout: L, training: boolean, extraNets: readonly NetLayout[] = []) {
    this.k = k;
    this.layout = layout;
    this.training = training;
    this.extraNets = extraNets;
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
      outs: l.layers.map((d) => take(cap * denseRowsPerSample(l) * d.outSize)),
      dOut: this.training ? take(cap * l.outSize) : -1,
      dInput: this.training ? take(cap * l.inSize) : -1,
      trunk: l.conv ? [...l.conv.layers, ...(l.conv.reduce ? [l.conv.reduce] : [])].map((c) => take(cap * l.conv!.rows * l.conv!.cols * c.outCh)) : [],
      columns: l.conv?.columnHead ? take(cap * l.conv.cols * l.layers[0]!.inSize) : -1,
    });
    this.actor = net(actor);
    this.critic = net(critic);
    this.extra = this.extraNets.map(net);
    const nets = [actor, critic, ...this.extraNets];
    const all = nets.flatMap((n) => n.layers);
    if (this.training) {
      // per-row sizes times the rows each sample takes (the column head's cols)
      const widest = Math.max(...nets.flatMap((n) => n.layers.map((d) => denseRowsPerSample(n) * d.inSize)));
      this.dz0 = take(cap * widest);
      this.dz1 = take(cap * widest);
      this.dz2 = take(cap * Math.max(widest, ...nets.flatMap((n) => n.layers.map((d) => denseRowsPerSample(n) * d.outSize))));
    }
    const convs = [actor, critic, ...this.extraNets].map((n) => n.conv).filter((c) => c !== null);
    const convLayers = convs.flatMap((c) => c.layers);
    if (convs.length > 0) {
      this.col = take(Math.max(...convs.flatMap((c) => c.layers.map((l) => cap * c.rows * c.cols * 9 * l.inCh))));
      if (this.training) {
        const trunk = Math.max(...convs.map((c) => cap * c.rows * c.cols * Math.max(c.channels, trunkChannels(c))));
        this.cg = [take(trunk), take(trunk), take(trunk)];
      }
    }
    const reductions = convs.flatMap((c) => (c.reduce ? [c.reduce.inCh * c.reduce.outCh] : []));
    this.wt = take(Math.max(...all.map((d) => d.inSize * d.outSize), ...convLayers.map((l) => 9 * l.inCh * l.outCh), ...reductions));
    this.k.ensure(at);
    this.k.f32.fill(0, this.scratchBase, at);
    this.capacity = cap;
  }

  /**
   * Forward pass of one network on `rows` (a multiple of 4) rows from `input` (heap offset; the
   * network's own input buffer unless given). Its output is at `scratch.outs[last]`.
   */
  forward(which: 'actor' | 'critic', rows: number, input?: number): void {
    const s = which === 'actor' ? this.actor : this.critic;
    this.forwardNet(which === 'actor' ? this.layout.actor : this.layout.critic, s, rows, input ?? s.input);
  }

  /** Forward pass of any network of the buffer on `rows` (a multiple of 4) rows at `x`, through the scratch `s`. */
  forwardNet(net: NetLayout, s: NetScratch, rows: number, x: number): void {
    const k = this.k;
    const P = this.params;
    const conv = net.conv;
    if (conv) {
      x = this.convForward(conv, s.trunk, x, rows);
      if (conv.columnHead) {
        columnWindows(k.f32, x, s.columns, rows, conv.rows, conv.cols, trunkChannels(conv), conv.columnHead.reach);
        x = s.columns;
      }
    }
    const R = rows * denseRowsPerSample(net);
    const last = net.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inSize: K, outSize: N, w, b } = net.layers[l]!;
      const y = s.outs[l]!;
      this.affine(x, P + w, P + b, y, R, K, N);
      if (l < last) k.actFwd(y, R * N, this.layout.activation);
      x = y;
    }
  }

  /** The conv trunk on `rows` plane-major inputs at `x`: each layer's output into `trunk`; returns the last. */
  private convForward(conv: ConvLayout, trunk: readonly number[], x: number, rows: number): number {
    const k = this.k;
    const h = k.f32;
    const P = this.params;
    const { rows: H, cols: W, channels: C, layers } = conv;
    const M = rows * H * W;
    const features = channelsLast(C, H, W);
    const stem = layers[0]!;
    k.im2col(x, rows, planeMajor(conv.planes, H, W), this.col);
    this.affine(this.col, P + stem.w, P + stem.b, trunk[0]!, M, 9 * stem.inCh, C);
    k.actFwd(trunk[0]!, M * C, ACT_RELU);
    for (let b = 0; b < conv.resBlocks; b++) {
      const a = trunk[2 * b]!;
      const m = trunk[2 * b + 1]!;
      const out = trunk[2 * b + 2]!;
      const first = layers[2 * b + 1]!;
      const second = layers[2 * b + 2]!;
      k.im2col(a, rows, features, this.col);
      this.affine(this.col, P + first.w, P + first.b, m, M, 9 * C, C);
      k.actFwd(m, M * C, ACT_RELU);
      k.im2col(m, rows, features, this.col);
      this.affine(this.col, P + second.w, P + second.b, out, M, 9 * C, C);
      addInto(h, out, a, M * C);
      k.actFwd(out, M * C, ACT_RELU);
    }
    const red = conv.reduce;
    if (red) {
      // a 1×1 convolution on channels-last features is one GEMM over the positions
      const out = trunk[trunk.length - 1]!;
      this.affine(trunk[trunk.length - 2]!, P + red.w, P + red.b, out, M, C, red.outCh);
      k.actFwd(out, M * red.outCh, ACT_RELU);
    }
    return trunk[trunk.length - 1]!;
  }

  /** Y[M×N] = X[M×K]·W + b for a [K×N] kernel at heap offset `w` (bias at `b`), on the fastest kernel for the shape. */
  private affine(x: number, w: number, b: number, y: number, M: number, K: number, N: number): void {
    const k = this.k;
    if (N >= 4) {
      k.gemmNN(x, w, b, y, M, K, N);
    } else if (K >= 4) {
      k.transpose(w, this.wt, K, N);
      k.gemmNT(x, this.wt, b, y, M, K, N);
    } else {
      k.gemmStrided(x, K, 1, w, N, 1, b, y, M, K, N);
    }
  }

  /** The gradients of `affine`'s kernel and bias, dW = Xᵀ·dY and db = Σ_rows dY, into `gw`, `gb`. */
  private affineGrads(x: number, d: number, gw: number, gb: number, M: number, K: number, N: number): void {
    const k = this.k;
    if (K >= 4 && N >= 4) k.gemmTN(x, d, gw, M, K, N);
    else if (K >= 4) k.gemmTNNarrow(x, d, gw, M, K, N);
    else k.gemmStrided(x, 1, K, d, N, 1, 0, gw, K, M, N);
    k.colsum(d, gb, M, N);
  }

  /** The input gradient of `affine`, dX = dY·Wᵀ, into `dx`. */
  private affineInputGrad(d: number, w: number, dx: number, M: number, K: number, N: number): void {
    const k = this.k;
    if (K >= 4) {
      k.transpose(w, this.wt, K, N);
      k.gemmNN(d, this.wt, 0, dx, M, N, K);
    } else {
      k.gemmStrided(d, N, 1, w, 1, N, 0, dx, M, N, K);
    }
  }

  /**
   * Backward pass of one network after `forward` on the same rows, from the output gradient in
   * `scratch.dOut` (padded rows zero): writes every kernel and bias gradient into the gradient buffer.
   */
  backward(which: 'actor' | 'critic', rows: number, input?: number): void {
    const s = which === 'actor' ? this.actor : this.critic;
    this.backwardNet(which === 'actor' ? this.layout.actor : this.layout.critic, s, rows, input ?? s.input, { params: true, input: false });
  }

  /**
   * Backward pass of any network of the buffer after `forwardNet` on the same rows, input `x` and
   * scratch `s`, from the output gradient in `s.dOut` (padded rows zero): the gradients `grads` asks for.
   */
  backwardNet(net: NetLayout, s: NetScratch, rows: number, x: number, grads: BackwardOptions): void {
    const k = this.k;
    const P = this.params;
    const G = this.grads;
    const act = this.layout.activation;
    const conv = net.conv;
    if (grads.input && conv) throw new ConfigError('the fast path computes no input gradient through a conv trunk');
    let d = s.dOut;
    let spare = this.dz0;
    const R = rows * denseRowsPerSample(net);
    const trunkOut = conv ? s.trunk[s.trunk.length - 1]! : -1;
    for (let l = net.layers.length - 1; l >= 0; l--) {
      const { inSize: K, outSize: N, w, b } = net.layers[l]!;
      const xl = l > 0 ? s.outs[l - 1]! : conv ? (conv.columnHead ? s.columns : trunkOut) : x;
      // dW = Xᵀ·dZ, db = Σ_rows dZ
      if (grads.params) this.affineGrads(xl, d, G + w, G + b, R, K, N);
      if (l === 0) {
        // the network's input: its gradient, or on into the conv trunk (whose output went through a ReLU)
        if (grads.input) this.affineInputGrad(d, P + w, s.dInput, rows, K, N);
        else if (conv && grads.params) {
          if (conv.columnHead) {
            // the gradient of each column's window, summed back onto the trunk's channels-last features
            this.affineInputGrad(d, P + w, spare, R, K, N);
            columnWindowsAdjoint(k.f32, spare, this.cg[0], rows, conv.rows, conv.cols, trunkChannels(conv), conv.columnHead.reach);
          } else {
            this.affineInputGrad(d, P + w, this.cg[0], rows, K, N);
          }
          k.actBwd(this.cg[0], trunkOut, rows * conv.rows * conv.cols * trunkChannels(conv), ACT_RELU);
          this.convBackward(conv, s.trunk, x, rows);
        }
        break;
      }
      // dX = dZ·Wᵀ, then through the activation
      this.affineInputGrad(d, P + w, spare, R, K, N);
      k.actBwd(spare, xl, R * K, act);
      d = spare;
      spare = spare === this.dz0 ? this.dz1 : this.dz0;
    }
  }

  /**
   * Forward-mode derivative of a dense network after `forwardNet` on the same rows, input `x` and
   * scratch `s`: J·v, the directional derivative of its output along a parameter direction v laid
   * out as the parameters at heap offset `tangent` (the network's own offsets from there are read),
   * into `out` (rows × outSize). With the input constant (ẋ₀ = 0), layer by layer:
   *   ż_l = ẋ_{l−1}·W_l + x_{l−1}·V_l + v_{b,l},   ẋ_l = act′(z_l) ⊙ ż_l  (none after the last layer),
   * act′ read from the layer's saved outputs as `actBwd` does (1 − y² for tanh, [y > 0] for relu).
   * TRPO's Fisher-vector product (src/fast/trpo.ts) is J·v, then its output metric, then `backwardNet`.
   */
  jvpNet(net: NetLayout, s: NetScratch, rows: number, x: number, tangent: number, out: number): void {
    if (net.conv) throw new ConfigError('the fast path computes no forward-mode derivative through a conv trunk');
    if (!this.training) throw new ConfigError('jvpNet needs a training engine (its tangent buffers)');
    const h = this.k.f32;
    const P = this.params;
    const last = net.layers.length - 1;
    let prev = 0;
    let cur = this.dz0;
    for (let l = 0; l <= last; l++) {
      const { inSize: K, outSize: N, w, b } = net.layers[l]!;
      const y = l === last ? out : cur;
      const xl = l > 0 ? s.outs[l - 1]! : x;
      this.affine(xl, tangent + w, tangent + b, y, rows, K, N);
      if (l > 0) {
        this.affine(prev, P + w, 0, this.dz2, rows, K, N);
        addInto(h, y, this.dz2, rows * N);
      }
      if (l === last) break;
      this.k.actBwd(y, s.outs[l]!, rows * N, this.layout.activation);
      prev = y;
      cur = y === this.dz0 ? this.dz1 : this.dz0;
    }
  }

  /**
   * Backward through the conv trunk from the gradient w.r.t. its last pre-activation in `cg[0]`
   * (the 1×1 reduction's when there is one): every conv kernel and bias
   * gradient. Each residual block's skip adds its output gradient to the gradient of its input; the
   * stem's input (the observation) needs none.
   */
  private convBackward(conv: ConvLayout, trunk: readonly number[], x: number, rows: number): void {
    const k = this.k;
    const h = k.f32;
    const P = this.params;
    const G = this.grads;
    const { rows: H, cols: W, channels: C, layers } = conv;
    const M = rows * H * W;
    const n = M * C;
    const features = channelsLast(C, H, W);
    const dm = this.cg[1];
    let [d, dt] = [this.cg[0], this.cg[2]];
    const red = conv.reduce;
    if (red) {
      // the 1×1 reduction: input the tower's output, output gradient d; then through the tower's last ReLU
      const tower = trunk[trunk.length - 2]!;
      this.affineGrads(tower, d, G + red.w, G + red.b, M, C, red.outCh);
      this.affineInputGrad(d, P + red.w, dt, M, C, red.outCh);
      k.actBwd(dt, tower, n, ACT_RELU);
      [d, dt] = [dt, d];
    }
    for (let b = conv.resBlocks - 1; b >= 0; b--) {
      const a = trunk[2 * b]!;
      const m = trunk[2 * b + 1]!;
      const first = layers[2 * b + 1]!;
      const second = layers[2 * b + 2]!;
      // second convolution: input m, output gradient d
      k.im2col(m, rows, features, this.col);
      this.affineGrads(this.col, d, G + second.w, G + second.b, M, 9 * C, C);
      this.affineInputGrad(d, P + second.w, this.col, M, 9 * C, C);
      k.col2im(this.col, rows, C, H, W, dm);
      k.actBwd(dm, m, n, ACT_RELU);
      // first convolution: input a, output gradient dm; then the skip
      k.im2col(a, rows, features, this.col);
      this.affineGrads(this.col, dm, G + first.w, G + first.b, M, 9 * C, C);
      this.affineInputGrad(dm, P + first.w, this.col, M, 9 * C, C);
      k.col2im(this.col, rows, C, H, W, dt);
      addInto(h, dt, d, n);
      k.actBwd(dt, a, n, ACT_RELU);
      [d, dt] = [dt, d];
    }
    const stem = layers[0]!;
    k.im2col(x, rows, planeMajor(conv.planes, H, W), this.col);
    this.affineGrads(this.col, d, G + stem.w, G + stem.b, M, 9 * stem.inCh, C);
  }
}
