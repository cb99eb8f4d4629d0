/**
 * Training beyond one machine, the training half of `npm run bench:scale`: Connect Four league
 * decisions/s with 2 local workers against 1 local worker + 1 `arena actor` process (1 worker) over
 * Redis, on the same machine, side by side in one run, with the same batch (2 segments per update).
 *
 * The remote path's cost per worker is measured twice: within the remote run, as the remote worker's
 * segment rate against the local worker's (same learner, same moment); and across the runs, as the
 * remote worker's deficit against a local worker of the all-local run (2·(A − B)/A). Transport and
 * serialization are measured separately, against the time a worker takes to play a segment:
 * payload per segment, encoding in the actor, decoding and checks in the learner, the snapshot fetch
 * per task in the actor; Redis itself from an idle client after the runs (a PING, and a segment's
 * payload written to a stream and read back); and each task's transit in the run (its round trip less
 * the time it spent in its actor, which includes waiting for the learner's busy thread).
 *
 * Both learn with one full-batch gradient step per update (epochs 1), so the actors, not the learner,
 * limit the rate: with the default four epochs the learner is busy most of the time on a small
 * machine and the actors wait for it whatever their transport.
 *
 * Redis: ARENA_REDIS_URL, else a redis-server started on a free port. Alone:
 * `npx node bench/scale-training.ts` (BENCH_SECONDS per configuration, default 60; raw numbers go to
 * bench/results/scale-training-<time>.json).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setLogLevel } from '../core/log.ts';
import { selectBackend } from '../src/backend.ts';
import type { TrainSummary } from '../src/train/loop.ts';
import { startRedis } from '../tests/support/redis.ts';
import { benchLeagueConfig, benchLeagueRun } from './league-runs.ts';
import { fmtInt, loadWarning, machineInfo, markdownTable, quantile, type MachineInfo } from './lib.ts';

export interface TrainingScaleResult {
  readonly machine: MachineInfo;
  readonly seconds: number;
  /** Decisions per second: 2 local workers (A), 1 local + 1 remote (B). */
  readonly local2: number;
  readonly local1Remote1: number;
  /** Segments per second of a worker in the all-local run, and of each worker in the remote run. */
  readonly local2WorkerSegmentsPerSecond: number;
  readonly localWorkerSegmentsPerSecond: number;
  readonly remoteWorkerSegmentsPerSecond: number;
  /** The remote worker's shortfall against a local one, in %: within the remote run, and against the all-local run. */
  readonly costPerWorkerPct: number;
  readonly costPerWorkerVsLocalRunPct: number;
  /** Milliseconds a worker takes to play one segment (game logic and inference). */
  readonly segmentPlayMs: number;
  /** The remote path's own numbers (RemoteStats, plus the segments used and dropped). */
  readonly remote: Record<string, number | string>;
  /** Redis from an idle client, medians: a PING, and a segment's payload added to a stream and read back. */
  readonly redisPingMs: number;
  readonly redisSegmentTripMs: number;
  readonly learnerBusy: { readonly local2: number; readonly local1Remote1: number };
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** One full-batch gradient step per update: the learner keeps up with the actors. */
const LIGHT_LEARNER = { epochs: 1, minibatchSize: 1 << 20 };

/** Runs both configurations and returns (and logs) the comparison. */
export async function benchTrainingScale(opts: { seconds: number; log: (s: string) => void }): Promise<TrainingScaleResult> {
  const { seconds, log } = opts;
  setLogLevel('warn');
  await selectBackend('wasm');
  const m = machineInfo();
  log(`Connect Four league training, 2 local workers vs 1 local + 1 remote actor over Redis (same machine), ${seconds} s per configuration, ${m.cores} cores, Node ${m.node}`);
  const warn = loadWarning(m.cores);
  if (warn) log(warn);
  const ownRedis = process.env['ARENA_REDIS_URL'] ? null : await startRedis();
  const url = process.env['ARENA_REDIS_URL'] || ownRedis!.url;
  try {
    log('  2 local workers …');
    const a = await benchLeagueRun(benchLeagueConfig('ppo', seconds, { ...LIGHT_LEARNER, workers: 2 }));
    log(`    ${fmtInt(a.stepsPerSecond)} decisions/s`);

    log('  1 local worker + 1 arena actor (1 worker) over Redis …');
    const run = `bench-scale-${process.pid}`;
    const actor = spawn(process.execPath, [`${ROOT}bin/arena.js`, 'actor', '--redis', url, '--run', run, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ARENA_LOG: 'warn' } });
    let actorErr = '';
    actor.stderr.on('data', (d: Buffer) => (actorErr = (actorErr + d.toString()).slice(-2000)));
    const actorExit = new Promise<number | null>((resolve) => actor.once('exit', (code) => resolve(code)));
    let b: TrainSummary;
    try {
      // the learner starts once the actor has joined: both configurations train for the same time
      b = await benchLeagueRun(benchLeagueConfig('ppo', seconds, { ...LIGHT_LEARNER, workers: 1, batchSegments: 2 }), { remote: { url, run, waitActors: 1 } });
    } finally {
      // the run finished: the actor leaves by itself; if it does not within 30 s, it is stopped
      const t = setTimeout(() => actor.kill('SIGTERM'), 30_000);
      const code = await actorExit;
      clearTimeout(t);
      if (code !== 0) log(`    (the actor exited with ${code}: ${actorErr.trim().split('\n').at(-1)})`);
    }
    log(`    ${fmtInt(b.stepsPerSecond)} decisions/s`);

    const pa = a.profile as Record<string, number>;
    const pb = b.profile as Record<string, number>;
    const remote = pb['remote'] as unknown as Record<string, number>;
    const remoteSegments = remote['segmentsUsed']! + remote['segmentsDroppedLag']!;
    const localSegments = pb['segments']! - remoteSegments;
    const localRate = localSegments / b.seconds;
    const remoteRate = remoteSegments / b.seconds;
    const segmentPlayMs = (1000 * (pb['envSeconds']! + pb['inferenceSeconds']!)) / Math.max(1, pb['segments']!);
    const trip = await redisTrips(url, Math.round(remote['kBPerSegment']! * 1024));
    const result: TrainingScaleResult = {
      machine: m,
      seconds,
      local2: a.stepsPerSecond,
      local1Remote1: b.stepsPerSecond,
      local2WorkerSegmentsPerSecond: pa['segments']! / a.seconds / 2,
      localWorkerSegmentsPerSecond: localRate,
      remoteWorkerSegmentsPerSecond: remoteRate,
      costPerWorkerPct: 100 * (1 - remoteRate / localRate),
      costPerWorkerVsLocalRunPct: (100 * 2 * (a.stepsPerSecond - b.stepsPerSecond)) / a.stepsPerSecond,
      segmentPlayMs,
      remote,
      redisPingMs: trip.pingMs,
      redisSegmentTripMs: trip.segmentMs,
      learnerBusy: { local2: pa['learnerBusy']!, local1Remote1: pb['learnerBusy']! },
    };
    report(result, log);
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/scale-training-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await ownRedis?.stop();
  }
}

