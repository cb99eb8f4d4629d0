/**
 * `criticInput: 'agent-state'`: in two-seat league self-play the critic reads the seat's agent state
 * (hidden cards included), the actor its observation. The rollout writes those inputs and the values
 * the critic gives them; the learner trains on them; a checkpoint records the critic's input size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { agentStateSize } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { readMetrics } from '../../src/metrics.ts';
import { MlpForward } from '../../src/selfplay/mlp-forward.ts';
import { ActorPool } from '../../src/selfplay/pool.ts';
import { runRollout } from '../../src/selfplay/rollout.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint, readTrainingState } from '../../src/train/policy-checkpoint.ts';
import type { LoadedCheckpoint } from '../../src/checkpoint/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const leduc = getGame('leduc-poker');
const kuhn = getGame('kuhn-poker');
const tmp = tempDirs('arena-central-');
beforeAll(async () => {
  await selectBackend('wasm');
});

function centralPolicy(seed: number): ActorCritic {
  const { info } = leduc;
  return new ActorCritic({ obsSize: info.observationSize, criticInputSize: agentStateSize(info), head: 'categorical', actions: info.actions, hidden: [16, 16], activation: 'tanh' }, seed);
}

describe("criticInput 'agent-state'", () => {
  it('the rollout gives the critic the learner seat’s agent state and records its values', () => {
    const { info } = leduc;
    const O = info.observationSize;
    const C = agentStateSize(info);
    expect(C).toBe(38); // 36 floats of global state + the seat's team
    const policy = centralPolicy(3);
    const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    const N = 8;
    const T = 6;
    const r = runRollout({ game: info.id, envs: N, steps: T, seed: 4, learner: 31, snapshots: { 31: bytes }, opponents: [{ id: 'main@31', version: 31 }, { id: 'random', bot: 'random' }], opponentProbs: [0.5, 0.5] });
    expect(r.criticObs).not.toBeNull();
    expect(r.criticObs!.length).toBe(N * T * C);
    const mlp = new MlpForward(policy.spec, policy.getWeights());
    const v = new Float32Array(N * T);
    mlp.criticForward(r.criticObs!, N * T, v);
    let hidden = 0;
    for (let i = 0; i < N * T; i++) {
      expect(r.values[i]).toBeCloseTo(v[i]!, 5); // the behaviour values are the critic's on these inputs
      const obs = r.obs.subarray(i * O, (i + 1) * O);
      const st = r.criticObs!.subarray(i * C, (i + 1) * C);
      const seat = obs[0] === 1 ? 0 : 1;
      expect(obs[seat]).toBe(1);
      expect(st[36 + seat]).toBe(1); // the seat's label
      expect(st[36 + (1 - seat)]).toBe(0);
      const own = Array.from(obs.subarray(2, 8)).indexOf(1);
      expect(st[6 * seat + own]).toBe(1); // its own card, where the global state keeps that seat's card
      const other = Array.from(st.subarray(6 * (1 - seat), 6 * (1 - seat) + 6)).indexOf(1);
      expect(other).toBeGreaterThanOrEqual(0); // and the opponent's, which the observation hides
      if (other !== own) hidden++;
      expect(Array.from(st.subarray(12, 18))).toEqual(Array.from(obs.subarray(8, 14))); // the public card
    }
    expect(hidden).toBeGreaterThan(0);
    policy.dispose();
  });

  it('crosses worker threads with the trajectory, as the local rollout makes it', async () => {
    const policy = centralPolicy(5);
    const { info } = leduc;
    const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    const pool = new ActorPool({ workers: 1, taskTimeoutMs: 10_000, maxRetries: 0 });
    try {
      pool.publish(51, bytes);
      const task = { kind: 'two-seat' as const, game: info.id, envs: 4, steps: 5, seed: 9, learner: 51, opponents: [{ id: 'main@51', version: 51 }], opponentProbs: [1] };
      const remote = await pool.run(task, [51]);
      const local = runRollout({ ...task, snapshots: { 51: bytes } });
      expect(Array.from(remote.criticObs!)).toEqual(Array.from(local.criticObs!));
      expect(Array.from(remote.values)).toEqual(Array.from(local.values));
      expect(Array.from(remote.nextValues)).toEqual(Array.from(local.nextValues));
    } finally {
      await pool.destroy();
      policy.dispose();
    }
  });

  it('a Leduc run saved before criticInput existed resumes with the critic it trained (the observation)', () => {
    const { criticInput: _, ...old } = resolveConfig('ppo', leduc.info.id, { league: true });
    const state = (config: object) => ({ dir: '/ck', meta: null, manifest: {} as LoadedCheckpoint['manifest'], files: new Map([['state.json', new TextEncoder().encode(JSON.stringify({ update: 3, config }))]]) });
    expect(readTrainingState(state(old)).config.criticInput).toBe('observation');
    expect(readTrainingState(state({ ...old, criticInput: 'agent-state' })).config.criticInput).toBe('agent-state');
  });

  it('is refused in one line where it does not apply', () => {
    expect(resolveConfig('ppo', leduc.info.id, { league: true }).criticInput).toBe('agent-state'); // Leduc's default
    expect(resolveConfig('ppo', leduc.info.id, {}).criticInput).toBe('observation'); // outside a league, by default
    expect(resolveConfig('ppo', kuhn.info.id, { league: true }).criticInput).toBe('observation');
    expect(() => resolveConfig('ppo', leduc.info.id, { criticInput: 'agent-state' })).toThrow(/league self-play \(--league\).*without --league/);
    expect(() => resolveConfig('ppo', 'duel-v3', { league: true, criticInput: 'agent-state' })).toThrow(/two-seat sequential game/);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { league: true, criticInput: 'agent-state' })).toThrow(/network 'conv'/);
    expect(() => resolveConfig('mappo', 'grid-soccer-v1', { criticInput: 'agent-state' })).toThrow(/criticInput 'agent-state'/);
    expect(() => resolveConfig('ppo', leduc.info.id, { league: true, criticInput: 'everything' as 'agent-state' })).toThrow(/criticInput/);
  });

  it('trains Kuhn with a critic that sees both cards: it explains more of the return than the observation critic', async () => {
    const ev: Record<string, number> = {};
    for (const criticInput of ['observation', 'agent-state'] as const) {
      const dir = tmp();
      const config = resolveConfig('ppo', kuhn.info.id, { league: true, criticInput, envs: 64, steps: 8, totalSteps: 64 * 8 * 60, evalEvery: 0, snapshotEvery: 20, checkpointEvery: 30, seed: 1 });
      const summary = await runTraining({ config, outDir: dir, resume: false, inThread: true });
      expect(summary.updates).toBe(60);
      const rows = readMetrics(dir).slice(-20);
      ev[criticInput] = rows.reduce((a, r) => a + (r['losses/explained_variance'] as number), 0) / rows.length;
      const ck = await loadPolicyCheckpoint(dir);
      expect(ck.policy.spec.criticInputSize).toBe(criticInput === 'agent-state' ? agentStateSize(kuhn.info) : kuhn.info.observationSize);
      ck.policy.dispose();
    }
    // the return of a Kuhn hand is mostly decided by the two cards: seeing both, the critic explains far more of it
    expect(ev['agent-state']!).toBeGreaterThan(ev.observation! + 0.1);
  });
});
