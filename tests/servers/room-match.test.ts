/**
 * A room's match flow on its own, without transport: client moves refused with their codes (and
 * nothing changed), server-side agents moving in turn, simultaneous ticks closing early or at their
 * deadline, failing agents forfeiting, and game keys.
 */
import { describe, expect, it } from 'vitest';
import { TERMINAL, type GameState, type Seat } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import type { MatchResult } from '../../servers/protocol.ts';
import { RoomMatch, type SeatAgent } from '../../servers/room-match.ts';
import type { ServedAgent } from '../../servers/served-agent.ts';
import { sleep, until } from './helpers.ts';

/** A server-side agent answering with `choose` (the lowest legal action by default); it notes its resets. */
function agent(choose: (state: GameState, seat: Seat) => number | Promise<number> = (s, seat) => s.legalActions(seat)[0]!): ServedAgent & { resets: number[] } {
  const resets: number[] = [];
  return {
    pooled: false,
    resets,
    reset: (seed) => resets.push(seed),
    move: async (state, seat) => choose(state, seat),
    dispose: () => undefined,
  };
}

function seatAgent(served: ServedAgent, spec: string, firstTeam: number): SeatAgent {
  return { agent: served, spec, firstTeam };
}

function flow(gameName: string, opts: { tickMs?: number; seed?: number } = {}) {
  const game = getGame(gameName);
  const moved: [number, number, string, number][] = [];
  const ended: MatchResult[] = [];
  const failed: Error[] = [];
  let changes = 0;
  const rm = new RoomMatch({
    game,
    seed: opts.seed ?? 1,
    openingPlies: 0,
    tickMs: opts.tickMs ?? 60_000,
    agentDelayMs: 0,
    agentOnlyDelayMs: 0,
    label: 'test',
    events: {
      moved: (seat, action, name, step) => moved.push([seat, action, name, step]),
      changed: () => changes++,
      ended: (r) => ended.push(r),
      failed: (err) => failed.push(err),
    },
  });
  return { rm, moved, ended, failed, changes: () => changes };
}

const snapshot = (rm: RoomMatch) => JSON.stringify([rm.match.state.serialize(), rm.match.history, rm.phase]);

