/**
 * Policy checkpoints: the actor and critic as standard tfjs models (`actor/model.json` loads in a
 * browser with `tf.loadLayersModel`), the optimizer state, normalisation statistics, RNG state,
 * config and counters — written through the crash-safe store (hashes, atomic `latest` pointer).
 */
import * as tf from '@tensorflow/tfjs';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { CheckpointError } from '../../core/index.ts';
import { RunningMeanStd, type RunningMeanStdData } from '../algorithms/running-stats.ts';
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint, type SavedCheckpoint } from '../checkpoint/store.ts';
import { modelFromFiles, modelToFiles, packTensors, unpackTensors } from '../checkpoint/tfjs-io.ts';
import { defaultConfig, TrainConfigSchema, type TrainConfig } from './config.ts';

export const POLICY_CHECKPOINT_KIND = 'arena-policy';

/** What checkpoints need of an optimizer (tfjs optimizers and the fast learner's both offer it). */
export type OptimizerState = Pick<tf.Optimizer, 'getWeights' | 'setWeights'>;

/**
 * Frees the tensors of an optimizer's `getWeights()` that are copies made for the caller: the fast
 * learners build every one afresh, a tfjs optimizer its step counter (its moments are its own live
 * variables, left alone). Without this every checkpoint leaked the optimizer state's size in tfjs
 * memory (a Connect Four run checkpointing every 5 updates: 33 tensors, 2.7 MB, per checkpoint).
 */
export function disposeCopies(weights: readonly { readonly tensor: tf.Tensor }[]): void {
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
}

/** What `meta` of a policy checkpoint holds (also readable without loading any tensor). */
export interface PolicyMeta {
  readonly kind: typeof POLICY_CHECKPOINT_KIND;
  readonly version: 1;
  readonly game: string;
  readonly algo: string;
  readonly spec: PolicySpec;
  readonly update: number;
  readonly globalStep: number;
}

export interface TrainingState {
  readonly config: TrainConfig;
  readonly update: number;
  readonly globalStep: number;
  readonly obsRms: RunningMeanStdData | null;
  readonly rng: readonly number[];
  readonly elapsedSeconds: number;
}

export async function savePolicyCheckpoint(
  runDir: string,
  opts: { policy: ActorCritic; optimizer: OptimizerState | null; state: TrainingState },
): Promise<SavedCheckpoint> {
  const { policy, optimizer, state } = opts;
  const files: Record<string, Uint8Array | string> = {
    ...(await modelToFiles(policy.actor, 'actor/')),
    ...(await modelToFiles(policy.critic, 'critic/')),
    'state.json': JSON.stringify(state, null, 1),
  };
  if (policy.logStd) files['log-std.bin'] = packTensors({ logStd: policy.logStd });
  if (optimizer) {
    const weights = await optimizer.getWeights();
    files['optimizer.bin'] = packTensors({ names: weights.map((w) => w.name), tensors: weights.map((w) => w.tensor) });
    disposeCopies(weights);
  }
  const meta: PolicyMeta = {
    kind: POLICY_CHECKPOINT_KIND,
    version: 1,
    game: state.config.game,
    algo: state.config.algo,
    spec: policy.spec,
    update: state.update,
    globalStep: state.globalStep,
  };
  return saveCheckpoint(runDir, files, meta);
}

export interface LoadedPolicy {
  readonly policy: ActorCritic;
  readonly meta: PolicyMeta;
  readonly state: TrainingState;
  readonly obsRms: RunningMeanStd | null;
  readonly checkpoint: LoadedCheckpoint<PolicyMeta>;
}

/**
 * The training state of a checkpoint (`state.json`); config fields added after it was written take
 * their defaults. Shared by every kind of learner checkpoint (src/train/offpolicy-checkpoint.ts too).
 */
export function readTrainingState(ck: LoadedCheckpoint<unknown>): TrainingState {
  try {
    const state = JSON.parse(new TextDecoder().decode(need(ck, 'state.json'))) as TrainingState;
    const saved = state.config as Partial<TrainConfig> & Pick<TrainConfig, 'algo' | 'game'>;
    // a run saved before criticInput existed trained the critic of the observation, one saved before
    // averageWeights existed averaged with (update + 1)², one saved before actionFrame existed acted in the
    // game's own components, and one saved before fpuReduction existed searched its self-play with Q 0 for untried
    // moves, whatever today's defaults
    const parsed = TrainConfigSchema.safeParse({ ...defaultConfig(saved.algo, saved.game), criticInput: 'observation', averageWeights: 'update-squared', actionFrame: null, fpuReduction: null, ...saved });
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return { ...state, config: parsed.data };
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`${ck.dir}/state.json`, `is not a valid training state: ${(err as Error).message}`, { cause: err });
  }
}

export function need(ck: LoadedCheckpoint<unknown>, name: string): Uint8Array {
  const f = ck.files.get(name);
  if (!f) throw new CheckpointError(`${ck.dir}/${name}`, 'is missing from the checkpoint');
  return f;
}

/** Loads a policy checkpoint from a run folder or a ckpt-NNNNNN folder; errors name the bad file. */
export async function loadPolicyCheckpoint(path: string): Promise<LoadedPolicy> {
  const ck = await loadCheckpoint<PolicyMeta>(path);
  const meta = ck.meta;
  if (!meta || meta.kind !== POLICY_CHECKPOINT_KIND) {
    throw new CheckpointError(`${ck.dir}/manifest.json`, `is not a policy checkpoint (kind ${JSON.stringify(meta?.kind)}${meta?.algo ? `, algorithm ${meta.algo}` : ''})`);
  }
  const state = readTrainingState(ck);
  const actor = await modelFromFiles(need(ck, 'actor/model.json'), need(ck, 'actor/weights.bin'), `${ck.dir}/actor/model.json`);
  const critic = await modelFromFiles(need(ck, 'critic/model.json'), need(ck, 'critic/weights.bin'), `${ck.dir}/critic/model.json`);
  let logStd: Float32Array | undefined;
  if (meta.spec.head === 'gaussian') {
    const t = unpackTensors(need(ck, 'log-std.bin'), `${ck.dir}/log-std.bin`)['logStd'] as tf.Tensor;
    logStd = t.dataSync() as Float32Array;
    t.dispose();
  }
  let policy: ActorCritic;
  try {
    policy = new ActorCritic(meta.spec, 0, { actor, critic, logStd });
  } catch (err) {
    throw new CheckpointError(`${ck.dir}/actor/model.json`, (err as Error).message, { cause: err });
  }
  return { policy, meta, state, obsRms: state.obsRms ? RunningMeanStd.fromJSON(state.obsRms) : null, checkpoint: ck };
}

/** Restores optimizer state saved by `savePolicyCheckpoint` (Adam/RMSprop slots, iteration count). */
export async function restoreOptimizer(optimizer: OptimizerState, ck: LoadedCheckpoint<unknown>): Promise<void> {
  const bytes = ck.files.get('optimizer.bin');
  if (!bytes) return;
  const file = `${ck.dir}/optimizer.bin`;
  const data = unpackTensors(bytes, file) as { names?: string[]; tensors?: tf.Tensor[] };
  if (!Array.isArray(data.names) || !Array.isArray(data.tensors) || data.names.length !== data.tensors.length) {
    throw new CheckpointError(file, 'has no optimizer weights');
  }
  await optimizer.setWeights(data.names.map((name, i) => ({ name, tensor: data.tensors![i]! })));
  tf.dispose(data.tensors);
}
