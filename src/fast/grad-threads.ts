/**
 * Gradient threads: the fast learner's minibatch gradient split over helper threads (data
 * parallelism over rows, as a multi-GPU learner splits its batch). The learner computes the first
 * share itself; each helper (grad-worker.ts, a worker thread with its own WASM kernels and engine)
 * computes one other share on the same parameters, and the learner adds the helpers' gradients and
 * partial sums to its own before the one optimizer step. With T threads a minibatch step costs
 * about 1/T of the arithmetic plus copying the parameters in and the gradients out.
 *
 * Everything crosses in SharedArrayBuffers, with Atomics for the hand-off (no message per step):
 *  - fixed (sized by the layout): control words, the step's arguments, the parameters, and per
 *    helper its partial sums and its gradient;
 *  - rows (sized by the rollout buffer, reallocated when a larger one comes): a copy of the
 *    buffer's columns the gradient reads, published once per update, and per helper the indices
 *    and normalised advantages of its rows. A reallocation travels to the helpers over their
 *    MessagePort with a generation number, read synchronously (`receiveMessageOnPort`).
 *
 * Results are deterministic for a given thread count (fixed shares, summed in helper order) but not
 * bit-identical to one thread: float sums are regrouped. One thread never starts a helper.
 *
 * No tfjs here: the helper threads load this module.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import type { KernelChoice } from './kernels.ts';
import { pad4, type ParamLayout } from './mlp.ts';
import { PARTIALS, type GradientRows, type GradientSettings } from './ppo-grad.ts';

/** Control words (Int32 indices). */
export const SEQ = 0;
export const CMD = 1;
export const GEN = 2;
/** Per helper t: rows in its share at COUNT + t, the last step it finished at DONE + t (−seq: failed). */
export const COUNT = 8;
export const MAX_HELPERS = 15;
export const DONE = COUNT + MAX_HELPERS;
const CTRL_WORDS = DONE + MAX_HELPERS;

export const CMD_STEP = 1;
export const CMD_STOP = 2;

/** The step's arguments (Float64 indices). */
export const ARG_W = 0;
export const ARG_CLIP = 1;
export const ARG_ENT = 2;
export const ARG_MAGNET = 3;
export const ARG_SEARCH = 4;
const ARGS = 5;

/** The shapes both sides lay the buffers out from. */
export interface ThreadShapes {
  readonly helpers: number;
  readonly size: number;
  readonly actions: number;
}

export interface RowShapes {
  readonly rows: number;
  readonly obsSize: number;
  readonly criticSize: number;
  readonly actions: number;
  readonly continuous: boolean;
}

/** What a helper is started with (its workerData). */
export interface HelperData {
  readonly index: number;
  readonly layout: ParamLayout;
  readonly settings: GradientSettings;
  readonly kernels: KernelChoice;
  readonly fixed: SharedArrayBuffer;
  readonly shapes: ThreadShapes;
  readonly port: MessagePort;
}

/** A reallocated rows buffer, as sent to the helpers. */
export interface RowsMessage {
  readonly gen: number;
  readonly sab: SharedArrayBuffer;
  readonly shapes: RowShapes;
}

/** Byte offsets carved from one buffer, each aligned to 8. */
function carver(): { take(bytes: number): number; readonly end: number } {
  let at = 0;
  return {
    take(bytes: number): number {
      const off = at;
      at += (bytes + 7) & ~7;
      return off;
    },
    get end() {
      return at;
    },
  };
}

export interface FixedViews {
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
  readonly params: Float32Array;
  readonly partials: Float64Array[];
  readonly grads: Float32Array[];
}

/** Byte offsets of the fixed buffer's parts, and its size. */
function fixedOffsets(shapes: ThreadShapes) {
  const c = carver();
  const o = {
    ctrl: c.take(CTRL_WORDS * 4),
    args: c.take(ARGS * 8),
    params: c.take(shapes.size * 4),
    partials: Array.from({ length: shapes.helpers }, () => c.take((PARTIALS + shapes.actions) * 8)),
    grads: Array.from({ length: shapes.helpers }, () => c.take(shapes.size * 4)),
  };
  return { o, bytes: c.end };
}

