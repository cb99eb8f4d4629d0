/**
 * Team rollouts (src/selfplay/team-rollout.ts) and team policies as agents: the actor and critic
 * inputs written for every agent, episode bookkeeping and bootstrap values, separate-parameter
 * snapshots, league team snapshots as opponents, and PolicyAgent / SnapshotAgent appending the
 * agent id so one checkpoint plays every seat of its side.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import type { GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { GridSoccerState, MATCH_STEPS } from '../../games/grid-soccer.ts';
import { teamPolicySpec, type TeamAlgo } from '../../src/algorithms/mappo.ts';
import { playSeries } from '../../src/eval/match.ts';
import { MlpForward } from '../../src/selfplay/mlp-forward.ts';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { agentStateSize, encodeTeamSnapshot, runTeamRollout, type TeamRolloutTask } from '../../src/selfplay/team-rollout.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
});

const game = getGame('grid-soccer');
const info = game.info;
let nextVersion = 1;

function teamPolicy(algo: TeamAlgo, seed: number): ActorCritic {
  return new ActorCritic(teamPolicySpec({ algo, obsSize: 19, stateSize: agentStateSize(info), teamSize: 2, actions: 8, hidden: [16], activation: 'tanh' }), seed);
}

function task(algo: TeamAlgo, weights: Float32Array[][], extra: Partial<TeamRolloutTask> = {}): TeamRolloutTask {
  const version = nextVersion++;
  const spec = teamPolicySpec({ algo, obsSize: 19, stateSize: agentStateSize(info), teamSize: 2, actions: 8, hidden: [16], activation: 'tanh' });
  return {
    game: info.id,
    algo,
    envs: 3,
    steps: 12,
    seed: 42,
    learner: version,
    snapshots: { [version]: encodeTeamSnapshot(info.id, spec, weights) },
    opponents: [{ id: 'heuristic', bot: 'heuristic' }],
    opponentProbs: [1],
    ...extra,
  };
}

/** The agent-specific global state of `seat` on `side`, written out from the game's accessors. */
function expectedCriticRow(s: GridSoccerState, side: number, seat: number, k: number): number[] {
  const fx = (x: number) => (side === 0 ? x : 10 - x) / 10;
  const mate = seat ^ 1;
  const opps = side === 0 ? [2, 3] : [0, 1];
  const order = [seat, mate, ...opps];
  const row: number[] = [];
  for (const p of order) {
    const [x, y] = s.position(p);
    row.push(fx(x), y / 6);
  }
  for (const p of order) row.push(s.ballHolder() === p ? 1 : 0);
  const [bx, by] = s.position(s.ballHolder());
  row.push(fx(bx), by / 6, s.stepsLeft() / MATCH_STEPS, s.goals(side) / 10, s.goals(1 - side) / 10);
  row.push(k === 0 ? 1 : 0, k === 1 ? 1 : 0);
  return row;
}

describe('team rollout inputs', () => {
  it('actors get their own observation + id; the MAPPO critic the full state in the agent frame + id', () => {
    const p = teamPolicy('mappo', 1);
    const expectedObs: number[][] = [];
    const expectedCrit: number[][] = [];
    let hiddenSeen = 0;
    const obs = new Float32Array(19);
    const r = runTeamRollout(task('mappo', [p.getWeights()], { envs: 2, steps: 40 }), {
      onInputs: (t, e, state: GameState, side) => {
        const s = state as GridSoccerState;
        for (let k = 0; k < 2; k++) {
          const seat = info.teams[side]![k]!;
          s.observe(seat, obs);
          expectedObs[(t * 2 + e) * 2 + k] = [...obs, k === 0 ? 1 : 0, k === 1 ? 1 : 0];
          expectedCrit[(t * 2 + e) * 2 + k] = expectedCriticRow(s, side, seat, k);
          // an opponent out of the seat's view: hidden from the actor, present for the critic
          if (obs[10] === 0) hiddenSeen++;
        }
      },
    });
    expect(r.columns).toBe(4);
    expect(hiddenSeen).toBeGreaterThan(0);
    for (let i = 0; i < r.steps * r.columns; i++) {
      expect(Array.from(r.obs.subarray(i * 21, (i + 1) * 21))).toEqual(expectedObs[i]!.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(r.criticObs!.subarray(i * 19, (i + 1) * 19))).toEqual(expectedCrit[i]!.map((x) => expect.closeTo(x, 6)));
      const a = r.obs.subarray(i * 21, i * 21 + 19);
      const c = r.criticObs!.subarray(i * 19, (i + 1) * 19);
      if (a[10] === 0) {
        // first opponent unseen: the actor has zeros there, the critic its true position (never both 0: x or y > 0 except at (0,0))
        expect(a[11]).toBe(0);
        expect(c[4]! + c[5]!).toBeGreaterThan(0);
      }
    }
    // the critic column is never fed to the actor: every actor row is observation-sized + id
    expect(r.obs.length).toBe(r.steps * r.columns * 21);
    p.dispose();
  });

  it('IPPO rollouts carry no critic observations (the critic reads the actor input)', () => {
    const p = teamPolicy('ippo', 2);
    const r = runTeamRollout(task('ippo', [p.getWeights()]));
    expect(r.criticObs).toBeNull();
    // values are the critic on the actor input
    const mlp = new MlpForward(p.spec, p.getWeights());
    const v = new Float32Array(r.columns);
    mlp.criticForward(r.obs.subarray(0, r.columns * 21), r.columns, v);
    for (let c = 0; c < r.columns; c++) expect(r.values[c]).toBeCloseTo(v[c]!, 5);
    p.dispose();
  });
});

