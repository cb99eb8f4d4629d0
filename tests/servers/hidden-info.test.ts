/**
 * Hidden information never reaches the wrong client. A person (seat view only), a bot (seat view and
 * agentView) and a spectator play/watch several Kuhn and Leduc games with rematches (so both
 * players sit in both seats). Every state snapshot, every message and every raw WebSocket frame each
 * client received is inspected: before showdown no client ever sees the opponent's card, and no
 * client ever receives a byte of another seat's private view.
 */
import { matchMaker } from '@colyseus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { SeatPlayer } from '../../servers/bot.ts';
import type { MatchClient } from '../../servers/client.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, installFrameRecorder, join, legalOf, receivedBytes, startServer } from './helpers.ts';

let srv: ArenaServer;
const TOKEN = 'hidden-info-admin';

beforeAll(async () => {
  installFrameRecorder();
  srv = await startServer({ adminToken: TOKEN });
});

afterAll(async () => {
  await srv?.close();
});

interface Snapshot {
  gameNumber: number;
  phase: string;
  seat: number | null;
  /** Every JSON view string present in the decoded state: [where, text]. */
  views: [string, string][];
}

/** Records every state the client decodes and every message it gets. */
function trace(c: MatchClient): { snaps: Snapshot[]; messages: () => string } {
  const snaps: Snapshot[] = [];
  c.subscribe(() => {
    const st = c.state;
    if (!st) return;
    const views: [string, string][] = [['public', st.publicView]];
    [...st.seats].forEach((s, i) => {
      if (s.view) views.push([`seat${i}.view`, s.view]);
      if (s.agentView) views.push([`seat${i}.agentView`, s.agentView]);
    });
    snaps.push({ gameNumber: st.gameNumber, phase: st.phase, seat: c.seatFor(st.gameNumber), views });
  });
  return { snaps, messages: () => JSON.stringify([c.events, c.errors]) };
}

/** A person's client: random legal moves from its own seat view, a rematch after each game. */
async function person(c: MatchClient, games: number, rng: Rng, onFinished: (g: number) => void): Promise<void> {
  for (let g = 0; g < games; g++) {
    let lastStep = -1;
    for (;;) {
      await c.waitFor(
        () => c.state.gameNumber === g && (c.state.phase === 'finished' || (c.state.phase === 'playing' && c.state.toMove === c.seatFor(g) && c.state.step !== lastStep && legalOf(c).length > 0)),
        10_000,
        `my turn in game ${g}`,
      );
      if (c.state.phase === 'finished') break;
      const legal = legalOf(c);
      lastStep = c.state.step;
      c.move(legal[rng.int(legal.length)]!, lastStep);
    }
    onFinished(g);
    if (g + 1 < games) {
      c.rematch();
      await c.waitFor(() => c.state.gameNumber === g + 1, 10_000, 'the rematch');
    }
  }
}

async function playAndInspect(gameName: 'kuhn-poker' | 'leduc-poker', botSpec: string, games: number): Promise<void> {
  const game = getGame(gameName);
  // seeded deals, a seeded person and a seeded bot: the same games every run (unseeded deals left a 10-game
  // Kuhn series without a fold now and then, and the fold path went uninspected)
  const a = await create(srv, gameName, { name: 'person', token: TOKEN, seed: 3 });
  await a.waitFor(() => a.seat === 0);
  const traces = new Map<MatchClient, ReturnType<typeof trace>>([[a, trace(a)]]);
  const s = await join(srv, gameName, a.roomId, { spectator: true });
  traces.set(s, trace(s));
  const b = await join(srv, gameName, a.roomId, { bot: true, name: 'bot' });
  traces.set(b, trace(b));
  const room = matchMaker.getLocalRoomById(a.roomId) as unknown as { gs: { view(seat: number | null): { cards: (string | null)[]; showdown: boolean } } };
  /** The true deal of each game (read on the server when the game ends). */
  const truth = new Map<number, { cards: (string | null)[]; showdown: boolean }>();
  const bot = new SeatPlayer(b, { game, agent: createBot(botSpec, game.info, 5), games, leaveAtEnd: false });
  const botDone = bot.play();
  await person(a, games, new Rng(11), (g) => {
    const full = room.gs.view(0);
    const other = room.gs.view(1);
    truth.set(g, { cards: [full.cards[0]!, other.cards[1]!], showdown: full.showdown });
  });
  await botDone;
  expect(truth.size).toBe(games);
  expect([...truth.values()].every((t) => t.cards.every((c) => typeof c === 'string'))).toBe(true);
  // at least one game reached showdown and one ended by a fold, so both paths are inspected
  expect([...truth.values()].some((t) => t.showdown)).toBe(true);
  expect([...truth.values()].some((t) => !t.showdown)).toBe(true);

  for (const [c, tr] of traces) {
    const who = c === a ? 'person' : c === b ? 'bot' : 'spectator';
    // the full state on joining arrives just before the `seat` message: those snapshots belong to the seat announced next
    for (let i = tr.snaps.length - 1; i >= 0; i--) {
      const next = tr.snaps[i + 1];
      if (tr.snaps[i]!.seat === null && who !== 'spectator' && next && next.gameNumber === tr.snaps[i]!.gameNumber) tr.snaps[i]!.seat = next.seat;
    }
    expect(tr.snaps.length, who).toBeGreaterThan(games * 2);
    for (const snap of tr.snaps) {
      const t = truth.get(snap.gameNumber)!;
      const revealed = snap.phase === 'finished' && t.showdown;
      for (const [where, text] of snap.views) {
        // only the client's own seat's private fields ever arrive
        if (where !== 'public') expect(where.startsWith(`seat${snap.seat}.`), `${who} (seat ${snap.seat}) received ${where} in game ${snap.gameNumber} ${snap.phase}`).toBe(true);
        if (where.endsWith('agentView')) {
          expect(who).toBe('bot');
          continue;
        }
        const cards = (JSON.parse(text) as { cards: (string | null)[] }).cards;
        for (let seat = 0; seat < 2; seat++) {
          if (seat === snap.seat || revealed) continue;
          expect(cards[seat], `${who} saw seat ${seat}'s card in ${where} of game ${snap.gameNumber} (${snap.phase})`).toBe(null);
        }
      }
    }
    // raw bytes and messages: no private string of any other seat, ever
    const raw = receivedBytes(c);
    const messages = tr.messages();
    for (const [other, otherTrace] of traces) {
      if (other === c) continue;
      for (const snap of otherTrace.snaps) {
        for (const [where, text] of snap.views) {
          if (where === 'public' || !where.startsWith(`seat${snap.seat}.`)) continue;
          // the same seat's view may reach c legitimately when c sits in that seat in another game
          if (tr.snaps.some((m) => m.views.some(([w2, t2]) => w2 === where && t2 === text))) continue;
          expect(raw.includes(text), `${who} received a private ${where} string`).toBe(false);
          expect(messages.includes(text)).toBe(false);
        }
      }
    }
    expect(messages).not.toMatch(/"cards"/);
  }
  await Promise.all([a.leave(), b.leave(), s.leave()]);
}

describe('hidden information', () => {
  it("Kuhn poker: nobody sees the opponent's card before showdown, and no private view reaches another client", async () => {
    await playAndInspect('kuhn-poker', 'nash', 10);
  });

  it("Leduc hold'em: the same, over two betting rounds and a public card", async () => {
    await playAndInspect('leduc-poker', 'random', 8);
  });
});