/** Bytes of the fixed buffer for these shapes. */
export function fixedBytes(shapes: ThreadShapes): number {
  return fixedOffsets(shapes).bytes;
}

/** Views of the fixed buffer. */
export function fixedViews(shapes: ThreadShapes, b: SharedArrayBuffer): FixedViews {
  const { o } = fixedOffsets(shapes);
  return {
    ctrl: new Int32Array(b, o.ctrl, CTRL_WORDS),
    args: new Float64Array(b, o.args, ARGS),
    params: new Float32Array(b, o.params, shapes.size),
    partials: o.partials.map((off) => new Float64Array(b, off, PARTIALS + shapes.actions)),
    grads: o.grads.map((off) => new Float32Array(b, off, shapes.size)),
  };
}

export interface RowViews {
  /**
   * The buffer's columns (magnetLogp and searchPolicy: always laid out for a categorical head, as
   * `magnet` and `search`; the step says whether each is set).
   */
  readonly data: GradientRows & { readonly magnet: Float32Array; readonly search: Float32Array };
  readonly idx: Int32Array[];
  readonly adv: Float64Array[];
}

/** Byte offsets of a rows buffer's parts, and its size. */
function rowOffsets(s: RowShapes, helpers: number) {
  const n = s.rows;
  const A = s.actions;
  const c = carver();
  const o = {
    obs: c.take(n * s.obsSize * 4),
    criticObs: c.take(n * s.criticSize * 4),
    masks: c.take(s.continuous ? 0 : n * A),
    actions: c.take(s.continuous ? 0 : n * 4),
    continuousActions: c.take(s.continuous ? n * A * 4 : 0),
    logProbs: c.take(n * 4),
    values: c.take(n * 4),
    returns: c.take(n * 4),
    valid: c.take(n),
    magnet: c.take(s.continuous ? 0 : n * A * 4),
    search: c.take(s.continuous ? 0 : n * A * 4),
    idx: Array.from({ length: helpers }, () => c.take(n * 4)),
    adv: Array.from({ length: helpers }, () => c.take(n * 8)),
  };
  return { o, bytes: c.end };
}

/** Bytes of a rows buffer for these shapes. */
export function rowBytes(s: RowShapes, helpers: number): number {
  return rowOffsets(s, helpers).bytes;
}

/** Views of a rows buffer. */
export function rowViews(s: RowShapes, helpers: number, b: SharedArrayBuffer): RowViews {
  const n = s.rows;
  const A = s.actions;
  const { o } = rowOffsets(s, helpers);
  const cat = s.continuous ? 0 : 1;
  return {
    data: {
      obs: new Float32Array(b, o.obs, n * s.obsSize),
      criticObs: s.criticSize > 0 ? new Float32Array(b, o.criticObs, n * s.criticSize) : null,
      masks: new Uint8Array(b, o.masks, cat * n * A),
      actions: new Int32Array(b, o.actions, cat * n),
      continuousActions: new Float32Array(b, o.continuousActions, (1 - cat) * n * A),
      logProbs: new Float32Array(b, o.logProbs, n),
      values: new Float32Array(b, o.values, n),
      returns: new Float32Array(b, o.returns, n),
      valid: new Uint8Array(b, o.valid, n),
      magnetLogp: null,
      searchPolicy: null,
      magnet: new Float32Array(b, o.magnet, cat * n * A),
      search: new Float32Array(b, o.search, cat * n * A),
    },
    idx: o.idx.map((off) => new Int32Array(b, off, n)),
    adv: o.adv.map((off) => new Float64Array(b, off, n)),
  };
}

/** How long the learner waits for a helper before it reports it lost (default). */
const HELPER_TIMEOUT_MS = 120_000;

