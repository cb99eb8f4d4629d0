/**
 * Collectors: what produces trajectory segments for a learner. The training loop (src/train/loop.ts)
 * asks a collector for one segment at a time — from one actor slot, with the learner's newest
 * published weights — synchronously (every slot, then an update) or asynchronously (slots never wait
 * for the learner; see src/train/feed.ts). Each segment carries the weights version it was played with,
 * so the learner knows its policy lag.
 *
 * - `SelfPlayCollector`: two-seat self-play (rollout.ts) against opponents drawn from the league; in
 *   games with simultaneous moves (duel) games continue across the segments of a slot (`SlotGames`).
 * - `TeamCollector`: team play (team-rollout.ts): games continue across the segments of a slot, so
 *   segments shorter than a match still play whole matches.
 * - `SearchCollector`: expert iteration's self-play games with search (search-selfplay.ts).
 * - The single-agent vector env on the main thread lives in src/train/run.ts (`LocalCollector`).
 */
import { Rng, type GameInfo } from '../../core/index.ts';
import type { RunningMeanStdData } from '../algorithms/running-stats.ts';
import type { Trajectory } from '../algorithms/trajectory.ts';
import { mean } from '../eval/stats.ts';
import type { Actors, RemoteReceipt } from './pool.ts';
import type { CarriedGame, OpponentRef, RolloutTask } from './rollout.ts';
import type { SearchSelfPlayTask } from './search-selfplay.ts';

/** A finished game of a segment, from the learner's side. */
export interface GameOutcome {
  /** The opponent's member id (null: no opponent, a single-agent game). */
  readonly opponent: string | null;
  /** 1 win, 0.5 draw, 0 loss (null: single-agent). */
  readonly score: number | null;
  /** The learner's seat (two-seat) or side (team); null for single-agent games. */
  readonly side: number | null;
  /** The learner's return (per seat for teams). */
  readonly return: number;
  readonly length: number;
}

/** One segment: a trajectory played by one version of one learner's weights. */
export interface Segment {
  readonly learner: string;
  /** Weights version the actor played with. */
  readonly version: number;
  readonly trajectory: Trajectory;
  /** Environment steps it counts for (learner decisions; joint steps for teams). */
  readonly steps: number;
  readonly games: readonly GameOutcome[];
  /** Seconds spent in game logic and in inference inside the actor. */
  readonly envSeconds: number;
  readonly inferenceSeconds: number;
  /** Played by a remote actor: the entry to acknowledge once the learner used or dropped it. */
  readonly remote?: RemoteReceipt;
  /** The raw observations' moments, when the learner normalises them (RolloutResult.obsStats). */
  readonly obsStats?: RunningMeanStdData;
}

/** What a collector reads of a learner: its id and the version of its newest published weights. */
export interface LearnerRef {
  readonly id: string;
  readonly version: number;
}

export interface SegmentCollector {
  /** Segments that make one update (one per actor slot). */
  readonly segmentsPerUpdate: number;
  collect(learner: LearnerRef, slot: number): Promise<Segment>;
  /** Plays the learner against a bot in fresh games; metric name → value. */
  evaluate(learner: LearnerRef, bot: string): Promise<Record<string, number>>;
}

/** A learner's opponents for one task: refs the actor can play, drawn with their probabilities. */
export interface OpponentDraw {
  readonly refs: OpponentRef[];
  readonly probs: number[];
}

/** Where opponents come from: the league (PFSP, AlphaStar's rules) or a fixed list of bots. */
export interface OpponentSource {
  /** Draws up to `k` opponents for the learner's next task and publishes any snapshot they need. */
  draw(learner: LearnerRef, rng: Rng, k: number): OpponentDraw;
  /** Publishes the snapshot a ref plays again (a game continued across tasks); false when it cannot. */
  republish?(ref: OpponentRef): boolean;
}

/** Opponents per task: each task plays a sample of the distribution, so workers decode a few snapshots per task, not the whole league. */
export const OPPONENTS_PER_TASK = 4;

