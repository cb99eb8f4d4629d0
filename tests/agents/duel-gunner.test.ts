import { describe, expect, it } from 'vitest';
import { AgentMismatchError, ConfigError } from '../../core/index.ts';
import { createBot } from '../../agents/bots.ts';
import { duelGunnerKind } from '../../agents/duel-gunner.ts';
import { duel } from '../../games/duel.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import { playSeries } from '../../src/eval/match.ts';

describe('duel gunner', () => {
  it('fits duel only, and takes an optional probability of firing in (0, 1]', () => {
    expect(duelGunnerKind.fits(duel.info)).toBeNull();
    expect(duelGunnerKind.fits(ticTacToe.info)).toMatch(/duel-v2/);
    expect(() => duelGunnerKind.create(ticTacToe.info, undefined, 0)).toThrow(AgentMismatchError);
    for (const bad of ['', 'x', '0', '1.5']) expect(() => createBot(`duel-gunner:${bad}`, duel.info, 0)).toThrow(ConfigError);
    expect(createBot('duel-gunner:0.5', duel.info, 0).name).toBe('duel-gunner:0.5');
  });

  it('plays vectors in the action box, the same ones again from the same seed', () => {
    const play = (seed: number): number[] => {
      const bots = [createBot('duel-gunner', duel.info, seed), createBot('duel-gunner', duel.info, seed + 1)];
      const s = duel.newState(seed);
      const u = new Float64Array(8);
      const out = new Float64Array(4);
      const trace: number[] = [];
      while (!s.isTerminal()) {
        for (let seat = 0; seat < 2; seat++) {
          bots[seat]!.actContinuous!(s, seat, out);
          for (let j = 0; j < 4; j++) {
            expect(Math.abs(out[j]!)).toBeLessThanOrEqual(1);
            u[seat * 4 + j] = out[j]!;
          }
          trace.push(...out);
        }
        s.applyJointContinuous(u);
      }
      return trace;
    };
    const a = play(3);
    expect(play(3)).toEqual(a);
    expect(play(4)).not.toEqual(a);
    // it fires, and it moves about
    expect(a.filter((v, i) => i % 4 === 3 && v > 0).length).toBeGreaterThan(5);
  });

  it('beats random', () => {
    const r = playSeries({ game: duel, agents: [createBot('duel-gunner', duel.info, 1), createBot('random', duel.info, 2)], games: 20, seed: 7 });
    expect(r.wins[0]).toBeGreaterThanOrEqual(18);
  });
});
