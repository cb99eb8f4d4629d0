/**
 * Duel: a top-down arena duel between two ships with continuous thrust and aim — Arena's two-player
 * continuous-control game. The rules are this project's own; this comment is their reference.
 *
 * Arena and frames
 * - A walled rectangle 20 × 12 units, origin at its centre, x to the right, y down (screen
 *   convention); angles are atan2(y, x), so a positive angle turns clockwise on screen.
 * - Every seat acts and observes in its own frame, in which it starts on the left: seat 0's frame is
 *   the arena's, seat 1's is the arena turned half a turn about the centre ((x, y) → (−x, −y), angles
 *   + π). A rotation, not a mirror, so handedness is kept; and one policy plays both seats.
 *
 * Action (4 numbers in the box [−1, 1]⁴, out-of-box components clipped by the game contract):
 *   0 thrust_x, 1 thrust_y — the thrust direction in the seat's frame; a vector longer than 1 is
 *     scaled to length 1 (a diagonal is no stronger than a straight push);
 *   2 aim — the heading the gun turns toward, aim·π in the seat's frame (0: toward the opponent's
 *     starting side); the gun turns at most 0.4 rad a tick, the shorter way (at exactly π: clockwise);
 *   3 fire — fires when > 0 and the weapon has cooled down.
 * A seat that sends nothing in a hosted or offline tick plays the zero vector (src/eval/match.ts):
 * no thrust, aim straight ahead, no fire.
 *
 * One tick (0.1 s of game time; both ships from the positions at the start of the tick):
 * 1. Ships: heading turns toward the aim; velocity v ← (v + 6·t·0.1)·0.9 (thrust 6 units/s², 10%
 *    drag per tick, so at most 5.4 units/s); position p ← p + v·0.1 (semi-implicit Euler). A ship's
 *    centre stays 0.5 (its radius) inside the walls: past one it is put back on it and the velocity
 *    component into the wall reverses at half speed (restitution 0.5). Ships pass through each other.
 * 2. Cooldowns fall by 1 (to 0 at least).
 * 3. Firing: a ship with fire > 0 and cooldown 0 fires a projectile from its rim (p + 0.5·heading) at
 *    14 units/s along its heading (not adding its own velocity); its cooldown becomes 8 ticks.
 * 4. Projectiles, oldest slot first, move v·0.1 and age by a tick. One whose path this tick (the
 *    segment from its old to its new position) comes within 0.65 (ship radius + projectile radius
 *    0.15) of the opponent's centre hits: 1 damage, and it is gone. Otherwise it is gone once outside
 *    the arena or 15 ticks old (a range of 21 units). A ship never hits itself.
 * 5. End: when a ship is at 0 hit points (of 5) the other wins; both at once: a draw. After 300
 *    ticks the ship with more hit points wins, equal hit points draw. The time limit is a rule (the
 *    result is scored at it), so the end is a termination, not a truncation; time left is observed.
 * Returns are zero-sum: +1 to the winner, −1 to the loser, 0 each for a draw, all of it in the last
 * transition's reward.
 *
 * Start (seeded): seat 0 uniformly in x ∈ [−8, −6], y ∈ [−4, 4], heading 0; seat 1 independently in
 * x ∈ [6, 8], y ∈ [−4, 4], heading π; both at rest, cooled down, 5 hit points. Drawn in the order
 * x0, y0, x1, y1 from the state's RNG, which nothing else uses: the game is deterministic given the
 * seed and the actions.
 *
 * Observation (33 floats, the seat's own frame; positions / 10, ship velocities / 5.4, projectile
 * velocities / 14, angles / π, so each is on the scale of the aim action):
 *   0-1 own x, y · 2-3 own vx, vy · 4-5 own heading (cos, sin) · 6 own cooldown / 8 · 7 own hp / 5 ·
 *   8-9 opponent position relative to own · 10-11 opponent vx, vy · 12-13 opponent heading (cos, sin) ·
 *   14 opponent cooldown / 8 · 15 opponent hp / 5 · 16-20 nearest incoming projectile (present,
 *   relative x, y, vx, vy) · 21-25 the next nearest · 26 time left (fraction of 300) ·
 *   27 bearing of the opponent · 28 lead bearing: the heading of a shot fired now from the rim that
 *   meets the opponent flying on at its velocity (`leadBearing`) · 29 the gun's error to it (lead
 *   bearing − heading, wrapped to (−π, π]) ·
 *   30 the threat: the opponent's gun error to ITS lead bearing on this ship (the heading of a shot it
 *   fired now that meets this ship flying on, minus its heading, wrapped) — near 0 with its cooldown
 *   (14) near 0, a ship that flies on is about to be hit ·
 *   31-32 the nearest incoming projectile (16-20) if both fly on: its closest approach to this ship's
 *   centre within its remaining flight (units / 10; a hit is < 0.065), and the time until then (s / 1.5,
 *   the longest flight); absent: 1 and 0 (far off, now).
 * "Incoming" means the opponent's (at most 2 fly at once); absent ones are all zeros. 27–32 are
 * functions of 0–25 (and the projectile's age), given because a small network reads angles and
 * relative motion poorly from positions: they are what a player sees on the screen (where the enemy
 * is, where to lead it, how far the gun is off, whether the enemy's gun is on them, whether a shot in
 * flight will hit). duel-v1 observed 0–26 and duel-v2 0–29; their checkpoints are refused by duel-v3.
 *
 * Global state (37 floats, the arena's frame): per ship x, y, vx, vy, cos, sin of heading, cooldown,
 * hp (8 each, seat 0 first), per projectile slot (2 per ship, seat 0's first) alive, x, y, vx, vy
 * (20), time left (1), scaled as observations.
 * Agent state (37 floats, `agentState(seat)`): the same in the seat's frame: own ship, opponent's
 * ship, own projectile slots, opponent's slots, time left.
 *
 * Perfect information: `informationState` is the whole state, exactly.
 */
