/**
 * `npm run bench:gemm-threads`: what a second thread adds to the fast path's matrix products on this
 * machine — the WASM SIMD GEMM of the learner (src/fast/kernels/mlp.wat) at Connect Four's MLP shapes,
 * run on one thread alone, then on that thread and a worker thread at the same time, each with its
 * own WASM memory (as the learner's gradient threads have). Prints GFLOP/s per thread and in total.
 * It tells how much `learnerThreads` 2 can gain at most: on cores that share their SIMD units (SMT
 * siblings, or a VM's vCPUs on one physical core) the total stays well under twice one thread's.
 *
 * BENCH_SECONDS (default 3) per measurement.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createKernels } from '../src/fast/kernels.ts';
import { loadWarning, machineInfo, markdownTable } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
/** [name, M, K, N, transposed-A]: forward, input gradient, weight gradient at minibatch 512, 126 inputs, 128 units. */
const SHAPES: readonly (readonly [string, number, number, number, boolean])[] = [
  ['X·W 512×126·126×128', 512, 126, 128, false],
  ['dY·Wᵀ 512×128·128×126', 512, 128, 126, false],
  ['Xᵀ·dY 126×512·512×128', 126, 512, 128, true],
];

/** GFLOP/s of each shape, each run for `seconds` after a one-second warm-up. */
function measure(seconds: number): number[] {
  const k = createKernels('wasm');
  k.ensure(2_000_000);
  for (let i = 0; i < 1_000_000; i++) k.f32[i] = Math.sin(i);
  return SHAPES.map(([, M, K, N, tn]) => {
    const run = (): void => (tn ? k.gemmTN(1024, 300_000, 700_000, M, K, N) : k.gemmNN(1024, 300_000, 0, 700_000, M, K, N));
    // warm up for a second: V8 compiles WASM with its baseline tier first and optimises hot code later
    const warm = performance.now() + 1000;
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

if (!isMainThread) {
  // the second thread: measure each time it is told, report
  parentPort!.on('message', () => parentPort!.postMessage(measure(workerData as number)));
  parentPort!.postMessage('ready');
} else {
  const m = machineInfo();
  console.log(`WASM SIMD GEMM, one thread alone vs two at once, ${SECONDS} s per shape, ${m.cores} cores (${m.cpu}), Node ${m.node}`);
  const warn = loadWarning(m.cores);
  if (warn) console.log(warn);
  const alone = measure(SECONDS);
  const w = new Worker(new URL(import.meta.url), { workerData: SECONDS });
  await new Promise((resolve) => w.once('message', resolve));
  const ask = (): Promise<number[]> => {
    const p = new Promise<number[]>((resolve) => w.once('message', resolve));
    w.postMessage('go');
    return p;
  };
  // the worker alone (this thread idle), then both at once
  const workerAlone = await ask();
  const other = ask();
  const mine = measure(SECONDS);
  const theirs = await other;
  await w.terminate();
  const f = (x: number): string => x.toFixed(1);
  const rows = SHAPES.map(([name], i) => [name, f(alone[i]!), f(workerAlone[i]!), f(mine[i]!), f(theirs[i]!), f(mine[i]! + theirs[i]!), `${((mine[i]! + theirs[i]!) / alone[i]!).toFixed(2)}×`]);
  console.log();
  console.log(markdownTable(['GEMM', 'main alone GFLOP/s', 'worker alone', 'both at once: main', 'worker', 'total', 'total ÷ main alone'], rows));
}
