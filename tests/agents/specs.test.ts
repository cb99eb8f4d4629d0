/**
 * Agent specs go through one resolver (agents/index.ts): each form — a bot, a mixture, a checkpoint,
 * `greedy:`, `last:`, a league member (bot, snapshot, the learner itself) and `mcts:` — builds the agent
 * it names, and `specForm` tells the form without loading anything. (A run exporting its average policy
 * is resolved in tests/eval/average-policy.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, MixtureAgent, specForm } from '../../agents/index.ts';
import { MctsAgent } from '../../agents/mcts.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import type { Agent } from '../../core/index.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { tinyTicTacToeRun, type TinyRun } from './tiny-run.ts';

describe('agent specs', () => {
  let tiny: TinyRun | undefined;
  let runDir = '';
  const agents: Agent[] = [];
  /** Resolves `spec` for tic-tac-toe and disposes of the agent after the tests. */
  const resolve = async (spec: string): Promise<Agent> => {
    const a = await createAgent(spec, ticTacToe.info, 1);
    agents.push(a);
    return a;
  };

  beforeAll(async () => {
    tiny = await tinyTicTacToeRun();
    runDir = tiny.runDir;
  });

  afterAll(() => {
    for (const a of agents) a.dispose?.();
    tiny?.dispose();
  });

  it('specForm: prefixes first, then a league member, a path, and a bot for anything else', () => {
    const forms = {
      'alphabeta:4': 'bot',
      'minimax+random': 'bot',
      'no-such-bot': 'bot',
      'runs/c4': 'checkpoint',
      './c4': 'checkpoint',
      'runs/c4#main@000120': 'league',
      'greedy:runs/c4': 'greedy',
      'greedy:runs/c4#main@000120': 'greedy',
      'last:runs/c4': 'last',
      'mcts:runs/c4#main@000120:50': 'search',
    };
    for (const [spec, form] of Object.entries(forms)) expect(specForm(spec), spec).toBe(form);
  });

  it('bots and mixtures', async () => {
    expect((await resolve('minimax')).name).toBe('minimax');
    await expect(createAgent('alphabeta:2', ticTacToe.info)).rejects.toThrow(/cannot play tic-tac-toe-v1: alphabeta's heuristic is for Connect Four only/);
    const mix = await resolve('minimax+random');
    expect(mix).toBeInstanceOf(MixtureAgent);
    expect(mix.name).toBe('minimax+random');
    await expect(createAgent('no-such-bot', ticTacToe.info)).rejects.toThrow(/unknown agent 'no-such-bot'/);
  });

  it('a checkpoint samples its policy; greedy: takes its most probable move; last: plays the checkpoint too', async () => {
    const sampled = (await resolve(runDir)) as PolicyAgent;
    expect(sampled).toBeInstanceOf(PolicyAgent);
    expect(sampled.deterministic).toBe(false);
    const greedy = await resolve(`greedy:${runDir}`);
    expect(greedy).toBeInstanceOf(PolicyAgent);
    expect((greedy as PolicyAgent).deterministic).toBe(true);
    expect(await resolve(`last:${runDir}`)).toBeInstanceOf(PolicyAgent);
  });

  it('league members: a bot by its spec, a snapshot without tfjs (or as a PolicyAgent when greedy), the learner as its checkpoint', async () => {
    expect((await resolve(`${runDir}#bot:random`)).name).toBe('random');
    const snapshot = await resolve(`${runDir}#main@000002`);
    expect(snapshot).toBeInstanceOf(SnapshotAgent);
    expect((snapshot as SnapshotAgent).deterministic).toBe(false);
    const greedy = await resolve(`greedy:${runDir}#main@000002`);
    expect(greedy).toBeInstanceOf(PolicyAgent);
    expect((greedy as PolicyAgent).deterministic).toBe(true);
    const learner = await resolve(`${runDir}#main`);
    expect(learner).toBeInstanceOf(PolicyAgent);
    expect(learner.name).toBe(runDir);
    // the snapshot holds the checkpoint's weights: the same policy either way
    const state = ticTacToe.newState(0);
    state.apply(4);
    const fromSnapshot = new Float64Array(9);
    const fromCheckpoint = new Float64Array(9);
    (snapshot as SnapshotAgent).actionProbabilities(state, 1, fromSnapshot);
    (learner as PolicyAgent).actionProbabilities(state, 1, fromCheckpoint);
    for (let a = 0; a < 9; a++) expect(fromSnapshot[a]).toBeCloseTo(fromCheckpoint[a]!, 5);
    expect(fromSnapshot[4]).toBe(0);
  });

  it('mcts: searches with a checkpoint or a league snapshot as its guide', async () => {
    for (const inner of [runDir, `${runDir}#main@000002`]) {
      const search = await resolve(`mcts:${inner}:5`);
      expect(search).toBeInstanceOf(MctsAgent);
      expect((search as MctsAgent).simulations).toBe(5);
    }
  });
});
