/**
 * A tiny continuous-control game for off-policy tests: a point on [−1, 1] starts anywhere and should
 * be brought to 0. The action is a velocity command in the box [0, 2] (asymmetric on purpose, so the
 * collector's scaling from [−1, 1] is exercised): x' = clip(x + 0.2·(a − 1), −1, 1), reward −|x'|,
 * truncated after 10 steps. Standing still averages −5 per episode; the best policy about −0.6.
 */
import { BaseState, TERMINAL, type Game, type GameInfo, type GameState, type Seat } from '../../core/index.ts';

const STEPS = 10;

export const POINT_MASS_INFO: GameInfo = {
  id: 'point-mass-v0',
  name: 'Point mass',
  description: 'bring a point on [−1, 1] to 0 with a velocity in [0, 2] (1 = stand still); reward −|x|; 10 steps',
  seats: 1,
  teams: [[0]],
  actions: 1,
  actionSpace: { kind: 'continuous', low: [0], high: [2] },
  observationSize: 1,
  stateSize: 1,
  chanceOutcomes: 0,
  maxSteps: STEPS,
  dynamics: 'sequential',
  information: 'perfect',
  utility: 'single-agent',
  minReturn: -STEPS,
  maxReturn: 0,
};

class PointMassState extends BaseState {
  x = 0;
  private reward = 0;
  private total = 0;

  constructor(seed: number) {
    super(POINT_MASS_INFO, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.x = this.rng.uniform(-1, 1);
    this.reward = 0;
    this.total = 0;
  }

  currentSeat(): number {
    return this.steps >= STEPS ? TERMINAL : 0;
  }

  isTruncated(): boolean {
    return this.steps >= STEPS;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    out[0] = seat === 0 && this.currentSeat() === 0 ? 1 : 0;
    return out[0];
  }

  protected doApply(): void {
    throw new Error('point-mass takes continuous actions');
  }

  protected override doApplyContinuous(u: Float64Array): void {
    this.x = Math.min(1, Math.max(-1, this.x + 0.2 * (u[0]! - 1)));
    this.reward = -Math.abs(this.x);
    this.total += this.reward;
  }

  rewards(out: Float64Array): void {
    out[0] = this.reward;
  }

  returns(out: Float64Array): void {
    out[0] = this.total;
  }

  observe(_seat: Seat, out: Float32Array, offset = 0): void {
    out[offset] = this.x;
  }

  globalState(out: Float32Array, offset = 0): void {
    out[offset] = this.x;
  }

  informationState(): string {
    return `${this.steps}|${this.x}`;
  }

  actionName(): string {
    return 'velocity';
  }

  view(): Record<string, unknown> {
    return { x: this.x, steps: this.steps };
  }

  render(): string {
    return `x=${this.x.toFixed(3)}`;
  }

  clone(): GameState {
    const c = new PointMassState(0);
    c.copyBase(this);
    c.x = this.x;
    c.reward = this.reward;
    c.total = this.total;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return { x: this.x };
  }
}

export const pointMass: Game = {
  info: POINT_MASS_INFO,
  ui: { kind: 'panel', actionLabels: ['Velocity'] },
  newState: (seed = 0) => new PointMassState(seed),
  restore: () => {
    throw new Error('point-mass states are not restored in tests');
  },
};
