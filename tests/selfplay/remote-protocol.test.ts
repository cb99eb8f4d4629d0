/**
 * The actor protocol's codecs and checks (src/selfplay/remote-protocol.ts), without Redis: a real
 * rollout survives the trip byte for byte, every kind of damage to a result is caught before it could
 * become a segment, and an actor refuses a run it cannot serve with one line naming why.
 */
import * as tf from '@tensorflow/tfjs';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { agentStateSize } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { trajectoryArrays } from '../../src/algorithms/trajectory.ts';
import {
  checkResult,
  checkRunName,
  decodeTask,
  encodeResult,
  encodeTask,
  gameSignature,
  refusal,
  RemoteDataError,
  REMOTE_PROTOCOL,
  unpackResult,
  type RemoteTask,
  type RunMeta,
} from '../../src/selfplay/remote-protocol.ts';
import { runRollout, type RolloutResult } from '../../src/selfplay/rollout.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';

const ttt = getGame('tic-tac-toe');
const packr = new Packr({ moreTypes: true, useRecords: false });
let policy: ActorCritic;
let result: RolloutResult;
const task: RemoteTask = {
  kind: 'two-seat',
  game: 'tic-tac-toe-v1',
  envs: 4,
  steps: 6,
  seed: 7,
  learner: 3,
  opponents: [
    { id: 'main', version: 3 },
    { id: 'random', bot: 'random' },
  ],
  opponentProbs: [0.5, 0.5],
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { info } = ttt;
  policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [16], activation: 'tanh' }, 3);
  const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
  result = runRollout({ ...task, snapshots: { 3: bytes } });
});
afterAll(() => policy.dispose());

/** The result re-packed with `change` applied to a plain copy. */
function damaged(change: (r: Record<string, unknown>) => void): Uint8Array {
  const copy = { ...result } as unknown as Record<string, unknown>;
  change(copy);
  return packr.pack(copy);
}

