/**
 * One game, two ways. A seeded series played offline (`playSeries`) and the same series played on an
 * arena server — a room of SDK clients over real WebSockets (`playHostedSeries`), with rematches that
 * swap sides — are the same games: the same transitions (actions, chance outcomes, joint actions),
 * the same state and observations after every one of them, the same observations, legal actions and
 * choices where the agents act, the same results. A probe on the game's state class sees every
 * transition of the offline state and of the room's state alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import type { Agent, Game, GameState, Seat } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { playSeries, seriesGameSeed, winnerTeam, type SeriesResult } from '../../src/eval/match.ts';
import { playHostedSeries } from '../../servers/hosted-series.ts';
import type { ArenaServer } from '../../servers/server.ts';
import { readMatchLines, startServer } from './helpers.ts';

const TOKEN = 'test-admin-token';
let srv: ArenaServer;

beforeAll(async () => {
  // ticks close when every seat has moved, never at a deadline (a seat that missed one would stay);
  // the bots are unpaced, so the rate limit is raised
  srv = await startServer({ adminToken: TOKEN, tickMs: 60_000, limits: { messagesPerSecond: 10_000 } });
});

afterAll(async () => {
  await srv?.close();
});

/** One transition of a state: what was applied, and the state and every seat's observation after it. */
interface Transition {
  readonly kind: 'reset' | 'apply' | 'joint' | 'chance';
  readonly input: number | number[];
  readonly state: string;
  readonly observations: number[][];
}

type Probed = Pick<GameState, 'reset' | 'apply' | 'applyJoint' | 'applyChance'>;

/** Records every transition of every state of `game` (by state) until `restore`. */
function probeTransitions(game: Game): { readonly log: Map<GameState, Transition[]>; restore(): void } {
  const proto = Object.getPrototypeOf(game.newState(0)) as Probed & object;
  const names = ['reset', 'apply', 'applyJoint', 'applyChance'] as const;
  const own = new Map(names.map((n) => [n, Object.prototype.hasOwnProperty.call(proto, n)]));
  const original = { reset: proto.reset, apply: proto.apply, applyJoint: proto.applyJoint, applyChance: proto.applyChance };
  const log = new Map<GameState, Transition[]>();
  const note = (state: GameState, kind: Transition['kind'], input: number | number[]): void => {
    const obs = new Float32Array(state.info.observationSize);
    const observations = Array.from({ length: state.info.seats }, (_, s) => {
      state.observe(s, obs);
      return Array.from(obs);
    });
    let list = log.get(state);
    if (!list) log.set(state, (list = []));
    list.push({ kind, input, state: JSON.stringify(state.serialize()), observations });
  };
  proto.reset = function (this: GameState, seed: number) {
    original.reset.call(this, seed);
    note(this, 'reset', seed);
  };
  proto.apply = function (this: GameState, action: number) {
    original.apply.call(this, action);
    note(this, 'apply', action);
  };
  proto.applyJoint = function (this: GameState, actions: ArrayLike<number>) {
    original.applyJoint.call(this, actions);
    note(this, 'joint', Array.from(actions));
  };
  proto.applyChance = function (this: GameState) {
    const outcome = original.applyChance.call(this);
    note(this, 'chance', outcome);
    return outcome;
  };
  return {
    log,
    restore() {
      for (const n of names) {
        if (own.get(n)) (proto as Record<string, unknown>)[n] = original[n];
        else delete (proto as Record<string, unknown>)[n];
      }
    },
  };
}

/** The transitions of the one state that had any (and clears the log). */
function onlyStateLog(log: Map<GameState, Transition[]>): Transition[] {
  const lists = [...log.values()].filter((l) => l.some((t) => t.kind !== 'reset'));
  log.clear();
  expect(lists).toHaveLength(1);
  return lists[0]!;
}

/** Splits a state's transitions into games (each begins with its reset). */
function games(transitions: Transition[]): Transition[][] {
  const out: Transition[][] = [];
  for (const t of transitions) {
    if (t.kind === 'reset') out.push([]);
    out.at(-1)!.push(t);
  }
  return out;
}

