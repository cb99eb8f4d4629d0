/**
 * One self-play rollout task: `envs` games at once, the learning policy on one seat (alternating
 * by episode) and opponents drawn per episode from a distribution over league members. Inference is
 * batched: one forward pass for the learner over every env, one per opponent snapshot over every env
 * that snapshot must move in. Pure JavaScript (no tfjs), so it runs in Piscina worker threads.
 *
 * The result is a time-major rollout (index t·envs + e) with the bootstrap values GAE needs, plus
 * the outcome of every finished game for the league's ratings.
 */
import { createBot } from '../../agents/bots.ts';
import { sampleCategorical } from '../../agents/sampling.ts';
import { CHANCE, ConfigError, Rng, TERMINAL, type Agent, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { playExploringStart } from '../eval/openings.ts';
import { RunningMeanStd } from '../algorithms/running-stats.ts';
import { allocTrajectory, type Trajectory } from '../algorithms/trajectory.ts';
import { MlpForward } from './mlp-forward.ts';
import { SnapshotCache } from './snapshot.ts';

/** An opponent: a league snapshot (by version) or a baseline bot (by spec). */
export type OpponentRef = { readonly id: string; readonly version: number } | { readonly id: string; readonly bot: string };

export interface RolloutTask {
  readonly game: string;
  readonly envs: number;
  /** Learner decisions per env. */
  readonly steps: number;
  readonly seed: number;
  /** Version of the learner's snapshot in `snapshots`. */
  readonly learner: number;
  /** Encoded snapshots by version (SharedArrayBuffers are shared with the worker, not copied). */
  readonly snapshots: Readonly<Record<number, SharedArrayBuffer | Uint8Array>>;
  readonly opponents: readonly OpponentRef[];
  /** Probability of each opponent for each new episode. */
  readonly opponentProbs: readonly number[];
  /** Exploring starts: each game begins with k uniformly random plies, k uniform in 0..openingPlies (default 0). */
  readonly openingPlies?: number;
}

export interface EpisodeOutcome {
  /** Index into the task's opponents. */
  readonly opponent: number;
  /** Learner's score: 1 win, 0.5 draw, 0 loss. */
  readonly score: number;
  readonly learnerReturn: number;
  readonly seat: number;
  readonly length: number;
}

/** A self-play rollout: the learner's trajectory (one column per env) and every finished game. */
export interface RolloutResult extends Trajectory {
  readonly envs: number;
  readonly episodes: EpisodeOutcome[];
  /** Seconds spent in game logic and in inference (for profiles). */
  readonly envSeconds: number;
  readonly inferenceSeconds: number;
}

interface LoadedPolicy {
  readonly mlp: MlpForward;
  readonly obsRms: RunningMeanStd | null;
}

/** Decoded snapshots, cached by version for the life of the worker. */
const policyCache = new SnapshotCache<LoadedPolicy>();

function loadPolicy(version: number, snapshots: RolloutTask['snapshots']): LoadedPolicy {
  return policyCache.get(version, snapshots, (snap, old) => ({
    mlp: old ? old.mlp.reuse(snap.spec, snap.weights) : new MlpForward(snap.spec, snap.weights),
    obsRms: snap.obsRms ? RunningMeanStd.fromJSON(snap.obsRms) : null,
  }));
}

/** Baseline bots, cached per game and spec so search bots keep their tables across tasks. */
const botCache = new Map<string, Agent>();

export function loadBot(spec: string, gameId: string, seed: number): Agent {
  const key = `${gameId}|${spec}`;
  let bot = botCache.get(key);
  if (!bot) {
    bot = createBot(spec, getGame(gameId).info, seed);
    botCache.set(key, bot);
  }
  bot.reset?.(seed);
  return bot;
}

/** Number of snapshots decoded and cached in this thread (for tests of the cache). */
export function cachedSnapshotCount(): number {
  return policyCache.size;
}

export function runRollout(task: RolloutTask): RolloutResult {
  const game = getGame(task.game);
  const { info } = game;
  if (info.seats !== 2 || info.dynamics !== 'sequential') throw new ConfigError(`self-play rollouts need a two-seat sequential game, not ${info.id}`);
  const { envs: N, steps: T } = task;
  const O = info.observationSize;
  const A = info.actions;
  const rng = new Rng(task.seed);
  const openingPlies = task.openingPlies ?? 0;
  const learner = loadPolicy(task.learner, task.snapshots);
  const opponents = task.opponents.map((o): LoadedPolicy | Agent =>
    'version' in o ? loadPolicy(o.version, task.snapshots) : loadBot(o.bot, info.id, rng.nextU32()),
  );

  const out: RolloutResult = { ...allocTrajectory(T, N, O, 0, A), envs: N, episodes: [], envSeconds: 0, inferenceSeconds: 0 };
  out.valid.fill(1);
  const states: GameState[] = Array.from({ length: N }, () => game.newState(0));
  const seat = new Int32Array(N);
  const opp = new Int32Array(N);
  const lengths = new Int32Array(N);
  const accumulating = new Uint8Array(N);
  const reward = new Float64Array(N);
  const scratchRewards = new Float64Array(info.seats);
  const logits = new Float32Array(N * A);
  const probs = new Float64Array(A);
  const rowObs = new Float32Array(N * O);
  const rowMask = new Uint8Array(N * A);
  const rowEnv = new Int32Array(N);
  const values = new Float32Array(N);
  let episodeCount = 0;
  let inference = 0;
  const t0 = performance.now();

  const startEpisode = (e: number) => {
    states[e]!.reset(rng.nextU32());
    playExploringStart(states[e]!, openingPlies, rng);
    seat[e] = episodeCount++ % 2;
    opp[e] = rng.categorical(task.opponentProbs);
    lengths[e] = 0;
    accumulating[e] = 0;
  };
  const collectReward = (e: number) => {
    if (!accumulating[e]) return;
    states[e]!.rewards(scratchRewards);
    reward[e]! += scratchRewards[seat[e]!]!;
  };
  const finishEpisode = (e: number, t: number) => {
    const s = states[e]!;
    s.returns(scratchRewards);
    const ret = scratchRewards[seat[e]!]!;
    out.episodes.push({ opponent: opp[e]!, score: ret > 0 ? 1 : ret < 0 ? 0 : 0.5, learnerReturn: ret, seat: seat[e]!, length: lengths[e]! });
    out.dones[t * N + e] = 1;
    startEpisode(e);
  };

  /** Plays chance events and opponents until every env waits for the learner; opponents' moves are batched. */
  const advanceAll = (t: number) => {
    for (;;) {
      let pending = 0;
      for (let e = 0; e < N; e++) {
        const s = states[e]!;
        for (;;) {
          const cur = s.currentSeat();
          if (cur === seat[e]) break;
          if (cur === TERMINAL) {
            if (t >= 0 && accumulating[e]) finishEpisode(e, t);
            else startEpisode(e);
            continue;
          }
          if (cur === CHANCE) {
            s.applyChance();
            collectReward(e);
            continue;
          }
          const o = opponents[opp[e]!]!;
          if ('act' in o) {
            s.apply(o.act(s, cur));
            collectReward(e);
            continue;
          }
          pending++;
          break;
        }
      }
      if (pending === 0) return;
      // one batched forward pass per opponent snapshot over the envs where it is to move
      for (let k = 0; k < opponents.length; k++) {
        const o = opponents[k]!;
        if ('act' in o) continue;
        let rows = 0;
        for (let e = 0; e < N; e++) {
          const s = states[e]!;
          const cur = s.currentSeat();
          if (opp[e] !== k || cur < 0 || cur === seat[e]) continue;
          s.observe(cur, rowObs, rows * O);
          s.legalMask(cur, rowMask.subarray(rows * A, (rows + 1) * A));
          rowEnv[rows++] = e;
        }
        if (rows === 0) continue;
        o.obsRms?.normalize(rowObs, rows);
        const ti = performance.now();
        o.mlp.actorForward(rowObs, rows, logits);
        inference += performance.now() - ti;
        for (let r = 0; r < rows; r++) {
          const e = rowEnv[r]!;
          const { action } = sampleCategorical(logits, r * A, A, rowMask, r * A, rng, false, probs);
          states[e]!.apply(action);
          collectReward(e);
        }
      }
    }
  };

  for (let e = 0; e < N; e++) startEpisode(e);
  advanceAll(-1);
  for (let t = 0; t < T; t++) {
    const base = t * N;
    for (let e = 0; e < N; e++) {
      states[e]!.observe(seat[e]!, out.obs, (base + e) * O);
      states[e]!.legalMask(seat[e]!, out.masks.subarray((base + e) * A, (base + e + 1) * A));
    }
    const obsSlot = out.obs.subarray(base * O, (base + N) * O);
    learner.obsRms?.normalize(obsSlot, N);
    const ti = performance.now();
    learner.mlp.actorForward(obsSlot, N, logits);
    learner.mlp.criticForward(obsSlot, N, values);
    inference += performance.now() - ti;
    for (let e = 0; e < N; e++) {
      const i = base + e;
      const { action, logProb } = sampleCategorical(logits, e * A, A, out.masks, i * A, rng, false, probs);
      out.actions[i] = action;
      out.logProbs[i] = logProb;
      out.values[i] = values[e]!;
      reward[e] = 0;
      accumulating[e] = 1;
      states[e]!.apply(action);
      lengths[e]!++;
      collectReward(e);
    }
    advanceAll(t);
    for (let e = 0; e < N; e++) out.rewards[base + e] = reward[e]!;
  }
  // bootstrap values: V(s_{t+1}) inside the rollout, V(s_T) at its end, 0 after a finished game
  for (let e = 0; e < N; e++) states[e]!.observe(seat[e]!, rowObs, e * O);
  learner.obsRms?.normalize(rowObs, N);
  learner.mlp.criticForward(rowObs, N, values);
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < N; e++) {
      const i = t * N + e;
      out.nextValues[i] = out.dones[i] ? 0 : t === T - 1 ? values[e]! : out.values[i + N]!;
    }
  }
  const total = (performance.now() - t0) / 1000;
  return { ...out, inferenceSeconds: inference / 1000, envSeconds: total - inference / 1000 };
}
