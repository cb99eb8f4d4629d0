/**
 * What the fast off-policy learners (sac.ts and td3.ts in this folder) share: their networks —
 * actor, critics and target networks — in one flat parameter buffer on the kernels' heap, run by the
 * `MlpEngine` of mlp.ts (the PPO fast path's; `backwardNet` gives the critic's gradient w.r.t. its
 * input, hence w.r.t. the action, that the actor updates need), Adam over a contiguous range of that
 * buffer with tfjs's float32 operation order, and Polyak averaging from one range into another.
 *
 * The buffer holds the networks in the order given — sources first (actor, critics), then targets
 * in the same order, so "every source" and "every target" are two ranges of the same shape — then
 * any scalars (SAC's log α). A target network runs in its source's scratch.
 *
 * The tfjs `Mlp`s the networks came from stay their checkpoint form: `load` reads them into the
 * buffer, `store` writes the buffer back (before a checkpoint), and `FlatAdam` reads and writes its
 * state as the tfjs Adam optimizer weights, in the same order and under the same names, so a run
 * trained on either learner resumes on the other.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../core/index.ts';
import type { Mlp, OptimizerWeights } from '../algorithms/offpolicy-nets.ts';
import { ACT_RELU, ACT_TANH, createKernels, type KernelChoice } from './kernels.ts';
import type { NamedTensor } from './learner.ts';
import { MlpEngine, pad4, type BackwardOptions, type DenseLayout, type EngineLayout, type NetLayout, type NetScratch } from './mlp.ts';

const f32 = Math.fround;
/** Adam's β1 and β2 as `adam()` of src/algorithms/offpolicy-nets.ts constructs them. */
const BETA1 = 0.9;
const BETA2 = 0.999;

/** One network to place in the buffer; a target names its source (and runs in its scratch). */
export interface FlatNetSpec {
  readonly name: string;
  readonly mlp: Mlp;
  readonly targetOf?: string;
}

/** A variable in the flat buffer (offset from the parameters' start), named as tfjs names it. */
export interface FlatVariable {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly shape: readonly number[];
}

/** A contiguous span of the flat buffer. */
export interface FlatRange {
  readonly offset: number;
  readonly size: number;
}

interface Placed {
  readonly mlp: Mlp;
  readonly net: NetLayout;
  readonly variables: readonly FlatVariable[];
  readonly range: FlatRange;
  /** Which scratch it runs in: 0 the engine's actor, 1 its critic, 2… `extra[i − 2]`. */
  readonly scratch: number;
}

export class FlatNetworks {
  readonly engine: MlpEngine<EngineLayout>;
  /** The kernel implementation in use ('wasm' SIMD, or the plain-JS fallback). */
  readonly kernels: KernelChoice;
  private readonly nets = new Map<string, Placed>();
  private readonly scalarBase: number;

  /** `nets` in buffer order, then `scalars` floats (zero until set). Networks must be dense, all with one activation. */
  constructor(o: { nets: readonly FlatNetSpec[]; scalars?: number; kernels?: KernelChoice }) {
    let offset = 0;
    let sources = 0;
    const activation = o.nets[0]?.mlp.activation;
    for (const spec of o.nets) {
      if (this.nets.has(spec.name)) throw new ConfigError(`network ${spec.name} given twice`);
      if (spec.mlp.activation !== activation) throw new ConfigError(`network ${spec.name} uses ${spec.mlp.activation}; the others ${String(activation)}`);
      const vars = spec.mlp.variables();
      const layers: DenseLayout[] = [];
      const variables: FlatVariable[] = [];
      const start = offset;
      for (const v of vars) {
        variables.push({ name: v.name, offset, size: v.size, shape: v.shape });
        offset += v.size;
      }
      for (let l = 0; l < variables.length; l += 2) {
        const [kernel, bias] = [variables[l]!, variables[l + 1]!];
        layers.push({ inSize: kernel.shape[0]!, outSize: kernel.shape[1]!, w: kernel.offset, b: bias.offset });
      }
      const net: NetLayout = { layers, inSize: layers[0]!.inSize, outSize: layers.at(-1)!.outSize, conv: null };
      let scratch: number;
      if (spec.targetOf !== undefined) {
        const source = this.nets.get(spec.targetOf);
        if (!source) throw new ConfigError(`target ${spec.name}: no network ${spec.targetOf} before it`);
        scratch = source.scratch;
      } else {
        scratch = sources++;
      }
      this.nets.set(spec.name, { mlp: spec.mlp, net, variables, range: { offset: start, size: offset - start }, scratch });
    }
    this.scalarBase = offset;
    offset += o.scalars ?? 0;
    const byScratch = [...this.nets.values()].filter((p, i, all) => all.findIndex((q) => q.scratch === p.scratch) === i).map((p) => p.net);
    if (byScratch.length < 2) throw new ConfigError('the fast off-policy networks need an actor and at least one critic');
    const layout: EngineLayout = { actor: byScratch[0]!, critic: byScratch[1]!, size: offset, activation: activation === 'tanh' ? ACT_TANH : ACT_RELU };
    const k = createKernels(o.kernels);
    this.kernels = k.name;
    this.engine = new MlpEngine(k, layout, true, byScratch.slice(2));
    this.load();
  }