/** Draws `k` opponents i.i.d. from `probs` and returns the distinct ones with their empirical frequencies. */
export function sampleOpponents<T>(items: readonly T[], probs: readonly number[], rng: Rng, k: number): { items: T[]; probs: number[] } {
  const counts = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const j = rng.categorical(probs);
    counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  const idx = [...counts.keys()].sort((a, b) => a - b);
  return { items: idx.map((j) => items[j]!), probs: idx.map((j) => counts.get(j)! / k) };
}

function versionsOf(learner: number, refs: readonly OpponentRef[]): number[] {
  return [...new Set([learner, ...refs.flatMap((r) => ('version' in r ? [r.version] : []))])];
}

/**
 * The games each actor slot of each learner left in progress, so that its next segment continues them
 * and segments shorter than a game still play whole games. A continued game keeps its opponent: it is
 * added to the next task's opponents at probability 0 for new games when it is no longer drawn, and a
 * learner opponent whose old weights are gone plays the newest ones. One task per slot at a time.
 */
class SlotGames {
  private readonly actors: Actors;
  private readonly opponents: OpponentSource;
  /** Per (learner, slot): the games in progress after its last segment, and that task's opponents. */
  private readonly bySlot = new Map<string, { carry: CarriedGame[]; refs: OpponentRef[] }>();

  constructor(actors: Actors, opponents: OpponentSource) {
    this.actors = actors;
    this.opponents = opponents;
  }

  /** The task's opponents (the draw, plus those of continued games) and the `n` games to continue, if any. */
  resume(learner: LearnerRef, slot: number, n: number, draw: OpponentDraw): { refs: OpponentRef[]; probs: number[]; carry?: CarriedGame[] } {
    const refs = [...draw.refs];
    const probs = [...draw.probs];
    const prev = this.bySlot.get(`${learner.id}#${slot}`);
    if (!prev || prev.carry.length !== n) return { refs, probs };
    const carry = prev.carry.map((c) => {
      const old = prev.refs[c.opponent]!;
      let idx = refs.findIndex((r) => r.id === old.id);
      if (idx < 0) {
        const gone = 'version' in old && !this.actors.has(old.version) && !this.opponents.republish?.(old);
        refs.push(gone ? { id: old.id, version: learner.version } : old);
        probs.push(0);
        idx = refs.length - 1;
      }
      return { ...c, opponent: idx };
    });
    return { refs, probs, carry };
  }

  /** Keeps the games a slot's task left in progress (`refs`: that task's opponents). */
  keep(learner: LearnerRef, slot: number, carry: CarriedGame[], refs: OpponentRef[]): void {
    this.bySlot.set(`${learner.id}#${slot}`, { carry, refs });
  }
}

export class SelfPlayCollector implements SegmentCollector {
  readonly segmentsPerUpdate: number;
  private readonly actors: Actors;
  private readonly info: GameInfo;
  private readonly envs: number;
  private readonly steps: number;
  private readonly evalGames: number;
  private readonly opponents: OpponentSource;
  private readonly rng: Rng;
  private readonly openingPlies: number;
  /** Potential-based reward shaping of the learner's rewards (RolloutTask.shaping); undefined: none. */
  private readonly shaping: RolloutTask['shaping'];
  /** Games continued across a slot's segments (`continueGames`); null: every task starts new games. */
  private readonly games: SlotGames | null;

  /**
   * `segments` per update: default one per worker thread of `actors`. `continueGames` (default true):
   * a slot's next segment continues the games its last one left in progress — for slots that come
   * back (the local workers); remote tasks, on ever new slots, start new games.
   */
  constructor(o: { actors: Actors; info: GameInfo; envs: number; steps: number; evalGames: number; opponents: OpponentSource; rng: Rng; openingPlies?: number; segments?: number | null; continueGames?: boolean; shaping?: RolloutTask['shaping'] }) {
    this.actors = o.actors;
    this.info = o.info;
    this.envs = o.envs;
    this.steps = o.steps;
    this.evalGames = o.evalGames;
    this.opponents = o.opponents;
    this.rng = o.rng;
    this.openingPlies = o.openingPlies ?? 0;
    this.shaping = o.shaping;
    this.segmentsPerUpdate = o.segments ?? Math.max(1, o.actors.workers);
    this.games = (o.continueGames ?? true) ? new SlotGames(o.actors, o.opponents) : null;
  }

