/**
 * MAPPO/IPPO (src/algorithms/mappo.ts): what the centralized critic and the actors are fed, gradients
 * of shared parameters from every teammate, value normalisation in the update, masking of agents that
 * are done, and learning small cooperative games where the two agents must coordinate.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActBuffers } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { MappoLearner, writeAgentId, type TeamAlgo, type TeamBatch, type TeamLearnerOptions } from '../../src/algorithms/mappo.ts';
import type { LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { ValueNorm } from '../../src/algorithms/value-norm.ts';
import { FastLearner } from '../../src/fast/learner.ts';
import { agentStateSize, encodeTeamSnapshot, runTeamRollout } from '../../src/selfplay/team-rollout.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
});

const soccer = getGame('grid-soccer').info;

const SETTINGS: LearnerSettings = {
  kind: 'clipped',
  clip: 0.2,
  clipValue: 0.2,
  entCoef: 0.01,
  vfCoef: 1,
  normAdv: true,
  epochs: 15,
  minibatchSize: 1 << 30,
  lr: 5e-4,
  annealLr: false,
  annealClip: false,
  maxGradNorm: 10,
  targetKl: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
};

function soccerLearner(algo: TeamAlgo, extra: Partial<TeamLearnerOptions> = {}): MappoLearner {
  return new MappoLearner({
    algo,
    obsSize: soccer.observationSize,
    stateSize: agentStateSize(soccer),
    teamSize: 2,
    actions: soccer.actions,
    hidden: [16, 16],
    activation: 'tanh',
    gamma: 0.99,
    lambda: 0.95,
    settings: SETTINGS,
    seed: 3,
    rng: new Rng(5),
    ...extra,
  });
}

/** A short grid-soccer rollout of the learner's current weights against the scripted team. */
function soccerBatch(learner: MappoLearner, envs = 2, steps = 6, seed = 1): TeamBatch {
  const snap = encodeTeamSnapshot(soccer.id, learner.spec, learner.weights());
  // a fresh version per call (rollout workers cache snapshots by version)
  const version = 1000 + Math.floor(Math.random() * 1e9);
  return runTeamRollout({ game: soccer.id, algo: learner.algo, envs, steps, seed, learner: version, snapshots: { [version]: snap }, opponents: [{ id: 'h', bot: 'heuristic' }], opponentProbs: [1] });
}

function rows(data: Float32Array, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length / width; i++) out.push(Array.from(data.subarray(i * width, (i + 1) * width), (x) => x.toFixed(5)).join(','));
  return out;
}

describe('MAPPO inputs', () => {
  it('feeds the centralized critic the agent-specific global state and the actors only their observation + id', () => {
    // the tfjs reference learner (forced by naming a native backend), so the tensors fed can be watched
    const learner = soccerLearner('mappo', { backend: 'tensorflow', settings: { ...SETTINGS, epochs: 1 } });
    expect(learner.learners[0]).not.toBeInstanceOf(FastLearner);
    expect(learner.spec.obsSize).toBe(19 + 2);
    expect(learner.spec.criticInputSize).toBe(17 + 2);
    const policy = learner.policies[0]!;
    const fedActor: tf.Tensor2D[] = [];
    const fedCritic: tf.Tensor2D[] = [];
    const actorForward = policy.actorForward.bind(policy);
    const criticForward = policy.criticForward.bind(policy);
    policy.actorForward = (x) => (fedActor.push(tf.keep(x.clone())), actorForward(x));
    policy.criticForward = (x) => (fedCritic.push(tf.keep(x.clone())), criticForward(x));
    const batch = soccerBatch(learner);
    learner.update(batch, 0);
    expect(fedActor).toHaveLength(1);
    expect(fedCritic).toHaveLength(1);
    expect(fedActor[0]!.shape).toEqual([batch.steps * batch.columns, 21]);
    expect(fedCritic[0]!.shape).toEqual([batch.steps * batch.columns, 19]);
    // the rows fed are exactly the batch's actor inputs and critic inputs (in shuffled order)
    expect(rows(fedActor[0]!.dataSync() as Float32Array, 21).sort()).toEqual(rows(batch.obs, 21).sort());
    expect(rows(fedCritic[0]!.dataSync() as Float32Array, 19).sort()).toEqual(rows(batch.criticObs!, 19).sort());
    tf.dispose([...fedActor, ...fedCritic]);
    learner.dispose();
  });

  it('IPPO: the critic reads the actor input (local observation + id)', () => {
    const learner = soccerLearner('ippo', { backend: 'tensorflow', settings: { ...SETTINGS, epochs: 1 } });
    expect(learner.spec.criticInputSize).toBe(21);
    expect(learner.spec.critic).toBe('local');
    const policy = learner.policies[0]!;
    const fedCritic: tf.Tensor2D[] = [];
    const criticForward = policy.criticForward.bind(policy);
    policy.criticForward = (x) => (fedCritic.push(tf.keep(x.clone())), criticForward(x));
    const batch = soccerBatch(learner);
    expect(batch.criticObs).toBeNull();
    learner.update(batch, 0);
    expect(rows(fedCritic[0]!.dataSync() as Float32Array, 21).sort()).toEqual(rows(batch.obs, 21).sort());
    tf.dispose(fedCritic);
    learner.dispose();
  });
});

