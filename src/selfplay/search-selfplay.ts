/**
 * Expert-iteration actors (AlphaZero, Silver et al. 2018; Anthony et al. 2017's "ExIt"): self-play
 * games in which every move is chosen by PUCT search (agents/mcts.ts) guided by the learner's current
 * network, recording for each position the search's move distribution π (the target the policy
 * learns, src/algorithms/losses.ts kind 'search') and, once the game ends, its final return z for the
 * seat to move there (the value target).
 *
 * - Both seats are the same searching network (pure self-play: the search is the improvement
 *   operator, no league opponent is needed to generate the targets).
 * - Exploration, as AlphaZero: Dirichlet noise on the root's priors, and the move drawn from π
 *   during the first `samplePlies` plies of a game, the most visited move after that.
 * - `openingPlies` uniformly random moves start each game (not recorded), so games from one task
 *   differ even before the noise does.
 * - `augment`: each position is recorded once more under each of the game's symmetries
 *   (`GameInfo.symmetries`: the board, the legal moves and π permuted together; z unchanged).
 *
 * The result is a trajectory of one column whose every row is one position as a one-step episode:
 * reward = z, done = 1, next value 0 (so any return estimator gives R = z), the action the search
 * played (or its image), and the network's log-probability of it and value at the root (diagnostics:
 * how far the search moved from the network). `searchPolicy` holds π, rows × actions, and
 * `searchValue` the search's own value of the position (its root Q).
 *
 * No tfjs in this module graph: it runs in the actor threads.
 */
