/**
 * Single-agent training on the main thread: a vector env (against a fixed bot on the other seats of
 * multi-seat games) collected with batched inference over the learner's own parameters. The
 * `LocalCollector` is the training loop's collector for this mode (loop.ts); `TrainingRun` is the same
 * parts driven one update at a time, with no disk IO, for tests.
 */
import type { ActorCritic } from '../../agents/policy.ts';
import { createBot } from '../../agents/index.ts';
import { isContinuous, Rng, type Agent, type Game, type GameState, type Seat } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { RolloutBuffer } from '../algorithms/buffer.ts';
import { RewardScaler, RunningMeanStd } from '../algorithms/running-stats.ts';
import { VecEnv } from '../env/vec-env.ts';
import { playSeries, seriesMetrics } from '../eval/match.ts';
import type { LearnerRef, Segment, SegmentCollector } from '../selfplay/collectors.ts';
import { newPolicy, PolicyGradientAlgorithm, type Stats } from './algorithm.ts';
import { Collector, type Inference } from './collector.ts';
import type { TrainConfig } from './config.ts';
import { BalancedOpenings, defaultOpeningPlies, type OpeningScheme } from '../eval/openings.ts';

export { learnerSettings } from './algorithm.ts';

/** The learner's current weights as an agent that samples its moves, one forward pass per move (evaluation). */
class InferenceAgent implements Agent {
  readonly name = 'learner';
  private readonly policy: Inference;
  private readonly obsRms: RunningMeanStd | null;
  private readonly rng: Rng;
  private readonly obs: Float32Array;
  private readonly mask: Uint8Array;
  private readonly out = { actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };

  constructor(policy: Inference, obsRms: RunningMeanStd | null, obsSize: number, actions: number, seed: number) {
    this.policy = policy;
    this.obsRms = obsRms;
    this.rng = new Rng(seed);
    this.obs = new Float32Array(obsSize);
    this.mask = new Uint8Array(actions);
  }

  act(state: GameState, seat: Seat): number {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    state.legalMask(seat, this.mask);
    this.policy.act(this.obs, 1, this.mask, this.rng, this.out);
    return this.out.actions[0]!;
  }
}

/** The vector env of a single-agent run as a segment collector (one segment per update, always the current weights). */
export class LocalCollector implements SegmentCollector {
  readonly segmentsPerUpdate = 1;
  readonly env: VecEnv;
  readonly buffer: RolloutBuffer;
  private readonly collector: Collector;
  private readonly game: Game;
  private readonly inference: Inference;
  private readonly obsRms: RunningMeanStd | null;
  private readonly evalGames: number;
  private readonly evalOpeningPlies: number | null;
  private readonly evalOpenings: OpeningScheme;
  /** The balanced evaluation openings, enumerated once for every evaluation (null: random openings). */
  private readonly evalBook: BalancedOpenings | null;
  private evaluations = 0;

  /** `evalBook`: the run's balanced evaluation openings when its caller enumerated them already (null: none; absent: enumerated here). */
  constructor(o: { config: TrainConfig; game: Game; algorithm: PolicyGradientAlgorithm; rng: Rng; obsRms: RunningMeanStd | null; update: number; evalBook?: BalancedOpenings | null }) {
    const { config, game } = o;
    const { info } = game;
    const opponent = info.seats > 1 ? createBot(config.opponent, info, config.seed + 17) : undefined;
    // a resumed run starts fresh episodes from a different seed (the games in flight were not saved)
    this.env = new VecEnv({ game, envs: config.envs, seed: config.seed + o.update * 7919, opponent, openingPlies: config.trainOpeningPlies ?? 0 });
    this.buffer = new RolloutBuffer({ steps: config.steps, envs: config.envs, obsSize: info.observationSize, criticSize: 0, actions: info.actions, continuous: isContinuous(info) });
    const learner = o.algorithm.learner;
    // the fast learner's forward pass reads its own flat parameters: no tfjs call per rollout step
    this.inference = learner.inference();
    this.game = game;
    this.obsRms = o.obsRms;
    this.evalGames = config.evalGames;
    this.evalOpeningPlies = config.evalOpeningPlies ?? null; // null also for runs configured before the field existed
    this.evalOpenings = config.evalOpenings ?? 'random';
    const evalPlies = this.evalOpeningPlies ?? defaultOpeningPlies(info);
    this.evalBook = o.evalBook !== undefined ? o.evalBook : this.evalOpenings === 'balanced' && evalPlies > 0 && info.seats > 1 ? new BalancedOpenings(game.newState(0), evalPlies) : null;
    this.collector = new Collector({
      env: this.env,
      policy: this.inference,
      buffer: this.buffer,
      rng: o.rng,
      obsRms: o.obsRms,
      rewardScaler: config.normReward ? new RewardScaler(config.envs, config.gamma) : null,
      mode: config.algo === 'reinforce' ? 'episodes' : 'continuing',
    });
  }

