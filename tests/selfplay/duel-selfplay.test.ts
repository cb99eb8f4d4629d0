/**
 * League self-play of a two-seat game with simultaneous continuous moves (duel-v3): the rollout a
 * worker plays (both seats every tick, Gaussian samples stored unclipped with their log-densities,
 * outcomes, games continued across tasks), the league snapshot as an agent that plays action vectors,
 * and a short `train --league` run end to end (checkpoints, metrics, evaluation against the held-out
 * duel-scripted, resume).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionFrameOf } from '../../agents/action-frame.ts';
import { ActorCritic } from '../../agents/policy.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { OBS_BEARING, OPPONENT_FRAME } from '../../games/duel.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { readMetrics } from '../../src/metrics.ts';
import { MlpForward } from '../../src/selfplay/mlp-forward.ts';
import { runRollout, type RolloutTask } from '../../src/selfplay/rollout.ts';
import { decodeSnapshot, encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { RunningMeanStd } from '../../src/algorithms/running-stats.ts';
import { newPolicy } from '../../src/train/algorithm.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { loadPolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { runTraining } from '../../src/train/loop.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const duel = getGame('duel');
const { info } = duel;
const A = info.actions;
const O = info.observationSize;
const tmp = tempDirs('arena-duel-');
/** Snapshot bytes of a fresh Gaussian policy whose log-std is `logStd` in every component. */
let blob: (seed: number, logStd: number) => Uint8Array;

beforeAll(async () => {
  await selectBackend('wasm');
  blob = (seed, logStd) => {
    const policy = new ActorCritic({ obsSize: O, criticInputSize: O, head: 'gaussian', actions: A, hidden: [16, 16], activation: 'tanh', initLogStd: logStd }, seed);
    const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    policy.dispose();
    return bytes;
  };
});

/** A duel rollout task of `envs` × `steps` ticks: the learner (version 1) against `opponents`. */
function task(envs: number, steps: number, opponents: RolloutTask['opponents'], snapshots: RolloutTask['snapshots'], extra: Partial<RolloutTask> = {}): RolloutTask {
  return { game: info.id, envs, steps, seed: 7, learner: 1, snapshots, opponents, opponentProbs: opponents.map(() => 1 / opponents.length), ...extra };
}

