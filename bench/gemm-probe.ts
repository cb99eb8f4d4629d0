/**
 * The fast path's WASM SIMD GEMM at Connect Four's MLP shapes (the learner's products at minibatch
 * 512), timed on this thread alone, on a worker thread alone, and on both at once, each with its own
 * WASM memory (as the learner's gradient threads have). What the two at once reach over one alone is
 * what a second thread can add at most on this machine at this moment: on cores that share their SIMD
 * units (SMT siblings, or a VM's vCPUs on one physical core) it stays well under 2×.
 * `bench/gemm-threads.ts` prints it per shape; `bench/selfplay.ts` prints it next to its figures.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createKernels, type KernelChoice } from '../src/fast/kernels.ts';

/** [name, M, K, N, transposed-A]: forward, input gradient, weight gradient at minibatch 512, 126 inputs, 128 units. */
export const SHAPES: readonly (readonly [string, number, number, number, boolean])[] = [
  ['X·W 512×126·126×128', 512, 126, 128, false],
  ['dY·Wᵀ 512×128·128×126', 512, 128, 126, false],
  ['Xᵀ·dY 126×512·512×128', 126, 512, 128, true],
];

/**
 * GFLOP/s of each shape, each run for `seconds` after a `warmSeconds` warm-up (V8 tiers WASM up while it
 * runs), with the `variant` kernels (default: what the learner uses, src/fast/kernels.ts).
 */
export function measure(seconds: number, warmSeconds = 1, variant?: KernelChoice): number[] {
  const k = createKernels(variant);
  k.ensure(2_000_000);
  for (let i = 0; i < 1_000_000; i++) k.f32[i] = Math.sin(i);
  return SHAPES.map(([, M, K, N, tn]) => {
    const run = (): void => (tn ? k.gemmTN(1024, 300_000, 700_000, M, K, N) : k.gemmNN(1024, 300_000, 0, 700_000, M, K, N));
    const warm = performance.now() + warmSeconds * 1000;
    while (performance.now() < warm) run();
    let reps = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 10; i++) run();
      reps += 10;
    }
    return (2 * M * K * N * reps) / ((performance.now() - t0) / 1000) / 1e9;
  });
}

export interface GemmScaling {
  /** GFLOP/s per shape: this thread alone, the worker alone, and each of the two while both run. */
  readonly alone: number[];
  readonly workerAlone: number[];
  readonly both: { main: number[]; worker: number[] };
  /** Both threads' total over the faster of the two alone, over one pass of the shapes (one figure). */
  readonly ratio: number;
}

/** Times the shapes on this thread, on a worker, then on both at once (`seconds` each, per shape). */
export async function gemmScaling(seconds: number, warmSeconds = 1): Promise<GemmScaling> {
  const alone = measure(seconds, warmSeconds);
  const w = new Worker(new URL(import.meta.url), { workerData: { gemmProbe: { seconds, warmSeconds } } });
  try {
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const ask = (): Promise<number[]> => {
      const p = new Promise<number[]>((resolve) => w.once('message', resolve));
      w.postMessage('go');
      return p;
    };
    const workerAlone = await ask();
    const other = ask();
    const main = measure(seconds, warmSeconds);
    const worker = await other;
    // one figure over the shapes: the work of one pass over them, done alone vs by the two at once
    const flops = SHAPES.map(([, M, K, N]) => 2 * M * K * N);
    const time = (rates: number[]) => flops.reduce((a, f, i) => a + f / rates[i]!, 0);
    // against the faster thread alone, so that one slow solo measurement (a busy moment) does not inflate it
    const single = alone.map((x, i) => Math.max(x, workerAlone[i]!));
    const ratio = time(single) / time(main.map((x, i) => x + worker[i]!));
    return { alone, workerAlone, both: { main, worker }, ratio };
  } finally {
    await w.terminate();
  }
}

if (!isMainThread && (workerData as { gemmProbe?: unknown } | null)?.gemmProbe) {
  // the second thread: measure each time it is told, report
  const { seconds, warmSeconds } = (workerData as { gemmProbe: { seconds: number; warmSeconds: number } }).gemmProbe;
  parentPort!.on('message', () => parentPort!.postMessage(measure(seconds, warmSeconds)));
  parentPort!.postMessage('ready');
}
