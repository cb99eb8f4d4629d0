/**
 * The league's memory: members (learners, frozen snapshots, bots), every finished match, online Elo
 * ratings and the payoff table, in one embedded SQLite database `<runDir>/league.db` (Node's
 * built-in `node:sqlite`).
 *
 * Crash safety: WAL journal with `synchronous = FULL`, so a commit is on disk (fsynced WAL) before
 * the call returns, and every write — a member, a batch of matches together with the rating and
 * payoff updates they cause — is one transaction. After `kill -9` (or a power cut) at any moment
 * the database opens with every committed match and snapshot present and nothing half-written:
 * SQLite rolls an unfinished transaction back on the next open. One process should write (the
 * trainer); others may read at the same time (`arena league status`, tournaments).
 *
 * Schema (version in `PRAGMA user_version`, facts about the league in `meta`):
 *   members  one row per agent: id (AgentId, e.g. `main@000120`), role, parent, update, weights
 *            version (unique, for caches keyed by version), created time, frozen flag, and either
 *            an opaque snapshot blob (policy bytes, see src/selfplay/snapshot.ts) or a bot spec
 *            (`alphabeta:3`) for bot members;
 *   matches  one row per finished game: a, b, a's score (1, 0.5, 0), game seed, the side a played,
 *            game id, the learner's update number, time;
 *   ratings  current online Elo and games played per member (ratings.ts);
 *   payoff   per ordered pair: wins/draws/losses, plus counts decayed as in AlphaStar (× decay per
 *            new result of the pair). Derived from `matches` and updated in the same transaction,
 *            so win rates need no scan of the match history.
 * A match of a member against itself (plain self-play) is stored but changes neither ratings nor
 * payoff: it carries no information about relative strength.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ArenaError, ConfigError, UnknownNameError } from '../core/errors.ts';
import { checkK, DEFAULT_K, DEFAULT_RATING, eloUpdate, isScore, type Score } from './ratings.ts';
import { UNPLAYED_WIN_RATE } from './pfsp.ts';

export const LEAGUE_DB = 'league.db';
export const LEAGUE_FORMAT = 'arena-league';
export const SCHEMA_VERSION = 1;
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
  /** Initial Elo (default: the league's initial rating). */
  readonly rating?: number;
  readonly createdAt?: number;
}

export interface NewMatch {
  readonly a: AgentId;
  readonly b: AgentId;
  /** a's score: 1 win, 0.5 draw, 0 loss. */
  readonly score: Score;
  /** Seed of the game (to replay it). */
  readonly seed?: number | null;
  /** The side (team index 0 or 1) a played. */
  readonly side?: 0 | 1 | null;
  /** Game id; default the league's game. */
  readonly game?: string;
  /** The learner's update number when the game was played. */
  readonly update?: number | null;
  readonly playedAt?: number;
}

export interface MatchRecord {
  readonly id: number;
  readonly a: AgentId;
  readonly b: AgentId;
  readonly score: Score;
  readonly seed: number | null;
  readonly side: 0 | 1 | null;
  readonly game: string;
  readonly update: number | null;
  readonly playedAt: number;
}

export interface RatingRow {
  readonly id: AgentId;
  readonly rating: number;
  /** Games that moved the rating (self-play excluded). */
  readonly games: number;
}

/** Results of a against b, from a's point of view. */
export interface PairStats {
  readonly a: AgentId;
  readonly b: AgentId;
  readonly games: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /** (wins + draws/2) / games, or 0.5 when the pair has not played (AlphaStar's convention). */
  readonly winRate: number;
}

export interface PayoffOptions {
  /**
   * Weight recent results more: each new result of a pair multiplies the pair's earlier counts by
   * `decay` (AlphaStar: 0.99). Default 1 (plain counts). The league's own decay (`info().payoffDecay`)
   * is read from the payoff table; any other value is computed exactly from the match history.
   */
  readonly decay?: number;
}