describe('duel self-play rollouts', () => {
  it('record unclipped Gaussian samples with their log-densities, both seats acting every tick, and every finished game', () => {
    const learnerBlob = blob(1, -0.5);
    const N = 2;
    const T = 310; // a game lasts at most 300 ticks: every env finishes one
    const r = runRollout(task(N, T, [{ id: 'duel-scripted', bot: 'duel-scripted' }, { id: 'main@000000', version: 2 }], { 1: learnerBlob, 2: blob(2, 0) }));
    const acts = r.continuousActions!;
    expect(acts).toBeInstanceOf(Float32Array);
    expect(acts.length).toBe(T * N * A);
    expect(r.masks.length).toBe(0);
    expect(r.actions.length).toBe(0);
    expect(acts.every(Number.isFinite)).toBe(true);
    // σ = e^−0.5 ≈ 0.61 around means near 0: a fair share of components falls outside the box [−1, 1]
    const outside = acts.filter((a) => Math.abs(a) > 1).length;
    expect(outside).toBeGreaterThan(0.03 * acts.length);
    expect(outside).toBeLessThan(0.5 * acts.length);

    // one step by hand: the actor's means on the recorded observation, log N(a; μ, σ) summed over components
    const mlp = forwardOf(learnerBlob);
    const i = 5 * N + 1; // t = 5, env 1
    const mu = new Float32Array(A);
    mlp.actorForward(r.obs.subarray(i * O, (i + 1) * O), 1, mu);
    let lp = 0;
    for (let j = 0; j < A; j++) {
      const z = (acts[i * A + j]! - mu[j]!) / Math.exp(-0.5);
      lp += -0.5 * z * z + 0.5 - 0.5 * Math.log(2 * Math.PI);
    }
    expect(r.logProbs[i]).toBeCloseTo(lp, 4);
    const v = new Float32Array(1);
    mlp.criticForward(r.obs.subarray(i * O, (i + 1) * O), 1, v);
    expect(r.values[i]).toBeCloseTo(v[0]!, 5);

    // finished games: outcomes for the league, `dones` where they ended, no bootstrap after a termination
    expect(r.episodes.length).toBeGreaterThanOrEqual(N);
    for (const e of r.episodes) {
      expect([0, 0.5, 1]).toContain(e.score);
      expect(e.learnerReturn).toBe(e.score === 1 ? 1 : e.score === 0 ? -1 : 0);
      expect(e.length).toBeGreaterThan(0);
      expect(e.length).toBeLessThanOrEqual(info.maxSteps);
      expect([0, 1]).toContain(e.opponent);
    }
    expect(new Set(r.episodes.map((e) => e.seat))).toEqual(new Set([0, 1]));
    let dones = 0;
    for (let k = 0; k < T * N; k++) {
      if (!r.dones[k]) continue;
      dones++;
      expect(r.nextValues[k]).toBe(0);
      expect(Math.abs(r.rewards[k]!)).toBeLessThanOrEqual(1);
    }
    expect(dones).toBe(r.episodes.length);
    // zero-sum rewards only at the end: the sum of rewards is the sum of the learner's returns
    expect(r.rewards.reduce((a, x) => a + x, 0)).toBeCloseTo(r.episodes.reduce((a, e) => a + e.learnerReturn, 0), 6);
    // inside the rollout, a transition bootstraps from the next one's value
    expect(r.nextValues[3 * N]).toBe(r.dones[3 * N] ? 0 : r.values[4 * N]);
  });

  it('continue the games of the previous task (carry): segments shorter than a game still play whole games', () => {
    const snapshots = { 1: blob(1, 0) };
    const opponents = [{ id: 'random', bot: 'random' }];
    const N = 3;
    let carry = runRollout(task(N, 100, opponents, snapshots)).carry;
    expect(carry).toHaveLength(N);
    const lengths: number[] = [];
    for (let k = 0; k < 3; k++) {
      const r = runRollout(task(N, 100, opponents, snapshots, { seed: 11 + k, carry }));
      lengths.push(...r.episodes.map((e) => e.length));
      carry = r.carry;
    }
    // 400 ticks per env: each finished a game that began in an earlier task
    expect(lengths.length).toBeGreaterThanOrEqual(N);
    expect(Math.max(...lengths)).toBeGreaterThan(100);
  });
});

describe('potential-based shaping in duel rollouts', () => {
  it("adds coef·(γΦ(s') − Φ(s)) to the learner's reward, Φ its hit-point lead read off its own observations, 0 after the end", () => {
    const snapshots = { 1: blob(1, -0.5) };
    const opponents = [{ id: 'duel-scripted', bot: 'duel-scripted' }];
    const N = 2;
    const T = 200;
    const plain = runRollout(task(N, T, opponents, snapshots));
    const coef = 0.5;
    const gamma = 0.9;
    const shaped = runRollout(task(N, T, opponents, snapshots, { shaping: { coef, gamma } }));
    // the same seed plays the same games: shaping changes rewards only
    expect(shaped.obs).toEqual(plain.obs);
    expect(shaped.episodes).toEqual(plain.episodes);
    // Φ(s_t) = own hp / 5 − opponent hp / 5 = obs[7] − obs[15] of the learner's observation of s_t
    const phi = (i: number) => shaped.obs[i * O + 7]! - shaped.obs[i * O + 15]!;
    let hits = 0;
    for (let t = 0; t < T - 1; t++) {
      for (let e = 0; e < N; e++) {
        const i = t * N + e;
        const next = shaped.dones[i] ? 0 : phi(i + N);
        const bonus = coef * (gamma * next - phi(i));
        expect(shaped.rewards[i]! - plain.rewards[i]!).toBeCloseTo(bonus, 5);
        if (!shaped.dones[i] && next !== phi(i)) hits++;
      }
    }
    // duel-scripted hits a policy that barely moves: the potential changes inside the games
    expect(hits).toBeGreaterThan(2);
    // the games' outcomes are the game's: the league still sees ±1 / 0
    for (const e of shaped.episodes) expect([-1, 0, 1]).toContain(e.learnerReturn);
  });

  it('is refused in one line where it does not apply', () => {
    expect(() => resolveConfig('ppo', info.id, { shaping: 1 })).toThrow(/^invalid training config: shaping applies to league self-play .* ppo on duel-v3 without --league has none \(set shaping 0\)$/);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { shaping: 1, league: true })).toThrow(/shaping applies to .* ppo on connect-four-v1 has none/);
    expect(() => resolveConfig('sac', info.id, { shaping: 1, league: true })).toThrow(/not sac\/td3\/ddpg/);
    expect(resolveConfig('ppo', info.id, { shaping: 1, league: true }).shaping).toBe(1);
    expect(() => resolveConfig('ppo', info.id, { shaping: -1, league: true })).toThrow(/shaping/);
  });
});

