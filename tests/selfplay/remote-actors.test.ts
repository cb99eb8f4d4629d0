/**
 * Rollout actors on other machines, for real: a `redis-server` on a free port, the learner (the
 * training loop, in this process or as an `arena train` child) and `arena actor` child processes
 * with their own worker threads. What a user relies on: the actor's segments are trained on like local
 * ones, every remote task and result is accounted for exactly once (nothing used twice, nothing lost
 * silently), and the faults — an actor killed mid-task, a corrupt result, Redis lost and back, the
 * learner killed and resumed, Redis unreachable, an actor for another game — each cost what they
 * must and no more. Waits poll for events (heartbeats, log lines, counters), never for a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink, type LogSink } from '../../core/log.ts';
import { formatRemoteStatus, readRemoteFile } from '../../league/status.ts';
import { selectBackend } from '../../src/backend.ts';
import { loadCheckpoint } from '../../src/checkpoint/store.ts';
import { readMetrics } from '../../src/metrics.ts';
import { SnapshotSet } from '../../src/selfplay/pool.ts';
import { RedisActors, remoteStatus } from '../../src/selfplay/remote-actors.ts';
import { parseHeartbeat, parseRunMeta, REMOTE_PROTOCOL, runKeys, type ActorHeartbeat } from '../../src/selfplay/remote-protocol.ts';
import { getGame } from '../../games/index.ts';
import { resolveConfig, type TrainConfig } from '../../src/train/config.ts';
import { runTraining, type TrainSummary } from '../../src/train/loop.ts';
import { arena, ROOT } from '../cli/helpers.ts';
import { freePort, SKIP_REDIS, startRedis, type RedisServer } from '../support/redis.ts';
import { tempDirs } from '../support/temp-dirs.ts';

/** A small, fast league: tic-tac-toe, one local worker, batches of two segments (from any actor). */
const LAYER: Partial<TrainConfig> = { league: true, workers: 1, envs: 8, steps: 8, hidden: [32, 32], evalEvery: 0, batchSegments: 2, checkpointEvery: 5, snapshotEvery: 5 };
const config = () => resolveConfig('ppo', 'tic-tac-toe-v1', { ...LAYER, totalSteps: 1e9 });

let redis: RedisServer;
let client: Redis;
const children: ChildProcess[] = [];
const logs: string[] = [];
let restoreSink: LogSink | null = null;

const tmp = tempDirs('arena-remote-');

/** A real `arena` child process, its output collected. */
function arenaProcess(args: string[]) {
  const child = spawn(process.execPath, [`${ROOT}bin/arena.js`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))); // 'close': after all its output is read
  return { child, exit, output: () => out };
}

const actorProcess = (run: string, ...extra: string[]) => arenaProcess(['actor', '--redis', redis.url, '--run', run, '--workers', '1', ...extra]);

/** The run's (single) live actor's heartbeat, null when none (or Redis is away). */
async function heartbeat(run: string): Promise<ActorHeartbeat | null> {
  const keys = runKeys(run);
  try {
    const ids = await client.smembers(keys.actors);
    for (const id of ids) {
      const hb = parseHeartbeat(await client.get(keys.actor(id)));
      if (hb) return hb;
    }
  } catch {
    // Redis is away
  }
  return null;
}

/**
 * Polls `cond` until it holds. A safety net, not a measurement: a generous limit that turns a hang
 * into a failure naming what never happened; a learner that fails meanwhile fails the wait at once.
 */