export class GradientThreads {
  readonly helpers: number;
  private readonly shapes: ThreadShapes;
  private readonly fixed: FixedViews;
  /** The helper threads, in share order (exposed for monitoring and fault tests). */
  readonly workers: Worker[] = [];
  private readonly timeoutMs: number;
  private readonly ports: MessagePort[] = [];
  private rows: (RowViews & { shapes: RowShapes }) | null = null;
  /** Whether the published buffer carries magnet log-probabilities, and search targets. */
  private hasMagnet = false;
  private hasSearch = false;
  /** A helper's failure reported by its 'error' event (it fires while the learner is between updates). */
  private failure: string | null = null;
  private gen = 0;
  private seq = 0;
  /** Rows in each helper's share of the step in flight. */
  private readonly counts: number[];
  private disposed = false;

  /** `timeoutMs`: how long a step waits for a helper before reporting it lost (default 120 s). */
  constructor(opts: { threads: number; layout: ParamLayout; settings: GradientSettings; kernels: KernelChoice; timeoutMs?: number }) {
    this.timeoutMs = opts.timeoutMs ?? HELPER_TIMEOUT_MS;
    const helpers = opts.threads - 1;
    if (!Number.isInteger(helpers) || helpers < 1 || helpers > MAX_HELPERS) throw new Error(`gradient threads: 2 to ${MAX_HELPERS + 1}, got ${opts.threads}`);
    this.helpers = helpers;
    this.shapes = { helpers, size: opts.layout.size, actions: opts.layout.actions };
    const sab = new SharedArrayBuffer(fixedBytes(this.shapes));
    this.fixed = fixedViews(this.shapes, sab);
    this.counts = new Array<number>(helpers).fill(0);
    for (let t = 0; t < helpers; t++) {
      const { port1, port2 } = new MessageChannel();
      const data: HelperData = { index: t, layout: opts.layout, settings: opts.settings, kernels: opts.kernels, fixed: sab, shapes: this.shapes, port: port2 };
      const w = new Worker(new URL('./grad-worker.ts', import.meta.url), { workerData: data, transferList: [port2] });
      // a helper never keeps the process alive; a failure inside a step comes back through the step's
      // status, one outside (at start-up) through this event, reported by the next step
      w.unref();
      w.on('error', (err) => (this.failure ??= `gradient thread ${t + 1} failed: ${err.message}`));
      port1.unref();
      this.workers.push(w);
      this.ports.push(port1);
    }
  }

  /** Copies the columns of `buf` the gradient reads where the helpers read them (once per update). */
  publish(buf: RolloutBuffer): void {
    const shapes: RowShapes = { rows: buf.size, obsSize: buf.spec.obsSize, criticSize: buf.spec.criticSize, actions: buf.spec.actions, continuous: buf.spec.continuous };
    const r = this.rows;
    const fits = r && r.shapes.rows >= shapes.rows && r.shapes.obsSize === shapes.obsSize && r.shapes.criticSize === shapes.criticSize && r.shapes.actions === shapes.actions && r.shapes.continuous === shapes.continuous;
    if (!fits) {
      const sab = new SharedArrayBuffer(rowBytes(shapes, this.helpers));
      this.rows = { ...rowViews(shapes, this.helpers, sab), shapes };
      this.gen++;
      const msg: RowsMessage = { gen: this.gen, sab, shapes };
      for (const p of this.ports) p.postMessage(msg);
    }
    const d = this.rows!.data;
    d.obs.set(buf.obs);
    if (d.criticObs && buf.criticObs) d.criticObs.set(buf.criticObs);
    d.masks.set(buf.masks);
    d.actions.set(buf.actions);
    d.continuousActions.set(buf.continuousActions);
    d.logProbs.set(buf.logProbs);
    d.values.set(buf.values);
    d.returns.set(buf.returns);
    d.valid.set(buf.valid);
    this.hasMagnet = buf.magnetLogp !== null;
    if (buf.magnetLogp) d.magnet.set(buf.magnetLogp);
    this.hasSearch = buf.searchPolicy !== null;
    if (buf.searchPolicy) d.search.set(buf.searchPolicy);
  }

  /**
   * Rows of a minibatch the learner keeps (the first share); the helpers take the rest. Shares are
   * multiples of 4 rows (the engine's padding), so small minibatches use fewer helpers.
   */
  firstShare(M: number): number {
    return Math.min(M, pad4(Math.ceil(M / (this.helpers + 1))));
  }

