import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { selectBackend } from '../../src/backend.ts';
import { BalancedOpenings } from '../../src/eval/openings.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const tmp = tempDirs('arena-eval-openings-');
beforeAll(async () => {
  await selectBackend('wasm');
});

describe("the training loop's evaluation games", () => {
  it.each([
    ['league self-play', { league: true, envs: 8, steps: 8, totalSteps: 8 * 8 * 2 }],
    ['a fixed opponent', { envs: 4, steps: 16, totalSteps: 4 * 16 * 2 }],
  ])('with %s: paired games from random openings, logging eval/distinct_vs_<bot>', async (_mode, fields) => {
    const dir = tmp();
    const config = resolveConfig('ppo', 'tic-tac-toe-v1', { ...fields, evalEvery: 1, evalGames: 12, evalAgents: ['random', 'minimax'] });
    expect(config.evalOpeningPlies).toBeNull();
    await runTraining({ config, outDir: dir, resume: false, inThread: true });
    const rows = readMetrics(dir).filter((r) => typeof r['eval/score_vs_minimax'] === 'number');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const r of rows) {
      for (const bot of ['random', 'minimax']) {
        const distinct = r[`eval/distinct_vs_${bot}`] as number;
        expect(Number.isInteger(distinct)).toBe(true);
        expect(distinct).toBeGreaterThan(1);
        expect(distinct).toBeLessThanOrEqual(12);
      }
      expect(r['eval/score_vs_minimax'] as number).toBeLessThanOrEqual(0.5); // minimax never loses
      expect(r['eval/loss_rate_vs_random'] as number).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses opening plies for a game with chance events', async () => {
    const config = resolveConfig('ppo', 'kuhn-poker-v1', { league: true, envs: 4, steps: 4, totalSteps: 32, evalOpeningPlies: 2 });
    await expect(runTraining({ config, outDir: tmp(), resume: false, inThread: true })).rejects.toThrow(/random openings need a sequential game without chance/);
  });

  it('with evalOpenings balanced, every evaluation pair opens from the enumerated openings; too many is refused before training', async () => {
    const spy = vi.spyOn(BalancedOpenings.prototype, 'opening');
    try {
      const config = resolveConfig('ppo', 'tic-tac-toe-v1', { league: true, envs: 8, steps: 8, totalSteps: 8 * 8 * 2, evalEvery: 1, evalGames: 18, evalAgents: ['minimax'], evalOpenings: 'balanced' });
      const dir = tmp();
      await runTraining({ config, outDir: dir, resume: false, inThread: true });
      const rows = readMetrics(dir).filter((r) => typeof r['eval/score_vs_minimax'] === 'number');
      expect(rows.length).toBeGreaterThanOrEqual(1);
      // one opening per game (18 games, 9 pairs, each pair's opening asked for by both of its games)
      expect(spy.mock.calls.length).toBe(18 * rows.length);
      const pairs = spy.mock.calls.slice(0, 18).map((c) => c[1]);
      expect(new Set(pairs).size).toBe(9);
    } finally {
      spy.mockRestore();
    }
    // the single-agent trainer against a fixed opponent evaluates from the same enumerated openings
    const spyFixed = vi.spyOn(BalancedOpenings.prototype, 'opening');
    try {
      const fixed = resolveConfig('ppo', 'tic-tac-toe-v1', { envs: 4, steps: 16, totalSteps: 4 * 16 * 2, evalEvery: 1, evalGames: 18, evalAgents: ['minimax'], evalOpenings: 'balanced' });
      const dir = tmp();
      await runTraining({ config: fixed, outDir: dir, resume: false, inThread: true });
      const rows = readMetrics(dir).filter((r) => typeof r['eval/score_vs_minimax'] === 'number');
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(spyFixed.mock.calls.length).toBe(18 * rows.length);
      expect(new Set(spyFixed.mock.calls.slice(0, 18).map((c) => c[1])).size).toBe(9);
    } finally {
      spyFixed.mockRestore();
    }
    const tooMany = resolveConfig('ppo', 'tic-tac-toe-v1', { league: true, envs: 4, steps: 4, totalSteps: 32, evalOpeningPlies: 8, evalOpenings: 'balanced' });
    await expect(runTraining({ config: tooMany, outDir: tmp(), resume: false, inThread: true })).rejects.toThrow(/more than 20,000 of them/);
    expect(() => resolveConfig('ppo', 'tic-tac-toe-v1', { evalOpenings: 'stratified' as 'balanced' })).toThrow(/evalOpenings/);
  });
});
