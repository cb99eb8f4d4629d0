/**
 * Kuhn's equilibrium family: the exact game value −1/18 by a full tree walk, zero exploitability by
 * exhaustive best responses, and the bot's sampled average.
 */
import { describe, expect, it } from 'vitest';
import { AgentMismatchError, CHANCE, ConfigError, type GameInfo, type GameState } from '../../core/index.ts';
import { KUHN_NASH_DEFAULT_ALPHA, kuhnNashKind, kuhnNashPolicy } from '../../agents/kuhn-nash.ts';
import { kuhnPoker } from '../../games/kuhn-poker.ts';

/** A choice of [pass, bet] probabilities at an information state. */
type Strategy = (infoState: string) => readonly [number, number];

/** Player 0's exact expected return when seat s plays strategies[s], enumerating chance and actions. */
function expectedValue(strategies: readonly [Strategy, Strategy], s: GameState = kuhnPoker.newState(0)): number {
  if (s.isTerminal()) {
    const out = new Float64Array(2);
    s.returns(out);
    return out[0]!;
  }
  const seat = s.currentSeat();
  const probs =
    seat === CHANCE
      ? (() => {
          const p = new Float64Array(3);
          s.chanceProbabilities(p);
          return Array.from(p);
        })()
      : [...strategies[seat]!(s.informationState(seat))];
  let v = 0;
  for (let a = 0; a < probs.length; a++) {
    if (probs[a]! === 0) continue;
    const child = s.clone();
    child.apply(a);
    v += probs[a]! * expectedValue(strategies, child);
  }
  return v;
}

/** The 2^6 pure strategies of one seat over its 6 decision information states. */
function pureStrategies(seat: number): Strategy[] {
  const states = seat === 0 ? ['0', '1', '2', '0pb', '1pb', '2pb'] : ['0p', '1p', '2p', '0b', '1b', '2b'];
  const out: Strategy[] = [];
  for (let bits = 0; bits < 64; bits++) {
    const table = new Map(states.map((k, i) => [k, ((bits >> i) & 1) as 0 | 1]));
    out.push((k) => (table.get(k) === 1 ? [0, 1] : [1, 0]));
  }
  return out;
}

const ALPHAS = [0, 1 / 6, 1 / 3, 0.1];
const info: GameInfo = kuhnPoker.info;

describe('kuhnNashPolicy', () => {
  it.each(ALPHAS)('gives player 0 exactly −1/18 in self-play (α = %f)', (alpha) => {
    const nash: Strategy = (k) => kuhnNashPolicy(k, alpha);
    expect(Math.abs(expectedValue([nash, nash]) - -1 / 18)).toBeLessThan(1e-12);
  });

  it.each(ALPHAS)('cannot be exploited: every pure best response earns at most the game value (α = %f)', (alpha) => {
    const nash: Strategy = (k) => kuhnNashPolicy(k, alpha);
    const br0 = Math.max(...pureStrategies(0).map((p) => expectedValue([p, nash])));
    const br1 = Math.max(...pureStrategies(1).map((p) => -expectedValue([nash, p])));
    expect(br0).toBeCloseTo(-1 / 18, 12);
    expect(br1).toBeCloseTo(1 / 18, 12);
  });

  it('is exploitable away from the family (a sanity check of the best-response search)', () => {
    const alwaysBet: Strategy = () => [0, 1];
    const nash: Strategy = (k) => kuhnNashPolicy(k);
    const br1 = Math.max(...pureStrategies(1).map((p) => -expectedValue([alwaysBet, p])));
    expect(br1).toBeGreaterThan(0.1);
    expect(expectedValue([nash, alwaysBet])).toBeGreaterThan(-1 / 18);
  });

  it('encodes the α-family table', () => {
    const a = 0.2;
    expect(kuhnNashPolicy('0', a)).toEqual([1 - a, a]);
    expect(kuhnNashPolicy('1', a)).toEqual([1, 0]);
    expect(kuhnNashPolicy('2', a)[1]).toBeCloseTo(3 * a, 15);
    expect(kuhnNashPolicy('0pb', a)).toEqual([1, 0]);
    expect(kuhnNashPolicy('1pb', a)[1]).toBeCloseTo(a + 1 / 3, 15);
    expect(kuhnNashPolicy('2pb', a)).toEqual([0, 1]);
    expect(kuhnNashPolicy('0p', a)[1]).toBeCloseTo(1 / 3, 15);
    expect(kuhnNashPolicy('1p', a)).toEqual([1, 0]);
    expect(kuhnNashPolicy('2p', a)).toEqual([0, 1]);
    expect(kuhnNashPolicy('0b', a)).toEqual([1, 0]);
    expect(kuhnNashPolicy('1b', a)[1]).toBeCloseTo(1 / 3, 15);
    expect(kuhnNashPolicy('2b', a)).toEqual([0, 1]);
    expect(kuhnNashPolicy('0')).toEqual([1 - KUHN_NASH_DEFAULT_ALPHA, KUHN_NASH_DEFAULT_ALPHA]);
  });

  it('rejects non-decision information states and α outside [0, 1/3]', () => {
    for (const k of ['', '3', '0pp', '1bb', 'x', '0*', '2pbp']) expect(() => kuhnNashPolicy(k, 0.1)).toThrow(RangeError);
    for (const a of [-0.01, 0.34, Number.NaN]) expect(() => kuhnNashPolicy('0', a)).toThrow(RangeError);
  });
});