describe('parameter sharing', () => {
  it('the shared policy gets gradient from both teammates (full gradient = mean of the two)', () => {
    const learner = soccerLearner('mappo', { settings: { ...SETTINGS, normAdv: false } });
    const fast = learner.learners[0] as FastLearner;
    expect(fast).toBeInstanceOf(FastLearner);
    const batch = soccerBatch(learner, 4, 8);
    const [buf] = learner.prepare(batch);
    const C = batch.columns;
    const of = (k: number | null) => Int32Array.from({ length: buf!.size }, (_, i) => i).filter((i) => k === null || (i % C) % 2 === k);
    const g0 = fast.computeGradients(buf!, of(0)).grads;
    const g1 = fast.computeGradients(buf!, of(1)).grads;
    const all = fast.computeGradients(buf!, of(null)).grads;
    const norm = (g: Float32Array) => Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    expect(norm(g0)).toBeGreaterThan(1e-4);
    expect(norm(g1)).toBeGreaterThan(1e-4);
    let diff = 0;
    for (let j = 0; j < all.length; j++) {
      expect(all[j]!).toBeCloseTo((g0[j]! + g1[j]!) / 2, 5);
      diff += Math.abs(g0[j]! - g1[j]!);
    }
    expect(diff).toBeGreaterThan(1e-3); // the teammates' contributions differ

    // zeroing teammate 1's advantages changes the actor's gradient, not the critic's
    const saved = Float32Array.from(buf!.advantages);
    for (let i = 0; i < buf!.size; i++) if ((i % C) % 2 === 1) buf!.advantages[i] = 0;
    const zeroed = fast.computeGradients(buf!, of(null)).grads;
    buf!.advantages.set(saved);
    const criticStart = fast.layout.critic.layers[0]!.w;
    let actorChange = 0;
    for (let j = 0; j < criticStart; j++) actorChange += Math.abs(zeroed[j]! - all[j]!);
    expect(actorChange).toBeGreaterThan(1e-4);
    for (let j = criticStart; j < all.length; j++) expect(zeroed[j]!).toBeCloseTo(all[j]!, 6);
    learner.dispose();
  });

  it('separate parameters: one policy per team seat, each trained only on its own seat', () => {
    const learner = soccerLearner('mappo', { shareParams: false });
    expect(learner.policies).toHaveLength(2);
    const before = learner.weights();
    const batch = soccerBatch(learner, 2, 6);
    const bufs = learner.prepare(batch);
    expect(bufs.map((b) => b.spec.envs)).toEqual([2, 2]);
    // buffer k holds exactly the rows of team seat k: its id one-hot
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < bufs[k]!.size; i++) expect(bufs[k]!.obs[i * 21 + 19 + k]).toBe(1);
    }
    learner.update(batch, 0);
    const after = learner.weights();
    for (let p = 0; p < 2; p++) expect(after[p]!.some((w, j) => w.some((x, q) => x !== before[p]![j]![q]))).toBe(true);
    learner.dispose();
  });
});

