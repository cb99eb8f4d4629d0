/**
 * The average policy of a sequence of iterates, as a table over information states — what fictitious
 * play exports, because in two-player zero-sum games the average converges to a Nash equilibrium
 * where self-play's last iterate may cycle (Leduc: the last 40 snapshots of a league run ranged
 * 0.24–1.34 in exploitability).
 *
 * XFP (Heinrich, Lanctot & Silver 2015, "Fictitious Self-Play in Extensive-Form Games", Thm. 7):
 * the average behaviour at an information state I of seat p is
 *
 *   π̄(a|I) = Σ_k w_k · x_k(I) · π_k(a|I)  /  Σ_k w_k · x_k(I)
 *
 * where x_k(I) is iterate k's OWN reach probability of I — the product of seat p's probabilities
 * along the path to I, chance and the other seats excluded (with perfect recall it is the same for
 * every history in I) — and w_k an optional iterate weight (1: the plain average; k: linear
 * averaging). This is the behaviour policy of the weighted mixture of the iterates' sequence-form
 * strategies, so averaging equilibria gives an equilibrium. A state no iterate reaches with positive
 * weight plays uniformly over its legal actions.
 *
 * The table is exact and small for poker (Kuhn 12 information states, Leduc 936): every
 * `accumulate` walks the whole game tree once (exploitability.ts's `buildGameTree`, which queries
 * the iterate once per information state). League snapshots (src/selfplay/snapshot.ts bytes) are
 * evaluated without tfjs by `MlpForward`.
 *
 * File (`average-policy.json` in a run folder, written atomically: temp file, fsync, rename):
 *   { format: 'arena-average-policy', version: 1, game, actions, iterates, totalWeight,
 *     states: [{ seat, info, legal: [actions], reach: Σ w·x, sums: [Σ w·x·π per action], policy: [π̄] }] }
 * with one entry per decision information state of the game, by seat and then in depth-first order.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { sampleCategorical } from '../../agents/sampling.ts';
import { TablePolicyAgent } from '../../agents/table-agent.ts';
import { AgentMismatchError, ArenaError, CheckpointError, ConfigError, Rng, type Agent, type Game, type GameInfo } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore, type AgentId } from '../../league/store.ts';
import { RunningMeanStd } from '../algorithms/running-stats.ts';
import { readMetrics } from '../metrics.ts';
import { MlpForward } from '../selfplay/mlp-forward.ts';
import { decodeSnapshot } from '../selfplay/snapshot.ts';
import { syncDir } from '../checkpoint/store.ts';
import { buildGameTree, uniformPolicy, type PolicyFn, type TreeOptions } from './exploitability.ts';

export const AVERAGE_POLICY_FORMAT = 'arena-average-policy';
export const AVERAGE_POLICY_VERSION = 1;
/** The file name of a run's average policy. */
export const AVERAGE_POLICY_FILE = 'average-policy.json';

/** One information state in the file. */
export interface AveragePolicyEntry {
  readonly seat: number;
  /** The information-state string (`state.informationState(seat)`). */
  readonly info: string;
  /** Legal actions there, increasing. */
  readonly legal: number[];
  /** Σ_k w_k · x_k(I). */
  readonly reach: number;
  /** Σ_k w_k · x_k(I) · π_k(a|I), per action (0 for illegal ones). */
  readonly sums: number[];
  /** The average π̄(a|I), per action: sums / reach, or uniform over `legal` when reach is 0. */
  readonly policy: number[];
}

export interface AveragePolicyData {
  readonly format: typeof AVERAGE_POLICY_FORMAT;
  readonly version: typeof AVERAGE_POLICY_VERSION;
  readonly game: string;
  readonly actions: number;
  /** Iterates accumulated. */
  readonly iterates: number;
  /** Σ_k w_k. */
  readonly totalWeight: number;
  readonly states: AveragePolicyEntry[];
}

/** Relative tolerance of the consistency checks on a loaded file. */
const FILE_TOL = 1e-9;

