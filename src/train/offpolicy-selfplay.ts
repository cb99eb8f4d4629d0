/**
 * League self-play for the off-policy learners (DDPG, TD3, SAC) on two-seat games with simultaneous
 * continuous moves (duel). `OffPolicySelfPlayCollector` plays `envs` games at once on the main thread —
 * no worker pool: the learner acts with its live networks (its replay buffer and gradient steps are on
 * this thread anyway), so no weights are published per update.
 *
 * Every tick of every game:
 * 1. the learner's seat (alternating from game to game) acts with the learner's current actor,
 *    exploring (`OffPolicyAlgorithm.act`; uniformly random in [−1, 1] during the first `learningStarts`
 *    steps, as OffPolicyCollector does);
 * 2. the other seat acts as the opponent drawn for that game from the league
 *    (`League.opponentDistribution`, the learner's sampling rule): a frozen snapshot, built into an
 *    agent from its bytes (`agentFromSnapshot`: an OffPolicyAgent, sampling as `arena match` plays it;
 *    a few kept built), a baseline bot (one instance per env: a scripted pilot keeps state from tick
 *    to tick), or the learner itself, which plays exactly as the learner acts (the same batched call);
 * 3. network actions in [−1, 1] map onto the game's box (`unitToBox`) and the tick is applied as one
 *    joint action.
 * The learner's transition of the tick (s, a, r, s', terminated, truncated) goes into the segment's
 * TransitionBatch, the layout OffPolicyCollector fills; s' is always the seat's real next observation
 * (the finished game's at its end: a two-seat game is restarted here, not inside an env). A game ended
 * by its rules (duel's time limit is one) is a termination; one cut by a time limit that is not a rule
 * is a truncation, bootstrapped. Each finished game is a GameOutcome the loop records in the league.
 * Games continue across segments (the collector keeps its states); a resumed run starts new ones (the
 * games in flight are not saved). Everything random comes from the learner's RNG, seeded from the
 * config's seed and saved in its checkpoints.
 */
import { createBot } from '../../agents/bots.ts';
import { unitToBox } from '../../agents/offpolicy-agent.ts';
import { ConfigError, isContinuous, type Agent, type Game, type GameInfo, type GameState, type Rng } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import type { League, Opponent } from '../../league/league.ts';
import { allocTransitionBatch, type TransitionBatch } from '../algorithms/replay-buffer.ts';
import { playSeries, seriesMetrics } from '../eval/match.ts';
import type { GameOutcome, LearnerRef, Segment, SegmentCollector } from '../selfplay/collectors.ts';
import { selfPlayProblem } from '../selfplay/rollout.ts';
import { agentFromSnapshot } from '../selfplay/snapshot-agent.ts';
import type { TrainConfig } from './config.ts';
import type { OffPolicyAlgorithm } from './offpolicy.ts';

/**
 * Snapshot opponents kept built at once, least recently drawn dropped first: building one decodes its
 * bytes (≈ 0.6 MB for SAC's [256, 256] actor and critic), and a game in progress keeps its own.
 */
export const BUILT_SNAPSHOTS = 8;

export class OffPolicySelfPlayCollector implements SegmentCollector {
  readonly segmentsPerUpdate = 1;
  /** The segment's transitions (reused: the learner copies them into its replay buffer). */
  readonly batch: TransitionBatch;
  private readonly game: Game;
  private readonly info: GameInfo;
  private readonly league: League;
  private readonly algorithm: OffPolicyAlgorithm;
  private readonly rng: Rng;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly learningStarts: number;
  private readonly evalGames: number;
  private readonly evalPlies: number;
  private readonly seed: number;
  /** The learner's steps (all envs) since the run began: random actions until `learningStarts`. */
  private played: number;
  private evaluations = 0;
  /** Per env: its game, the learner's seat, the opponent's member id and agent (null: the learner itself), the length. */
  private readonly states: GameState[];
  private readonly seat: Int32Array;
  private readonly opponentId: string[];
  private readonly opponent: (Agent | null)[];
  private readonly lengths: Int32Array;
  private started = false;
  /** Games started since this collector was made (the learner's seat alternates by game). */
  private gamesStarted = 0;
  /** The learner's opponent distribution, computed once per segment when a game needs an opponent. */
  private distribution: { ids: string[]; probs: number[]; members: Opponent[] } | null = null;
  /** Built snapshot opponents by stored member, least recently drawn first. */
  private readonly built = new Map<string, Agent>();
  /** Bot opponents by spec and env. */
  private readonly bots = new Map<string, Agent>();
  // scratch, made once: rows 0..N−1 are the learner's seats, rows N..2N−1 the other seats (played by
  // the learner where it plays itself; always 2N rows, so the learner's act buffers keep their size)
  private readonly rowObs: Float32Array;
  private readonly rowActions: Float32Array;
  private readonly rowOf: Float32Array[];
  private readonly joint: Float64Array;
  private readonly jointOf: Float64Array[];
  private readonly moveOf: Float64Array[];
  private readonly scratch: Float64Array;

