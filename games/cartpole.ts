/**
 * CartPole-v1, exactly as gymnasium's `CartPoleEnv` (gymnasium/envs/classic_control/cartpole.py,
 * after Barto, Sutton & Anderson 1983) wrapped in `TimeLimit(max_episode_steps=500)`.
 *
 * A pole is hinged to a cart on a frictionless track; each step pushes the cart left (action 0) or
 * right (action 1) with a force of 10 N. Physics constants and the explicit-Euler update are
 * gymnasium's, in gymnasium's order (every update reads the values from before the step):
 *
 *   temp     = (force + polemass_length·θ̇²·sin θ) / total_mass
 *   θ̈        = (g·sin θ − cos θ·temp) / (length·(4/3 − masspole·cos²θ / total_mass))
 *   ẍ        = temp − polemass_length·θ̈·cos θ / total_mass
 *   x += τ·ẋ;  ẋ += τ·ẍ;  θ += τ·θ̇;  θ̇ += τ·θ̈
 *
 * - The episode terminates when |x| > 2.4 or |θ| > 12° (12·2π/360 rad), and is truncated (time
 *   limit, `isTruncated()`) after 500 steps; a step that terminates is never counted as truncated.
 * - Reward 1 for every step, the terminating one included, so the return is the number of steps.
 * - Initial state: x, ẋ, θ, θ̇ each uniform in [−0.05, 0.05) from the state's seeded RNG.
 * - Observation = global state = (x, ẋ, θ, θ̇) as float32, like gymnasium's observation; the
 *   physics itself runs in float64 like gymnasium's internal state.
 *
 * One seat (team [[0]]), single-agent utility. `informationState` is the step count and the four
 * doubles written exactly (perfect information: they determine the future).
 */
import { BadStateError, BaseState, TERMINAL, checkSnapshot, type Game, type GameInfo, type GameState, type PanelUi, type Seat } from '../core/index.ts';

export const GRAVITY = 9.8;
export const MASS_CART = 1.0;
export const MASS_POLE = 0.1;
export const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length, as in gymnasium. */
export const LENGTH = 0.5;
export const POLEMASS_LENGTH = MASS_POLE * LENGTH;
export const FORCE_MAG = 10.0;
/** Seconds between state updates. */
export const TAU = 0.02;
export const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const X_THRESHOLD = 2.4;
/** gymnasium's `max_episode_steps` for CartPole-v1. */
export const MAX_EPISODE_STEPS = 500;

export const PUSH_LEFT = 0;
export const PUSH_RIGHT = 1;
const ACTION_NAMES = ['left', 'right'] as const;

export const CARTPOLE_INFO: GameInfo = Object.freeze({
  id: 'cartpole-v1',
  name: 'CartPole',
  description:
    "gymnasium's CartPole-v1: balance a pole on a cart by pushing it left (0) or right (1); +1 per step, " +
    'ends when |x| > 2.4 or |θ| > 12°, truncated at 500 steps',
  seats: 1,
  teams: [[0]],
  actions: 2,
  observationSize: 4,
  stateSize: 4,
  chanceOutcomes: 0,
  maxSteps: MAX_EPISODE_STEPS,
  dynamics: 'sequential',
  information: 'perfect',
  utility: 'single-agent',
  minReturn: 0,
  maxReturn: MAX_EPISODE_STEPS,
});

export const CARTPOLE_UI: PanelUi = Object.freeze({ kind: 'panel', actionLabels: ['Push left', 'Push right'] });

const ID = CARTPOLE_INFO.id;

/** gymnasium's termination test: the cart left the track or the pole leans more than 12°. */
function outOfBounds(x: number, theta: number): boolean {
  return x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
}

export class CartPoleState extends BaseState {
  /** (x, ẋ, θ, θ̇) in float64. */
  private readonly s = new Float64Array(4);
  private terminated = false;
  /** Reward of the last transition (1 after any step, 0 right after reset). */
  private lastReward = 0;

  constructor(seed = 0) {
    super(CARTPOLE_INFO, seed);
    this.doReset();
  }

  protected doReset(): void {
    for (let i = 0; i < 4; i++) this.s[i] = this.rng.uniform(-0.05, 0.05);
    this.terminated = false;
    this.lastReward = 0;
  }

  currentSeat(): number {
    return this.terminated || this.steps >= MAX_EPISODE_STEPS ? TERMINAL : 0;
  }

  isTruncated(): boolean {
    return !this.terminated && this.steps >= MAX_EPISODE_STEPS;
  }

  /** True when the pole fell or the cart left the track (not by the time limit). */
  isTerminated(): boolean {
    return this.terminated;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    const live = seat === 0 && this.currentSeat() === 0 ? 1 : 0;
    out[0] = live;
    out[1] = live;
    return 2 * live;
  }