export class AveragePolicy {
  readonly game: Game;
  /** Information states, by seat then depth-first (OpenSpiel's TabularPolicy order). */
  private readonly keys: string[];
  private readonly seats: Int16Array;
  /** Legal mask per state, `actions` per state. */
  private readonly legal: Uint8Array;
  /** Per seat: information-state string → index. */
  private readonly index: Map<string, number>[];
  private readonly reach: Float64Array;
  private readonly sums: Float64Array;
  /** The average per state (`actions` per state), rebuilt after each accumulate. */
  private avg: Float64Array | null = null;
  private count = 0;
  private weightSum = 0;
  private readonly treeOpts: TreeOptions;

  /** An empty average for `game` (sequential, with a tree small enough to enumerate: see TreeOptions). */
  constructor(game: Game, opts: TreeOptions = {}) {
    this.game = game;
    this.treeOpts = opts;
    const tree = buildGameTree(game, uniformPolicy, opts);
    const A = tree.actions;
    const order = tree.infoSetKey.map((_, id) => id).sort((a, b) => tree.infoSetSeat[a]! - tree.infoSetSeat[b]! || a - b);
    this.keys = order.map((id) => tree.infoSetKey[id]!);
    this.seats = Int16Array.from(order, (id) => tree.infoSetSeat[id]!);
    this.legal = new Uint8Array(order.length * A);
    this.index = Array.from({ length: tree.seats }, () => new Map<string, number>());
    order.forEach((id, j) => {
      this.index[tree.infoSetSeat[id]!]!.set(tree.infoSetKey[id]!, j);
      const h = tree.infoSetNodes[id]![0]!;
      const e0 = tree.firstEdge[h]!;
      for (let e = e0; e < e0 + tree.edgeCount[h]!; e++) this.legal[j * A + tree.edgeAction[e]!] = 1;
    });
    this.reach = new Float64Array(order.length);
    this.sums = new Float64Array(order.length * A);
  }

  get gameId(): string {
    return this.game.info.id;
  }

  /** Iterates accumulated so far. */
  get iterates(): number {
    return this.count;
  }

  /** Σ_k w_k over the iterates accumulated so far. */
  get totalWeight(): number {
    return this.weightSum;
  }

  /** Number of decision information states (Kuhn 12, Leduc 936). */
  get infoStates(): number {
    return this.keys.length;
  }

  /**
   * Adds iterate `policy` with weight `weight` (> 0): for every information state I of every seat p,
   * reach(I) += w · x(I) and sums(I, a) += w · x(I) · π(a|I), with x(I) the product of p's own
   * probabilities along the path to I (XFP, Heinrich et al. 2015). Throws ConfigError for an invalid
   * weight or policy, or a game without perfect recall.
   */
  accumulate(policy: PolicyFn, weight = 1): void {
    if (!(Number.isFinite(weight) && weight > 0)) throw new ConfigError(`an iterate's weight must be a finite number > 0, got ${weight}`);
    const tree = buildGameTree(this.game, policy, this.treeOpts);
    const S = tree.seats;
    const A = tree.actions;
    // own[n·S + p]: seat p's own reach of node n (preorder: a parent is visited before its children)
    const own = new Float64Array(tree.nodes * S);
    own.fill(1, 0, S);
    for (let n = 0; n < tree.nodes; n++) {
      const mover = tree.infoSet[n]! >= 0 ? tree.seat[n]! : -1;
      const e0 = tree.firstEdge[n]!;
      const e1 = e0 + tree.edgeCount[n]!;
      for (let e = e0; e < e1; e++) {
        const c = tree.edgeChild[e]!;
        for (let p = 0; p < S; p++) own[c * S + p] = p === mover ? own[n * S + p]! * tree.edgeProb[e]! : own[n * S + p]!;
      }
    }
    const x = new Float64Array(tree.infoSetKey.length);
    for (let id = 0; id < tree.infoSetKey.length; id++) {
      const p = tree.infoSetSeat[id]!;
      const nodes = tree.infoSetNodes[id]!;
      const r = own[nodes[0]! * S + p]!;
      for (let i = 1; i < nodes.length; i++) {
        if (Math.abs(own[nodes[i]! * S + p]! - r) > 1e-12) {
          throw new ConfigError(`${this.gameId}: histories of information state '${tree.infoSetKey[id]}' have different own reach (no perfect recall), so the XFP average is undefined`);
        }
      }
      x[id] = r;
    }
    for (let id = 0; id < tree.infoSetKey.length; id++) {
      const j = this.index[tree.infoSetSeat[id]!]!.get(tree.infoSetKey[id]!);
      if (j === undefined) throw new ConfigError(`${this.gameId}: information state '${tree.infoSetKey[id]}' is not in the average's table`);
      const wx = weight * x[id]!;
      if (wx === 0) continue;
      this.reach[j]! += wx;
      for (let a = 0; a < A; a++) this.sums[j * A + a]! += wx * tree.infoSetPolicy[id * A + a]!;
    }
    this.count++;
    this.weightSum += weight;
    this.avg = null;
  }

