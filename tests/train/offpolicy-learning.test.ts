/**
 * Short learning tests for DDPG, TD3 and SAC: the off-policy collector and algorithm that the
 * training loop drives (src/train/offpolicy.ts) must turn a policy that stands still into one that
 * steers the point mass (tests/train/point-mass.ts) to 0, and SAC must start swinging pendulum-v1 up
 * within 6,000 steps (with small networks; the 20,000-step figures are in the README). They check
 * that learning happened, not how fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, type Game } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { defaultConfig, type OffPolicyAlgo, type TrainConfig } from '../../src/train/config.ts';
import { OffPolicyAlgorithm, OffPolicyCollector } from '../../src/train/offpolicy.ts';
import { pointMass } from './point-mass.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Trains `algo` for `steps` env steps; the deterministic policy's mean return over `evalGames` fresh episodes before and after. */
async function train(algo: OffPolicyAlgo, steps: number, overrides: Partial<TrainConfig> = {}, game: Game = pointMass): Promise<{ before: number; after: number; stats: Record<string, number> }> {
  const config: TrainConfig = { ...defaultConfig(algo, game.info.id), hidden: [32, 32], minibatchSize: 64, gamma: 0.9, lr: 1e-3, learningStarts: 200, evalGames: 50, seed: 3, ...overrides };
  const rng = new Rng(config.seed + 1);
  const algorithm = await OffPolicyAlgorithm.create({ config, info: game.info, seed: config.seed, rng });
  const collector = new OffPolicyCollector({ config, game, algorithm, rng, globalStep: 0, update: 0 });
  const ref = { id: 'main', version: 0 };
  const before = (await collector.evaluate(ref))['eval/return']!;
  let stats: Record<string, number> = {};
  for (let u = 0; u < steps; u++) stats = algorithm.update([collector.collectNow(ref).trajectory], u / steps);
  const after = (await collector.evaluate(ref))['eval/return']!;
  algorithm.dispose();
  return { before, after, stats };
}

describe('off-policy learning happens', () => {
  it('SAC steers the point mass to 0', async () => {
    const { before, after, stats } = await train('sac', 1500);
    expect(before).toBeLessThan(-3); // the initial tanh(mean) ≈ 0 stands still: about −5
    expect(after).toBeGreaterThan(-1.5);
    expect(stats['losses/alpha']).toBeLessThan(1); // the temperature was tuned down from 1
  });

  it('TD3 steers the point mass to 0', async () => {
    const { before, after } = await train('td3', 1000);
    expect(before).toBeLessThan(-3);
    expect(after).toBeGreaterThan(-1.5);
  });

  it('DDPG steers the point mass to 0', async () => {
    const { before, after } = await train('ddpg', 1000);
    expect(before).toBeLessThan(-3);
    expect(after).toBeGreaterThan(-1.5);
  });

  it('SAC improves pendulum-v1 from the random level within 6,000 steps', { timeout: 300_000 }, async () => {
    // Pendulum's own SAC row (RL Zoo: lr 1e-3, γ 0.99, learning_starts 100) with [64, 64] networks and batch 128;
    // random torques score about −1,200 to −1,500 per episode, a swung-up pendulum about −150
    const pendulum = getGame('pendulum-v1');
    const { before, after } = await train('sac', 6000, { ...defaultConfig('sac', 'pendulum-v1'), hidden: [64, 64], minibatchSize: 128, evalGames: 10, seed: 1 }, pendulum);
    expect(before).toBeLessThan(-1000);
    expect(after).toBeGreaterThan(-1000);
    expect(after).toBeGreaterThan(before + 300);
  });
});