import {
  BadStateError,
  type ActionFrame,
  BaseState,
  IllegalActionError,
  SIMULTANEOUS,
  TERMINAL,
  checkInt,
  checkSnapshot,
  type Arena2dUi,
  type Game,
  type GameInfo,
  type GameState,
  type Seat,
} from '../core/index.ts';

export const ARENA_WIDTH = 20;
export const ARENA_HEIGHT = 12;
export const SHIP_RADIUS = 0.5;
export const PROJECTILE_RADIUS = 0.15;
/** Seconds of game time per tick. */
export const DT = 0.1;
/** Acceleration at full thrust, units/s². */
export const THRUST = 6;
/** Fraction of a ship's velocity lost per tick. */
export const DRAG = 0.1;
/** Top speed of a ship, units/s: the fixed point of v = (v + THRUST·DT)·(1 − DRAG). */
export const MAX_SPEED = (THRUST * DT * (1 - DRAG)) / DRAG;
/** Share of the velocity into a wall kept (reversed) when a ship hits it. */
export const WALL_RESTITUTION = 0.5;
/** Most the gun turns per tick, radians. */
export const TURN_RATE = 0.4;
/** Ticks between shots. */
export const COOLDOWN_TICKS = 8;
export const PROJECTILE_SPEED = 14;
/** Ticks a projectile flies before it is gone. */
export const PROJECTILE_TICKS = 15;
export const MAX_HP = 5;
/** Match length in ticks. */
export const MAX_TICKS = 300;
/** Projectiles of one ship in flight at once: one is fired every COOLDOWN_TICKS and lives PROJECTILE_TICKS. */
export const SLOTS_PER_SHIP = Math.ceil(PROJECTILE_TICKS / COOLDOWN_TICKS);
const SLOTS = 2 * SLOTS_PER_SHIP;
/** Scale of positions in observations and states. */
const POS_SCALE = 0.1;

/** Action components. */
export const THRUST_X = 0;
export const THRUST_Y = 1;
export const AIM = 2;
export const FIRE = 3;
const ACTION_NAMES = ['thrust_x', 'thrust_y', 'aim', 'fire'] as const;

export const OBS_SIZE = 33;
/** Observation offset of the opponent's bearing, then the lead bearing, then the gun's error to it. */
export const OBS_BEARING = 27;
/** Observation offset of the threat (the opponent's gun error to its lead on this ship), then the nearest incoming projectile's closest approach and time to it. */
export const OBS_THREAT = 30;
/** Scale of observation 32: the longest flight, seconds. */
const FLIGHT_S = PROJECTILE_TICKS * DT;
/** Observation offset of the first incoming projectile (present, x, y, vx, vy), then the second. */
export const OBS_PROJECTILES = 16;
export const STATE_SIZE = 16 + 5 * SLOTS + 1;

const XMAX = ARENA_WIDTH / 2;
const YMAX = ARENA_HEIGHT / 2;
const HIT_RADIUS = SHIP_RADIUS + PROJECTILE_RADIUS;
const TWO_PI = 2 * Math.PI;

export const DUEL_INFO: GameInfo = Object.freeze({
  id: 'duel-v3',
  name: 'Duel',
  description:
    'Two ships in a walled arena, moving at once every tick: continuous thrust (x, y), aim and fire; ' +
    'projectiles with travel time, 5 hit points; +1 to the last ship flying, or to the one with more hit points after 300 ticks',
  seats: 2,
  teams: [[0], [1]],
  actions: 4,
  actionSpace: Object.freeze({ kind: 'continuous' as const, low: Object.freeze([-1, -1, -1, -1]), high: Object.freeze([1, 1, 1, 1]) }),
  observationSize: OBS_SIZE,
  stateSize: STATE_SIZE,
  agentStateSize: STATE_SIZE,
  chanceOutcomes: 0,
  maxSteps: MAX_TICKS,
  dynamics: 'simultaneous',
  information: 'perfect',
  utility: 'zero-sum',
  minReturn: -1,
  maxReturn: 1,
});

