/**
 * Random openings in rooms: the room plays the series' opening (the same one `playSeries` draws) as
 * moves everyone sees, refuses openings in games with chance, and keys each finished game.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { createBot } from '../../agents/index.ts';
import { playSeries } from '../../src/eval/match.ts';
import { BalancedOpenings, openingSeed, playRandomOpening } from '../../src/eval/openings.ts';
import { playHostedSeries } from '../../servers/hosted-series.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, join, startServer } from './helpers.ts';

const TOKEN = 'test-admin-token';
let srv: ArenaServer;

beforeAll(async () => {
  srv = await startServer({ adminToken: TOKEN, agentOnlyDelayMs: 5, limits: { messagesPerSecond: 10_000 } });
});
afterAll(async () => {
  await srv?.close();
});

describe('random openings in rooms', () => {
  it("a seeded room starts its first game from the series' opening and reports a game key", async () => {
    const expected: number[] = [];
    playRandomOpening(getGame('connect-four').newState(0), 3, new Rng(openingSeed(5, 0)), expected);
    const s = await create(srv, 'connect-four', { spectator: true, token: TOKEN, seed: 5, openingPlies: 3, agents: { '0': 'alphabeta:1', '1': 'alphabeta:1' } });
    await s.waitFor(() => s.state.phase === 'finished', 10_000, 'the game');
    expect([...s.state.moves].slice(0, 3)).toEqual(expected);
    expect(s.result()!.gameKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await s.leave();
  });

  it('a balanced series on the server plays the openings, and the results, of the same series offline', async () => {
    const game = getGame('connect-four');
    const agents = (): [ReturnType<typeof createBot>, ReturnType<typeof createBot>] => [createBot('alphabeta:1', game.info, 1), createBot('random', game.info, 2)];
    const series = { game, games: 8, seed: 4, openingPlies: 2, openings: 'balanced' as const };
    const offline = playSeries({ ...series, agents: agents() });
    expect(offline).toMatchObject({ openings: 'balanced', openingCount: 49, openingPlies: 2 });
    const hosted = await playHostedSeries({ ...series, agents: agents() }, { url: srv.wsUrl, token: TOKEN, pace: null });
    expect(hosted).toEqual(offline);
    // and a seeded room's first game opens with the book's first opening
    const book = new BalancedOpenings(game.newState(0), 3);
    const s = await create(srv, 'connect-four', { spectator: true, token: TOKEN, seed: 6, openingPlies: 3, openings: 'balanced', agents: { '0': 'alphabeta:1', '1': 'alphabeta:1' } });
    await s.waitFor(() => s.state.phase === 'finished', 10_000, 'the game');
    expect([...s.state.moves].slice(0, 3)).toEqual(book.opening(6, 0));
    await s.leave();
  });

  it('refuses openings in a game with chance, and after creation', async () => {
    await expect(create(srv, 'kuhn-poker', { openingPlies: 1 })).rejects.toThrow(/BAD_OPTIONS: random openings need a sequential game without chance: kuhn-poker-v1 has chance events/);
    const a = await create(srv, 'connect-four', { openingPlies: 1 });
    await expect(join(srv, 'connect-four', a.roomId, { openingPlies: 1 })).rejects.toThrow(/openingPlies and openings can only be given when the room is created/);
    await expect(join(srv, 'connect-four', a.roomId, { openings: 'balanced' })).rejects.toThrow(/openings can only be given when the room is created/);
    await expect(create(srv, 'connect-four', { openingPlies: 6, openings: 'balanced' })).rejects.toThrow(/BAD_OPTIONS: balanced openings enumerate every 6-ply opening of connect-four-v3: more than 20,000/);
    await expect(create(srv, 'connect-four', { openingPlies: 1, openings: 'shuffled' as 'balanced' })).rejects.toThrow(/BAD_OPTIONS/);
    await a.leave();
  });
});
