/**
 * The conv network option end to end: the config contract (which games accept `network: 'conv'`),
 * the policy it builds, its checkpoint (a standard tfjs model that loads back to the same network),
 * its snapshot bytes run by the workers' pure forward pass, and a short league run in real worker
 * threads.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { selectBackend } from '../../src/backend.ts';
import { dirLoadHandler } from '../../src/checkpoint/tfjs-io.ts';
import { MlpForward } from '../../src/selfplay/mlp-forward.ts';
import { decodeSnapshot, encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { newPolicy } from '../../src/train/algorithm.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { loadPolicyCheckpoint, savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-conv-');
beforeAll(async () => {
  await selectBackend('wasm');
});

const c4 = getGame('connect-four-v1');

/** Boards of 0/1 planes, as the game writes them. */
function boards(rows: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * size }, () => (rng.next() < 0.3 ? 1 : 0));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= 1e-5 + 1e-4 * Math.abs(expected[i]!))) throw new Error(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('network: conv in the training config', () => {
  it("builds a conv policy on the game's board planes", () => {
    const config = resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 8, resBlocks: 1 });
    const policy = newPolicy(config, c4.info, 0);
    expect(policy.spec.conv).toEqual({ shape: [2, 6, 7], channels: 8, resBlocks: 1 });
    expect(policy.actor.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(3);
    policy.dispose();
    // a 1×1 reduction: one more Conv2D, and a first dense layer reading 42 positions × 2 channels
    const reduced = newPolicy(resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 8, resBlocks: 1, convReduce: 2 }), c4.info, 0);
    expect(reduced.spec.conv).toEqual({ shape: [2, 6, 7], channels: 8, resBlocks: 1, reduce: 2 });
    expect(reduced.actor.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(4);
    expect(reduced.actor.getLayer('actor_dense0').getWeights()[0]!.shape).toEqual([84, 128]);
    reduced.dispose();
    // criticNetwork 'mlp': the trunk is the actor's alone, the critic's first dense layer reads the 84 flat inputs
    const actorOnly = newPolicy(resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 8, resBlocks: 1, criticNetwork: 'mlp' }), c4.info, 0);
    expect(actorOnly.spec.conv).toEqual({ shape: [2, 6, 7], channels: 8, resBlocks: 1, actorOnly: true });
    expect(actorOnly.actor.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(3);
    expect(actorOnly.critic.layers.every((l) => l.getClassName() === 'Dense')).toBe(true);
    expect(actorOnly.critic.getLayer('critic_dense0').getWeights()[0]!.shape).toEqual([84, 128]);
    expect(actorOnly.criticVariables()).toHaveLength(6);
    actorOnly.dispose();
    // policyHead 'columns': the actor's head reads each column's window (6 rows × 7 columns × 2 channels), one logit each
    const columns = newPolicy(resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 8, resBlocks: 1, convReduce: 2, policyHead: 'columns' }), c4.info, 0);
    expect(columns.spec.conv).toEqual({ shape: [2, 6, 7], channels: 8, resBlocks: 1, reduce: 2, columnHead: { reach: 3 } });
    expect(columns.actor.getLayer('actor_dense0').getClassName()).toBe('Conv2D');
    expect(columns.actor.getLayer('actor_dense0').getWeights()[0]!.shape).toEqual([6, 7, 2, 128]);
    expect(columns.actor.getLayer('actor_out').getWeights()[0]!.shape).toEqual([128, 1]);
    expect(columns.actor.outputs[0]!.shape).toEqual([null, 7]);
    // the critic keeps the dense head on the whole board
    expect(columns.critic.getLayer('critic_dense0').getWeights()[0]!.shape).toEqual([84, 128]);
    columns.dispose();
    // Connect Four trains the conv net by default; "mlp" gives the MLP back, with no conv entry in its spec
    expect(resolveConfig('ppo', c4.info.id, {}).network).toBe('conv');
    const mlp = newPolicy(resolveConfig('ppo', c4.info.id, { network: 'mlp' }), c4.info, 0);
    expect(mlp.spec.conv).toBeUndefined();
    mlp.dispose();
  });

  it('rejects a conv network on a game without board planes, naming the games that have them', () => {
    let err: unknown;
    try {
      resolveConfig('ppo', 'kuhn-poker-v1', { network: 'conv' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain('kuhn-poker-v1');
    expect(msg).toContain('tic-tac-toe-v1');
    expect(msg).toContain('connect-four-v1');
    expect(() => resolveConfig('mappo', 'grid-soccer-v1', { network: 'conv' })).toThrow(/mappo uses MLPs/);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'cnn' as 'conv' })).toThrow(ConfigError);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 0 })).toThrow(/convChannels/);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'conv', resBlocks: -1 })).toThrow(/resBlocks/);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'conv', convReduce: 1.5 })).toThrow(/convReduce/);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'conv', criticNetwork: 'conv' as 'mlp' })).toThrow(/criticNetwork/);
  });

  it('refuses the column move head where moves are not columns, or without a conv trunk', () => {
    expect(() => resolveConfig('alphazero', 'tic-tac-toe-v1', { network: 'conv', policyHead: 'columns' })).toThrow(/policyHead 'columns' gives one move per board column: tic-tac-toe-v1 has 9 actions on 3 columns; it fits connect-four-v3, connect-four-v1, connect-four-v2 \(use policyHead 'dense'\)/);
    expect(() => resolveConfig('ppo', c4.info.id, { network: 'mlp', policyHead: 'columns' })).toThrow(/policyHead 'columns' reads a conv trunk's board columns: set network 'conv'/);
    expect(() => resolveConfig('ppo', c4.info.id, { policyHead: 'rows' as 'columns' })).toThrow(/policyHead/);
    expect(() => resolveConfig('ppo', c4.info.id, { policyHead: 'columns', columnReach: 7 })).toThrow(/columnReach 7 reads past connect-four-v1's 7 columns: at most 6/);
    const spec: PolicySpec = { obsSize: 84, criticInputSize: 84, head: 'categorical', actions: 7, hidden: [16], activation: 'relu', conv: { shape: [2, 6, 7], channels: 4, resBlocks: 0, columnHead: { reach: 2 } } };
    expect(() => new ActorCritic({ ...spec, actions: 6 })).toThrow(/one action per column \(7\), got a categorical head with 6 actions/);
    expect(() => new ActorCritic({ ...spec, conv: { ...spec.conv!, columnHead: true as unknown as { reach: number } } })).toThrow(/columnHead must be \{ reach \} with reach an integer from 0 to 6/);
    expect(() => new ActorCritic({ ...spec, conv: { ...spec.conv!, columnHead: { reach: 7 } } })).toThrow(/from 0 to 6/);
    // a dense-head model where the spec says columns, the reverse, and another reach
    const dense = new ActorCritic({ ...spec, conv: { ...spec.conv!, columnHead: undefined } });
    const columns = new ActorCritic(spec);
    const narrower = new ActorCritic({ ...spec, conv: { ...spec.conv!, columnHead: { reach: 1 } } });
    expect(() => new ActorCritic(spec, 0, { actor: dense.actor, critic: dense.critic })).toThrow(/actor network has layers/);
    expect(() => new ActorCritic(dense.spec, 0, { actor: columns.actor, critic: columns.critic })).toThrow(/actor network has layers/);
    expect(() => new ActorCritic(spec, 0, { actor: narrower.actor, critic: narrower.critic })).toThrow(/does not read its trunk by columns within 2 of each/);
    dense.dispose();
    columns.dispose();
    narrower.dispose();
  });

  it('rejects a conv spec that does not fit the observation, and models that are not its network', () => {
    const spec: PolicySpec = { obsSize: 84, criticInputSize: 84, head: 'categorical', actions: 7, hidden: [16], activation: 'relu', conv: { shape: [2, 6, 7], channels: 4, resBlocks: 1 } };
    expect(() => new ActorCritic({ ...spec, conv: { ...spec.conv!, shape: [2, 7, 7] } })).toThrow(/holds 98 values, but the observation has 84/);
    expect(() => new ActorCritic({ ...spec, criticInputSize: 85 })).toThrow(ConfigError);
    const mlp = new ActorCritic({ ...spec, conv: undefined });
    expect(() => new ActorCritic(spec, 0, { actor: mlp.actor, critic: mlp.critic })).toThrow(/a conv policy of this spec has/);
    const other = new ActorCritic({ ...spec, conv: { ...spec.conv!, resBlocks: 0 } });
    expect(() => new ActorCritic(spec, 0, { actor: other.actor, critic: other.critic })).toThrow(ConfigError);
    // a critic with a trunk where the spec says the actor alone has one, and the reverse
    const actorOnly: PolicySpec = { ...spec, conv: { ...spec.conv!, actorOnly: true } };
    const full = new ActorCritic(spec);
    expect(() => new ActorCritic(actorOnly, 0, { actor: full.actor, critic: full.critic })).toThrow(/critic network has a InputLayer layer where this spec has an MLP/);
    full.dispose();
    const mixed = new ActorCritic(actorOnly);
    expect(() => new ActorCritic(spec, 0, { actor: mixed.actor, critic: mixed.critic })).toThrow(/critic network has layers/);
    expect(() => new ActorCritic({ ...spec, conv: { ...spec.conv!, actorOnly: 'yes' as unknown as boolean } })).toThrow(/actorOnly must be a boolean/);
    mixed.dispose();
    mlp.dispose();
    other.dispose();
  });
});