  /** The heap (re-read after `ensureRows`, which may replace it). */
  get f32(): Float32Array {
    return this.engine.k.f32;
  }

  private placed(name: string): Placed {
    const p = this.nets.get(name);
    if (!p) throw new ConfigError(`no network ${name} in the flat buffer (${[...this.nets.keys()].join(', ')})`);
    return p;
  }

  /** The span of networks `first` … `last` (contiguous in buffer order). */
  range(first: string, last: string = first): FlatRange {
    const a = this.placed(first).range;
    const b = this.placed(last).range;
    if (b.offset + b.size < a.offset) throw new ConfigError(`network ${last} lies before ${first}`);
    return { offset: a.offset, size: b.offset + b.size - a.offset };
  }

  /** The variables of `names`, in order (what an optimizer over them names its moments after). */
  variables(names: readonly string[]): FlatVariable[] {
    return names.flatMap((n) => this.placed(n).variables);
  }

  /** The offset of scalar `i` from the parameters' start. */
  scalar(i: number): number {
    return this.scalarBase + i;
  }

  scratch(name: string): NetScratch {
    const i = this.placed(name).scratch;
    const e = this.engine;
    return i === 0 ? e.actor : i === 1 ? e.critic : e.extra[i - 2]!;
  }

  /** Heap offset of the network's output (after `forward`). */
  output(name: string): number {
    const s = this.scratch(name);
    return s.outs[s.outs.length - 1]!;
  }

  /** Lays the scratch out for at least `rows` rows (scratch contents are lost when it grows). */
  ensureRows(rows: number): void {
    this.engine.ensureRows(rows);
  }

  /** Forward pass of `name` on `rows` rows (a multiple of 4) from `x` (default: its scratch's input). */
  forward(name: string, rows: number, x: number = this.scratch(name).input): void {
    this.engine.forwardNet(this.placed(name).net, this.scratch(name), rows, x);
  }

  /** Backward pass of `name` after `forward` on the same rows and input, from its scratch's `dOut`. */
  backward(name: string, rows: number, grads: BackwardOptions, x: number = this.scratch(name).input): void {
    this.engine.backwardNet(this.placed(name).net, this.scratch(name), rows, x, grads);
  }

  /**
   * Copies `rows` rows of `width` floats from `src` into a [padded × stride] matrix at heap offset
   * `dst`, at column `col`; rows from `rows` to pad4(rows) are zeroed in those columns.
   */
  setColumns(dst: number, stride: number, col: number, src: Float32Array, width: number, rows: number): void {
    const h = this.f32;
    for (let r = 0; r < rows; r++) {
      const d = dst + r * stride + col;
      const s = r * width;
      for (let c = 0; c < width; c++) h[d + c] = src[s + c]!;
    }
    for (let r = rows; r < pad4(rows); r++) h.fill(0, dst + r * stride + col, dst + r * stride + col + width);
  }

