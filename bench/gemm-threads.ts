/**
 * `npm run bench:gemm-threads`: what a second thread adds to the fast path's matrix products on this
 * machine (bench/gemm-probe.ts) — the learner's GEMM at Connect Four's MLP shapes on one thread alone,
 * then a worker alone, then both at once; GFLOP/s per thread and in total. It tells how much
 * `learnerThreads` 2 can gain at most. First, on one thread, the plain SIMD kernels against the fused
 * multiply-add ones (`wasm` vs `wasm-fma`, src/fast/kernels.ts), alternated A B A B over two rounds.
 *
 * BENCH_SECONDS (default 3) per measurement.
 */
import { fmaUnavailableReason } from '../src/fast/kernels.ts';
import { gemmScaling, measure, SHAPES } from './gemm-probe.ts';
import { loadWarning, machineInfo, markdownTable } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

const m = machineInfo();
console.log(`WASM SIMD GEMM, one thread alone vs two at once, ${SECONDS} s per shape, ${m.cores} cores (${m.cpu}), Node ${m.node}`);
const warn = loadWarning(m.cores);
if (warn) console.log(warn);
const f = (x: number): string => x.toFixed(1);
const fmaMissing = fmaUnavailableReason();
if (fmaMissing) console.log(`\nfused kernels unavailable here (${fmaMissing}): plain SIMD only`);
else {
  const plain: number[][] = [];
  const fused: number[][] = [];
  for (let round = 0; round < 2; round++) {
    plain.push(measure(SECONDS, 1, 'wasm'));
    fused.push(measure(SECONDS, 1, 'wasm-fma'));
  }
  const best = (runs: number[][], i: number) => Math.max(...runs.map((r) => r[i]!));
  console.log('\none thread, plain SIMD vs fused multiply-add (best of two rounds, A B A B)\n');
  console.log(markdownTable(['GEMM', 'plain GFLOP/s', 'fused GFLOP/s', 'fused ÷ plain'], SHAPES.map(([name], i) => [name, f(best(plain, i)), f(best(fused, i)), `${(best(fused, i) / best(plain, i)).toFixed(2)}×`])));
}
const g = await gemmScaling(SECONDS);
const rows = SHAPES.map(([name], i) => [name, f(g.alone[i]!), f(g.workerAlone[i]!), f(g.both.main[i]!), f(g.both.worker[i]!), f(g.both.main[i]! + g.both.worker[i]!), `${((g.both.main[i]! + g.both.worker[i]!) / g.alone[i]!).toFixed(2)}×`]);
console.log();
console.log(markdownTable(['GEMM', 'main alone GFLOP/s', 'worker alone', 'both at once: main', 'worker', 'total', 'total ÷ main alone'], rows));
console.log(`\nover one pass of the three shapes: two threads at once do ${g.ratio.toFixed(2)}× the work of the faster one alone`);
