/**
 * Hostile input over real WebSockets: every refused message earns an `error` to its sender and
 * leaves the game exactly as it was; persistent misbehaviour disconnects; spectators never act; a
 * crashing agent forfeits without taking the room or the server down.
 */
import { matchMaker } from '@colyseus/core';
import { encode, type Iterator } from '@colyseus/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protocol } from '@colyseus/sdk';
import type { Agent, GameInfo } from '../../core/index.ts';
import type { MatchClient } from '../../servers/client.ts';
import { CLOSE_MISBEHAVING, MAX_STRIKES } from '../../servers/protocol.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, join, legalOf, nextError, sleep, startServer } from './helpers.ts';

let srv: ArenaServer;

/** Agents that misbehave, offered by this test server. */
const crasher = {
  spec: 'crasher',
  label: 'throws on its first move',
  fits: () => null,
  create: (): Agent => ({
    name: 'crasher',
    act() {
      throw new Error('boom');
    },
  }),
};
const cheater = {
  spec: 'cheater',
  label: 'answers with an illegal action',
  fits: () => null,
  create: (info: GameInfo): Agent => ({ name: 'cheater', act: () => info.actions + 5 }),
};

beforeAll(async () => {
  srv = await startServer({ customAgents: [crasher, cheater], tickMs: 200 });
});

afterAll(async () => {
  await srv?.close();
});

/** The room's full game state on the server (to prove a refusal changed nothing). */
function serverSnapshot(roomId: string): string {
  const room = matchMaker.getLocalRoomById(roomId) as unknown as { gs: { serialize(): unknown }; state: { toJSON(): unknown } };
  return JSON.stringify([room.gs.serialize(), room.state.toJSON()]);
}

async function connectFourPair(): Promise<[MatchClient, MatchClient]> {
  const a = await create(srv, 'connect-four', { name: 'a' });
  await a.waitFor(() => a.seat === 0);
  const b = await join(srv, 'connect-four', a.roomId, { name: 'b' });
  await Promise.all([a.waitFor(() => a.state.phase === 'playing'), b.waitFor(() => b.seat === 1 && b.state.phase === 'playing')]);
  return [a, b];
}

/** Sends one hostile message and checks the error code it earns and that nothing changed. */
async function refused(c: MatchClient, roomId: string, send: () => void, code: string): Promise<void> {
  const before = serverSnapshot(roomId);
  const n = c.errors.length;
  send();
  const err = await nextError(c, n);
  expect(err.code, err.message).toBe(code);
  expect(serverSnapshot(roomId)).toBe(before);
}

/** A ROOM_DATA frame with a valid type but an undecodable payload. */
function garbageFrame(): Uint8Array {
  const buf = new Uint8Array(64);
  buf[0] = Protocol.ROOM_DATA;
  const it: Iterator = { offset: 1 };
  encode.string(buf as unknown as Buffer, 'move', it);
  buf[it.offset++] = 0xc1; // never used in MessagePack
  return buf.subarray(0, it.offset);
}

