/**
 * Rooms over real WebSockets: HTTP API, full human-vs-agent games (tic-tac-toe vs minimax, Connect
 * Four vs alphabeta:2), rematch with swapped sides, records, and the schema 5.0.34 workaround.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matchMaker, Room } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { MatchClient } from '../../servers/client.ts';
import type { MatchLine } from '../../servers/records.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, join, legalOf, startServer } from './helpers.ts';

let srv: ArenaServer;

beforeAll(async () => {
  srv = await startServer();
});

afterAll(async () => {
  await srv?.close();
});

/** Plays the client's seat until the game ends, choosing with `pick(legal)`; returns the parsed result. */
async function playOut(c: MatchClient, pick: (legal: number[]) => number) {
  for (;;) {
    await c.waitFor(() => c.state.phase === 'finished' || (c.state.phase === 'playing' && c.state.toMove === c.seat && legalOf(c).length > 0), 10_000, 'my turn');
    if (c.state.phase === 'finished') return c.result()!;
    const step = c.state.step;
    c.move(pick(legalOf(c)), step);
    await c.waitFor(() => c.state.step > step || c.state.phase === 'finished', 10_000, 'my move applied');
  }
}

/** Replays a room's public move list through the game contract and returns the final returns. */
function replay(gameName: string, moves: number[]): number[] {
  const gs = getGame(gameName).newState(0);
  for (const a of moves) gs.apply(a);
  expect(gs.isTerminal()).toBe(true);
  const r = new Float64Array(gs.info.seats);
  gs.returns(r);
  return Array.from(r);
}

describe('HTTP API', () => {
  it('lists the hosted games (every game with two or more seats) with their room names', async () => {
    const games = (await (await fetch(`${srv.url}api/games`)).json()) as { id: string; room: string; seats: number; teams: number[][] }[];
    expect(games.map((g) => g.room)).toEqual(['tic-tac-toe', 'connect-four', 'kuhn-poker', 'leduc-poker', 'grid-soccer', 'duel']);
    expect(games.find((g) => g.room === 'grid-soccer')).toMatchObject({ id: 'grid-soccer-v1', seats: 4, teams: [[0, 1], [2, 3]] });
  });

  it('lists the agents that fit a game, and refuses unknown games', async () => {
    const c4 = (await (await fetch(`${srv.url}api/agents?game=connect-four`)).json()) as { spec: string }[];
    expect(c4.map((a) => a.spec)).toEqual(expect.arrayContaining(['random', 'alphabeta', 'alphabeta:2']));
    expect(c4.map((a) => a.spec)).not.toContain('minimax');
    const kuhn = (await (await fetch(`${srv.url}api/agents?game=kuhn-poker-v1`)).json()) as { spec: string }[];
    expect(kuhn.map((a) => a.spec)).toEqual(['random', 'nash']);
    expect((await fetch(`${srv.url}api/agents?game=chess`)).status).toBe(404);
    expect((await fetch(`${srv.url}api/agents`)).status).toBe(400);
  });
});

describe('human vs agent', () => {
  it('plays tic-tac-toe against minimax to the end: minimax never loses, the move list replays to the same result', async () => {
    const c = await create(srv, 'tic-tac-toe', { agents: { '1': 'minimax' }, name: 'alice' });
    await c.waitFor(() => c.seat === 0 && c.state.phase === 'playing');
    expect(c.state.seats[1]!.kind).toBe('agent');
    expect(c.state.seats[0]!).toMatchObject({ kind: 'human', name: 'alice', connected: true });
    const result = await playOut(c, (legal) => legal[0]!);
    expect(result.winnerTeam).not.toBe(0);
    expect(replay('tic-tac-toe', [...c.state.moves])).toEqual(result.returns);
    expect(JSON.parse(c.state.publicView).finished).toBe(true);
    expect(c.events.filter((e) => e['type'] === 'move').length).toBe(c.state.moves.length);
    expect(c.events.at(-1)).toMatchObject({ type: 'end', gameNumber: 0 });

    // rematch: sides swap, so the agent (now seat 0, X) opens
    c.rematch();
    await c.waitFor(() => c.state.gameNumber === 1 && c.state.phase === 'playing' && c.seat === 1, 5000, 'the rematch');
    expect(c.state.seats[0]!.kind).toBe('agent');
    expect(c.state.seats[1]!.name).toBe('alice');
    await c.waitFor(() => c.state.moves.length >= 1, 5000, 'the agent to open');
    const second = await playOut(c, (legal) => legal.at(-1)!);
    expect(second.winnerTeam).not.toBe(1);
    expect(replay('tic-tac-toe', [...c.state.moves])).toEqual(second.returns);
    await c.leave();
  });

  it('plays Connect Four against alphabeta:2 to the end and records the match', async () => {
    const rng = new Rng(7);
    const c = await create(srv, 'connect-four', { agents: { '0': 'alphabeta:2' } });
    await c.waitFor(() => c.seat === 1 && c.state.phase === 'playing');
    const result = await playOut(c, (legal) => legal[rng.int(legal.length)]!);
    expect(replay('connect-four', [...c.state.moves])).toEqual(result.returns);
    expect(result.returns[0]! + result.returns[1]!).toBe(0);
    const roomId = c.roomId;
    await c.leave();
    await srv.recorder!.flush();
    const lines = readFileSync(srv.recorder!.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MatchLine);
    const mine = lines.find((l) => l.room === roomId)!;
    expect(mine).toMatchObject({ game: 'connect-four-v3', gameNumber: 0, steps: c.state.moves.length, result });
    expect(mine.seats.map((s) => s.kind)).toEqual(['agent', 'human']);
    expect(mine.seats[0]).toMatchObject({ spec: 'alphabeta:2' });
  });
});

