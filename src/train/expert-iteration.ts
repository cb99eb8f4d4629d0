/**
 * `--algo alphazero`: expert iteration (AlphaZero, Silver et al. 2018; Anthony et al. 2017). The
 * actors play self-play games in which search chooses every move (src/selfplay/search-selfplay.ts);
 * this learner keeps their positions in a replay window and trains the network toward what the search
 * found: its policy toward the search's move distribution π, its value toward the game's outcome z
 * (src/algorithms/losses.ts, kind 'search'; AlphaZero's eq. 1 without the L2 term). The search, guided
 * by the better network, then finds better moves: policy improvement by search, evaluation by outcomes.
 *
 * One update, per segment batch the feed hands over:
 * 1. the segments' rows (positions and their symmetric images) enter the replay window (`bufferSize`
 *    rows, the oldest overwritten);
 * 2. once it holds `learningStarts` rows, `epochs` × (new rows) rows are drawn uniformly from it,
 *    rounded to whole minibatches (at least one), and the learner takes one pass over them: each row
 *    is trained on `epochs` times on average over its life in the window, however fast the actors are.
 *    The value target is the outcome z, or with `valueTargetMix` m the blend (1 − m)·z + m·q with the
 *    search's root value q (a lower-variance target: z of a game decided by a late blunder says little
 *    about an early position; q says what search saw there).
 *
 * The replay window is not checkpointed: a resumed run refills it from new games (`learningStarts`
 * rows first).
 */
