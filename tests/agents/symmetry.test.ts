/**
 * Search's evaluation averaged over a game's symmetries (agents/symmetry.ts), checked against the
 * definition: the mean of the plain evaluation of every transformed position (built by replaying the
 * relabelled moves), priors relabelled back. The average is exactly equivariant where the network is
 * not, both evaluators (a checkpoint's PolicyAgent, a league snapshot's SnapshotAgent) agree, and
 * `mcts:` asks for it by default; `symmetric:` plays the average's most probable move.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, specForm } from '../../agents/index.ts';
import { MctsAgent, type PositionEvaluator } from '../../agents/mcts.ts';
import { ActorCritic } from '../../agents/policy.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { SymmetricGreedyAgent } from '../../agents/symmetric-greedy.ts';
import { Rng, type Agent, type Game, type GameState, type GameSymmetry } from '../../core/index.ts';
import { connectFour } from '../../games/connect-four.ts';
import { getGame } from '../../games/index.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import { RunningMeanStd } from '../../src/algorithms/running-stats.ts';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';

/** A position after `plies` seeded random moves, and the same moves relabelled by each symmetry. */
function positions(game: Game, seed: number, plies: number): { state: GameState; transformed: GameState[] } {
  const rng = new Rng(seed);
  const syms = game.info.symmetries ?? [];
  const state = game.newState(seed);
  const transformed = syms.map(() => game.newState(seed));
  const mask = new Uint8Array(game.info.actions);
  for (let p = 0; p < plies && !state.isTerminal(); p++) {
    state.legalMask(state.currentSeat(), mask);
    const a = rng.pickMasked(mask);
    state.apply(a);
    syms.forEach((sym, k) => transformed[k]!.apply(sym.actions[a]!));
  }
  return { state, transformed };
}

/** The definition: mean over the identity and every symmetry of the plain evaluation, priors relabelled back. */
function byDefinition(e: PositionEvaluator, game: Game, state: GameState, transformed: GameState[]): { priors: Float64Array; value: number } {
  const A = game.info.actions;
  const seat = state.currentSeat();
  const priors = new Float64Array(A);
  let value = e.evaluatePosition(state, seat, priors);
  const p = new Float64Array(A);
  (game.info.symmetries as readonly GameSymmetry[]).forEach((sym, k) => {
    value += e.evaluatePosition(transformed[k]!, seat, p);
    for (let a = 0; a < A; a++) priors[a]! += p[sym.actions[a]!]!;
  });
  const n = 1 + game.info.symmetries!.length;
  return { priors: priors.map((x) => x / n), value: value / n };
}

const policies: ActorCritic[] = [];
function agents(game: Game, seed: number, withStats: boolean): { policy: PolicyAgent; snapshot: SnapshotAgent } {
  const { info } = game;
  const ac = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [32, 32], activation: 'tanh' }, seed);
  policies.push(ac);
  let rms: RunningMeanStd | null = null;
  if (withStats) {
    // statistics that are not symmetric, so normalising before transforming would differ
    rms = new RunningMeanStd(info.observationSize, 0);
    const rng = new Rng(seed);
    rms.update(Float32Array.from({ length: 50 * info.observationSize }, () => rng.uniform(0, 2)), 50);
  }
  const policy = new PolicyAgent({ name: 'p', policy: ac, obsRms: rms, info, deterministic: true });
  const snapshot = new SnapshotAgent({ name: 's', blob: policy.snapshot(), info, deterministic: true });
  return { policy, snapshot };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => policies.forEach((p) => p.dispose()));