  async collect(learner: LearnerRef): Promise<Segment> {
    return this.collectNow(learner);
  }

  /** The same, synchronously (the env runs on this thread). */
  collectNow(learner: LearnerRef): Segment {
    const episodes = this.collector.collect();
    return {
      learner: learner.id,
      version: learner.version,
      trajectory: this.buffer,
      steps: this.buffer.validCount(),
      games: episodes.map((e) => ({ opponent: null, score: null, side: null, return: e.return, length: e.length })),
      envSeconds: 0,
      inferenceSeconds: 0,
    };
  }

  /** Multi-seat games: the learner (sampling, as a checkpoint plays) against a bot, paired games from random openings. */
  async evaluate(_learner: LearnerRef, bot: string): Promise<Record<string, number>> {
    const { info } = this.game;
    if (info.seats < 2) return {};
    const seed = 1_000_003 * ++this.evaluations;
    const me = new InferenceAgent(this.inference, this.obsRms, info.observationSize, info.actions, seed);
    const openings = { openings: this.evalOpenings, ...(this.evalOpeningPlies === null ? {} : { openingPlies: this.evalOpeningPlies }), ...(this.evalBook ? { book: this.evalBook } : {}) };
    return seriesMetrics(bot, playSeries({ game: this.game, agents: [me, createBot(bot, info, seed + 1)], games: this.evalGames, seed, ...openings }));
  }
}

export interface UpdateResult {
  readonly update: number;
  readonly globalStep: number;
  readonly episodes: { readonly return: number; readonly length: number }[];
  readonly stats: Stats;
}

export class TrainingRun {
  readonly config: TrainConfig;
  readonly game: Game;
  readonly policy: ActorCritic;
  readonly algorithm: PolicyGradientAlgorithm;
  readonly collector: LocalCollector;
  readonly obsRms: RunningMeanStd | null;
  /** Sampling and shuffling RNG (its state is checkpointed). */
  readonly rng: Rng;
  update = 0;
  globalStep = 0;

  /** `restore` continues a checkpointed run: its policy, statistics, counters and RNG state. */
  constructor(config: TrainConfig, restore?: { policy: ActorCritic; obsRms: RunningMeanStd | null; update: number; globalStep: number; rng: readonly number[] }) {
    this.config = config;
    this.game = getGame(config.game);
    this.policy = restore?.policy ?? newPolicy(config, this.game.info, config.seed);
    this.rng = new Rng(config.seed + 1);
    if (restore) {
      this.rng.setState(restore.rng);
      this.update = restore.update;
      this.globalStep = restore.globalStep;
    }
    this.obsRms = config.normObs ? (restore?.obsRms ?? new RunningMeanStd(this.game.info.observationSize)) : null;
    this.algorithm = new PolicyGradientAlgorithm({ config, info: this.game.info, policy: this.policy, rng: this.rng, obsRms: this.obsRms });
    this.collector = new LocalCollector({ config, game: this.game, algorithm: this.algorithm, rng: this.rng, obsRms: this.obsRms, update: this.update });
  }

  get learner() {
    return this.algorithm.learner;
  }

  get done(): boolean {
    return this.globalStep >= this.config.totalSteps;
  }

  /** One update: collect a rollout, compute advantages, optimise. */
  step(): UpdateResult {
    const progress = Math.min(1, this.globalStep / this.config.totalSteps);
    const seg = this.collector.collectNow({ id: 'main', version: this.update + 1 });
    const stats = this.algorithm.update([seg.trajectory], progress);
    this.update++;
    this.globalStep += seg.steps;
    return { update: this.update, globalStep: this.globalStep, episodes: seg.games.map((g) => ({ return: g.return, length: g.length })), stats };
  }

  dispose(): void {
    this.algorithm.dispose();
  }
}