  /**
   * Polyak averaging θ' ← τ·θ + (1 − τ)·θ' of the span `target` from the span `source` of the same
   * size (Lillicrap et al. 2016, Algorithm 1), rounded as tfjs's float32 ops round it.
   */
  polyak(source: FlatRange, target: FlatRange, tau: number): void {
    if (source.size !== target.size) throw new ConfigError(`Polyak averaging between spans of ${source.size} and ${target.size} parameters`);
    const h = this.f32;
    const P = this.engine.params;
    const t32 = f32(tau);
    const o32 = f32(1 - tau);
    const s0 = P + source.offset;
    const d0 = P + target.offset;
    for (let i = 0; i < source.size; i++) h[d0 + i] = f32(f32(h[s0 + i]! * t32) + f32(h[d0 + i]! * o32));
  }

  /** Reads every network's weights from its tfjs Mlp. */
  load(): void {
    const h = this.f32;
    const P = this.engine.params;
    for (const p of this.nets.values()) {
      p.mlp.getWeights().forEach((w, i) => {
        const v = p.variables[i]!;
        if (w.length !== v.size) throw new ConfigError(`variable ${v.name} has ${w.length} values, expected ${v.size}`);
        h.set(w, P + v.offset);
      });
    }
  }

  /** Writes every network's weights into its tfjs Mlp. */
  store(): void {
    const h = this.f32;
    const P = this.engine.params;
    // slice: tfjs may keep the array it is given, so it must not alias the heap
    for (const p of this.nets.values()) p.mlp.setWeights(p.variables.map((v) => h.slice(P + v.offset, P + v.offset + v.size)));
  }

  /** The tfjs Mlps by name. */
  mlps(): Record<string, Mlp> {
    return Object.fromEntries([...this.nets].map(([name, p]) => [name, p.mlp]));
  }

  dispose(): void {
    for (const p of this.nets.values()) p.mlp.dispose();
  }
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) over the variables `variables` of a flat buffer — contiguous —
 * from the gradients in the buffer's gradient block, with tfjs's float32 operation order and its
 * running β powers (the fused `adam` kernel of kernels.ts, as the PPO fast learner uses it).
 * `getWeights`/`setWeights` are those of tf.train.adam: `iter`, then `<variable>/m`…, `<variable>/v`…
 * (nothing but `iter` before the first step). The tensors `getWeights` returns are copies, valid until
 * its next call or `dispose` (tfjs returns its own variables, which the caller must not dispose either).
 */
export class FlatAdam implements OptimizerWeights {
  private readonly nets: FlatNetworks;
  private readonly variables: readonly FlatVariable[];
  private readonly range: FlatRange;
  private readonly lr: number;
  private readonly eps: number;
  /** Steps taken, and tfjs's float32 running β powers (AdamOptimizer.accBeta1/2). */
  private step = 0;
  private accBeta1 = f32(BETA1);
  private accBeta2 = f32(BETA2);
  /** Whether the moments exist (tfjs creates them at the first step, or restores them). */
  private hasMoments = false;
  /** The tensors of the last `getWeights`. */
  private lent: tf.Tensor[] = [];

  constructor(nets: FlatNetworks, variables: readonly FlatVariable[], lr: number, eps: number) {
    this.nets = nets;
    this.variables = variables;
    const first = variables[0]!;
    const last = variables.at(-1)!;
    this.range = { offset: first.offset, size: last.offset + last.size - first.offset };
    if (variables.reduce((n, v) => n + v.size, 0) !== this.range.size) throw new ConfigError('an optimizer over non-contiguous variables');
    this.lr = lr;
    this.eps = eps;
  }

  /** Steps taken. */
  get steps(): number {
    return this.step;
  }

