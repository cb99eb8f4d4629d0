/**
 * `npm run bench:selfplay`: Connect Four league self-play throughput, synchronous vs asynchronous, side
 * by side in one run. Each configuration is a real `arena train --league` run (the training loop,
 * the worker pool, the league on disk) for the same wall-clock budget; the figures are learner
 * decisions per second, the learner's busy share of the wall-clock after warm-up, and the policy lag.
 *
 * BENCH_SECONDS (default 60) per configuration; BENCH_QUICK=1 for 20 s; BENCH_CONFIGS to pick
 * (comma-separated names below). Raw numbers go to bench/results/selfplay-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setLogLevel } from '../core/log.ts';
import { selectBackend } from '../src/backend.ts';
import type { Algo, TrainConfig } from '../src/train/config.ts';
import { gemmScaling } from './gemm-probe.ts';
import { benchLeagueConfig, benchLeagueRun } from './league-runs.ts';
import { fmtInt, fmtRatio, loadWarning, machineInfo, markdownTable } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? (process.env['BENCH_QUICK'] ? 20 : 60));

interface Case {
  readonly name: string;
  readonly algo: Algo;
  readonly layer: Partial<TrainConfig>;
}

const CASES: Case[] = [
  { name: 'sync-1', algo: 'ppo', layer: { workers: 1, async: false, learnerThreads: 1 } },
  { name: 'sync-2', algo: 'ppo', layer: { workers: 2, async: false, learnerThreads: 1 } },
  { name: 'async-2', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 1 } },
  { name: 'sync-1-t2', algo: 'ppo', layer: { workers: 1, async: false, learnerThreads: 2 } },
  { name: 'async-2-t2', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2 } },
  { name: 'async-2-t2-n5', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2, actorNice: 5 } },
  { name: 'async-2-t2-n10', algo: 'ppo', layer: { workers: 2, async: true, learnerThreads: 2, actorNice: 10 } },
  { name: 'impala-sync-1', algo: 'impala', layer: { workers: 1, async: false, learnerThreads: 1 } },
  { name: 'impala-async-2', algo: 'impala', layer: { workers: 2, async: true, learnerThreads: 1 } },
];

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
  const results: Record<string, unknown>[] = [];
  for (const c of cases) {
    process.stdout.write(`  ${c.name} … `);
    const s = await benchLeagueRun(benchLeagueConfig(c.algo, SECONDS, c.layer));
    const p = s.profile as Record<string, number>;
    results.push({ name: c.name, algo: c.algo, workers: p.workers, async: p.async, learnerThreads: c.layer.learnerThreads ?? 1, actorNice: c.layer.actorNice ?? 0, decisionsPerSecond: s.stepsPerSecond, updates: s.updates, learnerBusy: p.learnerBusy, learnerBusyAfterWarmup: p.learnerBusyAfterWarmup, meanPolicyLag: p.meanPolicyLag, maxPolicyLag: p.maxPolicyLag, seconds: s.seconds });
    console.log(`${fmtInt(s.stepsPerSecond)} decisions/s`);
  }
  // each algorithm against its own synchronous single-worker run with the learner on one thread
  const base = (algo: unknown) => results.find((r) => r['algo'] === algo && r['workers'] === 1 && !r['async'] && r['learnerThreads'] === 1 && r['actorNice'] === 0)?.['decisionsPerSecond'] as number | undefined;
  const rows = results.map((r) => [
    String(r['name']),
    String(r['algo']),
    String(r['workers']),
    r['async'] ? 'async' : 'sync',
    String(r['learnerThreads']),
    String(r['actorNice']),
    fmtInt(r['decisionsPerSecond'] as number),
    base(r['algo']) ? fmtRatio((r['decisionsPerSecond'] as number) / base(r['algo'])!) : '–',
    `${(100 * (r['learnerBusyAfterWarmup'] as number)).toFixed(0)}%`,
    (r['meanPolicyLag'] as number).toFixed(2),
    String(r['maxPolicyLag']),
  ]);
  const ceilingAfter = await probe();
  console.log(`  two threads' GEMM over one, after: ${ceilingAfter.toFixed(2)}×`);
  console.log();
  console.log(markdownTable(['config', 'algo', 'workers', 'feed', 'learner threads', 'actor nice', 'decisions/s', '÷ same algo sync, 1 worker, 1 thread', 'learner busy', 'mean lag', 'max lag'], rows));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/selfplay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  console.log(`\ntwo threads' GEMM over one thread on this machine: ${ceilingBefore.toFixed(2)}× before the runs, ${ceilingAfter.toFixed(2)}× after (the most two cores can give the learner's products; 2× on two free cores)`);
  writeFileSync(file, `${JSON.stringify({ machine: m, seconds: SECONDS, gemmTwoThreadRatio: { before: ceilingBefore, after: ceilingAfter }, results }, null, 2)}\n`);
}

await main();
