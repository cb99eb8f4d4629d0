/**
 * Checkpoints of the off-policy learners (DDPG, TD3, SAC), through the same crash-safe store as
 * policy checkpoints (src/checkpoint/store.ts: hashes, atomic `latest` pointer):
 *
 *   <network>/model.json, <network>/weights.bin   every network as a standard tfjs model: actor,
 *                                                 critic-i and their targets (actor-target: TD3/DDPG)
 *   optimizers.bin                                Adam moments and step counts, per optimizer
 *   variables.bin                                 SAC's log α
 *   state.json                                    config, counters, RNG state (as policy checkpoints)
 *   replay.bin                                    the replay buffer (with `saveReplay`), its own header
 *                                                 naming the game, sizes and capacity it was made for
 *
 * The replay buffer lives in the checkpoint, so it is committed atomically with the weights it was
 * collected by; a buffer whose header does not match the run's config is refused.
 */
import type * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { Mlp, type OffPolicyLearner } from '../algorithms/offpolicy-nets.ts';
import { decodeReplay, encodeReplay, type ReplayBuffer } from '../algorithms/replay-buffer.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from '../checkpoint/store.ts';
import { modelFromFiles, modelToFiles, packTensors, unpackTensors } from '../checkpoint/tfjs-io.ts';
import { isOffPolicyMeta, OFF_POLICY_CHECKPOINT_KIND, type OffPolicyMeta } from './offpolicy-actor.ts';
import { disposeCopies, need, readTrainingState, type TrainingState } from './policy-checkpoint.ts';

/** A named tensor as `Optimizer.getWeights` returns it and `setWeights` takes it. */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export const REPLAY_FILE = 'replay.bin';
// the kind and meta live with the tfjs-free reader of the actor (what playing a run needs)
export { OFF_POLICY_CHECKPOINT_KIND, type OffPolicyMeta } from './offpolicy-actor.ts';

/** Counters an off-policy learner keeps besides the loop's. */
export interface OffPolicyExtra {
  /** Gradient steps taken. */
  readonly gradientSteps: number;
  /** Transitions added to the replay buffer since the run began. */
  readonly transitions: number;
}

export type OffPolicyState = TrainingState & { readonly offPolicy: OffPolicyExtra };

export interface LoadedOffPolicy {
  readonly meta: OffPolicyMeta;
  readonly state: OffPolicyState;
  readonly networks: Record<string, Mlp>;
  /** Per optimizer (actor, critic, alpha): its weights as `Optimizer.setWeights` takes them. */
  readonly optimizers: Record<string, NamedTensor[]>;
  readonly variables: Record<string, number>;
  readonly replay: ReplayBuffer | null;
  readonly checkpoint: LoadedCheckpoint<OffPolicyMeta>;
}

/** Whether the run in `dir` holds off-policy checkpoints (reads the latest manifest only). */
export async function isOffPolicyRun(dir: string): Promise<boolean> {
  const latest = (await listCheckpoints(dir)).find((c) => c.isLatest);
  return isOffPolicyMeta(latest?.meta);
}

export async function saveOffPolicyCheckpoint(runDir: string, opts: { learner: OffPolicyLearner; replay: ReplayBuffer | null; state: OffPolicyState; obsSize: number; actionDims: number }): Promise<void> {
  const { learner, replay, state, obsSize, actionDims } = opts;
  const { config } = state;
  const files: Record<string, Uint8Array | string> = { 'state.json': JSON.stringify(state, null, 1) };
  const networks = learner.networks();
  for (const [name, net] of Object.entries(networks)) Object.assign(files, await modelToFiles(net.model, `${name}/`));
  const optimizers: Record<string, { names: string[]; tensors: tf.Tensor[] }> = {};
  const copies: { tensor: tf.Tensor }[] = [];
  for (const [name, opt] of Object.entries(learner.optimizers())) {
    const weights = await opt.getWeights();
    optimizers[name] = { names: weights.map((w) => w.name), tensors: weights.map((w) => w.tensor) };
    copies.push(...weights);
  }
  files['optimizers.bin'] = packTensors(optimizers);
  disposeCopies(copies);
  files['variables.bin'] = packTensors(learner.extraVariables());
  if (replay) files[REPLAY_FILE] = encodeReplay(replay, { game: config.game, algo: config.algo, globalStep: state.globalStep });
  const meta: OffPolicyMeta = {
    kind: OFF_POLICY_CHECKPOINT_KIND,
    version: 1,
    game: config.game,
    algo: config.algo,
    obsSize,
    actionDims,
    networks: Object.keys(networks),
    update: state.update,
    globalStep: state.globalStep,
    replay: replay !== null,
  };
  await saveCheckpoint(runDir, files, meta);
}

/**
 * Loads an off-policy checkpoint (a run folder or one ckpt-NNNNNN folder). The replay buffer must fit
 * the saved config: its game, the game's observation size and action dimensions, and `bufferSize`.
 */
export async function loadOffPolicyCheckpoint(path: string): Promise<LoadedOffPolicy> {
  const ck = await loadCheckpoint<OffPolicyMeta>(path);
  const meta = ck.meta;
  if (!isOffPolicyMeta(meta)) throw new CheckpointError(`${ck.dir}/manifest.json`, `is not an off-policy checkpoint (kind ${JSON.stringify((meta as { kind?: unknown } | null)?.kind)})`);
  const state = readTrainingState(ck) as OffPolicyState;
  if (typeof state.offPolicy?.gradientSteps !== 'number' || typeof state.offPolicy?.transitions !== 'number') throw new CheckpointError(`${ck.dir}/state.json`, 'has no off-policy counters');
  const { config } = state;
  const networks: Record<string, Mlp> = {};
  for (const name of meta.networks) {
    const model = await modelFromFiles(need(ck, `${name}/model.json`), need(ck, `${name}/weights.bin`), `${ck.dir}/${name}/model.json`);
    networks[name] = Mlp.fromModel(model, config.activation);
  }
  const optimizers: Record<string, NamedTensor[]> = {};
  const packed = unpackTensors(need(ck, 'optimizers.bin'), `${ck.dir}/optimizers.bin`) as Record<string, { names?: string[]; tensors?: tf.Tensor[] }>;
  for (const [name, o] of Object.entries(packed)) {
    if (!Array.isArray(o.names) || !Array.isArray(o.tensors) || o.names.length !== o.tensors.length) throw new CheckpointError(`${ck.dir}/optimizers.bin`, `has no weights for optimizer ${name}`);
    optimizers[name] = o.names.map((n, i) => ({ name: n, tensor: o.tensors![i]! }));
  }
  const variables: Record<string, number> = {};
  for (const [name, t] of Object.entries(unpackTensors(need(ck, 'variables.bin'), `${ck.dir}/variables.bin`) as Record<string, tf.Tensor>)) {
    variables[name] = t.dataSync()[0]!;
    t.dispose();
  }
  const bytes = ck.files.get(REPLAY_FILE);
  const { info } = getGame(config.game);
  const replay = bytes
    ? decodeReplay(bytes, { game: config.game, spec: { capacity: config.bufferSize, obsSize: info.observationSize, actionDims: info.actions } }, `${ck.dir}/${REPLAY_FILE}`).buffer
    : null;
  return { meta, state, networks, optimizers, variables, replay, checkpoint: ck };
}
