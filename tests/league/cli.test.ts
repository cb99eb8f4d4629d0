import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { League } from '../../league/league.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('arena-league-cli-');
let tmp: string;
let leagueDir: string;

beforeAll(() => {
  tmp = tempDir();
  leagueDir = join(tmp, 'run');
  const league = League.open({ runDir: leagueDir, game: 'connect-four-v3', bots: ['random', 'alphabeta:1'] });
  league.addSnapshot('main', 10, new Uint8Array([1, 2, 3]));
  league.recordLearnerGames([
    { opponent: 'bot:random', score: 1 },
    { opponent: 'bot:random', score: 1 },
    { opponent: 'bot:random', score: 0.5 },
    { opponent: 'bot:alphabeta:1', score: 0 },
    { opponent: 'main@000010', score: 1 },
  ]);
  league.close();
});

describe('arena tournament', () => {
  it('round robin at connect-four: Bradley–Terry table in the expected order, saved as JSON, CSV, PNG and HTML', () => {
    const out = join(tmp, 'tour');
    const r = arena(['tournament', '--game', 'connect-four', '--agents', 'random,alphabeta:1,alphabeta:3', '--games', '4', '--json', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t).toMatchObject({ format: 'arena-tournament', game: 'connect-four-v3', gamesPerPair: 4, totalGames: 12, seed: 0 });
    expect(t.table.map((row: { agent: string }) => row.agent)).toEqual(['alphabeta:3', 'alphabeta:1', 'random']);
    for (const row of t.table) {
      expect(row.games).toBe(8);
      expect(Math.abs(row.meanReturn)).toBeLessThanOrEqual(1);
      expect(row.ciLow).toBeLessThan(row.rating);
      expect(row.ciHigh).toBeGreaterThan(row.rating);
    }
    expect(t.table.reduce((s: number, row: { rating: number }) => s + row.rating, 0)).toBeCloseTo(0, 6);
    expect(t.pairs).toHaveLength(3);
    expect(t.model).toMatchObject({ name: 'bradley-terry', anchor: 'mean', confidence: 0.95, converged: true });
    const saved = JSON.parse(readFileSync(join(out, 'tournament.json'), 'utf8'));
    expect(saved.table).toEqual(t.table);
    const csv = readFileSync(join(out, 'tournament.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('rank,agent,rating,ci_low,ci_high,ci_half_width,score,games,wins,draws,losses,mean_return,distinct');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(['alphabeta:3', 'alphabeta:1', 'random']);
    const png = readFileSync(join(out, 'tournament.png'));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const html = readFileSync(join(out, 'tournament.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('<td>alphabeta:3</td>');
  });

  it('prints a ranked table and plays league members given as <runDir>#<id>', () => {
    const out = join(tmp, 'tour2');
    const r = arena(['tournament', '--game', 'connect-four', '--agents', `${leagueDir}#bot:alphabeta:1,random`, '--games', '2', '--seed', '3', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rank\s+agent\s+rating ± 95% CI\s+score/);
    expect(r.stdout).toMatch(new RegExp(`1\\s+${leagueDir.replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&')}#bot:alphabeta:1\\s+\\+\\d+ ± \\d+\\s+100\\.0%`));
    expect(existsSync(join(out, 'tournament.csv'))).toBe(true);
  });

  it.each([
    [['--agents', 'random'], /two or more/],
    [['--agents', 'random,random'], /'random' is listed twice/],
    [['--agents', 'LEAGUE#main@000099,random'], /unknown league member 'main@000099'; known: main, bot:random, bot:alphabeta:1, main@000010/],
    [['--agents', 'LEAGUE#main@000010,random'], /is not a (version-1 )?policy snapshot/],
    [['--agents', 'LEAGUE#main,random'], /'main' has no stored weights; its snapshots: main@000010/],
    [['--agents', `NOWHERE#main,random`], /no league database here/],
  ])('fails with one clear line: %j', (args, pattern) => {
    const a = (args as string[]).map((s) => s.replace('LEAGUE', leagueDir).replace('NOWHERE', join(tmp, 'none')));
    const r = arena(['tournament', '--game', 'connect-four', '--games', '1', '--out', join(tmp, 'bad'), ...a]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a league of another game', () => {
    const r = arena(['tournament', '--game', 'tic-tac-toe', '--agents', `${leagueDir}#bot:random,random`, '--games', '1', '--out', join(tmp, 'bad2')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/plays connect-four-v3, not tic-tac-toe-v1/);
  });
});

describe('arena league status', () => {
  it('lists members with role, rating (random bot = 0), games, win rate vs main and update, best rated first (JSON)', () => {
    const r = arena(['league', 'status', leagueDir, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.games).toBe(5);
    expect(s.anchor).toBe('bot:random');
    expect(s.storeBytes).toBeGreaterThan(0);
    expect(s.league).toMatchObject({ game: 'connect-four-v3', schemaVersion: 2 });
    const ratings = s.members.map((m: { rating: number }) => m.rating);
    expect(ratings).toEqual([...ratings].sort((a: number, b: number) => b - a));
    const byId = Object.fromEntries(s.members.map((m: { id: string }) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual(['bot:alphabeta:1', 'bot:random', 'main', 'main@000010']);
    expect(byId['bot:random']).toMatchObject({ role: 'bot', rating: 0, games: 3, winRateVsMain: 0.5 / 3, gamesVsMain: 3, frozen: true });
    expect(byId['bot:alphabeta:1']).toMatchObject({ winRateVsMain: 1, games: 1 });
    expect(byId['main@000010']).toMatchObject({ role: 'snapshot', parent: 'main', update: 10, winRateVsMain: 0 });
    expect(byId['main']).toMatchObject({ role: 'main', games: 5, winRateVsMain: null, update: 10, frozen: false });
  });

  it('prints a table; a folder without a league is one clear line', () => {
    const r = arena(['league', 'status', leagueDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 games, [\d.]+ MB \(Bradley–Terry Elo, bot:random = 0;/);
    expect(r.stdout).toMatch(/member\s+role\s+elo\s+games\s+vs main\s+update\s+steps\s+frozen/);
    expect(r.stdout).toMatch(/bot:random\s+bot\s+\d+\s+3\s+16\.7% \(3\)\s+0\s+yes/);
    const bad = arena(['league', 'status', join(tmp, 'none')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no league database here/);
  });
});
