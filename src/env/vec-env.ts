/**
 * Vectorised environments for one learning seat: N games stepped in lock-step, observations, masks
 * and rewards in preallocated typed arrays (nothing is allocated per step). Every other seat is
 * played by an opponent agent; chance events are sampled with each game's seeded RNG. Finished games
 * reset automatically, as in gymnasium's vector envs, and the observation at a time-limit truncation
 * is kept in `finalObs` so the learner can bootstrap from it.
 *
 * Continuous-action games (`GameInfo.actionSpace`) step with `stepContinuous` (one action vector per
 * env); the game clips them to its box. They train alone: a continuous game with more than one seat
 * needs an opponent that plays vectors, which no agent does yet.
 */
import { checkOpeningPlies, playExploringStart } from '../eval/openings.ts';
import { CHANCE, ConfigError, isContinuous, Rng, SIMULTANEOUS, TERMINAL, type Agent, type Game, type GameState } from '../../core/index.ts';

export interface VecEnvOptions {
  readonly game: Game;
  readonly envs: number;
  readonly seed: number;
  /** Plays every seat that is not the learner's (required when the game has more than one seat). */
  readonly opponent?: Agent;
  /** Write the global state of each env into `criticObs` (for centralized critics). */
  readonly globalState?: boolean;
  /** Exploring starts: each episode begins with k uniformly random plies, k uniform in 0..openingPlies (default 0). */
  readonly openingPlies?: number;
}

export interface EpisodeRecord {
  readonly env: number;
  readonly seat: number;
  readonly return: number;
  readonly length: number;
  readonly truncated: boolean;
}

export class VecEnv {
  readonly game: Game;
  readonly envs: number;
  readonly obsSize: number;
  readonly stateSize: number;
  /** Discrete: the number of actions; continuous: the components of an action vector. */
  readonly actions: number;
  /** Whether the game's actions are vectors (`stepContinuous`) rather than integers (`step`). */
  readonly continuous: boolean;
  /** Current learner observation of every env (N × obsSize). */
  readonly obs: Float32Array;
  /** Global state of every env (N × stateSize), when requested. */
  readonly criticObs: Float32Array | null;
  /** Legal-action mask of the learner in every env (N × actions). */
  readonly masks: Uint8Array;
  /** Learner reward of the last step, summed over everything that happened until its next decision. */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Observation (and global state) at the end of an episode that was truncated, for bootstrapping. */
  readonly finalObs: Float32Array;
  readonly finalCriticObs: Float32Array | null;
  /** Episodes finished since the last `drainEpisodes()`. */
  private episodes: EpisodeRecord[] = [];

  private readonly states: GameState[];
  private readonly seats: Int32Array;
  private readonly lengths: Int32Array;
  private readonly episodeCount: Int32Array;
  private readonly rng: Rng;
  private readonly opponent: Agent | undefined;
  private readonly scratchRewards: Float64Array;
  private readonly scratchMask: Uint8Array;
  private readonly joint: Int32Array;
  /** One env's action vector, copied out of the caller's batch (continuous games). */
  private readonly vector: Float64Array;
  private readonly maskViews: Uint8Array[];
  private readonly openingPlies: number;

  constructor(opts: VecEnvOptions) {
    const { game, envs } = opts;
    const { info } = game;
    if (!Number.isInteger(envs) || envs < 1) throw new ConfigError(`envs must be a positive integer, got ${envs}`);
    if (info.seats > 1 && !opts.opponent) throw new ConfigError(`${info.id} has ${info.seats} seats: training needs an opponent for the other seats`);
    this.continuous = isContinuous(info);
    if (this.continuous && info.seats > 1) throw new ConfigError(`${info.id} has continuous actions and ${info.seats} seats: a vector env trains single-agent continuous games only`);
    this.game = game;
    this.envs = envs;
    this.obsSize = info.observationSize;
    this.stateSize = info.stateSize;
    this.actions = info.actions;
    this.vector = new Float64Array(this.continuous ? info.actions : 0);
    this.obs = new Float32Array(envs * this.obsSize);
    this.criticObs = opts.globalState ? new Float32Array(envs * this.stateSize) : null;
    this.finalObs = new Float32Array(envs * this.obsSize);
    this.finalCriticObs = opts.globalState ? new Float32Array(envs * this.stateSize) : null;
    this.masks = new Uint8Array(envs * this.actions);
    this.rewards = new Float32Array(envs);
    this.terminated = new Uint8Array(envs);
    this.truncated = new Uint8Array(envs);
    this.seats = new Int32Array(envs);
    this.lengths = new Int32Array(envs);
    this.episodeCount = new Int32Array(envs);
    this.rng = new Rng(opts.seed);
    this.opponent = opts.opponent;
    this.openingPlies = opts.openingPlies ?? 0;
    checkOpeningPlies(info, this.openingPlies);
    this.scratchRewards = new Float64Array(info.seats);
    this.scratchMask = new Uint8Array(info.actions);
    this.joint = new Int32Array(info.seats);
    this.maskViews = Array.from({ length: envs }, (_, e) => this.masks.subarray(e * this.actions, (e + 1) * this.actions));
    this.states = Array.from({ length: envs }, () => game.newState(0));
    for (let e = 0; e < envs; e++) this.startEpisode(e);
  }

