/**
 * DDPG, TD3 and SAC in league self-play on duel (src/train/offpolicy-selfplay.ts): the collector's
 * transitions and game outcomes; a short `train --league` run that records its games and snapshots in
 * the league, evaluates against the held-out duel-scripted, checkpoints and resumes with its replay
 * buffer; its snapshots and run folder as agents (`agentFromSnapshot`, `createAgent`, the server's agent
 * worker) that play duel; corrupt snapshot bytes refused with their name; and the one-line errors for
 * what off-policy league self-play does not train.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createBot } from '../../agents/index.ts';
import { OffPolicyAgent } from '../../agents/offpolicy-agent.ts';
import { CheckpointError, ConfigError, Rng, type Agent, type GameState } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { duel } from '../../games/duel.ts';
import { League } from '../../league/league.ts';
import { LeagueStore } from '../../league/store.ts';
import agentTask from '../../servers/agent-worker.ts';
import { selectBackend } from '../../src/backend.ts';
import { playSeries } from '../../src/eval/match.ts';
import { readMetrics } from '../../src/metrics.ts';
import { agentFromSnapshot, SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { OffPolicyAlgorithm } from '../../src/train/offpolicy.ts';
import { decodeOffPolicySnapshot, encodeOffPolicySnapshot, OFF_POLICY_SNAPSHOT_FORMAT } from '../../src/train/offpolicy-actor.ts';
import { loadOffPolicyCheckpoint } from '../../src/train/offpolicy-checkpoint.ts';
import { OffPolicySelfPlayCollector } from '../../src/train/offpolicy-selfplay.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const info = duel.info;
const O = info.observationSize;
const A = info.actions;
const tempRoot = tempDirs('arena-offpolicy-selfplay-');
let root = '';
let runs = 0;
/** A fresh run folder under this file's temporary root. */
const tmp = () => join(root, `run-${++runs}`);
beforeAll(async () => {
  root = tempRoot();
  setLogLevel('warn');
  await selectBackend('wasm');
});

/** Tiny networks and batches: 2 games of 30 ticks per update (a 300-tick game ends every 10 updates). */
const small = { league: true, hidden: [16, 16], minibatchSize: 32, envs: 2, steps: 30, gradientSteps: 2, learningStarts: 64, snapshotEvery: 5, evalEvery: 10, evalGames: 2, checkpointEvery: 10, metricsEvery: 1 };
const perUpdate = small.envs * small.steps;

/** Duel positions a few random ticks in, from several seeds. */
function positions(): GameState[] {
  const rng = new Rng(4);
  return Array.from({ length: 4 }, (_, i) => {
    const s = duel.newState(20 + i);
    const joint = new Float64Array(2 * A);
    for (let t = 0; t < 5 * i; t++) {
      for (let j = 0; j < joint.length; j++) joint[j] = rng.uniform(-1, 1);
      s.applyJointContinuous(joint);
    }
    return s;
  });
}

/** The agent's action vectors at `positions()` from both seats, after `reset(seed)`. */
function actions(agent: Agent, seed = 1): number[] {
  agent.reset?.(seed);
  const out = new Float64Array(A);
  const all: number[] = [];
  for (const s of positions()) {
    for (const seat of [0, 1]) {
      agent.actContinuous!(s, seat, out);
      all.push(...out);
    }
  }
  return all;
}

