import { describe, expect, it } from 'vitest';
import { IllegalActionError, Rng, SIMULTANEOUS, TERMINAL } from '../../core/index.ts';
import {
  BACK,
  EV_GOAL,
  EV_INTERCEPT,
  EV_MOVE_BLOCKED,
  EV_PASS,
  EV_SAVE,
  EV_TACKLE_LOST,
  EV_TACKLE_WON,
  FORWARD,
  GridSoccerState,
  NORTH,
  OBS_SIZE,
  PASS,
  SHOOT,
  SOUTH,
  STAY,
  STATE_SIZE,
  TACKLE,
  gridSoccer,
  onLine,
} from '../../games/grid-soccer.ts';

type Cell = readonly [number, number];

interface Setup {
  pos: readonly [Cell, Cell, Cell, Cell];
  holder: number;
  steps?: number;
  score?: [number, number];
  ret0?: number;
  rngSeed?: number;
}

/** A state with players at exact cells, built through `restore` (the public way to set a state). */
function setup(o: Setup): GridSoccerState {
  const base = gridSoccer.newState(o.rngSeed ?? 0).serialize();
  return gridSoccer.restore({
    ...base,
    px: o.pos.map((c) => c[0]),
    py: o.pos.map((c) => c[1]),
    holder: o.holder,
    steps: o.steps ?? 0,
    score: o.score ?? [0, 0],
    ret0: o.ret0 ?? 0,
    last0: 0,
    events: 0,
  }) as GridSoccerState;
}

/** The same situation seen from the other end: seats 0↔2 and 1↔3 swap, x → 10 − x. */
function mirrored(o: Setup): Setup {
  const m = (c: Cell): Cell => [10 - c[0], c[1]];
  const swap = [2, 3, 0, 1];
  return {
    ...o,
    pos: [m(o.pos[2]), m(o.pos[3]), m(o.pos[0]), m(o.pos[1])],
    holder: swap[o.holder]!,
    score: o.score ? [o.score[1], o.score[0]] : undefined,
    ret0: o.ret0 !== undefined ? -o.ret0 : undefined,
  };
}

const positions = (s: GridSoccerState) => [0, 1, 2, 3].map((k) => s.position(k));
const rewards = (s: GridSoccerState) => {
  const r = new Float64Array(4);
  s.rewards(r);
  return Array.from(r);
};
const returns = (s: GridSoccerState) => {
  const r = new Float64Array(4);
  s.returns(r);
  return Array.from(r);
};
const observation = (s: GridSoccerState, seat: number) => {
  const out = new Float32Array(OBS_SIZE);
  s.observe(seat, out);
  return Array.from(out);
};

const agentState = (s: GridSoccerState, seat: number) => {
  const out = new Float32Array(STATE_SIZE);
  s.agentState(seat, out);
  return Array.from(out);
};

/** Kickoff formation with team 1 on the ball (after team 0 scored). */
const KICKOFF_TEAM1 = [
  [3, 2],
  [3, 4],
  [5, 3],
  [7, 3],
];
const KICKOFF_TEAM0 = [
  [5, 3],
  [3, 3],
  [7, 2],
  [7, 4],
];