describe('actor protocol', () => {
  it('a task and a rollout result survive the trip exactly', () => {
    const m = decodeTask(encodeTask({ uid: 12, session: 'ab12', task, versions: [3] }));
    expect(m).toEqual({ uid: 12, session: 'ab12', task, versions: [3] });
    const back = checkResult(unpackResult(encodeResult(result)), task, ttt.info);
    expect(back.episodes).toEqual(result.episodes);
    const a = trajectoryArrays(result);
    const b = trajectoryArrays(back);
    for (let i = 0; i < a.length; i++) {
      expect(b[i]!.constructor).toBe(a[i]!.constructor);
      expect(Array.from(b[i] as Float32Array)).toEqual(Array.from(a[i] as Float32Array));
    }
  });

  it('observations that are not bytes travel as floats, exactly', () => {
    const obs = Float32Array.from(result.obs, (v, i) => v + (i % 3) / 7);
    const back = checkResult(unpackResult(encodeResult({ ...result, obs })), task, ttt.info);
    expect(Array.from(back.obs)).toEqual(Array.from(obs));
    // board planes travel as one byte per value instead of four
    expect(encodeResult({ ...result, obs }).length - encodeResult(result).length).toBeGreaterThan(2.9 * obs.length);
  });

  it('catches every kind of damage to a result before it can become a segment', () => {
    const bad = (bytes: Uint8Array) => () => checkResult(unpackResult(bytes), task, ttt.info);
    expect(() => unpackResult(new Uint8Array([0xc1, 0xff, 0x00]))).toThrow(RemoteDataError); // not msgpack
    expect(() => unpackResult(encodeResult(result).subarray(0, 100))).toThrow(RemoteDataError); // truncated
    expect(bad(packr.pack('a segment'))).toThrow(/not an object/);
    expect(bad(damaged((r) => (r['steps'] = 5)))).toThrow(/shape/);
    expect(bad(damaged((r) => (r['obs'] = new Float32Array(3))))).toThrow(/obs is not a Float32Array/);
    expect(bad(damaged((r) => (r['actions'] = Float32Array.from(result.actions))))).toThrow(/actions is not a Int32Array/);
    expect(bad(damaged((r) => (r['values'] = Float32Array.from(result.values, (v, i) => (i === 2 ? NaN : v)))))).toThrow(/values holds NaN/);
    expect(bad(damaged((r) => (r['actions'] = Int32Array.from(result.actions, (v, i) => (i === 0 ? 9 : v)))))).toThrow(/action 9 out of range/);
    expect(bad(damaged((r) => (r['episodes'] = [{ opponent: 2, score: 1, seat: 0, length: 5, learnerReturn: 1 }])))).toThrow(/game outcome/);
    expect(bad(damaged((r) => (r['criticObs'] = new Float32Array(4))))).toThrow(/critic/);
    expect(() => decodeTask(packr.pack({ uid: 1, session: 's', task: { ...task, kind: 'team' }, versions: [3] }))).toThrow(RemoteDataError);
  });

  it('a critic that reads the agent state (Leduc): its inputs travel exactly, and a result without them, or with damaged ones, is refused', () => {
    const leduc = getGame('leduc-poker');
    const C = agentStateSize(leduc.info);
    const central = new ActorCritic({ obsSize: leduc.info.observationSize, criticInputSize: C, head: 'categorical', actions: leduc.info.actions, hidden: [16], activation: 'tanh' }, 5);
    try {
      const lTask: RemoteTask = { ...task, game: leduc.info.id, learner: 5, opponents: [{ id: 'main', version: 5 }, { id: 'random', bot: 'random' }] };
      const bytes = encodeSnapshot({ game: leduc.info.id, spec: central.spec, weights: central.getWeights(), obsRms: null });
      const played = runRollout({ ...lTask, snapshots: { 5: bytes } });
      expect(played.criticObs).toHaveLength(lTask.envs * lTask.steps * C);
      const back = checkResult(unpackResult(encodeResult(played)), lTask, leduc.info, C);
      expect(Array.from(back.criticObs!)).toEqual(Array.from(played.criticObs!));
      expect(Array.from(back.obs)).toEqual(Array.from(played.obs));
      // a run whose critic reads the observation takes none; one whose critic reads the agent state needs them whole and finite
      expect(() => checkResult(unpackResult(encodeResult(played)), lTask, leduc.info, 0)).toThrow(/unexpected critic inputs/);
      const without = packr.pack({ ...played, criticObs: null });
      expect(() => checkResult(unpackResult(without), lTask, leduc.info, C)).toThrow(/criticObs is not a Float32Array of \d+/);
      const short = packr.pack({ ...played, criticObs: played.criticObs!.subarray(C) });
      expect(() => checkResult(unpackResult(short), lTask, leduc.info, C)).toThrow(/criticObs is not a Float32Array/);
      const nan = packr.pack({ ...played, criticObs: Float32Array.from(played.criticObs!, (v, i) => (i === 3 ? NaN : v)) });
      expect(() => checkResult(unpackResult(nan), lTask, leduc.info, C)).toThrow(/criticObs holds NaN/);
    } finally {
      central.dispose();
    }
  });

  it('an actor refuses, in one line, a run it cannot serve', () => {
    const meta: RunMeta = {
      protocol: REMOTE_PROTOCOL,
      run: 'r',
      session: 's',
      state: 'running',
      game: gameSignature(ttt.info),
      algo: 'ppo',
      network: 'mlp',
      tasks: ['two-seat'],
      learner: { host: 'h', pid: 1, startedAt: 0 },
    };
    expect(refusal(meta, null)).toBeNull();
    expect(refusal(meta, 'tic-tac-toe')).toBeNull();
    expect(refusal(meta, 'connect-four')).toBe("run 'r' trains tic-tac-toe-v1, but this actor was started for connect-four-v3 (--game)");
    expect(refusal({ ...meta, protocol: REMOTE_PROTOCOL + 1 }, null)).toMatch(/speaks actor protocol \d+, this Arena speaks \d+/);
    expect(refusal({ ...meta, game: { ...meta.game, id: 'chess-v9' } }, null)).toMatch(/trains chess-v9, a game this Arena does not know/);
    expect(refusal({ ...meta, game: { ...meta.game, observationSize: 99 } }, null)).toMatch(new RegExp(`with observationSize 99, this Arena's has observationSize ${ttt.info.observationSize}`));
    expect(refusal({ ...meta, tasks: ['team'] }, null)).toMatch(/sends team tasks/);
    for (const m of [refusal({ ...meta, protocol: 0 }, null)!, refusal(meta, 'connect-four')!]) expect(m).not.toContain('\n');
    expect(() => checkRunName('my run')).toThrow(/run name 'my run' is not valid/);
    expect(checkRunName('c4-ppo.2')).toBe('c4-ppo.2');
  });
});
