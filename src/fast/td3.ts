/**
 * TD3 and DDPG on the fast path: the update of `Td3Learner` (src/algorithms/td3.ts — the maths, the
 * order of the steps and the references are there) computed without tfjs, forward and backward by
 * hand on one flat buffer (offpolicy-nets.ts, mlp.ts) with fused Adam steps. Same networks at the
 * start (`initialTd3Networks`), same RNG draws, same statistics, same checkpoint format.
 *
 * Gradients, as tfjs differentiates the reference (w.r.t. the variables of each optimizer only):
 * - critics: Σ_i mean((Q_i − y)²) → ∂/∂Q_i = 2·(Q_i − y)/B, y a constant;
 * - actor: −mean(Q_1(s, tanh(net(s)))) → ∂/∂net(s) = −(1/B)·∂Q_1/∂a·(1 − a²), ∂Q_1/∂a from the
 *   critic's input gradient (the critic's own weights get none).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/index.ts';
import { checkFinite, normals, type Mlp, type OffPolicyLearner, type OptimizerWeights } from '../algorithms/offpolicy-nets.ts';
import type { ReplayBatch } from '../algorithms/replay-buffer.ts';
import { initialTd3Networks, type Td3Networks, type Td3Settings } from '../algorithms/td3.ts';
import type { KernelChoice } from './kernels.ts';
import { pad4 } from './mlp.ts';
import { criticRegression, FlatAdam, FlatNetworks } from './offpolicy-nets.ts';

export class FastTd3Learner implements OffPolicyLearner {
  readonly algo: 'td3' | 'ddpg';
  readonly kind = 'fast' as const;
  readonly settings: Td3Settings;
  readonly nets: FlatNetworks;
  updates = 0;
  private readonly critics: readonly string[];
  private readonly actorOptimizer: FlatAdam;
  private readonly criticOptimizer: FlatAdam;
  private lastActorLoss = NaN;
  private noise = new Float32Array(0);
  private actNoise = new Float32Array(0);
  private nextActions = new Float32Array(0);
  private mu = new Float32Array(0);
  private y = new Float64Array(0);
  private actOut = new Float32Array(0);

  /** Fresh networks from `seed`, or `networks` (a checkpoint's) as they are. */
  constructor(settings: Td3Settings, seed: number, networks?: Td3Networks, kernels?: KernelChoice) {
    this.algo = settings.algo;
    this.settings = settings;
    const init = initialTd3Networks(settings, seed, networks);
    this.critics = init.critics.map((_, i) => `critic-${i}`);
    this.nets = new FlatNetworks({
      nets: [
        { name: 'actor', mlp: init.actor },
        ...this.critics.map((name, i) => ({ name, mlp: init.critics[i]! })),
        { name: 'actor-target', mlp: init.actorTarget, targetOf: 'actor' },
        ...this.critics.map((name, i) => ({ name: `${name}-target`, mlp: init.criticTargets[i]!, targetOf: name })),
      ],
      kernels,
    });
    const { lr, optimizerEps: eps } = settings;
    this.actorOptimizer = new FlatAdam(this.nets, this.nets.variables(['actor']), lr, eps);
    this.criticOptimizer = new FlatAdam(this.nets, this.nets.variables(this.critics), lr, eps);
  }

  /** The kernel implementation in use. */
  get kernels(): KernelChoice {
    return this.nets.kernels;
  }

  /** tanh of the network `actor` (or its target) on `rows` rows of `obs` into `out`. */
  private mean(name: 'actor' | 'actor-target', obs: Float32Array, rows: number, out: Float32Array): void {
    const { obsSize: O, actionDims: A } = this.settings;
    const n = this.nets;
    n.ensureRows(rows);
    n.setColumns(n.scratch(name).input, O, 0, obs, O, rows);
    n.forward(name, pad4(rows));
    const h = n.f32;
    const o = n.output(name);
    for (let i = 0; i < rows * A; i++) out[i] = Math.tanh(h[o + i]!);
  }

  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean, rng: Rng): void {
    const { actionDims: A, actionNoise } = this.settings;
    if (this.actOut.length < rows * A) this.actOut = new Float32Array(rows * A);
    const mu = this.actOut.subarray(0, rows * A);
    this.mean('actor', obs, rows, mu);
    checkFinite(mu, () => `the ${this.algo} actor after gradient step ${this.updates}`);
    if (this.actNoise.length !== rows * A) this.actNoise = new Float32Array(rows * A);
    if (explore && actionNoise > 0) normals(rng, this.actNoise);
    for (let i = 0; i < rows * A; i++) out[i] = explore && actionNoise > 0 ? Math.min(1, Math.max(-1, mu[i]! + actionNoise * this.actNoise[i]!)) : mu[i]!;
  }

  /** The critic target y of a minibatch for target-smoothing noise ε (as Td3Learner.target). */
  target(batch: ReplayBatch, eps: Float32Array): Float32Array {
    this.ensureBatch(batch.size);
    this.targetInto(batch, eps);
    return Float32Array.from(this.y.subarray(0, batch.size));
  }

  /** y = r + γ·(1 − d)·min_i Q'_i(s', ã), ã = clip(μ'(s') + clip(σ̃·ε, −c, c), −1, 1), into `this.y`. */
  private targetInto(batch: ReplayBatch, eps: Float32Array): void {
    const { obsSize: O, actionDims: A, gamma, targetNoise: sigma, targetNoiseClip: c } = this.settings;
    const B = batch.size;
    const n = this.nets;
    const next = this.nextActions;
    this.mean('actor-target', batch.nextObs, B, next);
    if (sigma !== 0) {
      for (let i = 0; i < B * A; i++) next[i] = Math.min(1, Math.max(-1, next[i]! + Math.min(c, Math.max(-c, Math.fround(eps[i]! * sigma)))));
    }
    const x = n.scratch('critic-0').input;
    n.setColumns(x, O + A, 0, batch.nextObs, O, B);
    n.setColumns(x, O + A, O, next, A, B);
    const targets = this.critics.map((name) => `${name}-target`);
    for (const t of targets) n.forward(t, pad4(B), x);
    const h = n.f32;
    const qs = targets.map((t) => n.output(t));
    for (let r = 0; r < B; r++) {
      let minQ = h[qs[0]! + r]!;
      for (let i = 1; i < qs.length; i++) minQ = Math.min(minQ, h[qs[i]! + r]!);
      this.y[r] = batch.rewards[r]! + gamma * (1 - batch.dones[r]!) * minQ;
    }
  }

  private ensureBatch(B: number): void {
    const A = this.settings.actionDims;
    if (this.noise.length === B * A) return;
    this.noise = new Float32Array(B * A);
    this.nextActions = new Float32Array(B * A);
    this.mu = new Float32Array(B * A);
    this.y = new Float64Array(B);
  }

  train(batch: ReplayBatch, rng: Rng): Record<string, number> {
    const { obsSize: O, actionDims: A, tau, policyDelay } = this.settings;
    const B = batch.size;
    const Bp = pad4(B);
    this.ensureBatch(B);
    if (this.settings.targetNoise > 0) normals(rng, this.noise);
    this.updates++;
    const actorStep = this.updates % policyDelay === 0;
    const n = this.nets;

    // 1. the target
    this.targetInto(batch, this.noise);

    // 2. critics toward y: Σ_i mean((Q_i(s, a) − y)²)
    const x = n.scratch('critic-0').input;
    n.setColumns(x, O + A, 0, batch.obs, O, B);
    n.setColumns(x, O + A, O, batch.actions, A, B);
    const { loss: criticLoss, qMeans } = criticRegression(n, this.critics, x, this.y, B, Bp, 1);
    this.criticOptimizer.apply();
    const s: Record<string, number> = { 'losses/qf_loss': criticLoss };
    qMeans.forEach((q, i) => (s[`losses/qf${i + 1}_values`] = q));
    checkFinite([criticLoss], () => `${this.algo} critic update ${this.updates}`);

    // 3. every policyDelay updates: the deterministic policy gradient, ascending Q_1(s, μ(s)) in the actor's weights
    if (actorStep) {
      const mu = this.mu;
      this.mean('actor', batch.obs, B, mu);
      n.setColumns(x, O + A, O, mu, A, B);
      const c0 = this.critics[0]!;
      n.forward(c0, Bp, x);
      let h = n.f32;
      const q = n.output(c0);
      const d = n.scratch(c0).dOut;
      let sum = 0;
      for (let r = 0; r < B; r++) {
        sum += h[q + r]!;
        h[d + r] = -1 / B;
      }
      h.fill(0, d + B, d + Bp);
      n.backward(c0, Bp, { params: false, input: true }, x);
      h = n.f32;
      const g = n.scratch(c0).dInput;
      const dOut = n.scratch('actor').dOut;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < A; j++) {
          const a = mu[r * A + j]!;
          h[dOut + r * A + j] = h[g + r * (O + A) + O + j]! * (1 - a * a);
        }
      }
      h.fill(0, dOut + B * A, dOut + Bp * A);
      n.backward('actor', Bp, { params: true, input: false });
      this.actorOptimizer.apply();
      this.lastActorLoss = -sum / B;
      checkFinite([this.lastActorLoss], () => `${this.algo} actor update ${this.updates}`);
    }
    s['losses/actor_loss'] = this.lastActorLoss;
    // then every target network moves toward its source
    if (actorStep) n.polyak(n.range('actor', this.critics.at(-1)!), n.range('actor-target', `${this.critics.at(-1)!}-target`), tau);
    return s;
  }

  /** The tfjs networks, holding the current weights. */
  networks(): Record<string, Mlp> {
    this.nets.store();
    return this.nets.mlps();
  }

  optimizers(): Record<string, OptimizerWeights> {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  extraVariables(): Record<string, tf.Variable> {
    return {};
  }

  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    this.nets.dispose();
  }
}
