/**
 * How a server plays trained agents: greedy in perfect-information games, sampling where information is
 * hidden, search for `mcts:` entries, the symmetric average for `symmetric:` ones — and the lobby listing and room seats say which.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MctsAgent } from '../../agents/mcts.ts';
import { SymmetricGreedyAgent } from '../../agents/symmetric-greedy.ts';
import { ConfigError, type Agent, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { AgentPool } from '../../servers/agent-pool.ts';
import { agentChoices, buildAgent, isAllowedSpec, resolveAgentList, servedName } from '../../servers/agents.ts';
import { serveAgent } from '../../servers/served-agent.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { selectBackend } from '../../src/backend.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { create, startServer } from './helpers.ts';

const ttt = getGame('tic-tac-toe');
const kuhn = getGame('kuhn-poker');
const tempRoot = tempDirs('arena-served-');
let root = '';
let tttRun = '';
let kuhnRun = '';
let srv: ArenaServer | undefined;

/** A freshly initialised checkpoint of `game` in `dir` (what the server does with it is under test, not its play). */
async function checkpoint(dir: string, game: string): Promise<void> {
  const run = new TrainingRun(resolveConfig('ppo', game, { envs: 2, steps: 8, hidden: [8], seed: 1 }));
  const state = { config: run.config, update: 0, globalStep: 0, obsRms: null, rng: run.rng.getState(), elapsedSeconds: 0 };
  await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: null, state });
  run.dispose();
}

/** The probabilities an agent plays with at `state`. */
function probs(agent: Agent, state: GameState): number[] {
  const out = new Float64Array(state.info.actions);
  agent.actionProbabilities!(state, state.currentSeat(), out);
  return Array.from(out);
}

beforeAll(async () => {
  await selectBackend('wasm');
  root = tempRoot();
  tttRun = join(root, 'ttt');
  kuhnRun = join(root, 'kuhn');
  await checkpoint(tttRun, 'tic-tac-toe-v1');
  await checkpoint(kuhnRun, 'kuhn-poker-v1');
});

afterAll(async () => {
  await srv?.close();
});

