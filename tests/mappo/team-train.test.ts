/**
 * Team training (the training loop's team mode, src/train/loop.ts): a MAPPO run with a team league (snapshots, bots,
 * team-vs-team ratings, evaluations against the scripted team, checkpoints that `arena match` and
 * league specs play), resuming it, IPPO with separate parameters in the worker pool, and the CLI.
 */
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { playSeries } from '../../src/eval/match.ts';
import { readMetrics } from '../../src/metrics.ts';
import { runTraining } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-mappo-');
beforeAll(async () => {
  setLogLevel('warn');
  await selectBackend('wasm');
});

const soccer = getGame('grid-soccer');
const tiny = { envs: 2, steps: 100, epochs: 2, hidden: [16, 16], evalGames: 2 };

describe('team training', () => {
  it('MAPPO with a team league: snapshots, rated games, evaluations, playable checkpoints, resume', async () => {
    const dir = tmp();
    const config = resolveConfig('mappo', soccer.info.id, { ...tiny, league: true, totalSteps: 2 * 100 * 4, snapshotEvery: 2, evalEvery: 2, checkpointEvery: 2, opponent: 'heuristic,random' });
    const updates: number[] = [];
    const summary = await runTraining({ config, outDir: dir, resume: false, inThread: true, onUpdate: (u) => updates.push(u.update) });
    expect(summary.updates).toBe(4);
    expect(summary.globalStep).toBe(800);
    expect(updates).toEqual([1, 2, 3, 4]);
    const rows = readMetrics(dir);
    expect(rows).toHaveLength(4);
    const evals = rows.filter((r) => typeof r['eval/win_rate_vs_heuristic'] === 'number');
    expect(evals.map((r) => r.update)).toEqual([1, 2, 4]);
    for (const r of evals) {
      expect(r['eval/score_vs_heuristic']).toBeGreaterThanOrEqual(0);
      expect(r['eval/score_vs_heuristic']).toBeLessThanOrEqual(1);
    }
    // 100-step rollouts continue the 200-step matches: games finish every second update
    expect(rows.map((r) => r['charts/games'])).toEqual([0, 2, 0, 2]);
    expect(rows.every((r) => r['charts/valid_fraction'] === 1 && r['charts/agent_steps'] === 2 * 100 * 2)).toBe(true);

    // the league: team snapshots, the scripted teams, team-vs-team matches
    const store = LeagueStore.open(dir, { create: false });
    const ids = store.listMembers().map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['main', 'main@000000', 'main@000002', 'main@000004', 'bot:heuristic', 'bot:random']));
    expect(store.matchCount()).toBeGreaterThan(0);
    store.close();

    // the checkpoint is a team policy: PolicyAgent plays every seat of its side
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.meta.algo).toBe('mappo');
    expect(loaded.policy.spec).toMatchObject({ obsSize: 21, criticInputSize: 19, agentIdFeature: true, teamSize: 2, critic: 'centralized' });
    loaded.policy.dispose();
    const agent = await createAgent(dir, soccer.info, 1);
    expect(agent).toBeInstanceOf(PolicyAgent);
    const league = await createAgent(`${dir}#main@000002`, soccer.info, 2);
    const heuristic = await createAgent('heuristic', soccer.info, 3);
    expect(playSeries({ game: soccer, agents: [agent, heuristic], games: 2 }).games).toBe(2);
    expect(playSeries({ game: soccer, agents: [league, heuristic], games: 2 }).games).toBe(2);
    agent.dispose?.();

    // resume: counters, value statistics and the league continue
    const more = resolveConfig('mappo', soccer.info.id, { ...config, totalSteps: 2 * 100 * 6 });
    const resumed = await runTraining({ config: more, outDir: dir, resume: true, inThread: true });
    expect(resumed.updates).toBe(6);
    expect(readMetrics(dir).map((r) => r.update)).toEqual([1, 2, 3, 4, 5, 6]);
    const s2 = LeagueStore.open(dir, { create: false });
    expect(s2.listMembers().map((m) => m.id)).toContain('main@000006');
    s2.close();
    await expect(runTraining({ config, outDir: dir, resume: false, inThread: true })).rejects.toThrow(/already holds a run/);
  });

  it('IPPO with separate parameters in the worker pool, against a fixed opponent', async () => {
    const dir = tmp();
    const config = resolveConfig('ippo', soccer.info.id, { ...tiny, workers: 2, steps: 20, totalSteps: 2 * 20 * 2, evalEvery: 0, shareParams: false, opponent: 'random' });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBe(2);
    expect(readMetrics(dir)).toHaveLength(2);
    // team seat 1's policy is its own checkpoint beside the main one (seat 0's)
    expect(existsSync(join(dir, 'seat-1', 'checkpoints', 'latest'))).toBe(true);
    const [p0, p1] = await Promise.all([loadPolicyCheckpoint(dir), loadPolicyCheckpoint(join(dir, 'seat-1'))]);
    expect(p0.policy.spec).toMatchObject({ critic: 'local', criticInputSize: 21 });
    expect(p0.policy.getWeights()[0]).not.toEqual(p1.policy.getWeights()[0]);
    p0.policy.dispose();
    p1.policy.dispose();
    // resuming restores both seats
    const resumed = await runTraining({ config: { ...config, totalSteps: 2 * 20 * 3 }, outDir: dir, resume: true });
    expect(resumed.updates).toBe(3);
  });

  it('rejects games that are not two-sided simultaneous team games', async () => {
    const config = resolveConfig('mappo', 'tic-tac-toe-v1', {});
    await expect(runTraining({ config, outDir: tmp(), resume: false, inThread: true })).rejects.toThrow(/MAPPO\/IPPO train teams/);
  });

  it('refuses normObs in one line (team policies train on raw observations)', async () => {
    const config = resolveConfig('mappo', soccer.info.id, { ...tiny, normObs: true });
    await expect(runTraining({ config, outDir: tmp(), resume: false, inThread: true })).rejects.toThrow(`mappo on ${soccer.info.id} trains team policies on raw observations: set normObs false`);
  });

  it('arena train --algo mappo, then arena match with the team checkpoint', () => {
    const dir = tmp();
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ steps: 20, epochs: 1, hidden: [16], evalEvery: 0 }));
    const out = join(dir, 'run');
    const t = arena(['train', '--game', 'grid-soccer', '--algo', 'mappo', '--envs', '2', '--steps', '80', '--workers', '1', '--config', cfg, '--out', out, '--json']);
    expect(t.stderr).not.toMatch(/Error/);
    expect(t.code).toBe(0);
    const summary = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ algo: 'mappo', updates: 2, globalStep: 80 });
    const m = arena(['match', '--game', 'grid-soccer', '--agents', `${out},heuristic`, '--games', '2', '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).games).toBe(2);
    const bad = arena(['train', '--game', 'grid-soccer', '--algo', 'mapo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/mappo/);
  });
});
