import { describe, expect, it } from 'vitest';
import { ConfigError, Rng, type Agent, type GameState, type Seat } from '../../core/index.ts';
import { createBot } from '../../agents/index.ts';
import { getGame } from '../../games/index.ts';
import { openingsText, runTournament } from '../../league/tournament.ts';
import { playSeries, SeriesTally } from '../../src/eval/match.ts';
import { BalancedOpenings, openingSeed, playRandomOpening } from '../../src/eval/openings.ts';
import { wilsonInterval } from '../../src/eval/stats.ts';

/** A deterministic agent: the lowest (or highest) legal action, whatever its seed. It notes the position it first moves in. */
class EdgeAgent implements Agent {
  readonly name: string;
  readonly firstSeen: string[] = [];
  private readonly high: boolean;
  private moved = false;

  constructor(high: boolean) {
    this.high = high;
    this.name = high ? 'highest' : 'lowest';
  }

  reset(): void {
    this.moved = false;
  }

  act(state: GameState, seat: Seat): number {
    if (!this.moved) this.firstSeen.push(`${state.stepCount()}:${state.informationState(seat)}`);
    this.moved = true;
    const legal = state.legalActions(seat);
    return this.high ? legal[legal.length - 1]! : legal[0]!;
  }
}

const ttt = getGame('tic-tac-toe');

