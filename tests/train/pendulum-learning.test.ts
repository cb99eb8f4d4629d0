/**
 * PPO learns pendulum-v1 through the Gaussian head: RL Zoo's PPO row (without gSDE), a small budget,
 * a fixed seed. Random torques average about −1200 per episode; the test checks that the mean return
 * clearly improves on that level, not how fast it gets there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { selectBackend } from '../../src/backend.ts';
import { evaluateAgent } from '../../src/eval/evaluate.ts';
import { mean } from '../../src/eval/stats.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { TrainingRun } from '../../src/train/run.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('PPO on pendulum-v1', () => {
  // seeds 0–7 measured: the last two updates average −250 to −550, the deterministic policy −200 to −240
  it('improves the mean return from the random level within 12 updates (49k steps)', () => {
    const config = resolveConfig('ppo', 'pendulum-v1', { totalSteps: 12 * 4 * 1024, seed: 0 });
    const run = new TrainingRun(config);
    expect(run.policy.spec.head).toBe('gaussian');
    const perUpdate: number[] = [];
    while (!run.done) perUpdate.push(mean(run.step().episodes.map((e) => e.return)));
    const agent = new PolicyAgent({ name: 'learner', policy: run.policy, obsRms: run.obsRms, info: run.game.info, deterministic: true });
    const evaluation = evaluateAgent({ game: run.game, agent, episodes: 10, seed: 7 });
    run.dispose();
    expect(perUpdate[0]).toBeLessThan(-1000); // the untrained policy plays at the random level
    expect(mean(perUpdate.slice(-2))).toBeGreaterThan(-700);
    expect(evaluation.meanReturn).toBeGreaterThan(-500); // the Gaussian mean, as `arena eval` plays a checkpoint
  });
});
