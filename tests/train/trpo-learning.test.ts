/**
 * A short TRPO learning test on CartPole with RL Zoo's settings (random play averages ~22 steps): it
 * checks that learning happened, not how fast. The full figure (≥ 475 within 100k steps) is in the README.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { TrainingRun } from '../../src/train/run.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('TRPO learns', () => {
  it('improves CartPole well beyond random within 20k steps', { timeout: 300_000 }, () => {
    const run = new TrainingRun(resolveConfig('trpo', 'cartpole-v1', { totalSteps: 20_480, seed: 1, checkpointEvery: 1000 }));
    const returns: number[] = [];
    while (!run.done) {
      const { episodes, stats } = run.step();
      returns.push(...episodes.map((e) => e.return));
      expect(stats['trpo/kl']).toBeLessThanOrEqual(0.01);
    }
    run.dispose();
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(returns.slice(0, 20))).toBeLessThan(60);
    expect(avg(returns.slice(-10))).toBeGreaterThan(100);
  });
});