describe('observation statistics in self-play (normObs)', () => {
  it('merge is the statistics of the concatenated rows (hand-computed)', () => {
    const a = new RunningMeanStd(2, 0);
    a.update([1, 10, 3, 30], 2); // column 0: mean 2, var 1; column 1: mean 20, var 100
    const b = new RunningMeanStd(2, 0);
    b.update([5, 0, 7, 0, 9, 0], 3); // mean 7, var 8/3; mean 0, var 0
    a.merge(b.toJSON());
    // all five: column 0 = 1, 3, 5, 7, 9 → mean 5, var 8; column 1 = 10, 30, 0, 0, 0 → mean 8, var (4 + 484 + 3·64)/5 = 136
    expect(a.count).toBe(5);
    expect(Array.from(a.mean)).toEqual([5, 8]);
    expect(a.var[0]).toBeCloseTo(8, 12);
    expect(a.var[1]).toBeCloseTo(136, 12);
    expect(() => a.merge({ mean: [0], var: [1], count: 1 })).toThrow('statistics of size 1 do not fit 2');
  });

  it("a rollout reports the moments of the raw observations its learner's snapshot normalised", () => {
    const policy = new ActorCritic({ obsSize: O, criticInputSize: O, head: 'gaussian', actions: A, hidden: [16, 16], activation: 'tanh', initLogStd: -1 }, 3);
    // mean 0, variance 1: normalising changes nothing (duel's observations stay inside the ±10 clip), so the raw rows are the recorded ones
    const identity = new RunningMeanStd(O);
    const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: identity.toJSON() });
    policy.dispose();
    // versions are unique in a run (workers cache snapshots by version): fresh ones here
    const r = runRollout(task(2, 40, [{ id: 'random', bot: 'random' }], { 21: bytes }, { learner: 21 }));
    const want = new RunningMeanStd(O, 0);
    want.update(r.obs, 80);
    expect(r.obsStats!.count).toBe(80);
    for (let j = 0; j < O; j++) {
      expect(r.obsStats!.mean[j]).toBeCloseTo(want.mean[j]!, 5);
      expect(r.obsStats!.var[j]).toBeCloseTo(want.var[j]!, 5);
    }
    // without normObs there is nothing to report
    expect(runRollout(task(2, 8, [{ id: 'random', bot: 'random' }], { 22: blob(1, -1) }, { learner: 22 })).obsStats).toBeUndefined();
  });

  it('a league run folds the actors\' statistics into the checkpoint it writes', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', info.id, { league: true, workers: 1, envs: 4, steps: 32, snapshotEvery: 2, checkpointEvery: 2, evalEvery: 100, normObs: true, totalSteps: 4 * 32 * 3 });
    await runTraining({ config, outDir: dir, resume: false });
    const { obsRms, policy } = await loadPolicyCheckpoint(dir);
    policy.dispose();
    // 3 updates × 4 envs × 32 ticks of the learner's seat; positions vary, so the variances left 1
    expect(obsRms!.count).toBeCloseTo(3 * 4 * 32, 2);
    expect(obsRms!.var[0]).not.toBeCloseTo(1, 3);
    expect(Math.abs(obsRms!.mean[0]!)).toBeGreaterThan(0.01);
  }, 60_000);
});

