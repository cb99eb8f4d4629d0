import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { curveMarks, runCurve } from '../../src/eval/curve.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const tmp = tempDirs('arena-curve-');
let runDir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  // a real (tiny) league run: six updates, a snapshot of main every two
  runDir = tmp();
  const config = resolveConfig('ppo', 'tic-tac-toe-v1', { league: true, envs: 8, steps: 8, totalSteps: 8 * 8 * 6, snapshotEvery: 2, evalEvery: 0 });
  await runTraining({ config, outDir: runDir, resume: false, inThread: true });
  // its clock replaced by a known one: rows for updates 1, 3, 5 and 6 only, update u at 20·u seconds
  const rows = [1, 3, 5, 6].map((u) => JSON.stringify({ update: u, global_step: 64 * u, 'time/elapsed_s': 20 * u }));
  writeFileSync(join(runDir, 'metrics.jsonl'), `${rows.join('\n')}\n`);
}, 120_000);

describe('arena curve: snapshots at time marks', () => {
  it('the run left snapshots at updates 0 (its initial weights), 2, 4 and 6', () => {
    const store = LeagueStore.open(runDir, { create: false });
    try {
      expect(store.listMembers({ role: 'snapshot', parent: 'main' }).map((m) => m.id)).toEqual(['main@000000', 'main@000002', 'main@000004', 'main@000006']);
    } finally {
      store.close();
    }
  });

  it('picks the latest snapshot at each mark, its time interpolated between metrics rows', () => {
    // @0 at 0 s; @2: between update 1 (20 s) and 3 (60 s) → 40 s; @4 → 80 s; @6 → 120 s; marks up to 120 + 30 s
    expect(curveMarks(runDir, 'main', 1)).toEqual([
      { minute: 1, member: 'main@000002', update: 2, elapsedS: 40 },
      { minute: 2, member: 'main@000006', update: 6, elapsedS: 120 },
    ]);
    expect(curveMarks(runDir, 'main', 0.5).map((m) => [m.minute, m.member])).toEqual([
      [0.5, 'main@000000'],
      [1, 'main@000002'],
      [1.5, 'main@000004'],
      [2, 'main@000006'],
      [2.5, 'main@000006'],
    ]);
    // a mark before the first trained snapshot plays the initial weights
    expect(curveMarks(runDir, 'main', 0.25)[0]).toEqual({ minute: 0.25, member: 'main@000000', update: 0, elapsedS: 0 });
  });

  it('refuses an unknown learner, a folder without a league and a non-positive interval, naming what is accepted', () => {
    expect(() => curveMarks(runDir, 'main_exploiter', 1)).toThrow(/has no learner 'main_exploiter'; its learners: main/);
    expect(() => curveMarks(tmp(), 'main', 1)).toThrow(/no league database here/);
    expect(() => curveMarks(runDir, 'main', 0)).toThrow(/positive minutes, got 0/);
  });

  it('plays every mark against every bot from paired openings', async () => {
    const points = await runCurve({ game: getGame('tic-tac-toe'), runs: [runDir], bots: ['minimax', 'random'], everyMinutes: 1, games: 10 });
    expect(points.map((p) => [p.minute, p.vs])).toEqual([
      [1, 'minimax'],
      [1, 'random'],
      [2, 'minimax'],
      [2, 'random'],
    ]);
    for (const p of points) {
      expect(p.games).toBe(10);
      expect(p.wins + p.draws + p.losses).toBe(10);
      expect(p.score).toBeCloseTo((p.wins + p.draws / 2) / 10, 12);
      expect(p.distinct).toBeGreaterThan(1);
      expect(p.lo).toBeLessThanOrEqual(p.score);
      expect(p.hi).toBeGreaterThanOrEqual(p.score);
      if (p.vs === 'minimax') expect(p.wins).toBe(0); // minimax never loses
    }
  });

  it('the command writes the table, JSON, CSV and plot', () => {
    const out = join(tmp(), 'c');
    const r = arena(['curve', runDir, '--game', 'tic-tac-toe', '--vs', 'minimax', '--every', '1', '--games', '4', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { points: { member: string; games: number }[]; play: string };
    expect(j.play).toBe('greedy');
    expect(j.points.map((p) => p.member)).toEqual(['main@000002', 'main@000006']);
    for (const f of ['curve.json', 'curve.csv', 'curve.png', 'curve.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8').split('\n')[0]).toBe('run,minute,member,update,elapsedS,vs,games,distinct,wins,draws,losses,score,lo,hi');

    // --with: the earlier points join a new chart as they are (no run replayed)
    const out2 = join(tmp(), 'd');
    const r2 = arena(['curve', '--game', 'tic-tac-toe', '--vs', 'minimax', '--with', join(out, 'curve.json'), '--out', out2, '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    expect((JSON.parse(r2.stdout) as { points: unknown[] }).points).toEqual(j.points);
    // another game's curve, or a file that is not one, is refused with its name
    const bad = arena(['curve', '--game', 'connect-four', '--vs', 'alphabeta:1', '--with', join(out, 'curve.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/curve\.json: its curve is of tic-tac-toe-v1, not connect-four-v3/);
    writeFileSync(join(out, 'broken.json'), '{"game": "tic-tac-toe-v1", "points": [{"run": 1}]}');
    expect(arena(['curve', '--game', 'tic-tac-toe', '--vs', 'minimax', '--with', join(out, 'broken.json')]).stderr).toMatch(/broken\.json: point 0 has no string 'run'/);
  }, 90_000);
});