describe('room match flow', () => {
  it('refuses moves before the start, out of turn, illegal, stale and after the end — changing nothing', () => {
    const { rm, ended } = flow('tic-tac-toe');
    expect(rm.move(0, 4, undefined)).toMatchObject({ code: 'NOT_STARTED', message: 'the game has not started: seats are still free' });
    rm.start(0, [null, null]);
    expect(rm.phase).toBe('playing');
    const before = snapshot(rm);
    expect(rm.move(1, 4, undefined)).toEqual({ code: 'NOT_YOUR_TURN', message: 'seat 0 is to move', strike: true });
    expect(rm.move(0, 9, undefined)).toEqual({ code: 'ILLEGAL_ACTION', message: 'action 9 is not legal for seat 0 now', strike: true });
    expect(rm.move(0, 4, 3)).toEqual({ code: 'STALE_MOVE', message: 'move for step 3, but the game is at step 0', strike: false });
    expect(snapshot(rm)).toBe(before);
    for (const [seat, cell] of [[0, 0], [1, 3], [0, 1], [1, 4], [0, 2]] as const) expect(rm.move(seat, cell, undefined)).toBe(null);
    expect(rm.phase).toBe('finished');
    expect(ended).toEqual([rm.result]);
    expect(rm.result).toMatchObject({ returns: [1, -1], winnerTeam: 0 });
    expect(rm.result!.gameKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(rm.move(1, 5, undefined)).toMatchObject({ code: 'GAME_OVER' });
  });

  it('a server-side agent is reseeded per game and answers in its turn; moves are reported in order', async () => {
    const { rm, moved, ended } = flow('tic-tac-toe', { seed: 3 });
    const ai = agent();
    rm.start(0, [null, seatAgent(ai, 'lowest', 1)]);
    expect(ai.resets).toEqual([rm.match.agentSeed(1)]);
    expect(rm.move(0, 4, 0)).toBe(null);
    await until(() => rm.match.state.stepCount() === 2, 'the agent to answer');
    expect(moved).toEqual([
      [0, 4, 'r2c2', 0],
      [1, 0, 'r1c1', 1],
    ]);
    expect(rm.match.toMove()).toBe(0);
    expect(ended).toEqual([]);
  });

  it('an agent that throws or answers an illegal action forfeits its side, with the reason', async () => {
    for (const [choose, reason] of [
      [() => Promise.reject(new Error('boom')), "agent 'bad' failed: boom"],
      [() => 42, "agent 'bad' failed: returned illegal action 42"],
    ] as const) {
      const { rm, ended } = flow('tic-tac-toe');
      rm.start(0, [seatAgent(agent(choose), 'bad', 0), null]);
      await until(() => ended.length === 1, 'the forfeit');
      expect(ended[0]).toMatchObject({ returns: [-1, 1], winnerTeam: 1, forfeit: { seat: 0, team: 0, reason } });
      expect(rm.phase).toBe('finished');
      expect(rm.match.toMove()).toBe(TERMINAL);
    }
  });

  it('a tick closes once every client seat has moved and every agent answered, well before its deadline', async () => {
    const { rm } = flow('grid-soccer', { tickMs: 60_000 });
    const agents = [null, ...[1, 2, 3].map((s) => seatAgent(agent(() => 0), 'stay', s < 2 ? 0 : 1))];
    rm.start(0, agents);
    expect(rm.deadline).toBeGreaterThan(Date.now() + 50_000);
    const legal = rm.match.state.legalActions(0);
    await sleep(20); // the agents have answered; the client has not
    expect(rm.match.state.stepCount()).toBe(0);
    expect(rm.move(0, legal.at(-1)!, 0)).toBe(null);
    expect(rm.match.state.stepCount()).toBe(1);
    expect(rm.match.history).toEqual([legal.at(-1)!, 0, 0, 0]);
    rm.dispose();
  });

  it('at the deadline a tick closes without the seats that sent nothing: they stay', async () => {
    const { rm } = flow('grid-soccer', { tickMs: 60 });
    const agents = [null, ...[1, 2, 3].map((s) => seatAgent(agent((st, seat) => st.legalActions(seat).at(-1)!), 'last', s < 2 ? 0 : 1))];
    rm.start(0, agents);
    await until(() => rm.match.state.stepCount() === 1, 'the deadline');
    const last = (seat: number) => {
      const replay = getGame('grid-soccer').newState();
      replay.reset(rm.match.gameSeed);
      return replay.legalActions(seat).at(-1)!;
    };
    expect(rm.match.history).toEqual([0, last(1), last(2), last(3)]);
    expect(rm.deadline).toBeGreaterThan(0); // the next tick's
    rm.dispose();
  });

  it('answers that arrive after the room closed are dropped', async () => {
    const { rm, moved, ended } = flow('tic-tac-toe');
    let answer: (a: number) => void = () => undefined;
    rm.start(0, [seatAgent(agent(() => new Promise<number>((resolve) => (answer = resolve))), 'slow', 0), null]);
    await sleep(10);
    rm.dispose();
    answer(4);
    await sleep(10);
    expect(moved).toEqual([]);
    expect(ended).toEqual([]);
    expect(rm.match.state.stepCount()).toBe(0);
  });

  it('equal games get equal keys within a room, and different games different ones', () => {
    const { rm, ended } = flow('tic-tac-toe');
    const play = (cells: number[]) => {
      rm.start(ended.length, [null, null]);
      cells.forEach((c, i) => rm.move(i % 2, c, undefined));
    };
    play([0, 3, 1, 4, 2]);
    play([0, 3, 1, 4, 2]);
    play([4, 0, 8, 2, 6, 1]);
    expect(ended).toHaveLength(3);
    expect(ended[0]!.gameKey).toBe(ended[1]!.gameKey);
    expect(ended[2]!.gameKey).not.toBe(ended[0]!.gameKey);
  });
});
