/**
 * Team rollouts for MAPPO/IPPO (src/algorithms/mappo.ts): `envs` games of a team game at once, the
 * learning team on every seat of one side (the side alternates by episode), the other side played
 * by one opponent per episode — a scripted team (`heuristic`), a `random` team, or a league team
 * snapshot playing all seats of its side. Inference is batched: one forward pass of the learner's
 * actor (and critic) over every env and every teammate per step (one per team seat with separate
 * parameters), one per opponent snapshot over the envs it plays in. Pure JavaScript (no tfjs), so it
 * runs in Piscina worker threads (team-worker.ts) as well as on the main thread.
 *
 * The result is a time-major team batch (index t·columns + c, column c = env·teamSize + k) in the
 * layout `MappoLearner.prepare` reads, plus every finished game's outcome for the league's ratings
 * and the evaluation metrics. Seats with no legal action while the game goes on are "done" agents:
 * their steps are recorded with `valid` = 0 and a zero observation plus their id (MAPPO's death
 * masking), and their last real transition ends their GAE chain (`dones` = 1).
 */
import { sampleCategorical } from '../../agents/sampling.ts';
import { agentStateSize, ConfigError, Rng, SIMULTANEOUS, TERMINAL, writeOneHot as writeAgentId, type Agent, type GameInfo, type GameState } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import type { TeamAlgo, TeamBatch } from '../algorithms/mappo.ts';
import { allocTrajectory } from '../algorithms/trajectory.ts';
import { MlpForward } from './mlp-forward.ts';
import { loadBot, resumeGames, type CarriedGame, type LeagueTaskBase } from './rollout.ts';
import { encodeSnapshot, SnapshotCache, type PolicySnapshot } from './snapshot.ts';

export type { OpponentRef } from './rollout.ts';

// ---- agent-specific global state (MAPPO's critic input): the game's `agentState` (core/game.ts) ----

/** Size of the agent-specific global state (without the agent id). */
export { agentStateSize };

/**
 * The global state as agent `seat` sees it, at `out[offset…]` (`agentStateSize` floats): the game
 * writes it in the seat's own frame (`GameState.agentState`). `side` and `scratch` are unused.
 */
export function writeAgentState(state: GameState, _side: number, seat: number, _scratch: Float32Array, out: Float32Array, offset: number): void {
  if (!state.agentState) throw new ConfigError(`${state.info.id}: this state writes no agent state (GameState.agentState)`);
  state.agentState(seat, out, offset);
}

// ---- team snapshots ----

/** A team snapshot: a policy snapshot whose spec has the agent-id feature; `seatWeights` with separate parameters. */
export interface TeamSnapshot extends PolicySnapshot {
  /** One weight list per team seat when the team does not share parameters (then `weights` = seat 0's). */
  readonly seatWeights?: Float32Array[][];
}

/** Encodes a team's policies (one shared, or one per team seat) as snapshot bytes (src/selfplay/snapshot.ts). */
export function encodeTeamSnapshot(game: string, spec: PolicySnapshot['spec'], weights: readonly Float32Array[][]): Uint8Array {
  const s: Omit<TeamSnapshot, 'format' | 'version'> = {
    game,
    spec,
    weights: weights[0]!,
    obsRms: null,
    ...(weights.length > 1 ? { seatWeights: weights.map((w) => [...w]) } : {}),
  };
  return encodeSnapshot(s);
}

/** A decoded team (or single) policy: one MLP per team seat (the same object when shared). */
export interface TeamPolicy {
  readonly mlps: MlpForward[];
  /** Whether the actor input ends with the agent-id one-hot. */
  readonly agentId: boolean;
  readonly actorInputSize: number;
  readonly criticInputSize: number;
}