describe('team rollout bookkeeping', () => {
  it('plays whole matches: one episode per env per 200 steps, sides alternating, rewards summing to the returns', () => {
    const p = teamPolicy('mappo', 3);
    const r = runTeamRollout(task('mappo', [p.getWeights()], { envs: 3, steps: MATCH_STEPS, firstSide: 1 }));
    expect(r.episodes).toHaveLength(3);
    expect(r.episodes.map((e) => e.side)).toEqual([1, 0, 1]);
    const C = r.columns;
    for (let e = 0; e < 3; e++) {
      const ep = r.episodes.find((x, i) => i === e)!;
      let sum0 = 0;
      for (let t = 0; t < MATCH_STEPS; t++) {
        const i = t * C + 2 * e;
        sum0 += r.rewards[i]!;
        // both teammates get the team's reward and end together
        expect(r.rewards[i + 1]).toBe(r.rewards[i]);
        expect(r.dones[i]).toBe(t === MATCH_STEPS - 1 ? 1 : 0);
        expect(r.valid[i]).toBe(1);
        expect(r.nextValues[i]).toBe(t === MATCH_STEPS - 1 ? 0 : r.values[i + C]);
      }
      expect(sum0).toBeCloseTo(ep.teamReturn, 3);
      expect(ep.teamReturn).toBeCloseTo(-ep.opponentReturn, 9);
      expect(ep.score).toBe(ep.teamReturn > ep.opponentReturn ? 1 : ep.teamReturn < ep.opponentReturn ? 0 : 0.5);
    }
    p.dispose();
  });

  it('bootstraps a cut-off rollout from the critic at the state after its last step', () => {
    const p = teamPolicy('mappo', 4);
    const w = [p.getWeights()];
    const short = runTeamRollout(task('mappo', w, { steps: 5 }));
    const long = runTeamRollout(task('mappo', w, { steps: 6 }));
    const C = short.columns;
    for (let c = 0; c < C; c++) {
      expect(short.dones[4 * C + c]).toBe(0);
      expect(short.nextValues[4 * C + c]).toBeCloseTo(long.values[5 * C + c]!, 6);
      expect(short.actions[4 * C + c]).toBe(long.actions[4 * C + c]);
    }
    p.dispose();
  });

  it('continues games carried over from the previous rollout, so short rollouts play whole matches', () => {
    const p = teamPolicy('mappo', 13);
    const w = [p.getWeights()];
    const first = runTeamRollout(task('mappo', w, { envs: 2, steps: 150 }));
    expect(first.episodes).toHaveLength(0);
    expect(first.carry.map((c) => c.length)).toEqual([150, 150]);
    const second = runTeamRollout(task('mappo', w, { envs: 2, steps: 100, carry: first.carry }));
    // the carried state's observation is the second rollout's first input
    const s = game.restore(first.carry[1]!.state);
    const obs = new Float32Array(19);
    s.observe(info.teams[first.carry[1]!.side]![0]!, obs);
    expect(Array.from(second.obs.subarray(2 * 21, 2 * 21 + 19))).toEqual(Array.from(obs));
    // both matches end after their 200th step (t = 49 of the second rollout), then new ones start
    expect(second.episodes.map((e) => e.length)).toEqual([200, 200]);
    for (let c = 0; c < 4; c++) {
      expect(second.dones[49 * 4 + c]).toBe(1);
      expect(second.dones[48 * 4 + c]).toBe(0);
    }
    expect(second.carry.map((c) => c.length)).toEqual([50, 50]);
    p.dispose();
  });

  it('separate parameters: seat k plays weights k; equal weights reproduce the shared rollout', () => {
    const a = teamPolicy('mappo', 5);
    const b = teamPolicy('mappo', 6);
    const shared = runTeamRollout(task('mappo', [a.getWeights()]));
    const sameTwice = runTeamRollout(task('mappo', [a.getWeights(), a.getWeights()]));
    const mixed = runTeamRollout(task('mappo', [a.getWeights(), b.getWeights()]));
    expect(Array.from(sameTwice.actions)).toEqual(Array.from(shared.actions));
    expect(Array.from(sameTwice.values)).toEqual(Array.from(shared.values));
    // with different seat-1 weights, seat 0's first decisions are unchanged and seat 1's values differ
    const C = shared.columns;
    for (let e = 0; e < 3; e++) {
      expect(mixed.values[2 * e]).toBe(shared.values[2 * e]);
      expect(mixed.values[2 * e + 1]).not.toBe(shared.values[2 * e + 1]);
    }
    expect(C).toBe(6);
    a.dispose();
    b.dispose();
  });

  it('plays league team snapshots as opponents (every seat of their side), and itself', () => {
    const p = teamPolicy('mappo', 7);
    const q = teamPolicy('mappo', 8);
    const t = task('mappo', [p.getWeights()], { envs: 4, steps: MATCH_STEPS });
    const oppVersion = nextVersion++;
    const withOpp: TeamRolloutTask = {
      ...t,
      snapshots: { ...t.snapshots, [oppVersion]: encodeTeamSnapshot(info.id, q.spec, [q.getWeights()]) },
      opponents: [{ id: 'main@000010', version: oppVersion }, { id: 'main', version: t.learner }],
      opponentProbs: [0.5, 0.5],
    };
    const r = runTeamRollout(withOpp);
    expect(r.episodes).toHaveLength(4);
    for (const e of r.episodes) {
      expect([0, 1]).toContain(e.opponent);
      expect(e.teamReturn).toBeCloseTo(-e.opponentReturn, 9);
    }
    p.dispose();
    q.dispose();
  });
});

