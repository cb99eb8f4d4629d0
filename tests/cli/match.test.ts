import { describe, expect, it } from 'vitest';
import { arena } from './helpers.ts';

describe('arena CLI: games and match', () => {
  it('lists the ten games as JSON (connect-four-v1 and connect-four-v2, reached by their ids only, last)', () => {
    const r = arena(['games', '--json']);
    expect(r.code).toBe(0);
    const games = JSON.parse(r.stdout) as { id: string; seats: number; teams: number; actions: number }[];
    expect(games.map((g) => g.id)).toEqual([
      'tic-tac-toe-v1',
      'connect-four-v3',
      'kuhn-poker-v1',
      'leduc-poker-v1',
      'grid-soccer-v1',
      'cartpole-v1',
      'pendulum-v1',
      'duel-v3',
      'connect-four-v1',
      'connect-four-v2',
    ]);
    for (const g of games) {
      expect(g.seats).toBeGreaterThan(0);
      expect(g.teams).toBeGreaterThan(0);
      expect(g.actions).toBeGreaterThan(0);
    }
  });

  it('plays a continuous game: duel-scripted beats random at duel', () => {
    const r = arena(['match', '--game', 'duel', '--agents', 'duel-scripted,random', '--games', '6', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ game: 'duel-v3', games: 6, wins: [6, 0], distinct: 6 });
  });

  it('minimax vs minimax at tic-tac-toe is all draws', () => {
    const r = arena(['match', '--game', 'tic-tac-toe', '--agents', 'minimax,minimax', '--games', '20', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ game: 'tic-tac-toe-v1', games: 20, wins: [0, 0], draws: 20 });
  });

  it('is reproducible from its seed', () => {
    const args = ['match', '--game', 'kuhn-poker', '--agents', 'nash,random', '--games', '50', '--seed', '3', '--json'];
    const a = JSON.parse(arena(args).stdout);
    const b = JSON.parse(arena(args).stdout);
    expect(b).toEqual(a);
    expect(a.wins[0] + a.wins[1] + a.draws).toBe(50);
  });

  it('prints a human summary with a 95% interval', () => {
    const r = arena(['match', '--game', 'connect-four', '--agents', 'alphabeta:2,random', '--games', '6']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/alphabeta:2: \d+ wins, \d+ draws, \d+ losses/);
    expect(r.stdout).toMatch(/95% CI/);
  });

  it('with --openings balanced, every opening comes up as often as the others and the summary says so', () => {
    const r = arena(['match', '--game', 'tic-tac-toe', '--agents', 'minimax,random', '--games', '36', '--openings', 'balanced']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/36 games \(sides alternate, 1 opening ply, balanced over its 9 openings \(paired\), seed 0\)/);
    const j = JSON.parse(arena(['match', '--game', 'tic-tac-toe', '--agents', 'minimax,random', '--games', '36', '--openings', 'balanced', '--json']).stdout);
    expect(j).toMatchObject({ games: 36, openingPlies: 1, openings: 'balanced', openingCount: 9 });
  });

  it.each([
    [['match', '--game', 'connect-four', '--agents', 'random,random', '--openings', 'stratified'], /--openings <scheme>' argument 'stratified' is invalid. unknown opening scheme 'stratified': use random or balanced/],
    [['match', '--game', 'connect-four', '--agents', 'random,random', '--openings', 'balanced', '--opening-plies', '7'], /more than 20,000 of them; use fewer opening plies or random openings/],
    [['match', '--game', 'chess', '--agents', 'random,random'], /unknown game 'chess'; known: tic-tac-toe-v1/],
    [['match', '--game', 'connect-four', '--agents', 'random,wizard'], /unknown agent 'wizard'; known: random/],
    [['match', '--game', 'kuhn-poker', '--agents', 'minimax,random'], /cannot play kuhn-poker-v1/],
    [['match', '--game', 'connect-four', '--agents', 'alphabeta:x,random'], /alphabeta/],
    [['match', '--game', 'connect-four', '--agents', 'random'], /exactly two/],
    [['match', '--game', 'cartpole', '--agents', 'random,random'], /two sides/],
    [['match', '--game', 'connect-four', '--agents', 'random,random', '--games', '0'], /--games must be an integer/],
  ])('fails with one clear line: %j', (args, pattern) => {
    const r = arena(args as string[]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
