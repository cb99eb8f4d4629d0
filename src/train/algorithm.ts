/**
 * Algorithms: what learns from trajectories (src/algorithms/trajectory.ts). The training loop
 * (loop.ts) hands each one the segments of an update and publishes what it returns; it never knows
 * which algorithm it drives.
 *
 * - `PolicyGradientAlgorithm`: PPO, A2C, REINFORCE, IMPALA and TRPO on one ActorCritic. Advantages by
 *   GAE(γ, λ), or by V-trace against the current policy for IMPALA; then the learner's update (the
 *   fast path on wasm/cpu, the tfjs reference elsewhere, through the one `Learner` interface). PPO's
 *   ratio is always taken against the behaviour log-probabilities the actors recorded (APPO).
 *   TRPO's learners (src/algorithms/trpo.ts, src/fast/trpo.ts) replace the update with a trust-region
 *   step, chosen by the same rule.
 * - `TeamAlgorithm`: MAPPO and IPPO (src/algorithms/mappo.ts) for team games.
 * - `OffPolicyAlgorithm` (offpolicy.ts): DDPG, TD3 and SAC from a replay buffer, for single-agent
 *   continuous-action games.
 */
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, isContinuous, type GameInfo, type Rng } from '../../core/index.ts';
import { computeGae } from '../algorithms/advantages.ts';
import { RolloutBuffer } from '../algorithms/buffer.ts';
import { MappoLearner, type TeamAlgo } from '../algorithms/mappo.ts';
import type { LearnerSettings } from '../algorithms/policy-gradient.ts';
import type { RunningMeanStd } from '../algorithms/running-stats.ts';
import type { TrpoSettings } from '../algorithms/trpo.ts';
import { concatTrajectories, hasContinuousActions, type Trajectory } from '../algorithms/trajectory.ts';
import type { ValueNormData } from '../algorithms/value-norm.ts';
import { vtraceAdvantages } from '../algorithms/vtrace.ts';
import { createLearner, createTrpoLearner, type Learner } from '../fast/select.ts';
import { MlpForward } from '../selfplay/mlp-forward.ts';
import { encodeSnapshot } from '../selfplay/snapshot.ts';
import { agentStateSize, encodeTeamSnapshot } from '../selfplay/team-rollout.ts';
import { convSpecFor, type TrainConfig } from './config.ts';
import type { OptimizerState, TrainingState } from './policy-checkpoint.ts';

export type Stats = Record<string, number>;

export interface Algorithm {
  /** Policies to checkpoint: one, or one per team seat (MAPPO/IPPO without parameter sharing). */
  readonly policies: readonly ActorCritic[];
  readonly optimizers: readonly OptimizerState[];
  /** One update from the segments of this step; `progress` ∈ [0, 1] drives the annealing schedules. */
  update(segments: readonly Trajectory[], progress: number): Stats;
  /** The current weights as snapshot bytes (what actors play and the league freezes). */
  snapshot(): Uint8Array;
  /** Algorithm state a checkpoint keeps besides the policies and optimizers. */
  extraState(): Record<string, unknown>;
  /**
   * Writes the learner's checkpoint into `dir` itself — for networks that are not ActorCritics (the
   * off-policy algorithms, src/train/offpolicy.ts). Absent: the loop saves `policies` and `optimizers`.
   */
  save?(dir: string, state: TrainingState): Promise<void>;
  dispose(): void;
}

/** The learner's settings from a training config: PPO's (and MAPPO's) clipped loss, or the vanilla one for A2C, REINFORCE and IMPALA. */
export function learnerSettings(config: TrainConfig): LearnerSettings {
  return {
    kind: config.algo === 'ppo' || config.algo === 'mappo' || config.algo === 'ippo' ? 'clipped' : 'vanilla',
    clip: config.clip,
    clipValue: config.clipValue,
    entCoef: config.entCoef,
    entCoefFinal: config.entCoefFinal,
    entAnnealFraction: config.entAnnealFraction,
    vfCoef: config.vfCoef,
    normAdv: config.normAdv,
    epochs: config.epochs,
    minibatchSize: config.minibatchSize,
    lr: config.lr,
    annealLr: config.annealLr,
    annealClip: config.annealClip,
    maxGradNorm: config.maxGradNorm,
    gradClip: config.gradClip,
    targetKl: config.targetKl,
    optimizer: config.optimizer,
    optimizerEps: config.optimizerEps,
    threads: config.learnerThreads,
    neurdBeta: config.neurdBeta,
  };
}