describe('SnapshotAgent in a continuous game', () => {
  it('plays the mean when deterministic and samples around it otherwise', () => {
    const b = blob(3, -1);
    const state = duel.newState(5);
    state.applyJointContinuous([0.3, -0.2, 0.1, 1, -0.5, 0.5, 0, -1]);
    const mlp = forwardOf(b);
    const obs = new Float32Array(O);
    const mean = new Float32Array(A);
    for (const seat of [0, 1]) {
      state.observe(seat, obs);
      mlp.actorForward(obs, 1, mean);
      const greedy = new SnapshotAgent({ name: 's', blob: b, info, deterministic: true });
      const out = new Float64Array(A);
      greedy.actContinuous(state, seat, out);
      for (let j = 0; j < A; j++) expect(out[j]).toBeCloseTo(mean[j]!, 6);
      const sampler = new SnapshotAgent({ name: 's', blob: b, info, seed: 9 });
      const a = new Float64Array(A);
      sampler.actContinuous(state, seat, a);
      expect(Array.from(a)).not.toEqual(Array.from(out));
      for (let j = 0; j < A; j++) expect(Math.abs(a[j]! - mean[j]!)).toBeLessThan(5 * Math.exp(-1));
      // the same seed draws the same sample
      const again = new Float64Array(A);
      new SnapshotAgent({ name: 's', blob: b, info, seed: 9 }).actContinuous(state, seat, again);
      expect(Array.from(again)).toEqual(Array.from(a));
    }
    expect(() => new SnapshotAgent({ name: 's', blob: b, info }).act(state, 0)).toThrow(/continuous/);
  });
});

describe('initLogStd per action component', () => {
  it('gives thrust, aim and fire their own starting spread, and refuses a list that does not fit the game', () => {
    const c = resolveConfig('ppo', info.id, { league: true, initLogStd: [-1, -1, -2.5, -2.5] });
    const policy = newPolicy(c, info, 0);
    expect(Array.from(policy.logStd!.dataSync())).toEqual([-1, -1, -2.5, -2.5]);
    policy.dispose();
    expect(() => resolveConfig('ppo', info.id, { league: true, initLogStd: [-1, -2.5] })).toThrow(
      'invalid training config: initLogStd has 2 entries; duel-v3 has 4 action components (give one number for all, or one per component)',
    );
    expect(() => resolveConfig('ppo', 'connect-four-v1', { initLogStd: [-1] })).toThrow(/initLogStd as a list .* connect-four-v1 has discrete actions/);
    expect(() => resolveConfig('ppo', info.id, { initLogStd: [-1, -1, -9, -1] })).toThrow(/initLogStd/);
  });
});

