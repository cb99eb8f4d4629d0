/**
 * Play-time search (`mcts:<agent>[:<simulations>]`, agents/mcts.ts): the PUCT rule on a hand-made
 * tree, tactics found by search alone (uniform priors, zero values), search guided by a real
 * checkpoint and by a league snapshot, reproducibility, and the one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { DEFAULT_SIMULATIONS, MctsAgent, mctsSpec, parseMctsSpec, puctSelect, uniformEvaluator, type PositionEvaluator } from '../../agents/mcts.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { AgentMismatchError, ArenaError, ConfigError, Rng, type Agent, type Game, type GameState } from '../../core/index.ts';
import { connectFour } from '../../games/connect-four.ts';
import { getGame } from '../../games/index.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import type { TrainingRun } from '../../src/train/run.ts';
import { tinyTicTacToeRun, type TinyRun } from './tiny-run.ts';

/** A state after `moves` (action indices) from the initial position. */
function after(game: Game, moves: readonly number[]): GameState {
  const s = game.newState(0);
  for (const m of moves) s.apply(m);
  return s;
}

/** Connect Four from 1-based column digits, e.g. '121212'. */
const c4 = (cols: string) => after(connectFour, [...cols].map((c) => Number(c) - 1));

function uniformSearch(game: Game, simulations: number, seed = 0, solver = true): MctsAgent {
  return new MctsAgent({ name: 'mcts:uniform', info: game.info, evaluator: uniformEvaluator, simulations, seed, solver });
}

/** Plain PUCT (no solver): the search the hand-computed trees below follow. */
const plainSearch = (game: Game, simulations: number, seed = 0) => uniformSearch(game, simulations, seed, false);

/** The exact value for `seat` (to move in `s`) of playing `a`, by negamax over the rest of the game. */
function moveValue(s: GameState, a: number, seat: number): number {
  const t = s.clone();
  t.apply(a);
  if (t.isTerminal()) {
    const r = new Float64Array(2);
    t.returns(r);
    return r[seat]!;
  }
  return t.currentSeat() === seat ? negamax(t) : -negamax(t);
}

/** The exact minimax value of `s` for its seat to move. */
function negamax(s: GameState): number {
  const seat = s.currentSeat();
  return Math.max(...s.legalActions(seat).map((a) => moveValue(s, a, seat)));
}

/** Plays a whole game between `agents` (seat order) and returns the moves. */
function playGame(game: Game, agents: readonly Agent[], seed: number): number[] {
  const s = game.newState(seed);
  agents.forEach((a, i) => a.reset?.(seed * 31 + i));
  const moves: number[] = [];
  while (!s.isTerminal()) {
    const seat = s.currentSeat();
    const a = agents[seat]!.act(s, seat);
    moves.push(a);
    s.apply(a);
  }
  return moves;
}

describe('the PUCT rule', () => {
  // children at indices 1..3 (index 0, the parent, is not a candidate): N, W, P by hand
  const visits = [16, 10, 5, 0];
  const values = [0, 6, 1, 0];
  const priors = [1, 0.2, 0.5, 0.3];

  it('takes argmax Q + c·P·√N(parent)/(1+N) over the given children', () => {
    // c = 1.25, √16 = 4: child 1: 0.6 + 1.25·0.2·4/11 = 0.691; child 2: 0.2 + 1.25·0.5·4/6 = 0.617; child 3: 0 + 1.25·0.3·4 = 1.5
    expect(puctSelect(visits, values, priors, 1, 3, 16, 1.25)).toBe(3);
    // c = 0.1: 0.607, 0.233, 0.12 — exploitation wins
    expect(puctSelect(visits, values, priors, 1, 3, 16, 0.1)).toBe(1);
    // only children 1..2: c = 4: 0.6 + 4·0.2·4/11 = 0.891 < 0.2 + 4·0.5·4/6 = 1.533
    expect(puctSelect(visits, values, priors, 1, 2, 16, 4)).toBe(2);
  });

  it('scores unvisited children with Q = 0 and breaks exact ties by the first child', () => {
    expect(puctSelect([0, 0, 0], [0, 0, 0], [0.5, 0.25, 0.25], 0, 3, 1, 1)).toBe(0);
    expect(puctSelect([0, 0, 0], [0, 0, 0], [0.25, 0.25, 0.5], 0, 3, 1, 1)).toBe(2);
    expect(puctSelect([0, 0], [0, 0], [0.5, 0.5], 0, 2, 1, 1)).toBe(0);
    // a visited child with a loss (Q = −1) against an unvisited one of the same prior
    expect(puctSelect([1, 0], [-1, 0], [0.5, 0.5], 0, 2, 2, 1)).toBe(1);
  });

  it('scores unvisited children with the first-play urgency given (fpuReduction: the parent value minus r)', () => {
    // child 0 visited once at Q 0.2, child 1 unvisited, equal priors, c = 1, √2: 0.2 + 0.5·1.414/2 = 0.554 against u + 0.707
    expect(puctSelect([1, 0], [0.2, 0], [0.5, 0.5], 0, 2, 2, 1)).toBe(1); // u = 0: 0.707
    expect(puctSelect([1, 0], [0.2, 0], [0.5, 0.5], 0, 2, 2, 1, undefined, -0.2)).toBe(0); // u = −0.2: 0.507
    expect(puctSelect([1, 0], [0.2, 0], [0.5, 0.5], 0, 2, 2, 1, undefined, -0.1)).toBe(1); // u = −0.1: 0.607
  });
});

