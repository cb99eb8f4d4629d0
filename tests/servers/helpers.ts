/**
 * Shared pieces of the server tests: a server on a free loopback port, SDK clients, and a recorder
 * of every raw WebSocket frame each client receives (to prove what never reaches a client).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { Room as SdkRoom } from '@colyseus/sdk';
import { createArenaServer, type ArenaServer, type ArenaServerOptions } from '../../servers/server.ts';
import { MatchClient } from '../../servers/client.ts';
import type { RoomOptions } from '../../servers/protocol.ts';
import type { MatchLine } from '../../servers/records.ts';

/** Raw frames received per SDK room (installed once per test process). */
const frames = new WeakMap<object, Uint8Array[]>();
let installed = false;

export function installFrameRecorder(): void {
  if (installed) return;
  installed = true;
  const proto = SdkRoom.prototype as unknown as { onMessageCallback: (ev: MessageEvent) => void };
  const original = proto.onMessageCallback;
  proto.onMessageCallback = function (this: object, ev: MessageEvent) {
    let list = frames.get(this);
    if (!list) frames.set(this, (list = []));
    list.push(new Uint8Array(ev.data as ArrayBuffer).slice());
    original.call(this, ev);
  };
}

/** Every frame a client has received so far, as one latin1 string (UTF-8 text inside stays searchable). */
export function receivedBytes(c: MatchClient): string {
  return (frames.get(c.room) ?? []).map((f) => Buffer.from(f).toString('latin1')).join('\n');
}

export function receivedFrameCount(c: MatchClient): number {
  return frames.get(c.room)?.length ?? 0;
}

/** A server on a free loopback port; unless `opts` names its own, its data folder is a fresh temporary one, removed by `close()`. */
export async function startServer(opts: ArenaServerOptions = {}): Promise<ArenaServer> {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'arena-server-test-'));
  const srv = await createArenaServer({ port: 0, host: '127.0.0.1', dataDir, adminToken: null, ...opts }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  const close = srv.close.bind(srv);
  return Object.assign(srv, {
    async close() {
      try {
        await close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  });
}

export function create(srv: ArenaServer, room: string, options: RoomOptions = {}): Promise<MatchClient> {
  return MatchClient.connect({ url: srv.wsUrl, room, create: true, options });
}

export function join(srv: ArenaServer, room: string, roomId: string, options: RoomOptions = {}): Promise<MatchClient> {
  return MatchClient.connect({ url: srv.wsUrl, room, roomId, options });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once `pred()` holds (polled); rejects after `timeoutMs`. For state outside a client (files, Redis). */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The games recorded in a matches.jsonl (none when it does not exist yet). */
export function readMatchLines(file: string): MatchLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MatchLine);
}

/** Legal actions from a client's own seat view. */
export function legalOf(c: MatchClient): number[] {
  return (c.seatView()?.['legal'] as number[] | undefined) ?? [];
}

/** Waits for the next error after `before` errors and returns it. */
export async function nextError(c: MatchClient, before: number, timeoutMs = 3000) {
  await c.waitFor(() => c.errors.length > before, timeoutMs, 'an error message');
  return c.errors[before]!;
}