describe('value normalisation in the update', () => {
  it('GAE runs on denormalised values; the critic is trained on normalised targets', () => {
    const learner = soccerLearner('mappo');
    const norm = learner.valueNorms[0]!;
    // give the normaliser a known state first
    norm.update([3, 5]);
    const mu = norm.mean;
    const sigma = norm.std;
    const batch = soccerBatch(learner, 2, 5);
    const [buf] = learner.prepare(batch);
    // recompute by hand for column 0: denormalised values, GAE, then the returns folded in
    const C = batch.columns;
    const T = batch.steps;
    const den = (v: number) => v * sigma + mu;
    const adv = new Float64Array(T);
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * C;
      const nv = batch.dones[i] ? 0 : den(batch.nextValues[i]!);
      const delta = batch.rewards[i]! + 0.99 * nv - den(batch.values[i]!);
      next = delta + 0.99 * 0.95 * (batch.dones[i] ? 0 : 1) * next;
      adv[t] = next;
    }
    for (let t = 0; t < T; t++) expect(buf!.advantages[t * C]!).toBeCloseTo(adv[t]!, 4);
    // statistics after folding in this batch's real-unit returns, and the stored normalised targets
    const ref = new ValueNorm();
    ref.update([3, 5]);
    ref.update(buf!.advantages.map((a, i) => a + den(batch.values[i]!)));
    expect(norm.mean).toBeCloseTo(ref.mean, 5);
    expect(norm.variance).toBeCloseTo(ref.variance, 5);
    for (let t = 0; t < T; t++) expect(buf!.returns[t * C]!).toBeCloseTo(ref.normalize(adv[t]! + den(batch.values[t * C]!)), 4);
    learner.dispose();
  });
});

/** A hand-built batch: 1 env, 2 agents, 4 steps; agent 1 is done after step 1 (garbage in its later rows). */
function maskedBatch(garbage: number): TeamBatch {
  const T = 4;
  const C = 2;
  const obsIn = 3 + 2;
  const critIn = 4 + 2;
  const A = 3;
  const n = T * C;
  const g = new Rng(7);
  const obs = new Float32Array(n * obsIn);
  const criticObs = new Float32Array(n * critIn);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) obs[i * obsIn + j] = g.next() * 2 - 1;
    writeAgentId(obs, i * obsIn + 3, i % 2, 2);
    for (let j = 0; j < 4; j++) criticObs[i * critIn + j] = g.next() * 2 - 1;
    writeAgentId(criticObs, i * critIn + 4, i % 2, 2);
  }
  const valid = Uint8Array.of(1, 1, 1, 1, 1, 0, 1, 0);
  const dones = Uint8Array.of(0, 0, 0, 1, 0, 0, 1, 0);
  const b: TeamBatch = {
    steps: T,
    columns: C,
    teamSize: 2,
    obs,
    criticObs,
    masks: new Uint8Array(n * A).fill(1),
    actions: Int32Array.of(0, 1, 2, 0, 1, 2, 2, 1),
    logProbs: new Float32Array(n).fill(Math.log(1 / 3)),
    values: Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    rewards: Float32Array.of(1, 0.5, 0, 1, 0, 0, 2, 0),
    nextValues: Float32Array.of(0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0, 0),
    dones,
    valid,
  };
  // rows of the done agent (column 1 at t = 2, 3) get arbitrary contents
  for (const i of [5, 7]) {
    for (let j = 0; j < 3; j++) obs[i * obsIn + j] = garbage * (j + 1);
    for (let j = 0; j < 4; j++) criticObs[i * critIn + j] = -garbage * (j + 2);
    b.actions[i] = Math.abs(garbage) % 3;
    b.logProbs[i] = -garbage;
    b.values[i] = garbage;
    b.rewards[i] = 3 * garbage;
    b.nextValues[i] = garbage;
  }
  return b;
}

