/**
 * One self-play rollout task: `envs` games of a two-seat game at once, the learning policy on one seat
 * (alternating by episode) and opponents drawn per episode from a distribution over league members.
 * Inference is batched: one forward pass for the learner over every env, one per opponent snapshot
 * over every env that snapshot must move in. Pure JavaScript (no tfjs), so it runs in Piscina worker
 * threads.
 *
 * Two kinds of game:
 * - sequential games with discrete actions (board games, poker): seats take turns, chance plays
 *   itself, and a transition is one learner decision with everything that happens until its next;
 * - games with simultaneous continuous moves (duel): both seats act every tick, the learner sampling
 *   its Gaussian policy, the opponent a snapshot's Gaussian policy or a bot's `actContinuous`, and the
 *   tick is applied as one joint action; a transition is one tick.
 *
 * The result is a time-major rollout (index t·envs + e) with the bootstrap values GAE needs, plus
 * the outcome of every finished game for the league's ratings.
 */
import { createBot } from '../../agents/bots.ts';
import { sampleCategorical, sampleGaussian } from '../../agents/sampling.ts';
import { policyActionFrame } from '../../agents/action-frame.ts';
import { agentStateSize, CHANCE, ConfigError, isContinuous, Rng, TERMINAL, type ActionFrame, type Agent, type GameInfo, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { playExploringStart } from '../eval/openings.ts';
import { RunningMeanStd, type RunningMeanStdData } from '../algorithms/running-stats.ts';
import { allocTrajectory, type Trajectory } from '../algorithms/trajectory.ts';
import { MlpForward } from './mlp-forward.ts';
import { SnapshotCache } from './snapshot.ts';

/** An opponent: a league snapshot (by version) or a baseline bot (by spec). */
export type OpponentRef = { readonly id: string; readonly version: number } | { readonly id: string; readonly bot: string };

/** What every league rollout task names: the game, the learner's snapshot and the opponents to sample. */
export interface LeagueTaskBase {
  readonly game: string;
  readonly envs: number;
  readonly seed: number;
  /** Version of the learner's snapshot in `snapshots`. */
  readonly learner: number;
  /** Encoded snapshots by version (SharedArrayBuffers are shared with the worker, not copied). */
  readonly snapshots: Readonly<Record<number, SharedArrayBuffer | Uint8Array>>;
  readonly opponents: readonly OpponentRef[];
  /** Probability of each opponent for each new episode. */
  readonly opponentProbs: readonly number[];
  /**
   * Games in progress to continue, one per env (the `carry` of the previous task of this actor slot), so
   * segments shorter than a game still play whole games and no game is left unfinished: a rollout
   * that started new games every task would drop the rest of each game its end cut off, so late
   * positions (a board game's endgame, a poker hand's last round) would be under-sampled and the cut
   * games' decisions would all lean on the critic's bootstrap. Absent: every env starts a new game.
   */
  readonly carry?: readonly CarriedGame[];
}

export interface RolloutTask extends LeagueTaskBase {
  /** Learner decisions per env. */
  readonly steps: number;
  /** Exploring starts: each game begins with k uniformly random plies, k uniform in 0..openingPlies (default 0). */
  readonly openingPlies?: number;
  /**
   * Potential-based reward shaping (simultaneous games whose states define `potential`): the learner's
   * reward of each tick gains coef·(gamma·Φ(s') − Φ(s)), Φ(s') = 0 when the tick ended the game. The
   * games' outcomes (league scores, returns) are unchanged. Absent: none.
   */
  readonly shaping?: { readonly coef: number; readonly gamma: number };
}

/** A game in progress between two rollout tasks (plain data: it crosses threads). */
export interface CarriedGame {
  /** `state.serialize()`. */
  readonly state: unknown;
  /** The learner's seat (two-seat games) or side (team games). */
  readonly side: number;
  /** Index into the task's opponents. */
  readonly opponent: number;
  readonly length: number;
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
  /** The games in progress at the end, one per env (opponent indices refer to this task's opponents); remote results carry none. */
  readonly carry?: CarriedGame[];
  /** Seconds spent in game logic and in inference (for profiles). */
  readonly envSeconds: number;
  readonly inferenceSeconds: number;
  /**
   * When the learner's snapshot normalises observations (normObs): the moments of the raw observations
   * it normalised in this task, for the learner to fold into its statistics (`RunningMeanStd.merge`).
   */
  readonly obsStats?: RunningMeanStdData;
}

interface LoadedPolicy {
  readonly mlp: MlpForward;
  readonly obsRms: RunningMeanStd | null;
  /** The frame its Gaussian head acts in (null: the game's own actions). */
  readonly frame: ActionFrame | null;
}

/** Decoded snapshots, cached by version for the life of the worker. */
const policyCache = new SnapshotCache<LoadedPolicy>();

/** Forgets the decoded snapshots: a new run in this thread numbers its versions from 0 again. */
export function clearRolloutCache(): void {
  policyCache.clear();
}

function loadPolicy(version: number, snapshots: RolloutTask['snapshots']): LoadedPolicy {
  return policyCache.get(version, snapshots, (snap, old) => ({
    mlp: old ? old.mlp.reuse(snap.spec, snap.weights) : new MlpForward(snap.spec, snap.weights),
    obsRms: snap.obsRms ? RunningMeanStd.fromJSON(snap.obsRms) : null,
    frame: policyActionFrame(snap.spec, snap.game),
  }));
}

/** Baseline bots, cached per game and spec so search bots keep their tables across tasks. */
const botCache = new Map<string, Agent>();

/**
 * The bot `spec` of a game, reset with `seed`. `instance` > 0 asks for another instance of the same
 * spec: bots with state of their own from tick to tick (duel-scripted) get one per env.
 */
export function loadBot(spec: string, gameId: string, seed: number, instance = 0): Agent {
  const key = `${gameId}|${spec}|${instance}`;
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

/** Why self-play rollouts cannot play `info` (null when they can). */
export function selfPlayProblem(info: GameInfo): string | null {
  if (info.seats !== 2) return `${info.id} has ${info.seats} seats`;
  if (info.dynamics === 'sequential') return isContinuous(info) ? `${info.id} is a sequential game with continuous actions` : null;
  return isContinuous(info) ? null : `${info.id} has simultaneous discrete moves (team rollouts play those: --algo mappo or ippo)`;
}

export function runRollout(task: RolloutTask): RolloutResult {
  const game = getGame(task.game);
  const { info } = game;
  const problem = selfPlayProblem(info);
  if (problem !== null) throw new ConfigError(`self-play rollouts need a two-seat game, sequential with discrete actions or simultaneous with continuous ones: ${problem}`);
  if (info.dynamics === 'simultaneous') return runSimultaneousRollout(task, info);
  const { envs: N, steps: T } = task;
  const O = info.observationSize;
  const A = info.actions;
  const rng = new Rng(task.seed);
  const openingPlies = task.openingPlies ?? 0;
  const learner = loadPolicy(task.learner, task.snapshots);
  /** Moments of the raw observations the learner's snapshot normalises (RolloutResult.obsStats). */
  const rawStats = learner.obsRms ? new RunningMeanStd(info.observationSize, 0) : null;
  const opponents = task.opponents.map((o): LoadedPolicy | Agent =>
    'version' in o ? loadPolicy(o.version, task.snapshots) : loadBot(o.bot, info.id, rng.nextU32()),
  );

  // a centralized critic (criticInput 'agent-state') reads the seat's agent state, hidden cards included
  const C = learner.mlp.spec.criticInputSize;
  const central = C !== O;
  if (central && C !== agentStateSize(info)) throw new ConfigError(`the learner's critic reads ${C} inputs; ${info.id}'s observation has ${O} and its agent state ${agentStateSize(info)}`);
  const out: RolloutResult = { ...allocTrajectory(T, N, O, central ? C : 0, A), envs: N, episodes: [], envSeconds: 0, inferenceSeconds: 0 };
  out.valid.fill(1);
  const states: GameState[] = Array.from({ length: N }, () => game.newState(0));
  if (central && !states[0]!.agentState) throw new ConfigError(`${info.id}: its states write no agent state (GameState.agentState), which a centralized critic reads`);
  const rowCritic = central ? new Float32Array(N * C) : null;
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

  // continued games resume where the last task left them (at the learner's turn: every task ends there)
  resumeGames(task.carry, N, opponents.length, startEpisode, (e, c) => {
    states[e] = game.restore(c.state);
    seat[e] = c.side;
    opp[e] = c.opponent;
    lengths[e] = c.length;
    accumulating[e] = 0;
  });
  advanceAll(-1);
  for (let t = 0; t < T; t++) {
    const base = t * N;
    for (let e = 0; e < N; e++) {
      states[e]!.observe(seat[e]!, out.obs, (base + e) * O);
      states[e]!.legalMask(seat[e]!, out.masks.subarray((base + e) * A, (base + e + 1) * A));
      if (central) states[e]!.agentState!(seat[e]!, out.criticObs!, (base + e) * C);
    }
    const obsSlot = out.obs.subarray(base * O, (base + N) * O);
    rawStats?.update(obsSlot, N);
    learner.obsRms?.normalize(obsSlot, N);
    const ti = performance.now();
    learner.mlp.actorForward(obsSlot, N, logits);
    learner.mlp.criticForward(central ? out.criticObs!.subarray(base * C, (base + N) * C) : obsSlot, N, values);
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
  if (rowCritic) {
    for (let e = 0; e < N; e++) states[e]!.agentState!(seat[e]!, rowCritic, e * C);
    learner.mlp.criticForward(rowCritic, N, values);
  } else {
    for (let e = 0; e < N; e++) states[e]!.observe(seat[e]!, rowObs, e * O);
    learner.obsRms?.normalize(rowObs, N);
    learner.mlp.criticForward(rowObs, N, values);
  }
  fillNextValues(out, values);
  const carry = states.map((s, e): CarriedGame => ({ state: s.serialize(), side: seat[e]!, opponent: opp[e]!, length: lengths[e]! }));
  const total = (performance.now() - t0) / 1000;
  return { ...out, carry, inferenceSeconds: inference / 1000, envSeconds: total - inference / 1000, ...(rawStats ? { obsStats: rawStats.toJSON() } : {}) };
}

/**
 * Bootstrap values of a rollout: V(s_{t+1}) inside it, V(s_T) (`last`, per env) at its end. A transition
 * that ended a game keeps the value the rollout gave it (0 at a termination, still 0 from allocation).
 */
function fillNextValues(out: Trajectory, last: Float32Array): void {
  const { steps: T, columns: N } = out;
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < N; e++) {
      const i = t * N + e;
      if (!out.dones[i]) out.nextValues[i] = t === T - 1 ? last[e]! : out.values[i + N]!;
    }
  }
}

/**
 * The rollout of a two-seat game with simultaneous continuous moves (duel). Every tick: the learner's
 * observations of all envs in one forward pass (actor means and critic values), a Gaussian sample per
 * env stored unclipped with its log-density (the game clips it to its box when it applies it, as the
 * single-agent collector does, src/train/collector.ts); the opponents' vectors — one forward pass per
 * snapshot over its envs, sampled from its Gaussian, or a bot's `actContinuous` (one bot instance per
 * env: a scripted pilot keeps state from tick to tick); then every env applies its joint action. A game
 * ends by its rules (a time limit that is a rule is a termination: no bootstrap); a truncated one
 * bootstraps from V(final observation). Games continue across tasks (`carry`).
 */
function runSimultaneousRollout(task: RolloutTask, info: GameInfo): RolloutResult {
  const game = getGame(info.id);
  const { envs: N, steps: T } = task;
  const O = info.observationSize;
  const A = info.actions;
  const rng = new Rng(task.seed);
  const learner = loadPolicy(task.learner, task.snapshots);
  /** Moments of the raw observations the learner's snapshot normalises (RolloutResult.obsStats). */
  const rawStats = learner.obsRms ? new RunningMeanStd(info.observationSize, 0) : null;
  const opponents = task.opponents.map((o): LoadedPolicy | Agent[] =>
    'version' in o ? loadPolicy(o.version, task.snapshots) : Array.from({ length: N }, (_, e) => loadBot(o.bot, info.id, rng.nextU32(), e)),
  );
  const gaussian = (p: LoadedPolicy, who: string): Float32Array => {
    if (!p.mlp.logStd) throw new ConfigError(`${info.id} has continuous actions: ${who}'s snapshot has a ${p.mlp.spec.head} head, not a Gaussian one`);
    return p.mlp.logStd;
  };
  const learnerStd = gaussian(learner, 'the learner');
  const opponentStd = opponents.map((o, k) => ('mlp' in o ? gaussian(o, task.opponents[k]!.id) : null));

  const out = { ...allocTrajectory(T, N, O, 0, A, true), envs: N, episodes: [] as EpisodeOutcome[], carry: [] as CarriedGame[], envSeconds: 0, inferenceSeconds: 0 };
  const actions = out.continuousActions!;
  out.valid.fill(1);
  const states: GameState[] = Array.from({ length: N }, () => game.newState(0));
  const seat = new Int32Array(N);
  const opp = new Int32Array(N);
  const lengths = new Int32Array(N);
  const scratch = new Float64Array(info.seats);
  const means = new Float32Array(N * A);
  const values = new Float32Array(N);
  const rowObs = new Float32Array(N * O);
  const rowEnv = new Int32Array(N);
  // a policy acting in an action frame (games/duel.ts 'opponent') reads the raw observation to map its vector to the game's
  const rawObs = new Float32Array(N * O);
  const rawOf = Array.from({ length: N }, (_, r) => rawObs.subarray(r * O, (r + 1) * O));
  const sampled = new Float32Array(A);
  // the joint actions: env e's tick is joint[2A·e .. 2A·(e+1)), seat s's vector at 2A·e + A·s (views made once)
  const joint = new Float64Array(N * 2 * A);
  const jointOf = Array.from({ length: N }, (_, e) => joint.subarray(2 * A * e, 2 * A * (e + 1)));
  const moveOf = Array.from({ length: 2 * N }, (_, i) => joint.subarray(A * i, A * (i + 1)));
  const finalValue = new Float32Array(1);
  let episodeCount = 0;
  let inference = 0;
  const { shaping } = task;
  const shaped = shaping !== undefined && shaping.coef !== 0;
  if (shaped) checkPotential(states[0]!);
  const t0 = performance.now();

  const startEpisode = (e: number) => {
    states[e]!.reset(rng.nextU32());
    seat[e] = episodeCount++ % 2;
    opp[e] = rng.categorical(task.opponentProbs);
    lengths[e] = 0;
    const o = opponents[opp[e]!]!;
    if (Array.isArray(o)) o[e]!.reset?.(rng.nextU32());
  };
  /** Records the game env e finished at step t, bootstraps a truncated one, and starts the next. */
  const finishEpisode = (e: number, t: number) => {
    const s = states[e]!;
    const i = t * N + e;
    s.returns(scratch);
    const ret = scratch[seat[e]!]!;
    out.episodes.push({ opponent: opp[e]!, score: ret > 0 ? 1 : ret < 0 ? 0 : 0.5, learnerReturn: ret, seat: seat[e]!, length: lengths[e]! });
    out.dones[i] = 1;
    if (s.isTruncated()) {
      s.observe(seat[e]!, rowObs, 0);
      learner.obsRms?.normalize(rowObs, 1);
      learner.mlp.criticForward(rowObs, 1, finalValue);
      out.nextValues[i] = finalValue[0]!;
    }
    startEpisode(e);
  };

  resumeGames(task.carry, N, opponents.length, startEpisode, (e, c) => {
    states[e] = game.restore(c.state);
    seat[e] = c.side;
    opp[e] = c.opponent;
    lengths[e] = c.length;
  });
  for (let t = 0; t < T; t++) {
    const base = t * N;
    // 1. the learner: one forward pass over every env, a Gaussian sample each
    for (let e = 0; e < N; e++) states[e]!.observe(seat[e]!, out.obs, (base + e) * O);
    const obsSlot = out.obs.subarray(base * O, (base + N) * O);
    rawStats?.update(obsSlot, N);
    if (learner.frame) rawObs.set(obsSlot);
    learner.obsRms?.normalize(obsSlot, N);
    let ti = performance.now();
    learner.mlp.actorForward(obsSlot, N, means);
    learner.mlp.criticForward(obsSlot, N, values);
    inference += performance.now() - ti;
    for (let e = 0; e < N; e++) {
      const i = base + e;
      out.logProbs[i] = sampleGaussian(means, e * A, learnerStd, A, rng, false, actions, i * A);
      out.values[i] = values[e]!;
      const at = A * (2 * e + seat[e]!);
      // the trajectory keeps the policy's own vector (its log-density's); the game gets it in its frame
      if (!learner.frame) {
        for (let j = 0; j < A; j++) joint[at + j] = actions[i * A + j]!;
        continue;
      }
      for (let j = 0; j < A; j++) sampled[j] = actions[i * A + j]!;
      learner.frame.toGame(rawOf[e]!, sampled, moveOf[2 * e + seat[e]!]!);
    }
    // 2. the opponents: bots one env at a time, each snapshot in one forward pass over its envs
    for (let k = 0; k < opponents.length; k++) {
      const o = opponents[k]!;
      if (Array.isArray(o)) {
        for (let e = 0; e < N; e++) if (opp[e] === k) o[e]!.actContinuous!(states[e]!, 1 - seat[e]!, moveOf[2 * e + 1 - seat[e]!]!);
        continue;
      }
      let rows = 0;
      for (let e = 0; e < N; e++) {
        if (opp[e] !== k) continue;
        states[e]!.observe(1 - seat[e]!, rowObs, rows * O);
        rowEnv[rows++] = e;
      }
      if (rows === 0) continue;
      if (o.frame) rawObs.set(rowObs.subarray(0, rows * O));
      o.obsRms?.normalize(rowObs, rows);
      ti = performance.now();
      o.mlp.actorForward(rowObs, rows, means);
      inference += performance.now() - ti;
      for (let r = 0; r < rows; r++) {
        const e = rowEnv[r]!;
        if (!o.frame) {
          sampleGaussian(means, r * A, opponentStd[k]!, A, rng, false, joint, A * (2 * e + 1 - seat[e]!));
          continue;
        }
        sampleGaussian(means, r * A, opponentStd[k]!, A, rng, false, sampled, 0);
        o.frame.toGame(rawOf[r]!, sampled, moveOf[2 * e + 1 - seat[e]!]!);
      }
    }
    // 3. every env's tick (with shaping: coef·(γΦ(s') − Φ(s)) on top); finished games are recorded and replaced
    for (let e = 0; e < N; e++) {
      const s = states[e]!;
      const before = shaped ? s.potential!(seat[e]!) : 0;
      s.applyJointContinuous(jointOf[e]!);
      lengths[e]!++;
      s.rewards(scratch);
      out.rewards[base + e] = scratch[seat[e]!]!;
      if (shaped) out.rewards[base + e]! += shaping!.coef * (shaping!.gamma * (s.isTerminal() ? 0 : s.potential!(seat[e]!)) - before);
      if (s.isTerminal()) finishEpisode(e, t);
    }
  }
  // bootstrap values: V(s_T) of the games still going at the end
  for (let e = 0; e < N; e++) states[e]!.observe(seat[e]!, rowObs, e * O);
  learner.obsRms?.normalize(rowObs, N);
  learner.mlp.criticForward(rowObs, N, values);
  fillNextValues(out, values);
  for (let e = 0; e < N; e++) out.carry.push({ state: states[e]!.serialize(), side: seat[e]!, opponent: opp[e]!, length: lengths[e]! });
  const total = (performance.now() - t0) / 1000;
  return { ...out, inferenceSeconds: inference / 1000, envSeconds: total - inference / 1000, ...(rawStats ? { obsStats: rawStats.toJSON() } : {}) };
}

/** A ConfigError naming the game unless its states define a shaping potential (`GameState.potential`). */
function checkPotential(probe: GameState): void {
  if (typeof probe.potential !== 'function') throw new ConfigError(`${probe.info.id} defines no shaping potential: set shaping 0`);
}

/**
 * Each env's game at the start of a task: the carried game in progress (checked: one per env, a valid
 * opponent index) handed to `resume`, or a new one from `start` where none is carried.
 */
export function resumeGames(carry: readonly CarriedGame[] | undefined, envs: number, opponents: number, start: (e: number) => void, resume: (e: number, c: CarriedGame) => void): void {
  if (carry && carry.length !== envs) throw new ConfigError(`a rollout of ${envs} envs got ${carry.length} games to continue`);
  for (let e = 0; e < envs; e++) {
    const c = carry?.[e];
    if (!c) {
      start(e);
      continue;
    }
    if (!(c.opponent >= 0 && c.opponent < opponents)) throw new ConfigError(`continued game ${e} names opponent ${c.opponent} of ${opponents}`);
    resume(e, c);
  }
}
