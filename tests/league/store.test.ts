import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eloUpdate } from '../../league/ratings.ts';
import { LeagueStore, SCHEMA_VERSION } from '../../league/store.ts';

let dir: string;
let store: LeagueStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arena-store-'));
  store = LeagueStore.open(dir, { game: 'connect-four-v1' });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

describe('LeagueStore (league.db)', () => {
  it('creates a versioned WAL database with synchronous=FULL', () => {
    expect(store.info()).toMatchObject({ format: 'arena-league', schemaVersion: SCHEMA_VERSION, game: 'connect-four-v1', k: 16, initialRating: 1200, payoffDecay: 0.99 });
    const db = new DatabaseSync(join(dir, 'league.db'));
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
    expect((store as unknown as { db: DatabaseSync }).db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 }); // FULL
    expect(store.integrityCheck()).toBe('ok');
  });

  it('round-trips members, snapshots, bots and matches through close and reopen', () => {
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
    const ms = store.matches();
    expect(ms).toHaveLength(2);
    expect(ms[0]).toMatchObject({ id: 1, a: 'main', b: 'main@000120', score: 1, seed: 9, side: 0, game: 'connect-four-v1', update: 121 });
    expect(ms[1]).toMatchObject({ id: 2, score: 0.5, side: 1, update: null });
    expect(store.matches({ member: 'bot:alphabeta:3' }).map((m) => m.id)).toEqual([2]);
    expect(store.matches({ afterId: 1 }).map((m) => m.id)).toEqual([2]);
    expect(store.matchCount()).toBe(2);
    store.updateMember('main', { update: 130, snapshot: bytes(10, 1) });
    expect(store.getMember('main')).toMatchObject({ update: 130, snapshotBytes: 10 });
  });

  it('online Elo after every match equals the hand-applied updates; self-play is not rated', () => {
    for (const id of ['a', 'b', 'c']) store.addMember({ id, role: id === 'a' ? 'main' : 'snapshot', parent: id === 'a' ? null : 'a' });
    const seq = [
      ['a', 'b', 1],
      ['a', 'c', 0.5],
      ['b', 'c', 0],
      ['a', 'b', 0],
      ['c', 'a', 1],
    ] as const;
    store.recordMatches(seq.map(([a, b, score]) => ({ a, b, score })));
    store.recordMatch({ a: 'a', b: 'a', score: 1 });
    const r: Record<string, number> = { a: 1200, b: 1200, c: 1200 };
    for (const [a, b, s] of seq) [r[a], r[b]] = eloUpdate(r[a]!, r[b]!, s, 16);
    for (const row of store.ratings()) expect(row.rating).toBeCloseTo(r[row.id]!, 10);
    expect(store.ratings().map((x) => x.id)).toEqual(Object.keys(r).sort((x, y) => r[y]! - r[x]!));
    expect(store.rating('a').games).toBe(4);
    expect(store.matchCount()).toBe(6);
    expect(store.rating('a').rating + store.rating('b').rating + store.rating('c').rating).toBeCloseTo(3600, 9);
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
    // decay d: each new result multiplies the pair's earlier counts by d (scores 1, 0, 0.5, 1 for a)
    const decayed = (d: number) => {
      let g = 0;
      let s = 0;
      for (const x of [1, 0, 0.5, 1]) {
        g = g * d + 1;
        s = s * d + x;
      }
      return s / g;
    };
    expect(store.pair('a', 'b', { decay: 0.99 }).winRate).toBeCloseTo(decayed(0.99), 12); // the table's decay
    expect(store.pair('a', 'b', { decay: 0.5 }).winRate).toBeCloseTo(decayed(0.5), 12); // from the history
    expect(store.pair('b', 'a', { decay: 0.5 }).winRate).toBeCloseTo(1 - decayed(0.5), 12);
    expect(store.payoffs('a')).toHaveLength(1);
    expect(store.payoffs()).toHaveLength(2);
    expect(() => store.pair('a', 'b', { decay: 0 })).toThrow(/decay/);
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
    expect(store.matchCount()).toBe(0);
    expect(store.rating('a')).toEqual({ id: 'a', rating: 1200, games: 0 });
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
    expect(() => LeagueStore.open(dir, { k: 32 })).toThrow(/Elo K 16, not 32/);
    expect(() => LeagueStore.open(join(dir, 'nope'), { create: false })).toThrow(/no league database here/);
    expect(() => LeagueStore.open(join(dir, 'new'))).toThrow(/needs the game id/);
    const junkDir = mkdtempSync(join(tmpdir(), 'arena-junk-'));
    writeFileSync(join(junkDir, 'league.db'), 'not a database at all, just text'.repeat(100));
    expect(() => LeagueStore.open(junkDir)).toThrow(/league\.db/);
    rmSync(junkDir, { recursive: true, force: true });
    store = LeagueStore.open(dir);
    expect(() => store.recordMatch({ a: 'a', b: 's1', score: 1, side: 2 as never })).toThrow(/side must be 0 or 1/);
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