describe('rooms', () => {
  it('starts when every seat is taken, and a third client only watches', async () => {
    const a = await create(srv, 'connect-four', { name: 'a' });
    await a.waitFor(() => a.seat === 0);
    expect(a.state.phase).toBe('waiting');
    const b = await join(srv, 'connect-four', a.roomId, { seat: 0, name: 'b' }); // seat 0 is taken: b gets the first free one
    await b.waitFor(() => b.seat === 1 && b.state.phase === 'playing');
    await expect(join(srv, 'connect-four', a.roomId, {})).rejects.toThrow(/no free seat/);
    const s = await join(srv, 'connect-four', a.roomId, { spectator: true });
    await s.waitFor(() => s.state.phase === 'playing');
    expect(s.seat).toBe(null);
    expect([...s.state.seats].map((x) => x.view ?? '')).toEqual(['', '']);
    await Promise.all([a.leave(), b.leave(), s.leave()]);
  });

  it('refuses unknown options, long names and agents the server does not offer', async () => {
    await expect(create(srv, 'tic-tac-toe', { colour: 'red' } as never)).rejects.toThrow(/BAD_OPTIONS/);
    await expect(create(srv, 'tic-tac-toe', { name: 'x'.repeat(33) })).rejects.toThrow(/BAD_OPTIONS/);
    await expect(create(srv, 'tic-tac-toe', { agents: { '1': 'runs/cp' } })).rejects.toThrow(/FORBIDDEN/);
    await expect(create(srv, 'tic-tac-toe', { agents: { '1': 'alphabeta:3' } })).rejects.toThrow(/FORBIDDEN/); // does not fit tic-tac-toe
    await expect(create(srv, 'tic-tac-toe', { agents: { '5': 'random' } })).rejects.toThrow(/BAD_OPTIONS/);
    await expect(create(srv, 'tic-tac-toe', { seed: 3 })).rejects.toThrow(/FORBIDDEN/);
    await expect(create(srv, 'tic-tac-toe', { agents: { '0': 'random', '1': 'random' } })).rejects.toThrow(/spectator/);
  });

  it('schema 5.0.34 bug: a primitive array written in onCreate and set in the first patch desyncs an early client, unless onCreate ends with a patch', async () => {
    // The bug, reduced: a room writes a number array in onCreate, a client joins before any patch,
    // and the first patch assigns an element. GameRoom ends onCreate with broadcastPatch() for this.
    const Probe = schema({ cells: t.array('number'), n: t.number().default(0) }, 'Probe');
    const probeRoom = (workaround: boolean) =>
      class extends Room<{ state: InstanceType<typeof Probe> }> {
        override onCreate() {
          this.setPatchRate(null);
          this.state = new Probe();
          this.state.cells.push(0, 0, 0);
          if (workaround) this.broadcastPatch();
          this.onMessage('set', () => {
            this.state.cells[1] = 5;
            this.state.n++;
            this.broadcastPatch();
          });
        }
      };
    srv.colyseus.define('probe-with', probeRoom(true));
    srv.colyseus.define('probe-without', probeRoom(false));
    const synced = async (name: string): Promise<boolean> => {
      const c = await MatchClient.connect({ url: srv.wsUrl, room: name, create: true });
      await c.waitFor(() => (c.state as unknown as { cells: number[] }).cells.length === 3, 5000, 'the initial state');
      c.send('set');
      await c.waitFor(() => (c.state as unknown as { n: number }).n === 1, 5000, 'the first patch');
      const server = JSON.stringify((matchMaker.getLocalRoomById(c.roomId)!.state as unknown as { toJSON(): unknown }).toJSON());
      const client = JSON.stringify(c.state.toJSON());
      await c.leave();
      return server === client;
    };
    expect(await synced('probe-with')).toBe(true);
    const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../node_modules/@colyseus/schema/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
    if (version === '5.0.34') expect(await synced('probe-without')).toBe(false); // the bug this test guards against
  });

  it('a client that joins a game room before its first patch stays in sync with the server state', async () => {
    // The room writes `seats` in onCreate. A spectator joins before any patch has gone out (nothing
    // else happens on its join), then a player's join changes `seats` and the agent's opening move
    // changes `moves`: without the patch at the end of onCreate the spectator's copy desyncs.
    for (let i = 0; i < 3; i++) {
      const s = await create(srv, 'tic-tac-toe', { spectator: true, agents: { '0': 'random' } });
      await s.waitFor(() => s.state.seats.length === 2, 5000, 'the initial state');
      const p = await join(srv, 'tic-tac-toe', s.roomId, { name: 'late' });
      await s.waitFor(() => s.state.moves.length >= 1 && s.state.toMove === 1, 5000, 'the agent to open');
      await p.waitFor(() => p.state.moves.length >= 1 && p.state.toMove === 1, 5000, 'the agent to open');
      const server = (matchMaker.getLocalRoomById(s.roomId)!.state as unknown as { toJSON(): Record<string, unknown> }).toJSON();
      for (const c of [s, p]) {
        const mine = c.state.toJSON() as Record<string, unknown>;
        expect(mine['moves']).toEqual(server['moves']);
        expect((mine['seats'] as { kind: string; name: string }[]).map((x) => [x.kind, x.name])).toEqual([
          ['agent', 'random'],
          ['human', 'late'],
        ]);
        expect(mine['publicView']).toBe(server['publicView']);
        expect(mine['phase']).toBe('playing');
      }
      await Promise.all([s.leave(), p.leave()]);
    }
  });
});
