import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LeagueStore } from '../../league/store.ts';
import { rateInLeague } from '../../servers/league-rating.ts';
import type { MatchResult } from '../../servers/protocol.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const GAME = 'connect-four-v1';
const win0: MatchResult = { returns: [1, -1], winnerTeam: 0 };
const draw: MatchResult = { returns: [0, 0], winnerTeam: null };

describe('rateInLeague', () => {
  const tmp = tempDirs('arena-rating-');
  let dir: string;
  let run: string;
  let other: string;
  beforeEach(() => {
    dir = tmp();
    run = join(dir, 'run');
    other = join(dir, 'other');
    for (const d of [run, other]) {
      const store = LeagueStore.open(d, { game: GAME });
      store.addMember({ id: 'a', role: 'snapshot' });
      store.addMember({ id: 'b', role: 'snapshot' });
      store.close();
    }
  });

  const pair = (d: string, a: string, b: string) => {
    const store = LeagueStore.open(d, { create: false });
    try {
      return store.pair(a, b);
    } finally {
      store.close();
    }
  };

  it('rates a game between two members of one league, from side 0', async () => {
    expect(await rateInLeague(GAME, [[`${run}#a`], [`${run}#b`]], win0, 7)).toBe(run);
    expect(await rateInLeague(GAME, [[`${run}#b`], [`${run}#a`]], draw, 8)).toBe(run);
    const ab = pair(run, 'a', 'b');
    expect([ab.games, ab.wins, ab.draws, ab.losses]).toEqual([2, 1, 1, 0]);
    expect(pair(run, 'b', 'a').losses).toBe(1);
  });

  it('counts a game id once however often it is delivered', async () => {
    for (let i = 0; i < 3; i++) await rateInLeague(GAME, [[`${run}#a`], [`${run}#b`]], win0, 7, 'game-1');
    await rateInLeague(GAME, [[`${run}#a`], [`${run}#b`]], win0, 7, 'game-2');
    expect(pair(run, 'a', 'b').games).toBe(2);
  });

  it('leaves games that are not league games unrated', async () => {
    const cases: [string, (readonly (string | null)[])[]][] = [
      ['a bot on one side', [[`${run}#a`], ['random']]],
      ['a remote client', [[`${run}#a`], [null]]],
      ['members of different runs', [[`${run}#a`], [`${other}#b`]]],
      ['a member against itself', [[`${run}#a`], [`${run}#a`]]],
      ['a team of mixed members', [[`${run}#a`, `${run}#b`], [`${run}#b`, `${run}#b`]]],
      ['three sides', [[`${run}#a`], [`${run}#b`], [`${run}#a`]]],
    ];
    for (const [why, teams] of cases) expect(await rateInLeague(GAME, teams, win0, 1), why).toBeNull();
    expect(await rateInLeague('tic-tac-toe-v1', [[`${run}#a`], [`${run}#b`]], win0, 1), 'another game').toBeNull();
    expect(pair(run, 'a', 'b').games).toBe(0);
    expect(pair(other, 'a', 'b').games).toBe(0);
  });
});
