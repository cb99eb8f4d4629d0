/**
 * A trained policy as an agent: it observes its seat, normalises the observation with the statistics
 * saved at training time, and samples (or, when deterministic, takes the most probable) legal action.
 */
import { Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import type { RunningMeanStd } from '../src/algorithms/running-stats.ts';
import type { ActBuffers, ActorCritic } from './policy.ts';

export class PolicyAgent implements Agent {
  readonly name: string;
  readonly policy: ActorCritic;
  private readonly obsRms: RunningMeanStd | null;
  private readonly deterministic: boolean;
  private readonly rng: Rng;
  private readonly obs: Float32Array;
  private readonly mask: Uint8Array;
  private readonly out: ActBuffers;

  constructor(opts: { name: string; policy: ActorCritic; obsRms: RunningMeanStd | null; info: GameInfo; deterministic?: boolean; seed?: number }) {
    this.name = opts.name;
    this.policy = opts.policy;
    this.obsRms = opts.obsRms;
    this.deterministic = opts.deterministic ?? false;
    this.rng = new Rng(opts.seed ?? 0);
    this.obs = new Float32Array(opts.info.observationSize);
    this.mask = new Uint8Array(opts.info.actions);
    this.out = { actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    state.legalMask(seat, this.mask);
    this.policy.act(this.obs, 1, this.mask, this.rng, this.out, { deterministic: this.deterministic, criticInput: null });
    return this.out.actions[0]!;
  }

  dispose(): void {
    this.policy.dispose();
  }
}
