/**
 * The league's memory: members (learners, frozen snapshots, bots) and how the games between each
 * ordered pair of members ended, in one embedded SQLite database `<runDir>/league.db` (Node's
 * built-in `node:sqlite`). It grows with members, not with games: a league of n members holds at
 * most n² pair rows however long it trains, and recording a batch of games costs O(distinct pairs
 * in the batch). Ratings are not stored: ratings.ts refits them from the pair counts when they are
 * read after a change (cached until the next write by any connection).
 *
 * Crash safety: WAL journal with `synchronous = NORMAL`, so a commit is in the write-ahead log before
 * the call returns (fsynced at WAL checkpoints, not per commit), and every write — a member, a batch of
 * games — is one transaction. After `kill -9` at any moment the database opens with every committed
 * batch and snapshot present and nothing half-written (a power cut can roll back the last commits,
 * never half of one): SQLite rolls an unfinished transaction back on the
 * next open, so at most the batch in flight is lost. One process should write (the trainer);
 * others may read at the same time (`arena league status`, tournaments).
 *
 * Schema 2 (version in `PRAGMA user_version`, facts about the league in `meta`):
 *   members  one row per agent: id (AgentId, e.g. `main@000120`), role, parent, update, weights
 *            version (unique, for caches keyed by version), created time, frozen flag, and either
 *            an opaque snapshot blob (policy bytes, see src/selfplay/snapshot.ts) or a bot spec
 *            (`alphabeta:3`) for bot members;
 *   pairs    one row per ordered pair (a, b) that has played: a's wins, draws and losses, and the
 *            same results decayed as in AlphaStar (decayed_games, decayed_score = Σ of a's scores;
 *            each new result of the pair multiplies the earlier ones by the league's payoff decay).
 *            (b, a) mirrors (a, b), so a learner's row against any opponent is one lookup. A
 *            learner's games against itself (plain self-play) are one row (a, a): counted as games,
 *            never rated and never a win rate, since they say nothing about relative strength.
 *   served_matches  (created on first use) the ids of the last SERVED_IDS_KEPT games a game server
 *            rated here, so a record delivered twice is counted once (`recordMatchOnce`): a bounded
 *            table, since a record comes again within seconds (a writer's crash), not days.
 *
 * Schema 1 kept one row per game (`matches`, ≈ 1.7 GB an hour of Leduc), online Elo (`ratings`)
 * and `payoff`. Opening such a database migrates it in one transaction — the match history is
 * replayed in order into `pairs` (so the decayed counts come out exactly as if recorded now), the
 * old tables dropped — and then vacuums the file.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ArenaError, ConfigError, UnknownNameError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { fitLeagueRatings, isScore, type RatingRow, type Score } from './ratings.ts';
import { UNPLAYED_WIN_RATE } from './pfsp.ts';

export const LEAGUE_DB = 'league.db';
export const LEAGUE_FORMAT = 'arena-league';
export const SCHEMA_VERSION = 2;
/** AlphaStar's payoff decay: every new result of a pair multiplies that pair's earlier counts by it. */
export const DEFAULT_PAYOFF_DECAY = 0.99;

export const ROLES = ['main', 'main_exploiter', 'league_exploiter', 'snapshot', 'bot'] as const;
/** Learners (`main`, `main_exploiter`, `league_exploiter`) train; `snapshot` and `bot` members are frozen. */
export type Role = (typeof ROLES)[number];
export const LEARNER_ROLES: readonly Role[] = ['main', 'main_exploiter', 'league_exploiter'];

