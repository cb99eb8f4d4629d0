/**
 * A network trained on connect-four-v1 (two piece planes) playing connect-four-v2 (five planes):
 * `createAgent` builds it for v1 and hands it each position rebuilt as a v1 state
 * (agents/earlier-version.ts), so it plays exactly the moves it plays in a v1 game — greedy and with
 * search alike. A v2 network in a v1 game is refused in one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createBot } from '../../agents/index.ts';
import { EarlierVersionAgent } from '../../agents/earlier-version.ts';
import { Rng, type Agent, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';

const V1 = getGame('connect-four-v1');
const V2 = getGame('connect-four-v2');
const dirs: string[] = [];

/** A tiny conv policy trained for one update on `gameId`, checkpointed in a temporary run folder. */
async function tinyRun(gameId: string): Promise<string> {
  const runDir = mkdtempSync(join(tmpdir(), 'arena-earlier-'));
  dirs.push(runDir);
  const config = resolveConfig('ppo', gameId, { envs: 2, steps: 8, minibatchSize: 16, epochs: 1, hidden: [16], convChannels: 4, learnerThreads: 1, seed: 5 });
  const run = new TrainingRun(config);
  run.step();
  const state = { config, update: run.update, globalStep: run.globalStep, obsRms: null, rng: run.rng.getState(), elapsedSeconds: 1 };
  await savePolicyCheckpoint(runDir, { policy: run.policy, optimizer: null, state });
  run.dispose();
  return runDir;
}

/** `n` positions of random play (both versions' states, the same moves), none finished. */
function positions(n: number): [GameState, GameState][] {
  const rng = new Rng(11);
  const random = createBot('random', V1.info, 3);
  const out: [GameState, GameState][] = [];
  while (out.length < n) {
    const a = V1.newState(0);
    const b = V2.newState(0);
    const plies = rng.int(21);
    for (let k = 0; k < plies && !a.isTerminal(); k++) {
      const m = random.act(a, a.currentSeat());
      a.apply(m);
      b.apply(m);
    }
    if (!a.isTerminal()) out.push([a, b]);
  }
  expect(new Set(out.map(([a]) => a.informationState(0))).size).toBeGreaterThan(n / 2);
  return out;
}

describe('a connect-four-v1 network in a connect-four-v2 game', () => {
  let v1Run = '';
  let v2Run = '';
  beforeAll(async () => {
    await selectBackend('wasm');
    v1Run = await tinyRun('connect-four-v1');
    v2Run = await tinyRun('connect-four-v2');
  }, 120_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const spec of ['greedy:RUN', 'mcts:RUN:24', 'RUN']) {
    it(`${spec} plays the moves it plays in a v1 game`, async () => {
      const s = spec.replace('RUN', v1Run);
      const inV1 = await createAgent(s, V1.info, 7);
      const inV2 = await createAgent(s, V2.info, 7);
      try {
        expect(inV2).toBeInstanceOf(EarlierVersionAgent);
        expect(inV1).not.toBeInstanceOf(EarlierVersionAgent);
        expect(inV2.name).toBe(inV1.name);
        for (const [a, b] of positions(30)) {
          inV1.reset?.(13);
          inV2.reset?.(13);
          expect(inV2.act(b, b.currentSeat())).toBe(inV1.act(a, a.currentSeat()));
        }
      } finally {
        inV1.dispose?.();
        inV2.dispose?.();
      }
    });
  }

  it('gives the same action probabilities', async () => {
    const inV1 = await createAgent(v1Run, V1.info, 7);
    const inV2 = await createAgent(v1Run, V2.info, 7);
    const p1 = new Float64Array(7);
    const p2 = new Float64Array(7);
    for (const [a, b] of positions(5)) {
      inV1.actionProbabilities!(a, a.currentSeat(), p1);
      inV2.actionProbabilities!(b, b.currentSeat(), p2);
      expect(Array.from(p2)).toEqual(Array.from(p1));
    }
    inV1.dispose?.();
    inV2.dispose?.();
  });

  it('a v2 network refuses a v1 game; a v2 network in its own game is not wrapped', async () => {
    await expect(createAgent(`greedy:${v2Run}`, V1.info, 0)).rejects.toThrow(/was trained on connect-four-v2, not connect-four-v1/);
    const own: Agent = await createAgent(`greedy:${v2Run}`, V2.info, 0);
    expect(own).not.toBeInstanceOf(EarlierVersionAgent);
    own.dispose?.();
  });

  it('v1 and v2 networks both play connect-four-v3 games as their own', async () => {
    const V3 = getGame('connect-four-v3');
    for (const [run, version] of [[v1Run, V1], [v2Run, V2]] as const) {
      const own = await createAgent(`greedy:${run}`, version.info, 7);
      const inV3 = await createAgent(`greedy:${run}`, V3.info, 7);
      expect(inV3).toBeInstanceOf(EarlierVersionAgent);
      for (const [a] of positions(20)) {
        const b = V3.restore({ ...a.serialize(), game: V3.info.id });
        const c = version.restore({ ...a.serialize(), game: version.info.id });
        expect(inV3.act(b, b.currentSeat())).toBe(own.act(c, c.currentSeat()));
      }
      own.dispose?.();
      inV3.dispose?.();
    }
  });

  it('only between versions the game lists', () => {
    expect(() => new EarlierVersionAgent(createBot('random', V1.info, 0), getGame('tic-tac-toe'), V2.info)).toThrow(/does not list tic-tac-toe-v1 among its earlier versions/);
    expect(() => new EarlierVersionAgent(createBot('random', V2.info, 0), V2, V1.info)).toThrow(/connect-four-v1 does not list connect-four-v2 among its earlier versions \(none\)/);
  });
});