  /** π̄ for every state (`actions` per state): sums / reach, or uniform over legal actions when reach is 0. */
  private averages(): Float64Array {
    if (this.avg) return this.avg;
    const A = this.game.info.actions;
    const avg = new Float64Array(this.sums.length);
    for (let j = 0; j < this.keys.length; j++) {
      const r = this.reach[j]!;
      let legal = 0;
      for (let a = 0; a < A; a++) legal += this.legal[j * A + a]!;
      for (let a = 0; a < A; a++) {
        if (!this.legal[j * A + a]) continue;
        avg[j * A + a] = r > 0 ? this.sums[j * A + a]! / r : 1 / legal;
      }
    }
    this.avg = avg;
    return avg;
  }

  /** The average policy as a PolicyFn; throws ConfigError at an information state not in the table. */
  policyFn(): PolicyFn {
    const avg = this.averages();
    const A = this.game.info.actions;
    return (state, seat, out) => {
      const key = state.informationState(seat);
      const j = this.index[seat]?.get(key);
      if (j === undefined) throw new ConfigError(`${this.gameId}: information state '${key}' of seat ${seat} is not in the average policy`);
      for (let a = 0; a < A; a++) out[a] = avg[j * A + a]!;
    };
  }

  toJSON(): AveragePolicyData {
    const A = this.game.info.actions;
    const avg = this.averages();
    const states = this.keys.map((info, j): AveragePolicyEntry => {
      const legal: number[] = [];
      for (let a = 0; a < A; a++) if (this.legal[j * A + a]) legal.push(a);
      return {
        seat: this.seats[j]!,
        info,
        legal,
        reach: this.reach[j]!,
        sums: Array.from(this.sums.subarray(j * A, (j + 1) * A)),
        policy: Array.from(avg.subarray(j * A, (j + 1) * A)),
      };
    });
    return {
      format: AVERAGE_POLICY_FORMAT,
      version: AVERAGE_POLICY_VERSION,
      game: this.gameId,
      actions: A,
      iterates: this.count,
      totalWeight: this.weightSum,
      states,
    };
  }