describe('grid-soccer-v1', () => {
  it('declares a simultaneous, imperfect-information, zero-sum 2v2 game of 200 steps', () => {
    const i = gridSoccer.info;
    expect(i.teams).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect([i.seats, i.actions, i.observationSize, i.stateSize, i.maxSteps]).toEqual([4, 8, OBS_SIZE, STATE_SIZE, 200]);
    expect([i.dynamics, i.information, i.utility]).toEqual(['simultaneous', 'imperfect', 'zero-sum']);
  });

  it('starts from the kickoff formation with a seeded coin toss, every seat able to act', () => {
    const kickers = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const s = gridSoccer.newState(seed) as GridSoccerState;
      expect(s.currentSeat()).toBe(SIMULTANEOUS);
      kickers.add(s.ballHolder());
      expect(positions(s)).toEqual(s.ballHolder() === 0 ? KICKOFF_TEAM0 : KICKOFF_TEAM1);
      for (let k = 0; k < 4; k++) expect(s.legalActions(k)).toContain(STAY);
      expect((gridSoccer.newState(seed) as GridSoccerState).serialize()).toEqual(s.serialize());
    }
    expect([...kickers].sort()).toEqual([0, 2]);
  });

  it('a shot from range scores, pays ±1 plus progress, and restarts with the conceding team on the ball', () => {
    const s = setup({ pos: [[7, 3], [4, 3], [2, 0], [2, 6]], holder: 0 });
    expect(s.legalActions(0)).toContain(SHOOT);
    s.applyJoint([SHOOT, STAY, STAY, STAY]);
    expect(s.lastEvents() & EV_GOAL).toBeTruthy();
    expect([s.goals(0), s.goals(1)]).toEqual([1, 0]);
    // +1 for the goal, 0.01 × (11 − 7) for carrying the ball to the goal line
    const r = rewards(s);
    expect(r[0]).toBeCloseTo(1.04, 12);
    expect(r).toEqual([r[0], r[0], -r[0]!, -r[0]!]);
    expect(positions(s)).toEqual(KICKOFF_TEAM1);
    expect(s.ballHolder()).toBe(2);
    expect(s.currentSeat()).toBe(SIMULTANEOUS);

    // team 1 shoots left; from a corner row the target is the nearest goal-mouth row
    const t = setup({ pos: [[9, 0], [9, 6], [2, 6], [6, 3]], holder: 2 });
    t.applyJoint([STAY, STAY, SHOOT, STAY]); // (2,6) → target (−1, 4): distance 3
    expect([t.goals(0), t.goals(1)]).toEqual([0, 1]);
    expect(rewards(t)[2]).toBeCloseTo(1.03, 12);
    expect(positions(t)).toEqual(KICKOFF_TEAM0);
    expect(t.ballHolder()).toBe(0);
  });

  it('shooting out of range is illegal and leaves the state unchanged', () => {
    const s = setup({ pos: [[6, 3], [4, 3], [2, 0], [2, 6]], holder: 0 }); // 5 columns from the goal line
    expect(s.legalActions(0)).not.toContain(SHOOT);
    const before = JSON.stringify(s.serialize());
    expect(() => s.applyJoint([SHOOT, STAY, STAY, STAY])).toThrow(IllegalActionError);
    expect(JSON.stringify(s.serialize())).toBe(before);
    expect(setup({ pos: [[6, 3], [4, 3], [2, 0], [2, 6]], holder: 1 }).legalActions(0)).not.toContain(SHOOT);
  });

  it('a defender on the shooting line saves the shot and takes the ball', () => {
    const s = setup({ pos: [[7, 3], [4, 3], [9, 3], [2, 6]], holder: 0 });
    s.applyJoint([SHOOT, STAY, STAY, STAY]);
    expect(s.lastEvents() & EV_SAVE).toBeTruthy();
    expect(s.ballHolder()).toBe(2);
    expect([s.goals(0), s.goals(1)]).toEqual([0, 0]);
    expect(positions(s)[0]).toEqual([7, 3]);
    // a defender one row off the line does not block a straight shot
    const t = setup({ pos: [[7, 2], [4, 3], [9, 3], [2, 6]], holder: 0 });
    t.applyJoint([SHOOT, STAY, STAY, STAY]);
    expect(t.goals(0)).toBe(1);
  });

  it('a pass reaches the teammate, who can run with the ball in the same step', () => {
    const s = setup({ pos: [[3, 3], [6, 5], [8, 0], [1, 6]], holder: 0 });
    expect(s.legalActions(0)).toContain(PASS);
    s.applyJoint([PASS, FORWARD, STAY, STAY]);
    expect(s.lastEvents() & EV_PASS).toBeTruthy();
    expect(s.ballHolder()).toBe(1);
    expect(positions(s)[1]).toEqual([7, 5]);
    expect(rewards(s)[0]).toBeCloseTo(0.04, 12); // ball from x = 3 to x = 7
  });

  it('a pass through an opponent is intercepted by the nearest one; out of range it is illegal', () => {
    const s = setup({ pos: [[3, 3], [7, 3], [5, 3], [1, 0]], holder: 0 });
    s.applyJoint([PASS, STAY, STAY, STAY]);
    expect(s.lastEvents() & EV_INTERCEPT).toBeTruthy();
    expect(s.ballHolder()).toBe(2);
    expect(rewards(s)[0]).toBeCloseTo(0.02, 12);

    const two = setup({ pos: [[3, 3], [7, 3], [6, 3], [4, 3]], holder: 0 });
    two.applyJoint([PASS, STAY, STAY, STAY]);
    expect(two.ballHolder()).toBe(3);

    // a diagonal pass: (3,1) → (7,5) passes through (5,3) but not (5,4)
    const clear = setup({ pos: [[3, 1], [7, 5], [5, 4], [1, 0]], holder: 0 });
    clear.applyJoint([PASS, STAY, STAY, STAY]);
    expect(clear.ballHolder()).toBe(1);

    const far = setup({ pos: [[3, 3], [8, 3], [5, 0], [1, 0]], holder: 0 });
    expect(far.legalActions(0)).not.toContain(PASS);
    expect(far.legalActions(1)).not.toContain(PASS);
  });

  it('decides lines with an exact, mirror-symmetric half-cell rule', () => {
    expect(onLine(0, 0, 4, 0, 2, 0)).toBe(true);
    expect(onLine(0, 0, 4, 0, 2, 1)).toBe(false);
    expect(onLine(0, 0, 4, 0, 4, 0)).toBe(false); // endpoints are not between
    expect(onLine(0, 0, 4, 0, 0, 0)).toBe(false);
    expect(onLine(0, 0, 4, 2, 1, 0)).toBe(true); // the line crosses y = 0.5 at x = 1: both rows block
    expect(onLine(0, 0, 4, 2, 1, 1)).toBe(true);
    expect(onLine(0, 0, 3, 3, 1, 0)).toBe(false); // 0.71 cells off the diagonal
    for (let i = 0; i < 200; i++) {
      const r = new Rng(i);
      const [ax, ay, bx, by, cx, cy] = [r.int(11), r.int(7), r.int(11), r.int(7), r.int(11), r.int(7)];
      expect(onLine(10 - ax, ay, 10 - bx, by, 10 - cx, cy)).toBe(onLine(ax, ay, bx, by, cx, cy));
      expect(onLine(bx, by, ax, ay, cx, cy)).toBe(onLine(ax, ay, bx, by, cx, cy));
    }
  });

  it('resolves collisions: contested cells by a fair draw, chains move, swaps and walls block', () => {
    // two players into one free cell: one of them, drawn by the state's RNG
    const winners = [0, 0];
    for (let seed = 0; seed < 200; seed++) {
      const s = setup({ pos: [[4, 3], [0, 0], [6, 3], [10, 6]], holder: 1, rngSeed: seed });
      s.applyJoint([FORWARD, STAY, FORWARD, STAY]);
      const p = positions(s);
      expect(s.lastEvents() & EV_MOVE_BLOCKED).toBeTruthy();
      if (p[0]![0] === 5) {
        expect(p[2]).toEqual([6, 3]);
        winners[0]!++;
      } else {
        expect(p[0]).toEqual([4, 3]);
        expect(p[2]).toEqual([5, 3]);
        winners[1]!++;
      }
    }
    expect(winners[0]).toBeGreaterThan(60);
    expect(winners[1]).toBeGreaterThan(60);

    // swap: both stay
    const swap = setup({ pos: [[4, 3], [0, 0], [5, 3], [10, 6]], holder: 1 });
    swap.applyJoint([FORWARD, STAY, FORWARD, STAY]);
    expect(positions(swap).slice(0, 3)).toEqual([[4, 3], [0, 0], [5, 3]]);

    // chain: the follower moves into the cell the leader leaves, whatever the seat order
    const chain = setup({ pos: [[4, 3], [5, 3], [9, 0], [10, 6]], holder: 0 });
    chain.applyJoint([FORWARD, FORWARD, STAY, STAY]);
    expect(positions(chain).slice(0, 2)).toEqual([[5, 3], [6, 3]]);
    const chain2 = setup({ pos: [[5, 3], [4, 3], [9, 0], [10, 6]], holder: 0 });
    chain2.applyJoint([FORWARD, FORWARD, STAY, STAY]);
    expect(positions(chain2).slice(0, 2)).toEqual([[6, 3], [5, 3]]);
    expect(chain2.lastEvents() & EV_MOVE_BLOCKED).toBe(0);

    // into a standing player: blocked; the carrier keeps the ball
    const wall = setup({ pos: [[4, 3], [0, 0], [5, 3], [10, 6]], holder: 0 });
    wall.applyJoint([FORWARD, STAY, STAY, STAY]);
    expect(positions(wall)[0]).toEqual([4, 3]);
    expect(wall.ballHolder()).toBe(0);

    // moves off the field are illegal; team 1's forward is −x
    const edge = setup({ pos: [[10, 0], [0, 6], [0, 3], [10, 6]], holder: 0 });
    expect(edge.legalActions(0)).toEqual([STAY, SOUTH, BACK, SHOOT]); // teammate out of passing range
    expect(edge.legalActions(2)).not.toContain(FORWARD);
    expect(edge.legalActions(2)).toContain(BACK);
    expect(edge.legalActions(1)).not.toContain(SOUTH);
    expect(edge.legalActions(1)).toContain(NORTH);
  });

  it('tackles: only next to the opposing carrier, win half the time, and void the carrier’s pass', () => {
    const far = setup({ pos: [[4, 3], [2, 3], [6, 3], [9, 0]], holder: 0 });
    expect(far.legalActions(2)).not.toContain(TACKLE);
    expect(far.legalActions(1)).not.toContain(TACKLE);
    let won = 0;
    for (let seed = 0; seed < 200; seed++) {
      const s = setup({ pos: [[4, 3], [2, 3], [5, 4], [9, 0]], holder: 0, rngSeed: seed });
      expect(s.legalActions(2)).toContain(TACKLE);
      s.applyJoint([PASS, STAY, TACKLE, STAY]);
      if (s.lastEvents() & EV_TACKLE_WON) {
        won++;
        expect(s.ballHolder()).toBe(2);
        expect(s.lastEvents() & EV_PASS).toBe(0);
      } else {
        expect(s.lastEvents() & EV_TACKLE_LOST).toBeTruthy();
        expect(s.ballHolder()).toBe(1); // the pass went through
      }
    }
    expect(won).toBeGreaterThan(70);
    expect(won).toBeLessThan(130);
  });

  it('ends after exactly 200 joint steps, as a termination (not a truncation)', () => {
    const s = gridSoccer.newState(5) as GridSoccerState;
    for (let t = 0; t < 199; t++) s.applyJoint([STAY, STAY, STAY, STAY]);
    expect(s.isTerminal()).toBe(false);
    expect(s.stepsLeft()).toBe(1);
    s.applyJoint([STAY, STAY, STAY, STAY]);
    expect(s.stepCount()).toBe(200);
    expect(s.currentSeat()).toBe(TERMINAL);
    expect(s.isTruncated()).toBe(false);
    expect(s.legalActions(0)).toEqual([]);
    expect(() => s.applyJoint([STAY, STAY, STAY, STAY])).toThrow(IllegalActionError);
  });

  it('keeps returns exactly zero-sum and equal within a team', () => {
    const mask = new Uint8Array(8);
    const joint = new Int32Array(4);
    for (let seed = 0; seed < 20; seed++) {
      const s = gridSoccer.newState(seed) as GridSoccerState;
      const rng = new Rng(seed + 100);
      while (!s.isTerminal()) {
        for (let k = 0; k < 4; k++) {
          s.legalMask(k, mask);
          joint[k] = rng.pickMasked(mask);
        }
        s.applyJoint(joint);
        const r = returns(s);
        expect(r[0]! + r[1]! + r[2]! + r[3]!).toBe(0);
        expect(r[1]).toBe(r[0]);
        expect(r[3]).toBe(r[2]);
      }
    }
  });

  it('hides opponents and the ball beyond the view radius and shows them within it', () => {
    // seat 0 at (2,3); opponent seat 2 with the ball at (6,3) is 4 cells away, seat 3 at (5,5) is 3 away
    const s = setup({ pos: [[2, 3], [10, 0], [6, 3], [5, 5]], holder: 2 });
    const o = observation(s, 0);
    expect(o.slice(4, 7)).toEqual([0, 0, 0]); // ball not visible
    expect(o.slice(7, 10)).toEqual([0, 0, 1]); // but possession is known
    expect(o.slice(10, 13)).toEqual([0, 0, 0]); // seat 2 hidden
    expect(o.slice(13, 16)).toEqual(Array.from(Float32Array.of(1, 0.5, 5 / 6))); // seat 3 seen
    expect(o.slice(2, 4)).toEqual([1, 0]); // the teammate is always known
    const v = s.view(0);
    expect((v['players'] as unknown[])[2]).toBeNull();
    expect((v['players'] as unknown[])[3]).toEqual({ seat: 3, team: 1, x: 5, y: 5, ball: false });
    expect(v['ball']).toBeNull();
    expect(s.view(null)['ball']).toEqual({ x: 6, y: 3, holder: 2 });

    // one step closer: seat 2 and the ball come into view
    const t = setup({ pos: [[2, 3], [10, 0], [5, 3], [5, 5]], holder: 2 });
    const p = observation(t, 0);
    expect(p.slice(4, 7)).toEqual(Array.from(Float32Array.of(1, 0.5, 0.5)));
    expect(p.slice(10, 13)).toEqual(Array.from(Float32Array.of(1, 0.5, 0.5)));
    expect(s.informationState(0)).not.toBe(t.informationState(0));
    // the far teammate at (10,0) sees neither: (6,3), (5,3) and (5,5) are all more than 3 cells away
    expect(s.informationState(1)).toBe(t.informationState(1));
  });

  it('team 1 sees the mirror image of what team 0 sees in the mirrored situation', () => {
    const situations: Setup[] = [
      { pos: [[2, 3], [9, 6], [5, 3], [5, 5]], holder: 2, steps: 17, score: [2, 1], ret0: 1.37 },
      { pos: [[7, 1], [8, 4], [9, 2], [3, 3]], holder: 1, steps: 150, score: [0, 3], ret0: -2.5 },
      { pos: [[0, 0], [10, 6], [2, 1], [6, 6]], holder: 3, steps: 0 },
    ];
    const mask = new Uint8Array(8);
    const mirrorMask = new Uint8Array(8);
    for (const sit of situations) {
      const s = setup(sit);
      const m = setup(mirrored(sit));
      for (const [seat, twin] of [
        [2, 0],
        [3, 1],
        [0, 2],
        [1, 3],
      ] as const) {
        expect(observation(s, seat)).toEqual(observation(m, twin));
        expect(agentState(s, seat)).toEqual(agentState(m, twin));
        expect(s.informationState(seat).replace(/^s\d/, '')).toBe(m.informationState(twin).replace(/^s\d/, ''));
        s.legalMask(seat, mask);
        m.legalMask(twin, mirrorMask);
        expect(Array.from(mask)).toEqual(Array.from(mirrorMask));
      }
      // without a contested cell or a tackle (the only random events), the same seat-relative
      // actions lead to mirrored outcomes
      const acts = [FORWARD, SOUTH, NORTH, BACK];
      const mActs = [acts[2]!, acts[3]!, acts[0]!, acts[1]!];
      s.applyJoint(acts.map((a, k) => (s.legalActions(k).includes(a) ? a : STAY)));
      m.applyJoint(mActs.map((a, k) => (m.legalActions(k).includes(a) ? a : STAY)));
      for (const [seat, twin] of [
        [2, 0],
        [0, 2],
      ] as const) {
        expect(observation(s, seat)).toEqual(observation(m, twin));
      }
    }
  });

  it('writes the unmirrored global state and renders an ASCII field', () => {
    const s = setup({ pos: [[2, 3], [9, 6], [5, 3], [5, 5]], holder: 2, steps: 50, score: [1, 2] });
    const g = new Float32Array(STATE_SIZE);
    s.globalState(g);
    expect(Array.from(g)).toEqual(
      Array.from(Float32Array.of(0.2, 0.5, 0.9, 1, 0.5, 0.5, 0.5, 5 / 6, 0, 0, 1, 0, 0.5, 0.5, 0.75, 0.1, 0.2)),
    );
    const lines = s.render().split('\n');
    expect(lines[0]).toContain('score 1:2');
    expect(lines[1]).toBe(' +-----------+');
    expect(lines[2]).toBe(' |...........|'); // y = 0
    expect(lines[5]).toBe(' #..a..X.....#'); // y = 3, in the goal mouth
    expect(lines[7]).toBe(' |.....y.....|'); // y = 5
    expect(lines[8]).toBe(' |.........b.|'); // y = 6
  });

  it('writes the agent state in the seat’s own frame: self, mate, opponents, mirrored for team 1', () => {
    const s = setup({ pos: [[2, 3], [9, 6], [5, 3], [5, 5]], holder: 2, steps: 50, score: [1, 2] });
    expect(gridSoccer.info.agentStateSize).toBe(STATE_SIZE);
    // team 0 sees the global state as it is
    const g = new Float32Array(STATE_SIZE);
    s.globalState(g);
    expect(agentState(s, 0)).toEqual(Array.from(g));
    // seat 3: itself (5,5), its mate 2 (5,3), opponents 0 (2,3) and 1 (9,6), x → 10 − x; the holder
    // (seat 2) is its mate; own goals 2, opponent goals 1
    expect(agentState(s, 3)).toEqual(
      Array.from(Float32Array.of(0.5, 5 / 6, 0.5, 0.5, 0.8, 0.5, 0.1, 1, 0, 1, 0, 0, 0.5, 0.5, 0.75, 0.2, 0.1)),
    );
  });

  it('rejects snapshots with two players on one cell or bad fields', () => {
    const base = gridSoccer.newState(0).serialize();
    expect(() => gridSoccer.restore({ ...base, px: [5, 5, 7, 7], py: [3, 3, 2, 4] })).toThrow(/share a cell/);
    expect(() => gridSoccer.restore({ ...base, px: [11, 3, 7, 7] })).toThrow(/px/);
    expect(() => gridSoccer.restore({ ...base, holder: 4 })).toThrow(/holder/);
    expect(() => gridSoccer.restore({ ...base, ret0: 'x' })).toThrow(/ret0/);
  });
});
