/**
 * Off-policy training (DDPG, TD3, SAC) as a collector/algorithm pair for the one training loop (loop.ts):
 *
 * - `OffPolicyCollector` plays `steps` steps in each env of a vector env per update, acting with the
 *   learner's current actor (uniformly random actions for the first `learningStarts` steps, as SB3),
 *   and hands the transitions over in the segment (a TransitionBatch: s, a, r, s', terminated, truncated);
 * - `OffPolicyAlgorithm` adds them to its replay buffer and, once more than `learningStarts`
 *   transitions were seen, takes `gradientSteps` gradient steps on minibatches sampled from it.
 *
 * With `steps` 1 and `gradientSteps` 1 (the default) the loop alternates one env step and one gradient
 * step, SB3's train_freq 1 / gradient_steps 1. The networks act in [−1, 1] per action dimension; the
 * collector maps that box onto the game's (`GameInfo.actionSpace`) linearly, as SB3's `unscale_action`.
 *
 * On a two-seat game (duel) the learner is the main agent of a league instead, its games played by
 * src/train/offpolicy-selfplay.ts and its actor frozen into the league as snapshots (`snapshot()`).
 *
 * Evaluation (`eval/return`): the deterministic policy — μ(s), or tanh of SAC's mean — plays `evalGames`
 * fresh episodes; their mean return. It is the agent `arena eval` plays from a checkpoint
 * (agents/offpolicy-agent.ts, on a copy of the learner's current weights) in `evaluateAgent`'s episodes.
 */
import { ConfigError, isContinuous, Rng, type Game, type GameInfo } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { OffPolicyAgent, unitToBox } from '../../agents/offpolicy-agent.ts';
import type { Mlp, OffPolicyLearner, OptimizerWeights } from '../algorithms/offpolicy-nets.ts';
import { allocReplayBatch, allocTransitionBatch, isTransitionBatch, ReplayBuffer, type ReplayBatch, type TransitionBatch } from '../algorithms/replay-buffer.ts';
import { SacLearner } from '../algorithms/sac.ts';
import { Td3Learner } from '../algorithms/td3.ts';
import type { Trajectory } from '../algorithms/trajectory.ts';
import { VecEnv } from '../env/vec-env.ts';
import { FastSacLearner } from '../fast/sac.ts';
import { chooseOffPolicyLearner } from '../fast/select.ts';
import { FastTd3Learner } from '../fast/td3.ts';
import { evaluateAgent } from '../eval/evaluate.ts';
import type { LearnerRef, Segment, SegmentCollector } from '../selfplay/collectors.ts';
import type { Algorithm, Stats } from './algorithm.ts';
import { isOffPolicy, type TrainConfig } from './config.ts';
import { encodeOffPolicySnapshot, type OffPolicyNets } from './offpolicy-actor.ts';
import { saveOffPolicyCheckpoint, type LoadedOffPolicy, type OffPolicyExtra } from './offpolicy-checkpoint.ts';
import type { OptimizerState, TrainingState } from './policy-checkpoint.ts';

/** The action box of a continuous game: low[j], high[j] per dimension. */
function actionBox(info: GameInfo): { low: readonly number[]; high: readonly number[] } {
  if (!isContinuous(info)) throw new ConfigError(`${info.id} has discrete actions: off-policy algorithms need a continuous action space`);
  return info.actionSpace;
}

