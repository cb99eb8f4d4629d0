/**
 * A league snapshot as an agent: the policy's actor evaluated in plain JavaScript from the snapshot's
 * Float32Array weights (no tfjs), sampling its masked softmax (or, when deterministic, taking its most
 * probable legal action) or reporting it for exact evaluation; a Gaussian snapshot of a continuous game
 * samples its action vector (or, when deterministic, plays the mean). Team snapshots (MAPPO/IPPO,
 * team-rollout.ts) read the agent-id one-hot after the observation and, with separate parameters, use
 * the weights of the seat's index within its team. It is also a `PositionEvaluator` (priors and critic
 * value) for play-time search, as PolicyAgent is: the server's agent worker searches with it.
 *
 * `agentFromSnapshot` is where league snapshot bytes of any format become an agent: a policy snapshot
 * this SnapshotAgent, an off-policy actor's (DDPG, TD3, SAC; src/train/offpolicy-actor.ts) an
 * OffPolicyAgent (agents/offpolicy-agent.ts). Both play from plain weights, without tfjs.
 */
import { seatFrame, type SeatFrame } from '../../agents/action-frame.ts';
import { policySearchProblem, type PositionEvaluator } from '../../agents/mcts.ts';
import { maskedSoftmax, oneHotArgmax, sampleCategorical, sampleGaussian } from '../../agents/sampling.ts';
import { OffPolicyAgent } from '../../agents/offpolicy-agent.ts';
import { SymmetricEvaluation } from '../../agents/symmetry.ts';
import { AgentMismatchError, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../../core/index.ts';
import type { PolicySpec } from '../../agents/policy-spec.ts';
import { RunningMeanStd } from '../algorithms/running-stats.ts';
import { MlpForward } from './mlp-forward.ts';
import { decodeOffPolicySnapshot, OFF_POLICY_SNAPSHOT_FORMAT } from '../train/offpolicy-actor.ts';
import { decodeSnapshot, snapshotFormat, type SnapshotPlayer } from './snapshot.ts';
import { teamPolicyFromSnapshot, type TeamPolicy } from './team-rollout.ts';

export class SnapshotAgent implements Agent, PositionEvaluator, SnapshotPlayer {
  readonly name: string;
  readonly deterministic: boolean;
  private readonly blob: Uint8Array;
  private readonly spec: PolicySpec;
  private readonly mlp: MlpForward;
  private readonly value = new Float32Array(1);
  private readonly obsRms: RunningMeanStd | null;
  private readonly rng: Rng;
  private readonly obs: Float32Array;
  private readonly mask: Uint8Array;
  private readonly logits: Float32Array;
  private readonly probs: Float64Array;
  /** The frame the policy acts in (games/duel.ts 'opponent'); null: the game's own actions. */
  private readonly frame: SeatFrame | null;
  /** The policy's own vector before the frame maps it. */
  private readonly vector: Float32Array;
  /** Built by the first symmetric `evaluatePosition`. */
  private symmetric: SymmetricEvaluation | null = null;
  /** `evaluatePositions`' rows, grown to the largest batch asked for. */
  private batch: PositionBatch | null = null;
  /** Team snapshots: the team policy and the game's teams. */
  private readonly team: TeamPolicy | null = null;
  private readonly teams: GameInfo['teams'];

  constructor(opts: { name: string; blob: Uint8Array; info: GameInfo; seed?: number; deterministic?: boolean }) {
    const snap = decodeSnapshot(opts.blob, opts.name);
    if (snap.game !== opts.info.id) throw new AgentMismatchError(`snapshot '${opts.name}' plays ${snap.game}, not ${opts.info.id}`);
    this.name = opts.name;
    this.deterministic = opts.deterministic ?? false;
    this.blob = opts.blob;
    this.spec = snap.spec;
    this.mlp = new MlpForward(snap.spec, snap.weights);
    this.teams = opts.info.teams;
    if ((snap.spec as { agentIdFeature?: boolean }).agentIdFeature === true) this.team = teamPolicyFromSnapshot(snap, opts.info.teams[0]!.length);
    this.obsRms = snap.obsRms ? RunningMeanStd.fromJSON(snap.obsRms) : null;
    this.rng = new Rng(opts.seed ?? 0);
    this.obs = new Float32Array(this.team ? snap.spec.obsSize : opts.info.observationSize);
    this.frame = seatFrame(snap.spec, opts.info);
    this.vector = new Float32Array(this.frame ? snap.spec.actions : 0);
    this.mask = new Uint8Array(opts.info.actions);
    this.logits = new Float32Array(opts.info.actions);
    this.probs = new Float64Array(opts.info.actions);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  private forward(state: GameState, seat: Seat): void {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    state.legalMask(seat, this.mask);
    if (this.team) {
      const team = this.teams.find((t) => t.includes(seat)) ?? [];
      const k = team.indexOf(seat);
      const base = state.info.observationSize;
      for (let j = base; j < this.obs.length; j++) this.obs[j] = j - base === k ? 1 : 0;
      this.team.mlps[k]!.actorForward(this.obs, 1, this.logits);
      return;
    }
    this.mlp.actorForward(this.obs, 1, this.logits);
  }

  act(state: GameState, seat: Seat): number {
    if (this.mlp.logStd) throw new AgentMismatchError(`agent '${this.name}' has a continuous (Gaussian) policy: it plays action vectors (actContinuous)`);
    this.forward(state, seat);
    return sampleCategorical(this.logits, 0, this.logits.length, this.mask, 0, this.rng, this.deterministic, this.probs).action;
  }

  /** Continuous games: a sample of the Gaussian policy, or its mean when deterministic (the game clips it to its box). */
  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const logStd = this.mlp.logStd;
    if (!logStd) throw new AgentMismatchError(`agent '${this.name}' has a discrete (categorical) policy: it cannot play action vectors`);
    this.forward(state, seat);
    if (!this.frame) {
      sampleGaussian(this.logits, 0, logStd, this.logits.length, this.rng, this.deterministic, out, 0);
      return;
    }
    sampleGaussian(this.logits, 0, logStd, this.logits.length, this.rng, this.deterministic, this.vector, 0);
    this.frame.toGame(state, seat, this.vector, out);
  }

  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    if (this.mlp.logStd) throw new AgentMismatchError(`agent '${this.name}' has a continuous (Gaussian) policy: action probabilities exist only for discrete actions`);
    this.forward(state, seat);
    maskedSoftmax(this.logits, this.mask, out, seat);
    if (this.deterministic) oneHotArgmax(out, this.logits.length);
  }

  snapshot(): Uint8Array {
    return this.blob;
  }

  evaluationProblem(): string | null {
    return policySearchProblem(this.spec);
  }

  /** Search's evaluation: the actor's masked softmax over `seat`'s legal moves and the critic's V(observation). */
  evaluatePosition(state: GameState, seat: Seat, priors: Float64Array, symmetric = false): number {
    if (symmetric && !this.team) return (this.symmetric ??= new SymmetricEvaluation(state.info)).evaluateState(state, seat, this.mlp, this.obsRms, priors);
    this.forward(state, seat);
    this.mlp.criticForward(this.obs, 1, this.value);
    maskedSoftmax(this.logits, this.mask, priors, seat);
    return this.value[0]!;
  }

  /**
   * `evaluatePosition` (without symmetry averaging) of `count` positions in one forward pass: for
   * position i, seen by `seats[i]` (its seat to move), the priors into `priors[i·A, (i+1)·A)` and V
   * into `values[i]`. The expert-iteration actors batch the leaves of several searches this way: the
   * kernels work on blocks of 4 rows, so one position alone costs what 4 do.
   */
  evaluatePositions(states: readonly GameState[], seats: ArrayLike<number>, count: number, priors: Float64Array, values: Float64Array): void {
    if (this.team) throw new AgentMismatchError(`agent '${this.name}' is a team policy: search needs a policy of one seat`);
    const A = this.logits.length;
    const O = this.obs.length;
    const b = this.batch && this.batch.capacity >= count ? this.batch : (this.batch = new PositionBatch(Math.max(count, 2 * (this.batch?.capacity ?? 0)), O, A));
    for (let i = 0; i < count; i++) {
      states[i]!.observe(seats[i]!, b.rowsObs[i]!);
      states[i]!.legalMask(seats[i]!, b.rowsMask[i]!);
    }
    this.obsRms?.normalize(b.obs, count);
    this.mlp.actorForward(b.obs, count, b.logits);
    this.mlp.criticForward(b.obs, count, b.values);
    for (let i = 0; i < count; i++) {
      maskedSoftmax(b.rowsLogits[i]!, b.rowsMask[i]!, b.probs, seats[i]!);
      priors.set(b.probs, i * A);
      values[i] = b.values[i]!;
    }
  }
}