  /** Seat the learner plays in env `e` this episode (alternates across episodes in multi-seat games). */
  seatOf(e: number): number {
    return this.seats[e]!;
  }

  /** Applies one learner action per env, advances to the learner's next decision, and auto-resets. */
  step(actions: ArrayLike<number>): void {
    if (this.continuous) throw new ConfigError(`${this.game.info.id} has continuous actions: step it with stepContinuous`);
    for (let e = 0; e < this.envs; e++) {
      const state = this.states[e]!;
      if (state.currentSeat() === SIMULTANEOUS) {
        this.fillJoint(state, this.seats[e]!, actions[e]!);
        state.applyJoint(this.joint);
      } else {
        state.apply(actions[e]!);
      }
      this.afterStep(e);
    }
  }

  /**
   * Continuous games: applies one action vector per env, `actions[e·A .. (e+1)·A)` for env e (A =
   * `actions` components, row-major), then continues as `step`. The game clips each vector to its box.
   */
  stepContinuous(actions: ArrayLike<number>): void {
    const A = this.actions;
    if (!this.continuous) throw new ConfigError(`${this.game.info.id} has discrete actions: step it with step`);
    if (actions.length !== this.envs * A) throw new ConfigError(`stepContinuous takes ${this.envs}×${A} numbers (one vector per env), got ${actions.length}`);
    for (let e = 0; e < this.envs; e++) {
      for (let j = 0; j < A; j++) this.vector[j] = actions[e * A + j]!;
      this.states[e]!.applyContinuous(this.vector);
      this.afterStep(e);
    }
  }

  /** After the learner's action in env e: plays on to its next decision, records rewards and ends, auto-resets. */
  private afterStep(e: number): void {
    const state = this.states[e]!;
    const seat = this.seats[e]!;
    const reward = this.seatReward(state, seat) + this.advance(state, seat);
    this.lengths[e]!++;
    this.rewards[e] = reward;
    if (state.isTerminal()) {
      const truncated = state.isTruncated();
      this.terminated[e] = truncated ? 0 : 1;
      this.truncated[e] = truncated ? 1 : 0;
      if (truncated) {
        state.observe(seat, this.finalObs, e * this.obsSize);
        if (this.finalCriticObs) state.globalState(this.finalCriticObs, e * this.stateSize);
      }
      state.returns(this.scratchRewards);
      this.episodes.push({ env: e, seat, return: this.scratchRewards[seat]!, length: this.lengths[e]!, truncated });
      this.startEpisode(e);
    } else {
      this.terminated[e] = 0;
      this.truncated[e] = 0;
      this.writeObservation(e);
    }
  }

  /** Abandons every game in progress and starts fresh episodes (unrecorded). */
  resetAll(): void {
    for (let e = 0; e < this.envs; e++) this.startEpisode(e);
  }

  /** Episodes finished since the previous call. */
  drainEpisodes(): EpisodeRecord[] {
    const out = this.episodes;
    this.episodes = [];
    return out;
  }

  private startEpisode(e: number): void {
    const state = this.states[e]!;
    const seats = this.game.info.seats;
    for (;;) {
      state.reset(this.rng.nextU32());
      const seat = this.episodeCount[e]! % seats;
      this.episodeCount[e]!++;
      this.seats[e] = seat;
      this.lengths[e] = 0;
      playExploringStart(state, this.openingPlies, this.rng);
      this.advance(state, seat);
      if (!state.isTerminal()) break; // a game that ended before the learner's first move teaches nothing
    }
    this.writeObservation(e);
  }

  /** Plays chance events and opponents until the learner must act; returns the learner's reward meanwhile. */
  private advance(state: GameState, seat: number): number {
    let reward = 0;
    for (;;) {
      const cur = state.currentSeat();
      if (cur === seat || cur === TERMINAL) return reward;
      if (cur === SIMULTANEOUS) {
        if (state.legalMask(seat, this.scratchMask) > 0) return reward;
        this.fillJoint(state, seat, 0);
        state.applyJoint(this.joint);
      } else if (cur === CHANCE) {
        state.applyChance();
      } else {
        state.apply(this.opponent!.act(state, cur));
      }
      reward += this.seatReward(state, seat);
    }
  }

  private fillJoint(state: GameState, seat: number, learnerAction: number): void {
    for (let s = 0; s < this.game.info.seats; s++) {
      if (s === seat) this.joint[s] = learnerAction;
      else this.joint[s] = state.legalMask(s, this.scratchMask) > 0 ? this.opponent!.act(state, s) : 0;
    }
  }

  private seatReward(state: GameState, seat: number): number {
    state.rewards(this.scratchRewards);
    return this.scratchRewards[seat]!;
  }

  private writeObservation(e: number): void {
    const state = this.states[e]!;
    const seat = this.seats[e]!;
    state.observe(seat, this.obs, e * this.obsSize);
    state.legalMask(seat, this.maskViews[e]!);
    if (this.criticObs) state.globalState(this.criticObs, e * this.stateSize);
  }
}