/** Medians over 200 tries, from an idle client: a PING, and `bytes` added to a stream and read back (then deleted). */
async function redisTrips(url: string, bytes: number): Promise<{ pingMs: number; segmentMs: number }> {
  const c = new Redis(url, { protocol: 2 });
  try {
    const payload = randomBytes(Math.max(1, bytes));
    const key = `arena:bench:trip:${process.pid}`;
    const ping: number[] = [];
    const segment: number[] = [];
    for (let i = 0; i < 200; i++) {
      let t = performance.now();
      await c.ping();
      ping.push(performance.now() - t);
      t = performance.now();
      const id = await c.xadd(key, '*', 'data', payload);
      await c.xrangeBuffer(key, id!, id!);
      segment.push(performance.now() - t);
      await c.xdel(key, id!);
    }
    await c.del(key);
    const median = (xs: number[]) => quantile(Float64Array.from(xs).sort(), 0.5);
    return { pingMs: median(ping), segmentMs: median(segment) };
  } finally {
    c.disconnect();
  }
}

function report(r: TrainingScaleResult, log: (s: string) => void): void {
  const pct = (x: number) => `${x.toFixed(1)}%`;
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const q = r.remote as Record<string, number>;
  log('');
  log(
    markdownTable(
      ['configuration', 'decisions/s', 'local worker segments/s', 'remote worker segments/s', 'learner busy'],
      [
        ['2 local workers', fmtInt(r.local2), `${r.local2WorkerSegmentsPerSecond.toFixed(2)} each`, '–', pct(100 * r.learnerBusy.local2)],
        ['1 local + 1 remote (Redis)', fmtInt(r.local1Remote1), r.localWorkerSegmentsPerSecond.toFixed(2), r.remoteWorkerSegmentsPerSecond.toFixed(2), pct(100 * r.learnerBusy.local1Remote1)],
      ],
    ),
  );
  log('');
  log(`remote path cost per worker: ${pct(r.costPerWorkerPct)} (remote worker's segment rate against the local worker's, same run); ${pct(r.costPerWorkerVsLocalRunPct)} against a worker of the all-local run`);
  const serial = q['encodeMsPerSegment']! + q['decodeMsPerSegment']!;
  log(
    markdownTable(
      ['per remote segment', 'value', 'of a segment\'s play time'],
      [
        ['play time in a worker (games + inference)', ms(r.segmentPlayMs), '100%'],
        ['payload', `${q['kBPerSegment']!.toFixed(0)} kB`, ''],
        ['serialization: encode (actor)', ms(q['encodeMsPerSegment']!), pct((100 * q['encodeMsPerSegment']!) / r.segmentPlayMs)],
        ['serialization: decode + checks (learner)', ms(q['decodeMsPerSegment']!), pct((100 * q['decodeMsPerSegment']!) / r.segmentPlayMs)],
        ['transport: the payload into Redis and back (idle client)', ms(r.redisSegmentTripMs), pct((100 * r.redisSegmentTripMs) / r.segmentPlayMs)],
        ['transport: Redis PING (idle client)', ms(r.redisPingMs), pct((100 * r.redisPingMs) / r.segmentPlayMs)],
        ['transport: snapshot fetch per task (actor)', ms(q['snapshotFetchMsPerTask']!), pct((100 * q['snapshotFetchMsPerTask']!) / r.segmentPlayMs)],
        ["in the run: a task's round trip less its time in the actor", ms(q['transitMsPerTask']!), 'hidden: the actor holds a spare task'],
      ],
    ),
  );
  log(`serialization in total ${pct((100 * serial) / r.segmentPlayMs)} of a segment's play time; tasks ${q['tasksIssued']} sent, ${q['tasksLost']} lost; segments ${q['segmentsUsed']} used, ${q['segmentsDroppedLag']} dropped for policy lag`);
}

if (import.meta.main) {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? (process.env['BENCH_QUICK'] ? 20 : 60));
  await benchTrainingScale({ seconds, log: (s) => console.log(s) });
}
