/**
 * Server-side agents think off the rooms' event loop (servers/agent-pool.ts), over real WebSockets and
 * real worker threads: a hung agent holds up no other room, and its side forfeits at the deadline
 * (recorded with the reason); in a simultaneous game the tick waits for its agents only that long; an
 * agent that throws or kills its thread forfeits and the pool goes on; an agent given as a closure
 * thinks on the rooms' thread, where the deadline is checked after the move.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, GameState } from '../../core/index.ts';
import type { MatchClient } from '../../servers/client.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { exiter, hanger, thrower } from './fixtures/worker-agents.ts';
import { create, legalOf, startServer } from './helpers.ts';

/** Long enough that two whole tic-tac-toe games (connections included) finish inside it on a loaded 2-core runner while `hanger` spins one core. */
const DEADLINE_MS = 6000;
let srv: ArenaServer;

/** A closure (no module to name): it thinks on the rooms' thread, for longer than the deadline. */
const slowpoke = {
  spec: 'slowpoke',
  label: 'thinks past the deadline on the rooms thread',
  fits: () => null,
  create: (): Agent => ({
    name: 'slowpoke',
    act(state: GameState, seat: number) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, DEADLINE_MS + 300);
      return state.legalActions(seat)[0]!;
    },
  }),
};

beforeAll(async () => {
  srv = await startServer({ customAgents: [hanger, thrower, exiter, slowpoke], agentThreads: 2, agentDeadlineMs: DEADLINE_MS, agentOnlyDelayMs: 0, tickMs: 100 });
});

afterAll(async () => {
  await srv?.close();
});

/** Plays the client's first legal move whenever it is to move, until the game ends. */
async function playFirstLegal(c: MatchClient, timeoutMs = 10_000): Promise<void> {
  const stop = c.subscribe(() => {
    const st = c.state;
    if (st.phase === 'playing' && st.toMove === c.seat && legalOf(c).length > 0) c.move(legalOf(c)[0]!, st.step);
  });
  try {
    await c.waitFor(() => c.state.phase === 'finished', timeoutMs, 'the end of the game');
  } finally {
    stop();
  }
}

interface MatchLine {
  room: string;
  result: { forfeit?: { seat: number; reason: string } };
}

async function recordOf(roomId: string): Promise<MatchLine | undefined> {
  await srv.recorder!.flush();
  const lines = readFileSync(srv.recorder!.file, 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l) as MatchLine).find((l) => l.room === roomId);
}

const deadlineReason = (spec: string) => new RegExp(`^agent '${spec}' failed: no move within the server's agent deadline of ${DEADLINE_MS} ms$`);

describe('server-side agents in worker threads', () => {
  it('a hung agent holds up no other room; its side forfeits at the deadline, and the record says why', async () => {
    const hung = await create(srv, 'connect-four', { agents: { '1': 'hanger' } });
    await hung.waitFor(() => hung.seat === 0 && hung.state.phase === 'playing');
    hung.move(3, 0);
    await hung.waitFor(() => hung.state.toMove === 1, 3000, 'the agent to be asked');
    // meanwhile: a room of two server-side agents, and a person against one, both play whole games
    const agents = await create(srv, 'tic-tac-toe', { spectator: true, agents: { '0': 'minimax', '1': 'random' } });
    const person = await create(srv, 'tic-tac-toe', { agents: { '1': 'random' } });
    await person.waitFor(() => person.seat === 0 && person.state.phase === 'playing');
    await Promise.all([agents.waitFor(() => agents.state.phase === 'finished', 10_000, 'the agents’ game'), playFirstLegal(person)]);
    expect(agents.state.moves.length).toBeGreaterThanOrEqual(5);
    expect(person.state.moves.length).toBeGreaterThanOrEqual(5);
    expect(hung.state.phase).toBe('playing'); // its agent is still thinking
    expect(hung.state.step).toBe(1);

    await hung.waitFor(() => hung.state.phase === 'finished', DEADLINE_MS + 10_000, 'the forfeit at the deadline');
    expect(hung.result()).toMatchObject({ winnerTeam: 0, forfeit: { seat: 1, team: 1 } });
    expect(hung.result()!.forfeit!.reason).toMatch(deadlineReason('hanger'));
    const roomId = hung.roomId;
    await Promise.all([hung.leave(), agents.leave(), person.leave()]);
    expect((await recordOf(roomId))?.result.forfeit?.reason).toMatch(deadlineReason('hanger'));
  });

  it('in a simultaneous game the tick waits for its agents, and only until the deadline', async () => {
    const c = await create(srv, 'grid-soccer', { agents: { '1': 'random', '2': 'hanger', '3': 'random' } });
    await c.waitFor(() => c.seat === 0 && c.state.phase === 'playing');
    c.move(legalOf(c)[0]!, 0);
    await c.waitFor(() => c.state.phase === 'finished', DEADLINE_MS + 10_000, 'the forfeit at the deadline');
    expect(c.state.step).toBe(0); // the first tick never closed: seat 2 was still thinking
    expect(c.result()).toMatchObject({ winnerTeam: 0, forfeit: { seat: 2, team: 1 } });
    expect(c.result()!.forfeit!.reason).toMatch(deadlineReason('hanger'));
    await c.leave();
  });

  it('an agent that throws, or ends its thread, forfeits with the reason; the next agents still play', async () => {
    for (const [spec, reason] of [
      ['thrower', "agent 'thrower' failed: boom in a thread"],
      ['exiter', /^agent 'exiter' failed: the agent's thread died/],
    ] as const) {
      const c = await create(srv, 'tic-tac-toe', { agents: { '1': spec } });
      await c.waitFor(() => c.seat === 0 && c.state.phase === 'playing');
      c.move(4, 0);
      await c.waitFor(() => c.state.phase === 'finished', 10_000, `${spec}'s forfeit`);
      expect(c.result()).toMatchObject({ winnerTeam: 0, forfeit: { seat: 1 } });
      expect(c.result()!.forfeit!.reason).toMatch(reason);
      await c.leave();
    }
    const after = await create(srv, 'connect-four', { agents: { '1': 'alphabeta:2' } });
    await after.waitFor(() => after.seat === 0 && after.state.phase === 'playing');
    await playFirstLegal(after);
    expect(after.result()!.forfeit).toBeUndefined();
    await after.leave();
  });

  it("an agent given as a closure thinks on the rooms' thread; a move over the deadline forfeits after it", async () => {
    const c = await create(srv, 'tic-tac-toe', { agents: { '1': 'slowpoke' } });
    await c.waitFor(() => c.seat === 0 && c.state.phase === 'playing');
    c.move(4, 0);
    await c.waitFor(() => c.state.phase === 'finished', DEADLINE_MS + 10_000, 'the forfeit');
    expect(c.state.step).toBe(1); // its late move was not played
    expect(c.result()!.forfeit).toMatchObject({ seat: 1 });
    expect(c.result()!.forfeit!.reason).toMatch(new RegExp(`^agent 'slowpoke' failed: took \\d+ ms to move, over the server's agent deadline of ${DEADLINE_MS} ms$`));
    await c.leave();
  });
});
