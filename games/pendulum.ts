/**
 * Pendulum-v1, exactly as gymnasium's `PendulumEnv` (gymnasium/envs/classic_control/pendulum.py)
 * wrapped in `TimeLimit(max_episode_steps=200)`: swing a pendulum up and keep it upright with a
 * continuous torque — Arena's first continuous-action game (`GameInfo.actionSpace`).
 *
 * A rod of mass m = 1 and length l = 1 hangs from a frictionless hinge under gravity g = 10; θ = 0 is
 * upright, θ grows anticlockwise. Each step applies a torque u, clipped to [−2, 2] by the game
 * contract (`BaseState.applyContinuous`, as gymnasium's `np.clip(u, -max_torque, max_torque)`), and
 * integrates semi-implicit Euler with dt = 0.05, in gymnasium's order:
 *
 *   cost = θ_n² + 0.1·θ̇² + 0.001·u²           (θ_n = θ normalised to [−π, π); θ, θ̇ before the step)
 *   θ̇'   = clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, −8, 8)
 *   θ'   = θ + θ̇'·dt                            (θ itself is never wrapped, as in gymnasium)
 *
 * - Reward −cost every step; the episode never terminates and is truncated (`isTruncated()`) after 200 steps.
 * - Initial state: θ uniform in [−π, π), θ̇ uniform in [−1, 1) from the state's seeded RNG.
 * - Observation = global state = (cos θ, sin θ, θ̇) as float32, like gymnasium's observation; the
 *   physics runs in float64 like gymnasium's internal state.
 *
 * One seat (team [[0]]), single-agent utility. `informationState` is the step count and the two
 * doubles written exactly (perfect information: they determine the future). In the browser it is
 * watch-only: the panel UI shows the view, and torques come from agents.
 */
import { BadStateError, BaseState, TERMINAL, checkSnapshot, type Game, type GameInfo, type GameState, type PanelUi, type Seat } from '../core/index.ts';

export const GRAVITY = 10.0;
export const MASS = 1.0;
export const LENGTH = 1.0;
/** Seconds between state updates. */
export const DT = 0.05;
/** |θ̇| bound, applied after each update. */
export const MAX_SPEED = 8;
/** Torques are clipped to [−MAX_TORQUE, MAX_TORQUE]. */
export const MAX_TORQUE = 2.0;
/** gymnasium's `max_episode_steps` for Pendulum-v1. */
export const MAX_EPISODE_STEPS = 200;
/** Largest cost of one step: θ_n² ≤ π², θ̇² ≤ 64, u² ≤ 4. */
export const MAX_COST = Math.PI * Math.PI + 0.1 * MAX_SPEED * MAX_SPEED + 0.001 * MAX_TORQUE * MAX_TORQUE;

export const PENDULUM_INFO: GameInfo = Object.freeze({
  id: 'pendulum-v1',
  name: 'Pendulum',
  description:
    "gymnasium's Pendulum-v1: swing a pendulum upright with a continuous torque in [−2, 2] (one number per step); " +
    'reward −(θ² + 0.1·θ̇² + 0.001·u²), truncated at 200 steps',
  seats: 1,
  teams: [[0]],
  actions: 1,
  actionSpace: Object.freeze({ kind: 'continuous' as const, low: Object.freeze([-MAX_TORQUE]), high: Object.freeze([MAX_TORQUE]) }),
  observationSize: 3,
  stateSize: 3,
  chanceOutcomes: 0,
  maxSteps: MAX_EPISODE_STEPS,
  dynamics: 'sequential',
  information: 'perfect',
  utility: 'single-agent',
  minReturn: -MAX_EPISODE_STEPS * MAX_COST,
  maxReturn: 0,
});

export const PENDULUM_UI: PanelUi = Object.freeze({
  kind: 'panel',
  actionLabels: ['Torque'],
  hint: 'Watch only: the torque (a number in [−2, 2]) comes from agents and bots over the protocol.',
});

const ID = PENDULUM_INFO.id;
const TWO_PI = 2 * Math.PI;

/** gymnasium's `angle_normalize`: ((x + π) mod 2π) − π with Python's mod (the sign of the divisor), so the result is in [−π, π). */
export function angleNormalize(x: number): number {
  const r = (x + Math.PI) % TWO_PI;
  return (r < 0 ? r + TWO_PI : r) - Math.PI;
}

export class PendulumState extends BaseState {
  private theta = 0;
  private thetaDot = 0;
  /** Reward of the last transition (0 right after reset). */
  private lastReward = 0;
  /** Sum of the rewards so far. */
  private total = 0;
  /** Clipped torque of the last step (null right after reset), for views. */
  private lastTorque: number | null = null;