describe('team policies as agents', () => {
  it('PolicyAgent appends the seat’s team index one-hot when the checkpoint says so', () => {
    const p = teamPolicy('mappo', 9);
    const agent = new PolicyAgent({ name: 'team', policy: p, obsRms: null, info });
    const s = game.newState(3);
    const mlp = new MlpForward(p.spec, p.getWeights());
    const obs = new Float32Array(21);
    const logits = new Float32Array(8);
    const mask = new Uint8Array(8);
    const probs = new Float64Array(8);
    for (const seat of [0, 1, 2, 3]) {
      s.observe(seat, obs);
      obs.fill(0, 19);
      obs[19 + (seat & 1)] = 1;
      mlp.actorForward(obs, 1, logits);
      s.legalMask(seat, mask);
      agent.actionProbabilities(s, seat, probs);
      let max = -Infinity;
      for (let a = 0; a < 8; a++) if (mask[a]) max = Math.max(max, logits[a]!);
      let z = 0;
      for (let a = 0; a < 8; a++) z += mask[a] ? Math.exp(logits[a]! - max) : 0;
      for (let a = 0; a < 8; a++) expect(probs[a]).toBeCloseTo(mask[a] ? Math.exp(logits[a]! - max) / z : 0, 5);
    }
    // and it plays whole matches on both sides
    const r = playSeries({ game, agents: [agent, new PolicyAgent({ name: 'other', policy: teamPolicy('ippo', 10), obsRms: null, info })], games: 2 });
    expect(r.games).toBe(2);
  });

  it('SnapshotAgent plays team snapshots, with each seat’s own weights when they are separate', () => {
    const a = teamPolicy('mappo', 11);
    const b = teamPolicy('mappo', 12);
    const shared = new SnapshotAgent({ name: 's', blob: encodeTeamSnapshot(info.id, a.spec, [a.getWeights()]), info });
    const separate = new SnapshotAgent({ name: 'p', blob: encodeTeamSnapshot(info.id, a.spec, [a.getWeights(), b.getWeights()]), info });
    const s = game.newState(5);
    const pa = new Float64Array(8);
    const pb = new Float64Array(8);
    shared.actionProbabilities(s, 2, pa);
    separate.actionProbabilities(s, 2, pb); // team index 0: weights a
    expect(Array.from(pb)).toEqual(Array.from(pa));
    shared.actionProbabilities(s, 3, pa);
    separate.actionProbabilities(s, 3, pb); // team index 1: weights b
    expect(Array.from(pb)).not.toEqual(Array.from(pa));
    expect(playSeries({ game, agents: [shared, separate], games: 2 }).games).toBe(2);
    a.dispose();
    b.dispose();
  });
});