/** A fresh learner for `config` on `info` from `seed`, or the one in a checkpoint's networks. */
export function newOffPolicyLearner(config: TrainConfig, info: GameInfo, seed: number, restore?: LoadedOffPolicy | null): OffPolicyLearner {
  const { algo } = config;
  if (!isOffPolicy(algo)) throw new ConfigError(`${algo} is not an off-policy algorithm`);
  const common = { obsSize: info.observationSize, actionDims: info.actions, hidden: config.hidden, activation: config.activation, lr: config.lr, optimizerEps: config.optimizerEps, gamma: config.gamma, tau: config.tau };
  const nets = restore?.networks;
  const net = (name: string): Mlp => {
    const n = nets?.[name];
    if (!n) throw new ConfigError(`the ${algo} checkpoint has no network '${name}'`);
    return n;
  };
  const critics = algo === 'ddpg' ? 1 : 2;
  const criticNames = Array.from({ length: critics }, (_, i) => `critic-${i}`);
  // the fast path (src/fast/sac.ts, td3.ts) where the PPO learner would take it: same updates, same checkpoints
  const { kind, reason } = chooseOffPolicyLearner();
  log.info(`${algo}: ${kind === 'fast' ? 'fast' : 'tfjs reference'} learner (${reason})`);
  if (algo === 'sac') {
    const networks = nets ? { actor: net('actor'), critics: criticNames.map(net), criticTargets: criticNames.map((c) => net(`${c}-target`)), logAlpha: restore!.variables['log-alpha'] ?? 0 } : undefined;
    const settings = { ...common, alpha: config.alpha, targetEntropy: config.targetEntropy };
    return kind === 'fast' ? new FastSacLearner(settings, seed, networks) : new SacLearner(settings, seed, networks);
  }
  const networks = nets ? { actor: net('actor'), actorTarget: net('actor-target'), critics: criticNames.map(net), criticTargets: criticNames.map((c) => net(`${c}-target`)) } : undefined;
  const settings = { ...common, algo, critics, policyDelay: config.policyDelay, targetNoise: config.targetNoise, targetNoiseClip: config.targetNoiseClip, actionNoise: config.actionNoise } as const;
  return kind === 'fast' ? new FastTd3Learner(settings, seed, networks) : new Td3Learner(settings, seed, networks);
}

export class OffPolicyAlgorithm implements Algorithm {
  /** Off-policy learners have no ActorCritic: they save their own checkpoints (`save`). */
  readonly policies = [];
  readonly optimizers: readonly OptimizerState[] = [];
  readonly learner: OffPolicyLearner;
  readonly replay: ReplayBuffer;
  readonly info: GameInfo;
  private readonly config: TrainConfig;
  private readonly rng: Rng;
  private readonly batch: ReplayBatch;
  /** Transitions added since the run began. */
  private transitions: number;

  private constructor(o: { config: TrainConfig; info: GameInfo; seed: number; rng: Rng; restore: LoadedOffPolicy | null }) {
    const { config, info, restore } = o;
    actionBox(info);
    this.config = config;
    this.info = info;
    this.rng = o.rng;
    this.learner = newOffPolicyLearner(config, info, o.seed, restore);
    this.learner.updates = restore?.state.offPolicy.gradientSteps ?? 0;
    this.transitions = restore?.state.offPolicy.transitions ?? 0;
    this.replay = restore?.replay ?? new ReplayBuffer({ capacity: config.bufferSize, obsSize: info.observationSize, actionDims: info.actions });
    this.batch = allocReplayBatch({ obsSize: info.observationSize, actionDims: info.actions }, config.minibatchSize);
  }

  /** A fresh learner, or the one of a checkpoint with its optimizers' state and replay buffer. */
  static async create(o: { config: TrainConfig; info: GameInfo; seed: number; rng: Rng; restore?: LoadedOffPolicy | null }): Promise<OffPolicyAlgorithm> {
    const restore = o.restore ?? null;
    const algorithm = new OffPolicyAlgorithm({ ...o, restore });
    if (restore) {
      const opts = algorithm.learner.optimizers();
      for (const [name, weights] of Object.entries(restore.optimizers)) {
        const opt = opts[name];
        if (!opt) throw new ConfigError(`the checkpoint has optimizer state for '${name}', which ${o.config.algo} does not have`);
        await opt.setWeights(weights);
      }
      log.info(
        restore.replay
          ? `${o.config.algo}: resumed with the replay buffer (${restore.replay.size} transitions), ${algorithm.learner.updates} gradient steps done`
          : `${o.config.algo}: resumed without a replay buffer (the run had saveReplay off): it refills from the resumed policy before gradient steps continue`,
      );
    }
    return algorithm;
  }

