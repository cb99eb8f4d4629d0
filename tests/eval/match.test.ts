/**
 * `Match`: the one flow of a game that offline series and server rooms share — seeding, openings,
 * chance playing itself, turns, simultaneous ticks, results (winner team) and forfeits — with action
 * ids, and with action vectors in continuous games (duel's ticks, pendulum's turns).
 */
import { describe, expect, it } from 'vitest';
import { createBot } from '../../agents/index.ts';
import { AgentMismatchError, IllegalActionError, Rng, SIMULTANEOUS, TERMINAL, type Agent } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { agentGameSeed, Match, playGame, seriesGameSeed, winnerTeam } from '../../src/eval/match.ts';
import { openingSeed, playRandomOpening } from '../../src/eval/openings.ts';

const kuhn = getGame('kuhn-poker');
const c4 = getGame('connect-four');
const ttt = getGame('tic-tac-toe');
const soccer = getGame('grid-soccer');
const duel = getGame('duel');
const pendulum = getGame('pendulum');

describe('Match', () => {
  it('seeds game g of a series with seriesGameSeed, and its chance events play themselves', () => {
    const m = new Match({ state: kuhn.newState(), seed: 9 });
    m.start(3);
    expect(m.gameNumber).toBe(3);
    expect(m.gameSeed).toBe(seriesGameSeed(9, 3));
    // the deal (two chance events) is already played: a seat acts, never chance
    expect(m.toMove()).toBe(0);
    expect(m.history).toHaveLength(2);
    expect(m.state.stepCount()).toBe(2);
    const same = kuhn.newState();
    same.reset(seriesGameSeed(9, 3));
    same.applyChance();
    same.applyChance();
    expect(m.state.serialize()).toEqual(same.serialize());
    // agents are reseeded per game and per side, from the series seed
    expect(m.agentSeed(0)).toBe(agentGameSeed(9, 3, 0));
    expect(m.agentSeed(1)).toBe(agentGameSeed(9, 3, 1));
    expect(m.agentSeed(0)).not.toBe(m.agentSeed(1));
  });

  it('starts games 2p and 2p+1 from the same random opening, played as moves that are reported', () => {
    const moves: [number, number, string, number][] = [];
    const m = new Match({ state: c4.newState(), seed: 4, openingPlies: 3, onMove: (seat, action, name, step) => moves.push([seat, action, name, step]) });
    const expected: number[] = [];
    playRandomOpening(c4.newState(), 3, new Rng(openingSeed(4, 1)), expected);
    for (const g of [2, 3]) {
      moves.length = 0;
      m.start(g);
      expect(m.history).toEqual(expected);
      expect(moves).toEqual(expected.map((a, i) => [i % 2, a, `c${a + 1}`, i]));
      expect(m.toMove()).toBe(1);
    }
    m.start(4);
    expect(m.history).toHaveLength(3);
  });

  it('applies the acting seat’s legal action; anything else throws and changes nothing', () => {
    const m = new Match({ state: ttt.newState() });
    m.start(0);
    const before = JSON.stringify(m.state.serialize());
    expect(() => m.apply(1, 4)).toThrow(IllegalActionError); // out of turn
    expect(() => m.apply(0, 9)).toThrow(IllegalActionError); // no such action
    expect(JSON.stringify(m.state.serialize())).toBe(before);
    expect(m.history).toEqual([]);
    m.apply(0, 4);
    expect(m.isLegal(1, 4)).toBe(false);
    expect(() => m.apply(1, 4)).toThrow(IllegalActionError); // taken
    expect(m.history).toEqual([4]);
  });

  it('ends with the returns and the winning team, or a draw', () => {
    const m = new Match({ state: ttt.newState() });
    m.start(0);
    for (const [seat, cell] of [[0, 0], [1, 3], [0, 1], [1, 4], [0, 2]] as const) m.apply(seat, cell);
    expect(m.toMove()).toBe(TERMINAL);
    expect(m.result()).toEqual({ returns: [1, -1], winnerTeam: 0 });
    expect(() => m.apply(1, 5)).toThrow(/the game is over/);
    m.start(1);
    expect(m.result()).toBe(null);
    for (const [seat, cell] of [[0, 0], [1, 1], [0, 2], [1, 4], [0, 3], [1, 5], [0, 7], [1, 6], [0, 8]] as const) m.apply(seat, cell);
    expect(m.result()).toEqual({ returns: [0, 0], winnerTeam: null });
  });

  it('a team wins on its total; equal totals are a draw', () => {
    expect(winnerTeam(soccer.info, [1, 1, -1, -1])).toBe(0);
    expect(winnerTeam(soccer.info, [-2, 1, 0, 0])).toBe(1);
    expect(winnerTeam(soccer.info, [2, -1, 0.5, 0.5])).toBe(null);
  });

  it('a simultaneous tick takes each seat’s submitted action; a seat that sent none plays action 0 (stays)', () => {
    const m = new Match({ state: soccer.newState(), seed: 2 });
    m.start(0);
    expect(m.toMove()).toBe(SIMULTANEOUS);
    expect(() => m.apply(0, 0)).toThrow(IllegalActionError);
    const legal = m.state.legalActions(2);
    const illegal = [...Array(soccer.info.actions).keys()].find((a) => !legal.includes(a))!;
    expect(() => m.submit(2, illegal)).toThrow(IllegalActionError);
    expect(m.submitted(2)).toBe(false);
    const move = legal.at(-1)!;
    m.submit(2, move);
    expect(m.submitted(2)).toBe(true);
    const twin = soccer.newState();
    twin.reset(seriesGameSeed(2, 0));
    twin.applyJoint([0, 0, move, 0]);
    m.closeTick();
    expect(m.history).toEqual([0, 0, move, 0]);
    expect(m.state.serialize()).toEqual(twin.serialize());
    expect(m.submitted(2)).toBe(false); // a new tick
  });

  it('a forfeit ends the game: −1 to each seat of the side, +1 to the others, the other side wins', () => {
    const m = new Match({ state: soccer.newState() });
    m.start(0);
    expect(m.forfeit(2, 'gone')).toEqual({ returns: [1, 1, -1, -1], winnerTeam: 0, forfeit: { seat: 2, team: 1, reason: 'gone' } });
    expect(m.toMove()).toBe(TERMINAL);
    expect(m.hasMove(0)).toBe(false);
    expect(() => m.submit(0, 0)).toThrow(IllegalActionError);
    expect(() => m.forfeit(0, 'again')).toThrow(/nothing to forfeit/);
  });

  it('play drives agents to the end, as playGame does from any position', () => {
    const agents: Agent[] = [createBot('random', kuhn.info, 1), createBot('random', kuhn.info, 2)];
    const m = new Match({ state: kuhn.newState(), seed: 7 });
    m.start(0);
    for (const [i, a] of agents.entries()) a.reset?.(m.agentSeed(i));
    const result = m.play(agents);
    const state = kuhn.newState();
    state.reset(seriesGameSeed(7, 0));
    for (const [i, a] of agents.entries()) a.reset?.(agentGameSeed(7, 0, i));
    const history: number[] = [];
    expect(Array.from(playGame(state, agents, history))).toEqual(result.returns);
    expect(history).toEqual(m.history);
    expect(result.winnerTeam).toBe(winnerTeam(kuhn.info, result.returns));
  });

  it('a continuous tick takes each seat’s vector as given (the game clips it); a seat that sent none plays the zero vector', () => {
    const m = new Match({ state: duel.newState(), seed: 3 });
    m.start(0);
    expect(m.toMove()).toBe(SIMULTANEOUS);
    const before = JSON.stringify(m.state.serialize());
    for (const bad of [[Number.NaN, 0, 0, 0], [0, Infinity, 0, 0], [0, 0, 0], [0, 0, 0, 0, 0], 2]) {
      expect(() => m.submit(0, bad)).toThrow(IllegalActionError);
      expect(m.whyIllegal(0, bad)).toMatch(/finite number|vectors of 4|continuous actions/);
    }
    expect(m.submitted(0)).toBe(false);
    expect(JSON.stringify(m.state.serialize())).toBe(before);
    m.submit(0, [5, -0.5, 0.25, 1]); // out of the box: legal, clipped by the game
    m.closeTick();
    expect(m.history).toEqual([5, -0.5, 0.25, 1, 0, 0, 0, 0]);
    const twin = duel.newState();
    twin.reset(seriesGameSeed(3, 0));
    twin.applyJointContinuous([1, -0.5, 0.25, 1, 0, 0, 0, 0]);
    expect(m.state.serialize()).toEqual(twin.serialize());
    expect(m.submitted(0)).toBe(false);
  });

  it('plays duel seeded with vector agents, and its history replays the game exactly', () => {
    const agents: Agent[] = [createBot('duel-scripted', duel.info, 1), createBot('random', duel.info, 2)];
    const game = () => {
      const m = new Match({ state: duel.newState(), seed: 5 });
      m.start(1);
      for (const [i, a] of agents.entries()) a.reset?.(m.agentSeed(i));
      const result = m.play(agents);
      return { result, history: [...m.history], final: m.state.serialize(), steps: m.state.stepCount() };
    };
    const a = game();
    expect(game()).toEqual(a);
    expect(a.history).toHaveLength(a.steps * 2 * duel.info.actions);
    expect(a.result.returns[0]! + a.result.returns[1]!).toBe(0);
    expect(a.result.winnerTeam).toBe(winnerTeam(duel.info, a.result.returns));
    const replay = duel.newState();
    replay.reset(seriesGameSeed(5, 1));
    for (let i = 0; i < a.history.length; i += 8) replay.applyJointContinuous(a.history.slice(i, i + 8));
    expect(replay.serialize()).toEqual(a.final);
  });

  it('plays a single-agent continuous game turn by turn (pendulum), and refuses an agent without vectors', () => {
    const m = new Match({ state: pendulum.newState(), seed: 2 });
    m.start(0);
    expect(m.toMove()).toBe(0);
    expect(() => m.apply(0, 1)).toThrow(IllegalActionError); // an action id in a continuous game
    m.apply(0, [3]);
    expect(m.history).toEqual([3]);
    const result = m.play([createBot('random', pendulum.info, 4)]);
    expect(m.state.stepCount()).toBe(200);
    expect(result.returns[0]).toBeLessThan(0);
    m.start(1);
    const discrete: Agent = { name: 'ids', act: () => 0 };
    expect(() => m.play([discrete])).toThrow(AgentMismatchError);
  });
});
