/**
 * Bots as network clients (bot vs bot in every kind of game), simultaneous ticks with a deadline,
 * reconnection within the grace period (and the forfeit after it), and hosted tournaments that
 * reproduce the offline table.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { getGame } from '../../games/index.ts';
import { LeagueStore } from '../../league/store.ts';
import { runTournament } from '../../league/tournament.ts';
import { runBot, type BotGame } from '../../servers/bot.ts';
import { MatchClient } from '../../servers/client.ts';
import { hostedSeries } from '../../servers/hosted-series.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { create, join, legalOf, startServer } from './helpers.ts';

const TOKEN = 'test-admin-token';
let srv: ArenaServer;
const tempDir = tempDirs('arena-league-');

beforeAll(async () => {
  // bots here are unpaced, so the rate limit is raised (the limits themselves are tested in safety.test.ts);
  // a grace period of 3 s, so that a stalled CI runner does not lose the seat before the reconnect lands
  srv = await startServer({ adminToken: TOKEN, reconnectSeconds: 3, agentOnlyDelayMs: 10, limits: { messagesPerSecond: 10_000 } });
});

afterAll(async () => {
  await srv?.close();
});

/** Two bots in one room: the first creates it, the second joins it by id. */
async function botPair(gameName: string, specs: [string, string], games: number, extra: { tickMs?: number } = {}): Promise<[BotGame[], BotGame[]]> {
  const game = getGame(gameName);
  let ready: (roomId: string) => void = () => undefined;
  const joined = new Promise<string>((resolve) => (ready = resolve));
  const first = runBot({ url: srv.wsUrl, game, agent: createBot(specs[0], game.info, 1), create: true, games, pace: null, options: extra, onJoin: (c) => ready(c.roomId) });
  const roomId = await joined;
  const second = runBot({ url: srv.wsUrl, game, agent: createBot(specs[1], game.info, 2), roomId, games, pace: null });
  return Promise.all([first, second]);
}

describe('bot vs bot', () => {
  it('Connect Four: alphabeta:2 and random play two games with swapped sides and agree on the results', async () => {
    const [a, b] = await botPair('connect-four', ['alphabeta:2', 'random'], 2);
    expect(a.map((g) => g.seat)).toEqual([0, 1]);
    expect(b.map((g) => g.seat)).toEqual([1, 0]);
    for (let i = 0; i < 2; i++) {
      expect(a[i]!.result).toEqual(b[i]!.result);
      expect(a[i]!.teamReturn).toBe(-b[i]!.teamReturn);
    }
    expect(a.filter((g) => g.outcome === 'win').length).toBeGreaterThanOrEqual(1);
  });

  it('Kuhn poker: nash and random play from their seat views only (observation, information state, legal moves)', async () => {
    const [a, b] = await botPair('kuhn-poker', ['nash', 'random'], 6);
    expect(a.length).toBe(6);
    for (let i = 0; i < 6; i++) {
      expect(a[i]!.result.returns[0]! + a[i]!.result.returns[1]!).toBe(0);
      expect(a[i]!.teamReturn).toBe(-b[i]!.teamReturn);
    }
  });

  it('grid soccer: four bot clients (heuristic team vs random team) finish a 200-step game', async () => {
    const game = getGame('grid-soccer');
    const heuristic = createBot('heuristic', game.info, 1);
    const random = createBot('random', game.info, 2);
    const first = await MatchClient.connect({ url: srv.wsUrl, room: 'grid-soccer', create: true, pace: null, options: { bot: true, seat: 0, tickMs: 2000 } });
    const others = await Promise.all(
      [1, 2, 3].map((seat) => MatchClient.connect({ url: srv.wsUrl, room: 'grid-soccer', roomId: first.roomId, pace: null, options: { bot: true, seat } })),
    );
    const { SeatPlayer } = await import('../../servers/bot.ts');
    const clients = [first, ...others];
    const games = await Promise.all(clients.map((c, i) => new SeatPlayer(c, { game, agent: i < 2 ? heuristic : random, games: 1 }).play()));
    const r = games[0]![0]!.result;
    expect(games.every((g) => JSON.stringify(g[0]!.result) === JSON.stringify(r))).toBe(true);
    expect(r.returns[0]).toBe(r.returns[1]);
    expect(r.returns[0]! + r.returns[2]!).toBeCloseTo(0, 9);
    expect(r.winnerTeam).toBe(0); // the scripted team beats random movers
  });
});

describe('simultaneous ticks', () => {
  it('applies the joint move at the deadline; a seat that sent nothing stays', async () => {
    const c = await create(srv, 'grid-soccer', { agents: { '1': 'random', '2': 'random', '3': 'random' }, tickMs: 1000 });
    await c.waitFor(() => c.state.phase === 'playing' && c.seat === 0);
    expect(c.state.toMove).toBe(-2);
    const firstDeadline = c.state.deadline;
    expect(firstDeadline).toBeGreaterThan(Date.now() - 1000);
    const start = JSON.parse(c.seatView() ? c.state.seats[0]!.view! : '{}') as { players: ({ x: number; y: number } | null)[] };
    await c.waitFor(() => c.state.step >= 2, 8000, 'two ticks');
    expect(c.state.deadline).toBeGreaterThan(firstDeadline);
    const now = JSON.parse(c.state.seats[0]!.view!) as { players: ({ x: number; y: number } | null)[] };
    expect(now.players[0]).toMatchObject({ x: start.players[0]!.x, y: start.players[0]!.y }); // never moved: stayed
    // a move for the current tick is taken; the tick then waits for its deadline (agents already moved);
    // ticks of 1 s leave a loaded machine time to deliver it before the tick closes (else STALE_MOVE)
    const step = c.state.step;
    c.move(legalOf(c).at(-1)!, step);
    await c.waitFor(() => c.state.step > step, 5000, 'the next tick');
    expect(c.errors).toEqual([]);
    await c.leave();
  });
});