export const DUEL_UI: Arena2dUi = Object.freeze<Arena2dUi>({
  kind: 'arena2d',
  width: ARENA_WIDTH,
  height: ARENA_HEIGHT,
  shipRadius: SHIP_RADIUS,
  projectileRadius: PROJECTILE_RADIUS,
  maxHp: MAX_HP,
  seats: [
    { label: 'Blue', colour: '#2f6fdf', note: 'starts left' },
    { label: 'Red', colour: '#d9433b', note: 'starts right' },
  ],
  actionLabels: ['Thrust x', 'Thrust y', 'Aim', 'Fire'],
  hint: 'WASD or the arrow keys thrust, the mouse aims, a click or Space fires. You always start on the left.',
  controls: {
    keys: {
      w: [THRUST_Y, -1],
      s: [THRUST_Y, 1],
      a: [THRUST_X, -1],
      d: [THRUST_X, 1],
      ArrowUp: [THRUST_Y, -1],
      ArrowDown: [THRUST_Y, 1],
      ArrowLeft: [THRUST_X, -1],
      ArrowRight: [THRUST_X, 1],
      ' ': [FIRE, 1],
    },
    pointerAngle: AIM,
    pointerButton: [FIRE, 1],
  },
  tickMs: 100,
});

const ID = DUEL_INFO.id;

/** `a` wrapped to (−π, π]. */
export function wrapAngle(a: number): number {
  let r = a % TWO_PI;
  if (r <= -Math.PI) r += TWO_PI;
  else if (r > Math.PI) r -= TWO_PI;
  return r;
}

/** +1 for seat 0, −1 for seat 1: a vector in the arena's frame times this is the vector in the seat's frame (and back). */
/**
 * Flight time τ (s) of a projectile fired from the rim at a target at relative position (rx, ry)
 * moving at (vx, vy): the positive root of |r + v·τ| = R + S·τ (R the ship radius, S the projectile
 * speed), i.e. (v·v − S²)τ² + (2 r·v − 2RS)τ + (r·r − R²) = 0; 0 when the target is within reach of the
 * rim. Projectiles outrun ships (S > top speed), so the root exists.
 */
export function interceptTime(rx: number, ry: number, vx: number, vy: number): number {
  const S = PROJECTILE_SPEED;
  const R = SHIP_RADIUS;
  const a = vx * vx + vy * vy - S * S; // < 0: projectiles outrun ships
  const b = 2 * (rx * vx + ry * vy) - 2 * R * S;
  const c = rx * rx + ry * ry - R * R;
  if (c <= 0) return 0;
  return (-b - Math.sqrt(b * b - 4 * a * c)) / (2 * a);
}

/** The heading (radians, [−π, π]) of a shot that meets a target at (rx, ry) flying on at (vx, vy). */
export function leadBearing(rx: number, ry: number, vx: number, vy: number): number {
  const tau = interceptTime(rx, ry, vx, vy);
  return Math.atan2(ry + vy * tau, rx + vx * tau);
}

export function frameSign(seat: Seat): number {
  return seat === 0 ? 1 : -1;
}

/** Squared distance from (cx, cy) to the segment from (ax, ay) to (bx, by). */
export function segmentDistance2(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - cx;
  const ey = ay + t * dy - cy;
  return ex * ex + ey * ey;
}

export class DuelState extends BaseState {
  // ships, by seat (arena frame)
  private readonly x = new Float64Array(2);
  private readonly y = new Float64Array(2);
  private readonly vx = new Float64Array(2);
  private readonly vy = new Float64Array(2);
  /** Gun heading, radians in (−π, π]. */
  private readonly heading = new Float64Array(2);
  private readonly cooldown = new Int32Array(2);
  private readonly hp = new Int32Array(2);
  // projectile slots: seat s owns slots [s·SLOTS_PER_SHIP, (s + 1)·SLOTS_PER_SHIP)
  private readonly alive = new Uint8Array(SLOTS);
  private readonly bx = new Float64Array(SLOTS);
  private readonly by = new Float64Array(SLOTS);
  private readonly bvx = new Float64Array(SLOTS);
  private readonly bvy = new Float64Array(SLOTS);
  private readonly age = new Int32Array(SLOTS);
  /** Whether the game is over (by hit points or the time limit). */
  private over = false;
  /** Seat 0's return: +1, −1 or 0 once over; 0 before. */
  private result0 = 0;
  /** Seat 0's reward in the last tick (nonzero only in the last). */
  private last0 = 0;
  /** Hits landed in the last tick, per seat (for views). */
  private readonly hits = new Int32Array(2);