  /**
   * Restores an average from `toJSON()` data, checked against its game: format, version, every
   * information state of the game present once with its legal actions, finite non-negative sums
   * that add up to the reach, and a `policy` equal to sums / reach (uniform where reach is 0) that
   * sums to 1 over the legal actions. Anything else throws a CheckpointError naming `source`.
   */
  static fromJSON(data: unknown, source = 'average policy'): AveragePolicy {
    const bad = (msg: string): never => {
      throw new CheckpointError(source, msg);
    };
    const d = data as Partial<AveragePolicyData> | null;
    if (typeof d !== 'object' || d === null || d.format !== AVERAGE_POLICY_FORMAT) bad(`is not an average policy (format '${AVERAGE_POLICY_FORMAT}')`);
    if (d!.version !== AVERAGE_POLICY_VERSION) bad(`has average-policy version ${String(d!.version)}; this Arena reads version ${AVERAGE_POLICY_VERSION}`);
    if (typeof d!.game !== 'string') bad('names no game');
    let game: Game;
    try {
      game = getGame(d!.game!);
    } catch (err) {
      throw new CheckpointError(source, `is for game '${d!.game}': ${(err as Error).message}`, { cause: err });
    }
    if (game.info.id !== d!.game) bad(`is for game '${d!.game}', which is not a registered game id (did you mean ${game.info.id}?)`);
    const A = game.info.actions;
    if (d!.actions !== A) bad(`has ${String(d!.actions)} actions per state; ${game.info.id} has ${A}`);
    if (!Number.isSafeInteger(d!.iterates) || d!.iterates! < 0) bad(`has an invalid iterate count ${String(d!.iterates)}`);
    if (!(Number.isFinite(d!.totalWeight) && d!.totalWeight! >= 0)) bad(`has an invalid total weight ${String(d!.totalWeight)}`);
    if (!Array.isArray(d!.states)) bad('has no states array');
    const avg = new AveragePolicy(game);
    if (d!.states!.length !== avg.keys.length) bad(`has ${d!.states!.length} information states; ${game.info.id} has ${avg.keys.length}`);
    const seen = new Uint8Array(avg.keys.length);
    const numbers = (v: unknown, what: string): number[] => {
      if (!Array.isArray(v) || v.length !== A || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        return bad(`${what} must be ${A} finite non-negative numbers`);
      }
      return v as number[];
    };
    for (const e of d!.states!) {
      const at = `state ${JSON.stringify(e?.info)} of seat ${String(e?.seat)}`;
      if (typeof e !== 'object' || e === null || typeof e.info !== 'string' || typeof e.seat !== 'number') bad(`has a malformed state entry ${JSON.stringify(e)}`);
      const j = avg.index[e.seat]?.get(e.info);
      if (j === undefined) return bad(`has ${at}, which is not an information state of ${game.info.id}`);
      if (seen[j]) bad(`has ${at} twice`);
      seen[j] = 1;
      const legal: number[] = [];
      for (let a = 0; a < A; a++) if (avg.legal[j * A + a]) legal.push(a);
      if (!Array.isArray(e.legal) || e.legal.length !== legal.length || e.legal.some((a, i) => a !== legal[i])) {
        bad(`${at}: legal actions ${JSON.stringify(e.legal)}, but the game has ${JSON.stringify(legal)}`);
      }
      if (!(typeof e.reach === 'number' && Number.isFinite(e.reach) && e.reach >= 0)) bad(`${at}: reach must be a finite number >= 0`);
      const sums = numbers(e.sums, `${at}: sums`);
      const policy = numbers(e.policy, `${at}: policy`);
      let total = 0;
      let mass = 0;
      for (let a = 0; a < A; a++) {
        if (!avg.legal[j * A + a] && (sums[a]! !== 0 || policy[a]! !== 0)) bad(`${at}: illegal action ${a} has a non-zero sum or probability`);
        total += sums[a]!;
        mass += policy[a]!;
      }
      if (Math.abs(total - e.reach) > FILE_TOL * Math.max(1, e.reach)) bad(`${at}: sums add up to ${total}, not the reach ${e.reach}`);
      if (Math.abs(mass - 1) > FILE_TOL) bad(`${at}: policy probabilities sum to ${mass}, not 1`);
      for (let a = 0; a < A; a++) {
        const expected = e.reach > 0 ? sums[a]! / e.reach : avg.legal[j * A + a] ? 1 / legal.length : 0;
        if (Math.abs(policy[a]! - expected) > FILE_TOL) bad(`${at}: policy[${a}] = ${policy[a]} but sums / reach gives ${expected}`);
      }
      avg.reach[j] = e.reach;
      avg.sums.set(sums, j * A);
    }
    avg.count = d!.iterates!;
    avg.weightSum = d!.totalWeight!;
    return avg;
  }