  async collect(learner: LearnerRef, slot: number): Promise<Segment> {
    const draw = this.opponents.draw(learner, this.rng, Math.min(this.envs, OPPONENTS_PER_TASK));
    const { refs, probs, carry } = this.games ? this.games.resume(learner, slot, this.envs, draw) : { ...draw, carry: undefined };
    const r = await this.actors.run(
      {
        kind: 'two-seat',
        game: this.info.id,
        envs: this.envs,
        steps: this.steps,
        seed: this.rng.nextU32(),
        learner: learner.version,
        opponents: refs,
        opponentProbs: probs,
        openingPlies: this.openingPlies,
        ...(carry ? { carry } : {}),
        ...(this.shaping ? { shaping: this.shaping } : {}),
      },
      versionsOf(learner.version, refs),
    );
    if (this.games && r.carry) this.games.keep(learner, slot, r.carry, refs);
    return {
      learner: learner.id,
      version: learner.version,
      trajectory: r,
      steps: r.steps * r.columns,
      games: r.episodes.map((e) => ({ opponent: refs[e.opponent]!.id, score: e.score, side: e.seat, return: e.learnerReturn, length: e.length })),
      envSeconds: r.envSeconds,
      inferenceSeconds: r.inferenceSeconds,
      ...(r.remote ? { remote: r.remote } : {}),
      ...(r.obsStats ? { obsStats: r.obsStats } : {}),
    };
  }

  async evaluate(learner: LearnerRef, bot: string): Promise<Record<string, number>> {
    const parts = Math.max(1, this.actors.workers);
    const envs = 16;
    const steps = Math.max(8, Math.ceil((this.evalGames * this.info.maxSteps) / 2 / parts / envs));
    const refs: OpponentRef[] = [{ id: bot, bot }];
    const results = await Promise.all(
      Array.from({ length: parts }, () =>
        this.actors.run({ kind: 'two-seat', game: this.info.id, envs, steps, seed: this.rng.nextU32(), learner: learner.version, opponents: refs, opponentProbs: [1] }, [learner.version]),
      ),
    );
    const scores = results.flatMap((r) => r.episodes.map((e) => e.score));
    return { [`eval/score_vs_${bot}`]: mean(scores), [`eval/loss_rate_vs_${bot}`]: scores.filter((s) => s === 0).length / Math.max(1, scores.length) };
  }
}

export class TeamCollector implements SegmentCollector {
  readonly segmentsPerUpdate: number;
  private readonly actors: Actors;
  private readonly info: GameInfo;
  private readonly algo: 'mappo' | 'ippo';
  private readonly envs: number;
  private readonly steps: number;
  private readonly evalGames: number;
  private readonly opponents: OpponentSource;
  private readonly rng: Rng;
  private readonly games: SlotGames;
  private tasks = 0;

  constructor(o: { actors: Actors; info: GameInfo; algo: 'mappo' | 'ippo'; envs: number; steps: number; evalGames: number; opponents: OpponentSource; rng: Rng }) {
    this.actors = o.actors;
    this.info = o.info;
    this.algo = o.algo;
    this.envs = o.envs;
    this.steps = o.steps;
    this.evalGames = o.evalGames;
    this.opponents = o.opponents;
    this.rng = o.rng;
    this.segmentsPerUpdate = Math.max(1, Math.min(Math.max(1, o.actors.workers), o.envs));
    this.games = new SlotGames(o.actors, o.opponents);
  }

  /** Games of slot `slot` when `total` games are split over the slots. */
  private share(total: number, slot: number): number {
    const parts = this.segmentsPerUpdate;
    return Math.floor(total / parts) + (slot < total % parts ? 1 : 0);
  }

