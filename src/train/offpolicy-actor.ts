/**
 * What an off-policy checkpoint (DDPG, TD3, SAC; written by offpolicy-checkpoint.ts) holds for playing,
 * read without tfjs: its kind and meta, and the actor with the first critic as plain Float32Arrays
 * (src/checkpoint/dense-weights.ts). A process that only plays the run — `arena eval`, a server of
 * bots — loads neither tfjs nor the optimizers; agents/offpolicy-agent.ts plays what this returns.
 * (The store still verifies every file of the checkpoint, replay buffer included: a corrupt file is
 * refused, never skipped.)
 *
 * The same networks travel as snapshot bytes (`encodeOffPolicySnapshot`): how an off-policy learner
 * freezes league members in a two-seat run (src/train/offpolicy-selfplay.ts). They are msgpackr bytes
 * as the policy snapshots of src/selfplay/snapshot.ts, under their own format tag, so a reader tells
 * the two apart (`snapshotFormat`) and builds the agent that plays each (src/selfplay/snapshot-agent.ts).
 */
import { Packr } from 'msgpackr';
import type { Activation } from '../../agents/policy-spec.ts';
import { CheckpointError } from '../../core/errors.ts';
import type { RunningMeanStdData } from '../algorithms/running-stats.ts';
import { readDenseModel, type DenseModel } from '../checkpoint/dense-weights.ts';
import { loadCheckpoint, type LoadedCheckpoint } from '../checkpoint/store.ts';
import type { OffPolicyAlgo } from './config.ts';

export const OFF_POLICY_CHECKPOINT_KIND = 'arena-offpolicy';

/** What `meta` of an off-policy checkpoint holds (readable without loading a tensor). */
export interface OffPolicyMeta {
  readonly kind: typeof OFF_POLICY_CHECKPOINT_KIND;
  readonly version: 1;
  readonly game: string;
  readonly algo: string;
  readonly obsSize: number;
  readonly actionDims: number;
  readonly networks: readonly string[];
  readonly update: number;
  readonly globalStep: number;
  /** Whether replay.bin was saved. */
  readonly replay: boolean;
}

/** Whether a checkpoint's meta (`readCheckpointMeta`, `listCheckpoints`) is an off-policy checkpoint's. */
export function isOffPolicyMeta(meta: unknown): meta is OffPolicyMeta {
  return (meta as { kind?: unknown } | null | undefined)?.kind === OFF_POLICY_CHECKPOINT_KIND;
}

/**
 * An off-policy actor and its first critic as MlpForward (src/selfplay/mlp-forward.ts) runs them:
 * the actor maps the observation to `actionDims` outputs (TD3/DDPG: the pre-tanh action) or
 * 2·`actionDims` (SAC: the mean, then the log standard deviation, of the pre-tanh Gaussian); the
 * critic reads (observation, action) with the same hidden layers.
 */
export interface OffPolicyNets {
  readonly algo: OffPolicyAlgo;
  readonly obsSize: number;
  readonly actionDims: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** The actor's kernels and biases layer by layer, then the critic's (kernels [in × out] row-major). */
  readonly weights: readonly Float32Array[];
}

/** What playing an off-policy checkpoint needs. */
export interface OffPolicyActor {
  readonly meta: OffPolicyMeta;
  readonly nets: OffPolicyNets;
  /** The observation statistics saved with the run (null: it learned from raw observations). */
  readonly obsRms: RunningMeanStdData | null;
  /** The checkpoint folder it was read from. */
  readonly dir: string;
}

const ALGOS: readonly string[] = ['sac', 'td3', 'ddpg'] satisfies readonly OffPolicyAlgo[];