  /**
   * The equal-weight mixture of several averages of one game, as one behaviour strategy: per
   * information state, each part's probabilities weighted by its own normalised reach (reach / total
   * weight, its realization weight) — the strategy that picks one of the parts uniformly at random
   * before each game and plays it (Kuhn's theorem). Exploitability is convex in that form, so the
   * mixture's is at most the mean of the parts'; how much lower says how far their errors cancel.
   * Throws ConfigError for no parts, parts of different games, or an empty part.
   */
  static mix(parts: readonly AveragePolicy[]): AveragePolicy {
    if (parts.length === 0) throw new ConfigError('a mixture needs at least one average policy');
    const first = parts[0]!;
    const out = new AveragePolicy(first.game, first.treeOpts);
    for (const [i, p] of parts.entries()) {
      if (p.gameId !== first.gameId) throw new ConfigError(`average policy ${i + 1} plays ${p.gameId}, the first ${first.gameId}: a mixture needs one game`);
      if (!(p.weightSum > 0)) throw new ConfigError(`average policy ${i + 1} is empty (no iterate accumulated): it has no strategy to mix`);
      // the parts share the game's table order (the constructor enumerates the same tree)
      if (p.keys.length !== out.keys.length || p.keys.some((k, j) => k !== out.keys[j] || p.seats[j] !== out.seats[j])) {
        throw new ConfigError(`average policy ${i + 1} lists other information states than the first`);
      }
      for (let j = 0; j < out.reach.length; j++) out.reach[j]! += p.reach[j]! / p.weightSum;
      for (let j = 0; j < out.sums.length; j++) out.sums[j]! += p.sums[j]! / p.weightSum;
      out.count += p.count;
    }
    out.weightSum = parts.length;
    return out;
  }

  /** Writes the JSON atomically: a temp file in the same folder, fsync, rename over `path`, fsync the folder. */
  async save(path: string): Promise<void> {
    const d = this.toJSON();
    const { states, ...head } = d;
    // one information state per line: diffable and readable, still plain JSON
    const text = `${JSON.stringify(head).slice(0, -1)},"states":[\n${states.map((s) => JSON.stringify(s)).join(',\n')}\n]}\n`;
    const dir = dirname(resolve(path));
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dir);
  }

  /** Reads and validates a file written by `save` (CheckpointError naming the file otherwise). */
  static async load(path: string): Promise<AveragePolicy> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new CheckpointError(path, `cannot read the average policy: ${(err as Error).message}`, { cause: err });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new CheckpointError(path, `is not valid JSON (truncated or corrupt?): ${(err as Error).message}`, { cause: err });
    }
    return AveragePolicy.fromJSON(data, path);
  }
}


/**
 * The exact policy of a league snapshot (src/selfplay/snapshot.ts bytes), without tfjs: the actor's
 * logits by `MlpForward` on the seat's observation (normalised with the snapshot's obsRms, if any),
 * then the softmax over legal actions that `sampleCategorical` samples from. Throws for another
 * game, a continuous or team policy, or a snapshot that does not fit the game.
 */