  constructor(seed = 0) {
    super(DUEL_INFO, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.x[0] = this.rng.uniform(-8, -6);
    this.y[0] = this.rng.uniform(-4, 4);
    this.x[1] = this.rng.uniform(6, 8);
    this.y[1] = this.rng.uniform(-4, 4);
    this.heading[0] = 0;
    this.heading[1] = Math.PI;
    this.vx.fill(0);
    this.vy.fill(0);
    this.cooldown.fill(0);
    this.hp.fill(MAX_HP);
    this.alive.fill(0);
    this.over = false;
    this.result0 = 0;
    this.last0 = 0;
    this.hits.fill(0);
  }

  currentSeat(): number {
    return this.over ? TERMINAL : SIMULTANEOUS;
  }

  isTruncated(): boolean {
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    const live = !this.over && (seat === 0 || seat === 1) ? 1 : 0;
    out.fill(live, 0, 4);
    return 4 * live;
  }

  // ---- accessors (tests, UI) ----

  /** Seat's ship as `{ x, y, vx, vy, heading, cooldown, hp }` in the arena's frame (fresh object; not for hot paths). */
  ship(seat: Seat): { x: number; y: number; vx: number; vy: number; heading: number; cooldown: number; hp: number } {
    return { x: this.x[seat]!, y: this.y[seat]!, vx: this.vx[seat]!, vy: this.vy[seat]!, heading: this.heading[seat]!, cooldown: this.cooldown[seat]!, hp: this.hp[seat]! };
  }

  /** Projectiles in flight as `{ owner, x, y, vx, vy, age }`, in slot order (fresh array; not for hot paths). */
  projectiles(): { owner: number; x: number; y: number; vx: number; vy: number; age: number }[] {
    const out = [];
    for (let i = 0; i < SLOTS; i++) {
      if (this.alive[i]) out.push({ owner: ownerOf(i), x: this.bx[i]!, y: this.by[i]!, vx: this.bvx[i]!, vy: this.bvy[i]!, age: this.age[i]! });
    }
    return out;
  }

  // ---- rules ----

  protected doApply(action: number): void {
    // unreachable: BaseState refuses discrete actions in a continuous game
    throw new IllegalActionError(ID, SIMULTANEOUS, action, `${ID} takes one action vector per seat (applyJointContinuous)`);
  }

  protected override doApplyJointContinuous(u: Float64Array): void {
    // 1. ships
    for (let s = 0; s < 2; s++) this.moveShip(s, u, s * 4);
    // 2-3. cooldowns, firing
    for (let s = 0; s < 2; s++) {
      if (this.cooldown[s]! > 0) this.cooldown[s]!--;
      if (u[s * 4 + FIRE]! > 0 && this.cooldown[s] === 0) this.fire(s);
    }
    // 4. projectiles
    this.hits.fill(0);
    for (let i = 0; i < SLOTS; i++) if (this.alive[i]) this.moveProjectile(i);
    // 5. the end
    const down0 = this.hp[0]! <= 0;
    const down1 = this.hp[1]! <= 0;
    if (down0 || down1 || this.steps + 1 >= MAX_TICKS) {
      this.over = true;
      const d = down0 || down1 ? Number(down1) - Number(down0) : Math.sign(this.hp[0]! - this.hp[1]!);
      this.result0 = d;
      this.last0 = d;
    } else {
      this.last0 = 0;
    }
  }

  /** Step 1 for seat s with its clipped action at u[at…]: turn, thrust, drag, move, walls. */
  private moveShip(s: Seat, u: Float64Array, at: number): void {
    const sign = frameSign(s);
    // turn toward the aim (given in the seat's frame)
    const target = u[at + AIM]! * Math.PI + (s === 0 ? 0 : Math.PI);
    const diff = wrapAngle(target - this.heading[s]!);
    this.heading[s] = wrapAngle(this.heading[s]! + (diff > TURN_RATE ? TURN_RATE : diff < -TURN_RATE ? -TURN_RATE : diff));
    // thrust: the seat's frame to the arena's, at most length 1
    let tx = sign * u[at + THRUST_X]!;
    let ty = sign * u[at + THRUST_Y]!;
    const len = Math.hypot(tx, ty);
    if (len > 1) {
      tx /= len;
      ty /= len;
    }
    let vx = (this.vx[s]! + THRUST * DT * tx) * (1 - DRAG);
    let vy = (this.vy[s]! + THRUST * DT * ty) * (1 - DRAG);
    let x = this.x[s]! + vx * DT;
    let y = this.y[s]! + vy * DT;
    const xmax = XMAX - SHIP_RADIUS;
    const ymax = YMAX - SHIP_RADIUS;
    if (x > xmax || x < -xmax) {
      x = x > 0 ? xmax : -xmax;
      vx = -WALL_RESTITUTION * vx;
    }
    if (y > ymax || y < -ymax) {
      y = y > 0 ? ymax : -ymax;
      vy = -WALL_RESTITUTION * vy;
    }
    this.x[s] = x;
    this.y[s] = y;
    this.vx[s] = vx;
    this.vy[s] = vy;
  }

  /** Step 3: seat s fires from its rim along its heading (into its first free slot). */
  private fire(s: Seat): void {
    const first = s * SLOTS_PER_SHIP;
    let i = first;
    while (i < first + SLOTS_PER_SHIP && this.alive[i]) i++;
    if (i === first + SLOTS_PER_SHIP) return; // cannot happen: SLOTS_PER_SHIP covers a projectile's life
    const c = Math.cos(this.heading[s]!);
    const sn = Math.sin(this.heading[s]!);
    this.alive[i] = 1;
    this.bx[i] = this.x[s]! + SHIP_RADIUS * c;
    this.by[i] = this.y[s]! + SHIP_RADIUS * sn;
    this.bvx[i] = PROJECTILE_SPEED * c;
    this.bvy[i] = PROJECTILE_SPEED * sn;
    this.age[i] = 0;
    this.cooldown[s] = COOLDOWN_TICKS;
  }

  /** Step 4 for slot i: fly, age, hit the opponent or leave. */
  private moveProjectile(i: number): void {
    const ax = this.bx[i]!;
    const ay = this.by[i]!;
    const nx = ax + this.bvx[i]! * DT;
    const ny = ay + this.bvy[i]! * DT;
    const target = 1 - ownerOf(i);
    this.age[i]!++;
    if (segmentDistance2(ax, ay, nx, ny, this.x[target]!, this.y[target]!) <= HIT_RADIUS * HIT_RADIUS) {
      this.alive[i] = 0;
      this.hp[target] = Math.max(0, this.hp[target]! - 1);
      this.hits[1 - target]!++;
      return;
    }
    if (nx > XMAX || nx < -XMAX || ny > YMAX || ny < -YMAX || this.age[i]! >= PROJECTILE_TICKS) {
      this.alive[i] = 0;
      return;
    }
    this.bx[i] = nx;
    this.by[i] = ny;
  }

  rewards(out: Float64Array): void {
    out[0] = this.last0;
    out[1] = 0 - this.last0;
  }

  returns(out: Float64Array): void {
    out[0] = this.result0;
    out[1] = 0 - this.result0;
  }

  /** Shaping potential (core/game.ts): the seat's hit-point lead over the opponent, in [−1, 1] (a hit moves it by 0.2). */
  potential(seat: Seat): number {
    return (this.hp[seat]! - this.hp[1 - seat]!) / MAX_HP;
  }

  // ---- observations ----

  observe(seat: Seat, out: Float32Array, offset = 0): void {
    const sign = frameSign(seat);
    const opp = 1 - seat;
    this.writeShip(seat, sign, out, offset);
    this.writeShip(opp, sign, out, offset + 8);
    // the opponent relative to the seat
    out[offset + 8] = sign * (this.x[opp]! - this.x[seat]!) * POS_SCALE;
    out[offset + 9] = sign * (this.y[opp]! - this.y[seat]!) * POS_SCALE;
    // the opponent's projectiles, nearest first (ties: lower slot)
    const first = opp * SLOTS_PER_SHIP;
    let a = -1;
    let b = -1;
    let da = Infinity;
    let db = Infinity;
    for (let i = first; i < first + SLOTS_PER_SHIP; i++) {
      if (!this.alive[i]) continue;
      const d = (this.bx[i]! - this.x[seat]!) ** 2 + (this.by[i]! - this.y[seat]!) ** 2;
      if (d < da) {
        b = a;
        db = da;
        a = i;
        da = d;
      } else if (d < db) {
        b = i;
        db = d;
      }
    }
    this.writeIncoming(a, seat, sign, out, offset + OBS_PROJECTILES);
    this.writeIncoming(b, seat, sign, out, offset + OBS_PROJECTILES + 5);
    out[offset + 26] = (MAX_TICKS - this.steps) / MAX_TICKS;
    // angles, from the seat's frame: where the opponent is, where to lead it, how far the gun is off
    const rx = sign * (this.x[opp]! - this.x[seat]!);
    const ry = sign * (this.y[opp]! - this.y[seat]!);
    const heading = wrapAngle(this.heading[seat]! + (sign < 0 ? Math.PI : 0));
    const lead = leadBearing(rx, ry, sign * this.vx[opp]!, sign * this.vy[opp]!);
    out[offset + OBS_BEARING] = Math.atan2(ry, rx) / Math.PI;
    out[offset + OBS_BEARING + 1] = lead / Math.PI;
    out[offset + OBS_BEARING + 2] = wrapAngle(lead - heading) / Math.PI;
    // the threat: the same from the opponent's side, at this ship
    const oppHeading = wrapAngle(this.heading[opp]! + (sign < 0 ? Math.PI : 0));
    const onMe = leadBearing(-rx, -ry, sign * this.vx[seat]!, sign * this.vy[seat]!);
    out[offset + OBS_THREAT] = wrapAngle(onMe - oppHeading) / Math.PI;
    this.writeApproach(a, seat, out, offset + OBS_THREAT + 1);
  }

  /** Slot i's closest approach to seat's ship if both fly on, within its remaining flight (units / 10, s / 1.5); (1, 0) for i = −1. */
  private writeApproach(i: number, seat: Seat, out: Float32Array, at: number): void {
    if (i < 0) {
      out[at] = 1;
      out[at + 1] = 0;
      return;
    }
    const px = this.bx[i]! - this.x[seat]!;
    const py = this.by[i]! - this.y[seat]!;
    const wx = this.bvx[i]! - this.vx[seat]!;
    const wy = this.bvy[i]! - this.vy[seat]!;
    const w2 = wx * wx + wy * wy;
    const left = (PROJECTILE_TICKS - this.age[i]!) * DT;
    const t = w2 > 0 ? Math.max(0, Math.min(left, -(px * wx + py * wy) / w2)) : 0;
    out[at] = Math.hypot(px + wx * t, py + wy * t) * POS_SCALE;
    out[at + 1] = t / FLIGHT_S;
  }

  /** Ship s in a frame (sign): x, y, vx, vy, cos, sin, cooldown, hp (8 floats). */
  private writeShip(s: Seat, sign: number, out: Float32Array, at: number): void {
    out[at] = sign * this.x[s]! * POS_SCALE;
    out[at + 1] = sign * this.y[s]! * POS_SCALE;
    out[at + 2] = (sign * this.vx[s]!) / MAX_SPEED;
    out[at + 3] = (sign * this.vy[s]!) / MAX_SPEED;
    out[at + 4] = sign * Math.cos(this.heading[s]!);
    out[at + 5] = sign * Math.sin(this.heading[s]!);
    out[at + 6] = this.cooldown[s]! / COOLDOWN_TICKS;
    out[at + 7] = this.hp[s]! / MAX_HP;
  }

  /** Slot i relative to seat's ship in its frame (present, x, y, vx, vy), or zeros for i = −1. */
  private writeIncoming(i: number, seat: Seat, sign: number, out: Float32Array, at: number): void {
    if (i < 0) {
      out.fill(0, at, at + 5);
      return;
    }
    out[at] = 1;
    out[at + 1] = sign * (this.bx[i]! - this.x[seat]!) * POS_SCALE;
    out[at + 2] = sign * (this.by[i]! - this.y[seat]!) * POS_SCALE;
    out[at + 3] = (sign * this.bvx[i]!) / PROJECTILE_SPEED;
    out[at + 4] = (sign * this.bvy[i]!) / PROJECTILE_SPEED;
  }

  /** Slot i in a frame (alive, x, y, vx, vy), zeros when empty. */
  private writeSlot(i: number, sign: number, out: Float32Array, at: number): void {
    if (!this.alive[i]) {
      out.fill(0, at, at + 5);
      return;
    }
    out[at] = 1;
    out[at + 1] = sign * this.bx[i]! * POS_SCALE;
    out[at + 2] = sign * this.by[i]! * POS_SCALE;
    out[at + 3] = (sign * this.bvx[i]!) / PROJECTILE_SPEED;
    out[at + 4] = (sign * this.bvy[i]!) / PROJECTILE_SPEED;
  }

  globalState(out: Float32Array, offset = 0): void {
    this.writeFrameState(0, out, offset);
  }

  override agentState(seat: Seat, out: Float32Array, offset = 0): void {
    this.writeFrameState(seat, out, offset);
  }

  /** The global state from `seat`'s side: its frame, its ship and slots first (seat 0: the global state itself). */
  private writeFrameState(seat: Seat, out: Float32Array, offset: number): void {
    const sign = frameSign(seat);
    const opp = 1 - seat;
    this.writeShip(seat, sign, out, offset);
    this.writeShip(opp, sign, out, offset + 8);
    for (let k = 0; k < SLOTS; k++) {
      const owner = k < SLOTS_PER_SHIP ? seat : opp;
      this.writeSlot(owner * SLOTS_PER_SHIP + (k % SLOTS_PER_SHIP), sign, out, offset + 16 + 5 * k);
    }
    out[offset + 16 + 5 * SLOTS] = (MAX_TICKS - this.steps) / MAX_TICKS;
  }

  informationState(seat: Seat): string {
    return `${seat}|${this.steps}|${JSON.stringify(this.serializeFields())}`;
  }

  actionName(action: number): string {
    return ACTION_NAMES[action as 0] ?? `invalid(${action})`;
  }

  view(seat: Seat | null): Record<string, unknown> {
    const own = seat === 0 || seat === 1;
    const sign = own ? frameSign(seat) : 1;
    const turn = sign === 1 ? 0 : Math.PI;
    // + 0: a view is JSON, where −0 does not survive
    const f = (v: number) => sign * v + 0;
    const ships = [0, 1].map((s) => ({
      seat: s,
      x: f(this.x[s]!),
      y: f(this.y[s]!),
      vx: f(this.vx[s]!),
      vy: f(this.vy[s]!),
      heading: wrapAngle(this.heading[s]! + turn),
      hp: this.hp[s]!,
      cooldown: this.cooldown[s]!,
      hits: this.hits[s]!,
    }));
    const projectiles = this.projectiles().map((p) => ({ owner: p.owner, x: f(p.x), y: f(p.y), vx: f(p.vx), vy: f(p.vy) }));
    const ret = new Float64Array(2);
    this.returns(ret);
    return {
      seat: own ? seat : null,
      frame: own ? 'own' : 'arena',
      ships,
      projectiles,
      step: this.steps,
      timeLeft: this.over ? 0 : MAX_TICKS - this.steps,
      legal: own ? this.legalActions(seat) : [],
      finished: this.over,
      returns: Array.from(ret),
    };
  }

  render(): string {
    const f = (v: number) => v.toFixed(2);
    const lines = [`duel tick ${this.steps}/${MAX_TICKS}${this.over ? `  over: ${this.result0 > 0 ? 'seat 0 wins' : this.result0 < 0 ? 'seat 1 wins' : 'draw'}` : ''}`];
    for (let s = 0; s < 2; s++) {
      lines.push(
        `  seat ${s}: hp ${this.hp[s]}  at (${f(this.x[s]!)}, ${f(this.y[s]!)})  v (${f(this.vx[s]!)}, ${f(this.vy[s]!)})  heading ${f(this.heading[s]!)}  cooldown ${this.cooldown[s]}`,
      );
    }
    for (const p of this.projectiles()) lines.push(`  shot of seat ${p.owner} at (${f(p.x)}, ${f(p.y)}) v (${f(p.vx)}, ${f(p.vy)}) age ${p.age}`);
    return lines.join('\n');
  }

  clone(): DuelState {
    const c = new DuelState(0);
    c.copyBase(this);
    c.copyFields(this);
    return c;
  }

  private copyFields(o: DuelState): void {
    this.x.set(o.x);
    this.y.set(o.y);
    this.vx.set(o.vx);
    this.vy.set(o.vy);
    this.heading.set(o.heading);
    this.cooldown.set(o.cooldown);
    this.hp.set(o.hp);
    this.alive.set(o.alive);
    this.bx.set(o.bx);
    this.by.set(o.by);
    this.bvx.set(o.bvx);
    this.bvy.set(o.bvy);
    this.age.set(o.age);
    this.over = o.over;
    this.result0 = o.result0;
    this.last0 = o.last0;
    this.hits.set(o.hits);
  }

  protected serializeFields(): Record<string, unknown> {
    const ships = [0, 1].map((s) => [this.x[s]!, this.y[s]!, this.vx[s]!, this.vy[s]!, this.heading[s]!, this.cooldown[s]!, this.hp[s]!]);
    const shots: number[][] = [];
    for (let i = 0; i < SLOTS; i++) if (this.alive[i]) shots.push([i, this.bx[i]!, this.by[i]!, this.bvx[i]!, this.bvy[i]!, this.age[i]!]);
    return { ships, shots, over: this.over, result0: this.result0, last0: this.last0, hits: Array.from(this.hits) };
  }

  /** Rebuilds a state from `serialize()` output, validating every field. */
  static restore(data: unknown): DuelState {
    const d = checkSnapshot(ID, data);
    const c = new DuelState(0);
    c.restoreBase(d);
    const num = (field: string, v: unknown, bound: number): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > bound) throw new BadStateError(ID, `${field} must be a finite number in [−${bound}, ${bound}], got ${JSON.stringify(v)}`);
      return v;
    };
    const tuple = (field: string, v: unknown, n: number): unknown[] => {
      if (!Array.isArray(v) || v.length !== n) throw new BadStateError(ID, `${field} must be an array of ${n}`);
      return v;
    };
    const ships = tuple('ships', d['ships'], 2);
    for (let s = 0; s < 2; s++) {
      const [x, y, vx, vy, h, cd, hp] = tuple(`ships[${s}]`, ships[s], 7);
      c.x[s] = num(`ship ${s} x`, x, XMAX - SHIP_RADIUS);
      c.y[s] = num(`ship ${s} y`, y, YMAX - SHIP_RADIUS);
      c.vx[s] = num(`ship ${s} vx`, vx, MAX_SPEED + 1e-9);
      c.vy[s] = num(`ship ${s} vy`, vy, MAX_SPEED + 1e-9);
      c.heading[s] = num(`ship ${s} heading`, h, Math.PI);
      c.cooldown[s] = checkInt(ID, `ship ${s} cooldown`, cd, 0, COOLDOWN_TICKS);
      c.hp[s] = checkInt(ID, `ship ${s} hp`, hp, 0, MAX_HP);
    }
    const shots = d['shots'];
    if (!Array.isArray(shots) || shots.length > SLOTS) throw new BadStateError(ID, `shots must be an array of at most ${SLOTS}`);
    for (const shot of shots) {
      const [slot, x, y, vx, vy, age] = tuple('shot', shot, 6);
      const i = checkInt(ID, 'shot slot', slot, 0, SLOTS - 1);
      if (c.alive[i]) throw new BadStateError(ID, `slot ${i} is listed twice`);
      c.alive[i] = 1;
      c.bx[i] = num('shot x', x, XMAX);
      c.by[i] = num('shot y', y, YMAX);
      c.bvx[i] = num('shot vx', vx, PROJECTILE_SPEED);
      c.bvy[i] = num('shot vy', vy, PROJECTILE_SPEED);
      c.age[i] = checkInt(ID, 'shot age', age, 1, PROJECTILE_TICKS - 1);
    }
    const { over, result0, last0 } = d as { over?: unknown; result0?: unknown; last0?: unknown };
    if (typeof over !== 'boolean') throw new BadStateError(ID, `over must be a boolean`);
    c.over = over;
    c.result0 = checkInt(ID, 'result0', result0, -1, 1);
    c.last0 = checkInt(ID, 'last0', last0, -1, 1);
    const hits = tuple('hits', d['hits'], 2);
    for (let s = 0; s < 2; s++) c.hits[s] = checkInt(ID, 'hits', hits[s], 0, SLOTS_PER_SHIP);
    if (!over && (c.result0 !== 0 || c.last0 !== 0)) throw new BadStateError(ID, 'a game in progress has no result yet');
    if (!over && c.steps >= MAX_TICKS) throw new BadStateError(ID, `a game at tick ${c.steps} is over`);
    return c;
  }
}