describe('the off-policy self-play collector', () => {
  it('plays the learner against league opponents: transitions of its seat, outcomes of whole games, continued across segments', async () => {
    const dir = tmp();
    const config = resolveConfig('sac', info.id, { ...small, envs: 3, steps: 120, learningStarts: 0 });
    const league = League.open({ runDir: dir, game: info.id, snapshotEvery: config.snapshotEvery });
    try {
      for (const bot of config.leagueBots) league.addBot(bot);
      const rng = new Rng(config.seed + 1);
      const algorithm = await OffPolicyAlgorithm.create({ config, info, seed: 0, rng });
      league.addSnapshot({ learner: 'main', update: 0, version: 1, blob: algorithm.snapshot() });
      const collector = new OffPolicySelfPlayCollector({ config, game: duel, league, algorithm, rng, globalStep: 0, evalPlies: 0 });
      const b = collector.batch;
      const N = config.envs;
      const games = [];
      const members = new Set(league.listMembers().map((m) => m.id));
      for (let k = 0; k < 3; k++) {
        const seg = collector.collectNow({ id: 'main', version: 1 });
        expect(seg.steps).toBe(N * config.steps);
        expect(seg.trajectory).toBe(b);
        for (let t = 0; t < b.steps; t++) {
          for (let e = 0; e < N; e++) {
            const i = t * N + e;
            // duel ends by its rules (a termination), and s' of a step inside a game is the next step's s
            expect(b.truncated[i]).toBe(0);
            expect(b.dones[i]).toBe(b.terminated[i]);
            if (!b.dones[i] && t + 1 < b.steps) expect(b.nextObs.subarray(i * O, (i + 1) * O)).toEqual(b.obs.subarray((i + N) * O, (i + N + 1) * O));
            for (let j = 0; j < A; j++) expect(Math.abs(b.continuousActions[i * A + j]!)).toBeLessThanOrEqual(1);
          }
        }
        expect(seg.games.length).toBe(b.terminated.reduce((a, x) => a + x, 0));
        games.push(...seg.games);
      }
      // 360 ticks a game slot: at least one whole game in each (a game is at most 300 ticks), some spanning segments
      expect(games.length).toBeGreaterThanOrEqual(N);
      for (const g of games) {
        expect(members.has(g.opponent!)).toBe(true);
        expect([0, 0.5, 1]).toContain(g.score);
        expect(g.score).toBe(g.return > 0 ? 1 : g.return < 0 ? 0 : 0.5);
        expect(g.length).toBeGreaterThan(0);
        expect(g.length).toBeLessThanOrEqual(info.maxSteps);
      }
      expect(games.some((g) => g.length > config.steps)).toBe(true);
      // seats alternate from game to game
      expect(new Set(games.map((g) => g.side))).toEqual(new Set([0, 1]));
      const evals = await collector.evaluate({ id: 'main', version: 1 }, 'random');
      expect(evals['eval/score_vs_random']).toBeGreaterThanOrEqual(0);
      algorithm.dispose();
    } finally {
      league.close();
    }
  }, 60_000);
});

