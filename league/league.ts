/**
 * A league of agents over a `LeagueStore`: the learners (main agents and, as options, AlphaStar's
 * main exploiters and league exploiters), their frozen snapshots and baseline bots, and the rules by
 * which each learner picks its opponents (Vinyals et al. 2019 and the published pseudocode).
 *
 * Ids: learners are `main`, `main_exploiter`, `league_exploiter` (further ones of a role get `.1`,
 * `.2`, …); a snapshot of learner L at update U is `L@UUUUUU` (e.g. `main@000120`); a bot with
 * spec S is `bot:S` (e.g. `bot:alphabeta:3`). "Historical" players are the frozen members —
 * snapshots and bots — so scripted bots can sit in the opponent pool.
 *
 * Opponents (x = the learner's win rate against a candidate, 0.5 when unplayed; PFSP in pfsp.ts):
 * - main agent (`mainStrategy: 'alphastar'`, default):
 *     50%  PFSP `hard` over all historical players;
 *     15%  verification: PFSP `hard` over snapshots of main exploiters that still beat it (some x < 0.3),
 *          else over its own snapshots it has "forgotten" how to beat (some x < 0.7, after dropping the
 *          suffix over which x only rises), else as self-play;
 *     35%  self-play against a main agent M (itself when there is one): M if x(M) > 0.3, else
 *          PFSP `variance` over M's snapshots (a curriculum).
 *   or a plain strategy (`latest`, `uniform` over a window, `pfsp`) over the historical players.
 *   With `botShare` b > 0, a share b of its games goes to the pool's bots (PFSP `hard` among them) and
 *   the rest (1 − b) follows the above: a pool of many snapshots otherwise leaves each bot a fraction of
 *   a percent of the games.
 * - main exploiter: a main agent M while x(M) > 0.1, else PFSP `variance` over M's snapshots; it
 *   resets to its initial weights after each snapshot.
 * - league exploiter: PFSP `linear_capped` over all historical players; resets with probability 0.25
 *   after each snapshot.
 * Pools that are still empty fall back to self-play (main) or to playing a main agent.
 */