/** A member's id, e.g. `main`, `main@000120`, `bot:alphabeta:3`: no whitespace, ',' or '#'. */
export type AgentId = string;
const ID_RE = /^[^\s,#]{1,200}$/;

export interface Member {
  readonly id: AgentId;
  readonly role: Role;
  /** The learner a snapshot was taken from (null for learners and bots). */
  readonly parent: AgentId | null;
  /** Learner update number (when the snapshot was taken; a learner's latest recorded update). */
  readonly update: number;
  /** Weights version of a snapshot (unique in the league; how rollout workers cache weights), or null. */
  readonly version: number | null;
  /** Creation time, ms since the epoch. */
  readonly createdAt: number;
  readonly frozen: boolean;
  readonly botSpec: string | null;
  /** Size of the snapshot blob in bytes (0 when none). */
  readonly snapshotBytes: number;
}

export interface NewMember {
  readonly id: AgentId;
  readonly role: Role;
  readonly parent?: AgentId | null;
  readonly update?: number;
  /** Weights version (unique; null when absent). */
  readonly version?: number | null;
  /** Default: true for `snapshot` and `bot`, false for learners. */
  readonly frozen?: boolean;
  readonly snapshot?: Uint8Array | null;
  /** Required for (and only for) `bot` members. */
  readonly botSpec?: string | null;
  readonly createdAt?: number;
}

/** A finished game of a against b. Only the pair and the score are stored (schema 2). */
export interface NewMatch {
  readonly a: AgentId;
  readonly b: AgentId;
  /** a's score: 1 win, 0.5 draw, 0 loss. */
  readonly score: Score;
  /** Game id; when given it must be the league's game. */
  readonly game?: string;
  /** Seed of the game, the side a played, the learner's update: accepted for callers' convenience, not stored. */
  readonly seed?: number | null;
  readonly side?: 0 | 1 | null;
  readonly update?: number | null;
}

/** Results of a against b, from a's point of view. */
export interface PairStats {
  readonly a: AgentId;
  readonly b: AgentId;
  readonly games: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /**
   * (wins + draws/2) / games (decayed counts with `decay` < 1), or 0.5 when the pair has not
   * played (AlphaStar's convention).
   */
  readonly winRate: number;
}

export interface PayoffOptions {
  /**
   * Weight recent results more: each new result of a pair multiplies the pair's earlier counts by
   * `decay` (AlphaStar: 0.99). Default 1 (plain counts). The store keeps plain counts and those
   * decayed by the league's decay (`info().payoffDecay`, fixed at creation); any other value is a
   * `ConfigError`.
   */
  readonly decay?: number;
}

export interface LeagueInfo {
  readonly path: string;
  readonly format: typeof LEAGUE_FORMAT;
  readonly schemaVersion: number;
  readonly game: string;
  /** Decay kept in the pair table. */
  readonly payoffDecay: number;
  readonly createdAt: number;
}

export interface OpenOptions {
  /** Game id: required to create a league; checked against the stored one otherwise. */
  readonly game?: string;
  /** Payoff decay kept incrementally (fixed at creation; default 0.99). */
  readonly payoffDecay?: number;
  /** Create the database when missing (default true). */
  readonly create?: boolean;
}

const MEMBERS_TABLE = `
CREATE TABLE members (
  seq        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('main', 'main_exploiter', 'league_exploiter', 'snapshot', 'bot')),
  parent     TEXT REFERENCES members(id),
  update_no  INTEGER NOT NULL CHECK (update_no >= 0),
  version    INTEGER UNIQUE,
  created_at INTEGER NOT NULL,
  frozen     INTEGER NOT NULL CHECK (frozen IN (0, 1)),
  snapshot   BLOB,
  bot_spec   TEXT,
  CHECK ((role = 'bot') = (bot_spec IS NOT NULL)),
  CHECK (role <> 'bot' OR snapshot IS NULL)
);
CREATE INDEX members_role ON members(role, seq);
CREATE INDEX members_parent ON members(parent, seq);
`;

const PAIRS_TABLE = `
CREATE TABLE pairs (
  a             TEXT NOT NULL REFERENCES members(id),
  b             TEXT NOT NULL REFERENCES members(id),
  wins          INTEGER NOT NULL CHECK (wins >= 0),
  draws         INTEGER NOT NULL CHECK (draws >= 0),
  losses        INTEGER NOT NULL CHECK (losses >= 0),
  decayed_games REAL NOT NULL,
  decayed_score REAL NOT NULL,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
`;

const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
${MEMBERS_TABLE}
${PAIRS_TABLE}`;

/** Folds a batch's results for one pair into its row: counts add, decayed counts are scaled by d^k first. */
const UPSERT_PAIR = `INSERT INTO pairs (a, b, wins, draws, losses, decayed_games, decayed_score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
  ON CONFLICT (a, b) DO UPDATE SET wins = wins + ?3, draws = draws + ?4, losses = losses + ?5,
    decayed_games = decayed_games * ?8 + ?6, decayed_score = decayed_score * ?8 + ?7`;

type Row = Record<string, unknown>;

/** One ordered pair's results within a batch. */
interface PairDelta {
  readonly a: AgentId;
  readonly b: AgentId;
  wins: number;
  draws: number;
  losses: number;
  /** d^k for the k results of the batch: what the stored decayed counts are multiplied by. */
  scale: number;
  /** Σ d^(k−i) and Σ d^(k−i)·s_i over the batch's results i = 1..k. */
  games: number;
  score: number;
}

/**
 * Sums games per ordered pair, in order, so that writing the sums gives exactly the counts that
 * recording the games one by one would: g ← g·d + 1, s ← s·d + score per result, i.e.
 * g_new = g_old·d^k + Σ d^(k−i). A game a–b also counts as the mirrored result for b–a; a game of
 * a member against itself counts once.
 */
class PairTally {
  readonly rows = new Map<string, PairDelta>();
  private readonly decay: number;

  constructor(decay: number) {
    this.decay = decay;
  }

  add(a: AgentId, b: AgentId, score: Score): void {
    this.bump(a, b, score);
    if (a !== b) this.bump(b, a, (1 - score) as Score);
  }

  private bump(a: AgentId, b: AgentId, s: Score): void {
    const key = `${a}\u0000${b}`;
    let r = this.rows.get(key);
    if (!r) this.rows.set(key, (r = { a, b, wins: 0, draws: 0, losses: 0, scale: 1, games: 0, score: 0 }));
    if (s === 1) r.wins++;
    else if (s === 0) r.losses++;
    else r.draws++;
    r.scale *= this.decay;
    r.games = r.games * this.decay + 1;
    r.score = r.score * this.decay + s;
  }

  /** Writes every pair with one upsert each. */
  write(upsert: StatementSync): void {
    for (const r of this.rows.values()) upsert.run(r.a, r.b, r.wins, r.draws, r.losses, r.games, r.score, r.scale);
  }
}

/** Schema 1 → 2, inside the caller's transaction: replays `matches` into `pairs`, drops the old tables. */
function upgradeFromV1(db: DatabaseSync, decay: number): { games: number; pairs: number } {
  db.exec(PAIRS_TABLE);
  const tally = new PairTally(decay);
  let games = 0;
  for (const r of db.prepare('SELECT a, b, score FROM matches ORDER BY id').iterate()) {
    const score = Number(r['score']);
    if (!isScore(score)) throw new Error(`schema 1 match with score ${score}`);
    tally.add(r['a'] as string, r['b'] as string, score);
    games++;
  }
  tally.write(db.prepare(UPSERT_PAIR));
  db.exec('DROP TABLE matches; DROP TABLE payoff; DROP TABLE ratings');
  db.exec("DELETE FROM meta WHERE key IN ('elo_k', 'initial_rating')");
  db.exec('PRAGMA user_version = 2');
  return { games, pairs: tally.rows.size };
}

function toMember(r: Row): Member {
  return {
    id: r['id'] as string,
    role: r['role'] as Role,
    parent: (r['parent'] as string | null) ?? null,
    update: Number(r['update_no']),
    version: r['version'] === null || r['version'] === undefined ? null : Number(r['version']),
    createdAt: Number(r['created_at']),
    frozen: r['frozen'] === 1,
    botSpec: (r['bot_spec'] as string | null) ?? null,
    snapshotBytes: Number(r['bytes'] ?? 0),
  };
}

function toPair(r: Row): PairStats {
  const wins = Number(r['wins']);
  const draws = Number(r['draws']);
  const losses = Number(r['losses']);
  const games = wins + draws + losses;
  return { a: r['a'] as string, b: r['b'] as string, games, wins, draws, losses, winRate: games > 0 ? (wins + draws / 2) / games : UNPLAYED_WIN_RATE };
}

const MEMBER_COLS = 'id, role, parent, update_no, version, created_at, frozen, bot_spec, coalesce(length(snapshot), 0) AS bytes';

const PAIR_COLS = 'a, b, wins, draws, losses, decayed_games, decayed_score';

/** Results of a against b from its pairs row (none: not played); with `decay` < 1 the win rate is the decayed one. */
function pairStats(a: AgentId, b: AgentId, r: Row | undefined, decay: number): PairStats {
  if (!r) return { a, b, games: 0, wins: 0, draws: 0, losses: 0, winRate: UNPLAYED_WIN_RATE };
  const p = toPair(r);
  return decay === 1 ? p : { ...p, winRate: Number(r['decayed_score']) / Number(r['decayed_games']) };
}

function checkDecay(d: number): void {
  if (!(d > 0 && d <= 1)) throw new ConfigError(`payoff decay must be in (0, 1], got ${d}`);
}

/** Ids of served games remembered for deduplication (the table stays this small however many are played). */
export const SERVED_IDS_KEPT = 100_000;

export class LeagueStore {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly meta: LeagueInfo;
  private readonly stmts = new Map<string, StatementSync>();
  private depth = 0;
  private closed = false;
  /** Commits by this connection: with `PRAGMA data_version` (commits by others) it keys the rating cache. */
  private commits = 0;
  private fitted: { key: string; rows: RatingRow[] } | null = null;
  /**
   * Every member in creation order, with an index by id: read once, then patched by this connection's
   * own member writes and re-read when another connection has committed (`PRAGMA data_version`). The
   * training loop asks for members every update (opponent sampling, the league size): without it each
   * ask re-read every row, a cost that grew with the league (Leduc's 1,000 snapshots made it half of the
   * learner thread's time). Dropped when a transaction rolls back.
   */
  private members: { dataVersion: number; list: Member[]; byId: Map<AgentId, Member> } | null = null;

  private constructor(path: string, db: DatabaseSync, meta: LeagueInfo) {
    this.path = path;
    this.db = db;
    this.meta = meta;
  }

  /** Path of the league database of a run folder. */
  static pathFor(runDir: string): string {
    return join(runDir, LEAGUE_DB);
  }

  /** True when the run folder has a league database. */
  static exists(runDir: string): boolean {
    return existsSync(LeagueStore.pathFor(runDir));
  }

  /**
   * Opens (creating when missing, unless `create: false`) the league of a run folder, migrating a
   * schema-1 database. Creating needs `game`. Throws `ArenaError` NO_LEAGUE / BAD_LEAGUE and
   * `ConfigError` for a mismatch.
   */
  static open(runDir: string, opts: OpenOptions = {}): LeagueStore {
    const path = LeagueStore.pathFor(runDir);
    if (!existsSync(path)) {
      if (opts.create === false) throw new ArenaError('NO_LEAGUE', `${path}: no league database here (is '${runDir}' a league run folder?)`);
      if (opts.game === undefined) throw new ConfigError(`creating ${path} needs the game id`);
      mkdirSync(runDir, { recursive: true });
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (err) {
      throw new ArenaError('BAD_LEAGUE', `${path}: cannot open: ${(err as Error).message}`, { cause: err });
    }
    try {
      db.exec('PRAGMA busy_timeout = 10000');
      const mode = (db.prepare('PRAGMA journal_mode = WAL').get() as Row | undefined)?.['journal_mode'];
      if (mode !== 'wal') throw new Error(`cannot switch to WAL journal (got ${String(mode)})`);
      // NORMAL in WAL mode: a commit is in the log before it returns, so a killed process (kill -9) loses
      // nothing committed; only a power loss or OS crash can roll back the last commits (never corrupt).
      // FULL's fsync per commit took a fifth of a Kuhn learner's time (one commit per update).
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      const { info, upgraded } = LeagueStore.migrate(db, path, opts);
      if (upgraded) {
        log.info(`${path}: league schema 1 → ${SCHEMA_VERSION}: ${upgraded.games} games folded into ${upgraded.pairs} pair rows`);
        try {
          db.exec('VACUUM');
          db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        } catch (err) {
          log.warn(`${path}: could not vacuum after the migration (${(err as Error).message}); the file keeps its old size`);
        }
      }
      return new LeagueStore(path, db, info);
    } catch (err) {
      db.close();
      if (err instanceof ArenaError) throw err;
      throw new ArenaError('BAD_LEAGUE', `${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Creates the schema, migrates an older one or checks it, in one transaction (a crash leaves the file as it was). */
  private static migrate(db: DatabaseSync, path: string, opts: OpenOptions): { info: LeagueInfo; upgraded: { games: number; pairs: number } | null } {
    db.exec('BEGIN IMMEDIATE');
    try {
      const version = Number((db.prepare('PRAGMA user_version').get() as Row)['user_version']);
      if (version === 0) {
        if (opts.game === undefined) throw new ConfigError(`${path} has no league yet; creating one needs the game id`);
        const decay = opts.payoffDecay ?? DEFAULT_PAYOFF_DECAY;
        checkDecay(decay);
        db.exec(SCHEMA);
        const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        const entries: [string, string][] = [
          ['format', LEAGUE_FORMAT],
          ['game', opts.game],
          ['payoff_decay', String(decay)],
          ['created_at', String(Date.now())],
        ];
        for (const [key, value] of entries) put.run(key, value);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      } else if (version > SCHEMA_VERSION) {
        throw new ArenaError('BAD_LEAGUE', `${path}: schema version ${version} is newer than this Arena understands (${SCHEMA_VERSION})`);
      }
      const rows = db.prepare('SELECT key, value FROM meta').all() as Row[];
      const m = new Map(rows.map((r) => [r['key'] as string, r['value'] as string]));
      if (m.get('format') !== LEAGUE_FORMAT) throw new ArenaError('BAD_LEAGUE', `${path}: not an Arena league database`);
      const info: LeagueInfo = {
        path,
        format: LEAGUE_FORMAT,
        schemaVersion: SCHEMA_VERSION,
        game: m.get('game') ?? '',
        payoffDecay: Number(m.get('payoff_decay')),
        createdAt: Number(m.get('created_at')),
      };
      const mismatch = (what: string, given: unknown, stored: unknown) =>
        new ConfigError(`${path} was created with ${what} ${String(stored)}, not ${String(given)}`);
      if (opts.game !== undefined && opts.game !== info.game) throw mismatch('game', opts.game, info.game);
      if (opts.payoffDecay !== undefined && opts.payoffDecay !== info.payoffDecay) throw mismatch('payoff decay', opts.payoffDecay, info.payoffDecay);
      const upgraded = version === 1 ? upgradeFromV1(db, info.payoffDecay) : null;
      db.exec('COMMIT');
      return { info, upgraded };
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  info(): LeagueInfo {
    return this.meta;
  }

  private stmt(sql: string): StatementSync {
    if (this.closed) throw new ArenaError('LEAGUE_CLOSED', `${this.path}: the league store is closed`);
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE … COMMIT, rolled back if `fn` throws). Nested
   * calls join the outer transaction. Everything `fn` writes is committed together or not at all.
   */
  transaction<T>(fn: () => T): T {
    if (this.closed) throw new ArenaError('LEAGUE_CLOSED', `${this.path}: the league store is closed`);
    if (this.depth > 0) {
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    this.db.exec('BEGIN IMMEDIATE');
    this.depth = 1;
    try {
      const out = fn();
      this.db.exec('COMMIT');
      this.commits++;
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      this.members = null; // it may hold rows that were just rolled back
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  // ---- members ----

  /** SQLite's `PRAGMA data_version`: changes when another connection has committed (not on this one's commits). */
  private dataVersion(): number {
    return Number((this.stmt('PRAGMA data_version').get() as Row)['data_version']);
  }

  /** The member cache (see `members`), re-read when another connection has committed since it was read. */
  private memberCache(): { list: Member[]; byId: Map<AgentId, Member> } {
    const dataVersion = this.dataVersion();
    if (this.members?.dataVersion === dataVersion) return this.members;
    const list = (this.stmt(`SELECT ${MEMBER_COLS} FROM members ORDER BY seq`).all() as Row[]).map(toMember);
    this.members = { dataVersion, list, byId: new Map(list.map((m) => [m.id, m])) };
    return this.members;
  }

  /** Reads one member's row and puts it into the member cache (after this connection wrote it). */
  private refreshMember(id: AgentId): Member {
    const m = toMember(this.stmt(`SELECT ${MEMBER_COLS} FROM members WHERE id = ?`).get(id) as Row);
    const cache = this.members;
    if (cache) {
      const i = cache.byId.has(id) ? cache.list.findIndex((x) => x.id === id) : -1;
      if (i >= 0) cache.list[i] = m;
      else cache.list.push(m); // a new member: rows are read in creation order, so it comes last
      cache.byId.set(id, m);
    }
    return m;
  }

  /** Adds a member. Throws `ArenaError` DUPLICATE_MEMBER when the id exists. */
  addMember(m: NewMember): Member {
    if (typeof m.id !== 'string' || !ID_RE.test(m.id)) throw new ConfigError(`bad member id '${String(m.id)}': 1-200 characters, no whitespace, ',' or '#'`);
    if (!(ROLES as readonly string[]).includes(m.role)) throw new UnknownNameError('role', String(m.role), ROLES);
    const update = m.update ?? 0;
    if (!Number.isSafeInteger(update) || update < 0) throw new ConfigError(`member update must be an integer >= 0, got ${update}`);
    const botSpec = m.botSpec ?? null;
    if ((m.role === 'bot') !== (botSpec !== null)) throw new ConfigError(`member '${m.id}': a bot spec is required for bots and only for bots`);
    if (botSpec !== null && (typeof botSpec !== 'string' || botSpec.trim() === '')) throw new ConfigError(`member '${m.id}': empty bot spec`);
    const snapshot = m.snapshot ?? null;
    if (snapshot !== null && !(snapshot instanceof Uint8Array)) throw new ConfigError(`member '${m.id}': the snapshot must be a Uint8Array`);
    if (snapshot !== null && m.role === 'bot') throw new ConfigError(`member '${m.id}': a bot has no snapshot`);
    const version = m.version ?? null;
    if (version !== null && !Number.isSafeInteger(version)) throw new ConfigError(`member '${m.id}': version must be an integer, got ${version}`);
    const frozen = m.frozen ?? (m.role === 'snapshot' || m.role === 'bot');
    const createdAt = m.createdAt ?? Date.now();
    return this.transaction(() => {
      if (this.getMember(m.id)) throw new ArenaError('DUPLICATE_MEMBER', `league member '${m.id}' already exists`);
      if (m.parent != null) this.requireMember(m.parent);
      if (version !== null) {
        const holder = this.stmt('SELECT id FROM members WHERE version = ?').get(version) as Row | undefined;
        if (holder) throw new ArenaError('DUPLICATE_VERSION', `weights version ${version} already belongs to league member '${String(holder['id'])}'`);
      }
      this.stmt(
        'INSERT INTO members (id, role, parent, update_no, version, created_at, frozen, snapshot, bot_spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(m.id, m.role, m.parent ?? null, update, version, createdAt, frozen ? 1 : 0, snapshot, botSpec);
      return this.refreshMember(m.id);
    });
  }

  /** Changes a member's update number, snapshot blob or frozen flag (one transaction). */
  updateMember(id: AgentId, change: { update?: number; snapshot?: Uint8Array | null; frozen?: boolean }): Member {
    return this.transaction(() => {
      const cur = this.requireMember(id);
      if (change.update !== undefined) {
        if (!Number.isSafeInteger(change.update) || change.update < 0) throw new ConfigError(`member update must be an integer >= 0, got ${change.update}`);
        this.stmt('UPDATE members SET update_no = ? WHERE id = ?').run(change.update, id);
      }
      if (change.snapshot !== undefined) {
        if (cur.role === 'bot' && change.snapshot !== null) throw new ConfigError(`member '${id}': a bot has no snapshot`);
        if (change.snapshot !== null && !(change.snapshot instanceof Uint8Array)) throw new ConfigError(`member '${id}': the snapshot must be a Uint8Array`);
        this.stmt('UPDATE members SET snapshot = ? WHERE id = ?').run(change.snapshot, id);
      }
      if (change.frozen !== undefined) this.stmt('UPDATE members SET frozen = ? WHERE id = ?').run(change.frozen ? 1 : 0, id);
      return this.refreshMember(id);
    });
  }

  getMember(id: AgentId): Member | undefined {
    return this.memberCache().byId.get(id);
  }

  hasMember(id: AgentId): boolean {
    return this.memberCache().byId.has(id);
  }

  /** The member, or `UnknownNameError` listing the known ids. */
  requireMember(id: AgentId): Member {
    const m = this.getMember(id);
    if (!m) throw new UnknownNameError('league member', id, this.memberIds());
    return m;
  }

  /** Members in creation order, optionally of some roles or with a given parent. */
  listMembers(filter: { role?: Role | readonly Role[]; parent?: AgentId } = {}): Member[] {
    const { list } = this.memberCache();
    const roles = filter.role === undefined ? null : typeof filter.role === 'string' ? [filter.role] : filter.role;
    if (roles === null && filter.parent === undefined) return [...list];
    return list.filter((m) => (roles === null || roles.includes(m.role)) && (filter.parent === undefined || m.parent === filter.parent));
  }

  /** How many members the league has. */
  memberCount(): number {
    return this.memberCache().list.length;
  }

  memberIds(): AgentId[] {
    return this.memberCache().list.map((m) => m.id);
  }

  /** The snapshot blob of a member (null when it has none). */
  getSnapshot(id: AgentId): Uint8Array | null {
    const r = this.stmt('SELECT snapshot FROM members WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new UnknownNameError('league member', id, this.memberIds());
    return (r['snapshot'] as Uint8Array | null) ?? null;
  }

  // ---- games, payoff, ratings ----

  /** Records one finished game (one transaction); see `recordMatches`. */
  recordMatch(m: NewMatch): void {
    this.recordMatches([m]);
  }

  /**
   * Records finished games, summed per ordered pair in memory and written in ONE transaction (one
   * upsert per pair and direction): after a crash either the whole batch is there or none of it.
   * The decayed counts come out as if the games were recorded one by one, in order.
   */
  recordMatches(batch: readonly NewMatch[]): void {
    for (const m of batch) {
      if (!isScore(m.score)) throw new ConfigError(`a match score must be 1, 0.5 or 0, got ${String(m.score)}`);
      if (m.game !== undefined && m.game !== this.meta.game) throw new ConfigError(`${this.path} is a league of ${this.meta.game}, not of ${m.game}`);
    }
    if (batch.length === 0) return;
    const tally = new PairTally(this.meta.payoffDecay);
    const ids = new Set<AgentId>();
    for (const m of batch) {
      ids.add(m.a).add(m.b);
      tally.add(m.a, m.b, m.score);
    }
    this.transaction(() => {
      for (const id of ids) this.requireMember(id);
      tally.write(this.stmt(UPSERT_PAIR));
    });
  }

  /**
   * Records a game played on a game server once per `matchId`: a second call with the same id (the
   * same record delivered again after a crash, servers/match-stream.ts) changes nothing and returns
   * false. The ids live in `served_matches`, created on first use in the same transaction as the
   * counts, so a game is counted exactly when its id is stored (one short row per served game).
   */
  recordMatchOnce(matchId: string, m: NewMatch): boolean {
    return this.transaction(() => {
      // a rowid table: insertion order tells which ids are old enough to forget
      this.db.exec('CREATE TABLE IF NOT EXISTS served_matches (id TEXT PRIMARY KEY)');
      const added = this.stmt('INSERT OR IGNORE INTO served_matches (id) VALUES (?)').run(matchId);
      if (added.changes === 0) return false;
      this.stmt('DELETE FROM served_matches WHERE rowid <= ?').run(Number(added.lastInsertRowid) - SERVED_IDS_KEPT);
      this.recordMatches([m]);
      return true;
    });
  }

  /** Games recorded in the league, self-play included. */
  gameCount(): number {
    return Number((this.stmt('SELECT coalesce(sum(wins + draws + losses), 0) AS n FROM pairs WHERE a <= b').get() as Row)['n']);
  }

  /** @deprecated The league keeps no match rows since schema 2: this is `gameCount()`. */
  matchCount(): number {
    return this.gameCount();
  }

  /** Bytes on disk: the database file plus its write-ahead log. */
  sizeBytes(): number {
    let n = 0;
    for (const file of [this.path, `${this.path}-wal`]) n += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    return n;
  }

  /** Bradley–Terry rating (ratings.ts) and rated games of one member. */
  rating(id: AgentId): RatingRow {
    const r = this.ratings().find((x) => x.id === id);
    if (!r) throw new UnknownNameError('league member', id, this.memberIds());
    return r;
  }

  /**
   * Every member's Bradley–Terry rating on the scale of ratings.ts (the random bot, else the first
   * member, at 0), best first. Refitted from the pair counts when any connection has written since
   * the last fit; cached otherwise, so recording games never pays for a fit.
   */
  ratings(): RatingRow[] {
    const key = `${this.commits}:${this.dataVersion()}`;
    if (this.fitted?.key === key) return [...this.fitted.rows];
    const members = this.listMembers();
    const pairs = (this.stmt(`SELECT ${PAIR_COLS} FROM pairs WHERE a < b`).all() as Row[]).map((r) => ({
      a: r['a'] as string,
      b: r['b'] as string,
      wins: Number(r['wins']),
      draws: Number(r['draws']),
      losses: Number(r['losses']),
      decayedGames: Number(r['decayed_games']),
      decayedScore: Number(r['decayed_score']),
    }));
    const rows = fitLeagueRatings(members, pairs);
    // inside a transaction the counts may still roll back: do not keep that fit
    if (this.depth === 0) this.fitted = { key, rows };
    return [...rows];
  }

  /**
   * Results of a against b. With `decay` < 1 the win rate uses AlphaStar's decayed counts (see
   * PayoffOptions). For a = b: the learner's self-play games, from the seat it recorded.
   */
  pair(a: AgentId, b: AgentId, opts: PayoffOptions = {}): PairStats {
    const decay = this.checkedDecay(opts);
    const r = this.stmt(`SELECT ${PAIR_COLS} FROM pairs WHERE a = ? AND b = ?`).get(a, b) as Row | undefined;
    return pairStats(a, b, r, decay);
  }

  /**
   * a's win rate against each of `opponents` (0.5 for pairs that have not played, and for a itself), as
   * `pair` gives it, from one read of a's rows for a pool (PFSP asks for the whole pool every update).
   */
  winRates(a: AgentId, opponents: readonly AgentId[], opts: PayoffOptions = {}): number[] {
    const decay = this.checkedDecay(opts);
    if (opponents.length === 1) return [opponents[0] === a ? UNPLAYED_WIN_RATE : this.pair(a, opponents[0]!, opts).winRate];
    const rows = new Map((this.stmt(`SELECT ${PAIR_COLS} FROM pairs WHERE a = ?`).all(a) as Row[]).map((r) => [r['b'] as string, r]));
    return opponents.map((b) => (b === a ? UNPLAYED_WIN_RATE : pairStats(a, b, rows.get(b), decay).winRate));
  }

  /** The payoff decay `opts` asks for: 1 (plain counts) or the one the league keeps. */
  private checkedDecay(opts: PayoffOptions): number {
    const decay = opts.decay ?? 1;
    checkDecay(decay);
    if (decay !== 1 && decay !== this.meta.payoffDecay) {
      throw new ConfigError(`${this.path} keeps plain payoff counts and counts decayed by ${this.meta.payoffDecay} (fixed at creation), not by ${decay}`);
    }
    return decay;
  }

  /** Every ordered pair of two different members that has played (plain counts), optionally only those with first member `a`. */
  payoffs(a?: AgentId): PairStats[] {
    const rows = (a === undefined
      ? this.stmt('SELECT a, b, wins, draws, losses FROM pairs WHERE a <> b ORDER BY a, b').all()
      : this.stmt('SELECT a, b, wins, draws, losses FROM pairs WHERE a = ?1 AND b <> ?1 ORDER BY b').all(a)) as Row[];
    return rows.map(toPair);
  }

  /** SQLite's `PRAGMA integrity_check` result ('ok' when sound). */
  integrityCheck(): string {
    return (this.stmt('PRAGMA integrity_check').all() as Row[]).map((r) => String(r['integrity_check'])).join('; ');
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stmts.clear();
    this.db.close();
  }
}