import { MctsAgent, type RootNoise } from '../../agents/mcts.ts';
import { ConfigError, Rng, type GameInfo, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import type { Trajectory } from '../algorithms/trajectory.ts';
import { SnapshotAgent } from './snapshot-agent.ts';

export interface SearchSelfPlayTask {
  readonly game: string;
  /** The weights version that plays (both seats): its bytes are in `snapshots`. */
  readonly learner: number;
  /** Policy snapshot bytes by version (src/selfplay/snapshot.ts), attached by the actors (pool.ts). */
  readonly snapshots: Readonly<Record<number, Uint8Array>>;
  /** Complete games to play. */
  readonly games: number;
  readonly simulations: number;
  readonly cPuct: number;
  readonly rootNoise: RootNoise;
  /** Plies (counted from the first searched one) whose move is drawn from π; the most visited move after them. */
  readonly samplePlies: number;
  /** Each game opens with k uniformly random plies (not recorded), k drawn from 0..openingPlies. */
  readonly openingPlies: number;
  /** Leaves evaluated as the average over the game's symmetries (agents/symmetry.ts). */
  readonly symmetricEval: boolean;
  /** Record each position's images under the game's symmetries as well. */
  readonly augment: boolean;
  readonly seed: number;
}

export interface SearchGame {
  /** Final returns by seat. */
  readonly returns: readonly number[];
  /** Plies, the random opening included. */
  readonly length: number;
}

export interface SearchSelfPlayResult extends Trajectory {
  /** π per row: `rows × actions`, 0 on illegal moves, each row summing to 1. */
  readonly searchPolicy: Float32Array;
  /** The search's value of each row's position for its seat to move (MctsAgent.rootValue; the critic's where nothing was searched). */
  readonly searchValue: Float32Array;
  readonly games: readonly SearchGame[];
  /** Positions searched (rows before augmentation). */
  readonly positions: number;
  /** Simulations run, summed over the searched positions. */
  readonly simulations: number;
  /** Seconds the task took in the actor (search, network and game logic together). */
  readonly seconds: number;
}

/** Plays `task.games` self-play games with search and returns their positions (see the file comment). */
export function runSearchSelfPlay(task: SearchSelfPlayTask): SearchSelfPlayResult {
  const t0 = performance.now();
  const game = getGame(task.game);
  const { info } = game;
  if (!(Number.isInteger(task.games) && task.games > 0)) throw new ConfigError(`search self-play needs a positive number of games, got ${task.games}`);
  const blob = task.snapshots[task.learner];
  if (!blob) throw new ConfigError(`search self-play: the task names weights version ${task.learner} but carries no snapshot of it`);
  const evaluator = new SnapshotAgent({ name: `${task.game}@${task.learner}`, blob, info, seed: task.seed });
  const rng = new Rng(task.seed);
  const search = new MctsAgent({
    name: 'expert-iteration',
    info,
    evaluator,
    simulations: task.simulations,
    cPuct: task.cPuct,
    rootNoise: task.rootNoise,
    symmetries: task.symmetricEval,
    seed: task.seed + 1,
  });
  const symmetries = task.augment ? (info.symmetries ?? []) : [];
  const images = 1 + symmetries.length;
  const O = info.observationSize;
  const A = info.actions;
  // every ply of every game may be a row, and each row has its images
  const capacity = task.games * info.maxSteps * images;
  const rows = new PositionRows(capacity, O, A);
  const seats = new Int32Array(info.maxSteps);
  const target = new Float64Array(A);
  const priors = new Float64Array(A);
  const returns = new Float64Array(info.seats);
  const games: SearchGame[] = [];
  let positions = 0;
  let simulations = 0;
  for (let g = 0; g < task.games; g++) {
    const state = game.newState(task.seed * 7919 + g);
    let ply = 0;
    // k random plies, k drawn from 0..openingPlies (as trainOpeningPlies opens PPO's games)
    const opening = task.openingPlies > 0 ? rng.int(task.openingPlies + 1) : 0;
    for (; ply < opening && !state.isTerminal(); ply++) {
      state.legalMask(state.currentSeat(), rows.scratchMask);
      state.apply(rng.pickMasked(rows.scratchMask));
    }
    const firstRow = rows.count;
    let searched = 0;
    while (!state.isTerminal()) {
      const seat = state.currentSeat();
      if (seat < 0) throw new ConfigError(`search self-play reached a non-sequential node in ${info.id}`);
      const value = evaluator.evaluatePosition(state, seat, priors, false);
      let action: number;
      let searchValue = value;
      if (state.legalMask(seat, rows.scratchMask) === 1) {
        // one legal move: nothing to search, π is that move (and the value the network's)
        action = rows.scratchMask.indexOf(1);
        target.fill(0);
        target[action] = 1;
      } else {
        search.search(state);
        action = search.rootTarget(target, searched < task.samplePlies);
        const q = search.rootValue();
        if (Number.isFinite(q)) searchValue = q;
        simulations += search.lastSimulations;
      }
      seats[searched] = seat;
      rows.add(state, seat, target, action, Math.log(Math.max(priors[action]!, 1e-30)), value, searchValue, symmetries);
      searched++;
      positions++;
      state.apply(action);
      ply++;
    }
    state.returns(returns);
    // z: the final return for the seat to move at each recorded position (and its images)
    for (let i = 0; i < searched; i++) {
      for (let k = 0; k < images; k++) rows.rewards[firstRow + i * images + k] = returns[seats[i]!]!;
    }
    games.push({ returns: Array.from(returns), length: ply });
  }
  return { ...rows.trajectory(), games, positions, simulations, seconds: (performance.now() - t0) / 1000 };
}

/** Preallocated rows of positions, each added with its images under the game's symmetries. */
class PositionRows {
  count = 0;
  readonly scratchMask: Uint8Array;
  readonly rewards: Float32Array;
  private readonly obsSize: number;
  private readonly actions: number;
  private readonly obs: Float32Array;
  private readonly masks: Uint8Array;
  private readonly acts: Int32Array;
  private readonly logProbs: Float32Array;
  private readonly values: Float32Array;
  private readonly searchValues: Float32Array;
  private readonly pi: Float32Array;
  private readonly raw: Float32Array;

  constructor(capacity: number, obsSize: number, actions: number) {
    this.obsSize = obsSize;
    this.actions = actions;
    this.obs = new Float32Array(capacity * obsSize);
    this.masks = new Uint8Array(capacity * actions);
    this.acts = new Int32Array(capacity);
    this.logProbs = new Float32Array(capacity);
    this.values = new Float32Array(capacity);
    this.searchValues = new Float32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.pi = new Float32Array(capacity * actions);
    this.raw = new Float32Array(obsSize);
    this.scratchMask = new Uint8Array(actions);
  }

  add(state: GameState, seat: number, target: Float64Array, action: number, logProb: number, value: number, searchValue: number, symmetries: NonNullable<GameInfo['symmetries']>): void {
    const O = this.obsSize;
    const A = this.actions;
    state.observe(seat, this.raw);
    state.legalMask(seat, this.scratchMask);
    let r = this.count++;
    this.obs.set(this.raw, r * O);
    for (let a = 0; a < A; a++) {
      this.masks[r * A + a] = this.scratchMask[a]!;
      this.pi[r * A + a] = target[a]!;
    }
    this.acts[r] = action;
    this.logProbs[r] = logProb;
    this.values[r] = value;
    this.searchValues[r] = searchValue;
    for (const sym of symmetries) {
      r = this.count++;
      for (let i = 0; i < O; i++) this.obs[r * O + i] = this.raw[sym.observation[i]!]!;
      for (let a = 0; a < A; a++) {
        const b = sym.actions[a]!;
        this.masks[r * A + b] = this.scratchMask[a]!;
        this.pi[r * A + b] = target[a]!;
      }
      this.acts[r] = sym.actions[action]!;
      this.logProbs[r] = logProb;
      this.values[r] = value;
      this.searchValues[r] = searchValue;
    }
  }

  /** The rows added so far, copied to arrays of their exact size (they travel to the learner as transferables). */
  trajectory(): Trajectory & { searchPolicy: Float32Array; searchValue: Float32Array } {
    const n = this.count;
    return {
      steps: n,
      columns: 1,
      obs: this.obs.slice(0, n * this.obsSize),
      criticObs: null,
      masks: this.masks.slice(0, n * this.actions),
      actions: this.acts.slice(0, n),
      continuousActions: new Float32Array(0),
      logProbs: this.logProbs.slice(0, n),
      values: this.values.slice(0, n),
      rewards: this.rewards.slice(0, n),
      nextValues: new Float32Array(n),
      dones: new Uint8Array(n).fill(1),
      valid: new Uint8Array(n).fill(1),
      searchPolicy: this.pi.slice(0, n * this.actions),
      searchValue: this.searchValues.slice(0, n),
    };
  }
}