  update(segments: readonly Trajectory[], _progress: number): Stats {
    let added = 0;
    for (const s of segments) {
      if (!isTransitionBatch(s)) throw new ConfigError(`${this.config.algo} learns from the off-policy collector's transitions, not from rollouts`);
      this.replay.addBatch(s);
      added += s.steps * s.columns;
    }
    this.transitions += added;
    const stats: Stats = { 'charts/replay_size': this.replay.size };
    // SB3 trains once more than learning_starts steps were played; a buffer refilling after a resume
    // without one waits until it holds that many again
    if (this.transitions <= this.config.learningStarts || this.replay.size < Math.min(this.config.minibatchSize, this.config.learningStarts + 1)) return stats;
    const sums: Stats = {};
    for (let g = 0; g < this.config.gradientSteps; g++) {
      this.replay.sample(this.rng, this.batch);
      for (const [k, v] of Object.entries(this.learner.train(this.batch, this.rng))) sums[k] = (sums[k] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(sums)) stats[k] = v / this.config.gradientSteps;
    stats['charts/learning_rate'] = this.config.lr;
    stats['charts/gradient_steps'] = this.learner.updates;
    return stats;
  }

  /** Actions in [−1, 1] (see OffPolicyLearner.act). */
  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean): void {
    this.learner.act(obs, rows, out, explore, this.rng);
  }

  /** The actor (and first critic) as off-policy snapshot bytes: what the league freezes (agentFromSnapshot plays them). */
  snapshot(): Uint8Array {
    return encodeOffPolicySnapshot({ game: this.info.id, nets: this.actorNets(), obsRms: null });
  }

  extraState(): Record<string, unknown> {
    const offPolicy: OffPolicyExtra = { gradientSteps: this.learner.updates, transitions: this.transitions };
    return { offPolicy };
  }

  /** Writes the checkpoint: every network, the optimizers, log α, the state and (with `saveReplay`) the replay buffer. */
  async save(dir: string, state: TrainingState): Promise<void> {
    await saveOffPolicyCheckpoint(dir, {
      learner: this.learner,
      replay: this.config.saveReplay ? this.replay : null,
      state: { ...state, offPolicy: { gradientSteps: this.learner.updates, transitions: this.transitions } },
      obsSize: this.info.observationSize,
      actionDims: this.info.actions,
    });
  }

  /** The actor and first critic with their current weights, as plain arrays (what a checkpoint's reader gives, offpolicy-actor.ts). */
  actorNets(): OffPolicyNets {
    const nets = this.learner.networks();
    const { algo, hidden, activation } = this.config;
    const weights = [...nets['actor']!.getWeights(), ...nets['critic-0']!.getWeights()];
    return { algo: algo as OffPolicyNets['algo'], obsSize: this.info.observationSize, actionDims: this.info.actions, hidden, activation, weights };
  }

  /** The learner's optimizers by name (tests). */
  optimizerMap(): Record<string, OptimizerWeights> {
    return this.learner.optimizers();
  }

  dispose(): void {
    this.learner.dispose();
  }
}

/** The vector env of an off-policy run: transitions for the replay buffer, and evaluation of the deterministic policy. */
export class OffPolicyCollector implements SegmentCollector {
  readonly segmentsPerUpdate = 1;
  readonly env: VecEnv;
  readonly batch: TransitionBatch;
  private readonly game: Game;
  private readonly algorithm: OffPolicyAlgorithm;
  private readonly rng: Rng;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly scaled: Float32Array;
  private readonly learningStarts: number;
  private readonly evalGames: number;
  private readonly seed: number;
  /** Env steps played (all envs) since the run began: random actions until `learningStarts`. */
  private played: number;
  private evaluations = 0;
  /** The agent evaluations play, on the learner's weights of the moment (built by the first). */
  private evalAgent: OffPolicyAgent | null = null;

