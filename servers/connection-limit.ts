/**
 * The WebSocket transport with a per-address connection limit: at most N WebSockets open at once from
 * one remote address. The one over the limit is accepted, told why with a Colyseus error frame (so the
 * SDK's join rejects with that message, as for any refused join) and closed; an address's count drops
 * when one of its sockets closes. The address is the TCP peer's: behind a proxy or load balancer that
 * is the proxy's, so there the limit belongs at the proxy and this one is raised or turned off (0).
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode } from '@colyseus/core';
import { WebSocketClient, WebSocketTransport, type TransportOptions } from '@colyseus/ws-transport';
import { ConfigError } from '../core/index.ts';
import { log } from '../core/log.ts';

/** Default most WebSockets open at once from one address. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16;

/** Error code of the refusal (an HTTP-like 429 in Colyseus' range of custom codes). */
export const TOO_MANY_CONNECTIONS = 4429;

/** Checks the limit (a one-line error for the CLI and createArenaServer). */
export function checkConnectionLimit(max: number): void {
  if (!Number.isInteger(max) || max < 0) throw new ConfigError(`the connection limit per address must be a whole number ≥ 0 (0: no limit), got ${max}`);
}

type RawSocket = Parameters<WebSocketTransport['onConnection']>[0];

export class LimitedTransport extends WebSocketTransport {
  /** Most sockets per address (0: no limit). */
  readonly maxPerAddress: number;
  private readonly open = new Map<string, number>();

  constructor(options: TransportOptions, maxPerAddress: number) {
    super(options);
    checkConnectionLimit(maxPerAddress);
    this.maxPerAddress = maxPerAddress;
    // Colyseus registers its handler for every new socket; admit() screens each socket before it
    this.wss.removeAllListeners('connection');
    this.wss.on('connection', (raw: RawSocket, req: IncomingMessage, upgrade?: unknown) => this.admit(raw, req, upgrade));
  }

  /** Sockets open now from `address`. */
  openFrom(address: string): number {
    return this.open.get(address) ?? 0;
  }

  private admit(raw: RawSocket, req: IncomingMessage, upgrade: unknown): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    const count = this.openFrom(address);
    if (this.maxPerAddress > 0 && count >= this.maxPerAddress) {
      log.debug(`refused a WebSocket from ${address}: ${count} already open`);
      const message = `TOO_MANY_CONNECTIONS: ${count} connections are already open from your address (${address}); this server allows ${this.maxPerAddress} at once`;
      new WebSocketClient('', raw).error(TOO_MANY_CONNECTIONS, message, () => raw.close(CloseCode.WITH_ERROR));
      return;
    }
    this.open.set(address, count + 1);
    raw.once('close', () => {
      const left = this.openFrom(address) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
    void this.onConnection(raw, req, upgrade as Parameters<WebSocketTransport['onConnection']>[2]);
  }
}
