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
    expect(duelGunnerKind.fits(ticTacToe.info)).toMatch(/duel-v3/);
    expect(() => duelGunnerKind.create(ticTacToe.info, undefined, 0)).toThrow(AgentMismatchError);
    for (const bad of ['', 'x', '0', '1.5']) expect(() => createBot(`duel-gunner:${bad}`, duel.info, 0)).toThrow(ConfigError);
    expect(createBot('duel-gunner:0.5', duel.info, 0).name).toBe('duel-gunner:0.5');
    for (const bad of ['1:', '1:x', '1:-0.1', '1:1.5', '1:1:1', ':1']) expect(() => createBot(`duel-gunner:${bad}`, duel.info, 0)).toThrow(ConfigError);
    expect(createBot('duel-gunner:1:1', duel.info, 0).name).toBe('duel-gunner:1:1');
  });

  it('with a fixed full lead (duel-gunner:1:1) hits a ship circling it far more often than with none', () => {
    // the target circles the gunner at full thrust, sideways to the line between them, and never fires
    const circler = {
      name: 'circler',
      reset() {},
      act(): number {
        throw new Error('vectors only');
      },
      actContinuous(state: { observe(seat: number, out: Float32Array): void }, seat: number, out: Float32Array | Float64Array) {
        const o = new Float32Array(duel.info.observationSize);
        state.observe(seat, o);
        const d = Math.hypot(o[8]!, o[9]!) || 1;
        out[0] = -o[9]! / d;
        out[1] = o[8]! / d;
        out[2] = 0;
        out[3] = -1;
      },
    };
    const hitsTaken = (spec: string): number => {
      let hits = 0;
      for (let g = 0; g < 10; g++) {
        const gunner = createBot(spec, duel.info, g);
        const s = duel.newState(100 + g);
        const u = new Float64Array(8);
        const out = new Float64Array(4);
        for (let t = 0; t < 50 && !s.isTerminal(); t++) {
          gunner.actContinuous!(s, 0, out);
          u.set(out, 0);
          circler.actContinuous(s, 1, out);
          u.set(out, 4);
          s.applyJointContinuous(u);
        }
        const o = new Float32Array(duel.info.observationSize);
        s.observe(1, o);
        hits += Math.round((1 - o[7]!) * 5);
      }
      return hits;
    };
    const full = hitsTaken('duel-gunner:1:1');
    const none = hitsTaken('duel-gunner:1:0');
    expect(full).toBeGreaterThan(2 * none);
    expect(full).toBeGreaterThanOrEqual(20);
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