describe('refused messages change nothing', () => {
  it('out of turn, illegal, for another seat, malformed, unknown, oversized', async () => {
    const [a, b] = await connectFourPair();
    const id = a.roomId;
    await refused(b, id, () => b.move(3), 'NOT_YOUR_TURN');
    await refused(a, id, () => a.move(7), 'ILLEGAL_ACTION');
    await refused(a, id, () => a.send('move', { action: 3, seat: 1 }), 'BAD_MESSAGE'); // no way to name another seat
    await refused(a, id, () => a.send('move', { action: -1 }), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('move', { action: '3' }), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('move', { action: 2.5 }), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('move'), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('move', [3]), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('teleport', { to: 3 }), 'BAD_MESSAGE');
    await refused(a, id, () => a.room.send(7 as unknown as string, {}), 'BAD_MESSAGE');
    await refused(a, id, () => a.room.connection.send(garbageFrame()), 'BAD_MESSAGE');
    await refused(a, id, () => a.room.sendBytes('move', new Uint8Array([1, 2, 3])), 'BAD_MESSAGE');
    await refused(a, id, () => a.send('move', { action: 3, step: 5 }), 'STALE_MOVE');
    await sleep(1000); // new rate window
    await refused(a, id, () => a.send('move', { action: 3, pad: 'x'.repeat(2000) }), 'MESSAGE_TOO_LARGE');
    await refused(a, id, () => a.send('rematch', {}), 'NOT_FINISHED');
    // still perfectly playable: a column filled to the top is refused, then the game goes on
    for (let i = 0; i < 6; i++) {
      const c = i % 2 === 0 ? a : b;
      await c.waitFor(() => c.state.toMove === c.seat, 5000, 'my turn');
      const step = c.state.step;
      c.move(0, step);
      await c.waitFor(() => c.state.step === step + 1);
    }
    await a.waitFor(() => a.state.toMove === 0 && a.state.step === 6, 5000, 'my turn');
    await refused(a, id, () => a.move(0), 'ILLEGAL_ACTION');
    expect(legalOf(a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
    expect(b.errors.length).toBe(1);
    await Promise.all([a.leave(), b.leave()]);
  });

  it('before the start and after the end', async () => {
    const a = await create(srv, 'tic-tac-toe', {});
    await a.waitFor(() => a.seat === 0);
    await refused(a, a.roomId, () => a.move(4), 'NOT_STARTED');
    const b = await join(srv, 'tic-tac-toe', a.roomId, {});
    await b.waitFor(() => b.state.phase === 'playing' && b.seat === 1);
    for (const [c, cell] of [[a, 0], [b, 3], [a, 1], [b, 4], [a, 2]] as const) {
      await c.waitFor(() => c.state.toMove === c.seat, 5000, 'my turn');
      const step = c.state.step;
      c.move(cell, step);
      await c.waitFor(() => c.state.step === step + 1);
    }
    await a.waitFor(() => a.state.phase === 'finished');
    expect(a.result()).toMatchObject({ winnerTeam: 0, returns: [1, -1] });
    await refused(b, a.roomId, () => b.move(5), 'GAME_OVER');
    await Promise.all([a.leave(), b.leave()]);
  });

  it('spectators may watch, never act', async () => {
    const [a, b] = await connectFourPair();
    const s = await join(srv, 'connect-four', a.roomId, { spectator: true });
    await s.waitFor(() => s.state.phase === 'playing');
    await refused(s, a.roomId, () => s.move(3), 'NOT_A_PLAYER');
    await refused(s, a.roomId, () => s.move(3, 0), 'NOT_A_PLAYER');
    await refused(s, a.roomId, () => s.send('rematch', {}), 'NOT_A_PLAYER');
    a.move(3);
    await s.waitFor(() => s.state.step === 1); // and it does watch
    await Promise.all([a.leave(), b.leave(), s.leave()]);
  });
});

describe('floods and persistent misbehaviour', () => {
  it('more than 20 messages a second are refused with RATE_LIMITED and change nothing', async () => {
    const [a, b] = await connectFourPair();
    const before = serverSnapshot(a.roomId);
    for (let i = 0; i < 30; i++) b.send('move', { action: 3 }); // all out of turn: 20 NOT_YOUR_TURN, then RATE_LIMITED
    await b.waitFor(() => b.errors.length >= 30, 5000, '30 errors');
    expect(b.errors.filter((e) => e.code === 'NOT_YOUR_TURN').length).toBe(20);
    expect(b.errors.filter((e) => e.code === 'RATE_LIMITED').length).toBe(10);
    expect(serverSnapshot(a.roomId)).toBe(before);
    expect(b.hasLeft).toBe(false);
    await sleep(1000);
    a.move(3);
    await b.waitFor(() => b.state.toMove === 1);
    b.move(3); // the window has passed: b plays normally again
    await a.waitFor(() => a.state.step === 2);
    await Promise.all([a.leave(), b.leave()]);
  });

  it(`a client refused ${MAX_STRIKES} times is disconnected, and its side forfeits`, async () => {
    const [a, b] = await connectFourPair();
    for (let i = 0; i < MAX_STRIKES + 10; i++) b.send('move', { action: 'x' });
    await b.waitFor(() => b.hasLeft, 5000, 'the disconnection');
    expect(b.leaveCode).toBe(CLOSE_MISBEHAVING);
    await a.waitFor(() => a.state.phase === 'finished', 5000, 'the forfeit');
    expect(a.result()).toMatchObject({ winnerTeam: 0, forfeit: { seat: 1, team: 1 } });
    expect(a.state.seats[1]!.kind).toBe('empty');
    await a.leave();
  });

  it('a message over the transport limit (64 KiB) only closes that connection', async () => {
    const [a, b] = await connectFourPair();
    b.room.reconnection.enabled = false;
    b.send('move', { action: 1, pad: 'y'.repeat(70_000) });
    await b.waitFor(() => b.hasLeft, 5000, 'the disconnection');
    const c = await create(srv, 'tic-tac-toe', { agents: { '1': 'random' } }); // the server carries on
    await c.waitFor(() => c.state.phase === 'playing' && c.state.toMove === 0);
    await Promise.all([a.leave(), c.leave()]);
  });
});

describe('crashing agents', () => {
  it('an agent that throws forfeits its game; the room and the server carry on', async () => {
    const a = await create(srv, 'tic-tac-toe', { agents: { '1': 'crasher' } });
    await a.waitFor(() => a.state.phase === 'playing' && a.seat === 0);
    a.move(4);
    await a.waitFor(() => a.state.phase === 'finished', 5000, 'the forfeit');
    expect(a.result()).toMatchObject({ returns: [1, -1], winnerTeam: 0, forfeit: { seat: 1, team: 1 } });
    expect(a.result()!.forfeit!.reason).toMatch(/crasher.*boom/);
    // another game in the same room: sides swap, the agent opens and forfeits again
    a.rematch();
    await a.waitFor(() => a.state.gameNumber === 1 && a.state.phase === 'finished', 5000, 'the second forfeit');
    expect(a.result()).toMatchObject({ winnerTeam: 1, forfeit: { seat: 0 } });
    await a.leave();
  });

  it('an agent that answers an illegal action forfeits, also in a simultaneous game', async () => {
    const a = await create(srv, 'grid-soccer', { agents: { '1': 'random', '2': 'cheater', '3': 'random' }, tickMs: 100 });
    await a.waitFor(() => a.state.phase === 'finished', 5000, 'the forfeit');
    expect(a.result()).toMatchObject({ winnerTeam: 0, returns: [1, 1, -1, -1], forfeit: { seat: 2, team: 1 } });
    await a.leave();
    const c = await create(srv, 'connect-four', { agents: { '1': 'alphabeta:2' } });
    c.move(3);
    await c.waitFor(() => c.state.step === 2, 5000, 'alphabeta to answer');
    await c.leave();
  });
});