describe('reconnection', () => {
  it('a dropped player gets its seat back within the grace period; after it, its side forfeits', async () => {
    const a = await create(srv, 'connect-four', { agents: { '1': 'alphabeta:2' }, name: 'ann' });
    await a.waitFor(() => a.state.phase === 'playing' && a.seat === 0);
    const s = await join(srv, 'connect-four', a.roomId, { spectator: true });
    a.move(3);
    await a.waitFor(() => a.state.step === 2, 5000, 'the agent to answer');
    const token = a.room.reconnectionToken;
    a.room.connection.close(4999, 'network trouble'); // not a consented leave (4000 would be)
    await s.waitFor(() => s.state.seats[0]!.connected === false, 3000, 'the drop');
    expect(s.state.phase).toBe('playing');

    const back = await MatchClient.reconnect(srv.wsUrl, token);
    await back.waitFor(() => back.seat === 0 && back.state.seats[0]!.connected === true, 3000, 'the seat back');
    expect(back.state.seats[0]!.name).toBe('ann');
    expect(JSON.parse(back.state.seats[0]!.view!).board.filter((v: number) => v >= 0).length).toBe(2);
    back.move(3, 2);
    await back.waitFor(() => back.state.step === 4, 5000, 'the game to go on');

    back.room.connection.close(4999, 'gone for good');
    await s.waitFor(() => s.state.phase === 'finished', 10_000, 'the forfeit after the grace period');
    expect(s.result()).toMatchObject({ winnerTeam: 1, forfeit: { seat: 0, team: 0 } });
    expect(s.state.seats[0]!.kind).toBe('empty');
    await s.leave();
  });
});

describe('hosted tournaments', () => {
  it('a tournament played on the server gives the same table as the offline one (seeded with the admin token)', async () => {
    for (const [name, specs, games] of [
      ['tic-tac-toe', ['minimax', 'random'], 4],
      ['kuhn-poker', ['nash', 'random', 'nash:0'], 6],
    ] as const) {
      const game = getGame(name);
      const offline = await runTournament({ game, specs: [...specs], games, seed: 3 });
      let played = 0;
      const hosted = await runTournament({ game, specs: [...specs], games, seed: 3, playSeries: hostedSeries({ url: srv.wsUrl, token: TOKEN, pace: null }), onGame: () => played++ });
      expect(played).toBe(hosted.totalGames);
      expect(hosted.pairs).toEqual(offline.pairs);
      expect(hosted.table).toEqual(offline.table);
    }
  });

  it('without the token the server picks the seeds, and the series still adds up', async () => {
    const game = getGame('connect-four');
    const t = await runTournament({ game, specs: ['alphabeta:2', 'random'], games: 2, seed: 1, playSeries: hostedSeries({ url: srv.wsUrl, pace: null }) });
    expect(t.pairs[0]!.wins + t.pairs[0]!.draws + t.pairs[0]!.losses).toBe(2);
    expect(t.table.map((r) => r.agent)).toEqual(['alphabeta:2', 'random']);
  });
});

describe('server-side agents and leagues', () => {
  it('a room of two league members plays on its own for a spectator, and the game is rated in their league', async () => {
    const dir = tempDir();
    const store = LeagueStore.open(dir, { game: 'tic-tac-toe-v1' });
    store.addMember({ id: 'bot:minimax', role: 'bot', botSpec: 'minimax' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
    store.close();
    // league members are not offered by this server: seating them needs the admin token
    await expect(create(srv, 'tic-tac-toe', { spectator: true, agents: { '0': `${dir}#bot:minimax`, '1': `${dir}#bot:random` } })).rejects.toThrow(/FORBIDDEN/);
    const s = await create(srv, 'tic-tac-toe', { spectator: true, token: TOKEN, agents: { '0': `${dir}#bot:minimax`, '1': `${dir}#bot:random` } });
    await s.waitFor(() => s.state.phase === 'finished', 5000, 'the game');
    expect(s.result()!.winnerTeam).not.toBe(1); // minimax never loses
    await s.leave();
    await srv.recorder!.flush();
    const line = readFileSync(srv.recorder!.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { room: string; league?: string })
      .find((l) => l.room === s.roomId)!;
    expect(line.league).toBe(dir);
    const after = LeagueStore.open(dir, { create: false });
    try {
      expect(after.gameCount()).toBe(1);
      expect(after.pair('bot:minimax', 'bot:random')).toMatchObject({ games: 1, wins: s.result()!.winnerTeam === 0 ? 1 : 0, losses: 0 });
    } finally {
      after.close();
    }
  });
});