  constructor(o: { config: TrainConfig; game: Game; league: League; algorithm: OffPolicyAlgorithm; rng: Rng; globalStep: number; evalPlies: number }) {
    const { config, game, league } = o;
    const { info } = game;
    const problem = selfPlayProblem(info);
    if (problem !== null || info.dynamics !== 'simultaneous' || !isContinuous(info)) {
      throw new ConfigError(`${config.algo} league self-play needs a two-seat game with simultaneous continuous moves; ${info.id} is not one`);
    }
    const N = config.envs;
    const O = info.observationSize;
    const A = info.actions;
    this.batch = allocTransitionBatch(config.steps, N, O, A);
    this.game = game;
    this.info = info;
    this.league = league;
    this.algorithm = o.algorithm;
    this.rng = o.rng;
    this.low = Float64Array.from(info.actionSpace.low);
    this.high = Float64Array.from(info.actionSpace.high);
    this.learningStarts = config.learningStarts;
    this.evalGames = config.evalGames;
    this.evalPlies = o.evalPlies;
    this.seed = config.seed;
    this.played = o.globalStep;
    this.states = Array.from({ length: N }, () => game.newState(0));
    this.seat = new Int32Array(N);
    this.opponentId = new Array<string>(N).fill('');
    this.opponent = new Array<Agent | null>(N).fill(null);
    this.lengths = new Int32Array(N);
    this.rowObs = new Float32Array(2 * N * O);
    this.rowActions = new Float32Array(2 * N * A);
    this.rowOf = Array.from({ length: 2 * N }, (_, r) => this.rowActions.subarray(r * A, (r + 1) * A));
    // env e's joint action is joint[2A·e .. 2A·(e+1)), seat s's vector at 2A·e + A·s
    this.joint = new Float64Array(N * 2 * A);
    this.jointOf = Array.from({ length: N }, (_, e) => this.joint.subarray(2 * A * e, 2 * A * (e + 1)));
    this.moveOf = Array.from({ length: 2 * N }, (_, i) => this.joint.subarray(A * i, A * (i + 1)));
    this.scratch = new Float64Array(info.seats);
    log.info(`${config.algo} league self-play: ${N} games at once on the main thread (no worker pool: the learner acts with its live networks)`);
  }

  /** The learner's opponent distribution of this segment (its own current weights play as itself). */
  private opponents(learner: LearnerRef): { ids: string[]; probs: number[]; members: Opponent[] } {
    this.distribution ??= this.league.opponentDistribution(learner.id, { learnerVersions: { [learner.id]: learner.version }, blobs: false });
    return this.distribution;
  }

  /** The agent a drawn snapshot member plays as: built from its stored bytes, or found built. */
  private snapshotAgent(m: Opponent): Agent {
    const key = m.weightsOf ?? m.id;
    let agent = this.built.get(key);
    if (agent) {
      this.built.delete(key);
    } else {
      const blob = this.league.store.getSnapshot(key);
      if (!blob) throw new ConfigError(`league member '${m.id}' has no stored snapshot`);
      agent = agentFromSnapshot(blob, this.info, { name: m.id, seed: this.rng.nextU32() });
      if (this.built.size >= BUILT_SNAPSHOTS) this.built.delete(this.built.keys().next().value!);
    }
    this.built.set(key, agent);
    return agent;
  }

  /** A new game in env `e`: a fresh state, the learner's seat, an opponent drawn from the league. */
  private startGame(e: number, learner: LearnerRef): void {
    this.states[e]!.reset(this.rng.nextU32());
    this.seat[e] = this.gamesStarted++ % 2;
    this.lengths[e] = 0;
    const d = this.opponents(learner);
    const m = d.members[this.rng.categorical(d.probs)]!;
    this.opponentId[e] = m.id;
    if (m.selfPlay) {
      this.opponent[e] = null;
    } else if ('bot' in m.ref) {
      const key = `${m.ref.bot}|${e}`;
      let bot = this.bots.get(key);
      if (!bot) this.bots.set(key, (bot = createBot(m.ref.bot, this.info, this.rng.nextU32())));
      bot.reset?.(this.rng.nextU32());
      this.opponent[e] = bot;
    } else {
      this.opponent[e] = this.snapshotAgent(m);
    }
  }

