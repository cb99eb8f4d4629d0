/**
 * A trained policy as an agent: it observes its seat, normalises the observation with the statistics
 * saved at training time, and samples (or, when deterministic, takes the most probable) legal action.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
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

  /**
   * The exact distribution `act` draws from: the masked softmax of the actor's logits on the seat's
   * normalised observation, in float64 (illegal actions get exactly 0). A deterministic agent puts
   * probability 1 on the action `act` would take (the first most probable legal action).
   */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    if (this.policy.spec.head !== 'categorical') {
      throw new ConfigError(`agent '${this.name}' has a continuous (Gaussian) policy: action probabilities exist only for discrete actions`);
    }
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    state.legalMask(seat, this.mask);
    const n = this.mask.length;
    const logits = tf.tidy(() => this.policy.actorForward(tf.tensor2d(this.obs, [1, this.obs.length])).dataSync());
    let max = -Infinity;
    for (let a = 0; a < n; a++) if (this.mask[a] && logits[a]! > max) max = logits[a]!;
    if (max === -Infinity) throw new Error(`no legal action for seat ${seat}`);
    let total = 0;
    for (let a = 0; a < n; a++) {
      const p = this.mask[a] ? Math.exp(logits[a]! - max) : 0;
      out[a] = p;
      total += p;
    }
    if (this.deterministic) {
      // Same choice as sampleCategorical's deterministic branch: the first action with the largest weight.
      let best = 0;
      for (let a = 1; a < n; a++) if (out[a]! > out[best]!) best = a;
      out.fill(0, 0, n);
      out[best] = 1;
      return;
    }
    for (let a = 0; a < n; a++) out[a] = out[a]! / total;
  }

  dispose(): void {
    this.policy.dispose();
  }
}