async function until(cond: () => boolean | Promise<boolean>, what: string, training?: Promise<unknown>): Promise<void> {
  let failed: unknown = null;
  void training?.catch((err) => (failed = err));
  const limit = Date.now() + 120_000;
  while (!(await cond())) {
    if (failed) throw failed;
    if (Date.now() > limit) throw new Error(`gave up waiting for ${what}; log:\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const logged = (pattern: RegExp) => () => logs.some((l) => pattern.test(l));

/** Every remote task and result accounted for exactly once. */
function checkRemoteCounts(summary: TrainSummary, dir: string): Record<string, number> {
  const r = summary.profile['remote'] as Record<string, number>;
  expect(r.tasksIssued).toBe(r.tasksAccepted! + r.tasksLost! + r.tasksCancelled!);
  expect(r.tasksAccepted).toBe(r.segmentsUsed! + r.segmentsDroppedLag! + r.segmentsUnused!);
  // the metrics rows of the updates say the same: no accepted segment trained on twice
  const rows = readMetrics(dir);
  expect(rows.reduce((a, row) => a + ((row['charts/remote_segments'] as number) ?? 0), 0)).toBe(r.segmentsUsed);
  return r;
}

/** Starts the learner in this process with remote actors; `stop()` ends it after the current update. */
function learner(run: string, dir: string, cfg: TrainConfig = config()) {
  const stop = new AbortController();
  const state = { update: 0 };
  const training = runTraining({ config: cfg, outDir: dir, resume: false, remote: { url: redis.url, run, waitActors: 1 }, signal: stop.signal, onUpdate: (u) => (state.update = u.update) });
  return {
    state,
    training,
    async stop() {
      stop.abort();
      return training;
    },
  };
}

beforeAll(async () => {
  if (SKIP_REDIS) return;
  await selectBackend('wasm');
  redis = await startRedis();
  client = new Redis(redis.url, { protocol: 2, maxRetriesPerRequest: 1, retryStrategy: () => 200, lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  setLogSink((level, message) => {
    logs.push(`${level}: ${message}`);
    if (logs.length > 5000) logs.splice(0, 1000);
  });
  restoreSink = (level, message) => process.stderr.write(`${level}: ${message}\n`);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  if (restoreSink) setLogSink(restoreSink);
  client?.disconnect();
  await redis?.stop();
});

describe.skipIf(SKIP_REDIS)('rollout actors over Redis', { timeout: 240_000 }, () => {
  it('an arena actor process feeds the learner: its segments are trained on, league status lists it, corrupt results are dropped and counted', async () => {
    const run = 'feed';
    const dir = tmp();
    // the actor plays four tasks, then holds the ones it claims (so one is surely waiting for a result)
    const actor = actorProcess(run, '--test-hold-after', '4');
    const l = learner(run, dir);
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= 4 && ((await heartbeat(run))?.running ?? 0) >= 1, 'four segments from the actor', l.training);

    // `arena league status` shows the live actor (read from the run folder and Redis)
    const recorded = readRemoteFile(dir)!;
    expect(recorded).toEqual({ url: redis.url, run });
    const status = await remoteStatus(recorded.url, recorded.run);
    expect(status.error).toBeNull();
    expect(status.learner?.state).toBe('running');
    expect(status.actors).toHaveLength(1);
    expect(status.actors[0]!.segments).toBeGreaterThanOrEqual(4);
    expect(formatRemoteStatus(status)).toContain(status.actors[0]!.id);

    // corrupt results: bytes that are not msgpack, and a wrong-shaped result for a task the actor holds
    const keys = runKeys(run);
    const session = parseRunMeta(await client.get(keys.meta))!.session;
    const held = (await client.xrange(keys.tasks, '-', '+'))[0]!;
    const uid = held[1][held[1].indexOf('uid') + 1]!;
    await client.xadd(keys.results, '*', 'uid', '999999', 'session', session, 'actor', 'intruder', 'status', 'ok', 'data', Buffer.from([0xc1, 0x00]));
    await client.xadd(keys.results, '*', 'uid', uid, 'session', session, 'actor', 'intruder', 'status', 'ok', 'data', Buffer.from([0x81, 0xa5, 0x73, 0x74, 0x65, 0x70, 0x73, 0x01])); // {steps: 1}
    await until(() => logs.filter((x) => /dropped a corrupt result from intruder/.test(x)).length === 2, 'both corrupt results dropped', l.training);
    const at = l.state.update;
    await until(() => l.state.update >= at + 2, 'two more updates', l.training);
    const summary = await l.stop();

    const r = checkRemoteCounts(summary, dir);
    const sent = (await heartbeat(run))!.segments; // four: the hook counts tasks as they start
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(r.segmentsUsed).toBeGreaterThan(0);
    expect(r.tasksAccepted).toBeLessThanOrEqual(sent); // only the actor's own results became segments
    expect(r.resultsCorrupt).toBe(2);
    expect(r.tasksLost).toBeGreaterThanOrEqual(1); // the held task whose result was corrupt
    expect(r.actorsSeen).toBe(1);
    actor.child.kill('SIGTERM');
    expect((await actor.exit).code).toBe(0);
  });

  it('Leduc with the critic that sees both cards: the actor plays the agent-state critic inputs, and its segments are trained on', async () => {
    const run = 'leduc-central';
    const dir = tmp();
    const cfg = resolveConfig('ppo', 'leduc-poker-v1', { ...LAYER, envs: 8, steps: 4, hidden: [32, 32], totalSteps: 1e9 });
    expect(cfg.criticInput).toBe('agent-state'); // Leduc's league default
    const actor = actorProcess(run);
    const l = learner(run, dir, cfg);
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= 3, 'three segments from the actor', l.training);
    const at = l.state.update;
    await until(() => l.state.update >= at + 3, 'three more updates', l.training);
    const summary = await l.stop();
    const r = checkRemoteCounts(summary, dir);
    expect(r.resultsCorrupt).toBe(0); // every result carried whole, finite critic inputs of the agent state's size
    expect(r.segmentsUsed).toBeGreaterThan(0);
    actor.child.kill('SIGTERM');
    expect((await actor.exit).code).toBe(0);
  });

  it('kill -9 of an actor mid-task loses that task only: the run goes on with its local worker', async () => {
    const run = 'kill-actor';
    const dir = tmp();
    const firstLog = logs.length;
    const actor = actorProcess(run, '--test-hold-after', '2');
    const l = learner(run, dir);
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= 2 && ((await heartbeat(run))?.running ?? 0) >= 1, 'the actor holding a task', l.training);
    const id = (await heartbeat(run))!.id;
    actor.child.kill('SIGKILL');
    await actor.exit;
    const atKill = l.state.update;
    await until(logged(new RegExp(`task \\d+ lost: actor ${id} stopped answering`)), 'the learner to give up the dead actor\'s task', l.training);
    await until(() => l.state.update >= atKill + 5, 'five more updates', l.training);
    const summary = await l.stop();

    const r = checkRemoteCounts(summary, dir);
    // lost with the actor: what one actor with one worker holds, a task and a spare; any other loss is a
    // task issued after the kill that no live actor took (given up after a few polls, and sent again)
    const count = (pattern: RegExp) => logs.slice(firstLog).filter((line) => pattern.test(line)).length;
    const heldLost = count(new RegExp(`task \\d+ lost: actor ${id} stopped answering`));
    expect(heldLost).toBeGreaterThanOrEqual(1);
    expect(heldLost).toBeLessThanOrEqual(2);
    expect(r.tasksLost).toBe(heldLost + count(/task \d+ lost: no live actor to take it/));
    expect(r.tasksAccepted).toBeLessThanOrEqual(2);
    expect(r.segmentsUsed).toBeGreaterThan(0);
    expect(summary.updates).toBeGreaterThanOrEqual(atKill + 5);
  });

  it('Redis killed and restarted mid-run: the learner trains on locally, then the actor feeds it again; nothing counted twice', async () => {
    const run = 'outage';
    const dir = tmp();
    const actor = actorProcess(run);
    const l = learner(run, dir);
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= 2, 'two segments from the actor', l.training);
    await redis.kill();
    const atKill = l.state.update;
    await until(logged(/learner: lost the connection to Redis/), 'the learner to notice', l.training);
    await until(() => l.state.update >= atKill + 3, 'updates while Redis is away', l.training);
    await redis.restart();
    const atRestart = l.state.update;
    await until(logged(/learner: reconnected to Redis/), 'the learner to reconnect', l.training);
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= 5, 'the actor to send again', l.training);
    const sentBefore = (await heartbeat(run))!.segments;
    await until(async () => ((await heartbeat(run))?.segments ?? 0) >= sentBefore + 2, 'two more segments from the actor', l.training);
    // a segment the actor sends may still be dropped as too old on a loaded machine: wait for one used
    const usedRemote = () => readMetrics(dir).some((row) => (row['update'] as number) > atRestart && (row['charts/remote_segments'] as number) > 0);
    await until(usedRemote, 'an update on the actor\'s segments after the restart', l.training);
    const summary = await l.stop();

    const r = checkRemoteCounts(summary, dir);
    expect(r.redisOutages).toBeGreaterThanOrEqual(1);
    const rows = readMetrics(dir);
    // trained on while Redis was away, and on the actor's segments again after it came back
    expect(rows.filter((row) => (row['update'] as number) > atKill && (row['update'] as number) <= atRestart).length).toBeGreaterThanOrEqual(3);
    expect(rows.some((row) => (row['update'] as number) > atRestart && (row['charts/remote_segments'] as number) > 0)).toBe(true);
    expect(actor.output()).toMatch(/actor: lost the connection to Redis/);
    expect(actor.output()).toMatch(/actor: reconnected to Redis/);
  });

  it('kill -9 of the learner, then --resume: the actor still running skips the old session and feeds the resumed run, then leaves', async () => {
    const run = 'resume';
    const out = join(tmp(), 'run');
    const cfg = join(tmp(), 'config.json');
    writeFileSync(cfg, JSON.stringify(LAYER));
    const actor = actorProcess(run);
    const common = ['--game', 'tic-tac-toe', '--league', '--config', cfg, '--redis', redis.url, '--run', run, '--wait-actors', '1', '--out', out];
    const first = arenaProcess(['train', ...common, '--steps', '100000000']);
    await until(async () => existsSync(join(out, 'checkpoints', 'latest')) && ((await heartbeat(run))?.segments ?? 0) >= 3, 'a checkpoint and three remote segments');
    first.child.kill('SIGKILL');
    await first.exit;
    const { globalStep } = (await loadCheckpoint<{ globalStep: number }>(out)).meta;
    const resumed = arena(['train', ...common, '--steps', String(globalStep + 40 * 2 * 64), '--resume', '--json'], { timeout: 240_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as TrainSummary;
    const r = summary.profile['remote'] as Record<string, number>;
    expect(r.tasksIssued).toBe(r.tasksAccepted! + r.tasksLost! + r.tasksCancelled!);
    expect(r.tasksAccepted).toBe(r.segmentsUsed! + r.segmentsDroppedLag! + r.segmentsUnused!);
    expect(r.segmentsUsed).toBeGreaterThan(0);
    expect(resumed.stderr).toMatch(/taking it over/); // the dead learner's claim on the run, released at once
    // the run finished: the actor leaves by itself
    expect((await actor.exit).code).toBe(0);
    expect(actor.output()).toMatch(/restarted \(learner session \w+ → \w+\)/);
    expect(actor.output()).toMatch(/the run finished/);
  });

  it('Redis unreachable at start: one line from the actor and from the learner, and no run folder', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const out = join(tmp(), 'never');
    const [a, t] = await Promise.all([
      (async () => arena(['actor', '--redis', url, '--run', 'x']))(),
      (async () => arena(['train', '--game', 'tic-tac-toe', '--league', '--redis', url, '--out', out]))(),
    ]);
    for (const r of [a, t]) {
      expect(r.code).toBe(2);
      // the error is the last line, the only one from arena, no stack trace
      const lines = r.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(new RegExp(`^arena: cannot reach Redis at ${url}: .*ECONNREFUSED`));
      expect(lines.filter((x) => x.startsWith('arena:') || /^\s+at /.test(x))).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('an actor for another game, or of another protocol, is refused with one line', async () => {
    const info = getGame('tic-tac-toe').info;
    const learnerSide = await RedisActors.open({ url: redis.url, run: 'ttt', info, algo: 'ppo', network: 'mlp', snapshots: new SnapshotSet() });
    try {
      const wrongGame = actorProcess('ttt', '--game', 'connect-four');
      expect((await wrongGame.exit).code).toBe(2);
      expect(wrongGame.output()).toContain("arena: run 'ttt' trains tic-tac-toe-v1, but this actor was started for connect-four-v3 (--game)");
    } finally {
      await learnerSide.close();
    }
    const keys = runKeys('future');
    await client.set(keys.meta, JSON.stringify({ protocol: REMOTE_PROTOCOL + 1, run: 'future', session: 's', state: 'running', game: { id: info.id }, algo: 'ppo', network: 'mlp', tasks: ['two-seat'], learner: { host: 'h', pid: 1, startedAt: 0 } }), 'EX', 60);
    const future = actorProcess('future');
    expect((await future.exit).code).toBe(2);
    expect(future.output()).toMatch(new RegExp(`arena: run 'future' speaks actor protocol ${REMOTE_PROTOCOL + 1}, this Arena speaks ${REMOTE_PROTOCOL}`));
  });
});