function tinyLearner(extra: Partial<TeamLearnerOptions> = {}): MappoLearner {
  return new MappoLearner({ algo: 'mappo', obsSize: 3, stateSize: 4, teamSize: 2, actions: 3, hidden: [8], activation: 'tanh', gamma: 0.9, lambda: 0.8, settings: SETTINGS, seed: 1, rng: new Rng(2), ...extra });
}

describe('agents that are done', () => {
  it('their steps get no advantage and end the GAE chain at their last real step', () => {
    const learner = tinyLearner({ valueNorm: false });
    const [buf] = learner.prepare(maskedBatch(9));
    // agent 1: t = 1 was its last step (done there): Â = r − V; t = 0 chains from it
    const a1 = 1 - 0.4;
    const a0 = 0.5 + 0.9 * 0.4 - 0.2 + 0.9 * 0.8 * a1;
    expect(buf!.advantages[3]!).toBeCloseTo(a1, 6);
    expect(buf!.advantages[1]!).toBeCloseTo(a0, 6);
    expect(buf!.advantages[5]).toBe(0);
    expect(buf!.advantages[7]).toBe(0);
    expect(buf!.returns[5]).toBe(0);
    // agent 0 is unaffected: its episode ends at t = 3 (reward 2, no bootstrap)
    expect(buf!.advantages[6]!).toBeCloseTo(2 - 0.7, 6);
    learner.dispose();
  });

  it('contribute nothing to the loss, the gradients, the value statistics or the update', () => {
    const fastOf = (l: MappoLearner) => l.learners[0] as FastLearner;
    const a = tinyLearner();
    const b = tinyLearner();
    const [ba] = a.prepare(maskedBatch(9));
    const [bb] = b.prepare(maskedBatch(-4));
    const all = Int32Array.from({ length: 8 }, (_, i) => i);
    const validOnly = Int32Array.of(0, 1, 2, 3, 4, 6);
    const ga = fastOf(a).computeGradients(ba!, all);
    const gb = fastOf(b).computeGradients(bb!, all);
    const gv = fastOf(a).computeGradients(ba!, validOnly);
    expect(ga.loss).toBeCloseTo(gb.loss, 6);
    expect(ga.loss).toBeCloseTo(gv.loss, 6);
    for (let j = 0; j < ga.grads.length; j++) {
      expect(ga.grads[j]!).toBeCloseTo(gb.grads[j]!, 6);
      expect(ga.grads[j]!).toBeCloseTo(gv.grads[j]!, 6);
    }
    // value statistics saw only the six valid returns
    expect(a.valueNorms[0]!.mean).toBeCloseTo(b.valueNorms[0]!.mean, 6);
    expect(a.valueNorms[0]!.variance).toBeCloseTo(b.valueNorms[0]!.variance, 6);
    // a whole update (same seeds) ends at the same weights
    const c = tinyLearner();
    const d = tinyLearner();
    c.update(maskedBatch(9), 0);
    d.update(maskedBatch(-4), 0);
    const wc = c.weights()[0]!;
    const wd = d.weights()[0]!;
    wc.forEach((w, j) => w.forEach((x, q) => expect(x).toBeCloseTo(wd[j]![q]!, 6)));
    for (const l of [a, b, c, d]) l.dispose();
  });
});

/**
 * A one-step cooperative matrix game: both agents see the same constant observation (plus their
 * id) and get reward 1 when their actions satisfy `ok(a0, a1)`, else 0. Returns the fraction of
 * sampled joint actions that succeed after `updates` updates.
 */
