/**
 * The conformance suite: every registered game must pass it (OpenSpiel's `api_test` in spirit).
 * Seeded random playouts exercise legality, determinism, cloning, serialization, rewards and
 * the hiding of private information, and the game's UI description (core/game.ts `GameUi`) against
 * its views, so that the browser client can draw it without knowing it.
 */
import { describe, expect, it } from 'vitest';
import { agentStateSize, CHANCE, IllegalActionError, isContinuous, Rng, SIMULTANEOUS, TERMINAL, teamOf, type Game, type GameState, type UiMark } from '../core/index.ts';
import { getGame, listGames, registeredGames } from '../games/index.ts';

const PLAYOUTS = 40;

/** A uniformly random action vector in the box of a continuous game. */
function randomVector(state: GameState, rng: Rng): number[] {
  const { low, high } = state.info.actionSpace!;
  return low.map((lo, j) => rng.uniform(lo, high[j]!));
}

/**
 * One random step (chance, sequential or simultaneous; a uniform vector in the box in continuous games,
 * one per seat at a simultaneous node); returns a description for replay checks.
 */
function randomStep(state: GameState, rng: Rng, mask: Uint8Array, joint: Int32Array): string {
  const seat = state.currentSeat();
  if (seat === CHANCE) return `chance:${state.applyChance()}`;
  if (isContinuous(state.info)) {
    const u = seat === SIMULTANEOUS ? Array.from({ length: state.info.seats }, () => randomVector(state, rng)).flat() : randomVector(state, rng);
    if (seat === SIMULTANEOUS) state.applyJointContinuous(u);
    else state.applyContinuous(u);
    return `${seat}:[${u.join(',')}]`;
  }
  if (seat === SIMULTANEOUS) {
    for (let s = 0; s < state.info.seats; s++) {
      joint[s] = state.legalMask(s, mask) > 0 ? rng.pickMasked(mask) : 0;
    }
    state.applyJoint(joint);
    return `joint:${joint.join(',')}`;
  }
  state.legalMask(seat, mask);
  const a = rng.pickMasked(mask);
  state.apply(a);
  return `${seat}:${a}`;
}

function playout(game: Game, seed: number, visit?: (s: GameState) => void): { trace: string[]; state: GameState } {
  const state = game.newState(seed);
  const rng = new Rng(seed + 7);
  const mask = new Uint8Array(game.info.actions);
  const joint = new Int32Array(game.info.seats);
  const trace: string[] = [];
  while (!state.isTerminal()) {
    visit?.(state);
    trace.push(randomStep(state, rng, mask, joint));
    expect(state.stepCount()).toBeLessThanOrEqual(game.info.maxSteps);
  }
  visit?.(state);
  return { trace, state };
}

function observation(state: GameState, seat: number): number[] {
  const out = new Float32Array(state.info.observationSize);
  state.observe(seat, out);
  return Array.from(out);
}

const isIndex = (v: unknown, size: number): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < size;
const isActionList = (v: unknown, actions: number): boolean => Array.isArray(v) && v.every((a) => isIndex(a, actions));

