/**
 * `symmetric:<agent>`: a trained policy playing, without search, the most probable legal move of its
 * policy averaged over the game's symmetries (agents/symmetry.ts: Connect Four's mirror, tic-tac-toe's
 * eight rotations and reflections):
 *
 *   a* = argmax over legal a of  mean over g of π_θ(g·a | g·x)
 *
 * the one forward pass search evaluates its leaves with, read once at the root. A network trained on
 * both images of every position (`augment`) still answers a position and its mirror slightly
 * differently; the average cancels part of that error (test-time augmentation, as AlphaGo evaluated
 * over the board's eight symmetries), at one more row of the same forward pass per symmetry. Unlike
 * `greedy:`, its moves are exactly equivariant: the mirrored position gets the mirrored move (exact
 * ties are drawn with the agent's seeded RNG, so a seed replays its games).
 */
import { ConfigError, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import type { PositionEvaluator } from './mcts.ts';
import { argmaxTiesSeeded } from './sampling.ts';

/** Spec prefix of the symmetric greedy form. */
export const SYMMETRIC_PREFIX = 'symmetric:';

/** Why `symmetric:` cannot play `info` (null when it can): it needs the game's symmetries and discrete moves. */
export function symmetricFits(info: GameInfo): string | null {
  if (info.actionSpace) return `${info.id} has continuous actions (symmetric: plays the most probable of discrete moves)`;
  if (!info.symmetries?.length) return `${info.id} declares no symmetries to average over`;
  return null;
}

export class SymmetricGreedyAgent implements Agent {
  readonly name: string;
  /** The policy whose averaged priors it plays (owned: disposed with it). */
  readonly evaluator: PositionEvaluator & Agent;
  private readonly priors: Float64Array;
  private readonly rng: Rng;

  constructor(opts: { name: string; info: GameInfo; evaluator: PositionEvaluator & Agent; seed?: number }) {
    const misfit = symmetricFits(opts.info);
    if (misfit) throw new ConfigError(`'${opts.name}': ${misfit}`);
    const problem = opts.evaluator.evaluationProblem();
    if (problem) throw new ConfigError(`'${opts.name}': ${problem}`);
    this.name = opts.name;
    this.evaluator = opts.evaluator;
    this.priors = new Float64Array(opts.info.actions);
    this.rng = new Rng(opts.seed ?? 0);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    const p = this.priors;
    this.evaluator.evaluatePosition(state, seat, p, true);
    // the averaged priors are 0 exactly on illegal moves and sum to 1 over the legal ones
    const best = argmaxTiesSeeded(p.length, (a) => (p[a]! > 0 ? p[a]! : NaN), this.rng);
    if (best < 0) throw new ConfigError(`'${this.name}': no legal move has a probability (seat ${seat})`);
    return best;
  }

  dispose(): void {
    this.evaluator.dispose?.();
  }
}
