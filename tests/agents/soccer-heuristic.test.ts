import { describe, expect, it } from 'vitest';
import { AgentMismatchError, ConfigError, type Agent } from '../../core/index.ts';
import { RandomAgent } from '../../agents/random.ts';
import { soccerHeuristicKind } from '../../agents/soccer-heuristic.ts';
import { FORWARD, GridSoccerState, PASS, SHOOT, TACKLE, gridSoccer } from '../../games/grid-soccer.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';

type Cell = readonly [number, number];

function setup(pos: readonly [Cell, Cell, Cell, Cell], holder: number): GridSoccerState {
  const base = gridSoccer.newState(0).serialize();
  return gridSoccer.restore({
    ...base,
    px: pos.map((c) => c[0]),
    py: pos.map((c) => c[1]),
    holder,
  }) as GridSoccerState;
}

const heuristic = (seed = 0): Agent => soccerHeuristicKind.create(gridSoccer.info, undefined, seed);

/** Plays one match; `heuristicTeam` is 0 or 1. Returns the goals of [heuristic team, random team]. */
function match(heuristicTeam: number, seed: number, visit?: (s: GridSoccerState, seat: number, action: number) => void): [number, number] {
  const s = gridSoccer.newState(seed) as GridSoccerState;
  const agents: Agent[] = [0, 1, 2, 3].map((k) => (k >> 1 === heuristicTeam ? heuristic(seed) : new RandomAgent(gridSoccer.info, seed * 4 + k)));
  const joint = new Int32Array(4);
  while (!s.isTerminal()) {
    for (let k = 0; k < 4; k++) {
      joint[k] = agents[k]!.act(s, k);
      visit?.(s, k, joint[k]!);
    }
    s.applyJoint(joint);
  }
  return [s.goals(heuristicTeam), s.goals(1 - heuristicTeam)];
}

describe('soccer heuristic', () => {
  it('fits grid soccer only and takes no argument', () => {
    expect(soccerHeuristicKind.kind).toBe('heuristic');
    expect(soccerHeuristicKind.fits(gridSoccer.info)).toBeNull();
    expect(soccerHeuristicKind.fits(ticTacToe.info)).toMatch(/grid-soccer/);
    expect(() => soccerHeuristicKind.create(gridSoccer.info, 'x', 0)).toThrow(ConfigError);
    expect(() => soccerHeuristicKind.create(ticTacToe.info, undefined, 0)).toThrow(AgentMismatchError);
  });

  it('shoots when in range with a clear line, and goes round a defender on the line', () => {
    expect(heuristic().act(setup([[8, 3], [5, 1], [2, 0], [2, 6]], 0), 0)).toBe(SHOOT);
    // team 1 (attacking left) from (2,4)
    expect(heuristic().act(setup([[9, 0], [9, 6], [2, 4], [6, 3]], 2), 2)).toBe(SHOOT);
    // keeper on the line (9,3): do not shoot into it
    expect(heuristic().act(setup([[7, 3], [3, 0], [9, 3], [2, 6]], 0), 0)).not.toBe(SHOOT);
  });

  it('passes to a teammate with a clear shot when its own shot is blocked', () => {
    // seat 0 at (7,3) blocked by the keeper at (9,3); teammate at (8,5) shoots along row 4 past it
    const s = setup([[7, 3], [8, 5], [9, 3], [2, 6]], 0);
    expect(heuristic().act(s, 0)).toBe(PASS);
  });

  it('tackles an adjacent carrier, and the supporting player runs ahead', () => {
    expect(heuristic().act(setup([[4, 3], [2, 3], [5, 4], [9, 0]], 0), 2)).toBe(TACKLE);
    expect(heuristic().act(setup([[4, 3], [4, 5], [9, 1], [9, 5]], 0), 1)).toBe(FORWARD);
  });

  it('decides only from what its seat can observe', () => {
    // whenever a seat's information state repeats, the heuristic chooses the same action
    const seen = new Map<string, number>();
    let repeats = 0;
    for (let seed = 0; seed < 6; seed++) {
      match(seed % 2, seed, (s, seat, action) => {
        if (seat >> 1 !== seed % 2) return; // a random player
        const key = `${seat}|${s.informationState(seat).replace(/\|r[^|]*$/, '')}`;
        const prev = seen.get(key);
        if (prev === undefined) seen.set(key, action);
        else {
          repeats++;
          expect(action).toBe(prev);
        }
      });
    }
    expect(repeats).toBeGreaterThan(0);
  });

  it('beats uniform random in at least 90% of 40 games, alternating sides', () => {
    let wins = 0;
    let scored = 0;
    let conceded = 0;
    for (let g = 0; g < 40; g++) {
      const [ours, theirs] = match(g % 2, 1000 + g);
      if (ours > theirs) wins++;
      scored += ours;
      conceded += theirs;
    }
    expect(wins).toBeGreaterThanOrEqual(36);
    expect(scored).toBeGreaterThan(5 * conceded);
  });
});
