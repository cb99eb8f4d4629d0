/**
 * MAPPO and IPPO for teams (Yu et al. 2022, "The Surprising Effectiveness of PPO in Cooperative
 * Multi-Agent Games"; reference code `marlbenchmark/on-policy`; IPPO: de Witt et al. 2020).
 *
 * - Decentralised actors: each agent acts on its own observation plus a one-hot of its index within
 *   its team (the "agent id"), so one shared network can tell teammates apart.
 * - Critic: MAPPO's is centralized — it reads an agent-specific global state (the full state in that
 *   agent's frame) plus the agent id; IPPO's reads the agent's own actor input (local observation +
 *   id). Actors never see the global state.
 * - Parameter sharing across teammates by default (one ActorCritic for the team, fed every
 *   teammate's transitions); `shareParams: false` gives each team seat its own ActorCritic.
 * - Value normalisation (value-norm.ts): the critic predicts normalised values; GAE runs on
 *   denormalised ones and the value loss on normalised targets.
 * - GAE per agent: every (env, agent) pair is its own column of the time-major batch. With
 *   `advantage: 'vtrace'` the columns get IMPALA's V-trace instead (vtrace.ts), against the current
 *   policy, for batches collected by older weights.
 * - Agents that are done before the episode ends have `valid` = 0 on their remaining steps: those
 *   steps get no advantage, break the GAE chain, and have weight 0 in every loss term (the learner's
 *   weighted means), so they contribute nothing to the gradients.
 * - The PPO update itself (clipped surrogate, value clipping, entropy bonus, global grad-norm clip,
 *   Adam) is src/algorithms' learner — the fast one on wasm/cpu (src/fast/select.ts).
 *
 * The value loss is the learner's ½·(V − R̂)² (optionally clipped around the old value), not the
 * reference's Huber loss with δ = 10: with value normalisation the targets are in units of their
 * running standard deviation, so |V − R̂| < 10 on essentially every sample and the Huber loss equals
 * the squared loss there (up to the factor ½, absorbed by the value-loss coefficient).
 */
import { ActorCritic, type ActBuffers, type Activation, type PolicySpec } from '../../agents/policy.ts';
import { ConfigError, writeOneHot, type Rng } from '../../core/index.ts';
import { createLearner, type Learner } from '../fast/select.ts';
import { computeGae } from './advantages.ts';
import { RolloutBuffer } from './buffer.ts';
import type { Trajectory } from './trajectory.ts';
import type { LearnerSettings, UpdateStats } from './policy-gradient.ts';
import { ValueNorm, type ValueNormData } from './value-norm.ts';
import { computeVtrace, segmentNextValues, type VtraceStats } from './vtrace.ts';

export type TeamAlgo = 'mappo' | 'ippo';

/** A policy spec that says its actor input ends with the agent-id one-hot (see PolicyAgent). */
export interface TeamPolicySpec extends PolicySpec {
  /** The actor input is the seat's observation followed by a one-hot of its index in its team. */
  readonly agentIdFeature: true;
  readonly teamSize: number;
  /** 'mappo': centralized critic on the agent-specific global state; 'ippo': critic on the actor input. */
  readonly critic: 'centralized' | 'local';
}

export interface TeamLearnerOptions {
  readonly algo: TeamAlgo;
  /** Per-agent observation size (the game's observationSize). */
  readonly obsSize: number;
  /** Size of the agent-specific global state, without the id (MAPPO's critic input). */
  readonly stateSize: number;
  readonly teamSize: number;
  readonly actions: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** One ActorCritic for the whole team (default) or one per team seat. */
  readonly shareParams?: boolean;
  /** Normalise value targets (default true). */
  readonly valueNorm?: boolean;
  readonly gamma: number;
  /** GAE's λ, or V-trace's trace λ (c_t = λ·min(c̄, π/μ)): on-policy both give the same value targets. */
  readonly lambda: number;
  /**
   * Advantage estimator: 'gae' (default) on the values recorded when acting, or 'vtrace' (IMPALA,
   * vtrace.ts) on the current policy's log-probs and values, which corrects for policy lag.
   */
  readonly advantage?: 'gae' | 'vtrace';
  /** V-trace's ρ̄ (default 1). */
  readonly rhoBar?: number;
  /** V-trace's c̄ (default 1). */
  readonly cBar?: number;
  readonly settings: LearnerSettings;
  readonly seed: number;
  /** The learner's sampling/shuffling RNG. */
  readonly rng: Rng;
  /** Existing policies (a resumed run); their specs must match. */
  readonly policies?: readonly ActorCritic[];
  readonly valueNorms?: readonly (ValueNormData | null)[];
  /** tfjs backend name for learner selection (default: the active one). */
  readonly backend?: string;
}

