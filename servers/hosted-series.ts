/**
 * Hosted tournaments: `playSeries` played as real matches on an arena server. Each pair plays in one
 * room of bot clients (one client per seat, a side's seats sharing its agent) for `games` games,
 * with rematches swapping sides, so agent i plays side (i + g) mod 2 in game g exactly as offline.
 * With the admin token the room is seeded like the offline series (same deal per game) and the agents
 * are reseeded the same way before each game, so a hosted tournament of seeded agents reproduces the
 * offline table; without it the server picks the seeds. The room plays the series' random openings
 * (`openingPlies`, games 2p and 2p+1 sharing one) and reports a key per game, so the distinct games
 * are counted as offline without the history (hidden cards) leaving the server.
 */
import { type Agent } from '../core/index.ts';
import { agentGameSeed, checkTwoSides, SeriesTally, type SeriesOptions, type SeriesResult } from '../src/eval/match.ts';
import { BalancedOpenings, checkOpeningPlies, defaultOpeningPlies } from '../src/eval/openings.ts';
import { SeatPlayer, type BotGame } from './bot.ts';
import { MatchClient } from './client.ts';
import { roomNameOf } from './protocol.ts';

export interface HostedSeriesOptions {
  /** `ws://host:port` of the server. */
  readonly url: string;
  /** Admin token (seeds the rooms like the offline series). */
  readonly token?: string | null;
  /** Display names of the two agents (default: their `name`). */
  readonly names?: readonly [string, string];
  /** Give up on a series after this long (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Messages per second per client (default 16, under the server's 20; null: unpaced, for servers with a raised limit). */
  readonly pace?: number | null;
}

/** A `playSeries` replacement that plays on the server at `opts.url`. */
export function hostedSeries(opts: HostedSeriesOptions): (series: SeriesOptions) => Promise<SeriesResult> {
  return (series) => playHostedSeries(series, opts);
}

export async function playHostedSeries(series: SeriesOptions, opts: HostedSeriesOptions): Promise<SeriesResult> {
  const { game, agents } = series;
  const info = game.info;
  checkTwoSides(game);
  const openingPlies = series.openingPlies ?? defaultOpeningPlies(info);
  checkOpeningPlies(info, openingPlies);
  const seed = series.seed ?? 0;
  const openings = series.openings ?? 'random';
  // the count the tally reports (and a one-line error before any room opens): enumerated here unless the tournament did
  const book = openings === 'balanced' && openingPlies > 0 ? (series.book ?? new BalancedOpenings(game.newState(seed), openingPlies)) : null;
  const seeded = Boolean(opts.token);
  const names = opts.names ?? [agents[0].name, agents[1].name];
  // seats in joining order: side 0 (agent 0 in game 0), then side 1
  const seats = [...info.teams[0]!.map((s) => [s, 0] as const), ...info.teams[1]!.map((s) => [s, 1] as const)];
  const clients: MatchClient[] = [];
  const players: SeatPlayer[] = [];
  const resetDone = new Set<number>();
  const resetAgents = (g: number): void => {
    if (resetDone.has(g)) return;
    resetDone.add(g);
    if (!seeded) return;
    agents[0].reset?.(agentGameSeed(seed, g, 0));
    agents[1].reset?.(agentGameSeed(seed, g, 1));
  };
  const room = roomNameOf(info.id);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (const [seat, side] of seats) {
      const first = clients.length === 0;
      const options = {
        seat,
        bot: true,
        name: names[side]!.slice(0, 32),
        ...(first && seeded ? { token: opts.token!, seed } : {}),
        ...(first && openingPlies > 0 ? { openingPlies } : {}),
        ...(first && book ? { openings } : {}),
      };
      const pace = opts.pace === undefined ? {} : { pace: opts.pace };
      const client = await MatchClient.connect(first ? { url: opts.url, room, create: true, options, ...pace } : { url: opts.url, room, roomId: clients[0]!.roomId, options, ...pace });
      clients.push(client);
    }
    // the first seat of side 0 keeps the score (agent 0 sits there in game 0, on the other side after each swap)
    let done = 0;
    const tally = new SeriesTally(game, { plies: openingPlies, scheme: openings, ...(book ? { count: book.size } : {}) });
    for (let i = 0; i < seats.length; i++) {
      const agent: Agent = agents[seats[i]![1]]!;
      const onGame =
        i === 0
          ? (g: BotGame) => {
              // g is seen from agent 0's seat; its side this game is g.team (a server without game keys: every game counts as distinct)
              tally.add(g.team, g.result.returns, g.result.gameKey ?? `game ${g.gameNumber}`);
              series.onGame?.(++done, tally.result());
            }
          : undefined;
      players.push(new SeatPlayer(clients[i]!, { game, agent, games: series.games, onGameStart: resetAgents, leaveAtEnd: true, ...(onGame ? { onGame } : {}) }));
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hosted series ${names[0]} vs ${names[1]} timed out`)), opts.timeoutMs ?? 600_000);
    });
    const results = Promise.all(players.map((p) => p.play()));
    await Promise.race([results, timeout]);
    return tally.result();
  } finally {
    clearTimeout(timer);
    await Promise.all(clients.map((c) => c.leave().catch(() => undefined)));
  }
}