  async collect(learner: LearnerRef): Promise<Segment> {
    return this.collectNow(learner);
  }

  /** Plays `steps` ticks in every game (synchronously, on this thread) and records the learner's transitions. */
  collectNow(learner: LearnerRef): Segment {
    const { batch: b, states, seat, scratch } = this;
    const N = b.columns;
    const O = this.info.observationSize;
    const A = this.info.actions;
    const t0 = performance.now();
    let inference = 0;
    this.distribution = null;
    if (!this.started) {
      for (let e = 0; e < N; e++) this.startGame(e, learner);
      this.started = true;
    }
    const games: GameOutcome[] = [];
    for (let t = 0; t < b.steps; t++) {
      const base = t * N;
      // 1. the learner's seat in every game, and the other seat, in one batched call
      for (let e = 0; e < N; e++) {
        states[e]!.observe(seat[e]!, this.rowObs, e * O);
        states[e]!.observe(1 - seat[e]!, this.rowObs, (N + e) * O);
      }
      if (this.played < this.learningStarts) {
        for (let i = 0; i < this.rowActions.length; i++) this.rowActions[i] = this.rng.uniform(-1, 1);
      } else {
        const ti = performance.now();
        this.algorithm.act(this.rowObs, 2 * N, this.rowActions, true);
        inference += performance.now() - ti;
      }
      b.obs.set(this.rowObs.subarray(0, N * O), base * O);
      b.continuousActions.set(this.rowActions.subarray(0, N * A), base * A);
      this.played += N;
      // 2. the joint actions: the learner's (and its own as opponent) mapped onto the box, opponents' agents
      for (let e = 0; e < N; e++) {
        const me = 2 * e + seat[e]!;
        const other = 2 * e + 1 - seat[e]!;
        unitToBox(this.rowOf[e]!, 1, this.low, this.high, this.moveOf[me]!);
        const agent = this.opponent[e];
        if (agent) agent.actContinuous!(states[e]!, 1 - seat[e]!, this.moveOf[other]!);
        else unitToBox(this.rowOf[N + e]!, 1, this.low, this.high, this.moveOf[other]!);
      }
      // 3. every game's tick; finished games are recorded and replaced
      for (let e = 0; e < N; e++) {
        const s = states[e]!;
        const i = base + e;
        s.applyJointContinuous(this.jointOf[e]!);
        this.lengths[e]!++;
        s.rewards(scratch);
        b.rewards[i] = scratch[seat[e]!]!;
        s.observe(seat[e]!, b.nextObs, i * O);
        const over = s.isTerminal();
        const truncated = over && s.isTruncated();
        b.terminated[i] = over && !truncated ? 1 : 0;
        b.truncated[i] = truncated ? 1 : 0;
        b.dones[i] = over ? 1 : 0;
        if (!over) continue;
        s.returns(scratch);
        const ret = scratch[seat[e]!]!;
        games.push({ opponent: this.opponentId[e]!, score: ret > 0 ? 1 : ret < 0 ? 0 : 0.5, side: seat[e]!, return: ret, length: this.lengths[e]! });
        this.startGame(e, learner);
      }
    }
    const total = (performance.now() - t0) / 1000;
    return { learner: learner.id, version: learner.version, trajectory: b, steps: b.steps * N, games, envSeconds: total - inference / 1000, inferenceSeconds: inference / 1000 };
  }

  /**
   * Fresh games against `bot` from both seats (`playSeries`, the games `arena match` plays): the
   * learner's current actor as a snapshot of it plays, sampling (SAC) or μ(s) (TD3, DDPG).
   */
  async evaluate(_learner: LearnerRef, bot: string): Promise<Record<string, number>> {
    const seed = (this.seed * 7919 + 1_000_003 * ++this.evaluations) >>> 0;
    const me = agentFromSnapshot(this.algorithm.snapshot(), this.info, { name: 'learner', seed });
    const opponent = createBot(bot, this.info, seed + 1);
    return seriesMetrics(bot, playSeries({ game: this.game, agents: [me, opponent], games: this.evalGames, seed, openingPlies: this.evalPlies }));
  }
}