/**
 * A team rollout: the one trajectory type (trajectory.ts) whose column c = env·teamSize + k is team
 * seat k of an env. Actor inputs are observation + agent id; `criticObs` holds MAPPO's critic inputs
 * (null for IPPO); values are the critic's raw outputs (normalised units with value normalisation).
 */
export interface TeamBatch extends Trajectory {
  readonly teamSize: number;
}

/** Writes the one-hot of team index `k` (of `teamSize`) at `out[offset…]` (the game contract's one-hot). */
export const writeAgentId = writeOneHot;

/** The spec of a team policy. */
export function teamPolicySpec(o: Pick<TeamLearnerOptions, 'algo' | 'obsSize' | 'stateSize' | 'teamSize' | 'actions' | 'hidden' | 'activation'>): TeamPolicySpec {
  const actorIn = o.obsSize + o.teamSize;
  return {
    obsSize: actorIn,
    criticInputSize: o.algo === 'mappo' ? o.stateSize + o.teamSize : actorIn,
    head: 'categorical',
    actions: o.actions,
    hidden: [...o.hidden],
    activation: o.activation,
    agentIdFeature: true,
    teamSize: o.teamSize,
    critic: o.algo === 'mappo' ? 'centralized' : 'local',
  };
}

/** Summary of one team update: the learners' statistics averaged over policies, plus value-norm state. */
export type TeamUpdateStats = UpdateStats & {
  readonly 'charts/value_norm_mean': number;
  readonly 'charts/value_norm_std': number;
  readonly 'charts/valid_fraction': number;
  readonly 'charts/mean_advantage': number;
} & Partial<VtraceStats>;

export class MappoLearner {
  readonly algo: TeamAlgo;
  readonly spec: TeamPolicySpec;
  readonly teamSize: number;
  readonly shareParams: boolean;
  readonly gamma: number;
  readonly lambda: number;
  readonly advantage: 'gae' | 'vtrace';
  readonly rhoBar: number;
  readonly cBar: number;
  /** One policy (shared) or one per team seat. */
  readonly policies: ActorCritic[];
  /** The fast learner on wasm/cpu, the tfjs reference elsewhere (src/fast/select.ts). */
  readonly learners: Learner[];
  /** Per policy; null entries when value normalisation is off. */
  readonly valueNorms: (ValueNorm | null)[];
  /** Per-policy buffers of the last `prepare` (for tests and diagnostics). */
  buffers: RolloutBuffer[] = [];
  /** Per-policy V-trace statistics of the last `prepare` (empty with GAE). */
  vtraceStats: VtraceStats[] = [];

  constructor(o: TeamLearnerOptions) {
    if (o.teamSize < 1) throw new ConfigError('a team needs at least one agent');
    this.algo = o.algo;
    this.spec = teamPolicySpec(o);
    this.teamSize = o.teamSize;
    this.shareParams = o.shareParams ?? true;
    this.gamma = o.gamma;
    this.lambda = o.lambda;
    this.advantage = o.advantage ?? 'gae';
    this.rhoBar = o.rhoBar ?? 1;
    this.cBar = o.cBar ?? 1;
    const n = this.shareParams ? 1 : o.teamSize;
    if (o.policies && o.policies.length !== n) throw new ConfigError(`expected ${n} team policies, got ${o.policies.length}`);
    this.policies = Array.from({ length: n }, (_, p) => {
      const given = o.policies?.[p];
      if (given) {
        const s = given.spec;
        if (s.obsSize !== this.spec.obsSize || s.criticInputSize !== this.spec.criticInputSize || s.actions !== this.spec.actions) {
          throw new ConfigError(`team policy ${p} maps ${s.obsSize}/${s.criticInputSize}→${s.actions}, expected ${this.spec.obsSize}/${this.spec.criticInputSize}→${this.spec.actions}`);
        }
        return given;
      }
      return new ActorCritic(this.spec, o.seed + 1000 * p);
    });
    this.learners = this.policies.map((policy) => createLearner({ policy, settings: o.settings, rng: o.rng, backend: o.backend }));
    const useNorm = o.valueNorm ?? true;
    this.valueNorms = this.policies.map((_, p) => {
      if (!useNorm) return null;
      const d = o.valueNorms?.[p];
      return d ? ValueNorm.fromJSON(d) : new ValueNorm();
    });
  }