  protected doApply(action: number): void {
    const s = this.s;
    const x = s[0]!;
    const xDot = s[1]!;
    const theta = s[2]!;
    const thetaDot = s[3]!;
    const force = action === PUSH_RIGHT ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + POLEMASS_LENGTH * (thetaDot * thetaDot) * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cos * cos)) / TOTAL_MASS));
    const xAcc = temp - (POLEMASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    const nx = x + TAU * xDot;
    const nTheta = theta + TAU * thetaDot;
    s[0] = nx;
    s[1] = xDot + TAU * xAcc;
    s[2] = nTheta;
    s[3] = thetaDot + TAU * thetaAcc;
    this.terminated = outOfBounds(nx, nTheta);
    this.lastReward = 1;
  }

  rewards(out: Float64Array): void {
    out[0] = this.lastReward;
  }

  returns(out: Float64Array): void {
    out[0] = this.steps;
  }

  observe(_seat: Seat, out: Float32Array, offset = 0): void {
    this.globalState(out, offset);
  }

  globalState(out: Float32Array, offset = 0): void {
    out[offset] = this.s[0]!;
    out[offset + 1] = this.s[1]!;
    out[offset + 2] = this.s[2]!;
    out[offset + 3] = this.s[3]!;
  }

  informationState(_seat: Seat): string {
    return `${this.steps}|${this.s[0]}|${this.s[1]}|${this.s[2]}|${this.s[3]}`;
  }

  actionName(action: number): string {
    return ACTION_NAMES[action as 0 | 1] ?? `invalid(${action})`;
  }

  /** The physics state (x, ẋ, θ, θ̇) as a fresh array. */
  physics(): [number, number, number, number] {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  view(_seat: Seat | null): Record<string, unknown> {
    const finished = this.isTerminal();
    return {
      x: this.s[0]!,
      xDot: this.s[1]!,
      theta: this.s[2]!,
      thetaDot: this.s[3]!,
      xThreshold: X_THRESHOLD,
      thetaThreshold: THETA_THRESHOLD,
      steps: this.steps,
      maxSteps: MAX_EPISODE_STEPS,
      legal: finished ? [] : [PUSH_LEFT, PUSH_RIGHT],
      finished,
      terminated: this.terminated,
      truncated: this.isTruncated(),
      returns: [this.steps],
    };
  }

  render(): string {
    const f = (v: number) => (v < 0 ? '' : '+') + v.toFixed(4);
    const status = this.terminated ? ' terminated' : this.isTruncated() ? ' truncated' : '';
    return `step ${this.steps}: x=${f(this.s[0]!)} x_dot=${f(this.s[1]!)} theta=${f(this.s[2]!)} theta_dot=${f(this.s[3]!)}${status}`;
  }

  clone(): CartPoleState {
    const c = new CartPoleState(0);
    c.copyBase(this);
    c.s.set(this.s);
    c.terminated = this.terminated;
    c.lastReward = this.lastReward;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return { state: Array.from(this.s), terminated: this.terminated, lastReward: this.lastReward };
  }

  /** Rebuilds a state from `serialize()` output, validating every field. */
  static restore(data: unknown): CartPoleState {
    const d = checkSnapshot(ID, data);
    const st = d['state'];
    if (!Array.isArray(st) || st.length !== 4 || !st.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new BadStateError(ID, `field 'state' must be an array of 4 finite numbers`);
    }
    const terminated = d['terminated'];
    if (typeof terminated !== 'boolean') throw new BadStateError(ID, `field 'terminated' must be a boolean`);
    const lastReward = d['lastReward'];
    if (lastReward !== 0 && lastReward !== 1) throw new BadStateError(ID, `field 'lastReward' must be 0 or 1`);
    const c = new CartPoleState(0);
    c.restoreBase(d);
    if ((c.steps === 0) !== (lastReward === 0)) throw new BadStateError(ID, `'lastReward' must be 0 exactly when no step was played`);
    for (let i = 0; i < 4; i++) c.s[i] = st[i] as number;
    if (terminated !== outOfBounds(c.s[0]!, c.s[2]!)) throw new BadStateError(ID, `'terminated' must be true exactly when |x| > 2.4 or |theta| > 12°`);
    if (terminated && c.steps === 0) throw new BadStateError(ID, 'a state with no steps cannot be terminated');
    c.terminated = terminated;
    c.lastReward = lastReward;
    return c;
  }
}

export const cartPole: Game = {
  info: CARTPOLE_INFO,
  ui: CARTPOLE_UI,
  newState(seed = 0): GameState {
    return new CartPoleState(seed);
  },
  restore(data: unknown): GameState {
    return CartPoleState.restore(data);
  },
};
