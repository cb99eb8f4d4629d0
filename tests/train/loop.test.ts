/**
 * The one training loop (src/train/loop.ts) across modes: a league with main and league exploiters
 * that all train (own weights, checkpoints, metrics; resumed together), IMPALA in asynchronous
 * self-play, exact reproducibility of the synchronous mode, and one-line errors for bad configs.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { LeagueStore } from '../../league/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { arena, ROOT } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-loop-');
beforeAll(async () => {
  setLogLevel('warn');
  await selectBackend('wasm');
});

const small = { envs: 8, steps: 4, hidden: [16, 16], evalEvery: 0, checkpointEvery: 2 };

describe('the training loop', () => {
  it('trains a main agent, a main exploiter and a league exploiter side by side, and resumes all three', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', 'tic-tac-toe-v1', { ...small, league: true, workers: 2, mainExploiters: 1, leagueExploiters: 1, snapshotEvery: 2, totalSteps: 3 * 6 * 2 * 8 * 4 });
    const seen = new Set<string>();
    const summary = await runTraining({ config, outDir: dir, resume: false, onUpdate: (u) => seen.add(u.learner) });
    expect(seen).toEqual(new Set(['main', 'main_exploiter', 'league_exploiter']));
    const byId = Object.fromEntries(summary.learners.map((l) => [l.id, l]));
    for (const id of ['main', 'main_exploiter', 'league_exploiter']) expect(byId[id]!.updates).toBeGreaterThanOrEqual(3);
    // the main exploiter resets to its initial weights after every snapshot
    expect(byId['main_exploiter']!.resets).toBeGreaterThanOrEqual(1);
    // each learner has its own checkpoint and metrics
    for (const id of ['main_exploiter', 'league_exploiter']) {
      expect(existsSync(join(dir, 'learners', id, 'checkpoints', 'latest'))).toBe(true);
      expect(readMetrics(join(dir, 'learners', id)).length).toBe(byId[id]!.updates);
    }
    // the league holds every learner's snapshots and their games
    const store = LeagueStore.open(dir, { create: false });
    const members = store.listMembers();
    for (const id of ['main', 'main_exploiter', 'league_exploiter']) {
      expect(members.some((m) => m.role === 'snapshot' && m.parent === id)).toBe(true);
      expect(members.find((m) => m.id === id)!.role).toBe(id);
    }
    store.close();
    const status = arena(['league', 'status', dir, '--json']);
    expect(status.code).toBe(0);
    const listed = (JSON.parse(status.stdout) as { members: { id: string; role: string; steps: number | null; rating: number }[] }).members;
    expect(listed.map((m) => m.role)).toEqual(expect.arrayContaining(['main', 'main_exploiter', 'league_exploiter', 'snapshot']));
    for (const id of ['main', 'main_exploiter', 'league_exploiter']) {
      const m = listed.find((x) => x.id === id)!;
      expect(m.steps).toBe(byId[id]!.steps); // every learner's steps and rating
      expect(Number.isFinite(m.rating)).toBe(true);
    }

    // resume restores every learner from its own checkpoint
    const saved = Object.fromEntries(
      await Promise.all(
        ['main_exploiter', 'league_exploiter'].map(async (id) => {
          const l = await loadPolicyCheckpoint(join(dir, 'learners', id));
          l.policy.dispose();
          return [id, l.state.update] as const;
        }),
      ),
    );
    const more = await runTraining({ config: { ...config, totalSteps: summary.globalStep + 3 * 8 * 2 * 8 * 4 }, outDir: dir, resume: true });
    const after = Object.fromEntries(more.learners.map((l) => [l.id, l]));
    for (const id of ['main_exploiter', 'league_exploiter']) {
      expect(after[id]!.updates).toBeGreaterThan(saved[id]!);
      const rows = readMetrics(join(dir, 'learners', id));
      expect(rows.at(-1)!['update']).toBe(after[id]!.updates);
    }
  });

  it('after kill -9 of a run with exploiters, --resume continues every learner from its checkpoint and loses no league record', async () => {
    const out = join(tmp(), 'run');
    const cfg = join(tmp(), 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ hidden: [16, 16], envs: 8, steps: 4, checkpointEvery: 3, snapshotEvery: 2, evalEvery: 0 }));
    const child = spawn(process.execPath, [`${ROOT}bin/arena.js`, 'train', '--game', 'tic-tac-toe', '--league', '--workers', '1', '--main-exploiters', '1', '--minutes', '5', '--config', cfg, '--out', out], {
      stdio: 'ignore',
      env: { ...process.env, CI: '1' },
    });
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(out, 'learners', 'main_exploiter', 'checkpoints', 'latest')) || !existsSync(join(out, 'checkpoints', 'latest'))) {
      if (Date.now() > deadline) throw new Error('training did not get going');
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = LeagueStore.open(out, { create: false });
    const gamesBefore = before.gameCount();
    const snapshotsBefore = before.listMembers({ role: 'snapshot' }).map((m) => m.id);
    expect(before.integrityCheck()).toBe('ok');
    before.close();
    const saved: Record<string, number> = {};
    let steps = 0;
    for (const [id, dir] of [['main', out], ['main_exploiter', join(out, 'learners', 'main_exploiter')]] as const) {
      const l = await loadPolicyCheckpoint(dir);
      l.policy.dispose();
      saved[id] = l.state.update;
      steps += l.state.globalStep;
    }
    const rowsBefore = { main: readMetrics(out).length, main_exploiter: readMetrics(join(out, 'learners', 'main_exploiter')).length };
    const r = arena(['train', '--game', 'tic-tac-toe', '--league', '--workers', '1', '--main-exploiters', '1', '--steps', String(steps + 12 * 32), '--out', out, '--resume', '--json']);
    expect(r.code).toBe(0);
    const after = LeagueStore.open(out, { create: false });
    expect(after.gameCount()).toBeGreaterThan(gamesBefore);
    expect(after.listMembers({ role: 'snapshot' }).map((m) => m.id)).toEqual(expect.arrayContaining(snapshotsBefore));
    after.close();
    // each learner continues from its own checkpointed update: only the updates after it are redone
    expect(readMetrics(out).slice(rowsBefore.main)[0]!['update']).toBe(saved['main']! + 1);
    expect(readMetrics(join(out, 'learners', 'main_exploiter')).slice(rowsBefore.main_exploiter)[0]!['update']).toBe(saved['main_exploiter']! + 1);
  });

  it('evaluation bots stay out of the opponent pool unless listed in leagueBots (held-out evaluation)', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', 'tic-tac-toe-v1', { ...small, league: true, workers: 1, evalEvery: 2, evalGames: 4, evalAgents: ['random', 'minimax'], leagueBots: ['random'], totalSteps: 4 * 8 * 4 });
    await runTraining({ config, outDir: dir, resume: false });
    const store = LeagueStore.open(dir, { create: false });
    const bots = store.listMembers().filter((m) => m.botSpec !== null).map((m) => m.botSpec);
    store.close();
    expect(bots).toEqual(['random']);
    const evals = readMetrics(dir).filter((m) => 'eval/score_vs_minimax' in m);
    expect(evals.length).toBeGreaterThan(0); // still evaluated against minimax, which it never trained against
  });

  it('IMPALA trains asynchronously in a league, logging V-trace statistics and the policy lag', async () => {
    const dir = tmp();
    const config = resolveConfig('impala', 'kuhn-poker-v1', { ...small, league: true, workers: 2, totalSteps: 8 * 8 * 4 * 2 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBeGreaterThanOrEqual(8);
    const rows = readMetrics(dir);
    expect(rows.every((r) => typeof r['vtrace/mean_rho'] === 'number' && typeof r['charts/policy_lag'] === 'number')).toBe(true);
    expect((summary.profile as { async: boolean }).async).toBe(true);
    // the memory sample splits resident memory and reports every thread's committed heap and V8 allocations
    const sample = (summary.profile as { memory: Record<string, number | null>[] }).memory[0]!;
    if (process.platform === 'linux') expect(Math.abs(sample['rssAnonMB']! + sample['rssFileMB']! - sample['rssMB']!)).toBeLessThanOrEqual(2);
    expect(sample['heapPhysicalMB']!).toBeGreaterThanOrEqual(sample['heapMB']! - 1);
    expect(sample['mallocedMB']).toBeTypeOf('number');
    expect(sample['tfTensors']).toBeGreaterThan(0); // the reference policy's variables live in tfjs
  });

  it('synchronous mode is exactly reproducible from the seed', async () => {
    const run = async () => {
      const dir = tmp();
      const config = resolveConfig('ppo', 'kuhn-poker-v1', { ...small, league: true, workers: 2, async: false, totalSteps: 4 * 2 * 8 * 4 });
      await runTraining({ config, outDir: dir, resume: false });
      return readMetrics(dir).map((r) => [r['losses/policy_loss'], r['losses/value_loss'], r['charts/score']]);
    };
    const [a, b] = [await run(), await run()];
    expect(a).toHaveLength(4);
    expect(a).toEqual(b);
  });

  it('a config naming an unknown algorithm, role count or lag bound gets a one-line error with the valid values', () => {
    const algo = arena(['train', '--game', 'kuhn-poker', '--algo', 'dqn']);
    expect(algo.code).toBe(2);
    expect(algo.stderr.trim().split('\n')).toHaveLength(1);
    expect(algo.stderr).toMatch(/impala/);
    const roles = arena(['train', '--game', 'kuhn-poker', '--main-exploiters', '2']);
    expect(roles.code).toBe(2);
    expect(roles.stderr).toMatch(/--league/);
    const lag = arena(['train', '--game', 'kuhn-poker', '--league', '--max-lag', '-1']);
    expect(lag.code).not.toBe(0);
    expect(lag.stderr).toMatch(/--max-lag must be an integer >= 0/);
    expect(() => resolveConfig('ppo', 'kuhn-poker-v1', { league: true, mainExploiters: 9 })).toThrow(/mainExploiters/);
    const threads = arena(['train', '--game', 'kuhn-poker', '--league', '--learner-threads', '0']);
    expect(threads.code).not.toBe(0);
    expect(threads.stderr).toMatch(/--learner-threads must be an integer >= 1/);
    const nice = arena(['train', '--game', 'kuhn-poker', '--league', '--actor-nice', '20']);
    expect(nice.code).not.toBe(0);
    expect(nice.stderr).toMatch(/actorNice/);
    expect(nice.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--learner-threads 2 and --actor-nice 5 train a league run with gradient threads and lowered actors, recorded in the profile', () => {
    const out = join(tmp(), 'threads');
    const cfg = join(tmp(), 'threads.json');
    writeFileSync(cfg, JSON.stringify({ hidden: [16, 16], envs: 8, steps: 8, minibatchSize: 32, evalEvery: 0 }));
    const r = arena(['train', '--game', 'tic-tac-toe', '--league', '--workers', '1', '--learner-threads', '2', '--actor-nice', '5', '--steps', String(4 * 64), '--config', cfg, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { updates: number; profile: { learnerThreads: number; actorNice: number; fastKernels: string } };
    expect(summary.updates).toBeGreaterThanOrEqual(4);
    expect(summary.profile.learnerThreads).toBe(2);
    expect(summary.profile.actorNice).toBe(5);
    expect(summary.profile.fastKernels).toBe('wasm-fma'); // fused multiply-add GEMMs: relaxed SIMD validates on Node 24
    expect(readMetrics(out).every((m) => Number.isFinite(m['losses/policy_loss']))).toBe(true);
  });
});