  /** Index of the policy that plays team seat `k`. */
  policyOf(k: number): number {
    return this.shareParams ? 0 : k;
  }

  get actorInputSize(): number {
    return this.spec.obsSize;
  }

  get criticInputSize(): number {
    return this.spec.criticInputSize;
  }

  /**
   * Batched action selection for `rows` agents that all play team seat `k` (their policy), with the
   * same sampling as rollouts: raw critic values into `out.values` when `criticInput` is given.
   */
  act(k: number, obs: Float32Array, rows: number, masks: Uint8Array | null, rng: Rng, out: ActBuffers, criticInput: Float32Array | null): void {
    const p = this.policyOf(k);
    const learner = this.learners[p]!;
    const opts = { criticInput: criticInput ?? (this.spec.critic === 'local' ? obs : null) };
    learner.inference().act(obs, rows, masks, rng, out, opts);
  }

  /**
   * Per-policy rollout buffers from a team batch: columns split by policy, values denormalised for
   * GAE per agent, value statistics updated with the valid returns, and the value targets
   * normalised. Returns the buffers (also kept in `buffers`).
   */
  prepare(batch: TeamBatch): RolloutBuffer[] {
    const { steps: T, columns: C, teamSize } = batch;
    if (teamSize !== this.teamSize || C % teamSize !== 0) throw new ConfigError(`team batch has ${C} columns of team size ${teamSize}, expected team size ${this.teamSize}`);
    if ((batch.criticObs === null) !== (this.spec.critic === 'local')) {
      throw new ConfigError(this.spec.critic === 'local' ? 'IPPO batches carry no critic observations' : 'MAPPO batches need critic observations');
    }
    const P = this.policies.length;
    const envsPer = this.shareParams ? C : C / teamSize;
    const obsIn = this.spec.obsSize;
    const critIn = this.spec.criticInputSize;
    const A = this.spec.actions;
    const out: RolloutBuffer[] = [];
    this.vtraceStats = [];
    for (let p = 0; p < P; p++) {
      let buf = this.buffers[p];
      if (!buf || buf.spec.steps !== T || buf.spec.envs !== envsPer) {
        buf = new RolloutBuffer({ steps: T, envs: envsPer, obsSize: obsIn, criticSize: this.spec.critic === 'centralized' ? critIn : 0, actions: A, continuous: false });
      }
      // the columns of policy p, in order
      const cols: number[] = [];
      for (let c = 0; c < C; c++) if (this.policyOf(c % teamSize) === p) cols.push(c);
      if (this.shareParams) {
        buf.obs.set(batch.obs.subarray(0, T * C * obsIn));
        if (batch.criticObs) buf.criticObs!.set(batch.criticObs.subarray(0, T * C * critIn));
        buf.masks.set(batch.masks.subarray(0, T * C * A));
        buf.actions.set(batch.actions.subarray(0, T * C));
        buf.logProbs.set(batch.logProbs.subarray(0, T * C));
        buf.values.set(batch.values.subarray(0, T * C));
        buf.rewards.set(batch.rewards.subarray(0, T * C));
        buf.nextValues.set(batch.nextValues.subarray(0, T * C));
        buf.dones.set(batch.dones.subarray(0, T * C));
        buf.valid.set(batch.valid.subarray(0, T * C));
      } else {
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < cols.length; j++) {
            const src = t * C + cols[j]!;
            const dst = t * envsPer + j;
            buf.obs.set(batch.obs.subarray(src * obsIn, (src + 1) * obsIn), dst * obsIn);
            if (batch.criticObs) buf.criticObs!.set(batch.criticObs.subarray(src * critIn, (src + 1) * critIn), dst * critIn);
            buf.masks.set(batch.masks.subarray(src * A, (src + 1) * A), dst * A);
            buf.actions[dst] = batch.actions[src]!;
            buf.logProbs[dst] = batch.logProbs[src]!;
            buf.values[dst] = batch.values[src]!;
            buf.rewards[dst] = batch.rewards[src]!;
            buf.nextValues[dst] = batch.nextValues[src]!;
            buf.dones[dst] = batch.dones[src]!;
            buf.valid[dst] = batch.valid[src]!;
          }
        }
      }
      this.advantages(buf, this.valueNorms[p]!, this.learners[p]!);
      this.buffers[p] = buf;
      out.push(buf);
    }
    return out;
  }

  /**
   * GAE or V-trace per agent column on denormalised values; then value-norm update and normalised
   * targets. V-trace evaluates `learner`'s current policy on the buffer and bootstraps from the
   * current critic inside the segment, from the recorded next values at its end.
   */
  private advantages(buf: RolloutBuffer, norm: ValueNorm | null, learner: Learner): void {
    const n = buf.size;
    const { steps, envs } = buf.spec;
    const next = new Float32Array(n);
    for (let i = 0; i < n; i++) next[i] = buf.dones[i] ? 0 : buf.nextValues[i]!;
    if (norm) for (let i = 0; i < n; i++) if (!buf.dones[i]) next[i] = norm.denormalize(next[i]!);
    if (this.advantage === 'vtrace') {
      const logProbs = new Float32Array(n);
      const values = new Float32Array(n);
      learner.evaluate(buf, logProbs, values);
      if (norm) norm.denormalizeArray(values);
      const current = new Float32Array(n);
      segmentNextValues({ steps, envs, values, segmentEnd: next, dones: buf.dones, valid: buf.valid }, current);
      const stats = computeVtrace(
        { steps, envs, behaviourLogProbs: buf.logProbs, targetLogProbs: logProbs, values, nextValues: current, rewards: buf.rewards, dones: buf.dones, valid: buf.valid, gamma: this.gamma, lambda: this.lambda, rhoBar: this.rhoBar, cBar: this.cBar },
        buf.advantages,
        buf.returns,
      );
      this.vtraceStats.push(stats);
    } else {
      const values = Float32Array.from(buf.values);
      if (norm) norm.denormalizeArray(values);
      computeGae({ steps, envs, rewards: buf.rewards, values, nextValues: next, dones: buf.dones, valid: buf.valid, gamma: this.gamma, lambda: this.lambda }, buf.advantages, buf.returns);
    }
    if (norm) {
      norm.update(buf.returns, n, buf.valid);
      for (let i = 0; i < n; i++) buf.returns[i] = buf.valid[i] ? norm.normalize(buf.returns[i]!) : 0;
    }
  }

  /** One MAPPO/IPPO update from a team batch; `progress` ∈ [0, 1] anneals as in the learners. */
  update(batch: TeamBatch, progress: number): TeamUpdateStats {
    const bufs = this.prepare(batch);
    const all = bufs.map((b, p) => this.learners[p]!.update(b, progress));
    const avg: Record<string, number> = {};
    for (const s of all) for (const [k, v] of Object.entries(s)) avg[k] = (avg[k] ?? 0) + v / all.length;
    let validN = 0;
    let total = 0;
    let advSum = 0;
    for (const b of bufs) {
      total += b.size;
      for (let i = 0; i < b.size; i++) {
        if (!b.valid[i]) continue;
        validN++;
        advSum += b.advantages[i]!;
      }
    }
    const norm = this.valueNorms[0];
    const vtrace: Record<string, number> = {};
    for (const s of this.vtraceStats) for (const [k, v] of Object.entries(s)) vtrace[k] = (vtrace[k] ?? 0) + v / this.vtraceStats.length;
    return {
      ...(avg as unknown as UpdateStats),
      ...(vtrace as Partial<VtraceStats>),
      'charts/value_norm_mean': norm ? norm.mean : 0,
      'charts/value_norm_std': norm ? norm.std : 1,
      'charts/valid_fraction': validN / Math.max(1, total),
      'charts/mean_advantage': advSum / Math.max(1, validN),
    };
  }

  /** Each policy's weights (`trainableVariables()` order), for snapshots. */
  weights(): Float32Array[][] {
    return this.policies.map((p) => p.getWeights());
  }

  dispose(): void {
    for (const l of this.learners) l.dispose();
    for (const p of this.policies) p.dispose();
  }
}