/** TRPO's settings: the learner's (δ = `targetKl`; the critic's lr, epochs and minibatch) and the trust-region solver's. */
/**
 * The magnet's uniform blend at a fraction `progress` ∈ [0, 1] of training: `magnetMix`, annealed
 * linearly to `magnetMixFinal` when that is set.
 */
export function magnetMixAt(config: Pick<TrainConfig, 'magnetMix' | 'magnetMixFinal'>, progress: number): number {
  const { magnetMix: m0, magnetMixFinal: m1 } = config;
  if (m1 === null) return m0;
  return m0 + (m1 - m0) * Math.min(1, Math.max(0, progress));
}

/**
 * `magnetLrDecay`: the learning rate's multiplier on the `age`-th update of a magnet phase (1 on its
 * first, 1 − decay·(N − 1)/N on its last of N = `magnetEvery`), back to 1 at each refresh.
 */
export function magnetLrScale(config: Pick<TrainConfig, 'magnetEvery' | 'magnetLrDecay'>, age: number): number {
  if (config.magnetEvery === null || config.magnetLrDecay === 0) return 1;
  return 1 - (config.magnetLrDecay * Math.max(0, age - 1)) / config.magnetEvery;
}

export function trpoSettings(config: TrainConfig): TrpoSettings {
  return { ...learnerSettings(config), cgIters: config.cgIters, cgDamping: config.cgDamping, lineSearchShrink: config.lineSearchShrink, lineSearchSteps: config.lineSearchSteps };
}

/**
 * A fresh policy for a two-seat or single-agent game, initialised from `seed`: an MLP, or a conv net
 * (`network: 'conv'`) on the game's board planes; a categorical head for discrete actions, a Gaussian
 * one (log-std `initLogStd`, 0 by default as Stable-Baselines3) for continuous ones.
 */
export function newPolicy(config: TrainConfig, info: GameInfo, seed: number): ActorCritic {
  const conv = convSpecFor(config, info);
  const head = isContinuous(info) ? 'gaussian' : 'categorical';
  // configs saved before initLogStd existed start from log-std 0
  const gaussian = {
    ...(head === 'gaussian' && config.initLogStd !== undefined && config.initLogStd !== 0 ? { initLogStd: config.initLogStd } : {}),
    // configs saved before actionFrame existed act in the game's own actions
    ...(head === 'gaussian' && config.actionFrame !== undefined && config.actionFrame !== null ? { actionFrame: config.actionFrame } : {}),
  };
  return new ActorCritic(
    { obsSize: info.observationSize, criticInputSize: config.criticInput === 'agent-state' ? agentStateSize(info) : info.observationSize, head, actions: info.actions, hidden: config.hidden, activation: config.activation, ...gaussian, ...(conv ? { conv } : {}) },
    seed,
  );
}

/**
 * What a checkpoint keeps of a magnet-regularised learner: the magnet's weights and how many updates
 * ago they were taken; with `magnetAverage`, the running mean of this phase's weights so far (float64,
 * base64) and how many iterates it holds.
 */
export interface MagnetState {
  readonly weights: string[];
  readonly age: number;
  readonly mean?: string[];
  readonly meanCount?: number;
}