export function snapshotPolicy(snapshotBytes: Uint8Array, info: GameInfo, source = 'snapshot'): PolicyFn {
  const snap = decodeSnapshot(snapshotBytes, source);
  if (snap.game !== info.id) throw new AgentMismatchError(`${source} plays ${snap.game}, not ${info.id}`);
  const { spec } = snap;
  if (spec.head !== 'categorical') throw new ConfigError(`${source} has a continuous (Gaussian) policy: action probabilities exist only for discrete actions`);
  if ((spec as { agentIdFeature?: boolean }).agentIdFeature === true) throw new ConfigError(`${source} is a team policy; the average policy is for two-seat games`);
  if (spec.obsSize !== info.observationSize || spec.actions !== info.actions) {
    throw new CheckpointError(source, `has obsSize ${spec.obsSize} and ${spec.actions} actions; ${info.id} has ${info.observationSize} and ${info.actions}`);
  }
  const mlp = new MlpForward(spec, snap.weights);
  const obsRms = snap.obsRms ? RunningMeanStd.fromJSON(snap.obsRms) : null;
  const obs = new Float32Array(info.observationSize);
  const mask = new Uint8Array(info.actions);
  const logits = new Float32Array(info.actions);
  const weights = new Float64Array(info.actions);
  const rng = new Rng(0); // unused: the deterministic branch draws nothing
  return (state, seat, out) => {
    state.observe(seat, obs);
    obsRms?.normalize(obs, 1);
    state.legalMask(seat, mask);
    mlp.actorForward(obs, 1, logits);
    // sampleCategorical leaves exp(logit − max) of each legal action (0 for illegal ones) in `weights`
    sampleCategorical(logits, 0, info.actions, mask, 0, rng, true, weights);
    let total = 0;
    for (let a = 0; a < info.actions; a++) total += weights[a]!;
    for (let a = 0; a < info.actions; a++) out[a] = weights[a]! / total;
  };
}

/** Adds a league snapshot (its exact policy, see `snapshotPolicy`) to `avg` with weight `weight`. */
export function accumulateSnapshot(avg: AveragePolicy, snapshotBytes: Uint8Array, weight = 1, source = 'snapshot'): void {
  avg.accumulate(snapshotPolicy(snapshotBytes, avg.game.info, source), weight);
}

/** How a run's exported average weighs its snapshots (the training config's `averageWeights`). */
export type AverageWeights = 'update-squared' | 'update-squared-lr';

/**
 * The weight of the snapshot taken at `update` in a run's exported average: (update + 1)², so early,
 * far-from-equilibrium iterates fade (as discounted CFR's γ = 2 averaging), times `lrScale` under
 * 'update-squared-lr': the learning rate of that update over the initial one, as stochastic mirror
 * descent's average weighs each iterate by its step size. With a learning rate annealed to 0, (update
 * + 1)² alone puts half the weight on the last fifth of the run, where the steps are smallest and the
 * iterates hardly move. The trainer and `arena average-policy` use the same weights.
 */
export function iterateWeight(update: number, lrScale = 1, weights: AverageWeights = 'update-squared'): number {
  return (update + 1) ** 2 * (weights === 'update-squared-lr' ? lrScale : 1);
}