function trainMatrixGame(algo: TeamAlgo, shareParams: boolean, ok: (a0: number, a1: number) => boolean, updates: number, extra: Partial<TeamLearnerOptions> = {}): number {
  const learner = new MappoLearner({
    algo,
    obsSize: 1,
    stateSize: 1,
    teamSize: 2,
    actions: 3,
    hidden: [16],
    activation: 'tanh',
    shareParams,
    gamma: 0.99,
    lambda: 0.95,
    settings: { ...SETTINGS, lr: 3e-3 },
    seed: 11,
    rng: new Rng(12),
    ...extra,
  });
  const E = 64;
  const C = 2 * E;
  const inA = learner.actorInputSize;
  const inC = learner.criticInputSize;
  const rng = new Rng(13);
  const play = () => {
    const batch = {
      steps: 1,
      columns: C,
      teamSize: 2,
      obs: new Float32Array(C * inA),
      criticObs: algo === 'mappo' ? new Float32Array(C * inC) : null,
      masks: new Uint8Array(C * 3).fill(1),
      actions: new Int32Array(C),
      logProbs: new Float32Array(C),
      values: new Float32Array(C),
      rewards: new Float32Array(C),
      nextValues: new Float32Array(C),
      dones: new Uint8Array(C).fill(1),
      valid: new Uint8Array(C).fill(1),
    };
    const kObs = new Float32Array(E * inA);
    const kCrit = new Float32Array(E * inC);
    const out: ActBuffers = { actions: new Int32Array(E), logProbs: new Float32Array(E), values: new Float32Array(E) };
    for (let k = 0; k < 2; k++) {
      for (let e = 0; e < E; e++) {
        kObs[e * inA] = 1;
        writeAgentId(kObs, e * inA + 1, k, 2);
        kCrit[e * inC] = 1;
        writeAgentId(kCrit, e * inC + 1, k, 2);
      }
      learner.act(k, kObs, E, null, rng, out, algo === 'mappo' ? kCrit : null);
      for (let e = 0; e < E; e++) {
        const c = 2 * e + k;
        batch.obs.set(kObs.subarray(e * inA, (e + 1) * inA), c * inA);
        batch.criticObs?.set(kCrit.subarray(e * inC, (e + 1) * inC), c * inC);
        batch.actions[c] = out.actions[e]!;
        batch.logProbs[c] = out.logProbs[e]!;
        batch.values[c] = out.values[e]!;
      }
    }
    let wins = 0;
    for (let e = 0; e < E; e++) {
      const r = ok(batch.actions[2 * e]!, batch.actions[2 * e + 1]!) ? 1 : 0;
      batch.rewards[2 * e] = r;
      batch.rewards[2 * e + 1] = r;
      wins += r;
    }
    return { batch, rate: wins / E };
  };
  for (let u = 0; u < updates; u++) learner.update(play().batch, u / updates);
  let rate = 0;
  for (let i = 0; i < 4; i++) rate += play().rate / 4;
  learner.dispose();
  return rate;
}

describe('learning to coordinate', () => {
  const same = (a: number, b: number) => a === b;
  const next = (a: number, b: number) => b === (a + 1) % 3;

  it('chance level of the matrix games is 1/3', () => {
    expect(trainMatrixGame('mappo', true, same, 0)).toBeLessThan(0.55);
  });

  it('MAPPO with shared parameters learns to pick the same action', () => {
    expect(trainMatrixGame('mappo', true, same, 60)).toBeGreaterThan(0.9);
  });

  it('MAPPO with shared parameters uses the agent id to take different roles', () => {
    // identical observations: only the id lets one shared policy play "a1 = a0 + 1 (mod 3)"
    expect(trainMatrixGame('mappo', true, next, 60)).toBeGreaterThan(0.9);
  });

  it('MAPPO with separate parameters and IPPO learn the coordination game too', () => {
    expect(trainMatrixGame('mappo', false, same, 60)).toBeGreaterThan(0.9);
    expect(trainMatrixGame('ippo', true, same, 60)).toBeGreaterThan(0.9);
  });
});