describe('nash agent', () => {
  it('fits only Kuhn poker', () => {
    expect(kuhnNashKind.fits(info)).toBeNull();
    const other = { ...info, id: 'leduc-poker-v1' };
    expect(kuhnNashKind.fits(other)).toMatch(/Kuhn/);
    expect(() => kuhnNashKind.create(other, undefined, 0)).toThrow(AgentMismatchError);
  });

  it('parses α and rejects bad arguments with ConfigError', () => {
    expect(kuhnNashKind.create(info, undefined, 0).name).toBe('nash');
    expect(kuhnNashKind.create(info, '0.2', 0).name).toBe('nash:0.2');
    for (const arg of ['0', '0.2', '1/6', '1/3', '0.3333333333333333']) expect(() => kuhnNashKind.create(info, arg, 0)).not.toThrow();
    for (const arg of ['', 'x', '0.5', '-0.1', '1/2', 'NaN', 'Infinity', '0.2x', '1e9']) {
      expect(() => kuhnNashKind.create(info, arg, 0), arg).toThrow(ConfigError);
    }
  });

  it('never bets where the policy says pass and always bets where it says bet', () => {
    const agent = kuhnNashKind.create(info, '0', 1);
    for (let seed = 0; seed < 200; seed++) {
      const s = kuhnPoker.newState(seed);
      s.apply(0); // player 0: J, α = 0 → never bets
      s.apply(2); // player 1: K
      expect(agent.act(s, 0)).toBe(0);
      s.apply(0);
      expect(agent.act(s, 1)).toBe(1); // K bets after a check
    }
  });

  it('is reproducible from its seed', () => {
    const run = (seed: number): number[] => {
      const agent = kuhnNashKind.create(info, undefined, seed);
      const out: number[] = [];
      for (let g = 0; g < 50; g++) {
        const s = kuhnPoker.newState(g);
        s.apply(g % 3);
        s.apply((g + 1) % 3);
        out.push(agent.act(s, 0));
      }
      return out;
    };
    expect(run(5)).toEqual(run(5));
  });

  it('averages close to −1/18 for player 0 over many sampled self-play games', () => {
    const a = kuhnNashKind.create(info, undefined, 11);
    const b = kuhnNashKind.create(info, undefined, 12);
    const s = kuhnPoker.newState(0);
    const ret = new Float64Array(2);
    const games = 40_000;
    let total = 0;
    for (let g = 0; g < games; g++) {
      s.reset(g);
      while (!s.isTerminal()) {
        const seat = s.currentSeat();
        if (seat === CHANCE) s.applyChance();
        else s.apply((seat === 0 ? a : b).act(s, seat));
      }
      s.returns(ret);
      total += ret[0]!;
    }
    // standard error ≈ 1.3 / sqrt(40000) ≈ 0.0065
    expect(Math.abs(total / games - -1 / 18)).toBeLessThan(0.03);
  });
});