const toBase64 = (w: Float32Array | Float64Array): string => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64');
const fromBase64 = (b: string): ArrayBuffer => {
  const bytes = Buffer.from(b, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

export class PolicyGradientAlgorithm implements Algorithm {
  readonly policy: ActorCritic;
  readonly learner: Learner;
  readonly policies: readonly ActorCritic[];
  readonly optimizers: readonly OptimizerState[];
  private readonly config: TrainConfig;
  private readonly game: string;
  private readonly obsRms: RunningMeanStd | null;
  private buffer: RolloutBuffer | null = null;
  /**
   * `magnetEvery`: the regulariser is KL(π‖ρ) to a magnet ρ, a frozen copy of the policy refreshed
   * every `magnetEvery` updates (R-NaD's regularisation policy, Perolat et al. 2022; MMD's moving
   * magnet, Sokota et al. 2023): each phase is a regularised game whose solution moves toward a
   * Nash equilibrium, where a fixed uniform magnet (the entropy bonus) settles at a quantal response
   * equilibrium. Null: the entropy bonus.
   */
  private magnet: { weights: Float32Array[]; forward: MlpForward; age: number } | null = null;
  private magnetLogits = new Float32Array(0);
  /** `magnetAverage`: the mean of the weights after each update in the second half of the phase (null until the first). */
  private phaseMean: { mean: Float64Array[]; count: number } | null = null;

  constructor(opts: { config: TrainConfig; info: GameInfo; policy: ActorCritic; rng: Rng; obsRms?: RunningMeanStd | null; magnet?: MagnetState | null }) {
    this.config = opts.config;
    this.game = opts.info.id;
    this.policy = opts.policy;
    this.obsRms = opts.obsRms ?? null;
    this.learner =
      opts.config.algo === 'trpo'
        ? createTrpoLearner({ policy: opts.policy, rng: opts.rng, settings: trpoSettings(opts.config) })
        : createLearner({ policy: opts.policy, rng: opts.rng, settings: learnerSettings(opts.config) });
    this.policies = [opts.policy];
    this.optimizers = [this.learner.optimizer];
    if (opts.config.magnetEvery !== null) {
      if (opts.policy.spec.head !== 'categorical') throw new ConfigError(`magnetEvery needs discrete actions: ${opts.info.id} has continuous ones (set magnetEvery to null)`);
      if (opts.config.algo === 'trpo') throw new ConfigError('magnetEvery applies to ppo, a2c, reinforce and impala, not trpo (set magnetEvery to null)');
      if (opts.magnet) {
        this.setMagnet(opts.magnet.weights.map((b) => new Float32Array(fromBase64(b))), opts.magnet.age);
        if (opts.magnet.mean && opts.magnet.meanCount) this.phaseMean = { mean: opts.magnet.mean.map((b) => new Float64Array(fromBase64(b))), count: opts.magnet.meanCount };
      } else this.setMagnet(this.policy.getWeights(), 0);
    }
  }

  private setMagnet(weights: Float32Array[], age: number): void {
    const forward = this.magnet ? this.magnet.forward.reuse(this.policy.spec, weights) : new MlpForward(this.policy.spec, weights);
    this.magnet = { weights, forward, age };
  }

  /** Fills `b.magnetLogp` with the magnet's masked log-softmax on every row (0 on illegal actions); refreshes the magnet when due. */
  private applyMagnet(b: RolloutBuffer, progress: number): void {
    if (!this.magnet) return;
    if (this.magnet.age >= this.config.magnetEvery!) {
      // the phase's mean iterate (magnetAverage), or the last one
      const mean = this.phaseMean;
      this.setMagnet(mean ? mean.mean.map((m) => Float32Array.from(m)) : this.policy.getWeights(), 0);
      this.phaseMean = null;
    }
    this.magnet.age++;
    const n = b.size;
    const A = b.spec.actions;
    if (b.magnetLogp?.length !== n * A) b.magnetLogp = new Float32Array(n * A);
    if (this.magnetLogits.length !== n * A) this.magnetLogits = new Float32Array(n * A);
    this.magnet.forward.actorForward(b.obs, n, this.magnetLogits);
    const logits = this.magnetLogits;
    const out = b.magnetLogp;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < A; j++) if (b.masks[i * A + j] === 1 && logits[i * A + j]! > max) max = logits[i * A + j]!;
      let z = 0;
      for (let j = 0; j < A; j++) if (b.masks[i * A + j] === 1) z += Math.exp(logits[i * A + j]! - max);
      const lse = max + Math.log(z);
      // ρ = (1 − ε)·softmax + ε·uniform over the legal actions: a magnet that keeps full support, so an
      // action the policy has dropped is still pulled back in (a pure copy would hold it at 0)
      let legal = 0;
      for (let j = 0; j < A; j++) legal += b.masks[i * A + j]!;
      const eps = magnetMixAt(this.config, progress);
      for (let j = 0; j < A; j++) out[i * A + j] = b.masks[i * A + j] === 1 ? Math.log((1 - eps) * Math.exp(logits[i * A + j]! - lse) + eps / legal) : 0;
    }
  }

  /** The learner's working buffer for these segments (copied in once; a collector's own RolloutBuffer is used as is). */
  private bufferFor(segments: readonly Trajectory[]): RolloutBuffer {
    if (segments.length === 1 && segments[0] instanceof RolloutBuffer) return segments[0];
    const first = segments[0]!;
    const T = first.steps;
    const C = segments.reduce((a, s) => a + s.columns, 0);
    const continuous = hasContinuousActions(first);
    if (!this.buffer || this.buffer.spec.steps !== T || this.buffer.spec.envs !== C || this.buffer.spec.continuous !== continuous || (this.buffer.criticObs === null) !== (first.criticObs === null)) {
      const per = T * first.columns;
      const actions = (continuous ? first.continuousActions!.length : first.masks.length) / per;
      this.buffer = new RolloutBuffer({ steps: T, envs: C, obsSize: first.obs.length / per, criticSize: first.criticObs ? first.criticObs.length / per : 0, actions, continuous });
    }
    concatTrajectories(segments, this.buffer);
    return this.buffer;
  }

  update(segments: readonly Trajectory[], progress: number): Stats {
    const c = this.config;
    const b = this.bufferFor(segments);
    let extra: Stats = {};
    if (c.algo === 'impala') {
      // V-trace targets and advantages against the current policy (Espeholt et al. 2018)
      extra = vtraceAdvantages(b, this.learner, { gamma: c.gamma, lambda: c.lambda, rhoBar: c.rhoBar, cBar: c.cBar });
    } else {
      computeGae(
        { steps: b.spec.steps, envs: b.spec.envs, rewards: b.rewards, values: b.values, nextValues: b.nextValues, dones: b.dones, valid: b.valid, gamma: c.gamma, lambda: c.lambda },
        b.advantages,
        b.returns,
      );
    }
    this.applyMagnet(b, progress);
    if (this.magnet) extra = { ...extra, 'charts/magnet_mix': magnetMixAt(this.config, progress) };
    const stats = this.learner.update(b, progress, this.magnet ? magnetLrScale(c, this.magnet.age) : 1);
    if (this.magnet && c.magnetAverage && 2 * this.magnet.age > c.magnetEvery!) this.accumulatePhaseMean();
    return { ...stats, ...extra };
  }

  /** Adds the weights after this update to the running mean of the phase's second half. */
  private accumulatePhaseMean(): void {
    const weights = this.policy.getWeights();
    if (!this.phaseMean) {
      this.phaseMean = { mean: weights.map((w) => Float64Array.from(w)), count: 1 };
      return;
    }
    const n = ++this.phaseMean.count;
    weights.forEach((w, i) => {
      const m = this.phaseMean!.mean[i]!;
      for (let j = 0; j < w.length; j++) m[j]! += (w[j]! - m[j]!) / n;
    });
  }

  snapshot(): Uint8Array {
    return encodeSnapshot({ game: this.game, spec: this.policy.spec, weights: this.policy.getWeights(), obsRms: this.obsRms?.toJSON() ?? null });
  }

  extraState(): Record<string, unknown> {
    if (!this.magnet) return {};
    const mean = this.phaseMean ? { mean: this.phaseMean.mean.map(toBase64), meanCount: this.phaseMean.count } : {};
    const magnet: MagnetState = { weights: this.magnet.weights.map(toBase64), age: this.magnet.age, ...mean };
    return { magnet };
  }

  dispose(): void {
    this.learner.dispose();
    this.policy.dispose();
  }
}