describe('train --league on duel', () => {
  it('trains in worker threads, evaluates against the held-out duel-scripted, checkpoints and resumes', async () => {
    const dir = tmp();
    const layers = { league: true, workers: 2, envs: 4, steps: 32, snapshotEvery: 2, checkpointEvery: 2, evalEvery: 2, evalGames: 4 };
    const perUpdate = 4 * 32 * 2;
    const summary = await runTraining({ config: resolveConfig('ppo', info.id, { ...layers, totalSteps: perUpdate * 4 }), outDir: dir, resume: false });
    expect(summary.mode).toBe('self-play');
    expect(summary.updates).toBe(4);
    expect(existsSync(join(dir, 'checkpoints', 'latest'))).toBe(true);
    const rows = readMetrics(dir);
    expect(rows.map((r) => r['update'])).toEqual([1, 2, 3, 4]);
    for (const r of rows) expect(Number.isFinite(r['losses/policy_loss'])).toBe(true);
    const evals = rows.filter((r) => typeof r['eval/score_vs_duel-scripted'] === 'number');
    expect(evals.length).toBeGreaterThanOrEqual(2);
    for (const r of evals) expect(typeof r['eval/score_vs_random']).toBe('number');
    const store = LeagueStore.open(dir, { create: false });
    expect(store.listMembers({ role: 'snapshot' }).map((m) => m.id)).toEqual(expect.arrayContaining(['main@000000', 'main@000002', 'main@000004']));
    // duel-scripted evaluates but never trains against the learner; the default pool's bots do
    expect(store.listMembers({ role: 'bot' }).map((m) => m.id)).toEqual(['bot:random', 'bot:duel-gunner:0.1', 'bot:duel-gunner', 'bot:duel-gunner:0.3:1']);
    store.close();

    const resumed = await runTraining({ config: resolveConfig('ppo', info.id, { ...layers, totalSteps: perUpdate * 6 }), outDir: dir, resume: true });
    expect(resumed.updates).toBe(6);
    expect(readMetrics(dir).map((r) => r['update'])).toEqual([1, 2, 3, 4, 5, 6]);

    // the run and its snapshots are agents for `arena match`
    const m = arena(['match', '--game', 'duel', '--agents', `${dir},${dir}#main@000002`, '--games', '2', '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ game: 'duel-v3', games: 2 });
  }, 120_000);
});

/** The snapshot's policy, evaluated as the workers do (actor means, critic values). */
function forwardOf(b: Uint8Array): MlpForward {
  const snap = decodeSnapshot(b);
  return new MlpForward(snap.spec, snap.weights);
}

describe("the duel's opponent action frame (actionFrame 'opponent')", () => {
  const obsWith = (dx: number, dy: number, lead: number): Float32Array => {
    const o = new Float32Array(O);
    o[8] = dx;
    o[9] = dy;
    o[OBS_BEARING + 1] = lead;
    return o;
  };

  it('maps (toward, sideways, aim offset, fire) to the game’s thrust, aim and fire (hand-computed)', () => {
    const out = new Float64Array(A);
    // the opponent at (0.3, 0.4): toward is (0.6, 0.8), sideways (a quarter turn clockwise on screen) is (−0.8, 0.6)
    OPPONENT_FRAME.toGame(obsWith(0.3, 0.4, 0.5), [1, 0, 0.25, 1], out);
    expect(Array.from(out)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), expect.closeTo(0.75, 6), 1]);
    OPPONENT_FRAME.toGame(obsWith(0.3, 0.4, 0.5), [0, -1, 0, -1], out);
    expect(Array.from(out)).toEqual([expect.closeTo(0.8, 6), expect.closeTo(-0.6, 6), expect.closeTo(0.5, 6), -1]);
    // components clipped to [−1, 1] first (toward the opponent straight up: (0, −1), sideways: (1, 0)); the aim wraps to (−1, 1]: 0.9 + 0.3 → −0.8
    OPPONENT_FRAME.toGame(obsWith(0, -2, 0.9), [3, -7, 0.3, 0.2], out);
    expect(Array.from(out)).toEqual([expect.closeTo(-1, 6), expect.closeTo(-1, 6), expect.closeTo(-0.8, 6), expect.closeTo(0.2, 6)]);
    // a policy of zeros aims exactly at the lead bearing and does not thrust
    OPPONENT_FRAME.toGame(obsWith(-0.5, 0.1, -0.35), [0, 0, 0, 0], out);
    expect(Array.from(out)).toEqual([expect.closeTo(0, 12), expect.closeTo(0, 12), expect.closeTo(-0.35, 6), expect.closeTo(0, 12)]);
    // NaN reaches the game, which refuses it
    OPPONENT_FRAME.toGame(obsWith(1, 0, 0), [Number.NaN, 0, 0, 0], out);
    expect(Number.isNaN(out[0]!)).toBe(true);
    const state = duel.newState(1);
    expect(() => state.applyJointContinuous([...out, 0, 0, 0, 0])).toThrow(/NaN|finite/i);
  });

  it('is what the agents, snapshots and rollouts of a policy with that frame send to the game', () => {
    const c = resolveConfig('ppo', info.id, { league: true, actionFrame: 'opponent', hidden: [16, 16], initLogStd: -1 });
    const policy = newPolicy(c, info, 3);
    expect(policy.spec.actionFrame).toBe('opponent');
    const framed = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    const { actionFrame: _, ...plainSpec } = policy.spec;
    const plain = encodeSnapshot({ game: info.id, spec: plainSpec, weights: policy.getWeights(), obsRms: null });
    const state = duel.newState(5);
    state.applyJointContinuous([0.3, -0.2, 0.1, 1, -0.5, 0.5, 0, -1]);
    const obs = new Float32Array(O);
    for (const seat of [0, 1]) {
      state.observe(seat, obs);
      const own = new Float64Array(A);
      new SnapshotAgent({ name: 'p', blob: plain, info, deterministic: true }).actContinuous(state, seat, own);
      const want = new Float64Array(A);
      OPPONENT_FRAME.toGame(obs, own, want);
      const got = new Float64Array(A);
      new SnapshotAgent({ name: 'f', blob: framed, info, deterministic: true }).actContinuous(state, seat, got);
      for (let j = 0; j < A; j++) expect(got[j]).toBeCloseTo(want[j]!, 6);
      const viaTfjs = new Float64Array(A);
      new PolicyAgent({ name: 't', policy, obsRms: null, info, deterministic: true }).actContinuous(state, seat, viaTfjs);
      for (let j = 0; j < A; j++) expect(viaTfjs[j]).toBeCloseTo(want[j]!, 4);
    }
    // in a rollout the game gets the frame's image of the recorded vector: a fresh policy's means are near 0 (a head
    // initialised at gain 0.01), i.e. "aim at the lead", so its gun settles on the lead bearing of the waypoint-flying
    // duel-gunner (observation 29, the gun's error to it, near 0); the same weights in the game's own frame aim at bearing 0 instead
    // (the workers cache decoded snapshots by version: each policy its own)
    const gunError = (blob: Uint8Array, version: number): number => {
      const r = runRollout(task(2, 200, [{ id: 'duel-gunner', bot: 'duel-gunner' }], { [version]: blob }, { seed: 3, learner: version }));
      let sum = 0;
      let n = 0;
      for (let t = 50; t < 200; t++) {
        for (let e = 0; e < 2; e++) {
          sum += Math.abs(r.obs[(t * 2 + e) * O + OBS_BEARING + 2]!);
          n++;
        }
      }
      return sum / n;
    };
    const quiet = (spec: typeof policy.spec) => {
      const p = new ActorCritic({ ...spec, initLogStd: -6 }, 3);
      const b = encodeSnapshot({ game: info.id, spec: p.spec, weights: p.getWeights(), obsRms: null });
      p.dispose();
      return b;
    };
    // (measured: 0.0097 and 0.090, in units of π)
    expect(gunError(quiet(policy.spec), 41)).toBeLessThan(0.03);
    expect(gunError(quiet(plainSpec), 42)).toBeGreaterThan(0.05);
    policy.dispose();
  });

  it("is the duel's league default; a run without a league, or saved before the frame existed, acts in the game's own components", async () => {
    expect(resolveConfig('ppo', info.id, { league: true }).actionFrame).toBe('opponent');
    expect(resolveConfig('ppo', info.id, { league: true, actionFrame: null }).actionFrame).toBeNull();
    expect(resolveConfig('ppo', info.id, {}).actionFrame).toBeNull();
    expect(resolveConfig('sac', info.id, { league: true }).actionFrame).toBeNull();
    // a checkpoint whose saved config has no actionFrame (written before it existed)
    const dir = tmp();
    const config = resolveConfig('ppo', info.id, { league: true, workers: 1, envs: 2, steps: 16, evalEvery: 100, totalSteps: 2 * 16 });
    await runTraining({ config, outDir: dir, resume: false });
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.state.config.actionFrame).toBe('opponent');
    expect(loaded.policy.spec.actionFrame).toBe('opponent');
    loaded.policy.dispose();
    const { readTrainingState } = await import('../../src/train/policy-checkpoint.ts');
    const { actionFrame: _, ...legacy } = loaded.state.config;
    const files = new Map(loaded.checkpoint.files);
    files.set('state.json', new TextEncoder().encode(JSON.stringify({ ...loaded.state, config: legacy })));
    expect(readTrainingState({ ...loaded.checkpoint, files }).config.actionFrame).toBeNull();
  }, 60_000);

  it('is refused in one line where it does not apply', () => {
    expect(() => resolveConfig('ppo', info.id, { actionFrame: 'opponent' })).toThrow("invalid training config: actionFrame applies to on-policy league self-play (--league; not sac/td3/ddpg) of a two-seat game with simultaneous continuous moves (duel-v3); ppo on duel-v3 without --league has none (set actionFrame null)");
    expect(() => resolveConfig('sac', info.id, { league: true, actionFrame: 'opponent' })).toThrow(/actionFrame applies to on-policy league self-play/);
    expect(() => resolveConfig('ppo', info.id, { league: true, actionFrame: 'polar' })).toThrow(/action frame 'polar' is not one of duel-v3's: it offers 'opponent' \(thrust toward/);
    expect(() => actionFrameOf('pendulum-v1', 'opponent')).toThrow("action frame 'opponent' is not one of pendulum-v1's: it offers none");
  });
});