describe('search with uniform priors and zero values', () => {
  it('spends every simulation but the root expansion on the root moves', () => {
    const agent = plainSearch(ticTacToe, 50);
    const s = ticTacToe.newState(0);
    agent.search(s);
    const visits = new Float64Array(9);
    agent.rootVisits(visits);
    expect(visits.reduce((a, b) => a + b, 0)).toBe(49);
  });

  it('a two-move tree backs up by hand, with the sign of the seat that chose each move', () => {
    // X: 1 2 3 5, O: 0 4 6, O to move: 8 wins (0-4-8); after 7, X's only move 8 wins (2-5-8)
    const s = after(ticTacToe, [1, 0, 2, 4, 3, 6, 5]);
    expect(s.currentSeat()).toBe(1);
    expect(s.legalActions(1)).toEqual([7, 8]);
    const visits = new Float64Array(9);
    const q = new Float64Array(9);
    const search = (n: number) => {
      const agent = plainSearch(ticTacToe, n);
      agent.search(s);
      agent.rootVisits(visits, q);
      return agent;
    };
    // sim 1 expands the root. sim 2: both score 0 + 1.25·½·√1 → the first, 7: X to move, a leaf valued 0.
    // sim 3: 7 scores 0 + 1.25·½·√2/2 = 0.44 < 8's 1.25·½·√2 = 0.88 → 8, O wins: Q(8) = 1.
    // sim 4: 7: 0.54 < 8: 1 + 1.25·½·√3/2 = 1.54 → 8.
    search(4);
    expect([visits[7], visits[8], q[7], q[8]]).toEqual([1, 2, 0, 1]);
    // 8 keeps winning until, with N(root) = 15 before sim 16, 7 scores 0.625·√15/2 = 1.21 > 1 + 0.625·√15/14 = 1.17:
    // its second visit reaches X's win, −1 for O, so Q(7) = (0 − 1)/2
    const agent = search(16);
    expect([visits[7], visits[8], q[7], q[8]]).toEqual([2, 13, -0.5, 1]);
    expect(agent.act(s, 1)).toBe(8);
  });

  it("a leaf's value counts for the seat to move there and against the other seat", () => {
    // every position is worth +½ to whoever is to move in it
    const evaluator: PositionEvaluator = {
      evaluationProblem: () => null,
      evaluatePosition: (state, seat, priors) => (uniformEvaluator.evaluatePosition(state, seat, priors), 0.5),
    };
    const agent = new MctsAgent({ name: 'mcts:half', info: ticTacToe.info, evaluator, simulations: 2, solver: false });
    agent.search(ticTacToe.newState(0));
    const visits = new Float64Array(9);
    const q = new Float64Array(9);
    agent.rootVisits(visits, q);
    // sim 2 plays X's first move (all tie): O is to move at that leaf, so X's move is worth −½ to X
    expect(visits[0]).toBe(1);
    expect(q[0]).toBe(-0.5);
  });

  it('tic-tac-toe: takes a win in one over blocking, and blocks a loss in one (with and without the solver)', () => {
    for (let seed = 0; seed < 6; seed++) {
      const agent = uniformSearch(ticTacToe, 400, seed >> 1, seed % 2 === 0);
      // X: 0 1, O: 3 4, X to move: 2 wins (O threatens 5)
      const win = after(ticTacToe, [0, 3, 1, 4]);
      expect(agent.act(win, win.currentSeat())).toBe(2);
      // X: 0 1, O: 4, O to move: only 2 stops 0-1-2
      const block = after(ticTacToe, [0, 4, 1]);
      expect(agent.act(block, block.currentSeat())).toBe(2);
    }
  });

  it('Connect Four: takes a win in one over blocking, and blocks vertical and horizontal threats (with and without the solver)', () => {
    for (let seed = 0; seed < 4; seed++) {
      const agent = uniformSearch(connectFour, 800, seed >> 1, seed % 2 === 0);
      const win = c4('121212'); // X has three in column 1, O three in column 2; X to move
      expect(agent.act(win, win.currentSeat())).toBe(0);
      const vertical = c4('12121'); // O to move: X threatens column 1
      expect(agent.act(vertical, vertical.currentSeat())).toBe(0);
      const horizontal = c4('11223'); // O to move: X has columns 1-3 on the bottom row; only 4 stops it (0 is not open)
      expect(agent.act(horizontal, horizontal.currentSeat())).toBe(3);
    }
  });

  it('replays: the same seed gives the same game', () => {
    const plain = () => playGame(ticTacToe, [plainSearch(ticTacToe, 30, 7), plainSearch(ticTacToe, 30, 8)], 3);
    expect(plain()).toEqual(plain());
    const game = () => playGame(ticTacToe, [uniformSearch(ticTacToe, 30, 7), uniformSearch(ticTacToe, 30, 8)], 3);
    expect(game()).toEqual(game());
  });
});