/** A network of the checkpoint, read and checked against `inputs` → `outputs`. */
function denseNet(ck: LoadedCheckpoint<unknown>, name: string, inputs: number, outputs: number): DenseModel {
  const file = `${ck.dir}/${name}/model.json`;
  const json = ck.files.get(`${name}/model.json`);
  const bin = ck.files.get(`${name}/weights.bin`);
  if (!json || !bin) throw new CheckpointError(json ? `${ck.dir}/${name}/weights.bin` : file, 'is missing from the checkpoint');
  const net = readDenseModel(json, bin, file);
  const first = net.layers[0]!;
  const last = net.layers.at(-1)!;
  if (first.inSize !== inputs || last.outSize !== outputs) throw new CheckpointError(file, `maps ${first.inSize}→${last.outSize}, expected ${inputs}→${outputs}`);
  if (net.activations.at(-1) !== 'linear') throw new CheckpointError(file, `has a '${net.activations.at(-1)}' output layer, expected 'linear'`);
  return net;
}

/** The hidden activation of a network (one for every hidden layer, relu or tanh). */
function hiddenActivation(net: DenseModel, file: string): Activation {
  const hidden = new Set(net.activations.slice(0, -1));
  const [only] = hidden;
  if (hidden.size > 1 || (only !== undefined && only !== 'relu' && only !== 'tanh')) throw new CheckpointError(file, `has hidden activations ${[...hidden].join(', ')}; expected relu or tanh throughout`);
  return (only ?? 'relu') as Activation;
}

/**
 * Reads an off-policy checkpoint (a run folder or a ckpt-NNNNNN folder) for playing: its meta, the
 * actor and the first critic, and the observation statistics of state.json. A missing, truncated or
 * corrupt file, or networks that do not fit the meta, throw a CheckpointError naming the file.
 */
export async function loadOffPolicyActor(path: string): Promise<OffPolicyActor> {
  const ck = await loadCheckpoint(path);
  const meta = ck.meta;
  const manifest = `${ck.dir}/manifest.json`;
  if (!isOffPolicyMeta(meta)) throw new CheckpointError(manifest, `is not an off-policy checkpoint (kind ${JSON.stringify((meta as { kind?: unknown } | null)?.kind)})`);
  if (!ALGOS.includes(meta.algo)) throw new CheckpointError(manifest, `names algorithm '${meta.algo}'; expected one of ${ALGOS.join(', ')}`);
  const algo = meta.algo as OffPolicyAlgo;
  const { obsSize: O, actionDims: A } = meta;
  if (!Number.isInteger(O) || O < 1 || !Number.isInteger(A) || A < 1) throw new CheckpointError(manifest, `has observation size ${O} and action dimensions ${A}`);
  const actor = denseNet(ck, 'actor', O, algo === 'sac' ? 2 * A : A);
  const critic = denseNet(ck, 'critic-0', O + A, 1);
  const hidden = actor.layers.slice(0, -1).map((l) => l.outSize);
  const criticHidden = critic.layers.slice(0, -1).map((l) => l.outSize);
  if (hidden.join() !== criticHidden.join()) throw new CheckpointError(`${ck.dir}/critic-0/model.json`, `has hidden layers [${criticHidden.join(', ')}], the actor [${hidden.join(', ')}]`);
  const activation = hiddenActivation(actor, `${ck.dir}/actor/model.json`);
  if (hiddenActivation(critic, `${ck.dir}/critic-0/model.json`) !== activation && hidden.length > 0) throw new CheckpointError(`${ck.dir}/critic-0/model.json`, `has another hidden activation than the actor (${activation})`);
  let obsRms: RunningMeanStdData | null = null;
  const stateBytes = ck.files.get('state.json');
  if (!stateBytes) throw new CheckpointError(`${ck.dir}/state.json`, 'is missing from the checkpoint');
  try {
    obsRms = (JSON.parse(new TextDecoder().decode(stateBytes)) as { obsRms?: RunningMeanStdData | null }).obsRms ?? null;
  } catch (err) {
    throw new CheckpointError(`${ck.dir}/state.json`, 'is not valid JSON', { cause: err });
  }
  if (obsRms !== null && (obsRms.mean?.length !== O || obsRms.var?.length !== O)) throw new CheckpointError(`${ck.dir}/state.json`, `has observation statistics of another size than ${O}`);
  const weights = [...actor.layers, ...critic.layers].flatMap((l) => [l.kernel, l.bias]);
  return { meta, nets: { algo, obsSize: O, actionDims: A, hidden, activation, weights }, obsRms, dir: ck.dir };
}