/** Extra training state a team checkpoint keeps. */
export interface TeamExtra {
  readonly algo: TeamAlgo;
  readonly shareParams: boolean;
  readonly valueNorms: (ValueNormData | null)[];
}

export class TeamAlgorithm implements Algorithm {
  readonly learner: MappoLearner;
  readonly policies: readonly ActorCritic[];
  readonly optimizers: readonly OptimizerState[];
  private readonly game: string;
  private readonly teamSize: number;

  constructor(opts: { config: TrainConfig; info: GameInfo; teamSize: number; seed: number; rng: Rng; policies?: ActorCritic[]; team?: TeamExtra | null }) {
    const { config, info, teamSize } = opts;
    if (config.algo !== 'mappo' && config.algo !== 'ippo') throw new ConfigError(`team training runs mappo or ippo, not ${config.algo}`);
    this.game = info.id;
    this.teamSize = teamSize;
    this.learner = new MappoLearner({
      algo: config.algo,
      obsSize: info.observationSize,
      stateSize: agentStateSize(info),
      teamSize,
      actions: info.actions,
      hidden: config.hidden,
      activation: config.activation,
      shareParams: config.shareParams ?? true,
      valueNorm: config.valueNorm ?? true,
      gamma: config.gamma,
      lambda: config.lambda,
      settings: learnerSettings(config),
      seed: opts.seed,
      rng: opts.rng,
      policies: opts.policies,
      valueNorms: opts.team?.valueNorms,
    });
    this.policies = this.learner.policies;
    this.optimizers = this.learner.learners.map((l) => l.optimizer);
  }

  update(segments: readonly Trajectory[], progress: number): Stats {
    const t = concatTrajectories(segments);
    return { ...this.learner.update({ ...t, teamSize: this.teamSize }, progress) };
  }

  snapshot(): Uint8Array {
    return encodeTeamSnapshot(this.game, this.learner.spec, this.learner.weights());
  }

  extraState(): Record<string, unknown> {
    const team: TeamExtra = { algo: this.learner.algo, shareParams: this.learner.shareParams, valueNorms: this.learner.valueNorms.map((v) => v?.toJSON() ?? null) };
    return { team };
  }

  dispose(): void {
    this.learner.dispose();
  }
}
