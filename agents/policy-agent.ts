/**
 * A trained policy as an agent: it observes its seat, normalises the observation with the statistics
 * saved at training time, and samples (or, when deterministic, takes the most probable) legal action.
 * A team policy (MAPPO/IPPO: its spec has `agentIdFeature: true`) also reads the one-hot of the
 * seat's index within its team after the observation, so one agent plays every seat of its side.
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
  /** Team policies: the game's teams, to find a seat's index within its team (null otherwise). */
  private readonly teams: readonly (readonly number[])[] | null;

  constructor(opts: { name: string; policy: ActorCritic; obsRms: RunningMeanStd | null; info: GameInfo; deterministic?: boolean; seed?: number }) {
    this.name = opts.name;
    this.policy = opts.policy;
    this.obsRms = opts.obsRms;
    this.deterministic = opts.deterministic ?? false;
    this.rng = new Rng(opts.seed ?? 0);
    this.teams = (opts.policy.spec as { agentIdFeature?: boolean }).agentIdFeature === true ? opts.info.teams : null;
    this.obs = new Float32Array(this.teams ? opts.policy.spec.obsSize : opts.info.observationSize);
    this.mask = new Uint8Array(opts.info.actions);
    this.out = { actions: new Int32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  /** Observation (normalised), then the agent id of a team policy. */
  private observe(state: GameState, seat: Seat): void {
    state.observe(seat, this.obs);
    this.obsRms?.normalize(this.obs, 1);
    if (!this.teams) return;
    const team = this.teams.find((t) => t.includes(seat));
    if (!team) throw new ConfigError(`seat ${seat} is in no team`);
    const base = state.info.observationSize;
    for (let j = base; j < this.obs.length; j++) this.obs[j] = 0;
    this.obs[base + team.indexOf(seat)] = 1;
  }

  act(state: GameState, seat: Seat): number {
    this.observe(state, seat);
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
    this.observe(state, seat);
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
