/**
 * An off-policy run's actor (DDPG, TD3, SAC) as an agent for continuous-action games, computed in plain
 * JavaScript from the checkpoint's weights: the rollout workers' forward pass (src/selfplay/mlp-forward.ts),
 * no tfjs, so `arena eval`, `arena match`, servers and network bots play it without loading tfjs.
 *
 * The action, in the networks' units [−1, 1] per dimension, then mapped linearly onto the game's box
 * (`unitToBox`, as the trainer's collector maps it):
 * - TD3 and DDPG: μ(s) = tanh(actor(s)), the deterministic policy they learn (Fujimoto et al. 2018;
 *   Lillicrap et al. 2016). Their exploration noise belongs to training: they always play μ(s).
 * - SAC: the actor gives the mean m(s) and log standard deviation of a Gaussian over u, and a = tanh(u)
 *   (Haarnoja et al. 2018a, Appendix C). Deterministic (`greedy:`, `arena eval` by default): tanh(m(s)),
 *   as the SAC paper evaluates and SB3's `predict(deterministic=True)`; otherwise a sample
 *   tanh(m + σ·ε), log σ clamped to [−20, 2] as in training.
 *
 * The networks read the observation as they were trained on it: normalised with the run's saved
 * statistics when it has them (off-policy runs learn from raw observations today: none are saved).
 *
 * It hands its networks over as snapshot bytes (`snapshot()`, the league's off-policy format), so a
 * server's agent worker rebuilds it in its thread (`agentFromSnapshot`, src/selfplay/snapshot-agent.ts).
 */
