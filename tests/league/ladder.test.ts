import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getGame } from '../../games/index.ts';
import { DEFAULT_LADDER_DEPTHS, defaultLadderBots, parseDepths, runLadder } from '../../league/ladder.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-ladder-')();

describe('strength ladder', () => {
  it('rates an agent among reference bots at tic-tac-toe: minimax > minimax+random > random, the rated mixture below minimax', async () => {
    const game = getGame('tic-tac-toe');
    let played = 0;
    const r = await runLadder({ game, agents: ['minimax+random+random'], games: 40, seed: 1, onGame: () => played++ });
    expect(r.bots).toEqual(['random', 'minimax+random', 'minimax']);
    expect(r.rated).toEqual(['minimax+random+random']);
    expect(played).toBe(6 * 40);
    expect(r.openingPlies).toBe(1);
    expect(r.model.anchor).toBe('minimax+random');
    const rating = Object.fromEntries(r.table.map((row) => [row.agent, row.rating]));
    expect(rating['minimax+random']).toBe(0);
    expect(r.table[0]!.agent).toBe('minimax');
    expect(rating['minimax']!).toBeGreaterThan(rating['minimax+random']!);
    expect(rating['minimax+random']!).toBeGreaterThan(rating['random']!);
    expect(rating['minimax+random+random']!).toBeLessThan(rating['minimax']!);
    // minimax never loses
    expect(r.table.find((row) => row.agent === 'minimax')!.losses).toBe(0);
    for (const row of r.table) {
      expect(row.distinct).toBeLessThanOrEqual(row.games);
      if (row.agent !== 'minimax+random') expect(row.ciLow).toBeLessThan(row.rating);
    }
  });

  it('at connect-four, alphabeta climbs with depth and random sits at the bottom', async () => {
    const game = getGame('connect-four');
    const bots = defaultLadderBots(game.info, [1, 3]);
    expect(bots).toEqual(['random', 'alphabeta:1', 'alphabeta:3']);
    const r = await runLadder({ game, agents: [], bots, games: 20, seed: 2 });
    expect(r.table.map((row) => row.agent)).toEqual(['alphabeta:3', 'alphabeta:1', 'random']);
    expect(r.model.anchor).toBe('alphabeta:1');
    expect(r.distinctGames).toBeGreaterThan(30);
  });

  it('parses depth ranges and picks the bots from what each kind can play', () => {
    expect(parseDepths('1-7')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parseDepths('5,1,3-4')).toEqual([1, 3, 4, 5]);
    expect(() => parseDepths('0-3')).toThrow(/depths/);
    expect(() => parseDepths('3-1')).toThrow(/depths/);
    expect(() => parseDepths('deep')).toThrow(/depths/);
    expect(defaultLadderBots(getGame('connect-four').info)).toEqual(['random', ...DEFAULT_LADDER_DEPTHS.map((d) => `alphabeta:${d}`)]);
    expect(defaultLadderBots(getGame('kuhn-poker').info)).toEqual(['random']);
  });

  it('arena ladder prints a table and writes ladder.json, .csv, .png and .html', () => {
    const out = join(tmp, 'cli');
    const r = arena(['ladder', '--game', 'connect-four', '--agents', 'alphabeta:2', '--depths', '1,3', '--games', '6', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ladder of 3 reference bots and 1 agent\(s\), 6 games per pair \(36 games, \d+ distinct; sides alternate, 1 random opening ply \(paired\)/);
    expect(r.stdout).toMatch(/rank\s+agent\s+rating ± 95% CI\s+score\s+W-D-L\s+distinct\/games/);
    expect(r.stdout).toMatch(/alphabeta:1\s+0 ± 0/);
    expect(r.stdout).toMatch(/alphabeta:1 = 0/);
    const saved = JSON.parse(readFileSync(join(out, 'ladder.json'), 'utf8'));
    expect(saved).toMatchObject({ format: 'arena-tournament', version: 2, bots: ['random', 'alphabeta:1', 'alphabeta:3'], rated: ['alphabeta:2'], openingPlies: 1 });
    expect([...readFileSync(join(out, 'ladder.png')).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const bad = arena(['ladder', '--game', 'tic-tac-toe', '--depths', '1-3', '--out', join(tmp, 'bad')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--depths: alphabeta cannot play tic-tac-toe-v1; its ladder is random, minimax\+random, minimax/);
  });
});