/** The static part of a game's UI description: every kind's fields, in range for the game. */
function checkUiDescription({ info, ui }: Game): void {
  expect(JSON.parse(JSON.stringify(ui))).toEqual(ui);
  expect(ui.actionLabels).toHaveLength(info.actions);
  for (const label of ui.actionLabels) expect(label.trim()).not.toBe('');
  expect(new Set(ui.actionLabels).size, 'action labels are distinct').toBe(info.actions);
  const checkMarks = (marks: readonly UiMark[], count: number) => {
    expect(marks).toHaveLength(count);
    for (const m of marks) {
      expect(m.label.trim()).not.toBe('');
      expect(m.colour).toMatch(/^#[0-9a-f]{6}$/i);
    }
  };
  if (ui.seats) checkMarks(ui.seats, info.seats);
  if (ui.teams) checkMarks(ui.teams, info.teams.length);
  switch (ui.kind) {
    case 'board':
      expect(isIndex(ui.rows - 1, 64) && isIndex(ui.cols - 1, 64)).toBe(true);
      expect(info.actions).toBe(ui.move === 'cell' ? ui.rows * ui.cols : ui.cols);
      break;
    case 'cards':
      expect(ui.cards.length).toBeGreaterThan(0);
      expect(new Set(ui.cards.map((c) => c.name)).size, 'card names are distinct').toBe(ui.cards.length);
      expect(isIndex(ui.publicCards, ui.cards.length)).toBe(true);
      expect(ui.rounds).toBeGreaterThanOrEqual(1);
      break;
    case 'field':
      expect(ui.teams).toHaveLength(2); // one per goal
      expect(ui.width > 0 && ui.height > 0).toBe(true);
      expect(0 <= ui.goalRows[0] && ui.goalRows[0] <= ui.goalRows[1] && ui.goalRows[1] < ui.height).toBe(true);
      expect(isActionList(Object.values(ui.keys), info.actions)).toBe(true);
      expect(isActionList(ui.repeatWhileHeld, info.actions)).toBe(true);
      break;
    case 'arena2d': {
      expect(ui.width > 0 && ui.height > 0 && ui.shipRadius > 0 && ui.projectileRadius > 0 && ui.maxHp > 0).toBe(true);
      expect(ui.seats).toHaveLength(info.seats);
      // every input drives a component of the game's box with a value inside it
      const box = info.actionSpace;
      expect(box, 'arena2d controls make action vectors: a continuous game').toBeDefined();
      const inBox = ([j, v]: readonly [number, number]) => isIndex(j, info.actions) && v >= box!.low[j]! && v <= box!.high[j]!;
      for (const binding of Object.values(ui.controls.keys)) expect(inBox(binding), JSON.stringify(binding)).toBe(true);
      if (ui.controls.pointerButton) expect(inBox(ui.controls.pointerButton)).toBe(true);
      if (ui.controls.pointerAngle !== undefined) {
        const j = ui.controls.pointerAngle;
        expect(isIndex(j, info.actions) && box!.low[j]! <= -1 && box!.high[j]! >= 1, 'an angle over π takes values in (−1, 1]').toBe(true);
      }
      break;
    }
    case 'panel':
      break;
    default:
      throw new Error(`unknown UI kind ${JSON.stringify((ui as { kind: unknown }).kind)}`);
  }
}

/** A view (`state.view(seat)`) holds the fields its UI kind reads, in range (core/game.ts documents them per kind). */
function checkViewFitsUi({ info, ui }: Game, view: Record<string, unknown>): void {
  if ('legal' in view) expect(isActionList(view['legal'], info.actions)).toBe(true);
  const isCard = (c: unknown) => ui.kind === 'cards' && ui.cards.some((d) => d.name === c);
  switch (ui.kind) {
    case 'board': {
      const board = view['board'] as unknown[];
      expect(board).toHaveLength(ui.rows * ui.cols);
      for (const v of board) expect(v === -1 || isIndex(v, info.seats)).toBe(true);
      if ('winningCells' in view) expect(isActionList(view['winningCells'], board.length)).toBe(true);
      break;
    }
    case 'cards': {
      const cards = view['cards'] as unknown[];
      expect(cards).toHaveLength(info.seats);
      for (const c of cards) expect(c === null || isCard(c)).toBe(true);
      const shown = view['publicCards'] as unknown[];
      expect(shown.length).toBeLessThanOrEqual(ui.publicCards);
      expect(shown.every(isCard)).toBe(true);
      const betting = view['betting'] as { seat: unknown; action: unknown }[][];
      expect(betting).toHaveLength(ui.rounds);
      for (const bet of betting.flat()) expect(isIndex(bet.seat, info.seats) && isIndex(bet.action, info.actions)).toBe(true);
      if ('round' in view) expect(isIndex((view['round'] as number) - 1, ui.rounds)).toBe(true);
      expect(typeof view['pot'] === 'number' || Array.isArray(view['contributions'])).toBe(true);
      break;
    }
    case 'field': {
      const players = view['players'] as ({ seat: number; team: number; x: number; y: number } | null)[];
      expect(players).toHaveLength(info.seats);
      players.forEach((p, seat) => {
        if (p === null) return;
        expect([p.seat, p.team]).toEqual([seat, teamOf(info, seat)]);
        expect(isIndex(p.x, ui.width) && isIndex(p.y, ui.height)).toBe(true);
      });
      const ball = view['ball'] as { x: number; y: number } | null;
      if (ball !== null) expect(isIndex(ball.x, ui.width) && isIndex(ball.y, ui.height)).toBe(true);
      expect(view['score']).toHaveLength(ui.teams.length);
      break;
    }
    case 'arena2d': {
      const inArena = (p: { x: number; y: number }) => Math.abs(p.x) <= ui.width / 2 && Math.abs(p.y) <= ui.height / 2;
      const ships = view['ships'] as { seat: number; x: number; y: number; vx: number; vy: number; heading: number; hp: number; cooldown: number }[];
      expect(ships).toHaveLength(info.seats);
      ships.forEach((p, seat) => {
        expect(p.seat).toBe(seat);
        expect(inArena(p)).toBe(true);
        expect([p.vx, p.vy, p.heading, p.cooldown].every(Number.isFinite)).toBe(true);
        expect(Number.isInteger(p.hp) && p.hp >= 0 && p.hp <= ui.maxHp).toBe(true);
      });
      for (const p of view['projectiles'] as { owner: number; x: number; y: number; vx: number; vy: number }[]) {
        expect(isIndex(p.owner, info.seats) && inArena(p) && Number.isFinite(p.vx) && Number.isFinite(p.vy)).toBe(true);
      }
      expect(['own', 'arena']).toContain(view['frame']);
      expect(Number.isInteger(view['timeLeft'])).toBe(true);
      break;
    }
    case 'panel':
      break;
  }
}

describe.each(registeredGames().map((g) => [g.info.id, g] as const))('conformance: %s', (_id, game) => {
  const { info } = game;

  it('declares consistent metadata', () => {
    expect(info.id).toMatch(/^[a-z0-9-]+-v\d+$/);
    expect(getGame(info.id)).toBe(game);
    // a version reachable by id only (connect-four-v1, connect-four-v2) leaves its unversioned name to the listed one
    if (listGames().includes(game)) expect(getGame(info.id.replace(/-v\d+$/, ''))).toBe(game);
    else expect(getGame(info.id.replace(/-v\d+$/, '')).info.id).not.toBe(info.id);
    const seats = info.teams.flat().sort((a, b) => a - b);
    expect(seats).toEqual(Array.from({ length: info.seats }, (_, i) => i));
    expect(info.actions).toBeGreaterThan(0);
    expect(info.observationSize).toBeGreaterThan(0);
    if (info.observationShape) {
      // board planes for convolutional networks: [planes, rows, cols] covering the whole observation
      expect(info.observationShape).toHaveLength(3);
      for (const d of info.observationShape) expect(Number.isInteger(d) && d > 0).toBe(true);
      expect(info.observationShape.reduce((a, b) => a * b, 1)).toBe(info.observationSize);
    }
    expect(info.stateSize).toBeGreaterThan(0);
    expect(info.minReturn).toBeLessThanOrEqual(info.maxReturn);
    if (info.actionSpace) {
      // a box of `actions` components with finite bounds, low < high
      expect(info.actionSpace.kind).toBe('continuous');
      expect(info.actionSpace.low).toHaveLength(info.actions);
      expect(info.actionSpace.high).toHaveLength(info.actions);
      info.actionSpace.low.forEach((lo, j) => expect(Number.isFinite(lo) && Number.isFinite(info.actionSpace!.high[j]) && lo < info.actionSpace!.high[j]!).toBe(true));
    }
  });

  it('describes how it is shown: a known UI kind, a label for every action, views that fit the description', () => {
    checkUiDescription(game);
    for (let seed = 0; seed < 4; seed++) {
      playout(game, seed, (state) => {
        for (const seat of [...Array.from({ length: info.seats }, (_, i) => i), null]) checkViewFitsUi(game, state.view(seat));
      });
    }
  });

  it('masks equal the legal actions, and only the acting seat may move', () => {
    const mask = new Uint8Array(info.actions);
    for (let seed = 0; seed < PLAYOUTS; seed++) {
      playout(game, seed, (state) => {
        const cur = state.currentSeat();
        for (let s = 0; s < info.seats; s++) {
          const n = state.legalMask(s, mask);
          const legal = state.legalActions(s);
          expect(n).toBe(legal.length);
          expect(legal).toEqual(Array.from(mask.keys()).filter((a) => mask[a]));
          if (cur === TERMINAL || cur === CHANCE || (cur >= 0 && cur !== s)) expect(n).toBe(0);
          if (cur === s) expect(n).toBeGreaterThan(0);
        }
        if (cur === CHANCE) {
          const probs = new Float64Array(info.chanceOutcomes);
          state.chanceProbabilities(probs);
          expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        }
      });
    }
  });

  it('rejects illegal actions with IllegalActionError and leaves the state unchanged', () => {
    let tried = 0;
    const mask = new Uint8Array(info.actions);
    for (let seed = 0; seed < PLAYOUTS; seed++) {
      playout(game, seed, (state) => {
        const before = JSON.stringify(state.serialize());
        const cur = state.currentSeat();
        const bad: number[] = [-1, cur === CHANCE ? info.chanceOutcomes : info.actions, 0.5, Number.NaN];
        if (cur >= 0) {
          state.legalMask(cur, mask);
          for (let a = 0; a < info.actions; a++) if (!mask[a]) bad.push(a);
        }
        for (const a of bad) {
          if (cur === SIMULTANEOUS) {
            const joint = new Array<number>(info.seats).fill(a);
            expect(() => state.applyJoint(joint)).toThrow(IllegalActionError);
          } else {
            expect(() => state.apply(a)).toThrow(IllegalActionError);
          }
          tried++;
          expect(JSON.stringify(state.serialize())).toBe(before);
        }
      });
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('continuous actions are clipped to the box; NaN, infinite or mis-sized vectors are rejected, the state unchanged', () => {
    let tried = 0;
    const n = info.actions;
    const seats = info.seats;
    for (let seed = 0; seed < 10; seed++) {
      playout(game, seed, (state) => {
        const before = JSON.stringify(state.serialize());
        const cur = state.currentSeat();
        const joint = isContinuous(info) && cur === SIMULTANEOUS;
        const single = isContinuous(info) && cur >= 0;
        const refused = (apply: () => void) => {
          expect(apply).toThrow(IllegalActionError);
          tried++;
          expect(JSON.stringify(state.serialize())).toBe(before);
        };
        // a lone vector where one is not taken: a discrete game, a terminal, chance or simultaneous node
        const badSingle: unknown[] = single
          ? [new Array<number>(n).fill(Number.NaN), new Array<number>(n).fill(Infinity), new Array<number>(n).fill(-Infinity), new Array<number>(n + 1).fill(0), [], 'x', null]
          : [new Array<number>(n).fill(0)];
        if (single && n > 1) badSingle.push([...new Array<number>(n - 1).fill(0), Number.NaN]);
        for (const u of badSingle) refused(() => state.applyContinuous(u as number[]));
        // a joint vector (seats × n, row-major) where one is not taken, or a bad one: NaN or ±Infinity in the last seat's row, the wrong length
        const zeros = () => new Array<number>(seats * n).fill(0);
        const badJoint: unknown[] = joint ? [[...zeros().slice(1), Number.NaN], [...zeros().slice(1), Infinity], [Number.NaN, ...zeros().slice(1)], zeros().slice(1), [...zeros(), 0], [], 'x', null] : [zeros()];
        if (joint) badJoint.push(Object.assign(zeros(), { [n * (seats - 1)]: -Infinity }));
        if (!single) for (const u of badJoint) refused(() => state.applyJointContinuous(u as number[])); // at a sequential node the acting seat's row of a joint vector is fine
        if (!single && !joint) return;
        // out of the box: the same as the clipped vector
        const { low, high } = info.actionSpace!;
        const rows = joint ? seats : 1;
        for (const [outside, clipped] of [
          [high.map((h) => h + 1), high],
          [low.map((l) => l - 1e300), low],
        ] as const) {
          const a = state.clone();
          const b = state.clone();
          const repeat = (row: readonly number[]) => Array.from({ length: rows }, () => row).flat();
          if (joint) {
            a.applyJointContinuous(repeat(outside));
            b.applyJointContinuous(repeat(clipped));
          } else {
            a.applyContinuous(outside);
            b.applyContinuous(clipped);
          }
          expect(a.serialize()).toEqual(b.serialize());
        }
      });
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('replays the same game from the same seed, and differs across seeds', () => {
    const traces = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const a = playout(game, seed);
      const b = playout(game, seed);
      expect(b.trace).toEqual(a.trace);
      expect(b.state.serialize()).toEqual(a.state.serialize());
      traces.add(a.trace.join(' '));
      // reset(seed) in place replays the same game too
      const s = game.newState(999);
      s.reset(seed);
      expect(s.serialize()).toEqual(game.newState(seed).serialize());
    }
    expect(traces.size).toBeGreaterThan(1);
  });

  it('clones are independent and behave identically', () => {
    const mask = new Uint8Array(info.actions);
    const joint = new Int32Array(info.seats);
    for (let seed = 0; seed < 10; seed++) {
      const state = game.newState(seed);
      const rng = new Rng(seed);
      for (let i = 0; i < 3 && !state.isTerminal(); i++) randomStep(state, rng, mask, joint);
      if (state.isTerminal()) continue;
      const snapshot = JSON.stringify(state.serialize());
      const copy = state.clone();
      expect(JSON.stringify(copy.serialize())).toBe(snapshot);
      const rngA = new Rng(seed + 1);
      while (!copy.isTerminal()) randomStep(copy, rngA, mask, joint);
      expect(JSON.stringify(state.serialize())).toBe(snapshot);
      const rngB = new Rng(seed + 1);
      while (!state.isTerminal()) randomStep(state, rngB, mask, joint);
      expect(state.serialize()).toEqual(copy.serialize());
    }
  });

  it('serializes to plain JSON and restores an identical state', () => {
    const mask = new Uint8Array(info.actions);
    const joint = new Int32Array(info.seats);
    for (let seed = 0; seed < 10; seed++) {
      playout(game, seed, (state) => {
        if (state.stepCount() % 3 !== 0) return;
        const data = JSON.parse(JSON.stringify(state.serialize()));
        const restored = game.restore(data);
        expect(restored.serialize()).toEqual(state.serialize());
        expect(restored.render()).toBe(state.render());
        for (let s = 0; s < info.seats; s++) expect(observation(restored, s)).toEqual(observation(state, s));
        // the restored copy continues exactly like the original
        const a = state.clone();
        const ra = new Rng(seed);
        const rb = new Rng(seed);
        while (!a.isTerminal()) {
          randomStep(a, ra, mask, joint);
          randomStep(restored, rb, mask, joint);
        }
        expect(restored.serialize()).toEqual(a.serialize());
      });
    }
  });

  it('rejects malformed snapshots with a typed error', () => {
    const good = game.newState(1).serialize();
    for (const bad of [null, 42, 'x', [], {}, { ...good, game: 'other-v1' }, { ...good, rng: [0, 0, 0, 0] }, { ...good, rng: 'abc' }]) {
      expect(() => game.restore(bad)).toThrow(/./);
      try {
        game.restore(bad);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('BAD_STATE');
      }
    }
  });

  it('writes observations and global states of the declared sizes, finite, within bounds', () => {
    const pad = 3;
    for (let seed = 0; seed < 10; seed++) {
      playout(game, seed, (state) => {
        for (let s = 0; s < info.seats; s++) {
          const out = new Float32Array(info.observationSize + 2 * pad).fill(Number.NaN);
          state.observe(s, out, pad);
          for (let i = 0; i < pad; i++) {
            expect(out[i]).toBeNaN();
            expect(out[out.length - 1 - i]).toBeNaN();
          }
          for (let i = pad; i < pad + info.observationSize; i++) expect(Number.isFinite(out[i])).toBe(true);
        }
        const g = new Float32Array(info.stateSize + 2 * pad).fill(Number.NaN);
        state.globalState(g, pad);
        expect(g[pad - 1]).toBeNaN();
        expect(g[pad + info.stateSize]).toBeNaN();
        for (let i = pad; i < pad + info.stateSize; i++) expect(Number.isFinite(g[i])).toBe(true);
      });
    }
  });

  it('writes agent states of the declared size, finite, each a relabelling of the global state', () => {
    const size = agentStateSize(info);
    expect(size).toBeGreaterThan(0);
    const pad = 3;
    const g = new Float32Array(info.stateSize);
    // per seat, global state → agent state and back must both be functions over the visited states:
    // the agent state neither adds to nor drops anything from the global state, it only relabels it
    const toAgent = Array.from({ length: info.seats }, () => new Map<string, string>());
    const toGlobal = Array.from({ length: info.seats }, () => new Map<string, string>());
    for (let seed = 0; seed < 10; seed++) {
      playout(game, seed, (state) => {
        expect(state.agentState, 'GameState.agentState').toBeTypeOf('function');
        state.globalState(g);
        const gKey = g.join(',');
        const bySeat: string[] = [];
        for (let s = 0; s < info.seats; s++) {
          const out = new Float32Array(size + 2 * pad).fill(Number.NaN);
          state.agentState!(s, out, pad);
          for (let i = 0; i < pad; i++) {
            expect(out[i]).toBeNaN();
            expect(out[out.length - 1 - i]).toBeNaN();
          }
          for (let i = pad; i < pad + size; i++) expect(Number.isFinite(out[i])).toBe(true);
          const aKey = out.subarray(pad, pad + size).join(',');
          const again = new Float32Array(size);
          state.agentState!(s, again);
          expect(again.join(','), 'agentState is deterministic').toBe(aKey);
          expect(toAgent[s]!.get(gKey) ?? aKey, `seat ${s}: one global state, two agent states`).toBe(aKey);
          expect(toGlobal[s]!.get(aKey) ?? gKey, `seat ${s}: one agent state, two global states`).toBe(gKey);
          toAgent[s]!.set(gKey, aKey);
          toGlobal[s]!.set(aKey, gKey);
          bySeat.push(aKey);
        }
        // a critic shared by both sides of a zero-sum game must know which side it values
        if (info.utility === 'zero-sum' && info.teams.length > 1) {
          for (let a = 0; a < info.seats; a++) {
            for (let b = a + 1; b < info.seats; b++) {
              if (teamOf(info, a) !== teamOf(info, b)) expect(bySeat[a], `seats ${a} and ${b} of different teams`).not.toBe(bySeat[b]);
            }
          }
        }
      });
    }
    expect(toAgent[0]!.size).toBeGreaterThan(1);
  });

  it('rewards add up to the returns, which respect the declared bounds and utility', () => {
    const r = new Float64Array(info.seats);
    const ret = new Float64Array(info.seats);
    for (let seed = 0; seed < PLAYOUTS; seed++) {
      const sum = new Float64Array(info.seats);
      const state = game.newState(seed);
      const rng = new Rng(seed);
      const mask = new Uint8Array(info.actions);
      const joint = new Int32Array(info.seats);
      while (!state.isTerminal()) {
        randomStep(state, rng, mask, joint);
        state.rewards(r);
        for (let s = 0; s < info.seats; s++) sum[s]! += r[s]!;
      }
      state.returns(ret);
      for (let s = 0; s < info.seats; s++) {
        expect(ret[s]).toBeCloseTo(sum[s]!, 9);
        expect(ret[s]).toBeGreaterThanOrEqual(info.minReturn - 1e-9);
        expect(ret[s]).toBeLessThanOrEqual(info.maxReturn + 1e-9);
      }
      if (info.utility === 'zero-sum') expect(ret.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
      expect(state.isTruncated()).toBe(state.isTruncated() && state.isTerminal());
      expect(() => state.apply(0)).toThrow(IllegalActionError);
    }
  });

  it('renders text and per-seat views as plain data', () => {
    const state = playout(game, 3).state;
    expect(state.render().length).toBeGreaterThan(0);
    for (const seat of [...Array.from({ length: info.seats }, (_, i) => i), null]) {
      const v = state.view(seat);
      expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    }
    for (let a = 0; a < info.actions; a++) expect(state.actionName(a).length).toBeGreaterThan(0);
  });

  it('a seat’s observation and view depend only on its information state', () => {
    // Group every visited state by (seat, information state): within a group, what the seat sees must
    // be identical, whatever the hidden information (e.g. the opponent's card) is.
    const groups = new Map<string, { obs: string; view: string; globals: Set<string> }>();
    for (let seed = 0; seed < 4 * PLAYOUTS; seed++) {
      playout(game, seed, (state) => {
        if (state.isTerminal()) return; // after a showdown, cards are revealed by the rules
        for (let s = 0; s < info.seats; s++) {
          const key = `${s}|${state.informationState(s)}`;
          const obs = observation(state, s).join(',');
          const view = JSON.stringify(state.view(s));
          const g = new Float32Array(info.stateSize);
          state.globalState(g);
          const entry = groups.get(key);
          if (!entry) {
            groups.set(key, { obs, view, globals: new Set([g.join(',')]) });
          } else {
            expect(obs, `observation of seat ${s} at ${key}`).toBe(entry.obs);
            expect(view, `view of seat ${s} at ${key}`).toBe(entry.view);
            entry.globals.add(g.join(','));
          }
        }
      });
    }
    if (info.information === 'imperfect' && info.chanceOutcomes > 0) {
      // the check above must have compared states that differ in hidden information
      expect([...groups.values()].some((e) => e.globals.size > 1)).toBe(true);
    }
  });
});