export interface LeagueInfo {
  readonly path: string;
  readonly format: typeof LEAGUE_FORMAT;
  readonly schemaVersion: number;
  readonly game: string;
  /** Elo K factor of the online ratings. */
  readonly k: number;
  readonly initialRating: number;
  /** Decay kept in the payoff table. */
  readonly payoffDecay: number;
  readonly createdAt: number;
}

export interface OpenOptions {
  /** Game id: required to create a league; checked against the stored one otherwise. */
  readonly game?: string;
  /** Elo K (fixed when the league is created; default 16). */
  readonly k?: number;
  /** Initial Elo of new members (fixed at creation; default 1200). */
  readonly initialRating?: number;
  /** Payoff decay kept incrementally (fixed at creation; default 0.99). */
  readonly payoffDecay?: number;
  /** Create the database when missing (default true). */
  readonly create?: boolean;
}

const SCHEMA_V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

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

CREATE TABLE ratings (
  member     TEXT PRIMARY KEY REFERENCES members(id),
  rating     REAL NOT NULL,
  games      INTEGER NOT NULL CHECK (games >= 0),
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE matches (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  a         TEXT NOT NULL REFERENCES members(id),
  b         TEXT NOT NULL REFERENCES members(id),
  score     REAL NOT NULL CHECK (score IN (0, 0.5, 1)),
  seed      INTEGER,
  side      INTEGER CHECK (side IN (0, 1)),
  game      TEXT NOT NULL,
  update_no INTEGER,
  played_at INTEGER NOT NULL
);
CREATE INDEX matches_a ON matches(a, id);
CREATE INDEX matches_b ON matches(b, id);

CREATE TABLE payoff (
  a             TEXT NOT NULL REFERENCES members(id),
  b             TEXT NOT NULL REFERENCES members(id),
  wins          INTEGER NOT NULL,
  draws         INTEGER NOT NULL,
  losses        INTEGER NOT NULL,
  decayed_games REAL NOT NULL,
  decayed_score REAL NOT NULL,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
`;

type Row = Record<string, unknown>;

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

function toMatch(r: Row): MatchRecord {
  return {
    id: Number(r['id']),
    a: r['a'] as string,
    b: r['b'] as string,
    score: r['score'] as Score,
    seed: r['seed'] === null ? null : Number(r['seed']),
    side: r['side'] === null ? null : (Number(r['side']) as 0 | 1),
    game: r['game'] as string,
    update: r['update_no'] === null ? null : Number(r['update_no']),
    playedAt: Number(r['played_at']),
  };
}

const MEMBER_COLS = 'id, role, parent, update_no, version, created_at, frozen, bot_spec, coalesce(length(snapshot), 0) AS bytes';

function checkDecay(d: number): void {
  if (!(d > 0 && d <= 1)) throw new ConfigError(`payoff decay must be in (0, 1], got ${d}`);
}

export class LeagueStore {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly meta: LeagueInfo;
  private readonly stmts = new Map<string, StatementSync>();
  private depth = 0;
  private closed = false;

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
   * Opens (creating when missing, unless `create: false`) the league of a run folder. Creating
   * needs `game`. Throws `ArenaError` NO_LEAGUE / BAD_LEAGUE and `ConfigError` for a mismatch.
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
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA foreign_keys = ON');
      const meta = LeagueStore.migrate(db, path, opts);
      return new LeagueStore(path, db, meta);
    } catch (err) {
      db.close();
      if (err instanceof ArenaError) throw err;
      throw new ArenaError('BAD_LEAGUE', `${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Creates the schema in one transaction (so a crash mid-creation leaves an empty file), or checks it. */
  private static migrate(db: DatabaseSync, path: string, opts: OpenOptions): LeagueInfo {
    db.exec('BEGIN IMMEDIATE');
    try {
      const version = Number((db.prepare('PRAGMA user_version').get() as Row)['user_version']);
      if (version === 0) {
        if (opts.game === undefined) throw new ConfigError(`${path} has no league yet; creating one needs the game id`);
        const k = opts.k ?? DEFAULT_K;
        checkK(k);
        const initialRating = opts.initialRating ?? DEFAULT_RATING;
        if (!Number.isFinite(initialRating)) throw new ConfigError(`initial rating must be finite, got ${initialRating}`);
        const decay = opts.payoffDecay ?? DEFAULT_PAYOFF_DECAY;
        checkDecay(decay);
        db.exec(SCHEMA_V1);
        const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        const entries: [string, string][] = [
          ['format', LEAGUE_FORMAT],
          ['game', opts.game],
          ['elo_k', String(k)],
          ['initial_rating', String(initialRating)],
          ['payoff_decay', String(decay)],
          ['created_at', String(Date.now())],
        ];
        for (const [key, value] of entries) put.run(key, value);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      } else if (version > SCHEMA_VERSION) {
        throw new ArenaError('BAD_LEAGUE', `${path}: schema version ${version} is newer than this Arena understands (${SCHEMA_VERSION})`);
      }
      // (future migrations: `if (version === 1) { …; PRAGMA user_version = 2 }`)
      const rows = db.prepare('SELECT key, value FROM meta').all() as Row[];
      const m = new Map(rows.map((r) => [r['key'] as string, r['value'] as string]));
      if (m.get('format') !== LEAGUE_FORMAT) throw new ArenaError('BAD_LEAGUE', `${path}: not an Arena league database`);
      const info: LeagueInfo = {
        path,
        format: LEAGUE_FORMAT,
        schemaVersion: SCHEMA_VERSION,
        game: m.get('game') ?? '',
        k: Number(m.get('elo_k')),
        initialRating: Number(m.get('initial_rating')),
        payoffDecay: Number(m.get('payoff_decay')),
        createdAt: Number(m.get('created_at')),
      };
      const mismatch = (what: string, given: unknown, stored: unknown) =>
        new ConfigError(`${path} was created with ${what} ${String(stored)}, not ${String(given)}`);
      if (opts.game !== undefined && opts.game !== info.game) throw mismatch('game', opts.game, info.game);
      if (opts.k !== undefined && opts.k !== info.k) throw mismatch('Elo K', opts.k, info.k);
      if (opts.initialRating !== undefined && opts.initialRating !== info.initialRating) throw mismatch('initial rating', opts.initialRating, info.initialRating);
      if (opts.payoffDecay !== undefined && opts.payoffDecay !== info.payoffDecay) throw mismatch('payoff decay', opts.payoffDecay, info.payoffDecay);
      db.exec('COMMIT');
      return info;
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
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  // ---- members ----

  /** Adds a member (and its rating row). Throws `ArenaError` DUPLICATE_MEMBER when the id exists. */
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
    const rating = m.rating ?? this.meta.initialRating;
    if (!Number.isFinite(rating)) throw new ConfigError(`member '${m.id}': rating must be finite`);
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
      this.stmt('INSERT INTO ratings (member, rating, games, updated_at) VALUES (?, ?, 0, ?)').run(m.id, rating, createdAt);
      return this.getMember(m.id)!;
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
      return this.getMember(id)!;
    });
  }

  getMember(id: AgentId): Member | undefined {
    const r = this.stmt(`SELECT ${MEMBER_COLS} FROM members WHERE id = ?`).get(id) as Row | undefined;
    return r ? toMember(r) : undefined;
  }

  hasMember(id: AgentId): boolean {
    return this.stmt('SELECT 1 FROM members WHERE id = ?').get(id) !== undefined;
  }

  /** The member, or `UnknownNameError` listing the known ids. */
  requireMember(id: AgentId): Member {
    const m = this.getMember(id);
    if (!m) throw new UnknownNameError('league member', id, this.memberIds());
    return m;
  }

  /** Members in creation order, optionally of some roles or with a given parent. */
  listMembers(filter: { role?: Role | readonly Role[]; parent?: AgentId } = {}): Member[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.role !== undefined) {
      const roles = typeof filter.role === 'string' ? [filter.role] : filter.role;
      if (roles.length === 0) return [];
      where.push(`role IN (${roles.map(() => '?').join(', ')})`);
      args.push(...roles);
    }
    if (filter.parent !== undefined) {
      where.push('parent = ?');
      args.push(filter.parent);
    }
    const sql = `SELECT ${MEMBER_COLS} FROM members${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return (this.stmt(sql).all(...args) as Row[]).map(toMember);
  }

  memberIds(): AgentId[] {
    return (this.stmt('SELECT id FROM members ORDER BY seq').all() as Row[]).map((r) => r['id'] as string);
  }

  /** The snapshot blob of a member (null when it has none). */
  getSnapshot(id: AgentId): Uint8Array | null {
    const r = this.stmt('SELECT snapshot FROM members WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new UnknownNameError('league member', id, this.memberIds());
    return (r['snapshot'] as Uint8Array | null) ?? null;
  }

  // ---- matches, ratings, payoff ----

  /** Records one finished match (one transaction); see `recordMatches`. */
  recordMatch(m: NewMatch): MatchRecord {
    return this.recordMatches([m])[0]!;
  }

  /**
   * Records finished matches in order, in ONE transaction with the Elo and payoff updates they
   * cause: after a crash either the whole batch is there or none of it. Returns the stored rows.
   */
  recordMatches(batch: readonly NewMatch[]): MatchRecord[] {
    for (const m of batch) {
      if (!isScore(m.score)) throw new ConfigError(`a match score must be 1, 0.5 or 0, got ${String(m.score)}`);
      if (m.side != null && m.side !== 0 && m.side !== 1) throw new ConfigError(`match side must be 0 or 1, got ${String(m.side)}`);
      if (m.seed != null && !Number.isSafeInteger(m.seed)) throw new ConfigError(`match seed must be an integer, got ${m.seed}`);
      if (m.update != null && (!Number.isSafeInteger(m.update) || m.update < 0)) throw new ConfigError(`match update must be an integer >= 0, got ${m.update}`);
    }
    if (batch.length === 0) return [];
    const k = this.meta.k;
    const d = this.meta.payoffDecay;
    return this.transaction(() => {
      const out: MatchRecord[] = [];
      const now = Date.now();
      for (const m of batch) {
        this.requireMember(m.a);
        if (m.b !== m.a) this.requireMember(m.b);
        const playedAt = m.playedAt ?? now;
        const game = m.game ?? this.meta.game;
        const r = this.stmt(
          'INSERT INTO matches (a, b, score, seed, side, game, update_no, played_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *',
        ).get(m.a, m.b, m.score, m.seed ?? null, m.side ?? null, game, m.update ?? null, playedAt) as Row;
        out.push(toMatch(r));
        if (m.a === m.b) continue;
        const ra = this.rating(m.a).rating;
        const rb = this.rating(m.b).rating;
        const [na, nb] = eloUpdate(ra, rb, m.score, k);
        const setRating = this.stmt('UPDATE ratings SET rating = ?, games = games + 1, updated_at = ? WHERE member = ?');
        setRating.run(na, playedAt, m.a);
        setRating.run(nb, playedAt, m.b);
        this.bumpPayoff(m.a, m.b, m.score, d);
        this.bumpPayoff(m.b, m.a, (1 - m.score) as Score, d);
      }
      return out;
    });
  }

  private bumpPayoff(a: AgentId, b: AgentId, s: Score, d: number): void {
    this.stmt(
      `INSERT INTO payoff (a, b, wins, draws, losses, decayed_games, decayed_score) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
       ON CONFLICT (a, b) DO UPDATE SET wins = wins + ?3, draws = draws + ?4, losses = losses + ?5,
         decayed_games = decayed_games * ?7 + 1, decayed_score = decayed_score * ?7 + ?6`,
    ).run(a, b, s === 1 ? 1 : 0, s === 0.5 ? 1 : 0, s === 0 ? 1 : 0, s, d);
  }

  /** Matches in the order played, optionally those involving `member`, after id `afterId`, at most `limit`. */
  matches(filter: { member?: AgentId; afterId?: number; limit?: number } = {}): MatchRecord[] {
    const after = filter.afterId ?? 0;
    const limit = filter.limit ?? -1;
    const rows =
      filter.member === undefined
        ? this.stmt('SELECT * FROM matches WHERE id > ? ORDER BY id LIMIT ?').all(after, limit)
        : this.stmt('SELECT * FROM matches WHERE id > ?1 AND (a = ?2 OR b = ?2) ORDER BY id LIMIT ?3').all(after, filter.member, limit);
    return (rows as Row[]).map(toMatch);
  }

  matchCount(): number {
    return Number((this.stmt('SELECT count(*) AS n FROM matches').get() as Row)['n']);
  }

  /** Current online Elo and rated games of one member. */
  rating(id: AgentId): RatingRow {
    const r = this.stmt('SELECT rating, games FROM ratings WHERE member = ?').get(id) as Row | undefined;
    if (!r) throw new UnknownNameError('league member', id, this.memberIds());
    return { id, rating: Number(r['rating']), games: Number(r['games']) };
  }

  /** Every member's online Elo, best first. */
  ratings(): RatingRow[] {
    return (this.stmt('SELECT member, rating, games FROM ratings ORDER BY rating DESC, member').all() as Row[]).map((r) => ({
      id: r['member'] as string,
      rating: Number(r['rating']),
      games: Number(r['games']),
    }));
  }

  /** Results of a against b. With `decay` < 1 the counts are AlphaStar's decayed ones (see PayoffOptions). */
  pair(a: AgentId, b: AgentId, opts: PayoffOptions = {}): PairStats {
    const decay = opts.decay ?? 1;
    checkDecay(decay);
    const r = this.stmt('SELECT wins, draws, losses, decayed_games, decayed_score FROM payoff WHERE a = ? AND b = ?').get(a, b) as Row | undefined;
    const wins = Number(r?.['wins'] ?? 0);
    const draws = Number(r?.['draws'] ?? 0);
    const losses = Number(r?.['losses'] ?? 0);
    const games = wins + draws + losses;
    let winRate = games > 0 ? (wins + draws / 2) / games : UNPLAYED_WIN_RATE;
    if (decay !== 1 && games > 0) {
      if (decay === this.meta.payoffDecay) {
        winRate = Number(r!['decayed_score']) / Number(r!['decayed_games']);
      } else {
        let g = 0;
        let s = 0;
        const rows = this.stmt('SELECT a, score FROM matches WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1) ORDER BY id').all(a, b) as Row[];
        for (const m of rows) {
          const score = m['a'] === a ? Number(m['score']) : 1 - Number(m['score']);
          g = g * decay + 1;
          s = s * decay + score;
        }
        winRate = s / g;
      }
    }
    return { a, b, games, wins, draws, losses, winRate };
  }

  /** a's win rate against each of `opponents` (0.5 for pairs that have not played, and for a itself). */
  winRates(a: AgentId, opponents: readonly AgentId[], opts: PayoffOptions = {}): number[] {
    return opponents.map((b) => (b === a ? UNPLAYED_WIN_RATE : this.pair(a, b, opts).winRate));
  }

  /** Every ordered pair that has played (plain counts), optionally only those with first member `a`. */
  payoffs(a?: AgentId): PairStats[] {
    const rows = (a === undefined
      ? this.stmt('SELECT a, b, wins, draws, losses FROM payoff ORDER BY a, b').all()
      : this.stmt('SELECT a, b, wins, draws, losses FROM payoff WHERE a = ? ORDER BY b').all(a)) as Row[];
    return rows.map((r) => {
      const wins = Number(r['wins']);
      const draws = Number(r['draws']);
      const losses = Number(r['losses']);
      const games = wins + draws + losses;
      return { a: r['a'] as string, b: r['b'] as string, games, wins, draws, losses, winRate: games > 0 ? (wins + draws / 2) / games : UNPLAYED_WIN_RATE };
    });
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