describe('V-trace advantages (advantage: vtrace)', () => {
  it('on-policy: the value targets equal GAE\'s, and with λ = 1 the advantages too', () => {
    for (const lambda of [0.95, 1]) {
      const gae = soccerLearner('mappo', { lambda });
      const vtrace = soccerLearner('mappo', { lambda, advantage: 'vtrace' });
      const batch = soccerBatch(gae, 3, 8);
      const [bg] = gae.prepare(batch);
      const [bv] = vtrace.prepare(batch);
      // the batch was collected with these very weights: every ratio π/μ is 1 (to float precision)
      const stats = vtrace.vtraceStats[0]!;
      expect(stats['vtrace/mean_abs_ratio_dev']).toBeLessThan(1e-5);
      expect(stats['vtrace/mean_rho']).toBeCloseTo(1, 5);
      for (let i = 0; i < bg!.size; i++) {
        expect(bv!.returns[i]!, `target ${i}, λ = ${lambda}`).toBeCloseTo(bg!.returns[i]!, 4);
        if (lambda === 1) expect(bv!.advantages[i]!, `advantage ${i}`).toBeCloseTo(bg!.advantages[i]!, 4);
      }
      expect(vtrace.valueNorms[0]!.mean).toBeCloseTo(gae.valueNorms[0]!.mean, 5);
      gae.dispose();
      vtrace.dispose();
    }
  });

  it('off-policy: a batch from older weights is corrected (ratios truncated), and the update reports it', () => {
    const learner = soccerLearner('mappo', { advantage: 'vtrace', settings: { ...SETTINGS, lr: 5e-3 } });
    const old = soccerBatch(learner, 3, 8, 1);
    learner.update(soccerBatch(learner, 3, 8, 2), 0); // the policy moves on
    const stats = learner.update(old, 0);
    expect(stats['vtrace/mean_abs_ratio_dev']).toBeGreaterThan(1e-3);
    expect(stats['vtrace/clipped_rho_frac']).toBeGreaterThan(0);
    expect(stats['vtrace/mean_rho']).toBeLessThan(1);
    // GAE runs report no V-trace statistics
    const gae = soccerLearner('mappo', { settings: { ...SETTINGS, epochs: 1 } });
    expect(gae.update(soccerBatch(gae, 2, 4), 0)['vtrace/mean_rho']).toBeUndefined();
    learner.dispose();
    gae.dispose();
  });

  it('agents that are done: their steps get no advantage and their contents change nothing', () => {
    const a = tinyLearner({ advantage: 'vtrace', valueNorm: false });
    const b = tinyLearner({ advantage: 'vtrace', valueNorm: false });
    const [ba] = a.prepare(maskedBatch(9));
    const [bb] = b.prepare(maskedBatch(-4));
    for (const i of [5, 7]) {
      expect(ba!.advantages[i]).toBe(0);
      expect(ba!.returns[i]).toBe(0);
    }
    for (let i = 0; i < 8; i++) {
      expect(ba!.advantages[i]!).toBeCloseTo(bb!.advantages[i]!, 6);
      expect(ba!.returns[i]!).toBeCloseTo(bb!.returns[i]!, 6);
    }
    // agent 1 (column 1) by hand, with this policy's log-probs and values (behaviour: uniform, log 1/3),
    // γ = 0.9, λ = 0.8, ρ̄ = c̄ = 1. t = 1 (row 3) is its last step: done, no bootstrap, no trace.
    const logp = new Float32Array(8);
    const v = new Float32Array(8);
    a.learners[0]!.evaluate(ba!, logp, v);
    const ratio = (i: number) => Math.exp(logp[i]! - Math.log(1 / 3));
    const rho3 = Math.min(1, ratio(3));
    const v3 = v[3]! + rho3 * (1 - v[3]!);
    expect(ba!.returns[3]!).toBeCloseTo(v3, 5);
    expect(ba!.advantages[3]!).toBeCloseTo(rho3 * (1 - v[3]!), 5);
    // t = 0 (row 1): bootstraps from the current V(x_1) = v[3] and carries t = 1's correction back
    const rho1 = Math.min(1, ratio(1));
    const c1 = 0.8 * Math.min(1, ratio(1));
    expect(ba!.returns[1]!).toBeCloseTo(v[1]! + rho1 * (0.5 + 0.9 * v[3]! - v[1]!) + 0.9 * c1 * (v3 - v[3]!), 5);
    expect(ba!.advantages[1]!).toBeCloseTo(rho1 * (0.5 + 0.9 * v3 - v[1]!), 5);
    a.dispose();
    b.dispose();
  });
});

describe('learning to coordinate with V-trace', () => {
  it('MAPPO with V-trace advantages learns to pick the same action', () => {
    expect(trainMatrixGame('mappo', true, (a, b) => a === b, 60, { advantage: 'vtrace' })).toBeGreaterThan(0.9);
  });
});