import { ConfigError, UnknownNameError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { checkStrategy, lastWindow, pfspProbabilities, type OpponentStrategy, type PfspWeighting } from './pfsp.ts';
import { LEARNER_ROLES, LeagueStore, type AgentId, type Member, type NewMatch, type OpenOptions, type Role } from './store.ts';

/** Named opponent-sampling settings for the main agent (the trainer's `opponentSampling`). */
export const SAMPLING_NAMES = ['alphastar', 'latest', 'uniform', 'pfsp-hard', 'pfsp-variance'] as const;
export type SamplingName = (typeof SAMPLING_NAMES)[number];

/** `alphastar` → the role rules; `latest`, `uniform`, `pfsp-hard`, `pfsp-variance` → an OpponentStrategy. */
export function samplingStrategy(name: SamplingName): 'alphastar' | OpponentStrategy {
  switch (name) {
    case 'alphastar':
      return 'alphastar';
    case 'latest':
      return { kind: 'latest' };
    case 'uniform':
      return { kind: 'uniform' };
    case 'pfsp-hard':
      return { kind: 'pfsp', weighting: 'hard' };
    case 'pfsp-variance':
      return { kind: 'pfsp', weighting: 'variance' };
    default:
      throw new UnknownNameError('opponent sampling', String(name), SAMPLING_NAMES);
  }
}

export interface LeagueOptions {
  /** Number of main agents (default 1). */
  readonly mainAgents?: number;
  /** Number of main exploiters (default 0). */
  readonly mainExploiters?: number;
  /** Number of league exploiters (default 0). */
  readonly leagueExploiters?: number;
  /** A learner is snapshotted every this many updates (default 10). */
  readonly snapshotEvery?: number;
  /** Baseline bot specs to put in the pool of historical players, e.g. ['random', 'alphabeta:3']. */
  readonly bots?: readonly string[];
  /** How main agents pick opponents (default 'alphastar'). */
  readonly mainStrategy?: 'alphastar' | OpponentStrategy;
  /** Branch probabilities of the AlphaStar main agent: PFSP over all (0.5) and verification (0.15); self-play gets the rest. */
  readonly mainMix?: { readonly pfsp: number; readonly verification: number };
  /**
   * Share of a main agent's games against the pool's bots, drawn among them by PFSP `hard`; the rest
   * follows `mainStrategy` (default 0: bots are only historical players among the snapshots, so a pool
   * of a thousand snapshots gives each bot a fraction of a percent of the games).
   */
  readonly botShare?: number;
  /** Exponent p of the `hard` weighting (default 2, AlphaStar's `squared`). */
  readonly pfspP?: number;
  /**
   * Payoff decay used for win rates: the store's (0.99 unless set at creation; the default) or 1
   * for plain counts. League.open creates a new league with it.
   */
  readonly payoffDecay?: number;
}

export interface LeagueOpenOptions extends LeagueOptions, Omit<OpenOptions, 'payoffDecay' | 'create'> {
  readonly runDir: string;
  readonly game: string;
  /** Named main-agent sampling (overrides `mainStrategy`). */
  readonly sampling?: SamplingName;
}

/**
 * How a rollout worker finds an opponent: a snapshot by weights version, or a bot by spec (the
 * shape of src/selfplay/rollout.ts's OpponentRef).
 */
export type OpponentRef = { readonly id: AgentId; readonly version: number } | { readonly id: AgentId; readonly bot: string };

export interface Opponent {
  readonly id: AgentId;
  readonly ref: OpponentRef;
  /** True when this is the learner itself (self-play against its current weights). */
  readonly selfPlay: boolean;
  /** The snapshot's bytes (absent for bots and for self-play, and when asked for without blobs). */
  readonly blob?: Uint8Array;
  /** Without blobs: the member whose stored snapshot holds these weights. */
  readonly weightsOf?: AgentId;
}

/** A probability distribution over opponents (ids unique, probabilities sum to 1). */
export interface OpponentDistribution {
  readonly ids: AgentId[];
  readonly probs: number[];
  /** Same order as `ids`. */
  readonly members: Opponent[];
}

/** A finished game of a learner, for `recordLearnerGames`. */
export interface LearnerGame {
  readonly opponent: AgentId;
  /** The learner's score: 1, 0.5 or 0. */
  readonly score: number;
  /** Seed, side and update of the game: accepted, not stored (the league keeps counts per pair). */
  readonly seed?: number | null;
  readonly side?: 0 | 1 | null;
  readonly update?: number | null;
}

export interface SnapshotRequest {
  /** The learner (default: the first learner of `role`, or `main`). */
  readonly learner?: AgentId;
  readonly role?: Role;
  readonly update: number;
  /** Weights version (default update + 1: the initial weights are version 1). */
  readonly version?: number;
  readonly blob: Uint8Array;
}

/** An exploiter is snapshotted (and reset) once it beats all its targets this often… */
export const EXPLOITER_WIN_RATE = 0.7;
/** …or at the latest after this many times `snapshotEvery` updates (AlphaStar: 4·10⁹ / 2·10⁹ steps). */
export const EXPLOITER_PATIENCE = 2;

/** Id of the n-th learner (0-based) of a role: `main`, `main.1`, … */
export function learnerId(role: Role, n = 0): AgentId {
  return n === 0 ? role : `${role}.${n}`;
}

/** Id of a snapshot of `learner` taken at `update`: `main@000120`. */
export function snapshotId(learner: AgentId, update: number): AgentId {
  return `${learner}@${String(update).padStart(6, '0')}`;
}

/** Id of a bot member: `bot:alphabeta:3`. */
export function botId(spec: string): AgentId {
  return `bot:${spec.trim()}`;
}

function count(name: string, v: number | undefined, dflt: number, min: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${n}`);
  return n;
}

/** Accumulates probability mass per id. */
class Mass {
  private readonly m = new Map<AgentId, number>();
  add(id: AgentId, p: number): void {
    if (p > 0) this.m.set(id, (this.m.get(id) ?? 0) + p);
  }
  spread(ids: readonly AgentId[], probs: ArrayLike<number>, p: number): void {
    ids.forEach((id, i) => this.add(id, p * probs[i]!));
  }
  result(): { ids: AgentId[]; probs: number[] } {
    const ids = [...this.m.keys()];
    const total = ids.reduce((s, id) => s + this.m.get(id)!, 0);
    return { ids, probs: ids.map((id) => this.m.get(id)! / total) };
  }
}

export class League {
  readonly store: LeagueStore;
  readonly snapshotEvery: number;
  private readonly mains: AgentId[];
  private readonly mainExploiters: AgentId[];
  private readonly leagueExploiters: AgentId[];
  private readonly mainStrategy: 'alphastar' | OpponentStrategy;
  private readonly mix: { pfsp: number; verification: number };
  private readonly p: number;
  private readonly botShare: number;
  private readonly decay: number;
  private ownsStore = false;

  /**
   * Opens (or creates) the league of a run folder and registers its learners and bots; `close()`
   * then closes the store too.
   */
  static open(opts: LeagueOpenOptions): League {
    const { runDir, game, sampling, ...rest } = opts;
    const create = !LeagueStore.exists(runDir) && rest.payoffDecay !== undefined;
    const store = LeagueStore.open(runDir, create ? { game, payoffDecay: rest.payoffDecay } : { game });
    try {
      const league = new League(store, sampling === undefined ? rest : { ...rest, mainStrategy: samplingStrategy(sampling) });
      league.ownsStore = true;
      return league;
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Closes the store when this league opened it (League.open). */
  close(): void {
    if (this.ownsStore) this.store.close();
  }

  /** Registers the learners and bots the options name (those already in the store are kept as they are). */
  constructor(store: LeagueStore, opts: LeagueOptions = {}) {
    this.store = store;
    const nMain = count('mainAgents', opts.mainAgents, 1, 1);
    const nMx = count('mainExploiters', opts.mainExploiters, 0, 0);
    const nLx = count('leagueExploiters', opts.leagueExploiters, 0, 0);
    this.snapshotEvery = count('snapshotEvery', opts.snapshotEvery, 10, 1);
    this.mainStrategy = opts.mainStrategy ?? 'alphastar';
    if (this.mainStrategy !== 'alphastar') checkStrategy(this.mainStrategy);
    this.mix = { pfsp: opts.mainMix?.pfsp ?? 0.5, verification: opts.mainMix?.verification ?? 0.15 };
    if (!(this.mix.pfsp >= 0 && this.mix.verification >= 0 && this.mix.pfsp + this.mix.verification <= 1)) {
      throw new ConfigError(`mainMix probabilities must be >= 0 and sum to at most 1, got ${JSON.stringify(opts.mainMix)}`);
    }
    this.p = opts.pfspP ?? 2;
    this.botShare = opts.botShare ?? 0;
    if (!(this.botShare >= 0 && this.botShare <= 1)) throw new ConfigError(`botShare must be in [0, 1], got ${opts.botShare}`);
    pfspProbabilities([0.5], 'hard', this.p);
    this.decay = opts.payoffDecay ?? store.info().payoffDecay;
    if (this.decay !== 1 && this.decay !== store.info().payoffDecay) {
      throw new ConfigError(`payoff decay must be 1 or the league's own ${store.info().payoffDecay} (fixed at creation), got ${this.decay}`);
    }
    this.mains = Array.from({ length: nMain }, (_, i) => learnerId('main', i));
    this.mainExploiters = Array.from({ length: nMx }, (_, i) => learnerId('main_exploiter', i));
    this.leagueExploiters = Array.from({ length: nLx }, (_, i) => learnerId('league_exploiter', i));
    store.transaction(() => {
      for (const [role, ids] of [
        ['main', this.mains],
        ['main_exploiter', this.mainExploiters],
        ['league_exploiter', this.leagueExploiters],
      ] as const) {
        for (const id of ids) {
          const m = store.getMember(id);
          if (!m) store.addMember({ id, role });
          else if (m.role !== role) throw new ConfigError(`league member '${id}' has role ${m.role}, expected ${role}`);
        }
      }
      for (const spec of opts.bots ?? []) {
        const id = botId(spec);
        if (!store.hasMember(id)) store.addMember({ id, role: 'bot', botSpec: spec.trim() });
      }
    });
  }

  /** Learner ids, main agents first. */
  learners(): AgentId[] {
    return [...this.mains, ...this.mainExploiters, ...this.leagueExploiters];
  }

  /** All members in creation order. */
  listMembers(): Member[] {
    return this.store.listMembers();
  }

  /** Adds a baseline bot to the pool of historical players (no-op when it is there); returns it. */
  addBot(spec: string): Member {
    const id = botId(spec);
    return this.store.getMember(id) ?? this.store.addMember({ id, role: 'bot', botSpec: spec.trim() });
  }

  /** Weights versions of every member that has a snapshot (what workers may need cached). */
  snapshotVersions(): number[] {
    return this.store.listMembers().flatMap((m) => (m.version !== null && m.snapshotBytes > 0 ? [m.version] : []));
  }

  /** Snapshots of a learner, oldest first. */
  snapshots(learner: AgentId): Member[] {
    return this.store.listMembers({ role: 'snapshot', parent: learner });
  }

  /** Frozen members (snapshots and bots) in creation order: the "historical" players. */
  historical(): Member[] {
    return this.store.listMembers({ role: ['snapshot', 'bot'] });
  }

  private roleOf(learner: AgentId): Role {
    const m = this.store.getMember(learner);
    if (!m || !(LEARNER_ROLES as readonly string[]).includes(m.role) || !this.learners().includes(learner)) {
      throw new UnknownNameError('learner', learner, this.learners());
    }
    return m.role;
  }

  /** Update number of the learner's latest snapshot (its creation update when it has none). */
  lastSnapshotUpdate(learner: AgentId): number {
    const snaps = this.store.listMembers({ role: 'snapshot', parent: learner });
    return snaps.length ? Math.max(...snaps.map((s) => s.update)) : this.store.requireMember(learner).update;
  }

  /**
   * True when the learner is due for a snapshot at `update`, by AlphaStar's checkpoint rules: a main
   * agent every `snapshotEvery` updates; an exploiter once at least `snapshotEvery` updates have
   * passed **and** it beats every one of its targets more than 70% of the time (a main exploiter:
   * the main agents; a league exploiter: every historical player), or at the latest after
   * `EXPLOITER_PATIENCE × snapshotEvery` updates (AlphaStar: 2·10⁹ and 4·10⁹ steps). Win rates are
   * the league's recent (decayed) payoff counts; an unplayed pair counts 0.5.
   */
  shouldSnapshot(learner: AgentId, update: number): boolean {
    const role = this.roleOf(learner);
    const passed = update - this.lastSnapshotUpdate(learner);
    if (passed < this.snapshotEvery) return false;
    if (role === 'main' || passed >= EXPLOITER_PATIENCE * this.snapshotEvery) return true;
    const targets = role === 'main_exploiter' ? this.mains : this.historical().map((m) => m.id);
    if (targets.length === 0) return true;
    return Math.min(...this.rates(learner, targets)) > EXPLOITER_WIN_RATE;
  }

  /**
   * Freezes the learner's weights at `update` as member `learner@UUUUUU` (role `snapshot`, parent
   * the learner, weights version `version` (default update + 1)) and records the learner's update,
   * in one transaction. The snapshot is rated from its own games (ratings.ts). Throws
   * DUPLICATE_MEMBER when that snapshot already exists. `learner` is a learner id; the first learner
   * of a role has the role's name, so `addSnapshot('main', 120, blob)` works.
   */
  addSnapshot(learner: AgentId, update: number, blob: Uint8Array, version?: number): Member;
  addSnapshot(request: SnapshotRequest): Member;
  addSnapshot(a: AgentId | SnapshotRequest, u?: number, b?: Uint8Array, v?: number): Member {
    const req: SnapshotRequest = typeof a === 'string' ? { learner: a, update: u!, blob: b!, ...(v === undefined ? {} : { version: v }) } : a;
    const learner = req.learner ?? (req.role ? learnerId(req.role) : 'main');
    const { update, blob } = req;
    this.roleOf(learner);
    if (!Number.isSafeInteger(update) || update < 0) throw new ConfigError(`snapshot update must be an integer >= 0, got ${update}`);
    if (!(blob instanceof Uint8Array) || blob.length === 0) throw new ConfigError('a snapshot needs a non-empty Uint8Array blob');
    return this.store.transaction(() => {
      const m = this.store.addMember({
        id: snapshotId(learner, update),
        role: 'snapshot',
        parent: learner,
        update,
        version: req.version ?? update + 1,
        frozen: true,
        snapshot: blob,
      });
      this.store.updateMember(learner, { update });
      return m;
    });
  }

  /**
   * Whether the learner should go back to its initial weights after a snapshot: main exploiters
   * always, league exploiters with probability 0.25, main agents never.
   */
  resetsAfterSnapshot(learner: AgentId, rng: Rng): boolean {
    const role = this.roleOf(learner);
    if (role === 'main_exploiter') return true;
    if (role === 'league_exploiter') return rng.next() < 0.25;
    return false;
  }

  /** Records finished games (see LeagueStore.recordMatches: summed per pair, one transaction). */
  recordResults(results: readonly NewMatch[]): void {
    this.store.recordMatches(results);
  }

  /** Records a learner's finished games against its opponents: summed per pair, one transaction. */
  recordLearnerGames(games: readonly LearnerGame[], learner: AgentId = 'main'): void {
    this.roleOf(learner);
    this.store.recordMatches(games.map((g) => ({ a: learner, b: g.opponent, score: g.score as NewMatch['score'] })));
  }

  /** Games recorded in the league, self-play included. */
  gameCount(): number {
    return this.store.gameCount();
  }

  /** Bytes the league takes on disk (database and write-ahead log), for the trainer's profile. */
  storeBytes(): number {
    return this.store.sizeBytes();
  }

  private rates(learner: AgentId, ids: readonly AgentId[]): number[] {
    return this.store.winRates(learner, ids, { decay: this.decay });
  }

  /**
   * The learner's opponent distribution: every branch of its sampling rule combined exactly, with
   * what a rollout worker needs to play each opponent. A learner among the opponents (self-play, or
   * a main agent for an exploiter) plays its current weights: the version in `learnerVersions`
   * (`learnerVersion` for the learner itself), else its latest snapshot (ref and blob of that one).
   */
  opponentDistribution(
    learner: AgentId = 'main',
    opts: { learnerVersion?: number; learnerVersions?: Readonly<Record<AgentId, number>>; blobs?: boolean } = {},
  ): OpponentDistribution {
    const { ids, probs } = this.opponentMass(learner);
    // without blobs, callers read the few snapshots they draw (`weightsOf`) instead of all of them
    const withBlob = (o: Opponent, from: AgentId): Opponent => {
      if (opts.blobs === false) return { ...o, weightsOf: from };
      const blob = this.store.getSnapshot(from);
      return blob ? { ...o, blob } : o;
    };
    const members = ids.map((id): Opponent => {
      const m = this.store.requireMember(id);
      const selfPlay = id === learner;
      if (m.botSpec !== null) return { id, ref: { id, bot: m.botSpec }, selfPlay };
      if (m.role !== 'snapshot') {
        const version = opts.learnerVersions?.[id] ?? (selfPlay ? opts.learnerVersion : undefined);
        if (version !== undefined) return { id, ref: { id, version }, selfPlay };
        const last = this.snapshots(id).at(-1);
        if (!last || last.version === null) {
          throw new ConfigError(`playing learner '${id}' needs its current weights version (learnerVersion/learnerVersions) or a snapshot of it`);
        }
        return withBlob({ id, ref: { id, version: last.version }, selfPlay }, last.id);
      }
      if (m.version === null) throw new ConfigError(`league member '${id}' has no weights version`);
      return withBlob({ id, ref: { id, version: m.version }, selfPlay }, id);
    });
    return { ids, probs, members };
  }

  private opponentMass(learner: AgentId): { ids: AgentId[]; probs: number[] } {
    const role = this.roleOf(learner);
    const hist = this.historical();
    const histIds = hist.map((m) => m.id);
    const mass = new Mass();
    const pfspOver = (ids: readonly AgentId[], weighting: PfspWeighting, p: number): void => {
      mass.spread(ids, pfspProbabilities(this.rates(learner, ids), weighting, this.p), p);
    };
    const snapshotsOf = (parent: AgentId): AgentId[] => hist.filter((m) => m.parent === parent).map((m) => m.id);

    if (role === 'league_exploiter') {
      if (histIds.length) pfspOver(histIds, 'linear_capped', 1);
      else this.mains.forEach((m) => mass.add(m, 1 / this.mains.length));
      return mass.result();
    }
    if (role === 'main_exploiter') {
      for (const m of this.mains) {
        const pm = 1 / this.mains.length;
        const snaps = snapshotsOf(m);
        if (this.rates(learner, [m])[0]! > 0.1 || snaps.length === 0) mass.add(m, pm);
        else pfspOver(snaps, 'variance', pm);
      }
      return mass.result();
    }
    // main agent: its strategy, then the bots' share mixed in (withBots)
    const s = this.mainStrategy;
    if (s !== 'alphastar') {
      if (s.kind === 'latest' || histIds.length === 0) {
        mass.add(learner, 1);
      } else if (s.kind === 'uniform') {
        const pool = lastWindow(histIds, s.window);
        const pl = s.latestProbability ?? 0;
        mass.add(learner, pl);
        for (const id of pool) mass.add(id, (1 - pl) / pool.length);
      } else {
        pfspOver(histIds, s.weighting ?? 'hard', 1);
      }
      return this.withBots(learner, hist, mass.result());
    }
    const { pfsp, verification } = this.mix;
    if (histIds.length) pfspOver(histIds, 'hard', pfsp);
    else mass.add(learner, pfsp);
    const rest = 1 - pfsp;
    for (const m of this.mains) {
      const pm = rest / this.mains.length;
      const pv = rest > 0 ? (pm * verification) / rest : 0;
      const selfPlay = (p: number): void => {
        const snaps = snapshotsOf(m);
        if (m === learner || this.rates(learner, [m])[0]! > 0.3 || snaps.length === 0) mass.add(m, p);
        else pfspOver(snaps, 'variance', p);
      };
      const branch = this.verificationBranch(learner, m, hist);
      if (branch) pfspOver(branch, 'hard', pv);
      else selfPlay(pv);
      selfPlay(pm - pv);
    }
    return this.withBots(learner, hist, mass.result());
  }

  /** A main agent's opponent mass with `botShare` of it moved to the pool's bots, PFSP `hard` among them (unchanged without bots). */
  private withBots(learner: AgentId, hist: readonly Member[], rest: { ids: AgentId[]; probs: number[] }): { ids: AgentId[]; probs: number[] } {
    const bots = this.botShare > 0 ? hist.filter((m) => m.role === 'bot').map((m) => m.id) : [];
    if (bots.length === 0) return rest;
    const mass = new Mass();
    mass.spread(rest.ids, rest.probs, 1 - this.botShare);
    mass.spread(bots, pfspProbabilities(this.rates(learner, bots), 'hard', this.p), this.botShare);
    return mass.result();
  }

  /** AlphaStar's verification branch: exploiters that still win, else forgotten snapshots; null when neither. */
  private verificationBranch(learner: AgentId, opponent: AgentId, hist: readonly Member[]): AgentId[] | null {
    const exploiters = new Set(this.store.listMembers({ role: 'main_exploiter' }).map((m) => m.id));
    const expHist = hist.filter((m) => m.parent !== null && exploiters.has(m.parent)).map((m) => m.id);
    if (expHist.length && Math.min(...this.rates(learner, expHist)) < 0.3) return expHist;
    const own = hist.filter((m) => m.parent === opponent).map((m) => m.id);
    const rates = this.rates(learner, own);
    // remove_monotonic_suffix: keep up to the last place where the win rate drops going forward
    let end = 0;
    for (let i = rates.length - 1; i > 0; i--) {
      if (rates[i - 1]! < rates[i]!) {
        end = i + 1;
        break;
      }
    }
    const kept = own.slice(0, end);
    if (kept.length && Math.min(...rates.slice(0, end)) < 0.7) return kept;
    return null;
  }

  /** Draws the learner's next opponent (a member id; the learner's own id means self-play). */
  sampleOpponent(learner: AgentId, rng: Rng): AgentId {
    const d = this.opponentMass(learner);
    return d.ids[rng.categorical(d.probs)]!;
  }
}