describe('series of paired games from random openings', () => {
  it('two deterministic agents without openings replay two games, and the interval is over those two', () => {
    const r = playSeries({ game: ttt, agents: [new EdgeAgent(false), new EdgeAgent(true)], games: 20, openingPlies: 0 });
    expect(r.games).toBe(20);
    expect(r.distinct).toBe(2);
    expect(r.score).toBeCloseTo((r.wins[0] + r.draws / 2) / 20, 12);
    expect(r.scoreInterval).toEqual(wilsonInterval(2 * r.score, 2));
    // ten copies of the same two games are not twenty games of evidence
    const naive = wilsonInterval(20 * r.score, 20);
    expect(r.scoreInterval[1] - r.scoreInterval[0]).toBeGreaterThan(naive[1] - naive[0] + 0.2);
    // the series of two games says exactly as much
    const two = playSeries({ game: ttt, agents: [new EdgeAgent(false), new EdgeAgent(true)], games: 2, openingPlies: 0 });
    expect(two.score).toBe(r.score);
    expect(two.scoreInterval).toEqual(r.scoreInterval);
  });

  it('with one random opening ply, 20 paired games of deterministic agents give one distinct game per seating and opening', () => {
    const a = new EdgeAgent(false);
    const b = new EdgeAgent(true);
    const seed = 5;
    const r = playSeries({ game: ttt, agents: [a, b], games: 20, seed, openingPlies: 1 });
    expect(r.openingPlies).toBe(1);
    // the openings of the 10 pairs, drawn independently of the series
    const openings = new Set<number>();
    for (let p = 0; p < 10; p++) {
      const out: number[] = [];
      playRandomOpening(ttt.newState(0), 1, new Rng(openingSeed(seed, p)), out);
      openings.add(out[0]!);
    }
    expect(openings.size).toBeGreaterThan(1);
    expect(r.distinct).toBe(2 * openings.size);
    expect(r.distinct).toBeGreaterThan(2);
    expect(r.scoreInterval).toEqual(wilsonInterval(r.score * r.distinct, r.distinct));
    // games 2p and 2p+1 start from the same opening, with the sides swapped: agent 0 moves second in
    // game 2p (one opening ply, then side 1's move) and first in game 2p+1 (it sees the same position)
    const seen = [...a.firstSeen];
    expect(seen).toHaveLength(20);
    for (let p = 0; p < 10; p++) {
      expect(seen[2 * p]!.startsWith('2:')).toBe(true);
      expect(seen[2 * p + 1]!.startsWith('1:')).toBe(true);
      // agent 1 answers the opening in game 2p from the very position agent 0 answers it in game 2p+1
      expect(b.firstSeen[2 * p]).toBe(seen[2 * p + 1]);
    }
    // reproducible from the seed
    const again = playSeries({ game: ttt, agents: [new EdgeAgent(false), new EdgeAgent(true)], games: 20, seed, openingPlies: 1 });
    expect(again).toEqual(r);
  });

  it('plays the default opening at connect-four and none at poker, and refuses openings where chance deals', () => {
    const c4 = getGame('connect-four');
    const r = playSeries({ game: c4, agents: [createBot('alphabeta:1', c4.info, 1), createBot('random', c4.info, 2)], games: 6 });
    expect(r.openingPlies).toBe(1);
    const kuhn = getGame('kuhn-poker');
    const k = playSeries({ game: kuhn, agents: [createBot('nash', kuhn.info, 1), createBot('random', kuhn.info, 2)], games: 40 });
    expect(k.openingPlies).toBe(0);
    // Kuhn has 6 deals and short betting rounds: the replays among 40 games are counted once
    expect(k.distinct).toBeLessThan(40);
    expect(k.distinct).toBeGreaterThan(6);
    expect(() => playSeries({ game: kuhn, agents: [createBot('nash', kuhn.info, 1), createBot('random', kuhn.info, 2)], games: 2, openingPlies: 1 })).toThrow(ConfigError);
  });

  it('balanced openings: each pair opens with a different first move until all have come up, from both sides', () => {
    const a = new EdgeAgent(false);
    const b = new EdgeAgent(true);
    const r = playSeries({ game: ttt, agents: [a, b], games: 36, seed: 2, openingPlies: 1, openings: 'balanced' });
    expect(r).toMatchObject({ games: 36, openingPlies: 1, openings: 'balanced', openingCount: 9 });
    // the opening is the one move made before either agent's first: 'lowest' sees it in games 0, 2, … and 'highest' in 1, 3, …
    const firstMoves = (seen: string[]) => seen.map((s) => s.split(':')[1]!);
    const aSeen = firstMoves(a.firstSeen);
    // each of the 18 pairs gives each agent one game as the second player; over 2 cycles every opening twice
    expect(new Set(aSeen.filter((_, g) => g % 2 === 0).slice(0, 9)).size).toBe(9);
    expect(new Set(aSeen.filter((_, g) => g % 2 === 0).slice(9, 18)).size).toBe(9);
    // 9 openings × 2 seatings of two deterministic agents: 18 distinct games
    expect(r.distinct).toBe(18);
  });

  it('balanced openings enumerated once serve several series exactly as their own would, and a book of other plies is refused', () => {
    const book = new BalancedOpenings(ttt.newState(0), 1);
    const run = (seed: number, given: boolean) => {
      const a = new EdgeAgent(false);
      playSeries({ game: ttt, agents: [a, createBot('random', ttt.info, seed)], games: 30, seed, openingPlies: 1, openings: 'balanced', ...(given ? { book } : {}) });
      return a.firstSeen;
    };
    // the shared book keys its cycle order by series seed: interleaved series of different seeds stay their own
    for (const seed of [3, 4, 3]) expect(run(seed, true)).toEqual(run(seed, false));
    expect(() => playSeries({ game: ttt, agents: [new EdgeAgent(false), new EdgeAgent(true)], games: 2, openingPlies: 2, openings: 'balanced', book })).toThrow(/enumerated for 1 plies, the series opens with 2/);
  });

  it('a tally scores every game but counts a replay once among the distinct games, and the same moves from the other seating as new', () => {
    const t = new SeriesTally(ttt, { plies: 0 });
    t.add(0, [1, -1], '4,0,8');
    t.add(0, [1, -1], '4,0,8');
    t.add(1, [1, -1], '4,0,8');
    t.add(0, [0, 0], '4,0,8,1');
    const r = t.result();
    expect(r).toMatchObject({ games: 4, wins: [2, 1], draws: 1, distinct: 3 });
    expect(r.score).toBeCloseTo(2.5 / 4, 12);
    expect(r.scoreInterval).toEqual(wilsonInterval((3 * 2.5) / 4, 3));
  });

  it('a tournament weighs each pair by its distinct games: twenty replays of two games rate like those two games', async () => {
    const createAgent = async (spec: string) => new EdgeAgent(spec === 'highest');
    const long = await runTournament({ game: ttt, specs: ['lowest', 'highest'], games: 20, openingPlies: 0, createAgent });
    const short = await runTournament({ game: ttt, specs: ['lowest', 'highest'], games: 2, openingPlies: 0, createAgent });
    expect(long.pairs[0]).toMatchObject({ games: 20, distinct: 2 });
    expect(long.distinctGames).toBe(2);
    expect(long.table.map((r) => [r.agent, r.games, r.distinct])).toEqual(short.table.map((r) => [r.agent, 10 * r.games, r.distinct]));
    for (let i = 0; i < 2; i++) {
      expect(long.table[i]!.rating).toBeCloseTo(short.table[i]!.rating, 6);
      expect(long.table[i]!.ci).toBeCloseTo(short.table[i]!.ci, 6);
      expect(long.table[i]!.score).toBeCloseTo(short.table[i]!.score, 12);
    }
  });

  it('a tournament with balanced openings plays 9 openings × 2 seatings per pair of deterministic agents in 18 games, and records the scheme', async () => {
    const createAgent = async (spec: string) => new EdgeAgent(spec === 'highest');
    const t = await runTournament({ game: ttt, specs: ['lowest', 'highest'], games: 18, openingPlies: 1, openings: 'balanced', createAgent });
    expect(t).toMatchObject({ openings: 'balanced', openingCount: 9, distinctGames: 18 });
    expect(openingsText(t)).toBe('1 opening ply, balanced over its 9 openings (paired)');
    await expect(runTournament({ game: ttt, specs: ['lowest', 'highest'], games: 2, openingPlies: 8, openings: 'balanced', createAgent })).rejects.toThrow(/more than 20,000/);
  });
});
