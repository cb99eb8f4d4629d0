import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitLeagueRatings, type RatedPair } from '../../league/ratings.ts';
import { LeagueStore, SCHEMA_VERSION, type NewMatch } from '../../league/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-store-');
const junkTmp = tempDirs('arena-junk-');
let dir: string;
let store: LeagueStore;

beforeEach(() => {
  dir = tmp();
  store = LeagueStore.open(dir, { game: 'connect-four-v1' });
});
afterEach(() => {
  store.close();
});

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

describe('LeagueStore (league.db)', () => {
  it('creates a versioned WAL database with synchronous=NORMAL (commits survive kill -9 without an fsync each)', () => {
    expect(store.info()).toMatchObject({ format: 'arena-league', schemaVersion: 2, game: 'connect-four-v1', payoffDecay: 0.99 });
    expect(SCHEMA_VERSION).toBe(2);
    const db = new DatabaseSync(join(dir, 'league.db'));
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
    expect((store as unknown as { db: DatabaseSync }).db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 }); // NORMAL
    expect(store.integrityCheck()).toBe('ok');
  });

  it('round-trips members, snapshots, bots and pair counts through close and reopen', () => {
    const blob = bytes(100_000, 3);
    store.addMember({ id: 'main', role: 'main' });
    store.addMember({ id: 'main@000120', role: 'snapshot', parent: 'main', update: 120, version: 121, snapshot: blob, createdAt: 1_700_000_000_000 });
    store.addMember({ id: 'bot:alphabeta:3', role: 'bot', botSpec: 'alphabeta:3' });
    store.recordMatches([
      { a: 'main', b: 'main@000120', score: 1, seed: 9, side: 0, update: 121 },
      { a: 'main', b: 'bot:alphabeta:3', score: 0.5, seed: 10, side: 1 },
    ]);
    store.close();
    store = LeagueStore.open(dir);
    expect(store.listMembers().map((m) => m.id)).toEqual(['main', 'main@000120', 'bot:alphabeta:3']);
    expect(store.getMember('main@000120')).toEqual({
      id: 'main@000120',
      role: 'snapshot',
      parent: 'main',
      update: 120,
      version: 121,
      createdAt: 1_700_000_000_000,
      frozen: true,
      botSpec: null,
      snapshotBytes: 100_000,
    });
    expect(store.getSnapshot('main@000120')).toEqual(blob);
    expect(store.getSnapshot('main')).toBeNull();
    expect(store.getMember('bot:alphabeta:3')).toMatchObject({ role: 'bot', botSpec: 'alphabeta:3', frozen: true, snapshotBytes: 0 });
    expect(store.getMember('main')).toMatchObject({ role: 'main', frozen: false, parent: null });
    expect(store.listMembers({ role: 'snapshot' }).map((m) => m.id)).toEqual(['main@000120']);
    expect(store.listMembers({ role: ['bot', 'main'] }).map((m) => m.id)).toEqual(['main', 'bot:alphabeta:3']);
    expect(store.listMembers({ parent: 'main' }).map((m) => m.id)).toEqual(['main@000120']);
    expect(store.pair('main', 'main@000120')).toEqual({ a: 'main', b: 'main@000120', games: 1, wins: 1, draws: 0, losses: 0, winRate: 1 });
    expect(store.pair('bot:alphabeta:3', 'main')).toMatchObject({ games: 1, draws: 1, winRate: 0.5 });
    expect(store.payoffs('main').map((p) => p.b)).toEqual(['bot:alphabeta:3', 'main@000120']);
    expect(store.gameCount()).toBe(2);
    expect(store.matchCount()).toBe(2);
    store.updateMember('main', { update: 130, snapshot: bytes(10, 1) });
    expect(store.getMember('main')).toMatchObject({ update: 130, snapshotBytes: 10 });
  });

  it('ratings are a Bradley–Terry refit of the pair counts, cached until any connection writes', () => {
    store.addMember({ id: 'a', role: 'main' });
    store.addMember({ id: 'b', role: 'snapshot', parent: 'a' });
    store.addMember({ id: 'c', role: 'snapshot', parent: 'a' });
    const seq = [
      ['a', 'b', 1],
      ['a', 'c', 0.5],
      ['b', 'c', 0],
      ['a', 'b', 0],
      ['c', 'a', 1],
    ] as const;
    store.recordMatches(seq.map(([a, b, score]) => ({ a, b, score })));
    store.recordMatch({ a: 'a', b: 'a', score: 1 });
    const raw = new DatabaseSync(join(dir, 'league.db'), { readOnly: true });
    const pairs = raw.prepare('SELECT a, b, wins, draws, losses, decayed_games AS decayedGames, decayed_score AS decayedScore FROM pairs WHERE a < b').all();
    raw.close();
    expect(pairs).toHaveLength(3);
    expect(store.ratings()).toEqual(fitLeagueRatings(store.listMembers(), pairs as unknown as RatedPair[]));
    expect(store.rating('a')).toMatchObject({ rating: 0, games: 4 }); // no random bot: the first member is the anchor
    expect(store.gameCount()).toBe(6); // self-play counts as a game, not as a rated one
    expect(() => store.rating('zz')).toThrow(/unknown league member 'zz'/);
    // a write by another connection (a server rating a game) shows up on the next read
    const before = store.rating('c').rating;
    const other = LeagueStore.open(dir);
    other.recordMatches(Array.from({ length: 20 }, () => ({ a: 'c', b: 'b', score: 1 as const })));
    other.close();
    expect(store.rating('c').rating).toBeGreaterThan(before);
    expect(store.rating('c').games).toBe(23);
  });

  it('10,000 games between 3 members: at most 9 pair rows and a database that does not grow', () => {
    store.addMember({ id: 'main', role: 'main' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    store.addMember({ id: 'main@000010', role: 'snapshot', parent: 'main', snapshot: bytes(1000, 1) });
    const ids = ['main', 'bot:random', 'main@000010'];
    const play = (batches: number, offset: number) => {
      for (let k = 0; k < batches; k++) {
        const batch: NewMatch[] = [];
        for (let i = 0; i < 100; i++) {
          const n = offset + k * 100 + i;
          batch.push({ a: ids[n % 3]!, b: ids[Math.floor(n / 3) % 3]!, score: ([1, 0.5, 0] as const)[(n * 7) % 3]! });
        }
        store.recordMatches(batch);
      }
    };
    const rows = () => {
      const db = new DatabaseSync(join(dir, 'league.db'), { readOnly: true });
      const n = Number((db.prepare('SELECT count(*) AS n FROM pairs').get() as { n: number }).n);
      db.close();
      return n;
    };
    play(10, 0);
    expect(store.gameCount()).toBe(1000);
    expect(store.sizeBytes()).toBeGreaterThan(statSync(join(dir, 'league.db')).size); // the WAL counts too
    store.close(); // checkpoints the WAL into the file
    const small = statSync(join(dir, 'league.db')).size;
    store = LeagueStore.open(dir);
    play(90, 1000);
    expect(store.gameCount()).toBe(10_000);
    expect(rows()).toBe(9); // 6 ordered pairs of different members + 3 self-play rows
    // every game is in both orders of its pair, or once in a self-play row
    const selfPlay = ids.reduce((s, id) => s + store.pair(id, id).games, 0);
    expect(store.payoffs().reduce((s, p) => s + p.games, 0) / 2 + selfPlay).toBe(10_000);
    store.close();
    expect(statSync(join(dir, 'league.db')).size).toBe(small);
    store = LeagueStore.open(dir);
  });

  it('75% against the random bot is ≈ +190.8 Elo; the random bot stays at 0 whoever joined first', () => {
    store.addMember({ id: 'main', role: 'main' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    store.addMember({ id: 'main@000010', role: 'snapshot', parent: 'main' });
    for (let k = 0; k < 10; k++) store.recordMatches(Array.from({ length: 400 }, (_, i) => ({ a: 'main@000010', b: 'bot:random', score: i % 4 === 3 ? 0 : 1 }) as NewMatch));
    expect(store.rating('bot:random')).toEqual({ id: 'bot:random', rating: 0, games: 4000 });
    expect(Math.abs(store.rating('main@000010').rating - 400 * Math.log10(3))).toBeLessThan(1);
    expect(store.pair('main@000010', 'bot:random')).toMatchObject({ games: 4000, wins: 3000, losses: 1000, winRate: 0.75 });
  });

  it('payoff: (wins + draws/2) / games per pair, 0.5 unplayed, AlphaStar decay', () => {
    store.addMember({ id: 'a', role: 'main' });
    store.addMember({ id: 'b', role: 'bot', botSpec: 'random' });
    expect(store.pair('a', 'b').winRate).toBe(0.5);
    store.recordMatches([
      { a: 'a', b: 'b', score: 1 },
      { a: 'b', b: 'a', score: 1 },
      { a: 'a', b: 'b', score: 0.5 },
      { a: 'a', b: 'b', score: 1 },
    ]);
    expect(store.pair('a', 'b')).toEqual({ a: 'a', b: 'b', games: 4, wins: 2, draws: 1, losses: 1, winRate: 2.5 / 4 });
    expect(store.pair('b', 'a')).toMatchObject({ games: 4, wins: 1, draws: 1, losses: 2, winRate: 1.5 / 4 });
    expect(store.winRates('a', ['b', 'a'])).toEqual([0.625, 0.5]);
    expect(store.winRates('a', ['b'], { decay: 1 })).toEqual([0.625]);
    // decay d: each new result multiplies the pair's earlier counts by d (scores 1, 0, 0.5, 1 for a)
    const decayed = (d: number, xs: readonly number[]) => {
      let g = 0;
      let s = 0;
      for (const x of xs) {
        g = g * d + 1;
        s = s * d + x;
      }
      return s / g;
    };
    expect(store.pair('a', 'b', { decay: 0.99 }).winRate).toBeCloseTo(decayed(0.99, [1, 0, 0.5, 1]), 12); // the table's decay
    expect(store.pair('b', 'a', { decay: 0.99 }).winRate).toBeCloseTo(1 - decayed(0.99, [1, 0, 0.5, 1]), 12);
    expect(() => store.pair('a', 'b', { decay: 0.5 })).toThrow(/decayed by 0.99 \(fixed at creation\), not by 0.5/);
    expect(() => store.pair('a', 'b', { decay: 0 })).toThrow(/decay/);
    // one game per batch or all in one batch: the same counts (the batch is folded in order)
    const more = [0, 0.5, 1, 0, 0, 1, 0.5] as const;
    store.recordMatches(more.slice(0, 3).map((score) => ({ a: 'a', b: 'b', score })));
    for (const score of more.slice(3)) store.recordMatch({ a: 'b', b: 'a', score: (1 - score) as 0 | 0.5 | 1 });
    expect(store.pair('a', 'b', { decay: 0.99 }).winRate).toBeCloseTo(decayed(0.99, [1, 0, 0.5, 1, ...more]), 12);
    expect(store.pair('a', 'b')).toMatchObject({ games: 11, wins: 4, draws: 3, losses: 4, winRate: 5.5 / 11 });
    // self-play: counted as games of the pair (a, a), never a win rate or a payoff entry
    store.recordMatches([
      { a: 'a', b: 'a', score: 1 },
      { a: 'a', b: 'a', score: 0.5 },
    ]);
    expect(store.pair('a', 'a')).toMatchObject({ games: 2, wins: 1, draws: 1 });
    expect(store.winRates('a', ['a'])).toEqual([0.5]);
    expect(store.payoffs('a')).toHaveLength(1);
    expect(store.payoffs()).toHaveLength(2);
    expect(store.gameCount()).toBe(13);
  });

  it('member reads come from a cache that follows this connection, other connections and rollbacks', () => {
    store.addMember({ id: 'main', role: 'main' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    expect(store.memberIds()).toEqual(['main', 'bot:random']);
    // this connection's writes: a new member comes last, a changed one in place
    store.addMember({ id: 'main@000010', role: 'snapshot', parent: 'main', update: 10, version: 7, snapshot: bytes(64, 1) });
    store.updateMember('main', { update: 12 });
    expect(store.listMembers().map((m) => [m.id, m.update])).toEqual([
      ['main', 12],
      ['bot:random', 0],
      ['main@000010', 10],
    ]);
    expect(store.getMember('main@000010')).toMatchObject({ version: 7, snapshotBytes: 64, frozen: true });
    expect(store.listMembers({ role: ['snapshot', 'bot'] }).map((m) => m.id)).toEqual(['bot:random', 'main@000010']);
    expect(store.listMembers({ role: 'snapshot', parent: 'main' }).map((m) => m.id)).toEqual(['main@000010']);
    expect(store.listMembers({ role: [] })).toEqual([]);
    expect(store.memberCount()).toBe(3);
    // what a caller does to the returned list does not reach the cache
    store.listMembers().pop();
    expect(store.memberCount()).toBe(3);
    // nothing changed: the rows are not read again (the same objects come back), whatever the filter
    const first = store.getMember('bot:random');
    expect(store.listMembers()[1]).toBe(first);
    expect(store.listMembers({ role: 'bot' })[0]).toBe(first);
    // another connection (a second process on the same run folder) adds and changes members
    const other = LeagueStore.open(dir);
    other.addMember({ id: 'main@000020', role: 'snapshot', parent: 'main', update: 20, version: 8 });
    other.updateMember('main', { update: 25 });
    other.close();
    expect(store.getMember('bot:random')).not.toBe(first); // read again after another connection's commit
    expect(store.getMember('bot:random')).toEqual(first);
    expect(store.hasMember('main@000020')).toBe(true);
    expect(store.getMember('main')!.update).toBe(25);
    expect(store.memberIds()).toEqual(['main', 'bot:random', 'main@000010', 'main@000020']);
    // a change rolled back is not seen, nor is a member added in the same transaction
    expect(() =>
      store.transaction(() => {
        store.updateMember('main', { update: 99 });
        store.addMember({ id: 'main@000099', role: 'snapshot', parent: 'main' });
        expect(store.getMember('main')!.update).toBe(99); // inside, the transaction sees its own writes
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.getMember('main')!.update).toBe(25);
    expect(store.hasMember('main@000099')).toBe(false);
    expect(store.memberCount()).toBe(4);
  });

  it('winRates over a pool reads as pair() does for each opponent, plain and decayed', () => {
    store.addMember({ id: 'main', role: 'main' });
    const pool = Array.from({ length: 12 }, (_, i) => `main@${String(i).padStart(6, '0')}`);
    for (const id of pool) store.addMember({ id, role: 'snapshot', parent: 'main' });
    // unplayed pairs (every third), and results from both sides
    store.recordMatches(pool.flatMap((b, i) => (i % 3 === 2 ? [] : [{ a: 'main', b, score: 1 as const }, { a: b, b: 'main', score: ([0, 0.5, 1] as const)[i % 3]! }])));
    for (const decay of [1, 0.99]) {
      const ids = [...pool, 'main'];
      expect(store.winRates('main', ids, { decay })).toEqual(ids.map((b) => (b === 'main' ? 0.5 : store.pair('main', b, { decay }).winRate)));
    }
    expect(store.winRates('main', [pool[2]!, 'ghost'])).toEqual([0.5, 0.5]);
    expect(() => store.winRates('main', pool, { decay: 0.5 })).toThrow(/not by 0.5/);
  });

  it('a failing batch leaves nothing behind', () => {
    store.addMember({ id: 'a', role: 'main' });
    store.addMember({ id: 'b', role: 'bot', botSpec: 'random' });
    expect(() =>
      store.recordMatches([
        { a: 'a', b: 'b', score: 1 },
        { a: 'a', b: 'ghost', score: 1 },
      ]),
    ).toThrow(/unknown league member 'ghost'; known: a, b/);
    expect(store.gameCount()).toBe(0);
    expect(store.rating('a')).toEqual({ id: 'a', rating: 0, games: 0 });
    expect(store.payoffs()).toEqual([]);
    expect(() => store.recordMatch({ a: 'a', b: 'b', score: 0.7 as never })).toThrow(/1, 0.5 or 0/);
    expect(() =>
      store.transaction(() => {
        store.addMember({ id: 'c', role: 'snapshot', parent: 'a' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.hasMember('c')).toBe(false);
  });

  it('validates members and league settings with one-line errors', () => {
    store.addMember({ id: 'a', role: 'main' });
    expect(() => store.addMember({ id: 'a', role: 'main' })).toThrow(/already exists/);
    expect(() => store.addMember({ id: 'x y', role: 'main' })).toThrow(/bad member id/);
    expect(() => store.addMember({ id: 'r', role: 'coach' as never })).toThrow(/unknown role 'coach'/);
    expect(() => store.addMember({ id: 'r', role: 'bot' })).toThrow(/bot spec is required/);
    expect(() => store.addMember({ id: 's', role: 'snapshot', parent: 'nobody' })).toThrow(/unknown league member 'nobody'/);
    store.addMember({ id: 's1', role: 'snapshot', parent: 'a', version: 5 });
    expect(() => store.addMember({ id: 's2', role: 'snapshot', parent: 'a', version: 5 })).toThrow(/version 5 already belongs to league member 's1'/);
    expect(() => store.getSnapshot('zz')).toThrow(/unknown league member 'zz'/);
    store.close();
    expect(() => LeagueStore.open(dir, { game: 'kuhn-poker-v1' })).toThrow(/created with game connect-four-v1, not kuhn-poker-v1/);
    expect(() => LeagueStore.open(dir, { payoffDecay: 0.5 })).toThrow(/payoff decay 0.99, not 0.5/);
    expect(() => LeagueStore.open(join(dir, 'nope'), { create: false })).toThrow(/no league database here/);
    expect(() => LeagueStore.open(join(dir, 'new'))).toThrow(/needs the game id/);
    const junkDir = junkTmp();
    writeFileSync(join(junkDir, 'league.db'), 'not a database at all, just text'.repeat(100));
    expect(() => LeagueStore.open(junkDir)).toThrow(/league\.db/);
    store = LeagueStore.open(dir);
    expect(() => store.recordMatch({ a: 'a', b: 's1', score: 1, game: 'kuhn-poker-v1' })).toThrow(/a league of connect-four-v1, not of kuhn-poker-v1/);
  });

  it('refuses a database from a newer Arena', () => {
    store.close();
    const db = new DatabaseSync(join(dir, 'league.db'));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => LeagueStore.open(dir)).toThrow(/newer than this Arena understands/);
    const db2 = new DatabaseSync(join(dir, 'league.db'));
    db2.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db2.close();
    store = LeagueStore.open(dir);
  });
});

/** The schema-1 layout (one row per game, online Elo), as Arena wrote it before schema 2. */
const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE members (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, role TEXT NOT NULL, parent TEXT REFERENCES members(id),
  update_no INTEGER NOT NULL, version INTEGER UNIQUE, created_at INTEGER NOT NULL, frozen INTEGER NOT NULL,
  snapshot BLOB, bot_spec TEXT
);
CREATE INDEX members_role ON members(role, seq);
CREATE INDEX members_parent ON members(parent, seq);
CREATE TABLE ratings (member TEXT PRIMARY KEY REFERENCES members(id), rating REAL NOT NULL, games INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE matches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL REFERENCES members(id), b TEXT NOT NULL REFERENCES members(id),
  score REAL NOT NULL, seed INTEGER, side INTEGER, game TEXT NOT NULL, update_no INTEGER, played_at INTEGER NOT NULL
);
CREATE INDEX matches_a ON matches(a, id);
CREATE INDEX matches_b ON matches(b, id);
CREATE TABLE payoff (
  a TEXT NOT NULL, b TEXT NOT NULL, wins INTEGER NOT NULL, draws INTEGER NOT NULL, losses INTEGER NOT NULL,
  decayed_games REAL NOT NULL, decayed_score REAL NOT NULL, PRIMARY KEY (a, b)
) WITHOUT ROWID;
INSERT INTO meta VALUES ('format', 'arena-league'), ('game', 'leduc-poker-v1'), ('elo_k', '16'), ('initial_rating', '1200'),
  ('payoff_decay', '0.99'), ('created_at', '1700000000000');
INSERT INTO members (id, role, parent, update_no, version, created_at, frozen, snapshot, bot_spec) VALUES
  ('main', 'main', NULL, 20, NULL, 1, 0, NULL, NULL),
  ('bot:random', 'bot', NULL, 0, NULL, 2, 1, NULL, 'random'),
  ('main@000010', 'snapshot', 'main', 10, 11, 3, 1, x'01020304', NULL);
INSERT INTO ratings VALUES ('main', 1210, 3, 4), ('bot:random', 1190, 2, 4), ('main@000010', 1200, 1, 4);
PRAGMA user_version = 1;
`;

describe('LeagueStore: a schema-1 database (one row per game) migrates on open', () => {
  const v1Tmp = tempDirs('arena-store-v1-');
  it('replays the match history into pair counts, drops the old tables and keeps the members', () => {
    const old = v1Tmp();
    const db = new DatabaseSync(join(old, 'league.db'));
    db.exec(SCHEMA_V1);
    // a's scores, in the order played: main–random 1, 1, 0.5, 0, 1 (two of them stored as random–main), main–snapshot 0.5, self-play 1, 0
    const games: [string, string, number][] = [
      ['main', 'bot:random', 1],
      ['bot:random', 'main', 0],
      ['main', 'main@000010', 0.5],
      ['main', 'bot:random', 0.5],
      ['main', 'main', 1],
      ['bot:random', 'main', 1],
      ['main', 'main', 0],
      ['main', 'bot:random', 1],
    ];
    const put = db.prepare("INSERT INTO matches (a, b, score, seed, side, game, update_no, played_at) VALUES (?, ?, ?, 7, 0, 'leduc-poker-v1', 3, 5)");
    for (const [a, b, score] of games) put.run(a, b, score);
    db.close();

    const s = LeagueStore.open(old, { game: 'leduc-poker-v1' });
    try {
      expect(s.info()).toMatchObject({ schemaVersion: 2, game: 'leduc-poker-v1', payoffDecay: 0.99, createdAt: 1_700_000_000_000 });
      expect(s.listMembers().map((m) => m.id)).toEqual(['main', 'bot:random', 'main@000010']);
      expect(s.getSnapshot('main@000010')).toEqual(new Uint8Array([1, 2, 3, 4]));
      expect(s.gameCount()).toBe(8);
      expect(s.pair('main', 'bot:random')).toEqual({ a: 'main', b: 'bot:random', games: 5, wins: 3, draws: 1, losses: 1, winRate: 3.5 / 5 });
      expect(s.pair('main', 'main@000010')).toMatchObject({ games: 1, draws: 1 });
      expect(s.pair('main', 'main')).toMatchObject({ games: 2, wins: 1, losses: 1 });
      let g = 0;
      let sc = 0;
      for (const x of [1, 1, 0.5, 0, 1]) {
        g = g * 0.99 + 1;
        sc = sc * 0.99 + x;
      }
      expect(s.pair('main', 'bot:random', { decay: 0.99 }).winRate).toBeCloseTo(sc / g, 12);
      expect(s.rating('bot:random').rating).toBe(0); // refitted, not the stored online Elo
      expect(s.integrityCheck()).toBe('ok');
    } finally {
      s.close();
    }
    const raw = new DatabaseSync(join(old, 'league.db'), { readOnly: true });
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(['members', 'meta', 'pairs']);
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    expect(raw.prepare("SELECT count(*) AS n FROM meta WHERE key IN ('elo_k', 'initial_rating')").get()).toEqual({ n: 0 });
    raw.close();
  });

  it('a schema-1 file that cannot be migrated is refused with one line and left as it was', () => {
    const old = v1Tmp();
    const db = new DatabaseSync(join(old, 'league.db'));
    db.exec(SCHEMA_V1);
    db.exec('DROP TABLE matches');
    db.close();
    expect(() => LeagueStore.open(old)).toThrow(/league\.db: no such table: matches$/);
    const raw = new DatabaseSync(join(old, 'league.db'), { readOnly: true });
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
    raw.close();
  });
});