  /** A segment continues the games its slot left in progress (`SlotGames`). */
  async collect(learner: LearnerRef, slot: number): Promise<Segment> {
    const n = this.share(this.envs, slot);
    const draw = this.opponents.draw(learner, this.rng, Math.min(n, OPPONENTS_PER_TASK));
    const { refs, probs, carry } = this.games.resume(learner, slot, n, draw);
    const r = await this.actors.run(
      {
        kind: 'team',
        game: this.info.id,
        algo: this.algo,
        envs: n,
        steps: this.steps,
        seed: this.rng.nextU32(),
        learner: learner.version,
        opponents: refs,
        opponentProbs: probs,
        firstSide: this.tasks++ % 2,
        ...(carry ? { carry } : {}),
      },
      versionsOf(learner.version, refs),
    );
    this.games.keep(learner, slot, r.carry, refs);
    return {
      learner: learner.id,
      version: learner.version,
      trajectory: r,
      steps: n * this.steps,
      games: r.episodes.map((e) => ({ opponent: refs[e.opponent]!.id, score: e.score, side: e.side, return: e.teamReturn, length: e.length })),
      envSeconds: r.envSeconds,
      inferenceSeconds: r.inferenceSeconds,
    };
  }

  /** Fresh games against the bot (the sampling policy, as `arena match` plays a checkpoint). */
  async evaluate(learner: LearnerRef, bot: string): Promise<Record<string, number>> {
    const refs: OpponentRef[] = [{ id: bot, bot }];
    const results = await Promise.all(
      Array.from({ length: this.segmentsPerUpdate }, (_, w) =>
        this.actors.run(
          { kind: 'team', game: this.info.id, algo: this.algo, envs: this.share(this.evalGames, w), steps: this.info.maxSteps, seed: this.rng.nextU32(), learner: learner.version, opponents: refs, opponentProbs: [1], firstSide: w % 2, evalOnly: true },
          [learner.version],
        ),
      ),
    );
    const eps = results.flatMap((r) => r.episodes);
    const scores = eps.map((e) => e.score);
    return {
      [`eval/win_rate_vs_${bot}`]: scores.filter((s) => s === 1).length / Math.max(1, scores.length),
      [`eval/score_vs_${bot}`]: mean(scores),
      [`eval/return_vs_${bot}`]: mean(eps.map((e) => e.teamReturn)),
    };
  }
}

/** What an expert-iteration task plays, besides the game, the weights and the seed (SearchSelfPlayTask). */
export type SearchSettings = Omit<SearchSelfPlayTask, 'game' | 'learner' | 'snapshots' | 'seed'>;

/**
 * Expert iteration's actors (search-selfplay.ts): each segment is `settings.games` complete self-play
 * games in which both seats search with the learner's newest weights; its trajectory holds the
 * positions with the search's move distributions (`searchPolicy`) and the games' outcomes. A game is
 * reported from the first mover's side (seat 0's score and return): in self-play that is how often
 * the side to move first wins.
 */
export class SearchCollector implements SegmentCollector {
  readonly segmentsPerUpdate = 1;
  private readonly actors: Actors;
  private readonly info: GameInfo;
  private readonly settings: SearchSettings;
  private readonly rng: Rng;

  constructor(o: { actors: Actors; info: GameInfo; settings: SearchSettings; rng: Rng }) {
    this.actors = o.actors;
    this.info = o.info;
    this.settings = o.settings;
    this.rng = o.rng;
  }

  async collect(learner: LearnerRef): Promise<Segment> {
    const r = await this.actors.run({ kind: 'search', game: this.info.id, learner: learner.version, seed: this.rng.nextU32(), ...this.settings }, [learner.version]);
    return {
      learner: learner.id,
      version: learner.version,
      trajectory: r,
      steps: r.positions,
      games: r.games.map((g) => ({ opponent: 'self', score: (g.returns[0]! - this.info.minReturn) / (this.info.maxReturn - this.info.minReturn), side: 0, return: g.returns[0]!, length: g.length })),
      envSeconds: r.seconds,
      inferenceSeconds: 0,
    };
  }

  /** Evaluation plays on the main thread (the training loop's paired series); nothing runs here. */
  async evaluate(): Promise<Record<string, number>> {
    return {};
  }
}
