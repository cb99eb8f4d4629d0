/**
 * Screening of client messages, before Colyseus decodes them. Protocol frames (join ack, ping,
 * leave) pass untouched; every other frame is rate-limited, size-checked, decoded defensively and
 * handed to the room as a known message type and its payload — so a malformed frame earns an
 * `error` reply instead of Colyseus' default of dropping the connection. Each refusal is a strike
 * (unless it is a benign race); a client with too many strikes is disconnected.
 */
import { ClientState, Protocol, type Client, type Room } from '@colyseus/core';
import { decode, type Iterator } from '@colyseus/schema';
import { unpack } from 'msgpackr';
import { CLIENT_MESSAGE_TYPES, CLOSE_MISBEHAVING, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SECOND, MAX_STRIKES, type ErrorCode } from './protocol.ts';

/** Per-client message limits. */
export interface RoomLimits {
  /** Largest message accepted, bytes on the wire. */
  readonly messageBytes: number;
  /** Messages a client may send per second; more are refused. */
  readonly messagesPerSecond: number;
  /** Refusals after which a client is disconnected. */
  readonly strikes: number;
}

export const DEFAULT_LIMITS: RoomLimits = { messageBytes: MAX_MESSAGE_BYTES, messagesPerSecond: MAX_MESSAGES_PER_SECOND, strikes: MAX_STRIKES };

export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

export interface MessageScreenOptions {
  readonly limits: RoomLimits;
  /** Receives every message that passed the screen: a known type and its decoded (not yet validated) payload. */
  readonly onMessage: (client: Client, type: ClientMessageType, payload: unknown) => void;
  /** Clock of the rate limit's one-second windows (default Date.now). */
  readonly now?: () => number;
}

/** A screened client's standing. */
interface Standing {
  strikes: number;
  windowStart: number;
  count: number;
  kicked: boolean;
}

const PROTOCOL_CODE_MASK = 0x1f;
const MESSAGE_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);

export class MessageScreen {
  private readonly limits: RoomLimits;
  private readonly onMessage: MessageScreenOptions['onMessage'];
  private readonly now: () => number;
  private readonly clients = new Map<string, Standing>();

  constructor(opts: MessageScreenOptions) {
    this.limits = opts.limits;
    this.onMessage = opts.onMessage;
    this.now = opts.now ?? Date.now;
  }

  /** Puts the screen in front of the room's own message handling (Colyseus' `_onMessage`). */
  install(room: Room): void {
    const target = room as unknown as { _onMessage: (client: Client, buffer: Buffer) => void };
    const original = target._onMessage.bind(room);
    target._onMessage = (client: Client, buffer: Buffer) => {
      if (!buffer || buffer.byteLength === 0) return;
      const code = buffer[0]! & PROTOCOL_CODE_MASK;
      if (code === Protocol.JOIN_ROOM || code === Protocol.PING || code === Protocol.LEAVE_ROOM) {
        original(client, buffer);
        return;
      }
      if (client.state === ClientState.LEAVING) return;
      this.screen(client, buffer, code);
    };
  }

  /** Starts screening a client's messages (those of clients not added are dropped). */
  add(sessionId: string): void {
    this.clients.set(sessionId, { strikes: 0, windowStart: 0, count: 0, kicked: false });
  }

  /** Forgets a client that left. */
  remove(sessionId: string): void {
    this.clients.delete(sessionId);
  }

  /** Whether the client was disconnected for misbehaving. */
  kicked(sessionId: string): boolean {
    return this.clients.get(sessionId)?.kicked ?? false;
  }

  /** Answers a refused message with `error`; it counts towards disconnection unless it is a benign race (`strike` false). */
  refuse(client: Client, code: ErrorCode, message: string, strike = true): void {
    client.send('error', { code, message });
    const standing = this.clients.get(client.sessionId);
    if (!standing || !strike) return;
    const max = this.limits.strikes;
    if (++standing.strikes >= max && !standing.kicked) {
      standing.kicked = true;
      client.send('error', { code, message: `disconnected after ${max} refused messages` });
      client.leave(CLOSE_MISBEHAVING, 'too many refused messages');
    }
  }

  private screen(client: Client, buffer: Buffer, code: number): void {
    const standing = this.clients.get(client.sessionId);
    if (!standing || standing.kicked) return;
    const now = this.now();
    if (now - standing.windowStart >= 1000) {
      standing.windowStart = now;
      standing.count = 0;
    }
    const { limits } = this;
    if (++standing.count > limits.messagesPerSecond) return this.refuse(client, 'RATE_LIMITED', `more than ${limits.messagesPerSecond} messages per second`);
    if (buffer.byteLength > limits.messageBytes) return this.refuse(client, 'MESSAGE_TOO_LARGE', `messages are limited to ${limits.messageBytes} bytes (got ${buffer.byteLength})`);
    if (code !== Protocol.ROOM_DATA) return this.refuse(client, 'BAD_MESSAGE', 'only plain messages (room.send) are accepted');
    let type: unknown;
    let payload: unknown;
    try {
      const it: Iterator = { offset: 1 };
      type = decode.stringCheck(buffer, it) ? decode.string(buffer, it) : decode.number(buffer, it);
      payload = buffer.byteLength > it.offset ? unpack(buffer.subarray(it.offset)) : undefined;
    } catch {
      return this.refuse(client, 'BAD_MESSAGE', 'undecodable message');
    }
    if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
      return this.refuse(client, 'BAD_MESSAGE', `unknown message type ${JSON.stringify(String(type)).slice(0, 40)}; known: ${CLIENT_MESSAGE_TYPES.join(', ')}`);
    }
    this.onMessage(client, type as ClientMessageType, payload);
  }
}
