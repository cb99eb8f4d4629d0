/**
 * duel-v3 hosted: continuous moves over the protocol. A whole duel on the real server over real
 * WebSockets between an SDK client bot sending action vectors and a server-side `duel-scripted`
 * (thinking in the agent pool) is the same game as offline; a bad vector (NaN, ±Infinity, the wrong
 * length, an action id) is refused with a clear error and changes nothing, out-of-box components are
 * clipped by the game; a seat that sends nothing plays the zero vector; a server-side agent answering
 * a bad vector forfeits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import type { ServedAgent } from '../../servers/served-agent.ts';
import { getGame } from '../../games/index.ts';
import { agentGameSeed, Match, seriesGameSeed } from '../../src/eval/match.ts';
import { runBot } from '../../servers/bot.ts';
import type { MatchResult } from '../../servers/protocol.ts';
import { RoomMatch } from '../../servers/room-match.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { create, join, nextError, readMatchLines, startServer, until } from './helpers.ts';

const TOKEN = 'duel-admin-token';
const duel = getGame('duel');
let srv: ArenaServer;

beforeAll(async () => {
  // ticks close once every seat has moved, never at a deadline; the bot is unpaced
  srv = await startServer({ adminToken: TOKEN, tickMs: 60_000, limits: { messagesPerSecond: 10_000 } });
});

afterAll(async () => {
  await srv?.close();
});

describe('duel on the server', () => {
  it('an SDK bot sending vectors plays a whole duel against a server-side duel-scripted: the offline game, move for move', async () => {
    const seed = 77;
    const [game] = await runBot({
      url: srv.wsUrl,
      game: duel,
      agent: createBot('random', duel.info, 1),
      create: true,
      seat: 0,
      pace: null,
      options: { token: TOKEN, seed, agents: { '1': 'duel-scripted' } },
    });
    expect(game!.seat).toBe(0);
    expect(game!.result.forfeit).toBeUndefined();
    expect(game!.result.returns[0]! + game!.result.returns[1]!).toBe(0);

    // offline: the same seed, the random bot as the client built it, the scripted pilot reset as the room resets it
    const scripted = createBot('duel-scripted', duel.info, 0);
    scripted.reset?.(agentGameSeed(seed, 0, 1));
    const m = new Match({ state: duel.newState(), seed });
    m.start(0);
    const offline = m.play([createBot('random', duel.info, 1), scripted]);
    expect(game!.result).toMatchObject({ returns: offline.returns, winnerTeam: offline.winnerTeam });
    expect(offline.winnerTeam).toBe(1); // the scripted pilot beats random

    await srv.recorder!.flush();
    const [line] = readMatchLines(srv.recorder!.file).filter((l) => l.game === duel.info.id && l.seed === seriesGameSeed(seed, 0));
    expect(line!.steps).toBe(m.state.stepCount());
    expect(line!.seats.map((s) => s.kind)).toEqual(['bot', 'agent']);
  });

  it('refuses NaN, infinite, mis-sized vectors and action ids, changing nothing; clips out-of-box components', async () => {
    const seed = 9;
    const a = await create(srv, 'duel', { seat: 0, token: TOKEN, seed });
    const b = await join(srv, 'duel', a.roomId, { seat: 1 });
    try {
      await a.waitFor(() => a.state.phase === 'playing', 5000, 'the start');
      for (const [action, code, message] of [
        [[Number.NaN, 0, 0, 0], 'BAD_MESSAGE', /action\.0/],
        [[0, Infinity, 0, 0], 'BAD_MESSAGE', /action\.1/],
        [2, 'BAD_MESSAGE', /action/],
        [[0, 0, 0], 'ILLEGAL_ACTION', /^actions are vectors of 4 finite numbers, got 3 numbers$/],
        [[0, 0, 0, 0, 0], 'ILLEGAL_ACTION', /got 5 numbers/],
      ] as const) {
        const before = a.errors.length;
        a.send('move', { action, step: 0 });
        const err = await nextError(a, before);
        expect(err.code, JSON.stringify(action)).toBe(code);
        expect(err.message).toMatch(message);
      }
      expect(a.state.step).toBe(0);
      a.send('move', { action: [5, -5, 3, 1], step: 0 });
      b.send('move', { action: [0.5, 0, -2, -1], step: 0 });
      await a.waitFor(() => a.state.step === 1, 5000, 'the tick');
      const offline = duel.newState(seriesGameSeed(seed, 0));
      offline.applyJointContinuous([1, -1, 1, 1, 0.5, 0, -1, -1]);
      expect(JSON.parse(a.state.publicView)).toEqual(offline.view(null));
      expect(a.seatView()).toEqual(JSON.parse(JSON.stringify(offline.view(0))));
    } finally {
      await Promise.all([a.leave(), b.leave()]);
    }
  });
});

describe('duel room flow', () => {
  function flow(tickMs: number) {
    const ended: MatchResult[] = [];
    const rm = new RoomMatch({
      game: duel,
      seed: 1,
      openingPlies: 0,
      tickMs,
      agentDelayMs: 0,
      agentOnlyDelayMs: 0,
      label: 'test',
      events: { moved: () => undefined, changed: () => undefined, ended: (r) => ended.push(r), failed: (err) => { throw err; } },
    });
    return { rm, ended };
  }

  it('a tick that closes at its deadline plays the zero vector for every seat that sent nothing', async () => {
    const { rm } = flow(50);
    rm.start(0, [null, null]);
    expect(rm.move(0, [0, 0, 0], undefined)).toMatchObject({ code: 'ILLEGAL_ACTION', message: 'actions are vectors of 4 finite numbers, got 3 numbers' });
    expect(rm.move(0, 1, undefined)).toMatchObject({ code: 'ILLEGAL_ACTION', message: 'duel-v3 has continuous actions: a move is a vector of 4 numbers' });
    expect(rm.move(0, [1, 0, 0, 0], undefined)).toBeNull();
    await until(() => rm.match.state.stepCount() === 1, 'the deadline');
    expect(rm.match.history).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    rm.dispose();
  });

  it('a server-side agent answering a bad vector forfeits its side', async () => {
    const { rm, ended } = flow(60_000);
    const bad: ServedAgent = { pooled: false, reset: () => undefined, move: async () => [Number.NaN, 0, 0, 0], dispose: () => undefined };
    rm.start(0, [{ agent: bad, spec: 'bad', firstTeam: 0 }, null]);
    await until(() => ended.length === 1, 'the forfeit');
    expect(ended[0]).toMatchObject({ returns: [-1, 1], winnerTeam: 1, forfeit: { seat: 0, team: 0, reason: "agent 'bad' failed: returned illegal action [NaN, 0, 0, 0]" } });
    rm.dispose();
  });
});