/** An evaluator with position-dependent priors and values, so a wrong answer would show in the visits. */
const hashEvaluator: PositionEvaluator = {
      evaluationProblem: () => null,
      evaluatePosition(state, seat, priors) {
        const mask = new Uint8Array(state.info.actions);
        state.legalMask(seat, mask);
        const obs = new Float32Array(state.info.observationSize);
        state.observe(seat, obs);
        let h = 0;
        for (let i = 0; i < obs.length; i++) h += obs[i]! * ((i % 5) + 1);
        let total = 0;
        for (let a = 0; a < mask.length; a++) total += priors[a] = mask[a] ? 1 + ((a * 7 + h) % 3) : 0;
        for (let a = 0; a < mask.length; a++) priors[a] = priors[a]! / total;
        return Math.sin(h) * 0.5;
      },
    };

describe('search in steps (beginSearch, nextLeaf, resolveLeaf)', () => {
  it('builds the tree `search` builds when the caller answers the leaves, and refuses calls out of order', () => {
    const evaluator = hashEvaluator;
    const root = after(connectFour, [3, 3, 2]);
    const whole = new MctsAgent({ name: 'whole', info: connectFour.info, evaluator, simulations: 60, symmetries: false, rootNoise: { alpha: 0.5, fraction: 0.25 }, seed: 4 });
    whole.search(root);
    const steps = new MctsAgent({ name: 'steps', info: connectFour.info, evaluator, simulations: 60, symmetries: false, rootNoise: { alpha: 0.5, fraction: 0.25 }, seed: 4 });
    expect(() => steps.nextLeaf()).toThrow(/without beginSearch/);
    steps.beginSearch(root);
    const priors = new Float64Array(connectFour.info.actions);
    let evaluations = 0;
    for (let leaf = steps.nextLeaf(); leaf !== null; leaf = steps.nextLeaf()) {
      expect(() => steps.nextLeaf()).toThrow(/before the previous leaf was resolved/);
      steps.resolveLeaf(priors, evaluator.evaluatePosition(leaf, leaf.currentSeat(), priors));
      evaluations++;
    }
    expect(() => steps.resolveLeaf(priors, 0)).toThrow(/no leaf pending/);
    const a = new Float64Array(7);
    const b = new Float64Array(7);
    const qa = new Float64Array(7);
    const qb = new Float64Array(7);
    whole.rootVisits(a, qa);
    steps.rootVisits(b, qb);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(qb)).toEqual(Array.from(qa));
    expect(steps.lastSimulations).toBe(whole.lastSimulations);
    expect(evaluations).toBeGreaterThan(0);
    expect(evaluations).toBeLessThanOrEqual(steps.lastSimulations);
    // the root's evaluation, kept from its expansion before the noise: the evaluator's own answer
    const atRoot = new Float64Array(7);
    const want = new Float64Array(7);
    const v = evaluator.evaluatePosition(root, root.currentSeat(), want);
    expect(steps.rootEvaluation(atRoot)).toBe(v);
    for (let m = 0; m < 7; m++) expect(atRoot[m]).toBeCloseTo(want[m]!, 12);
  });

  it("keeps the played move's subtree (tree reuse): the next search starts from its visits and adds its simulations", () => {
    const evaluator = hashEvaluator;
    const sum = (xs: Float64Array): number => xs.reduce((a, x) => a + x, 0);
    const finish = (agent: MctsAgent): void => {
      const p = new Float64Array(7);
      for (let leaf = agent.nextLeaf(); leaf !== null; leaf = agent.nextLeaf()) agent.resolveLeaf(p, evaluator.evaluatePosition(leaf, leaf.currentSeat(), p));
    };
    const root = after(connectFour, [3, 3, 2]);
    // plain PUCT (no solver), so every search runs all its simulations
    const agent = new MctsAgent({ name: 'reuse', info: connectFour.info, evaluator, simulations: 80, symmetries: false, solver: false, rootNoise: { alpha: 0.5, fraction: 0.25 }, seed: 4, treeReuse: true });
    expect(agent.advance(0)).toBe(0); // nothing searched yet: nothing to keep
    agent.beginSearch(root);
    expect(agent.lastKeptVisits).toBe(0);
    finish(agent);
    const visits = new Float64Array(7);
    agent.rootVisits(visits);
    const move = visits.indexOf(Math.max(...visits));
    expect(agent.advance(move)).toBe(visits[move]);
    const next = root.clone();
    next.apply(move);
    agent.beginSearch(next);
    expect(agent.lastKeptVisits).toBe(visits[move]);
    // before any new simulation the new root's moves hold the subtree's visits: all but the one that expanded it
    const kept = new Float64Array(7);
    agent.rootVisits(kept);
    expect(sum(kept)).toBe(visits[move]! - 1);
    // the new root's evaluation is the evaluator's, kept from when the subtree expanded it (before any noise)
    const atRoot = new Float64Array(7);
    const want = new Float64Array(7);
    expect(agent.rootEvaluation(atRoot)).toBe(evaluator.evaluatePosition(next, next.currentSeat(), want));
    for (let m = 0; m < 7; m++) expect(atRoot[m]).toBeCloseTo(want[m]!, 12);
    // its 80 simulations go on top of the kept visits, and no move loses any
    finish(agent);
    const after80 = new Float64Array(7);
    agent.rootVisits(after80);
    expect(sum(after80)).toBe(visits[move]! - 1 + 80);
    for (let m = 0; m < 7; m++) expect(after80[m]).toBeGreaterThanOrEqual(kept[m]!);
    // the search from scratch on the same position ends with 80 − 1 visits below its root
    const fresh = new MctsAgent({ name: 'fresh', info: connectFour.info, evaluator, simulations: 80, symmetries: false, solver: false, rootNoise: { alpha: 0.5, fraction: 0.25 }, seed: 4 });
    fresh.beginSearch(next);
    finish(fresh);
    const scratch = new Float64Array(7);
    fresh.rootVisits(scratch);
    expect(sum(scratch)).toBe(79);
    // an agent built without treeReuse keeps no subtree (nor the room for one)
    expect(() => fresh.advance(move)).toThrow(/advance\(\) keeps a subtree only for an agent built with treeReuse/);
    // two plies down without a search in between (a forced move): the grandchild's subtree
    const reply = after80.indexOf(Math.max(...after80));
    const child = agent.advance(reply);
    expect(child).toBe(after80[reply]);
    const grand = new Float64Array(7);
    const third = next.clone();
    third.apply(reply);
    agent.beginSearch(third);
    agent.rootVisits(grand);
    expect(sum(grand)).toBe(child - 1);
    finish(agent);
    // a move the search never expanded keeps nothing, and the next search starts afresh
    const few = new MctsAgent({ name: 'few', info: connectFour.info, evaluator, simulations: 3, symmetries: false, solver: false, seed: 4, treeReuse: true });
    few.beginSearch(root);
    finish(few);
    const v3 = new Float64Array(7);
    few.rootVisits(v3);
    const unvisited = v3.indexOf(0);
    expect(unvisited).toBeGreaterThanOrEqual(0);
    expect(few.advance(unvisited)).toBe(0);
    const other = root.clone();
    other.apply(unvisited);
    few.beginSearch(other);
    expect(few.lastKeptVisits).toBe(0);
    finish(few);
    few.rootVisits(v3);
    expect(sum(v3)).toBe(2);
  });
  it("runs a cheaper search on a budget: fewer simulations, and no root noise when asked (self-play's fast searches)", () => {
    const root = after(connectFour, [3, 3, 2]);
    const opts = { info: connectFour.info, evaluator: hashEvaluator, symmetries: false, solver: false, seed: 4 };
    const noisy = new MctsAgent({ name: 'noisy', ...opts, simulations: 80, rootNoise: { alpha: 0.5, fraction: 0.25 } });
    const plain = new MctsAgent({ name: 'plain', ...opts, simulations: 40 });
    const visits = (agent: MctsAgent): Float64Array => {
      const v = new Float64Array(7);
      agent.rootVisits(v);
      return v;
    };
    const finish = (agent: MctsAgent): void => {
      const p = new Float64Array(7);
      for (let leaf = agent.nextLeaf(); leaf !== null; leaf = agent.nextLeaf()) agent.resolveLeaf(p, hashEvaluator.evaluatePosition(leaf, leaf.currentSeat(), p));
    };
    noisy.beginSearch(root, { simulations: 40, noise: false });
    finish(noisy);
    plain.beginSearch(root);
    finish(plain);
    expect(noisy.lastSimulations).toBe(40);
    // no noise: the same tree as a noiseless agent of 40 simulations
    expect(visits(noisy)).toEqual(visits(plain));
    // with its noise, the budget's 40 simulations end elsewhere; the next search without a budget runs all 80
    noisy.beginSearch(root, { simulations: 40, noise: true });
    finish(noisy);
    expect(visits(noisy)).not.toEqual(visits(plain));
    noisy.beginSearch(root);
    finish(noisy);
    expect(noisy.lastSimulations).toBe(80);
    expect(() => noisy.beginSearch(root, { simulations: 81, noise: false })).toThrow(/a search's budget must be a whole number of simulations in \[1, 80\], got 81/);
  });

  it('first-play urgency (fpuReduction): a large reduction keeps the search on the moves it has tried', () => {
    const root = after(connectFour, [3, 3, 2]);
    const opts = { info: connectFour.info, evaluator: hashEvaluator, simulations: 40, symmetries: false, solver: false, seed: 4 };
    const tried = (fpuReduction: number | null): number => {
      const agent = new MctsAgent({ name: 'fpu', ...opts, fpuReduction });
      agent.search(root);
      const v = new Float64Array(7);
      agent.rootVisits(v);
      return v.filter((x) => x > 0).length;
    };
    expect(tried(null)).toBe(7);
    expect(tried(0)).toBeGreaterThan(tried(10));
    expect(tried(10)).toBeLessThan(7);
    expect(() => new MctsAgent({ name: 'fpu', ...opts, fpuReduction: Number.NaN })).toThrow(/fpuReduction must be a finite number \(or null for Q = 0\), got NaN/);
  });

  it('keeps its tree between its own moves at play time (treeReuse, mcts:…:reuse): through the reply played, afresh elsewhere', () => {
    const opts = { info: connectFour.info, evaluator: hashEvaluator, simulations: 60, symmetries: false, solver: false, seed: 2 };
    const sum = (xs: Float64Array): number => xs.reduce((a, x) => a + x, 0);
    const visitsOf = (agent: MctsAgent): Float64Array => {
      const v = new Float64Array(7);
      agent.rootVisits(v);
      return v;
    };
    const reuse = new MctsAgent({ name: 'reuse', ...opts, treeReuse: true });
    const fresh = new MctsAgent({ name: 'fresh', ...opts });
    const s = after(connectFour, [3]);
    const a = reuse.act(s, s.currentSeat());
    expect(a).toBe(fresh.act(s, s.currentSeat()));
    expect(visitsOf(reuse)).toEqual(visitsOf(fresh)); // the first move: the same search
    // the visits the first search spent under each reply b to a (a tree-reuse agent moved down by hand)
    const keptUnder = (b: number): number => {
      const manual = new MctsAgent({ name: 'manual', ...opts, treeReuse: true });
      manual.search(s);
      manual.advance(a);
      return manual.advance(b);
    };
    const replies = [0, 1, 2, 3, 4, 5, 6].map(keptUnder);
    const b = replies.indexOf(Math.max(...replies));
    expect(replies[b]).toBeGreaterThan(1);
    const s2 = s.clone();
    s2.apply(a);
    s2.apply(b);
    reuse.act(s2, s2.currentSeat());
    fresh.act(s2, s2.currentSeat());
    // the reply is found by its position: 60 simulations on top of the subtree's visits
    expect(sum(visitsOf(reuse))).toBe(replies[b]! - 1 + 60);
    expect(reuse.lastKeptVisits).toBe(replies[b]);
    expect(sum(visitsOf(fresh))).toBe(59);
    expect(fresh.lastKeptVisits).toBe(0);
    // a position not reached from the last one (no piece in the centre column): searched afresh
    const elsewhere = after(connectFour, [0, 1, 2, 4, 5]);
    reuse.act(elsewhere, elsewhere.currentSeat());
    fresh.act(elsewhere, elsewhere.currentSeat());
    expect(visitsOf(reuse)).toEqual(visitsOf(fresh));
    // reset (a new game) forgets the tree, even for a position the last search could reach
    const mine = reuse.act(s, s.currentSeat());
    reuse.reset(7);
    const s3 = s.clone();
    s3.apply(mine);
    s3.apply(0);
    reuse.act(s3, s3.currentSeat());
    expect(sum(visitsOf(reuse))).toBe(59);
    // one agent playing both seats: its own last move leads to the position, kept as is
    const both = new MctsAgent({ name: 'both', ...opts, treeReuse: true });
    const first = both.act(s, s.currentSeat());
    const under = visitsOf(both)[first]!;
    const t = s.clone();
    t.apply(first);
    both.act(t, t.currentSeat());
    expect(sum(visitsOf(both))).toBe(under - 1 + 60);
  });
});