describe('train --league on duel with an off-policy learner', () => {
  it('SAC: games and snapshots in the league, evaluation against the held-out bot, checkpoints; snapshots and the run play as agents; resume', async () => {
    const dir = tmp();
    const config = resolveConfig('sac', info.id, { ...small, totalSteps: perUpdate * 10 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.mode).toBe('self-play');
    expect(summary.updates).toBe(10);
    expect(summary.profile['workers']).toBe(0);
    const rows = readMetrics(dir);
    const last = rows.at(-1)!;
    for (const k of ['losses/qf_loss', 'losses/actor_loss', 'losses/alpha']) expect(Number.isFinite(last[k])).toBe(true);
    expect(last['charts/replay_size']).toBe(perUpdate * 10);
    expect(rows.reduce((a, r) => a + Number(r['charts/games'] ?? 0), 0)).toBeGreaterThanOrEqual(2); // each slot's first game ends by tick 300
    for (const u of [1, 10]) {
      const r = rows.find((x) => x.update === u)!;
      expect(typeof r['eval/score_vs_duel-scripted']).toBe('number');
      expect(typeof r['eval/score_vs_random']).toBe('number');
    }

    const store = LeagueStore.open(dir, { create: false });
    try {
      expect(store.listMembers({ role: 'snapshot' }).map((m) => m.id)).toEqual(['main@000000', 'main@000005', 'main@000010']);
      // duel-scripted evaluates but never trains against the learner
      expect(store.listMembers({ role: 'bot' }).map((m) => m.id)).toEqual(['bot:random', 'bot:duel-gunner:0.1', 'bot:duel-gunner', 'bot:duel-gunner:0.3:1']);
      expect(store.gameCount()).toBeGreaterThanOrEqual(2);
      const blob = store.getSnapshot('main@000010')!;
      expect(decodeOffPolicySnapshot(blob).format).toBe(OFF_POLICY_SNAPSHOT_FORMAT);
      const agent = agentFromSnapshot(blob, info, { name: 'main@000010', seed: 3 });
      expect(agent).toBeInstanceOf(OffPolicyAgent);
      for (const x of actions(agent)) expect(Math.abs(x)).toBeLessThanOrEqual(1);
    } finally {
      store.close();
    }

    // the run folder and a league member resolve as `arena match` resolves them, and play duel
    const run = await createAgent(dir, info, 1);
    const member = await createAgent(`${dir}#main@000005`, info, 1);
    expect(run).toBeInstanceOf(OffPolicyAgent);
    expect(member).toBeInstanceOf(OffPolicyAgent);
    for (const a of [run, member]) {
      const r = playSeries({ game: duel, agents: [a, createBot('random', info, 2)], games: 2, seed: 7 });
      expect(r.games).toBe(2);
    }
    // the last snapshot is the checkpoint's actor: greedily, both play the same moves
    expect(actions(await createAgent(`greedy:${dir}#main@000010`, info, 1))).toEqual(actions(await createAgent(`greedy:${dir}`, info, 1)));

    const resumed = await runTraining({ config: { ...config, totalSteps: perUpdate * 12 }, outDir: dir, resume: true });
    expect(resumed.updates).toBe(12);
    const saved = await loadOffPolicyCheckpoint(dir);
    expect(saved.replay!.size).toBe(perUpdate * 12);
    expect(saved.state.offPolicy.transitions).toBe(perUpdate * 12);
    expect(readMetrics(dir).at(-1)!.update).toBe(12);
  }, 120_000);

  it('TD3: trains, and its snapshots play μ(s) (the same moves whatever the seed)', async () => {
    const dir = tmp();
    const config = resolveConfig('td3', info.id, { ...small, totalSteps: perUpdate * 5, evalEvery: 5, checkpointEvery: 5 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBe(5);
    expect(Number.isFinite(readMetrics(dir).at(-1)!['losses/qf_loss'])).toBe(true);
    const store = LeagueStore.open(dir, { create: false });
    const blob = store.getSnapshot('main@000005')!;
    store.close();
    const agent = agentFromSnapshot(blob, info, { name: 'td3', seed: 1 });
    expect((agent as OffPolicyAgent).algo).toBe('td3');
    expect(actions(agent, 1)).toEqual(actions(agentFromSnapshot(blob, info, { name: 'td3', seed: 99 }), 2));
    expect(playSeries({ game: duel, agents: [agent, createBot('duel-gunner', info, 2)], games: 2, seed: 1 }).games).toBe(2);
  }, 60_000);
});

describe('off-policy snapshots', () => {
  it('an OffPolicyAgent hands over its networks as bytes the server’s agent worker plays', async () => {
    const algorithm = await OffPolicyAlgorithm.create({ config: resolveConfig('sac', info.id, small), info, seed: 3, rng: new Rng(0) });
    const agent = new OffPolicyAgent({ name: 'a', nets: algorithm.actorNets(), info, deterministic: true });
    algorithm.dispose();
    const copy = agentFromSnapshot(agent.snapshot(), info, { name: 'copy', deterministic: true });
    expect(actions(copy)).toEqual(actions(agent));
    const state = positions()[2]!;
    const r = await agentTask({
      kind: 'move',
      key: 'k',
      drop: [],
      build: { recipe: { kind: 'snapshot', name: 'runs/x#main@000005', bytes: agent.snapshot(), deterministic: true, search: null }, seed: 1, rebuilt: false },
      game: info.id,
      reset: { number: 0, seed: 1 },
      state: state.serialize(),
      seat: 1,
    });
    const expected = new Float64Array(A);
    agent.actContinuous(state, 1, expected);
    expect(r).toEqual({ ok: true, action: [...expected] });
  });

  it('corrupt or foreign bytes are refused with the name they were read as', () => {
    const nets = { algo: 'sac' as const, obsSize: O, actionDims: A, hidden: [4], activation: 'relu' as const, weights: [] as Float32Array[] };
    const name = 'runs/duel-sac#main@000005';
    for (const bytes of [new Uint8Array([0xc1, 1, 2]), new Uint8Array(0), encodeOffPolicySnapshot({ game: info.id, nets, obsRms: null })]) {
      expect(() => decodeOffPolicySnapshot(bytes, name)).toThrow(CheckpointError);
      expect(() => decodeOffPolicySnapshot(bytes, name)).toThrow(new RegExp(`^${name}: `));
    }
    expect(() => agentFromSnapshot(new Uint8Array([0xc1, 1, 2]), info, { name })).toThrow(new RegExp(`^${name}: is not a policy snapshot nor an off-policy actor`));
    // a truncated off-policy snapshot: still its format, its weights do not add up (or it does not unpack)
    const good = new OffPolicyAgent({ name: 'g', nets: { ...nets, weights: [new Float32Array(O * 4), new Float32Array(4), new Float32Array(4 * 2 * A), new Float32Array(2 * A), new Float32Array((O + A) * 4), new Float32Array(4), new Float32Array(4), new Float32Array(1)] }, info }).snapshot();
    expect(decodeOffPolicySnapshot(good, name).nets.hidden).toEqual([4]);
    expect(() => agentFromSnapshot(good.subarray(0, good.length - 9), info, { name })).toThrow(CheckpointError);
    // a policy snapshot is not an off-policy one, and plays as the policy it is
    const sizes = [O * 4, 4, 4 * A, A, O * 4, 4, 4, 1, A]; // actor, critic, log-std
    const policy = encodeSnapshot({ game: info.id, spec: { obsSize: O, criticInputSize: O, head: 'gaussian', actions: A, hidden: [4], activation: 'tanh' }, weights: sizes.map((n) => new Float32Array(n)), obsRms: null });
    expect(() => decodeOffPolicySnapshot(policy, name)).toThrow(`${name}: is not a version-1 off-policy actor snapshot`);
    expect(agentFromSnapshot(policy, info, { name })).toBeInstanceOf(SnapshotAgent);
    expect(() => agentFromSnapshot(good, { ...info, id: 'duel-v0' }, { name })).toThrow(`snapshot '${name}' plays duel-v3, not duel-v0`);
  });
});

describe('what off-policy league self-play refuses', () => {
  const error = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      return e as Error;
    }
    throw new Error('no error');
  };

  it('a two-seat game without --league, a discrete game, exploiters, batchSegments: one line each, naming what is accepted', () => {
    for (const algo of ['sac', 'td3', 'ddpg'] as const) {
      const err = error(() => resolveConfig(algo, info.id));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toBe(`${algo} trains duel-v3 by self-play against a league of its snapshots and bots: add --league`);
      const discrete = error(() => resolveConfig(algo, 'connect-four-v1', { league: true }));
      expect(discrete.message).toMatch(new RegExp(`^${algo} trains games with continuous actions: single-agent ones \\([^)]*pendulum-v1[^)]*\\), or two-seat ones with simultaneous moves in a league \\(duel-v3\\); connect-four-v1 has discrete actions$`));
    }
    expect(error(() => resolveConfig('sac', info.id, { league: true, mainExploiters: 1 })).message).toBe('sac league self-play trains the main agent only: set mainExploiters and leagueExploiters to 0 (exploiters train with ppo)');
    expect(error(() => resolveConfig('sac', info.id, { league: true, batchSegments: 2 })).message).toMatch(/^sac plays its league games on the main thread, one segment per update: leave batchSegments unset$/);
    expect(() => resolveConfig('sac', 'pendulum-v1', { league: true })).toThrow(/^sac trains one agent on its own replay buffer on pendulum-v1: drop --league$/);
    // the defaults train duel: the pool's bots, the held-out evaluation bot
    const c = resolveConfig('sac', info.id, { league: true });
    expect(c.evalAgents).toEqual(['random', 'duel-scripted']);
    expect(c.leagueBots).toEqual(['random', 'duel-gunner:0.1', 'duel-gunner', 'duel-gunner:0.3:1']);
  });

  it('remote actors (--redis): refused before anything connects or is written', async () => {
    const config = resolveConfig('sac', info.id, { ...small, totalSteps: perUpdate });
    await expect(runTraining({ config, outDir: tmp(), resume: false, remote: { url: 'redis://127.0.0.1:1' } })).rejects.toThrow(
      /^sac plays its league games on the main thread: remote actors \(--redis\) join policy-gradient league runs only; drop --redis$/,
    );
  });
});