describe('served trained agents', () => {
  it('listings say how each trained entry plays; bots keep their plain label', async () => {
    const listed = await resolveAgentList([tttRun, `mcts:${tttRun}:30`, kuhnRun, 'random']);
    const by = (spec: string) => listed.find((a) => a.spec === spec)!;
    expect(by(tttRun).play).toBe('greedy');
    expect(by(tttRun).label).toMatch(/^checkpoint .*ttt \(ppo, ckpt-\d+\), plays greedy$/);
    // a search that names no urgency says the network's default (Q 0 for a policy-gradient network)
    expect(by(`mcts:${tttRun}:30`).play).toBe('search, 30 simulations per move, untried moves valued 0');
    expect(by(`mcts:${tttRun}:30`).label).toMatch(/^search over checkpoint .*ttt \(ppo, ckpt-\d+\), plays search, 30 simulations per move, untried moves valued 0$/);
    expect(by(kuhnRun).play).toBe('samples its policy');
    expect(by('random')).toEqual({ spec: 'random', label: 'random', game: null, play: null });
    const forTtt = agentChoices(ttt.info, listed).map((c) => c.spec);
    expect(forTtt).toEqual(expect.arrayContaining([tttRun, `mcts:${tttRun}:30`, 'random']));
    expect(forTtt).not.toContain(kuhnRun);
  });

  it('a folder of runs under mcts: gives one search entry per run, and refuses runs search cannot play', async () => {
    const only = await resolveAgentList([`mcts:${tttRun}`]);
    expect(only.map((a) => a.spec)).toEqual([`mcts:${tttRun}:100`]);
    // the tree kept between moves survives the resolution, and the lobby says so
    const kept = await resolveAgentList([`mcts:${tttRun}:reuse`]);
    expect(kept.map((a) => [a.spec, a.play])).toEqual([[`mcts:${tttRun}:100:reuse`, 'search, 100 simulations per move, untried moves valued 0, tree kept between moves']]);
    // a first-play urgency the spec names is said too
    expect((await resolveAgentList([`mcts:${tttRun}:30:reuse:fpu0.5`])).map((a) => [a.spec, a.play])).toEqual([[`mcts:${tttRun}:30:fpu0.5:reuse`, "search, 30 simulations per move, untried moves valued the network's value − 0.5, tree kept between moves"]]);
    expect((await resolveAgentList([`mcts:${tttRun}:30:fpuoff`])).map((a) => a.play)).toEqual(['search, 30 simulations per move, untried moves valued 0']);
    await expect(resolveAgentList([`mcts:${root}:20`])).rejects.toThrow(/kuhn.*plays kuhn-poker-v1, which search cannot play: it has hidden information/);
    await expect(resolveAgentList(['mcts:random'])).rejects.toThrow(ConfigError);
    await expect(resolveAgentList(['mcts:random'])).rejects.toThrow(/'random' is not a trained policy/);
    await expect(resolveAgentList([`mcts:${tttRun}:0`])).rejects.toThrow(/positive integer/);
  });

  it('symmetric: entries say they play greedy over the symmetries, build that agent, and refuse games without symmetries', async () => {
    const listed = await resolveAgentList([`symmetric:${tttRun}`]);
    expect(listed.map((a) => [a.spec, a.play])).toEqual([[`symmetric:${tttRun}`, 'greedy, averaged over the board’s symmetries']]);
    expect(listed[0]!.label).toMatch(/^symmetric checkpoint .*ttt \(ppo, ckpt-\d+\), plays greedy, averaged over the board’s symmetries$/);
    expect(agentChoices(ttt.info, listed).map((c) => c.spec)).toContain(`symmetric:${tttRun}`);
    const agent = await buildAgent(`symmetric:${tttRun}`, ttt.info, 5);
    expect(agent).toBeInstanceOf(SymmetricGreedyAgent);
    agent.dispose?.();
    await expect(resolveAgentList([`symmetric:${kuhnRun}`])).rejects.toThrow(/kuhn plays kuhn-poker-v1: kuhn-poker-v1 declares no symmetries/);
    await expect(resolveAgentList(['symmetric:random'])).rejects.toThrow(/'random' is not a trained policy; symmetric:<agent> needs/);
  });

  it('checkpoints play greedily in perfect-information games and sample in hidden-information ones', async () => {
    const greedy = await buildAgent(tttRun, ttt.info, 5);
    const s = ttt.newState(0);
    s.apply(4);
    const p = probs(greedy, s);
    expect(p.filter((x) => x === 1).length).toBe(1);
    expect(p.filter((x) => x !== 0).length).toBe(1);
    greedy.dispose?.();
    const sampling = await buildAgent(kuhnRun, kuhn.info, 5);
    const k = kuhn.newState(0);
    while (k.currentSeat() < 0) k.applyChance();
    expect(probs(sampling, k).filter((x) => x > 0).length).toBe(2); // a fresh policy mixes its two moves
    sampling.dispose?.();
    const search = await buildAgent(`mcts:${tttRun}:30`, ttt.info, 5);
    expect(search).toBeInstanceOf(MctsAgent);
    search.dispose?.();
  });

  it('trained agents think in the agent pool from their snapshot bytes, and play there as they do here', async () => {
    const pool = new AgentPool({ threads: 1, deadlineMs: 60_000 });
    const closure = { spec: 'closure', label: 'a closure', fits: () => null, create: (): Agent => ({ name: 'closure', act: () => 0 }) };
    const ctx = { custom: [closure], pool, deadlineMs: 60_000 };
    try {
      const s = ttt.newState(0);
      s.apply(4);
      for (const spec of [tttRun, `mcts:${tttRun}:30`]) {
        const served = await serveAgent(spec, ttt.info, 5, ctx);
        const here = await buildAgent(spec, ttt.info, 5);
        expect(served.pooled, spec).toBe(true);
        served.reset(9);
        here.reset?.(9);
        expect(await served.move(s, 1), spec).toBe(here.act(s.clone(), 1));
        served.dispose();
        here.dispose?.();
      }
      expect((await serveAgent(kuhnRun, kuhn.info, 5, ctx)).pooled).toBe(true);
      expect((await serveAgent('closure', ttt.info, 5, ctx)).pooled).toBe(false); // a closure cannot cross threads
      expect((await serveAgent(tttRun, ttt.info, 5, { ...ctx, pool: null })).pooled).toBe(false);
    } finally {
      await pool.destroy();
    }
  });

  it('a network trained on an earlier version is offered in the current version\'s rooms and plays there as here, in the pool too', async () => {
    const c4 = getGame('connect-four'); // connect-four-v3; the network below was trained on connect-four-v1
    expect(c4.info.earlierVersions).toContain('connect-four-v1');
    const v1Run = join(root, 'c4-v1');
    await checkpoint(v1Run, 'connect-four-v1');
    const listed = await resolveAgentList([v1Run, `mcts:${v1Run}:20`]);
    expect(listed.map((a) => a.game)).toEqual(['connect-four-v1', 'connect-four-v1']);
    expect(agentChoices(c4.info, listed).map((c) => c.spec)).toEqual(expect.arrayContaining([v1Run, `mcts:${v1Run}:20`]));
    expect(agentChoices(getGame('connect-four-v1').info, listed).map((c) => c.spec)).toContain(v1Run);
    expect(agentChoices(ttt.info, listed).map((c) => c.spec)).not.toContain(v1Run);
    expect(isAllowedSpec(v1Run, c4.info, listed)).toBe(true);
    expect(servedName(v1Run, c4.info, listed)).toBe(`${v1Run} (greedy)`);
    const pool = new AgentPool({ threads: 1, deadlineMs: 60_000 });
    const ctx = { custom: [], pool, deadlineMs: 60_000 };
    try {
      for (const spec of [v1Run, `mcts:${v1Run}:20`]) {
        const s = c4.newState(0);
        for (const a of [3, 3, 4]) s.apply(a);
        const served = await serveAgent(spec, c4.info, 5, ctx);
        const here = await buildAgent(spec, c4.info, 5);
        expect(served.pooled, spec).toBe(true);
        served.reset(9);
        here.reset?.(9);
        for (let k = 0; k < 3 && !s.isTerminal(); k++) {
          const a = here.act(s.clone(), s.currentSeat());
          expect(await served.move(s, s.currentSeat()), spec).toBe(a);
          s.apply(a);
        }
        served.dispose();
        here.dispose?.();
      }
    } finally {
      await pool.destroy();
    }
  });

  it('a room names its server-side agents with their mode', async () => {
    const spec = `mcts:${tttRun}:20`;
    srv = await startServer({ agents: [spec, tttRun] });
    const offered = (await (await fetch(`${srv.url}api/agents?game=tic-tac-toe`)).json()) as { spec: string; label: string }[];
    expect(offered.find((a) => a.spec === spec)?.label).toMatch(/plays search, 20 simulations per move, untried moves valued 0$/);
    expect(offered.find((a) => a.spec === tttRun)?.label).toMatch(/plays greedy$/);
    const c = await create(srv, 'tic-tac-toe', { spectator: true, agents: { '0': spec, '1': tttRun } });
    await c.waitFor(() => c.state.phase === 'finished', 10_000, 'the game');
    expect(Array.from(c.state.seats, (x) => [x.kind, x.name])).toEqual([
      ['agent', `${spec} (search, 20 simulations per move, untried moves valued 0)`],
      ['agent', `${tttRun} (greedy)`],
    ]);
    await c.leave();
    expect(servedName('random', ttt.info, srv.listed)).toBe('random');
  });
});