  constructor(o: { config: TrainConfig; game: Game; algorithm: OffPolicyAlgorithm; rng: Rng; globalStep: number; update: number }) {
    const { config, game } = o;
    const { info } = game;
    const box = actionBox(info);
    // a resumed run starts fresh episodes from a different seed (the games in flight were not saved)
    this.env = new VecEnv({ game, envs: config.envs, seed: config.seed + o.update * 7919 });
    this.batch = allocTransitionBatch(config.steps, config.envs, info.observationSize, info.actions);
    this.game = game;
    this.algorithm = o.algorithm;
    this.rng = o.rng;
    this.low = Float64Array.from(box.low);
    this.high = Float64Array.from(box.high);
    this.scaled = new Float32Array(config.envs * info.actions);
    this.learningStarts = config.learningStarts;
    this.evalGames = config.evalGames;
    this.seed = config.seed;
    this.played = o.globalStep;
  }

  /** [−1, 1] network actions → the game's box (`unitToBox`, as the agent plays them), into `this.scaled`. */
  private toGame(actions: Float32Array, rows: number): Float32Array {
    unitToBox(actions, rows, this.low, this.high, this.scaled);
    return this.scaled.subarray(0, rows * this.low.length);
  }

  async collect(learner: LearnerRef): Promise<Segment> {
    return this.collectNow(learner);
  }

  /** Plays `steps` steps in every env (synchronously, on this thread) and records the transitions. */
  collectNow(learner: LearnerRef): Segment {
    const { env, batch: b } = this;
    const N = env.envs;
    const O = env.obsSize;
    const A = env.actions;
    const games: Segment['games'][number][] = [];
    for (let t = 0; t < b.steps; t++) {
      const base = t * N;
      const obs = b.obs.subarray(base * O, (base + N) * O);
      const actions = b.continuousActions.subarray(base * A, (base + N) * A);
      obs.set(env.obs);
      if (this.played < this.learningStarts) for (let i = 0; i < actions.length; i++) actions[i] = this.rng.uniform(-1, 1);
      else this.algorithm.act(obs, N, actions, true);
      env.stepContinuous(this.toGame(actions, N));
      this.played += N;
      for (let e = 0; e < N; e++) {
        const i = base + e;
        b.rewards[i] = env.rewards[e]!;
        b.terminated[i] = env.terminated[e]!;
        b.truncated[i] = env.truncated[e]!;
        b.dones[i] = env.terminated[e]! | env.truncated[e]!;
        // s': the final observation at a truncation (bootstrapped); after a termination the next
        // episode's first observation stands in, masked out of the target by (1 − terminated)
        b.nextObs.set((env.truncated[e] ? env.finalObs : env.obs).subarray(e * O, (e + 1) * O), i * O);
      }
      for (const ep of env.drainEpisodes()) games.push({ opponent: null, score: null, side: null, return: ep.return, length: ep.length });
    }
    return { learner: learner.id, version: learner.version, trajectory: b, steps: b.steps * N, games, envSeconds: 0, inferenceSeconds: 0 };
  }

  /**
   * The deterministic policy over `evalGames` fresh episodes, played as `arena eval` plays the run's
   * checkpoint (an OffPolicyAgent in `evaluateAgent`): `eval/return` (their mean return),
   * `eval/return_std`, `eval/length`.
   */
  async evaluate(_learner: LearnerRef): Promise<Record<string, number>> {
    const nets = this.algorithm.actorNets();
    if (this.evalAgent) this.evalAgent.setWeights(nets.weights);
    else this.evalAgent = new OffPolicyAgent({ name: 'learner', nets, info: this.game.info, deterministic: true });
    const r = evaluateAgent({ game: this.game, agent: this.evalAgent, episodes: this.evalGames, seed: (this.seed * 7919 + 1_000_003 * ++this.evaluations) >>> 0 });
    return { 'eval/return': r.meanReturn, 'eval/return_std': r.stdReturn, 'eval/length': r.meanLength, 'eval/episodes': r.episodes };
  }
}
