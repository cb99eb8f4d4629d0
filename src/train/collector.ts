/**
 * Rollout collection: steps a VecEnv with batched inference and fills a RolloutBuffer, including
 * the bootstrap values (`nextValues`) that tell GAE how each transition ended. One actor forward and
 * one critic forward per vector step for the whole batch of envs.
 */
import type { ActBuffers, ActorCritic } from '../../agents/policy.ts';
import { ConfigError, type Rng } from '../../core/index.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import type { RewardScaler, RunningMeanStd } from '../algorithms/running-stats.ts';
import type { EpisodeRecord, VecEnv } from '../env/vec-env.ts';

/** Batched inference: `ActorCritic` itself, or the fast learner's `FastForward` over the same weights. */
export type Inference = Pick<ActorCritic, 'act' | 'values'>;

export interface CollectorOptions {
  readonly env: VecEnv;
  readonly policy: Inference;
  readonly buffer: RolloutBuffer;
  readonly rng: Rng;
  /** Running observation normalisation (updated with every observation collected). */
  readonly obsRms?: RunningMeanStd | null;
  readonly rewardScaler?: RewardScaler | null;
  /**
   * 'continuing': episodes run across rollouts and the rollout's end bootstraps from V(s_T) (PPO, A2C).
   * 'episodes': every env plays exactly one fresh episode per rollout (the rollout length must cover
   * the game's longest episode); steps after an env's episode ended are padding, left out of the loss,
   * so returns are pure Monte-Carlo (REINFORCE).
   */
  readonly mode: 'continuing' | 'episodes';
}

export class Collector {
  private readonly o: CollectorOptions;
  private readonly stepViews: ActBuffers[];
  private readonly scratchObs: Float32Array;
  private readonly scratchValues: Float32Array;
  private readonly lastValues: Float32Array;
  private readonly finished: Uint8Array;

  constructor(opts: CollectorOptions) {
    this.o = opts;
    const { envs, steps } = opts.buffer.spec;
    const b = opts.buffer;
    const A = b.spec.actions;
    if (b.spec.continuous !== opts.env.continuous) throw new ConfigError(`the rollout buffer holds ${b.spec.continuous ? 'continuous' : 'discrete'} actions, the env's game (${opts.env.game.info.id}) has ${opts.env.continuous ? 'continuous' : 'discrete'} ones`);
    this.stepViews = Array.from({ length: steps }, (_, t) => ({
      actions: b.actions.subarray(t * envs, (t + 1) * envs),
      ...(b.spec.continuous ? { continuous: b.continuousActions.subarray(t * envs * A, (t + 1) * envs * A) } : {}),
      logProbs: b.logProbs.subarray(t * envs, (t + 1) * envs),
      values: b.values.subarray(t * envs, (t + 1) * envs),
    }));
    this.scratchObs = new Float32Array(envs * Math.max(opts.env.obsSize, opts.env.stateSize));
    this.scratchValues = new Float32Array(envs);
    this.lastValues = new Float32Array(envs);
    this.finished = new Uint8Array(envs);
  }

  /** Fills the buffer with one rollout; returns the episodes that finished during it. */
  collect(): EpisodeRecord[] {
    const { env, policy, buffer: b, rng, obsRms, rewardScaler, mode } = this.o;
    const { envs: N, steps: T, obsSize, criticSize, actions: A } = b.spec;
    const episodic = mode === 'episodes';
    if (episodic) {
      env.resetAll();
      this.finished.fill(0);
    }
    b.valid.fill(1);
    const episodes: EpisodeRecord[] = [];
    let t = 0;
    for (; t < T; t++) {
      const base = t * N;
      const obsSlot = b.obs.subarray(base * obsSize, (base + N) * obsSize);
      obsSlot.set(env.obs);
      if (obsRms) {
        obsRms.update(env.obs, N);
        obsRms.normalize(obsSlot, N);
      }
      const criticSlot = b.criticObs ? b.criticObs.subarray(base * criticSize, (base + N) * criticSize) : null;
      if (criticSlot) criticSlot.set(env.criticObs!);
      const view = this.stepViews[t]!;
      if (view.continuous) {
        // a Gaussian policy: the buffer keeps the sampled vectors (log-probabilities are theirs), the game clips them
        policy.act(obsSlot, N, null, rng, view, { criticInput: criticSlot ?? obsSlot });
        env.stepContinuous(view.continuous);
      } else {
        b.masks.set(env.masks, base * A);
        policy.act(obsSlot, N, b.masks.subarray(base * A, (base + N) * A), rng, view, { criticInput: criticSlot ?? obsSlot });
        env.step(view.actions);
      }

      const rewards = b.rewards.subarray(base, base + N);
      rewards.set(env.rewards);
      for (let e = 0; e < N; e++) b.dones[base + e] = env.terminated[e]! | env.truncated[e]!;
      rewardScaler?.scale(rewards, b.dones.subarray(base, base + N));
      for (const ep of env.drainEpisodes()) if (!episodic || !this.finished[ep.env]) episodes.push(ep);
      this.bootstrapTruncated(t);
      if (episodic && this.markFinished(t)) break;
    }
    if (episodic) b.valid.fill(0, (t + 1) * N); // the rollout ended early: the rest is padding
    // V(s_T) for the envs still running at the end of the rollout
    this.valuesOf(env.obs, env.criticObs, this.lastValues);
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < N; e++) {
        const i = t * N + e;
        if (b.dones[i]) continue; // set at collection time: 0 (terminated) or V(final obs) (truncated)
        b.nextValues[i] = t === T - 1 ? this.lastValues[e]! : b.values[i + N]!;
      }
    }
    if (episodic && t === T) {
      // rollout too short for some episode: leave out the unfinished tail (its return is unknown)
      for (let e = 0; e < N; e++) {
        for (let k = T - 1; k >= 0 && !b.dones[k * N + e]; k--) b.valid[k * N + e] = 0;
      }
    }
    return episodes;
  }

  /** Episodes mode: marks steps after each env's first episode as padding; true once all are done. */
  private markFinished(t: number): boolean {
    const { buffer: b } = this.o;
    const N = b.spec.envs;
    let all = true;
    for (let e = 0; e < N; e++) {
      const i = t * N + e;
      if (this.finished[e]) b.valid[i] = 0;
      else if (b.dones[i]) this.finished[e] = 1;
      all &&= this.finished[e] === 1;
    }
    return all;
  }

  /** Sets nextValues for the transitions of step t: 0 when terminated, V(final observation) when truncated. */
  private bootstrapTruncated(t: number): void {
    const { env, buffer: b } = this.o;
    const N = b.spec.envs;
    let anyTruncated = false;
    for (let e = 0; e < N; e++) {
      b.nextValues[t * N + e] = 0;
      if (env.truncated[e]) anyTruncated = true;
    }
    if (!anyTruncated) return;
    this.valuesOf(env.finalObs, env.finalCriticObs, this.scratchValues);
    for (let e = 0; e < N; e++) if (env.truncated[e]) b.nextValues[t * N + e] = this.scratchValues[e]!;
  }

  /** Critic values for one observation per env (normalised like the policy's inputs, without updating stats). */
  private valuesOf(obs: Float32Array, criticObs: Float32Array | null, out: Float32Array): void {
    const { policy, obsRms, buffer: b } = this.o;
    const N = b.spec.envs;
    if (criticObs && b.criticObs) {
      policy.values(criticObs, N, out);
      return;
    }
    const x = this.scratchObs.subarray(0, obs.length);
    x.set(obs);
    obsRms?.normalize(x, N);
    policy.values(x, N, out);
  }
}
