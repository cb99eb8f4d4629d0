/** Uniform random over legal actions: the weakest baseline and the rollout default. */
import { ConfigError, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export class RandomAgent implements Agent {
  readonly name = 'random';
  private readonly rng: Rng;
  private readonly mask: Uint8Array;

  constructor(info: GameInfo, seed = 0) {
    this.rng = new Rng(seed);
    this.mask = new Uint8Array(info.actions);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    state.legalMask(seat, this.mask);
    return this.rng.pickMasked(this.mask);
  }

  /** Uniform over the legal actions (the exact distribution `act` samples from). */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    const n = state.legalMask(seat, this.mask);
    for (let a = 0; a < this.mask.length; a++) out[a] = n > 0 && this.mask[a] ? 1 / n : 0;
  }
}

export const randomKind: AgentKind = {
  kind: 'random',
  summary: 'uniform random over legal actions (any game)',
  fits: () => null,
  create(info, arg, seed) {
    if (arg !== undefined) throw new ConfigError(`agent 'random' takes no argument (got 'random:${arg}')`);
    return new RandomAgent(info, seed);
  },
};
