/**
 * `npm run bench:selfplay`: Connect Four league self-play throughput, synchronous vs asynchronous, side
 * by side in one run. Each configuration is a real `arena train --league` run (the training loop,
 * the worker pool, the league on disk) for the same wall-clock budget; the figures are learner
 * decisions per second, the learner's busy share of the wall-clock after warm-up, and the policy lag.
 *
 * BENCH_SECONDS (default 60) per configuration; BENCH_QUICK=1 for 20 s; BENCH_CONFIGS to pick
 * (comma-separated names below); BENCH_ROUNDS (default 1) to run the configurations in that many
 * rounds, A B A B …, so that each ratio compares runs a few minutes apart, and to report the median
 * and range of the per-round ratios (this VM's speed drifts between minutes). Raw numbers go to
 * bench/results/selfplay-<time>.json. The `-nofma` configurations run with `ARENA_FMA=0` (the fast
 * path's plain SIMD GEMMs, src/fast/kernels.ts) and are compared with `sync-1-nofma`; the others use
 * the default, fused multiply-adds where the engine has them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setLogLevel } from '../core/log.ts';
import { selectBackend } from '../src/backend.ts';
import type { Algo, TrainConfig } from '../src/train/config.ts';
import { gemmScaling } from './gemm-probe.ts';
import { benchLeagueConfig, benchLeagueRun } from './league-runs.ts';
import { fmtInt, fmtRatio, loadWarning, machineInfo, markdownTable, quantile } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? (process.env['BENCH_QUICK'] ? 20 : 60));
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 1);

interface Case {
  readonly name: string;
  readonly algo: Algo;
  readonly layer: Partial<TrainConfig>;
  /** False: the plain SIMD kernels (`ARENA_FMA=0`) in the learner, its gradient threads and the actors. */
  readonly fma?: boolean;
}

const CASES: Case[] = [
  { name: 'sync-1', algo: 'ppo', layer: { workers: 1, async: false, learnerThreads: 1 } },
  { name: 'sync-2', algo: 'ppo', layer: { workers: 2, async: false, learnerThreads: 1 } },
  { name: 'async-2', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 1 } },
  { name: 'sync-1-t2', algo: 'ppo', layer: { workers: 1, async: false, learnerThreads: 2 } },
  { name: 'async-2-t2', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2 } },
  { name: 'async-2-t2-n5', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2, actorNice: 5 } },
  { name: 'async-2-t2-n10', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2, actorNice: 10 } },
  { name: 'sync-1-nofma', algo: 'ppo', layer: { workers: 1, async: false, learnerThreads: 1 }, fma: false },
  { name: 'async-2-t2-n10-nofma', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2, actorNice: 10 }, fma: false },
  { name: 'impala-sync-1', algo: 'impala', layer: { workers: 1, async: false, learnerThreads: 1 } },
  { name: 'impala-async-2', algo: 'impala', layer: { workers: 2, async: true, learnerThreads: 1 } },
];

interface Result {
  readonly round: number;
  readonly name: string;
  readonly algo: Algo;
  readonly workers: number;
  readonly async: boolean;
  readonly learnerThreads: number;
  readonly actorNice: number;
  readonly fma: boolean;
  readonly decisionsPerSecond: number;
  readonly updates: number;
  readonly learnerBusy: number;
  readonly learnerBusyAfterWarmup: number;
  readonly meanPolicyLag: number;
  readonly maxPolicyLag: number;
  readonly seconds: number;
}

interface Summary extends Omit<Result, 'round' | 'updates' | 'learnerBusy' | 'seconds'> {
  /** Median over rounds of the ratio to the same round's baseline, and its range; null without a baseline. */
  readonly ratio: number | null;
  readonly ratioMin: number | null;
  readonly ratioMax: number | null;
}

const median = (xs: number[]): number => quantile(xs.toSorted((a, b) => a - b), 0.5);

/**
 * One row per configuration: medians over the rounds, and each round's ratio to its own baseline
 * (the same algorithm's synchronous single-worker run, one learner thread, nice 0, same kernels, in that round).
 */