/** Seat owning projectile slot i. */
function ownerOf(i: number): Seat {
  return i < SLOTS_PER_SHIP ? 0 : 1;
}

/** A component clipped to [−1, 1] as the game clips it (NaN stays NaN: the game refuses it). */
const clip1 = (v: number): number => (v > 1 ? 1 : v < -1 ? -1 : v);

/**
 * The opponent frame (an `ActionFrame` a policy may act in, `actionFrame: "opponent"`): 0 thrust toward
 * the opponent (negative: away), 1 thrust sideways — the direction to the opponent turned a quarter turn
 * clockwise on screen (negative: counter-clockwise), 2 aim as an offset from the lead bearing
 * (observation 28), aim·π radians, 3 fire as the game's. So a policy of zeros aims exactly at the lead,
 * and strafing, or reversing the strafe when the opponent's gun comes off cooldown (the dodge), is one
 * component's sign, the same wherever the ships are. Each component is clipped to [−1, 1] first; the
 * thrust vector, up to √2 long, is scaled to length 1 by the game as any is.
 */
export const OPPONENT_FRAME: ActionFrame = Object.freeze({
  name: 'opponent',
  summary: 'thrust toward the opponent and sideways (a quarter turn clockwise on screen), aim as an offset from the lead bearing (·π), fire',
  toGame(o: ArrayLike<number>, a: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const d = Math.hypot(o[8]!, o[9]!);
    const ux = d > 0 ? o[8]! / d : 1;
    const uy = d > 0 ? o[9]! / d : 0;
    const toward = clip1(a[THRUST_X]!);
    const side = clip1(a[THRUST_Y]!);
    out[THRUST_X] = toward * ux - side * uy;
    out[THRUST_Y] = toward * uy + side * ux;
    out[AIM] = wrapAngle((o[OBS_BEARING + 1]! + clip1(a[AIM]!)) * Math.PI) / Math.PI;
    out[FIRE] = a[FIRE]!;
  },
});

export const duel: Game = {
  info: DUEL_INFO,
  ui: DUEL_UI,
  actionFrames: [OPPONENT_FRAME],
  newState(seed = 0): GameState {
    return new DuelState(seed);
  },
  restore(data: unknown): GameState {
    return DuelState.restore(data);
  },
};