import type { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type GameInfo, type Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../algorithms/buffer.ts';
import { PositionColumns } from '../algorithms/positions.ts';
import type { LearnerSettings } from '../algorithms/policy-gradient.ts';
import type { Trajectory } from '../algorithms/trajectory.ts';
import { createLearner, type Learner } from '../fast/select.ts';
import type { SearchSettings } from '../selfplay/collectors.ts';
import { encodeSnapshot } from '../selfplay/snapshot.ts';
import { learnerSettings, type Algorithm, type Stats } from './algorithm.ts';
import type { TrainConfig } from './config.ts';
import type { OptimizerState } from './policy-checkpoint.ts';

/** A trajectory of positions with the search's move distributions and values (SearchSelfPlayResult). */
export type SearchTrajectory = Trajectory & {
  readonly searchPolicy: Float32Array;
  readonly searchValue: Float32Array;
  /** The segment's games (SearchSelfPlayResult.games), for their random-move counts. */
  readonly games?: readonly { readonly randomMoves: number }[];
  /** Searches run and the root visits they started from (SearchSelfPlayResult, `treeReuse`). */
  readonly searches?: number;
  readonly keptVisits?: number;
  /** Of `searches`, the fast ones that recorded nothing (`fastSimulations`). */
  readonly fastSearches?: number;
};

export function isSearchTrajectory(t: Trajectory): t is SearchTrajectory {
  const s = t as Partial<SearchTrajectory>;
  return s.searchPolicy instanceof Float32Array && s.searchValue instanceof Float32Array;
}

/** The learner's settings for expert iteration: AlphaZero's loss, one pass over each drawn batch, no advantages. */
export function expertIterationSettings(config: TrainConfig): LearnerSettings {
  return { ...learnerSettings(config), kind: 'search', epochs: 1, normAdv: false, targetKl: null, neurdBeta: null };
}

/** What the actors play, from the config (SearchCollector's settings). */
export function searchSettings(config: TrainConfig): SearchSettings {
  return {
    games: config.envs,
    simulations: config.simulations,
    cPuct: config.cPuct,
    rootNoise: { alpha: config.dirichletAlpha, fraction: config.noiseFraction },
    samplePlies: config.samplePlies,
    openingPlies: config.trainOpeningPlies,
    randomMoveRate: config.randomMoveRate,
    treeReuse: config.treeReuse,
    fastSimulations: config.fastSimulations,
    fullSearchRate: config.fullSearchRate,
    fpuReduction: config.fpuReduction,
    // leaves evaluated on the position alone: the images are trained on instead (`augment`), at no search cost
    symmetricEval: false,
    augment: config.augment,
  };
}

/** A ring of positions (src/algorithms/positions.ts' rows): the learner's replay window. */
export class PositionReplay {
  readonly capacity: number;
  size = 0;
  private next = 0;
  readonly rows: PositionColumns;

  constructor(capacity: number, obsSize: number, actions: number) {
    this.capacity = capacity;
    this.rows = new PositionColumns(capacity, obsSize, actions);
  }

  /** Adds every valid row of `t` (its reward is z), overwriting the oldest once full; returns how many. */
  add(t: SearchTrajectory): number {
    const { obsSize: O, moves: A } = this.rows;
    const n = t.steps * t.columns;
    if (t.obs.length !== n * O || t.searchPolicy.length !== n * A) throw new ConfigError(`search positions of ${t.obs.length / Math.max(1, n)} inputs and ${t.searchPolicy.length / Math.max(1, n)} moves do not fit a replay of ${O} and ${A}`);
    let added = 0;
    for (let i = 0; i < n; i++) {
      if (!t.valid[i]) continue;
      this.rows.copyRows(t, i, this.next, 1);
      this.next = (this.next + 1) % this.capacity;
      this.size = Math.min(this.capacity, this.size + 1);
      added++;
    }
    return added;
  }

  /**
   * Copies `buf.size` rows drawn uniformly (with replacement) into `buf`, π into `buf.searchPolicy`
   * and the value target into `buf.returns`: (1 − qMix)·z + qMix·q, the outcome blended with the
   * search's own value (0: AlphaZero's z alone).
   */
  sample(buf: RolloutBuffer, rng: Rng, qMix = 0): void {
    const { rows } = this;
    const { obsSize: O, moves: A } = rows;
    if (this.size === 0) throw new ConfigError('the replay of positions is empty');
    const pi = buf.searchPolicy!;
    for (let k = 0; k < buf.size; k++) {
      const r = rng.int(this.size);
      buf.obs.set(rows.obs.subarray(r * O, (r + 1) * O), k * O);
      buf.masks.set(rows.masks.subarray(r * A, (r + 1) * A), k * A);
      pi.set(rows.searchPolicy.subarray(r * A, (r + 1) * A), k * A);
      const z = rows.rewards[r]!;
      buf.returns[k] = qMix === 0 ? z : (1 - qMix) * z + qMix * rows.searchValue[r]!;
      buf.actions[k] = rows.actions[r]!;
      buf.logProbs[k] = rows.logProbs[r]!;
      buf.values[k] = rows.values[r]!;
      buf.advantages[k] = 0;
      buf.valid[k] = 1;
    }
  }
}

export class ExpertIterationAlgorithm implements Algorithm {
  readonly policy: ActorCritic;
  readonly learner: Learner;
  readonly policies: readonly ActorCritic[];
  readonly optimizers: readonly OptimizerState[];
  readonly replay: PositionReplay;
  private readonly config: TrainConfig;
  private readonly game: string;
  private readonly rng: Rng;
  /** Working batches by minibatch count (a handful of sizes over a run). */
  private readonly batches = new Map<number, RolloutBuffer>();

  constructor(opts: { config: TrainConfig; info: GameInfo; policy: ActorCritic; rng: Rng }) {
    const { config, info, policy } = opts;
    if (policy.spec.head !== 'categorical') throw new ConfigError(`alphazero learns a policy over discrete moves; ${info.id} has continuous actions`);
    if (config.normObs) throw new ConfigError('alphazero trains on raw observations (the search evaluates positions as the game observes them): set normObs false');
    this.config = config;
    this.game = info.id;
    this.policy = policy;
    this.rng = opts.rng;
    this.learner = createLearner({ policy, rng: opts.rng, settings: expertIterationSettings(config) });
    this.policies = [policy];
    this.optimizers = [this.learner.optimizer];
    this.replay = new PositionReplay(config.bufferSize, info.observationSize, info.actions);
  }

  update(segments: readonly Trajectory[], progress: number): Stats {
    // 1. new positions into the replay window
    let added = 0;
    let games = 0;
    let randomMoves = 0;
    let searches = 0;
    let keptVisits = 0;
    let fastSearches = 0;
    for (const s of segments) {
      if (!isSearchTrajectory(s)) throw new ConfigError('alphazero learns from search self-play positions; a segment without search targets reached it');
      added += this.replay.add(s);
      for (const g of s.games ?? []) randomMoves += g.randomMoves;
      games += s.games?.length ?? 0;
      searches += s.searches ?? 0;
      keptVisits += s.keptVisits ?? 0;
      fastSearches += s.fastSearches ?? 0;
    }
    const base: Stats = { 'charts/replay_size': this.replay.size, 'charts/new_positions': added };
    // randomMoveRate's moves actually played (those that differed from the search's), per game finished
    if (games > 0) base['search/random_moves_per_game'] = randomMoves / games;
    if (searches > 0) {
      // treeReuse: the visits a search started from, on average (0 without it)
      base['search/kept_visits'] = keptVisits / searches;
      // fastSimulations: the share of searches that were fast (their plies not recorded)
      base['search/fast_share'] = fastSearches / searches;
    }
    if (this.replay.size < Math.max(1, this.config.learningStarts)) return base;
    // 2. epochs × new rows drawn from the window, in whole minibatches, one pass
    const mb = this.config.minibatchSize;
    const minibatches = Math.max(1, Math.round((this.config.epochs * added) / mb));
    const buf = this.batch(minibatches);
    this.replay.sample(buf, this.rng, this.config.valueTargetMix ?? 0);
    return { ...this.learner.update(buf, progress), ...base, ...targetStats(buf) };
  }

  private batch(minibatches: number): RolloutBuffer {
    let b = this.batches.get(minibatches);
    if (!b) {
      const { obsSize, moves: A } = this.replay.rows;
      b = new RolloutBuffer({ steps: minibatches * this.config.minibatchSize, envs: 1, obsSize, criticSize: 0, actions: A, continuous: false });
      b.searchPolicy = new Float32Array(b.size * A);
      this.batches.set(minibatches, b);
    }
    return b;
  }

  snapshot(): Uint8Array {
    return encodeSnapshot({ game: this.game, spec: this.policy.spec, weights: this.policy.getWeights(), obsRms: null });
  }

  extraState(): Record<string, unknown> {
    return {};
  }

  dispose(): void {
    this.learner.dispose();
    this.policy.dispose();
  }
}

/** The batch's targets: the mean entropy of π (how decided the search was) and the mean outcome z. */
function targetStats(b: RolloutBuffer): Stats {
  const A = b.spec.actions;
  const pi = b.searchPolicy!;
  let h = 0;
  let z = 0;
  for (let i = 0; i < b.size; i++) {
    for (let j = 0; j < A; j++) {
      const p = pi[i * A + j]!;
      if (p > 0) h -= p * Math.log(p);
    }
    z += b.returns[i]!;
  }
  return { 'search/target_entropy': h / b.size, 'search/mean_outcome': z / b.size };
}