export const OFF_POLICY_SNAPSHOT_FORMAT = 'arena-offpolicy-snapshot';

/** An off-policy actor as league snapshot bytes hold it. */
export interface OffPolicySnapshot {
  readonly format: typeof OFF_POLICY_SNAPSHOT_FORMAT;
  readonly version: 1;
  /** The game it was trained on. */
  readonly game: string;
  readonly nets: OffPolicyNets;
  /** The observation statistics it reads observations with (null: raw observations). */
  readonly obsRms: RunningMeanStdData | null;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

/** An off-policy actor (with its first critic, as OffPolicyAgent runs them) as snapshot bytes for the league. */
export function encodeOffPolicySnapshot(s: Omit<OffPolicySnapshot, 'format' | 'version'>): Uint8Array {
  const { algo, obsSize, actionDims, hidden, activation, weights } = s.nets;
  // pack() returns a view into a reused buffer: copy it before it can be overwritten or transferred
  return new Uint8Array(packr.pack({ format: OFF_POLICY_SNAPSHOT_FORMAT, version: 1, game: s.game, nets: { algo, obsSize, actionDims, hidden: [...hidden], activation, weights: [...weights] }, obsRms: s.obsRms }));
}

/** Sizes of the weight arrays of `nets` (actor kernels and biases layer by layer, then the critic's). */
function weightSizes(nets: Omit<OffPolicyNets, 'weights'>): number[] {
  const { algo, obsSize: O, actionDims: A, hidden } = nets;
  const layers = (inputs: number, outputs: number) => {
    const sizes = [inputs, ...hidden, outputs];
    return sizes.slice(1).flatMap((out, i) => [sizes[i]! * out, out]);
  };
  return [...layers(O, algo === 'sac' ? 2 * A : A), ...layers(O + A, 1)];
}

/**
 * Off-policy snapshot bytes → the actor they hold. Bytes that are not msgpack, of another format
 * (a policy snapshot), or whose networks do not add up throw a CheckpointError naming `source`.
 */
export function decodeOffPolicySnapshot(bytes: Uint8Array, source = 'snapshot'): OffPolicySnapshot {
  let s: OffPolicySnapshot;
  try {
    s = packr.unpack(bytes) as OffPolicySnapshot;
  } catch (err) {
    throw new CheckpointError(source, `is not an off-policy actor snapshot: ${(err as Error).message}`, { cause: err });
  }
  if (s?.format !== OFF_POLICY_SNAPSHOT_FORMAT || s.version !== 1 || typeof s.game !== 'string') throw new CheckpointError(source, 'is not a version-1 off-policy actor snapshot');
  const n = s.nets as Partial<OffPolicyNets> | undefined;
  const positive = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  if (!n || !ALGOS.includes(n.algo as string) || !positive(n.obsSize) || !positive(n.actionDims) || !Array.isArray(n.hidden) || !n.hidden.every(positive) || (n.activation !== 'relu' && n.activation !== 'tanh')) {
    throw new CheckpointError(source, 'holds no valid off-policy networks (algorithm, sizes, hidden layers, activation)');
  }
  const sizes = weightSizes(n as OffPolicyNets);
  const w = n.weights;
  if (!Array.isArray(w) || w.length !== sizes.length || !w.every((x, i) => x instanceof Float32Array && x.length === sizes[i])) {
    throw new CheckpointError(source, `holds ${Array.isArray(w) ? w.length : 'no'} weight arrays that do not fit a ${n.algo} actor and critic of hidden layers [${n.hidden.join(', ')}]`);
  }
  if (s.obsRms !== null && (s.obsRms?.mean?.length !== n.obsSize || s.obsRms.var?.length !== n.obsSize)) throw new CheckpointError(source, `has observation statistics of another size than ${n.obsSize}`);
  return s;
}
