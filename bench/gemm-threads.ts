/**
 * `npm run bench:gemm-threads`: what a second thread adds to the fast path's matrix products on this
 * machine (bench/gemm-probe.ts) — the learner's GEMM at Connect Four's MLP shapes on one thread alone,
 * then a worker alone, then both at once; GFLOP/s per thread and in total. It tells how much
 * `learnerThreads` 2 can gain at most.
 *
 * BENCH_SECONDS (default 3) per measurement.
 */
import { gemmScaling, SHAPES } from './gemm-probe.ts';
import { loadWarning, machineInfo, markdownTable } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

const m = machineInfo();
console.log(`WASM SIMD GEMM, one thread alone vs two at once, ${SECONDS} s per shape, ${m.cores} cores (${m.cpu}), Node ${m.node}`);
const warn = loadWarning(m.cores);
if (warn) console.log(warn);
const g = await gemmScaling(SECONDS);
const f = (x: number): string => x.toFixed(1);
const rows = SHAPES.map(([name], i) => [name, f(g.alone[i]!), f(g.workerAlone[i]!), f(g.both.main[i]!), f(g.both.worker[i]!), f(g.both.main[i]! + g.both.worker[i]!), `${((g.both.main[i]! + g.both.worker[i]!) / g.alone[i]!).toFixed(2)}×`]);
console.log();
console.log(markdownTable(['GEMM', 'main alone GFLOP/s', 'worker alone', 'both at once: main', 'worker', 'total', 'total ÷ main alone'], rows));
console.log(`\nover one pass of the three shapes: two threads at once do ${g.ratio.toFixed(2)}× the work of the faster one alone`);