describe('the solver (proven wins and losses)', () => {
  it('a win in one ends the search at the root expansion', () => {
    // X: 1 2 3 5, O: 0 4 6, O to move: 8 wins (0-4-8) — found by trying each move once while expanding
    const s = after(ticTacToe, [1, 0, 2, 4, 3, 6, 5]);
    const agent = uniformSearch(ticTacToe, 1000);
    expect(agent.act(s, 1)).toBe(8);
    const visits = new Float64Array(9);
    agent.rootVisits(visits);
    expect(visits.reduce((a, b) => a + b, 0)).toBe(0); // one simulation, the root's own expansion
    expect(agent.rootSolution()).toEqual({ solved: true, value: 1 });
  });

  it('a loss in one is avoided after one visit of each move, where plain PUCT has not found it yet', () => {
    // X: 0 1, O: 4, O to move (6 legal moves): every move but 2 lets X complete 0-1-2; each other child,
    // once expanded, holds X's win in one, so it is a proven loss for O and never chosen
    const s = after(ticTacToe, [0, 4, 1]);
    const visits = new Float64Array(9);
    const q = new Float64Array(9);
    for (let seed = 0; seed < 5; seed++) {
      const agent = uniformSearch(ticTacToe, 7, seed); // the root's expansion + its 6 moves, one simulation each
      expect(agent.act(s, s.currentSeat())).toBe(2);
      agent.rootVisits(visits);
      expect(visits.reduce((a, b) => a + b, 0)).toBe(6);
    }
    // plain PUCT after the same 7 simulations: every move visited once and valued 0, so its pick is a tie-break
    const plain = plainSearch(ticTacToe, 7, 0);
    plain.search(s);
    plain.rootVisits(visits, q);
    expect([...visits].filter((n) => n === 1)).toHaveLength(6);
    expect([...q].every((v) => v === 0)).toBe(true);
  });

  it('a lost position is solved as lost, and the search stops once the root is proven', () => {
    // X: 0 4 2, O: 8 3, O to move: X threatens 1 (0-1-2) and 6 (2-4-6), O has no win in one: lost
    const s = after(ticTacToe, [0, 8, 4, 3, 2]);
    const agent = uniformSearch(ticTacToe, 5000);
    agent.act(s, s.currentSeat());
    const visits = new Float64Array(9);
    agent.rootVisits(visits);
    expect(agent.rootSolution()).toEqual({ solved: true, value: -1 });
    expect(visits.reduce((a, b) => a + b, 0)).toBeLessThan(4999);
  });

  it('the proven root value is the exact minimax value (negamax over the whole tree), and its move achieves it', () => {
    const rng = new Rng(5);
    let checked = 0;
    for (let g = 0; checked < 12; g++) {
      // a position 3–6 random plies in, not over
      const s = ticTacToe.newState(0);
      const plies = 3 + rng.int(4);
      for (let p = 0; p < plies && !s.isTerminal(); p++) {
        const legal = s.legalActions(s.currentSeat());
        s.apply(legal[rng.int(legal.length)]!);
      }
      if (s.isTerminal()) continue;
      const seat = s.currentSeat();
      const agent = uniformSearch(ticTacToe, 20_000, g);
      const move = agent.act(s, seat);
      const solution = agent.rootSolution();
      expect(solution.solved).toBe(true);
      const value = negamax(s);
      expect(solution.value).toBe(value);
      // the chosen move keeps that value
      expect(moveValue(s, move, seat)).toBe(value);
      checked++;
    }
  });

  it('Connect Four: sees a double threat two moves ahead with few simulations', () => {
    // X (first) on the bottom row in columns 2 and 3, O on top of both; X to move: column 4 makes three
    // in a row with both ends open (columns 1 and 5), so X wins next move whatever O does. The proof:
    // that move, O's seven replies, and X's win in one after each (found while expanding them)
    const s = c4('2233');
    for (let seed = 0; seed < 3; seed++) {
      const agent = uniformSearch(connectFour, 400, seed);
      expect(agent.act(s, s.currentSeat())).toBe(3);
      expect(agent.rootSolution()).toEqual({ solved: true, value: 1 });
    }
  });
});

