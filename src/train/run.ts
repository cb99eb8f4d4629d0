/**
 * A training run in memory: environments, policy, learner and statistics wired from one config,
 * advanced one update (collect → advantages → optimise) at a time. Disk IO (checkpoints, metrics)
 * lives in trainer.ts; this part is what tests drive directly.
 */
import { ActorCritic } from '../../agents/policy.ts';
import { createBot } from '../../agents/index.ts';
import { Rng, type Game } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { computeGae } from '../algorithms/advantages.ts';
import { RolloutBuffer } from '../algorithms/buffer.ts';
import type { UpdateStats } from '../algorithms/policy-gradient.ts';
import { FastLearner } from '../fast/learner.ts';
import { createLearner, type Learner } from '../fast/select.ts';
import type { OptimizerState } from './policy-checkpoint.ts';
import { RewardScaler, RunningMeanStd } from '../algorithms/running-stats.ts';
import { VecEnv, type EpisodeRecord } from '../env/vec-env.ts';
import { Collector } from './collector.ts';
import type { TrainConfig } from './config.ts';
import type { LearnerSettings } from '../algorithms/policy-gradient.ts';

/** The learner's settings from a training config: PPO's (and MAPPO's) clipped loss, or the vanilla one for A2C/REINFORCE. */
export function learnerSettings(config: TrainConfig): LearnerSettings {
  return {
    kind: config.algo === 'a2c' || config.algo === 'reinforce' ? 'vanilla' : 'clipped',
    clip: config.clip,
    clipValue: config.clipValue,
    entCoef: config.entCoef,
    entCoefFinal: config.entCoefFinal,
    vfCoef: config.vfCoef,
    normAdv: config.normAdv,
    epochs: config.epochs,
    minibatchSize: config.minibatchSize,
    lr: config.lr,
    annealLr: config.annealLr,
    annealClip: config.annealClip,
    maxGradNorm: config.maxGradNorm,
    targetKl: config.targetKl,
    optimizer: config.optimizer,
    optimizerEps: config.optimizerEps,
  };
}

export interface UpdateResult {
  readonly update: number;
  readonly globalStep: number;
  readonly episodes: EpisodeRecord[];
  readonly stats: UpdateStats;
}

export class TrainingRun {
  readonly config: TrainConfig;
  readonly game: Game;
  readonly policy: ActorCritic;
  readonly learner: Learner & { readonly optimizer: OptimizerState };
  readonly env: VecEnv;
  readonly buffer: RolloutBuffer;
  readonly obsRms: RunningMeanStd | null;
  readonly rewardScaler: RewardScaler | null;
  /** Sampling and shuffling RNG (its state is checkpointed). */
  readonly rng: Rng;
  /** Updates done so far (restored on resume). */
  update = 0;
  globalStep = 0;
  private readonly collector: Collector;

  /** `restore` continues a checkpointed run: its policy, statistics, counters and RNG state. */
  constructor(config: TrainConfig, restore?: { policy: ActorCritic; obsRms: RunningMeanStd | null; update: number; globalStep: number; rng: readonly number[] }) {
    this.config = config;
    this.game = getGame(config.game);
    const { info } = this.game;
    const opponent = info.seats > 1 ? createBot(config.opponent, info, config.seed + 17) : undefined;
    // a resumed run starts fresh episodes from a different seed (the games in flight were not saved)
    this.env = new VecEnv({ game: this.game, envs: config.envs, seed: config.seed + (restore?.update ?? 0) * 7919, opponent });
    this.policy =
      restore?.policy ??
      new ActorCritic(
        { obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: config.hidden, activation: config.activation },
        config.seed,
      );
    this.rng = new Rng(config.seed + 1);
    if (restore) {
      this.rng.setState(restore.rng);
      this.update = restore.update;
      this.globalStep = restore.globalStep;
    }
    this.learner = createLearner({
      policy: this.policy,
      rng: this.rng,
      settings: learnerSettings(config),
    });
    this.buffer = new RolloutBuffer({ steps: config.steps, envs: config.envs, obsSize: info.observationSize, criticSize: 0, actions: info.actions, continuous: false });
    this.obsRms = config.normObs ? (restore?.obsRms ?? new RunningMeanStd(info.observationSize)) : null;
    this.rewardScaler = config.normReward ? new RewardScaler(config.envs, config.gamma) : null;
    this.collector = new Collector({
      env: this.env,
      // the fast learner's forward pass reads its own flat parameters: no tfjs call per rollout step
      policy: this.learner instanceof FastLearner ? this.learner.fastForward() : this.policy,
      buffer: this.buffer,
      rng: this.rng,
      obsRms: this.obsRms,
      rewardScaler: this.rewardScaler,
      mode: config.algo === 'reinforce' ? 'episodes' : 'continuing',
    });
  }

  get done(): boolean {
    return this.globalStep >= this.config.totalSteps;
  }

  /** One update: collect a rollout, compute GAE(γ, λ) advantages, optimise. */
  step(): UpdateResult {
    const { config: c, buffer: b } = this;
    const progress = Math.min(1, this.globalStep / c.totalSteps);
    const episodes = this.collector.collect();
    computeGae(
      { steps: c.steps, envs: c.envs, rewards: b.rewards, values: b.values, nextValues: b.nextValues, dones: b.dones, valid: b.valid, gamma: c.gamma, lambda: c.lambda },
      b.advantages,
      b.returns,
    );
    const stats = this.learner.update(b, progress);
    this.update++;
    this.globalStep += b.validCount();
    return { update: this.update, globalStep: this.globalStep, episodes, stats };
  }

  dispose(): void {
    this.learner.dispose();
    this.policy.dispose();
  }
}
