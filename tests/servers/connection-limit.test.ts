/**
 * The per-address connection limit over real WebSockets: with N open from one address the next is
 * refused with a clear error (the SDK's join rejects with it), the refused one does not count, and a
 * closed socket frees its place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatchClient } from '../../servers/client.ts';
import { createArenaServer, type ArenaServer } from '../../servers/server.ts';
import { create, join, startServer } from './helpers.ts';

const LIMIT = 3;
let srv: ArenaServer;

beforeAll(async () => {
  srv = await startServer({ maxConnectionsPerAddress: LIMIT });
});

afterAll(async () => {
  await srv?.close();
});

const refusal = new RegExp(`^TOO_MANY_CONNECTIONS: ${LIMIT} connections are already open from your address \\(127\\.0\\.0\\.1\\); this server allows ${LIMIT} at once$`);

/** Connects once the server has seen an earlier socket close (its close frame may still be on the way). */
async function connectWhenFree(connect: () => Promise<MatchClient>, attempts = 50): Promise<MatchClient> {
  for (let i = 1; ; i++) {
    try {
      return await connect();
    } catch (err) {
      if (i >= attempts || !refusal.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('connection limit per address', () => {
  it(`refuses the ${LIMIT + 1}th WebSocket from one address with a clear error, and frees a place when one closes`, async () => {
    const a = await create(srv, 'tic-tac-toe', { name: 'a' });
    const b = await join(srv, 'tic-tac-toe', a.roomId, { name: 'b' });
    const watcher = await join(srv, 'tic-tac-toe', a.roomId, { spectator: true });
    await expect(create(srv, 'connect-four')).rejects.toThrow(refusal);
    await expect(join(srv, 'tic-tac-toe', a.roomId, { spectator: true })).rejects.toThrow(refusal); // the refused one did not count
    expect(a.state.phase).toBe('playing'); // the open ones are untouched
    a.move(4, 0);
    await b.waitFor(() => b.state.step === 1, 3000, 'the move');

    await watcher.leave();
    const again = await connectWhenFree(() => join(srv, 'tic-tac-toe', a.roomId, { spectator: true }));
    await again.waitFor(() => again.state.step === 1, 3000, 'the game as it stands');
    await expect(create(srv, 'connect-four')).rejects.toThrow(refusal);
    await Promise.all([again.leave(), a.leave(), b.leave()]);
    const next = await connectWhenFree(() => create(srv, 'connect-four'));
    await next.leave();
  });

  it('refuses a bad limit with one line', async () => {
    await expect(createArenaServer({ port: 0, maxConnectionsPerAddress: -1 })).rejects.toThrow(/^the connection limit per address must be a whole number ≥ 0 \(0: no limit\), got -1$/);
    await expect(createArenaServer({ port: 0, agentDeadlineMs: 0 })).rejects.toThrow(/^the agent deadline must be a whole number of milliseconds in \[1, 3600000\], got 0$/);
  });
});
