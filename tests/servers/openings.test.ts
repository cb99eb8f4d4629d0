/**
 * Random openings in rooms: the room plays the series' opening (the same one `playSeries` draws) as
 * moves everyone sees, refuses openings in games with chance, and keys each finished game.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { openingSeed, playRandomOpening } from '../../src/eval/openings.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, join, startServer } from './helpers.ts';

const TOKEN = 'test-admin-token';
let srv: ArenaServer;

beforeAll(async () => {
  srv = await startServer({ adminToken: TOKEN, agentOnlyDelayMs: 5 });
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

  it('refuses openings in a game with chance, and after creation', async () => {
    await expect(create(srv, 'kuhn-poker', { openingPlies: 1 })).rejects.toThrow(/BAD_OPTIONS: random openings need a sequential game without chance: kuhn-poker-v1 has chance events/);
    const a = await create(srv, 'connect-four', { openingPlies: 1 });
    await expect(join(srv, 'connect-four', a.roomId, { openingPlies: 1 })).rejects.toThrow(/openingPlies can only be given when the room is created/);
    await a.leave();
  });
});