describe('search averaged over symmetries', () => {
  for (const [game, withStats] of [
    [connectFour, false],
    [connectFour, true],
    [ticTacToe, false],
  ] as const) {
    it(`${game.info.id}${withStats ? ' with observation statistics' : ''}: the average is the mean of the transformed positions' evaluations, equivariant, the same from a snapshot`, () => {
      const { policy, snapshot } = agents(game, 3, withStats);
      const A = game.info.actions;
      const got = new Float64Array(A);
      const fromSnapshot = new Float64Array(A);
      const ofImage = new Float64Array(A);
      let asymmetric = 0;
      for (let i = 0; i < 20; i++) {
        const { state, transformed } = positions(game, i, i % 7);
        if (state.isTerminal()) continue;
        const seat = state.currentSeat();
        const value = policy.evaluatePosition(state, seat, got, true);
        const want = byDefinition(policy, game, state, transformed);
        expect(value).toBeCloseTo(want.value, 5);
        for (let a = 0; a < A; a++) expect(got[a]).toBeCloseTo(want.priors[a]!, 5);
        expect(got.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
        // the league snapshot's evaluator reads the same bytes and averages the same way
        expect(snapshot.evaluatePosition(state, seat, fromSnapshot, true)).toBeCloseTo(value, 5);
        for (let a = 0; a < A; a++) expect(fromSnapshot[a]).toBeCloseTo(got[a]!, 5);
        // the image of the position under the first symmetry: the same value, the moves relabelled
        const sym = game.info.symmetries![0]!;
        expect(policy.evaluatePosition(transformed[0]!, seat, ofImage, true)).toBeCloseTo(value, 5);
        for (let a = 0; a < A; a++) expect(ofImage[sym.actions[a]!]).toBeCloseTo(got[a]!, 5);
        // … which the network alone is not
        const plain = new Float64Array(A);
        const plainImage = new Float64Array(A);
        policy.evaluatePosition(state, seat, plain);
        policy.evaluatePosition(transformed[0]!, seat, plainImage);
        for (let a = 0; a < A; a++) asymmetric = Math.max(asymmetric, Math.abs(plainImage[sym.actions[a]!]! - plain[a]!));
      }
      expect(asymmetric).toBeGreaterThan(1e-3);
    });
  }

  for (const withStats of [false, true]) {
    it(`a snapshot evaluates a batch of positions as it evaluates each alone${withStats ? ' (with observation statistics)' : ''}, across the kernels' 4-row blocks`, () => {
      const { snapshot } = agents(connectFour, 5, withStats);
      const A = connectFour.info.actions;
      for (const count of [1, 3, 4, 5, 9]) {
        const states = Array.from({ length: count }, (_, i) => positions(connectFour, 100 + i, (i * 3) % 11).state);
        const seats = Int32Array.from(states, (s) => s.currentSeat());
        const priors = new Float64Array(count * A);
        const values = new Float64Array(count);
        snapshot.evaluatePositions(states, seats, count, priors, values);
        const one = new Float64Array(A);
        states.forEach((state, i) => {
          expect(values[i]).toBeCloseTo(snapshot.evaluatePosition(state, seats[i]!, one), 6);
          for (let a = 0; a < A; a++) expect(priors[i * A + a]).toBeCloseTo(one[a]!, 6);
        });
      }
    });
  }

  it('mcts: averages over the symmetries by default, and not when told not to', () => {
    const seen: boolean[] = [];
    const recording: PositionEvaluator = {
      evaluationProblem: () => null,
      evaluatePosition(state, seat, priors, symmetric) {
        seen.push(symmetric === true);
        priors.fill(0);
        const mask = new Uint8Array(state.info.actions);
        const n = state.legalMask(seat, mask);
        for (let a = 0; a < mask.length; a++) priors[a] = mask[a] ? 1 / n : 0;
        return 0;
      },
    };
    const on = new MctsAgent({ name: 'mcts', info: connectFour.info, evaluator: recording, simulations: 5 });
    expect(on.symmetric).toBe(true);
    on.act(connectFour.newState(0), 0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((x) => x)).toBe(true);
    seen.length = 0;
    const off = new MctsAgent({ name: 'puct', info: connectFour.info, evaluator: recording, simulations: 5, symmetries: false });
    expect(off.symmetric).toBe(false);
    off.act(connectFour.newState(0), 0);
    expect(seen.every((x) => !x)).toBe(true);
  });
});

describe('symmetric:<agent>, the greedy move of the averaged policy', () => {
  for (const game of [connectFour, ticTacToe]) {
    it(`${game.info.id}: plays the most probable move of the average by definition, the image's move on the image, where plain greedy does not`, () => {
      const { policy } = agents(game, 7, false);
      const sym = new SymmetricGreedyAgent({ name: 'symmetric:p', info: game.info, evaluator: policy, seed: 1 });
      const A = game.info.actions;
      const image = game.info.symmetries![0]!;
      let greedyBroken = 0;
      let checked = 0;
      for (let i = 0; i < 40; i++) {
        const { state, transformed } = positions(game, 200 + i, i % 9);
        if (state.isTerminal()) continue;
        const seat = state.currentSeat();
        const { priors } = byDefinition(policy, game, state, transformed);
        const move = sym.act(state, seat);
        for (let a = 0; a < A; a++) expect(priors[a]!, `move ${move} of ${Array.from(priors)}`).toBeLessThanOrEqual(priors[move]! + 1e-9);
        expect(priors[move]!).toBeGreaterThan(0);
        // the image position gets the image move (the average is exactly equivariant; ties aside)
        const sorted = [...priors].sort((x, y) => y - x);
        if (sorted[0]! - sorted[1]! > 1e-6) {
          checked++;
          expect(sym.act(transformed[0]!, seat)).toBe(image.actions[move]);
          if (policy.act(transformed[0]!, seat) !== image.actions[policy.act(state, seat)]) greedyBroken++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      // a network trained on nothing answers some position and its image differently (so the check above can fail)
      expect(greedyBroken).toBeGreaterThan(0);
    });
  }

  it('draws exact ties with its seeded RNG: the same seed replays, other seeds reach every tied move', () => {
    const uniform: PositionEvaluator & Agent = {
      name: 'uniform',
      act: () => 0,
      evaluationProblem: () => null,
      evaluatePosition(state, seat, priors) {
        const mask = new Uint8Array(state.info.actions);
        const n = state.legalMask(seat, mask);
        for (let a = 0; a < mask.length; a++) priors[a] = mask[a] ? 1 / n : 0;
        return 0;
      },
    };
    const moves = (seed: number) => {
      const agent = new SymmetricGreedyAgent({ name: 'symmetric:uniform', info: connectFour.info, evaluator: uniform, seed });
      return Array.from({ length: 30 }, () => agent.act(connectFour.newState(0), 0));
    };
    expect(moves(4)).toEqual(moves(4));
    expect(new Set(moves(5)).size).toBe(7);
  });

  it('is refused in one line where it does not apply', async () => {
    expect(specForm('symmetric:runs/c4')).toBe('symmetric');
    expect(specForm('symmetric:greedy:runs/c4#main@000120')).toBe('symmetric');
    await expect(createAgent('symmetric:runs/k', getGame('kuhn-poker').info)).rejects.toThrow(/^'symmetric:runs\/k': kuhn-poker-v1 declares no symmetries to average over; symmetric:<agent> plays tic-tac-toe-v1, connect-four-v3$/);
    await expect(createAgent('symmetric:minimax', ticTacToe.info)).rejects.toThrow(/'minimax' is not a trained policy; symmetric:<agent> needs a trained policy/);
    await expect(createAgent('symmetric:runs/no-such-run', ticTacToe.info)).rejects.toThrow(/no-such-run/);
  });
});