  constructor(seed = 0) {
    super(PENDULUM_INFO, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.theta = this.rng.uniform(-Math.PI, Math.PI);
    this.thetaDot = this.rng.uniform(-1, 1);
    this.lastReward = 0;
    this.total = 0;
    this.lastTorque = null;
  }

  currentSeat(): number {
    return this.steps >= MAX_EPISODE_STEPS ? TERMINAL : 0;
  }

  isTruncated(): boolean {
    return this.steps >= MAX_EPISODE_STEPS;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    const live = seat === 0 && this.currentSeat() === 0 ? 1 : 0;
    out[0] = live;
    return live;
  }

  protected doApply(_action: number): void {
    // unreachable: BaseState refuses discrete actions in a continuous game
    throw new Error('pendulum-v1 takes continuous actions');
  }

  protected override doApplyContinuous(u: Float64Array): void {
    const torque = u[0]!;
    const th = this.theta;
    const thDot = this.thetaDot;
    const thN = angleNormalize(th);
    const cost = thN * thN + 0.1 * thDot * thDot + 0.001 * torque * torque;
    let newThDot = thDot + ((3 * GRAVITY) / (2 * LENGTH) * Math.sin(th) + (3.0 / (MASS * LENGTH * LENGTH)) * torque) * DT;
    newThDot = Math.min(MAX_SPEED, Math.max(-MAX_SPEED, newThDot));
    this.theta = th + newThDot * DT;
    this.thetaDot = newThDot;
    this.lastReward = 0 - cost; // +0, never −0, for a cost of 0
    this.total -= cost;
    this.lastTorque = torque;
  }

  rewards(out: Float64Array): void {
    out[0] = this.lastReward;
  }

  returns(out: Float64Array): void {
    out[0] = this.total;
  }

  observe(_seat: Seat, out: Float32Array, offset = 0): void {
    this.globalState(out, offset);
  }

  globalState(out: Float32Array, offset = 0): void {
    out[offset] = Math.cos(this.theta);
    out[offset + 1] = Math.sin(this.theta);
    out[offset + 2] = this.thetaDot;
  }

  informationState(_seat: Seat): string {
    return `${this.steps}|${this.theta}|${this.thetaDot}`;
  }

  actionName(action: number): string {
    return action === 0 ? 'torque' : `invalid(${action})`;
  }

  /** The physics state (θ, θ̇) as a fresh array. */
  physics(): [number, number] {
    return [this.theta, this.thetaDot];
  }

  view(_seat: Seat | null): Record<string, unknown> {
    return {
      theta: this.theta,
      thetaDot: this.thetaDot,
      torque: this.lastTorque,
      maxTorque: MAX_TORQUE,
      maxSpeed: MAX_SPEED,
      reward: this.lastReward,
      steps: this.steps,
      maxSteps: MAX_EPISODE_STEPS,
      finished: this.isTerminal(),
      truncated: this.isTruncated(),
      returns: [this.total],
    };
  }

  render(): string {
    const f = (v: number) => (v < 0 ? '' : '+') + v.toFixed(4);
    const torque = this.lastTorque === null ? '' : ` torque=${f(this.lastTorque)}`;
    return `step ${this.steps}: theta=${f(angleNormalize(this.theta))} theta_dot=${f(this.thetaDot)}${torque} return=${this.total.toFixed(4)}${this.isTruncated() ? ' truncated' : ''}`;
  }

  clone(): PendulumState {
    const c = new PendulumState(0);
    c.copyBase(this);
    c.theta = this.theta;
    c.thetaDot = this.thetaDot;
    c.lastReward = this.lastReward;
    c.total = this.total;
    c.lastTorque = this.lastTorque;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return { state: [this.theta, this.thetaDot], lastReward: this.lastReward, total: this.total, lastTorque: this.lastTorque };
  }

  /** Rebuilds a state from `serialize()` output, validating every field. */
  static restore(data: unknown): PendulumState {
    const d = checkSnapshot(ID, data);
    const st = d['state'];
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!Array.isArray(st) || st.length !== 2 || !st.every(finite)) throw new BadStateError(ID, `field 'state' must be [theta, thetaDot], two finite numbers`);
    const [theta, thetaDot] = st as [number, number];
    if (Math.abs(thetaDot) > MAX_SPEED) throw new BadStateError(ID, `thetaDot must be in [−${MAX_SPEED}, ${MAX_SPEED}], got ${thetaDot}`);
    const { lastReward, total, lastTorque } = d as { lastReward?: unknown; total?: unknown; lastTorque?: unknown };
    if (!finite(lastReward) || lastReward > 0 || lastReward < -MAX_COST) throw new BadStateError(ID, `field 'lastReward' must be a number in [−${MAX_COST}, 0]`);
    if (!finite(total) || total > 0 || total < PENDULUM_INFO.minReturn) throw new BadStateError(ID, `field 'total' must be a number in [${PENDULUM_INFO.minReturn}, 0]`);
    if (lastTorque !== null && (!finite(lastTorque) || Math.abs(lastTorque) > MAX_TORQUE)) throw new BadStateError(ID, `field 'lastTorque' must be null or a number in [−${MAX_TORQUE}, ${MAX_TORQUE}]`);
    const c = new PendulumState(0);
    c.restoreBase(d);
    if ((c.steps === 0) !== (lastTorque === null)) throw new BadStateError(ID, `'lastTorque' must be null exactly when no step was played`);
    if (c.steps === 0 && (lastReward !== 0 || total !== 0)) throw new BadStateError(ID, 'a state with no steps has no rewards');
    c.theta = theta;
    c.thetaDot = thetaDot;
    c.lastReward = lastReward;
    c.total = total;
    c.lastTorque = lastTorque;
    return c;
  }
}

export const pendulum: Game = {
  info: PENDULUM_INFO,
  ui: PENDULUM_UI,
  newState(seed = 0): GameState {
    return new PendulumState(seed);
  },
  restore(data: unknown): GameState {
    return PendulumState.restore(data);
  },
};