export function teamPolicyFromSnapshot(snap: TeamSnapshot, teamSize: number, recycled?: TeamPolicy): TeamPolicy {
  const spec = snap.spec as PolicySnapshot['spec'] & { agentIdFeature?: boolean };
  const agentId = spec.agentIdFeature === true;
  const seat = snap.seatWeights;
  if (seat && seat.length !== teamSize) throw new ConfigError(`team snapshot has ${seat.length} seat policies for a team of ${teamSize}`);
  // a dropped cache entry's forward passes take the new weights in place (see SnapshotCache)
  const old = recycled && recycled.mlps.length === teamSize && new Set(recycled.mlps).size === (seat ? teamSize : 1) ? recycled.mlps : null;
  const make = (k: number, w: readonly Float32Array[]) => (old ? old[k]!.reuse(spec, w) : new MlpForward(spec, w));
  const shared = seat ? null : make(0, snap.weights);
  const mlps = Array.from({ length: teamSize }, (_, k) => shared ?? make(k, seat![k]!));
  return { mlps, agentId, actorInputSize: spec.obsSize, criticInputSize: spec.criticInputSize };
}

const policyCache = new SnapshotCache<TeamPolicy>();

/** Forgets the decoded snapshots: a new run in this thread numbers its versions from 0 again. */
export function clearTeamRolloutCache(): void {
  policyCache.clear();
}

function loadTeamPolicy(version: number, snapshots: TeamRolloutTask['snapshots'], teamSize: number): TeamPolicy {
  return policyCache.get(version, snapshots, (snap, old) => teamPolicyFromSnapshot(snap as TeamSnapshot, teamSize, old), 'team snapshot');
}

// ---- the rollout ----

/** Checks that `info` is a game team training can play; returns the team size. */
export function checkTeamGame(info: GameInfo): number {
  if (info.dynamics !== 'simultaneous' || info.teams.length !== 2 || info.teams[0]!.length !== info.teams[1]!.length) {
    throw new ConfigError(`MAPPO/IPPO train teams in two-sided simultaneous-move games (e.g. grid-soccer); ${info.id} is not one`);
  }
  return info.teams[0]!.length;
}

/** A team rollout: `learner` and `snapshots` hold team snapshots. */
export interface TeamRolloutTask extends LeagueTaskBase {
  readonly algo: TeamAlgo;
  /** Joint steps per env. */
  readonly steps: number;
  /** Side of the first episode of env 0 (sides then alternate by episode); default 0. */
  readonly firstSide?: number;
  /** Evaluation only: no critic passes (values, nextValues stay 0). */
  readonly evalOnly?: boolean;
  /** The learning team takes its most probable action instead of sampling. */
  readonly deterministic?: boolean;
}

export interface TeamEpisode {
  /** Index into the task's opponents. */
  readonly opponent: number;
  /** The learning side's result: 1 win, 0.5 draw, 0 loss (by the sides' returns, as `arena match`). */
  readonly score: number;
  readonly side: number;
  /** Mean return per seat of the learning side and of the opponent side. */
  readonly teamReturn: number;
  readonly opponentReturn: number;
  readonly length: number;
}

export interface TeamRolloutResult extends TeamBatch {
  readonly envs: number;
  readonly episodes: TeamEpisode[];
  /** The games in progress at the end (opponent indices refer to this task's opponents). */
  readonly carry: CarriedGame[];
  readonly envSeconds: number;
  readonly inferenceSeconds: number;
}

/** Optional hooks for tests: called after the learner's inputs of step t were written for env e. */
export interface TeamRolloutInspect {
  readonly onInputs?: (t: number, e: number, state: GameState, side: number) => void;
}

