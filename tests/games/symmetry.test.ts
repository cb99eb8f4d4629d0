/**
 * Game symmetries (`GameInfo.symmetries`): every one a game declares is exact. Playing a random game
 * and, beside it, the same game with every move relabelled by the symmetry, the two positions agree at
 * every ply: each seat's observation is the other's permuted, legal moves correspond, the seat to move,
 * terminality and the returns are the same. Search averages the network over these (agents/symmetry.ts),
 * so a wrong table would quietly mislead every searched move.
 */
import { describe, expect, it } from 'vitest';
import { Rng, TERMINAL, type GameSymmetry } from '../../core/index.ts';
import { getGame, registeredGames } from '../../games/index.ts';

const isPermutation = (p: readonly number[]) => [...p].sort((a, b) => a - b).every((x, i) => x === i);

describe('game symmetries', () => {
  const declaring = registeredGames().filter((g) => (g.info.symmetries?.length ?? 0) > 0);

  it('Connect Four declares its mirror, tic-tac-toe the seven other symmetries of the square', () => {
    expect(getGame('connect-four').info.symmetries!.map((s) => s.name)).toEqual(['mirror']);
    expect(getGame('connect-four').info.symmetries![0]!.actions).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(getGame('tic-tac-toe').info.symmetries).toHaveLength(7);
    // rotating the board a quarter turn clockwise takes the top-left corner to the top-right
    expect(getGame('tic-tac-toe').info.symmetries![0]!.actions[0]).toBe(2);
    expect(declaring.map((g) => g.info.id).sort()).toEqual(['connect-four-v1', 'connect-four-v2', 'connect-four-v3', 'tic-tac-toe-v1']);
  });

  for (const game of declaring) {
    const { info } = game;
    for (const sym of info.symmetries as readonly GameSymmetry[]) {
      it(`${info.id}: ${sym.name} is exact over 200 random games`, () => {
        expect(isPermutation(sym.observation)).toBe(true);
        expect(sym.observation).toHaveLength(info.observationSize);
        expect(isPermutation(sym.actions)).toBe(true);
        expect(sym.actions).toHaveLength(info.actions);
        const rng = new Rng(41);
        const O = info.observationSize;
        const obs = new Float32Array(O);
        const obsT = new Float32Array(O);
        const mask = new Uint8Array(info.actions);
        const maskT = new Uint8Array(info.actions);
        const ret = new Float64Array(info.seats);
        const retT = new Float64Array(info.seats);
        let plies = 0;
        for (let g = 0; g < 200; g++) {
          const s = game.newState(g);
          const t = game.newState(g);
          for (;;) {
            expect(t.currentSeat()).toBe(s.currentSeat());
            for (let seat = 0; seat < info.seats; seat++) {
              s.observe(seat, obs);
              t.observe(seat, obsT);
              for (let i = 0; i < O; i++) if (obsT[i] !== obs[sym.observation[i]!]) throw new Error(`${sym.name}: observation ${i} differs after ${plies} plies`);
            }
            if (s.isTerminal()) break;
            const seat = s.currentSeat();
            s.legalMask(seat, mask);
            t.legalMask(seat, maskT);
            for (let a = 0; a < info.actions; a++) expect(maskT[sym.actions[a]!]).toBe(mask[a]);
            const a = rng.pickMasked(mask);
            s.apply(a);
            t.apply(sym.actions[a]!);
            plies++;
          }
          expect(t.currentSeat()).toBe(TERMINAL);
          s.returns(ret);
          t.returns(retT);
          expect(Array.from(retT)).toEqual(Array.from(ret));
        }
        expect(plies).toBeGreaterThan(1000);
      });
    }
  }

  it('a wrong table is caught: a mirror that forgets to relabel the moves breaks the test above', () => {
    const c4 = getGame('connect-four');
    const s = c4.newState(0);
    const t = c4.newState(0);
    s.apply(0);
    t.apply(0); // the identity on actions, the mirror on observations
    const obs = new Float32Array(c4.info.observationSize);
    const obsT = new Float32Array(c4.info.observationSize);
    s.observe(0, obs);
    t.observe(0, obsT);
    const perm = c4.info.symmetries![0]!.observation;
    expect(Array.from(obsT).some((v, i) => v !== obs[perm[i]!])).toBe(true);
  });
});
