/** Uniform random over legal actions (or, in a continuous game, uniform in the action box): the weakest baseline and the rollout default. */
import { AgentMismatchError, ConfigError, Rng, type Agent, type AgentKind, type ContinuousActionSpace, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export class RandomAgent implements Agent {
  readonly name = 'random';
  private readonly rng: Rng;
  private readonly mask: Uint8Array;
  /** The action box of a continuous game (null: discrete). */
  private readonly box: ContinuousActionSpace | null;

  constructor(info: GameInfo, seed = 0) {
    this.rng = new Rng(seed);
    this.mask = new Uint8Array(info.actions);
    this.box = info.actionSpace ?? null;
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    if (this.box) throw new AgentMismatchError(`${state.info.id} has continuous actions: agent 'random' plays them with actContinuous`);
    state.legalMask(seat, this.mask);
    return this.rng.pickMasked(this.mask);
  }

  /** Continuous games: each component uniform in [low, high). */
  actContinuous(state: GameState, _seat: Seat, out: Float32Array | Float64Array): void {
    if (!this.box) throw new AgentMismatchError(`${state.info.id} has discrete actions: agent 'random' plays them with act`);
    const { low, high } = this.box;
    for (let j = 0; j < low.length; j++) out[j] = this.rng.uniform(low[j]!, high[j]!);
  }

  /** Uniform over the legal actions (the exact distribution `act` samples from). */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    if (this.box) throw new AgentMismatchError(`${state.info.id} has continuous actions: they have densities, not action probabilities`);
    const n = state.legalMask(seat, this.mask);
    for (let a = 0; a < this.mask.length; a++) out[a] = n > 0 && this.mask[a] ? 1 / n : 0;
  }
}

export const randomKind: AgentKind = {
  kind: 'random',
  summary: 'uniform random over legal actions, or uniform in the action box of a continuous game (any game)',
  fits: () => null,
  create(info, arg, seed) {
    if (arg !== undefined) throw new ConfigError(`agent 'random' takes no argument (got 'random:${arg}')`);
    return new RandomAgent(info, seed);
  },
};