import { AgentMismatchError, isContinuous, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { RunningMeanStd, type RunningMeanStdData } from '../src/algorithms/running-stats.ts';
import { MlpForward } from '../src/selfplay/mlp-forward.ts';
import type { SnapshotPlayer } from '../src/selfplay/snapshot.ts';
import { encodeOffPolicySnapshot, loadOffPolicyActor, type OffPolicyNets } from '../src/train/offpolicy-actor.ts';
import type { PolicySpec } from './policy.ts';

/** The clamp of SAC's log standard deviation in training (Stable-Baselines3's; LOG_STD_MIN/MAX of src/algorithms/sac.ts). */
export const SAC_LOG_STD_RANGE: readonly [number, number] = [-20, 2];

/**
 * [−1, 1] network actions → the game's box, low + (a + 1)/2 · (high − low) per dimension (SB3's
 * `unscale_action`), for `rows` action vectors of `low.length` components, from `actions` into `out`.
 */
export function unitToBox(actions: ArrayLike<number>, rows: number, low: ArrayLike<number>, high: ArrayLike<number>, out: { [i: number]: number }): void {
  const A = low.length;
  for (let i = 0; i < rows * A; i++) {
    const j = i % A;
    out[i] = low[j]! + 0.5 * (actions[i]! + 1) * (high[j]! - low[j]!);
  }
}

/**
 * The actor-critic spec MlpForward runs the networks as: the critic reads (observation, action), as a
 * centralised critic reads a larger input; 'categorical' only says there is no log-std parameter, the
 * actor's raw outputs are read here.
 */
function forwardSpec(nets: OffPolicyNets): PolicySpec {
  const { algo, obsSize, actionDims, hidden, activation } = nets;
  return { obsSize, criticInputSize: obsSize + actionDims, head: 'categorical', actions: algo === 'sac' ? 2 * actionDims : actionDims, hidden, activation };
}

export class OffPolicyAgent implements Agent, SnapshotPlayer {
  readonly name: string;
  readonly algo: OffPolicyNets['algo'];
  /** SAC plays tanh of its mean (sampling otherwise); TD3 and DDPG are deterministic either way. */
  readonly deterministic: boolean;
  private readonly spec: PolicySpec;
  private forward: MlpForward;
  /** The networks it plays (for `snapshot()`), and the game's id. */
  private nets: OffPolicyNets;
  private readonly game: string;
  private readonly obsRmsData: RunningMeanStdData | null;
  private readonly obsRms: RunningMeanStd | null;
  private readonly rng: Rng;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly obs: Float32Array;
  private readonly head: Float32Array;
  private readonly unit: Float64Array;

  constructor(opts: { name: string; nets: OffPolicyNets; info: GameInfo; obsRms?: RunningMeanStdData | null; deterministic?: boolean; seed?: number }) {
    const { nets, info } = opts;
    if (!isContinuous(info)) throw new AgentMismatchError(`agent '${opts.name}' is a ${nets.algo} actor: it plays continuous-action games only; ${info.id} has discrete actions`);
    if (nets.obsSize !== info.observationSize || nets.actionDims !== info.actions) {
      throw new AgentMismatchError(`agent '${opts.name}' maps ${nets.obsSize} observations to ${nets.actionDims} action dimensions; ${info.id} has ${info.observationSize} and ${info.actions}`);
    }
    this.name = opts.name;
    this.algo = nets.algo;
    this.deterministic = opts.deterministic ?? false;
    this.spec = forwardSpec(nets);
    this.forward = new MlpForward(this.spec, nets.weights);
    this.nets = nets;
    this.game = info.id;
    this.obsRmsData = opts.obsRms ?? null;
    this.obsRms = opts.obsRms ? RunningMeanStd.fromJSON(opts.obsRms) : null;
    this.rng = new Rng(opts.seed ?? 0);
    this.low = Float64Array.from(info.actionSpace.low);
    this.high = Float64Array.from(info.actionSpace.high);
    this.obs = new Float32Array(nets.obsSize);
    this.head = new Float32Array(this.spec.actions);
    this.unit = new Float64Array(nets.actionDims);
  }

  /** Loads other weights of the same networks (the trainer's evaluation: the learner's current ones). */
  setWeights(weights: readonly Float32Array[]): void {
    this.forward = this.forward.reuse(this.spec, weights);
    this.nets = { ...this.nets, weights };
  }

  /** Its networks as off-policy snapshot bytes (`decodeOffPolicySnapshot`). */
  snapshot(): Uint8Array {
    return encodeOffPolicySnapshot({ game: this.game, nets: this.nets, obsRms: this.obsRmsData });
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(): number {
    throw new AgentMismatchError(`agent '${this.name}' is a ${this.algo} actor: it plays continuous actions only`);
  }

  /** The actor's action in [−1, 1] per dimension for `seat`'s observation, into `out` (see the file comment). */
  unitAction(state: GameState, seat: Seat, out: Float64Array): void {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    this.forward.actorForward(this.obs, 1, this.head);
    const A = out.length;
    const sample = this.algo === 'sac' && !this.deterministic;
    for (let j = 0; j < A; j++) {
      let u = this.head[j]!;
      if (sample) {
        const logStd = Math.min(SAC_LOG_STD_RANGE[1], Math.max(SAC_LOG_STD_RANGE[0], this.head[A + j]!));
        u += Math.exp(logStd) * this.rng.normal();
      }
      out[j] = Math.tanh(u);
    }
  }

  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    this.unitAction(state, seat, this.unit);
    unitToBox(this.unit, 1, this.low, this.high, out);
  }
}

/**
 * An off-policy checkpoint (a run folder or a ckpt-NNNNNN folder) as an OffPolicyAgent named `path`;
 * refuses a checkpoint trained on another game, and a discrete-action game, in one line.
 */
export async function offPolicyAgentFromCheckpoint(path: string, info: GameInfo, seed: number, opts: { deterministic?: boolean } = {}): Promise<OffPolicyAgent> {
  const loaded = await loadOffPolicyActor(path);
  const { meta } = loaded;
  if (meta.game !== info.id) throw new AgentMismatchError(`checkpoint '${path}' (${meta.algo}) was trained on ${meta.game}, not ${info.id}`);
  return new OffPolicyAgent({ name: path, nets: loaded.nets, info, obsRms: loaded.obsRms, seed, deterministic: opts.deterministic });
}
