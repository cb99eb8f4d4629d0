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
 * - `randomMoveRate`: after each search, with this probability the game plays a uniformly random
 *   legal move instead of the search's (the position is still recorded with π). Self-play with search
 *   otherwise never reaches the positions a weaker opponent leads to (a win in one left open, a threat
 *   missed), which the network must still answer at play time. The outcome of such a game says little
 *   about the positions before its last random move: they learn the search's value q there instead of
 *   z; the positions after it learn z.
 * - `fastSimulations` (KataGo's playout cap randomization, Wu 2019): when set, only a share
 *   `fullSearchRate` of the searched plies run the full search (its `simulations`, root noise) and are
 *   recorded; the others run `fastSimulations` without noise, play their choice and record nothing. The
 *   games cost less each, so an hour plays more of them: more independent outcomes for the value
 *   targets, from the same network, at fewer recorded positions. (0: every ply a full search.)
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
import { PositionColumns } from '../algorithms/positions.ts';
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
  /** The probability that a searched ply plays a uniformly random legal move instead of the search's (0: never). */
  readonly randomMoveRate: number;
  /** Each search starts from the subtree of the move played before it (MctsAgent.advance), its simulations added on top. */
  readonly treeReuse: boolean;
  /** Simulations of the fast, unrecorded searches (0: none, every searched ply is a full, recorded search). */
  readonly fastSimulations: number;
  /** With fastSimulations: the probability that a searched ply runs the full search (and is recorded). */
  readonly fullSearchRate: number;
  /** First-play urgency of every search (MctsAgentOptions.fpuReduction): untried moves score the network's value minus r; null: Q = 0. */
  readonly fpuReduction: number | null;
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
  /** Positions recorded (the plies after the random opening; images not counted). */
  readonly positions: number;
  /** Searched plies that played a random move other than the search's (`randomMoveRate`). */
  readonly randomMoves: number;
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
  /** Searches run, and the root visits they started from with `treeReuse` (summed; 0 without it). */
  readonly searches: number;
  readonly keptVisits: number;
  /** Of `searches`, the fast ones (`fastSimulations`), whose positions were not recorded. */
  readonly fastSearches: number;
  /** Seconds the task took in the actor (search, network and game logic together). */
  readonly seconds: number;
}

/** One game in flight in `runSearchSelfPlay`: its state, its search tree, and where its rows go. */
interface GameSlot {
  readonly search: MctsAgent;
  readonly state: GameState;
  /** Which of the task's games it is (its rows go to that game's region of `PositionRows`). */
  readonly game: number;
  /** The game's own random numbers: its opening, then its random moves. */
  readonly rng: Rng;
  ply: number;
  /** The recorded position at which the game last played a random move instead of the search's (-1: none yet), and how many it played. */
  lastRandom: number;
  randomMoves: number;
  /** Positions recorded in this game so far, and the seat to move at each. */
  searched: number;
  readonly seats: Int32Array;
  /** Whether a search of `state` is under way, and whether it is a full one (recorded) or a fast one (`fastSimulations`). */
  searching: boolean;
  full: boolean;
  /** Fast searches played in this game so far (not recorded). */
  fastPlies: number;
}

/**
 * Plays `task.games` self-play games with search and returns their positions (see the file comment).
 * All the games are played at once, each with its own search tree, so that the leaves their searches
 * reach are evaluated together in one forward pass (SnapshotAgent.evaluatePositions: the network's
 * kernels work on blocks of rows, and one row alone costs what four do). Each game is the same as if
 * played alone: its moves depend on the seed, its index and the weights only.
 */