describe('mcts: specs', () => {
  it('parses a trailing integer as the simulation count, the rest as the inner spec', () => {
    expect(parseMctsSpec('mcts:runs/c4:200')).toEqual({ inner: 'runs/c4', simulations: 200, reuse: false, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:runs/c4')).toEqual({ inner: 'runs/c4', simulations: DEFAULT_SIMULATIONS, reuse: false, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:runs/c4#main@000120:50')).toEqual({ inner: 'runs/c4#main@000120', simulations: 50, reuse: false, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:greedy:runs/c4')).toEqual({ inner: 'greedy:runs/c4', simulations: DEFAULT_SIMULATIONS, reuse: false, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:last:runs/c4:7')).toEqual({ inner: 'last:runs/c4', simulations: 7, reuse: false, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:runs/c4:200:reuse')).toEqual({ inner: 'runs/c4', simulations: 200, reuse: true, fpuReduction: undefined });
    expect(parseMctsSpec('mcts:greedy:runs/c4:reuse')).toEqual({ inner: 'greedy:runs/c4', simulations: DEFAULT_SIMULATIONS, reuse: true, fpuReduction: undefined });
    expect(mctsSpec(parseMctsSpec('mcts:runs/c4:reuse'))).toBe(`mcts:runs/c4:${DEFAULT_SIMULATIONS}:reuse`);
    expect(parseMctsSpec('mcts:runs/c4:200:fpu0.5')).toEqual({ inner: 'runs/c4', simulations: 200, reuse: false, fpuReduction: 0.5 });
    expect(parseMctsSpec('mcts:runs/c4:reuse:fpu-0.1')).toEqual({ inner: 'runs/c4', simulations: DEFAULT_SIMULATIONS, reuse: true, fpuReduction: -0.1 });
    expect(mctsSpec(parseMctsSpec('mcts:runs/c4:reuse:fpu0.25'))).toBe(`mcts:runs/c4:${DEFAULT_SIMULATIONS}:fpu0.25:reuse`);
    expect(() => parseMctsSpec('mcts:runs/c4:200:fpu')).toThrow(/fpu needs a number, the reduction r \(e.g. fpu0.5\), got 'fpu'/);
    expect(() => parseMctsSpec('mcts:runs/c4:fpuX')).toThrow(/fpu needs a number/);
    // no urgency named: undefined (the network's default, createAgent); `:fpuoff` asks for Q 0 (null) whatever the network
    expect(parseMctsSpec('mcts:runs/c4:200:fpuoff')).toEqual({ inner: 'runs/c4', simulations: 200, reuse: false, fpuReduction: null });
    expect(parseMctsSpec('mcts:runs/c4:fpuoff:reuse')).toEqual({ inner: 'runs/c4', simulations: DEFAULT_SIMULATIONS, reuse: true, fpuReduction: null });
    expect(mctsSpec(parseMctsSpec('mcts:runs/c4:reuse:fpuoff'))).toBe(`mcts:runs/c4:${DEFAULT_SIMULATIONS}:fpuoff:reuse`);
    expect(mctsSpec(parseMctsSpec('mcts:runs/c4:200'))).toBe('mcts:runs/c4:200');
  });

  it('refuses a missing agent and counts that are not positive integers, saying what is accepted', () => {
    for (const bad of ['mcts:', 'mcts::5', 'mcts:runs/c4:0', 'mcts:runs/c4:-3', 'mcts:runs/c4:2.5', 'mcts:runs/c4:1e9']) {
      expect(() => parseMctsSpec(bad), bad).toThrow(ConfigError);
      expect(() => parseMctsSpec(bad), bad).toThrow(/mcts:<agent>\[:<simulations>\]/);
    }
  });

  it('refuses games with hidden information, simultaneous moves or one seat, before loading anything', async () => {
    await expect(createAgent('mcts:runs/nowhere', getGame('kuhn-poker').info)).rejects.toThrow(AgentMismatchError);
    await expect(createAgent('mcts:runs/nowhere', getGame('kuhn-poker').info)).rejects.toThrow(/hidden information.*searches sequential, perfect-information, two-player zero-sum/);
    await expect(createAgent('mcts:runs/nowhere', getGame('grid-soccer').info)).rejects.toThrow(/move simultaneously/);
    await expect(createAgent('mcts:runs/nowhere', getGame('cartpole').info)).rejects.toThrow(/not a two-player zero-sum game/);
  });

  it('refuses bots and unknown names as the guide: search needs a trained policy', async () => {
    for (const spec of ['mcts:random', 'mcts:alphabeta:3', 'mcts:nosuchbot:10', 'mcts:greedy:random']) {
      const err = await createAgent(spec, connectFour.info).catch((e: unknown) => e);
      expect(err, spec).toBeInstanceOf(ConfigError);
      expect((err as Error).message, spec).toMatch(/needs a trained policy with a critic: a checkpoint or run folder, or a league member/);
      expect((err as Error).message).not.toContain('\n');
    }
    await expect(createAgent('mcts:runs/no-such-run:5', connectFour.info)).rejects.toThrow(ArenaError);
  });

  it('MctsAgent refuses a non-positive c_puct or simulation count', () => {
    expect(() => new MctsAgent({ name: 'x', info: ticTacToe.info, evaluator: uniformEvaluator, simulations: 0 })).toThrow(ConfigError);
    expect(() => new MctsAgent({ name: 'x', info: ticTacToe.info, evaluator: uniformEvaluator, cPuct: 0 })).toThrow(ConfigError);
  });
});

describe('search guided by a trained policy', () => {
  let tiny: TinyRun | undefined;
  let runDir = '';
  let run: TrainingRun;

  beforeAll(async () => {
    tiny = await tinyTicTacToeRun();
    ({ runDir, run } = tiny);
  });

  afterAll(() => tiny?.dispose());

  it('the evaluator gives the network’s own priors and critic value (fast path = tfjs)', async () => {
    const agent = (await createAgent(runDir, ticTacToe.info, 0)) as PolicyAgent;
    expect(agent.evaluationProblem()).toBeNull();
    const priors = new Float64Array(9);
    const probs = new Float64Array(9);
    const obs = new Float32Array(18);
    const value = new Float32Array(1);
    for (const moves of [[], [4], [4, 0, 8], [0, 3, 1, 4]]) {
      const s = after(ticTacToe, moves);
      const seat = s.currentSeat();
      const v = agent.evaluatePosition(s, seat, priors);
      agent.actionProbabilities(s, seat, probs); // the tfjs forward pass
      for (let a = 0; a < 9; a++) expect(priors[a]).toBeCloseTo(probs[a]!, 5);
      expect(priors.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
      for (const a of moves) expect(priors[a]).toBe(0);
      s.observe(seat, obs);
      run.obsRms!.normalize(obs, 1);
      agent.policy.values(obs, 1, value);
      expect(v).toBeCloseTo(value[0]!, 5);
    }
    agent.dispose();
  });

  it.each([
    ['', false, null], // a PPO network: Q 0 unless the spec names an urgency (an expert-iteration one: tests/train/expert-iteration.test.ts)
    [':reuse', true, null],
    [':fpu0.5:reuse', true, 0.5],
  ] as const)('plays legal moves to the end against random, and the same seed replays the same games (mcts:<run>:40%s)', async (words, reuse, fpu) => {
    const spec = `mcts:${runDir}:40${words}`;
    const games = async (seed: number) => {
      const mcts = await createAgent(spec, ticTacToe.info, seed);
      const random = await createAgent('random', ticTacToe.info, seed);
      expect(mcts).toBeInstanceOf(MctsAgent);
      expect((mcts as MctsAgent).simulations).toBe(40);
      expect((mcts as MctsAgent).treeReuse).toBe(reuse);
      expect((mcts as MctsAgent).fpuReduction).toBe(fpu);
      const out = [playGame(ticTacToe, [mcts, random], 1), playGame(ticTacToe, [random, mcts], 2), playGame(ticTacToe, [mcts, random], 3)];
      mcts.dispose?.();
      return out;
    };
    const first = await games(5);
    expect(first.every((g) => g.length >= 5)).toBe(true); // apply() would have thrown on an illegal move
    expect(await games(5)).toEqual(first);
  });

  it('greedy: inside the spec changes nothing: search uses the whole distribution', async () => {
    const s = after(ticTacToe, [4]);
    const a = await createAgent(`mcts:${runDir}:25`, ticTacToe.info, 1);
    const b = await createAgent(`mcts:greedy:${runDir}:25`, ticTacToe.info, 1);
    const va = new Float64Array(9);
    const vb = new Float64Array(9);
    (a as MctsAgent).search(s);
    (a as MctsAgent).rootVisits(va);
    (b as MctsAgent).search(s);
    (b as MctsAgent).rootVisits(vb);
    expect(Array.from(vb)).toEqual(Array.from(va));
    a.dispose?.();
    b.dispose?.();
  });

  it('a league snapshot guides search (`mcts:<run>#<id>:<n>`); a bot member cannot', async () => {
    const league = runDir; // its snapshot main@000002 holds the checkpoint's weights (tiny-run.ts)
    const fromSnapshot = await createAgent(`mcts:${league}#main@000002:30`, ticTacToe.info, 4);
    const fromCheckpoint = await createAgent(`mcts:${runDir}:30`, ticTacToe.info, 4);
    // the same weights and statistics: the same search, move for move
    const vs = (a: Agent) => playGame(ticTacToe, [a, fromCheckpoint], 6);
    const moves = vs(fromSnapshot);
    expect(moves.length).toBeGreaterThanOrEqual(5);
    const again = await createAgent(`mcts:${runDir}:30`, ticTacToe.info, 4);
    expect(vs(again)).toEqual(moves);
    for (const a of [fromSnapshot, fromCheckpoint, again]) a.dispose?.();
    await expect(createAgent(`mcts:${league}#bot:random`, ticTacToe.info)).rejects.toThrow(/plays without a policy network/);
  });

  it('a checkpoint of another game is refused with its game named', async () => {
    await expect(createAgent(`mcts:${runDir}:10`, connectFour.info)).rejects.toThrow(/trained on tic-tac-toe-v1, not connect-four-v1/);
  });
});