describe.each([
  ['', {}],
  [', with a 1×1 reduction', { convReduce: 3 }],
  [', the critic an MLP', { criticNetwork: 'mlp' as const }],
  [', the column move head', { convReduce: 2, policyHead: 'columns' as const }],
])('a conv policy outside the learner%s', (_name, extra) => {
  const config = resolveConfig('ppo', c4.info.id, { network: 'conv', convChannels: 6, resBlocks: 1, hidden: [32], ...extra });

  it('checkpoints as standard tfjs models that load back to the same network', async () => {
    const dir = tmp();
    const policy = newPolicy(config, c4.info, 3);
    const state = { config, update: 1, globalStep: 10, obsRms: null, rng: new Rng(0).getState(), elapsedSeconds: 1 };
    await savePolicyCheckpoint(dir, { policy, optimizer: null, state });
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.meta.spec.conv).toEqual(policy.spec.conv);
    expect(loaded.state.config.network).toBe('conv');
    const x = tf.tensor2d(boards(9, 84, 1), [9, 84]);
    expect(Array.from(loaded.policy.actorForward(x).dataSync())).toEqual(Array.from(policy.actorForward(x).dataSync()));
    expect(Array.from(loaded.policy.criticForward(x).dataSync())).toEqual(Array.from(policy.criticForward(x).dataSync()));
    // what a browser does: tf.loadLayersModel on actor/model.json, then predict on the flat observation
    const model = await tf.loadLayersModel(dirLoadHandler(join(loaded.checkpoint.dir, 'actor', 'model.json')));
    expectClose((model.predict(x) as tf.Tensor).dataSync(), policy.actorForward(x).dataSync(), 'loadLayersModel predict');
    model.dispose();
    x.dispose();
    loaded.policy.dispose();
    policy.dispose();
  });

  it("runs in the workers' pure forward pass from snapshot bytes, as tfjs runs it", () => {
    const policy = newPolicy(config, c4.info, 4);
    const snap = decodeSnapshot(encodeSnapshot({ game: c4.info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null }));
    expect(snap.spec.conv).toEqual(policy.spec.conv);
    const rows = 11;
    const obs = boards(rows, 84, 2);
    const logits = new Float32Array(rows * 7);
    const values = new Float32Array(rows);
    const mlp = new MlpForward(snap.spec, snap.weights);
    mlp.actorForward(obs, rows, logits);
    mlp.criticForward(obs, rows, values);
    const [refLogits, refValues] = tf.tidy(() => {
      const x = tf.tensor2d(obs, [rows, 84]);
      return [policy.actorForward(x).dataSync(), policy.criticForward(x).dataSync()];
    });
    expectClose(logits, refLogits!, 'logits');
    expectClose(values, refValues!, 'values');
    // a worker reusing an MLP's forward pass for this snapshot rebuilds it for the conv architecture
    const mlpPolicy = newPolicy(resolveConfig('ppo', c4.info.id, { hidden: [32] }), c4.info, 4);
    const reused = new MlpForward(mlpPolicy.spec, mlpPolicy.getWeights()).reuse(snap.spec, snap.weights);
    const again = new Float32Array(rows * 7);
    reused.actorForward(obs, rows, again);
    expect(Array.from(again)).toEqual(Array.from(logits));
    // weights of another architecture are refused with a one-line error
    expect(() => new MlpForward(snap.spec, mlpPolicy.getWeights())).toThrow(ConfigError);
    mlpPolicy.dispose();
    policy.dispose();
  });
});

describe('league training with a conv network', () => {
  it('trains tic-tac-toe in worker threads and exports a conv agent', async () => {
    const dir = tmp();
    const config = resolveConfig('ppo', 'tic-tac-toe-v1', { network: 'conv', convChannels: 8, hidden: [32], league: true, workers: 1, envs: 8, steps: 8, minibatchSize: 32, totalSteps: 8 * 8 * 3, snapshotEvery: 1, evalEvery: 0, checkpointEvery: 1 });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBe(3);
    const loaded = await loadPolicyCheckpoint(dir);
    expect(loaded.meta.spec.conv).toEqual({ shape: [2, 3, 3], channels: 8, resBlocks: 0 });
    loaded.policy.dispose();
    const m = arena(['match', '--game', 'tic-tac-toe', '--agents', `${dir},random`, '--games', '10', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout).games).toBe(10);
  });
});