  /**
   * Starts the helpers on rows `idx[first…]` of the published buffer (advantages `adv`, total
   * weight `W`) at the parameters `params`; the learner then computes its share and calls `join`.
   */
  start(idx: Int32Array, adv: Float64Array, first: number, W: number, clip: number, entCoef: number, params: Float32Array): void {
    if (this.disposed) throw new Error('gradient threads were disposed');
    if (this.failure) throw new Error(this.failure);
    if (!this.rows) throw new Error('gradient threads: publish a buffer before a step');
    const f = this.fixed;
    f.params.set(params);
    f.args[ARG_W] = W;
    f.args[ARG_CLIP] = clip;
    f.args[ARG_ENT] = entCoef;
    f.args[ARG_MAGNET] = this.hasMagnet ? 1 : 0;
    f.args[ARG_SEARCH] = this.hasSearch ? 1 : 0;
    const M = idx.length;
    let at = first;
    for (let t = 0; t < this.helpers; t++) {
      const n = Math.max(0, Math.min(first, M - at));
      this.counts[t] = n;
      if (n > 0) {
        this.rows.idx[t]!.set(idx.subarray(at, at + n));
        this.rows.adv[t]!.set(adv.subarray(at, at + n));
      }
      Atomics.store(f.ctrl, COUNT + t, n);
      at += n;
    }
    Atomics.store(f.ctrl, GEN, this.gen);
    Atomics.store(f.ctrl, CMD, CMD_STEP);
    Atomics.store(f.ctrl, SEQ, ++this.seq);
    Atomics.notify(f.ctrl, SEQ);
  }

  /**
   * Waits for every helper of the step in flight, then adds their gradients into `grads` (the
   * learner's, `size` floats from `offset` of `heap`) and their partial sums into `partial`.
   */
  join(heap: Float32Array, offset: number, partial: Float64Array): void {
    const f = this.fixed;
    for (let t = 0; t < this.helpers; t++) {
      let waited = 0;
      for (;;) {
        const done = Atomics.load(f.ctrl, DONE + t);
        if (done === this.seq) break;
        if (done === -this.seq) {
          const m = receiveMessageOnPort(this.ports[t]!)?.message as { error?: string } | undefined;
          throw new Error(`gradient thread ${t + 1} failed: ${m?.error ?? 'no message'}`);
        }
        if (waited >= this.timeoutMs) throw new Error(`gradient thread ${t + 1} did not answer within ${this.timeoutMs / 1000} s (its thread died or hangs; learnerThreads 1 trains without gradient threads)`);
        const nap = Math.min(1000, this.timeoutMs - waited);
        Atomics.wait(f.ctrl, DONE + t, done, nap);
        waited += nap;
      }
    }
    const size = this.shapes.size;
    for (let t = 0; t < this.helpers; t++) {
      if (this.counts[t] === 0) continue;
      const g = f.grads[t]!;
      for (let i = 0; i < size; i++) heap[offset + i]! += g[i]!;
      const p = f.partials[t]!;
      for (let q = 0; q < partial.length; q++) partial[q]! += p[q]!;
    }
  }

  /** Stops the helpers (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.fixed.ctrl, CMD, CMD_STOP);
    Atomics.store(this.fixed.ctrl, SEQ, ++this.seq);
    Atomics.notify(this.fixed.ctrl, SEQ);
    // a helper leaves its loop on the stop command; terminate ends one stuck in a step
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
  }
}

/** A helper's side of a rows message: the views, once its generation arrives. */
export function awaitRows(port: MessagePort, gen: number, helpers: number): RowViews & { shapes: RowShapes } {
  const deadline = Date.now() + HELPER_TIMEOUT_MS;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const m = receiveMessageOnPort(port)?.message as RowsMessage | undefined;
    if (m && m.gen === gen) return { ...rowViews(m.shapes, helpers, m.sab), shapes: m.shapes };
    if (m) continue; // an older generation, superseded
    if (Date.now() > deadline) throw new Error(`rows generation ${gen} never arrived`);
    Atomics.wait(nap, 0, 0, 1);
  }
}