/** A run folder's config.json as parsed JSON (null without one); one that is not JSON is a CheckpointError naming it. */
export function readRunConfig(runDir: string): unknown {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new CheckpointError(path, `is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * How the run in `runDir` weighed its snapshots, from its config.json: its `averageWeights` (a run
 * saved before the option existed, or a folder without a config: 'update-squared') and its initial
 * learning rate. A config.json that is not JSON is a CheckpointError naming it.
 */
export function runAveraging(runDir: string): { weights: AverageWeights; lr: number } {
  const config = readRunConfig(runDir) as { averageWeights?: unknown; lr?: unknown } | null;
  const weights = config?.averageWeights === 'update-squared-lr' ? 'update-squared-lr' : 'update-squared';
  const lr = typeof config?.lr === 'number' && config.lr > 0 ? config.lr : 1;
  return { weights, lr };
}

/**
 * The iterate weight of each snapshot update of the run in `runDir`, as its trainer gave them: under
 * 'update-squared-lr' the learning rate of an update is read from the run's metrics
 * (`charts/learning_rate`, the nearest earlier row where rows are missing; `lr` when there is none).
 */
export function runIterateWeights(runDir: string, weights: AverageWeights, lr: number): (update: number) => number {
  if (weights === 'update-squared') return (update) => iterateWeight(update);
  const logged: [number, number][] = [];
  try {
    for (const row of readMetrics(runDir)) {
      const value = row['charts/learning_rate'];
      const update = row['update'];
      if (typeof value === 'number' && Number.isFinite(value) && typeof update === 'number') logged.push([update, value]);
    }
  } catch (err) {
    if (!(err instanceof ArenaError && err.code === 'NO_METRICS')) throw err;
  }
  logged.sort((a, b) => a[0] - b[0]);
  return (update) => {
    let lo = 0;
    let hi = logged.length - 1;
    let found = lr;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (logged[mid]![0] <= update) {
        found = logged[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return iterateWeight(update, found / lr, weights);
  };
}

export interface AverageFromLeagueOptions {
  /** First snapshot update to include (default 0: all). */
  readonly from?: number;
  /** Whose snapshots (default `main`). */
  readonly learner?: AgentId;
  /** Iterate weight of the snapshot taken at `update` (default `iterateWeight`, as the trainer). */
  readonly weight?: (update: number) => number;
}

/**
 * Rebuilds the average policy of a league run from its stored snapshots of `learner` with update ≥
 * `from`, in the order they were taken. Throws `ArenaError` NO_LEAGUE without a league, and
 * ConfigError when no snapshot qualifies.
 */
export function averageFromLeague(runDir: string, opts: AverageFromLeagueOptions = {}): AveragePolicy {
  const from = opts.from ?? 0;
  const learner = opts.learner ?? 'main';
  if (!Number.isSafeInteger(from) || from < 0) throw new ConfigError(`--from must be an integer >= 0, got ${from}`);
  const store = LeagueStore.open(runDir, { create: false });
  try {
    const game = getGame(store.info().game);
    const all = store.listMembers({ role: 'snapshot', parent: learner });
    const members = all.filter((m) => m.update >= from);
    if (members.length === 0) {
      const last = all.at(-1);
      throw new ConfigError(
        `${runDir}: no snapshot of '${learner}' at update >= ${from}${last ? ` (the latest is ${last.id}, update ${last.update})` : ' in the league'}`,
      );
    }
    const avg = new AveragePolicy(game);
    for (const m of members) {
      const blob = store.getSnapshot(m.id);
      if (blob === null) throw new CheckpointError(`${store.path}#${m.id}`, 'has no stored weights');
      accumulateSnapshot(avg, blob, (opts.weight ?? iterateWeight)(m.update), `${runDir}#${m.id}`);
    }
    return avg;
  } finally {
    store.close();
  }
}

/**
 * The average-policy file an agent spec stands for: the spec itself when it is a file, or the
 * `average-policy.json` of a run folder whose config.json says `"exportPolicy": "average"`; null
 * when the spec plays its last iterate. A run that exports the average but has no file yet is a
 * CheckpointError telling how to build it or to play the last iterate instead.
 */
export async function exportedAverageFile(spec: string): Promise<string | null> {
  const st = await stat(spec).catch(() => null);
  if (st === null) return null;
  if (st.isFile()) return spec;
  const config = readRunConfig(spec);
  if ((config as { exportPolicy?: unknown } | null)?.exportPolicy !== 'average') return null;
  const file = join(spec, AVERAGE_POLICY_FILE);
  if (!existsSync(file)) {
    throw new CheckpointError(
      file,
      `is missing, but the run exports its average policy ("exportPolicy": "average"): rebuild it with \`arena average-policy ${spec}\`, or play the last iterate with last:${spec}`,
    );
  }
  return file;
}

/**
 * The agent for a spec that stands for an average policy (see `exportedAverageFile`): a
 * TablePolicyAgent sampling the table (greedy when `deterministic`); null for any other spec.
 */
export async function averagePolicyAgent(spec: string, game: GameInfo, seed = 0, opts: { deterministic?: boolean } = {}): Promise<Agent | null> {
  const file = await exportedAverageFile(spec);
  if (file === null) return null;
  const avg = await AveragePolicy.load(file);
  if (avg.gameId !== game.id) throw new AgentMismatchError(`average policy '${file}' plays ${avg.gameId}, not ${game.id}`);
  return new TablePolicyAgent({ name: spec, policy: avg.policyFn(), info: game, seed, deterministic: opts.deterministic });
}