export function runTeamRollout(task: TeamRolloutTask, inspect?: TeamRolloutInspect): TeamRolloutResult {
  const game = getGame(task.game);
  const { info } = game;
  if (info.dynamics !== 'simultaneous' || info.teams.length !== 2) throw new ConfigError(`team rollouts need a two-sided simultaneous-move game, not ${info.id}`);
  const K = info.teams[0]!.length;
  if (info.teams.some((t) => t.length !== K)) throw new ConfigError(`team rollouts need sides of equal size (${info.id})`);
  const { envs: N, steps: T } = task;
  const C = N * K;
  const O = info.observationSize;
  const A = info.actions;
  const centralized = task.algo === 'mappo';
  const S = agentStateSize(info);
  const rng = new Rng(task.seed);
  const learner = loadTeamPolicy(task.learner, task.snapshots, K);
  const inA = learner.actorInputSize;
  const inC = learner.criticInputSize;
  if (inA !== O + K) throw new ConfigError(`the learning team's actor reads ${inA} inputs, expected ${O} + ${K} (observation + agent id)`);
  if (centralized && inC !== S + K) throw new ConfigError(`the MAPPO critic reads ${inC} inputs, expected ${S} + ${K} (agent state + agent id)`);
  if (!centralized && inC !== inA) throw new ConfigError(`the IPPO critic reads ${inC} inputs, expected the actor's ${inA}`);
  const opponents = task.opponents.map((o): TeamPolicy | Agent => ('version' in o ? loadTeamPolicy(o.version, task.snapshots, K) : loadBot(o.bot, info.id, rng.nextU32())));
  for (const o of opponents) {
    if ('act' in o) continue;
    const want = O + (o.agentId ? K : 0);
    if (o.actorInputSize !== want) throw new ConfigError(`an opponent snapshot's actor reads ${o.actorInputSize} inputs, expected ${want}`);
  }
  const shared = learner.mlps.every((m) => m === learner.mlps[0]);
  const evalOnly = task.evalOnly ?? false;
  const deterministic = task.deterministic ?? false;

  const out = {
    ...allocTrajectory(T, C, inA, centralized ? inC : 0, A),
    teamSize: K,
    envs: N,
    episodes: [] as TeamEpisode[],
    carry: [] as CarriedGame[],
    envSeconds: 0,
    inferenceSeconds: 0,
  };

  const states: GameState[] = Array.from({ length: N }, () => game.newState(0));
  const side = new Int32Array(N);
  const opp = new Int32Array(N);
  const lengths = new Int32Array(N);
  const wasValid = new Uint8Array(C);
  const joint = Array.from({ length: N }, () => new Int32Array(info.seats));
  const seatRewards = new Float64Array(info.seats);
  const scratchState = new Float32Array(info.stateSize);
  const scratchMask = new Uint8Array(A);
  const probs = new Float64Array(A);
  // per-seat-policy gathers (separate parameters) and opponent batches
  const rowIn = new Float32Array(Math.max(C, N * K) * Math.max(inA, inC, O + K));
  const rowCrit = new Float32Array(C * inC);
  const rowMask = new Uint8Array(C * A);
  const rowEnv = new Int32Array(C);
  const rowSeat = new Int32Array(C);
  const logits = new Float32Array(C * A);
  const values = new Float32Array(C);
  const rowLogits = new Float32Array(N * A);
  const rowValues = new Float32Array(N);
  let episodeCount = task.firstSide ?? 0;
  let inference = 0;
  const t0 = performance.now();

  const startEpisode = (e: number) => {
    states[e]!.reset(rng.nextU32());
    side[e] = episodeCount++ % 2;
    opp[e] = rng.categorical(task.opponentProbs);
    lengths[e] = 0;
    const o = opponents[opp[e]!]!;
    if ('act' in o) o.reset?.(rng.nextU32());
    for (let k = 0; k < K; k++) wasValid[e * K + k] = 0;
  };
  const sideReturn = (s: GameState, sd: number): number => {
    s.returns(seatRewards);
    let r = 0;
    for (const seat of info.teams[sd]!) r += seatRewards[seat]!;
    return r / K;
  };

  /** Writes the actor input (and critic input) of team seat k of env e at row i; returns whether it can act. */
  const writeInputs = (e: number, k: number, i: number): boolean => {
    const s = states[e]!;
    const seat = info.teams[side[e]!]![k]!;
    const maskRow = out.masks.subarray(i * A, (i + 1) * A);
    const live = s.legalMask(seat, maskRow) > 0;
    if (live) s.observe(seat, out.obs, i * inA);
    else {
      out.obs.fill(0, i * inA, i * inA + O); // death masking: a zero observation plus the id
      maskRow[0] = 1; // a placeholder action for sampling; the step is masked out of the loss
    }
    writeAgentId(out.obs, i * inA + O, k, K);
    if (centralized && !evalOnly) {
      writeAgentState(s, side[e]!, seat, scratchState, out.criticObs!, i * inC);
      writeAgentId(out.criticObs!, i * inC + S, k, K);
    }
    return live;
  };

  /** Actor logits (and critic values) of the learning team for the C rows starting at row `base`. */
  const learnerForward = (base: number, withActor: boolean) => {
    const ti = performance.now();
    const critSrc = centralized ? out.criticObs : out.obs;
    if (shared) {
      const mlp = learner.mlps[0]!;
      if (withActor) mlp.actorForward(out.obs.subarray(base * inA, (base + C) * inA), C, logits);
      if (!evalOnly) mlp.criticForward(critSrc!.subarray(base * inC, (base + C) * inC), C, values);
    } else {
      for (let k = 0; k < K; k++) {
        for (let e = 0; e < N; e++) {
          const i = base + e * K + k;
          rowIn.set(out.obs.subarray(i * inA, (i + 1) * inA), e * inA);
          if (!evalOnly) rowCrit.set(critSrc!.subarray(i * inC, (i + 1) * inC), e * inC);
        }
        const mlp = learner.mlps[k]!;
        if (withActor) {
          mlp.actorForward(rowIn, N, rowLogits);
          for (let e = 0; e < N; e++) logits.set(rowLogits.subarray(e * A, (e + 1) * A), (e * K + k) * A);
        }
        if (!evalOnly) {
          mlp.criticForward(rowCrit, N, rowValues);
          for (let e = 0; e < N; e++) values[e * K + k] = rowValues[e]!;
        }
      }
    }
    inference += performance.now() - ti;
  };

  /** Joint actions of the opponents' seats in every env. */
  const opponentActions = () => {
    for (let e = 0; e < N; e++) {
      const o = opponents[opp[e]!]!;
      if (!('act' in o)) continue;
      const s = states[e]!;
      for (const seat of info.teams[1 - side[e]!]!) joint[e]![seat] = s.legalMask(seat, scratchMask) > 0 ? o.act(s, seat) : 0;
    }
    for (let j = 0; j < opponents.length; j++) {
      const o = opponents[j]!;
      if ('act' in o) continue;
      for (let k = 0; k < K; k++) {
        let rows = 0;
        const inO = o.actorInputSize;
        for (let e = 0; e < N; e++) {
          if (opp[e] !== j) continue;
          const s = states[e]!;
          const seat = info.teams[1 - side[e]!]![k]!;
          const m = rowMask.subarray(rows * A, (rows + 1) * A);
          if (s.legalMask(seat, m) === 0) {
            joint[e]![seat] = 0;
            continue;
          }
          s.observe(seat, rowIn, rows * inO);
          if (o.agentId) writeAgentId(rowIn, rows * inO + O, k, K);
          rowEnv[rows] = e;
          rowSeat[rows++] = seat;
        }
        if (rows === 0) continue;
        const ti = performance.now();
        o.mlps[k]!.actorForward(rowIn, rows, logits);
        inference += performance.now() - ti;
        for (let r = 0; r < rows; r++) joint[rowEnv[r]!]![rowSeat[r]!] = sampleCategorical(logits, r * A, A, rowMask, r * A, rng, false, probs).action;
      }
    }
  };

  resumeGames(task.carry, N, opponents.length, startEpisode, (e, c) => {
    states[e] = game.restore(c.state);
    side[e] = c.side;
    opp[e] = c.opponent;
    lengths[e] = c.length;
  });
  for (let t = 0; t < T; t++) {
    const base = t * C;
    for (let e = 0; e < N; e++) {
      const s = states[e]!;
      if (s.currentSeat() !== SIMULTANEOUS) throw new ConfigError(`${info.id}: expected a simultaneous-move node`);
      for (let k = 0; k < K; k++) {
        const c = e * K + k;
        const i = base + c;
        const live = writeInputs(e, k, i);
        out.valid[i] = live ? 1 : 0;
        // an agent that just became done: its previous transition was its last
        if (!live && wasValid[c] && t > 0) out.dones[i - C] = 1;
        wasValid[c] = live ? 1 : 0;
      }
      inspect?.onInputs?.(t, e, s, side[e]!);
    }
    learnerForward(base, true);
    for (let c = 0; c < C; c++) {
      const i = base + c;
      const e = (c / K) | 0;
      const k = c % K;
      const { action, logProb } = sampleCategorical(logits, c * A, A, out.masks, i * A, rng, deterministic, probs);
      out.actions[i] = action;
      out.logProbs[i] = logProb;
      out.values[i] = values[c]!;
      joint[e]![info.teams[side[e]!]![k]!] = out.valid[i] ? action : 0;
    }
    opponentActions();
    for (let e = 0; e < N; e++) {
      const s = states[e]!;
      s.applyJoint(joint[e]!);
      lengths[e]!++;
      s.rewards(seatRewards);
      for (let k = 0; k < K; k++) {
        const i = base + e * K + k;
        if (out.valid[i]) out.rewards[i] = seatRewards[info.teams[side[e]!]![k]!]!;
      }
      if (s.currentSeat() === TERMINAL) {
        const own = sideReturn(s, side[e]!);
        const other = sideReturn(s, 1 - side[e]!);
        out.episodes.push({ opponent: opp[e]!, score: own > other ? 1 : own < other ? 0 : 0.5, side: side[e]!, teamReturn: own, opponentReturn: other, length: lengths[e]! });
        for (let k = 0; k < K; k++) if (out.valid[base + e * K + k]) out.dones[base + e * K + k] = 1;
        startEpisode(e);
      }
    }
  }
  if (!evalOnly) {
    // bootstrap values: V(s_{t+1}) inside the rollout, V(s_T) after its last step (0 after an episode end: `dones`)
    const finalBase = new Float32Array(C);
    const saveObs = out.obs.subarray((T - 1) * C * inA, T * C * inA).slice();
    const saveCrit = out.criticObs?.subarray((T - 1) * C * inC, T * C * inC).slice();
    const saveMasks = out.masks.subarray((T - 1) * C * A, T * C * A).slice();
    for (let e = 0; e < N; e++) {
      for (let k = 0; k < K; k++) {
        const c = e * K + k;
        const live = writeInputs(e, k, (T - 1) * C + c);
        if (!live && out.valid[(T - 1) * C + c]) out.dones[(T - 1) * C + c] = 1;
      }
    }
    learnerForward((T - 1) * C, false);
    finalBase.set(values);
    // restore the last step's inputs, which the bootstrap pass borrowed
    out.obs.set(saveObs, (T - 1) * C * inA);
    if (saveCrit) out.criticObs!.set(saveCrit, (T - 1) * C * inC);
    out.masks.set(saveMasks, (T - 1) * C * A);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const i = t * C + c;
        out.nextValues[i] = out.dones[i] ? 0 : t === T - 1 ? finalBase[c]! : out.values[i + C]!;
      }
    }
  }
  for (let e = 0; e < N; e++) out.carry.push({ state: states[e]!.serialize(), side: side[e]!, opponent: opp[e]!, length: lengths[e]! });
  const total = (performance.now() - t0) / 1000;
  return { ...out, inferenceSeconds: inference / 1000, envSeconds: total - inference / 1000 };
}