  /** One Adam step of the range at the learning rate given at construction. */
  apply(): void {
    const e = this.nets.engine;
    const { offset, size } = this.range;
    if (!this.hasMoments) {
      e.k.f32.fill(0, e.slot1 + offset, e.slot1 + offset + size);
      e.k.f32.fill(0, e.slot2 + offset, e.slot2 + offset + size);
      this.hasMoments = true;
    }
    const bc1 = f32(1 - this.accBeta1);
    const bc2 = f32(1 - this.accBeta2);
    e.k.adam(e.params + offset, e.grads + offset, e.slot1 + offset, e.slot2 + offset, size, 1, BETA1, 1 - BETA1, BETA2, 1 - BETA2, bc1, bc2, this.eps, -this.lr);
    this.accBeta1 = f32(this.accBeta1 * f32(BETA1));
    this.accBeta2 = f32(this.accBeta2 * f32(BETA2));
    this.step++;
  }

  async getWeights(): Promise<NamedTensor[]> {
    this.dispose();
    const e = this.nets.engine;
    const h = e.k.f32;
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.step, 'int32') }];
    if (!this.hasMoments) {
      this.lent = [out[0]!.tensor];
      return out;
    }
    for (const [slot, suffix] of [
      [e.slot1, 'm'],
      [e.slot2, 'v'],
    ] as const) {
      for (const v of this.variables) out.push({ name: `${v.name}/${suffix}`, tensor: tf.tensor(h.slice(slot + v.offset, slot + v.offset + v.size), v.shape as number[]) });
    }
    this.lent = out.map((w) => w.tensor);
    return out;
  }

  /** Frees the tensors of the last `getWeights`. */
  dispose(): void {
    tf.dispose(this.lent);
    this.lent = [];
  }

  /** Restores the state (as tfjs's Adam.setWeights: the β powers become β^(iter+1)). */
  async setWeights(weights: NamedTensor[]): Promise<void> {
    const n = this.variables.length;
    if (weights.length !== 1 && weights.length !== 1 + 2 * n) throw new ConfigError(`optimizer weights have ${weights.length} entries, expected 1 or ${1 + 2 * n}`);
    const step = (await weights[0]!.tensor.data())[0]!;
    if (!Number.isInteger(step) || step < 0) throw new ConfigError(`bad optimizer step ${step}`);
    const e = this.nets.engine;
    for (let i = 0; i < 2 * n && weights.length > 1; i++) {
      const v = this.variables[i % n]!;
      const data = (await weights[1 + i]!.tensor.data()) as Float32Array;
      if (data.length !== v.size) throw new ConfigError(`optimizer weight ${weights[1 + i]!.name} has ${data.length} values; ${v.name} has ${v.size}`);
      e.k.f32.set(data, (i < n ? e.slot1 : e.slot2) + v.offset);
    }
    this.hasMoments = weights.length > 1;
    this.step = step;
    this.accBeta1 = f32(Math.pow(f32(BETA1), step + 1));
    this.accBeta2 = f32(Math.pow(f32(BETA2), step + 1));
  }
}

/**
 * One regression step of the critics Q_i(s, a) toward the targets `y` on the `B` rows of `x` (the
 * critics' shared input buffer; `Bp` rows padded): the loss c·Σ_i mean((Q_i − y)²) (SAC: c = ½, as
 * SB3's ½·Σ MSE; TD3/DDPG: c = 1), its gradient into each critic's parameters (the optimizer step is
 * the caller's). Returns the loss and each critic's mean Q.
 */
export function criticRegression(n: FlatNetworks, critics: readonly string[], x: number, y: Float32Array | Float64Array, B: number, Bp: number, c: number): { loss: number; qMeans: number[] } {
  let loss = 0;
  const qMeans: number[] = [];
  for (const name of critics) {
    n.forward(name, Bp, x);
    const h = n.f32;
    const q = n.output(name);
    const d = n.scratch(name).dOut;
    let sq = 0;
    let sum = 0;
    for (let r = 0; r < B; r++) {
      const diff = h[q + r]! - y[r]!;
      sq += diff * diff;
      sum += h[q + r]!;
      h[d + r] = (2 * c * diff) / B;
    }
    h.fill(0, d + B, d + Bp);
    loss += (c * sq) / B;
    qMeans.push(sum / B);
    n.backward(name, Bp, { params: true, input: false }, x);
  }
  return { loss, qMeans };
}