/** An agent that notes its resets and, wherever it acts, what it saw (observation, information state, legal actions) and what it chose. */
function watched(agent: Agent): Agent & { readonly seen: string[] } {
  const seen: string[] = [];
  return {
    name: agent.name,
    seen,
    reset(seed: number) {
      agent.reset?.(seed);
      seen.push(`reset ${seed}`);
    },
    act(state: GameState, seat: Seat) {
      const obs = new Float32Array(state.info.observationSize);
      state.observe(seat, obs);
      const action = agent.act(state, seat);
      seen.push(JSON.stringify({ step: state.stepCount(), seat, obs: Array.from(obs), info: state.informationState(seat), legal: state.legalActions(seat), action }));
      return action;
    },
  };
}

/**
 * One bot per seat behind a single agent: in a hosted team game the clients of one side ask their
 * shared agent in whatever order their messages arrive, so each seat draws from its own generator.
 */
function perSeat(spec: string, game: Game): Agent {
  const bots = Array.from({ length: game.info.seats }, (_, s) => createBot(spec, game.info, s));
  return {
    name: spec,
    reset: (seed) => bots.forEach((b, s) => b.reset?.((seed + s) >>> 0)),
    act: (state, seat) => bots[seat]!.act(state, seat),
  };
}

async function bothWays(gameName: string, makeAgents: (game: Game) => [Agent, Agent], gamesToPlay: number, seed: number): Promise<void> {
  const game = getGame(gameName);
  const probe = probeTransitions(game);
  try {
    const offAgents = makeAgents(game).map(watched) as [ReturnType<typeof watched>, ReturnType<typeof watched>];
    const offline: SeriesResult = playSeries({ game, agents: offAgents, games: gamesToPlay, seed });
    const offLog = onlyStateLog(probe.log);

    const hostAgents = makeAgents(game).map(watched) as [ReturnType<typeof watched>, ReturnType<typeof watched>];
    const hosted = await playHostedSeries({ game, agents: hostAgents, games: gamesToPlay, seed }, { url: srv.wsUrl, token: TOKEN, pace: null });
    const hostLog = onlyStateLog(probe.log);

    // every transition, with the state and each seat's observation after it
    expect(hostLog.length).toBe(offLog.length);
    for (let i = 0; i < offLog.length; i++) expect(hostLog[i], `transition ${i}`).toEqual(offLog[i]);
    // the games are seeded as the series says, and sides swap between them
    const offGames = games(offLog);
    expect(offGames.map((g) => g[0]!.input)).toEqual(Array.from({ length: gamesToPlay }, (_, g) => seriesGameSeed(seed, g)));
    expect(offGames.some((g) => g.some((t) => t.kind === (game.info.dynamics === 'simultaneous' ? 'joint' : 'chance')))).toBe(true);
    // what each agent saw where it acted, and what it chose (a side's seats may act in either order on the server)
    for (let i = 0; i < 2; i++) {
      expect(hostAgents[i]!.seen.length).toBeGreaterThan(gamesToPlay);
      expect([...hostAgents[i]!.seen].sort()).toEqual([...offAgents[i]!.seen].sort());
    }
    // the results: the series' tallies, and each game as the server recorded it
    expect(hosted).toEqual(offline);
    await srv.recorder!.flush();
    const lines = readMatchLines(srv.recorder!.file)
      .filter((l) => l.game === game.info.id)
      .sort((a, b) => a.gameNumber - b.gameNumber);
    expect(lines.map((l) => l.gameNumber)).toEqual(Array.from({ length: gamesToPlay }, (_, g) => g));
    for (const [g, line] of lines.entries()) {
      const played = offGames[g]!;
      const end = game.restore(JSON.parse(played.at(-1)!.state));
      const returns = new Float64Array(game.info.seats);
      end.returns(returns);
      expect(line).toMatchObject({ seed: seriesGameSeed(seed, g), steps: played.length - 1, result: { returns: Array.from(returns), winnerTeam: winnerTeam(game.info, returns) } });
      expect(line.result.forfeit).toBeUndefined();
    }
  } finally {
    probe.restore();
  }
}

describe('a game played offline and on the server is the same game', () => {
  it("Leduc hold'em (sequential, with chance): four games, sides swapping", async () => {
    await bothWays('leduc-poker', (game) => [createBot('random', game.info, 1), createBot('random', game.info, 2)], 4, 11);
  });

  it('grid soccer (simultaneous, two seats a side): two games, sides swapping', async () => {
    await bothWays('grid-soccer', (game) => [createBot('heuristic', game.info, 1), perSeat('random', game)], 2, 5);
  });
});
