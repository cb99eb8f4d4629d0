/**
 * A trained policy as an agent: it observes its seat, normalises the observation with the statistics
 * saved at training time, and samples (or, when deterministic, takes the most probable) legal action.
 * A team policy (MAPPO/IPPO: its spec has `agentIdFeature: true`) also reads the one-hot of the
 * seat's index within its team after the observation, so one agent plays every seat of its side.
 * It is also a `PositionEvaluator` (priors and critic value) for play-time search, agents/mcts.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { AgentMismatchError, ConfigError, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { RunningMeanStd } from '../src/algorithms/running-stats.ts';
import { MlpForward } from '../src/selfplay/mlp-forward.ts';
import { decodeSnapshot, encodeSnapshot, type SnapshotPlayer } from '../src/selfplay/snapshot.ts';
import { loadPolicyCheckpoint } from '../src/train/policy-checkpoint.ts';
import { seatFrame, type SeatFrame } from './action-frame.ts';
import { policySearchProblem, type PositionEvaluator } from './mcts.ts';
import { ActorCritic, type ActBuffers } from './policy.ts';
import { maskedSoftmax, oneHotArgmax } from './sampling.ts';
import { SymmetricEvaluation } from './symmetry.ts';

/** Search's forward pass (the rollout workers' WASM kernels over a copy of the weights) and its outputs. */
type EvalNet = { readonly forward: MlpForward; readonly logits: Float32Array; readonly value: Float32Array };

export class PolicyAgent implements Agent, PositionEvaluator, SnapshotPlayer {
  readonly name: string;
  readonly policy: ActorCritic;
  private readonly obsRms: RunningMeanStd | null;
  readonly deterministic: boolean;
  private readonly gameId: string;
  private readonly rng: Rng;
  private readonly obs: Float32Array;
  private readonly mask: Uint8Array;
  private readonly out: ActBuffers;
  /** The frame the policy acts in (games/duel.ts 'opponent'); null: the game's own actions. */
  private readonly frame: SeatFrame | null;
  /** Team policies: the game's teams, to find a seat's index within its team (null otherwise). */
  private readonly teams: readonly (readonly number[])[] | null;
  /** Built by the first `evaluatePosition`. */
  private evalNet: EvalNet | null = null;
  /** Built by the first symmetric `evaluatePosition`. */
  private symmetric: SymmetricEvaluation | null = null;

  constructor(opts: { name: string; policy: ActorCritic; obsRms: RunningMeanStd | null; info: GameInfo; deterministic?: boolean; seed?: number }) {
    this.name = opts.name;
    this.policy = opts.policy;
    this.obsRms = opts.obsRms;
    this.deterministic = opts.deterministic ?? false;
    this.gameId = opts.info.id;
    this.rng = new Rng(opts.seed ?? 0);
    this.teams = (opts.policy.spec as { agentIdFeature?: boolean }).agentIdFeature === true ? opts.info.teams : null;
    this.obs = new Float32Array(this.teams ? opts.policy.spec.obsSize : opts.info.observationSize);
    this.frame = seatFrame(opts.policy.spec, opts.info);
    this.mask = new Uint8Array(opts.info.actions);
    this.out = { actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1), ...(opts.policy.spec.head === 'gaussian' ? { continuous: new Float32Array(opts.policy.spec.actions) } : {}) };
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  /** Observation (normalised), then the agent id of a team policy. */
  private observe(state: GameState, seat: Seat): void {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    if (!this.teams) return;
    const team = this.teams.find((t) => t.includes(seat));
    if (!team) throw new ConfigError(`seat ${seat} is in no team`);
    const base = state.info.observationSize;
    for (let j = base; j < this.obs.length; j++) this.obs[j] = 0;
    this.obs[base + team.indexOf(seat)] = 1;
  }

  act(state: GameState, seat: Seat): number {
    if (this.out.continuous) throw new AgentMismatchError(`agent '${this.name}' has a continuous (Gaussian) policy: it plays continuous-action games only`);
    this.observe(state, seat);
    state.legalMask(seat, this.mask);
    this.policy.act(this.obs, 1, this.mask, this.rng, this.out, { deterministic: this.deterministic, criticInput: null });
    return this.out.actions[0]!;
  }

