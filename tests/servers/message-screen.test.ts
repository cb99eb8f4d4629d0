/**
 * The message screen on its own: raw frames in, decoded messages or refusals out — protocol frames
 * pass, every refusal has its code, the rate limit counts per second, and strikes disconnect.
 * (safety.test.ts sends the same hostile messages to a real server.)
 */
import { ClientState, Protocol, type Client, type Room } from '@colyseus/core';
import { encode, type Iterator } from '@colyseus/schema';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MessageScreen, type ClientMessageType, type RoomLimits } from '../../servers/message-screen.ts';
import { CLOSE_MISBEHAVING } from '../../servers/protocol.ts';

interface FakeClient {
  readonly sessionId: string;
  state: ClientState;
  readonly sent: [string, { code: string; message: string }][];
  readonly left: [number, string][];
  send(type: string, msg: { code: string; message: string }): void;
  leave(code: number, reason: string): void;
}

function fakeClient(sessionId = 'c1'): FakeClient {
  const c: FakeClient = {
    sessionId,
    state: ClientState.JOINED,
    sent: [],
    left: [],
    send: (type, msg) => c.sent.push([type, msg]),
    leave: (code, reason) => c.left.push([code, reason]),
  };
  return c;
}

/** A room.send frame: ROOM_DATA, the type, then the MessagePack payload. */
function frame(type: string | number, payload?: unknown, code: number = Protocol.ROOM_DATA): Buffer {
  const head = Buffer.alloc(64);
  head[0] = code;
  const it: Iterator = { offset: 1 };
  if (typeof type === 'string') encode.string(head, type, it);
  else encode.number(head, type, it);
  const body = payload === undefined ? Buffer.alloc(0) : pack(payload);
  return Buffer.concat([head.subarray(0, it.offset), body]);
}

function setup(limits: Partial<RoomLimits> = {}) {
  const passed: unknown[] = [];
  const received: [ClientMessageType, unknown][] = [];
  let now = 10_000;
  const screen = new MessageScreen({
    limits: { messageBytes: 1024, messagesPerSecond: 20, strikes: 50, ...limits },
    onMessage: (_client, type, payload) => received.push([type, payload]),
    now: () => now,
  });
  const room = { _onMessage: (_client: Client, buffer: Buffer) => passed.push(buffer[0]) };
  screen.install(room as unknown as Room);
  const client = fakeClient();
  screen.add(client.sessionId);
  const send = (buffer: Buffer, c: FakeClient = client) => room._onMessage(c as unknown as Client, buffer);
  const codes = (c: FakeClient = client) => c.sent.map(([, m]) => m.code);
  return { screen, client, send, passed, received, codes, tick: (ms: number) => (now += ms) };
}

describe('message screen', () => {
  it('passes protocol frames to Colyseus and decoded messages to the room', () => {
    const { send, passed, received, client } = setup();
    for (const code of [Protocol.JOIN_ROOM, Protocol.PING, Protocol.LEAVE_ROOM]) send(Buffer.from([code]));
    expect(passed).toEqual([Protocol.JOIN_ROOM, Protocol.PING, Protocol.LEAVE_ROOM]);
    send(frame('move', { action: 3, step: 1 }));
    send(frame('rematch'));
    send(Buffer.alloc(0));
    expect(received).toEqual([
      ['move', { action: 3, step: 1 }],
      ['rematch', undefined],
    ]);
    expect(passed).toHaveLength(3); // room messages never reach Colyseus' own decoding
    expect(client.sent).toEqual([]);
  });

  it('refuses unknown, numeric, undecodable, non-message and oversized frames with their codes', () => {
    const { send, received, client, codes, tick } = setup({ messageBytes: 100 });
    send(frame('teleport', { to: 3 }));
    send(frame(7, {}));
    send(Buffer.concat([frame('move'), Buffer.from([0x92, 0x01])])); // an array of two that ends after one
    send(frame('move', {}, Protocol.ROOM_DATA_BYTES));
    tick(1000);
    send(frame('move', { action: 1, pad: 'x'.repeat(200) }));
    expect(received).toEqual([]);
    expect(codes()).toEqual(['BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE', 'MESSAGE_TOO_LARGE']);
    expect(client.sent[0]![0]).toBe('error');
    expect(client.sent[0]![1].message).toBe('unknown message type "teleport"; known: move, rematch');
    expect(client.sent[2]![1].message).toBe('undecodable message');
    expect(client.sent[3]![1].message).toBe('only plain messages (room.send) are accepted');
    expect(client.sent[4]![1].message).toMatch(/^messages are limited to 100 bytes \(got \d+\)$/);
  });

  it('counts messages per second: past the limit they are refused until the next second', () => {
    const { send, received, codes, tick } = setup({ messagesPerSecond: 3 });
    for (let i = 0; i < 5; i++) send(frame('move', { action: i }));
    expect(received.map(([, p]) => (p as { action: number }).action)).toEqual([0, 1, 2]);
    expect(codes()).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    tick(999);
    send(frame('move', { action: 5 }));
    expect(received).toHaveLength(3);
    tick(1);
    send(frame('move', { action: 6 }));
    expect(received).toHaveLength(4);
  });

  it('disconnects a client at its last strike and ignores it afterwards; benign refusals are no strike', () => {
    const { screen, send, client, codes } = setup({ strikes: 3 });
    screen.refuse(client as unknown as Client, 'STALE_MOVE', 'a race', false);
    send(frame('nope'));
    send(frame('nope'));
    expect(client.left).toEqual([]);
    send(frame('nope'));
    expect(client.left).toEqual([[CLOSE_MISBEHAVING, 'too many refused messages']]);
    expect(client.sent.at(-1)![1]).toEqual({ code: 'BAD_MESSAGE', message: 'disconnected after 3 refused messages' });
    expect(screen.kicked(client.sessionId)).toBe(true);
    const before = codes().length;
    send(frame('nope'));
    send(frame('move', { action: 1 }));
    expect(codes().length).toBe(before);
    expect(client.left).toHaveLength(1);
  });

  it('ignores clients it was not told about, that left, or that are leaving', () => {
    const { screen, send, received, client } = setup();
    const stranger = fakeClient('c2');
    send(frame('move', { action: 1 }), stranger);
    client.state = ClientState.LEAVING;
    send(frame('move', { action: 1 }));
    client.state = ClientState.JOINED;
    screen.remove(client.sessionId);
    send(frame('move', { action: 1 }));
    expect(received).toEqual([]);
    expect(stranger.sent).toEqual([]);
    expect(client.sent).toEqual([]);
  });
});