/** Preallocated rows of a batch of positions, with a view of each row (no allocation per call). */
class PositionBatch {
  readonly capacity: number;
  readonly obs: Float32Array;
  readonly logits: Float32Array;
  readonly values: Float32Array;
  readonly probs: Float64Array;
  readonly rowsObs: Float32Array[];
  readonly rowsMask: Uint8Array[];
  readonly rowsLogits: Float32Array[];

  constructor(capacity: number, obsSize: number, actions: number) {
    this.capacity = capacity;
    this.obs = new Float32Array(capacity * obsSize);
    this.logits = new Float32Array(capacity * actions);
    this.values = new Float32Array(capacity);
    this.probs = new Float64Array(actions);
    const masks = new Uint8Array(capacity * actions);
    this.rowsObs = Array.from({ length: capacity }, (_, i) => this.obs.subarray(i * obsSize, (i + 1) * obsSize));
    this.rowsMask = Array.from({ length: capacity }, (_, i) => masks.subarray(i * actions, (i + 1) * actions));
    this.rowsLogits = Array.from({ length: capacity }, (_, i) => this.logits.subarray(i * actions, (i + 1) * actions));
  }
}

/**
 * The agent that plays league snapshot bytes `blob` on `info`, named `name` (errors name it too): an
 * OffPolicyAgent for an off-policy actor's snapshot, a SnapshotAgent for a policy snapshot. Sampling
 * unless `deterministic` (SAC: tanh of its mean; TD3 and DDPG play μ(s) either way). Bytes of another
 * game are refused with an AgentMismatchError, unreadable ones with a CheckpointError naming `name`.
 */
export function agentFromSnapshot(blob: Uint8Array, info: GameInfo, opts: { name: string; seed?: number; deterministic?: boolean }): Agent & SnapshotPlayer {
  const { name, seed, deterministic } = opts;
  if (snapshotFormat(blob, name) !== OFF_POLICY_SNAPSHOT_FORMAT) return new SnapshotAgent({ name, blob, info, seed, deterministic });
  const snap = decodeOffPolicySnapshot(blob, name);
  if (snap.game !== info.id) throw new AgentMismatchError(`snapshot '${name}' plays ${snap.game}, not ${info.id}`);
  return new OffPolicyAgent({ name, nets: snap.nets, info, obsRms: snap.obsRms, seed, deterministic });
}