export function runSearchSelfPlay(task: SearchSelfPlayTask): SearchSelfPlayResult {
  const t0 = performance.now();
  const game = getGame(task.game);
  const { info } = game;
  if (!(Number.isInteger(task.games) && task.games > 0)) throw new ConfigError(`search self-play needs a positive number of games, got ${task.games}`);
  if (!(task.randomMoveRate >= 0 && task.randomMoveRate <= 1)) throw new ConfigError(`search self-play: randomMoveRate is a probability in [0, 1], got ${task.randomMoveRate}`);
  if (!(Number.isInteger(task.fastSimulations) && task.fastSimulations >= 0 && task.fastSimulations < task.simulations)) {
    throw new ConfigError(`search self-play: fastSimulations must be a whole number below simulations (${task.simulations}), or 0 for none; got ${task.fastSimulations}`);
  }
  if (task.fastSimulations > 0 && !(task.fullSearchRate > 0 && task.fullSearchRate <= 1)) throw new ConfigError(`search self-play: fullSearchRate is a probability in (0, 1], got ${task.fullSearchRate}`);
  const blob = task.snapshots[task.learner];
  if (!blob) throw new ConfigError(`search self-play: the task names weights version ${task.learner} but carries no snapshot of it`);
  const evaluator = new SnapshotAgent({ name: `${task.game}@${task.learner}`, blob, info, seed: task.seed });
  const symmetries = task.augment ? (info.symmetries ?? []) : [];
  const images = 1 + symmetries.length;
  const A = info.actions;
  // every ply of every game may be a row, and each row has its images: one region of rows per game
  const rows = new PositionRows(task.games, info.maxSteps * images, info.observationSize, A);
  const target = new Float64Array(A);
  const rootPriors = new Float64Array(A);
  const returns = new Float64Array(info.seats);
  const results: SearchGame[] = new Array(task.games);
  let positions = 0;
  let simulations = 0;
  let searches = 0;
  let keptVisits = 0;
  let fastSearches = 0;
  // game g: seeded from (seed, g) alone, its random opening played before the first search
  const slots: GameSlot[] = [];
  for (let g = 0; g < task.games; g++) {
    const seed = task.seed * 7919 + g;
    const search = new MctsAgent({ name: 'expert-iteration', info, evaluator, simulations: task.simulations, cPuct: task.cPuct, rootNoise: task.rootNoise, symmetries: task.symmetricEval, treeReuse: task.treeReuse, fpuReduction: task.fpuReduction });
    search.reset(seed + 1);
    const rng = new Rng(0);
    rng.seed(seed);
    const state = game.newState(seed);
    // k random plies, k drawn from 0..openingPlies (as trainOpeningPlies opens PPO's games)
    const opening = task.openingPlies > 0 ? rng.int(task.openingPlies + 1) : 0;
    let ply = 0;
    for (; ply < opening && !state.isTerminal(); ply++) {
      state.legalMask(state.currentSeat(), rows.scratchMask);
      state.apply(rng.pickMasked(rows.scratchMask));
    }
    slots.push({ search, state, game: g, rng, ply, lastRandom: -1, randomMoves: 0, searched: 0, seats: new Int32Array(info.maxSteps), searching: false, full: true, fastPlies: 0 });
  }
  /** Records the move chosen at the slot's position (π in `target`) and plays it; false once its game is over. */
  const play = (slot: GameSlot, seat: number, action: number, logProb: number, value: number, searchValue: number): boolean => {
    slot.seats[slot.searched] = seat;
    rows.add(slot.game, slot.state, seat, target, action, logProb, value, searchValue, symmetries);
    slot.searched++;
    positions++;
    return step(slot, action);
  };
  /** Plays `action` in the slot's game; false once the game is over (its value targets then written). */
  const step = (slot: GameSlot, action: number): boolean => {
    slot.state.apply(action);
    slot.ply++;
    if (!slot.state.isTerminal()) return true;
    finish(slot);
    return false;
  };
  /** Ends the slot's game: the value targets into its rows, its result kept. */
  const finish = (slot: GameSlot): void => {
    slot.state.returns(returns);
    // z, the final return for the seat to move, at each recorded position (and its images) after the
    // game's last random move; the search's value q at and before it (randomMoveRate)
    const first = slot.game * rows.perGame;
    const { rewards, searchValue } = rows.rows;
    for (let i = 0; i < slot.searched; i++) {
      for (let k = 0; k < images; k++) {
        const r = first + i * images + k;
        rewards[r] = i <= slot.lastRandom ? searchValue[r]! : returns[slot.seats[i]!]!;
      }
    }
    results[slot.game] = { returns: Array.from(returns), length: slot.ply, positions: slot.searched, randomMoves: slot.randomMoves };
  };
  /** The move the slot's game plays after its search chose `chosen`: a uniformly random legal one with probability randomMoveRate. */
  const deviate = (slot: GameSlot, seat: number, chosen: number): number => {
    if (task.randomMoveRate === 0 || slot.rng.next() >= task.randomMoveRate) return chosen;
    slot.state.legalMask(seat, rows.scratchMask);
    const action = slot.rng.pickMasked(rows.scratchMask);
    if (action !== chosen) {
      slot.lastRandom = slot.searched;
      slot.randomMoves++;
    }
    return action;
  };
  /** Advances the slot to its next leaf to evaluate (null once its game is over). */
  const advance = (slot: GameSlot): GameState | null => {
    for (;;) {
      const { state, search } = slot;
      if (slot.searching) {
        const leaf = search.nextLeaf();
        if (leaf) return leaf;
        slot.searching = false;
        simulations += search.lastSimulations;
        const seat = state.currentSeat();
        const sample = slot.searched + slot.fastPlies < task.samplePlies;
        if (!slot.full) {
          // a fast search: its move is played, nothing is recorded
          const action = search.rootTarget(target, sample);
          if (task.treeReuse) search.advance(action);
          slot.fastPlies++;
          if (!step(slot, action)) return null;
          continue;
        }
        const action = deviate(slot, seat, search.rootTarget(target, sample));
        const value = search.rootEvaluation(rootPriors);
        const q = search.rootValue();
        // the next search starts from this move's subtree (after the tree is read: advance moves its root)
        if (task.treeReuse) search.advance(action);
        if (!play(slot, seat, action, Math.log(Math.max(rootPriors[action]!, 1e-30)), value, Number.isFinite(q) ? q : value)) return null;
        continue;
      }
      // a game the random opening ended has no position to record
      if (state.isTerminal()) {
        finish(slot);
        return null;
      }
      const seat = state.currentSeat();
      if (seat < 0) throw new ConfigError(`search self-play reached a non-sequential node in ${info.id}`);
      if (state.legalMask(seat, rows.scratchMask) === 1) {
        // one legal move: nothing to search, π is that move (and the value the network's)
        const action = rows.scratchMask.indexOf(1);
        const value = evaluator.evaluatePosition(state, seat, rootPriors, false);
        target.fill(0);
        target[action] = 1;
        if (task.treeReuse) search.advance(action);
        if (!play(slot, seat, action, 0, value, value)) return null;
        continue;
      }
      // playout cap randomization: a full search with probability fullSearchRate, else a fast one
      slot.full = task.fastSimulations === 0 || slot.rng.next() < task.fullSearchRate;
      if (slot.full) search.beginSearch(state);
      else {
        search.beginSearch(state, { simulations: task.fastSimulations, noise: false });
        fastSearches++;
      }
      keptVisits += search.lastKeptVisits;
      searches++;
      slot.searching = true;
    }
  };
  // each round: every game in flight advances to its next leaf, and the leaves are evaluated together
  const leaves: GameState[] = [];
  const waiting: GameSlot[] = [];
  const leafSeats = new Int32Array(task.games);
  const priors = new Float64Array(task.games * A);
  const values = new Float64Array(task.games);
  let active = slots.slice();
  while (active.length > 0) {
    leaves.length = 0;
    waiting.length = 0;
    for (const slot of active) {
      const leaf = advance(slot);
      if (!leaf) continue;
      leafSeats[leaves.length] = leaf.currentSeat();
      leaves.push(leaf);
      waiting.push(slot);
    }
    if (leaves.length === 0) break;
    if (task.symmetricEval) {
      // averaged over the game's symmetries: one position (and its images) per forward pass
      for (let i = 0; i < leaves.length; i++) values[i] = evaluator.evaluatePosition(leaves[i]!, leafSeats[i]!, priors.subarray(i * A, (i + 1) * A), true);
    } else {
      evaluator.evaluatePositions(leaves, leafSeats, leaves.length, priors, values);
    }
    for (let i = 0; i < waiting.length; i++) waiting[i]!.search.resolveLeaf(priors.subarray(i * A, (i + 1) * A), values[i]!);
    active = waiting.slice();
  }
  return { ...rows.trajectory(), games: results, positions, simulations, searches, keptVisits, fastSearches, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Preallocated rows of positions (src/algorithms/positions.ts), each added with its images under the
 * game's symmetries, in one region of `perGame` rows per game (games finish in any order;
 * `trajectory` lists them in game order).
 */
class PositionRows {
  readonly scratchMask: Uint8Array;
  readonly rows: PositionColumns;
  /** Rows of each game's region. */
  readonly perGame: number;
  /** Rows added to each game's region. */
  private readonly counts: Int32Array;
  private readonly raw: Float32Array;

  constructor(games: number, perGame: number, obsSize: number, actions: number) {
    this.rows = new PositionColumns(games * perGame, obsSize, actions);
    this.perGame = perGame;
    this.counts = new Int32Array(games);
    this.raw = new Float32Array(obsSize);
    this.scratchMask = new Uint8Array(actions);
  }

  get rewards(): Float32Array {
    return this.rows.rewards;
  }

  add(game: number, state: GameState, seat: number, target: Float64Array, action: number, logProb: number, value: number, searchValue: number, symmetries: NonNullable<GameInfo['symmetries']>): void {
    const { rows, raw, scratchMask } = this;
    const O = rows.obsSize;
    const A = rows.moves;
    state.observe(seat, raw);
    state.legalMask(seat, scratchMask);
    const base = game * this.perGame;
    // the position itself (the identity), then its image under each symmetry: board, moves and π relabelled together
    for (let k = 0; k <= symmetries.length; k++) {
      const sym = k === 0 ? null : symmetries[k - 1]!;
      const r = base + this.counts[game]!++;
      if (sym) for (let i = 0; i < O; i++) rows.obs[r * O + i] = raw[sym.observation[i]!]!;
      else rows.obs.set(raw, r * O);
      for (let a = 0; a < A; a++) {
        const b = sym ? sym.actions[a]! : a;
        rows.masks[r * A + b] = scratchMask[a]!;
        rows.searchPolicy[r * A + b] = target[a]!;
      }
      rows.actions[r] = sym ? sym.actions[action]! : action;
      rows.logProbs[r] = logProb;
      rows.values[r] = value;
      rows.searchValue[r] = searchValue;
    }
  }

  /** The rows added, game by game, copied to arrays of their exact size (they travel to the learner as transferables). */
  trajectory(): Trajectory & { searchPolicy: Float32Array; searchValue: Float32Array } {
    let n = 0;
    for (const c of this.counts) n += c;
    const out = new PositionColumns(n, this.rows.obsSize, this.rows.moves);
    let at = 0;
    this.counts.forEach((count, g) => {
      out.copyRows(this.rows, g * this.perGame, at, count);
      at += count;
    });
    const { obs, masks, searchPolicy, rewards, searchValue, actions, logProbs, values } = out;
    return {
      steps: n,
      columns: 1,
      obs,
      criticObs: null,
      masks,
      actions,
      continuousActions: new Float32Array(0),
      logProbs,
      values,
      rewards,
      nextValues: new Float32Array(n),
      dones: new Uint8Array(n).fill(1),
      valid: new Uint8Array(n).fill(1),
      searchPolicy,
      searchValue,
    };
  }
}