  /** Continuous games: a sample of the Gaussian policy (its mean when deterministic); the game clips it to its box. */
  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const vector = this.out.continuous;
    if (!vector) throw new AgentMismatchError(`agent '${this.name}' has a discrete (categorical) policy: it cannot play continuous actions`);
    this.observe(state, seat);
    this.policy.act(this.obs, 1, null, this.rng, this.out, { deterministic: this.deterministic, criticInput: null });
    if (this.frame) this.frame.toGame(state, seat, vector, out);
    else out.set(vector);
  }

  /**
   * The exact distribution `act` draws from: the masked softmax of the actor's logits on the seat's
   * normalised observation, in float64 (illegal actions get exactly 0). A deterministic agent puts
   * probability 1 on the action `act` would take (the first most probable legal action).
   */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    if (this.policy.spec.head !== 'categorical') {
      throw new ConfigError(`agent '${this.name}' has a continuous (Gaussian) policy: action probabilities exist only for discrete actions`);
    }
    this.observe(state, seat);
    state.legalMask(seat, this.mask);
    const n = this.mask.length;
    const logits = tf.tidy(() => this.policy.actorForward(tf.tensor2d(this.obs, [1, this.obs.length])).dataSync());
    maskedSoftmax(logits, this.mask, out, seat);
    if (this.deterministic) oneHotArgmax(out, n);
  }

  /** Why this policy cannot guide search (null when it can). */
  evaluationProblem(): string | null {
    return policySearchProblem(this.policy.spec);
  }

  /** The policy as snapshot bytes (src/selfplay/snapshot.ts): how a worker thread plays it without tfjs (servers/agent-worker.ts). */
  snapshot(): Uint8Array {
    return encodeSnapshot({ game: this.gameId, spec: this.policy.spec, weights: this.policy.getWeights(), obsRms: this.obsRms?.toJSON() ?? null });
  }

  /**
   * Search's evaluation (PositionEvaluator): the actor's masked softmax over `seat`'s legal moves
   * (sampling or greedy alike: search wants the distribution) and the critic's V(observation), both
   * from the seat's normalised observation. The forward pass is the rollout workers' (WASM kernels,
   * src/selfplay/mlp-forward.ts), not tfjs: no tensor per position, a few microseconds for a
   * [128, 128] MLP. It runs on a copy of the weights taken at the first call, so a PolicyAgent around a
   * policy that keeps training evaluates the weights of that moment.
   */
  evaluatePosition(state: GameState, seat: Seat, priors: Float64Array, symmetric = false): number {
    const net = this.evalNet ?? (this.evalNet = this.buildEvalNet());
    if (symmetric) return (this.symmetric ??= new SymmetricEvaluation(state.info)).evaluateState(state, seat, net.forward, this.obsRms, priors);
    this.observe(state, seat);
    state.legalMask(seat, this.mask);
    net.forward.actorForward(this.obs, 1, net.logits);
    net.forward.criticForward(this.obs, 1, net.value);
    maskedSoftmax(net.logits, this.mask, priors, seat);
    return net.value[0]!;
  }

  private buildEvalNet(): EvalNet {
    const problem = this.evaluationProblem();
    if (problem !== null) throw new ConfigError(`agent '${this.name}' cannot evaluate positions: ${problem}`);
    const { spec } = this.policy;
    return { forward: new MlpForward(spec, this.policy.getWeights()), logits: new Float32Array(spec.actions), value: new Float32Array(1) };
  }

  dispose(): void {
    this.policy.dispose();
  }
}

/**
 * A policy checkpoint (a run folder or a ckpt-NNNNNN folder) as a PolicyAgent named `path`; refuses a
 * checkpoint trained on another game. Needs a tfjs backend (`selectBackend`).
 */
export async function policyAgentFromCheckpoint(path: string, info: GameInfo, seed: number, opts: { deterministic?: boolean; name?: string } = {}): Promise<PolicyAgent> {
  const loaded = await loadPolicyCheckpoint(path);
  if (loaded.meta.game !== info.id) {
    loaded.policy.dispose();
    throw new AgentMismatchError(`checkpoint '${path}' was trained on ${loaded.meta.game}, not ${info.id}`);
  }
  return new PolicyAgent({ name: opts.name ?? path, policy: loaded.policy, obsRms: loaded.obsRms, info, seed, deterministic: opts.deterministic });
}

/**
 * A league snapshot (src/selfplay/snapshot.ts bytes) as a PolicyAgent, for what the league's fast
 * SnapshotAgent does not do: greedy play and play-time search. A team snapshot with one policy per
 * seat has no single network to load and is refused. Needs a tfjs backend (`selectBackend`).
 */
export function policyAgentFromSnapshot(blob: Uint8Array, info: GameInfo, seed: number, opts: { name?: string; deterministic?: boolean } = {}): PolicyAgent {
  const name = opts.name ?? 'snapshot';
  const snap = decodeSnapshot(blob, name);
  if (snap.game !== info.id) throw new AgentMismatchError(`snapshot '${name}' plays ${snap.game}, not ${info.id}`);
  if ((snap as { seatWeights?: unknown }).seatWeights !== undefined) {
    throw new ConfigError(`snapshot '${name}' holds one policy per team seat: it plays only by sampling (no greedy: or mcts:)`);
  }
  const policy = new ActorCritic(snap.spec, 0);
  try {
    policy.setWeights(snap.weights);
  } catch (err) {
    policy.dispose();
    throw err;
  }
  const obsRms = snap.obsRms ? RunningMeanStd.fromJSON(snap.obsRms) : null;
  return new PolicyAgent({ name, policy, obsRms, info, seed, deterministic: opts.deterministic });
}