function summarise(cases: readonly Case[], results: readonly Result[]): Summary[] {
  const isBase = (r: Result, of: Result) => r.workers === 1 && !r.async && r.learnerThreads === 1 && r.actorNice === 0 && r.fma === of.fma;
  return cases.map((c) => {
    const mine = results.filter((r) => r.name === c.name);
    const ratios = mine.flatMap((r) => {
      const base = results.find((b) => b.round === r.round && b.algo === r.algo && isBase(b, r));
      return base ? [r.decisionsPerSecond / base.decisionsPerSecond] : [];
    });
    const first = mine[0]!;
    return {
      name: c.name,
      algo: c.algo,
      workers: first.workers,
      async: first.async,
      learnerThreads: first.learnerThreads,
      actorNice: first.actorNice,
      fma: first.fma,
      decisionsPerSecond: median(mine.map((r) => r.decisionsPerSecond)),
      learnerBusyAfterWarmup: median(mine.map((r) => r.learnerBusyAfterWarmup)),
      meanPolicyLag: median(mine.map((r) => r.meanPolicyLag)),
      maxPolicyLag: Math.max(...mine.map((r) => r.maxPolicyLag)),
      ratio: ratios.length ? median(ratios) : null,
      ratioMin: ratios.length ? Math.min(...ratios) : null,
      ratioMax: ratios.length ? Math.max(...ratios) : null,
    };
  });
}

async function main(): Promise<void> {
  setLogLevel('warn');
  await selectBackend('wasm');
  const want = process.env['BENCH_CONFIGS']?.split(',');
  const cases = CASES.filter((c) => !want || want.includes(c.name));
  const m = machineInfo();
  console.log(`Connect Four league self-play (128×128 MLP, as measured before the conv default), ${SECONDS} s per configuration, ${m.cores} cores, Node ${m.node}`);
  const warn = loadWarning(m.cores);
  if (warn) console.log(warn);
  // the machine's own two-thread ceiling, before and after: what two cores give the learner's GEMM now
  const probe = async () => (await gemmScaling(2)).ratio;
  const ceilingBefore = await probe();
  console.log(`  two threads' GEMM over one (this machine's ceiling for two cores), before: ${ceilingBefore.toFixed(2)}×`);
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, got ${process.env['BENCH_ROUNDS']}`);
  const results: Result[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of cases) {
      process.stdout.write(`  ${ROUNDS > 1 ? `round ${round}/${ROUNDS} ` : ''}${c.name} … `);
      // read when the learner, its gradient threads and the actor pool create their kernels
      process.env['ARENA_FMA'] = c.fma === false ? '0' : '1';
      const s = await benchLeagueRun(benchLeagueConfig(c.algo, SECONDS, c.layer));
      const p = s.profile as Record<string, number>;
      results.push({ round, name: c.name, algo: c.algo, workers: p['workers']!, async: Boolean(p['async']), learnerThreads: c.layer.learnerThreads ?? 1, actorNice: c.layer.actorNice ?? 0, fma: c.fma !== false, decisionsPerSecond: s.stepsPerSecond, updates: s.updates, learnerBusy: p['learnerBusy']!, learnerBusyAfterWarmup: p['learnerBusyAfterWarmup']!, meanPolicyLag: p['meanPolicyLag']!, maxPolicyLag: p['maxPolicyLag']!, seconds: s.seconds });
      console.log(`${fmtInt(s.stepsPerSecond)} decisions/s`);
    }
  }
  const rows = summarise(cases, results).map((r) => [
    r.name,
    r.algo,
    String(r.workers),
    r.async ? 'async' : 'sync',
    String(r.learnerThreads),
    String(r.actorNice),
    r.fma ? 'yes' : 'no',
    fmtInt(r.decisionsPerSecond),
    r.ratio === null ? '–' : fmtRatio(r.ratio) + (ROUNDS > 1 ? ` (${fmtRatio(r.ratioMin!)}–${fmtRatio(r.ratioMax!)})` : ''),
    `${(100 * r.learnerBusyAfterWarmup).toFixed(0)}%`,
    r.meanPolicyLag.toFixed(2),
    String(r.maxPolicyLag),
  ]);
  const ceilingAfter = await probe();
  console.log(`  two threads' GEMM over one, after: ${ceilingAfter.toFixed(2)}×`);
  console.log();
  if (ROUNDS > 1) console.log(`medians over ${ROUNDS} rounds; the ratio is the median of each round's own ratio (range in brackets)\n`);
  console.log(markdownTable(['config', 'algo', 'workers', 'feed', 'learner threads', 'actor nice', 'FMA', 'decisions/s', '÷ same algo sync, 1 worker, 1 thread', 'learner busy', 'mean lag', 'max lag'], rows));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/selfplay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  console.log(`\ntwo threads' GEMM over one thread on this machine: ${ceilingBefore.toFixed(2)}× before the runs, ${ceilingAfter.toFixed(2)}× after (the most two cores can give the learner's products; 2× on two free cores)`);
  writeFileSync(file, `${JSON.stringify({ machine: m, seconds: SECONDS, rounds: ROUNDS, gemmTwoThreadRatio: { before: ceilingBefore, after: ceilingAfter }, results }, null, 2)}\n`);
}

await main();
