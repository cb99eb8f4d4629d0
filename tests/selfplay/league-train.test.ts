import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { loadCheckpoint } from '../../src/checkpoint/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { agentPolicy, nashConv } from '../../src/eval/exploitability.ts';
import { readMetrics } from '../../src/metrics.ts';
import { runTraining } from '../../src/train/loop.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { arena, ROOT } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-league-');
beforeAll(async () => {
  await selectBackend('wasm');
});

const kuhn = getGame('kuhn-poker');

describe('league training', () => {
  it('trains Kuhn against its league in worker threads, rating every game and logging evaluations', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', kuhn.info.id, { league: true, workers: 2, envs: 16, steps: 4, totalSteps: 16 * 4 * 2 * 6, snapshotEvery: 2, evalEvery: 3, evalGames: 16 });
    const summary = await runTraining({
      config,
      outDir: dir,
      resume: false,
      evaluate: (policy) => ({ 'eval/exploitability': nashConv(kuhn, agentPolicy(new PolicyAgent({ name: 'p', policy, obsRms: null, info: kuhn.info }))).exploitability }),
    });
    expect(summary.updates).toBe(6);
    const rows = readMetrics(dir);
    expect(rows).toHaveLength(6);
    const evals = rows.filter((r) => typeof r['eval/exploitability'] === 'number');
    expect(evals.length).toBeGreaterThanOrEqual(2);
    for (const r of evals) expect(r['eval/exploitability'] as number).toBeLessThan(1);
    expect(rows.some((r) => typeof r['eval/score_vs_nash'] === 'number')).toBe(true);
    const store = LeagueStore.open(dir, { create: false });
    const snapshots = store.listMembers({ role: 'snapshot' });
    expect(snapshots.map((m) => m.id)).toEqual(expect.arrayContaining(['main@000000', 'main@000002', 'main@000004', 'main@000006']));
    const games = rows.reduce((a, r) => a + (r['charts/games'] as number), 0);
    expect(store.matchCount()).toBeGreaterThan(0);
    expect(store.matchCount()).toBeLessThanOrEqual(games);
    store.close();
    // a league snapshot is an agent spec
    const m = arena(['match', '--game', 'kuhn-poker', '--agents', `${dir}#main@000004,random`, '--games', '20', '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).games).toBe(20);
    const x = arena(['exploitability', '--agent', `${dir}#main@000002`, '--game', 'kuhn-poker', '--json']);
    expect(x.code).toBe(0);
    expect(JSON.parse(x.stdout).exploitability).toBeGreaterThanOrEqual(0);
    // the run exports the average of its snapshots (logged at every evaluation); last: plays the last iterate
    expect(existsSync(join(dir, 'average-policy.json'))).toBe(true);
    expect(rows.filter((r) => typeof r['eval/exploitability_average'] === 'number').length).toBe(evals.length);
    const avg = JSON.parse(arena(['exploitability', '--agent', dir, '--json']).stdout);
    const last = JSON.parse(arena(['exploitability', '--agent', `last:${dir}`, '--json']).stdout);
    expect(avg.exploitability).toBeCloseTo(rows.at(-1)!['eval/exploitability_average'] as number, 9);
    expect(last.exploitability).not.toBeCloseTo(avg.exploitability, 6);
  });

  it('after kill -9 mid-run, --resume loses no finished match or snapshot and continues the counters', async () => {
    const dir = tmp();
    const out = join(dir, 'run');
    const child = spawn(process.execPath, [`${ROOT}bin/arena.js`, 'train', '--game', 'kuhn-poker', '--league', '--workers', '1', '--minutes', '5', '--out', out], {
      stdio: 'ignore',
      env: { ...process.env, CI: '1' },
    });
    // wait until a checkpoint and some snapshots exist, then kill at an arbitrary moment
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      if (existsSync(join(out, 'checkpoints', 'latest')) && existsSync(join(out, 'league.db'))) {
        const s = LeagueStore.open(out, { create: false });
        const n = s.listMembers({ role: 'snapshot' }).length;
        s.close();
        if (n >= 3) break;
      }
      if (Date.now() > deadline) throw new Error('training did not get going');
    }
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = LeagueStore.open(out, { create: false });
    const matchesBefore = before.matchCount();
    const snapshotsBefore = before.listMembers({ role: 'snapshot' }).map((m) => m.id);
    expect(before.integrityCheck()).toBe('ok');
    before.close();

    const { update: saved, globalStep } = (await loadCheckpoint<{ update: number; globalStep: number }>(out)).meta;
    const rowsBefore = readMetrics(out).length;
    // --minutes and --steps are totals for the run: continue for a few more updates
    const r = arena(['train', '--game', 'kuhn-poker', '--league', '--workers', '1', '--steps', String(globalStep + 2048), '--out', out, '--resume', '--json']);
    expect(r.code).toBe(0);
    const after = LeagueStore.open(out, { create: false });
    expect(after.matchCount()).toBeGreaterThan(matchesBefore);
    expect(after.listMembers({ role: 'snapshot' }).map((m) => m.id)).toEqual(expect.arrayContaining(snapshotsBefore));
    after.close();
    // the resumed run continues from the checkpointed update (updates after it were in flight and are redone)
    const resumedRows = readMetrics(out).slice(rowsBefore);
    expect(resumedRows[0]!['update']).toBe(saved + 1);
    expect(JSON.parse(r.stdout).updates).toBe(resumedRows.at(-1)!['update']);
  });
});
