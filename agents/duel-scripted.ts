/**
 * A scripted pilot for duel (games/duel.ts): the fixed opponent that a trained duel agent is measured
 * against. It decides from its own observation only, in its own frame, so it plays either seat, over
 * the network as well as offline.
 *
 * - Range: it thrusts toward the opponent when farther than 7 units and away when nearer.
 * - Strafe: it circles the opponent sideways, and turns the other way at random (1 tick in 40, from
 *   its seeded RNG) or when the side it is circling toward runs into a wall; near a wall it pushes back
 *   toward the middle.
 * - Dodge: an incoming projectile that will pass within 1.2 units in the next 0.6 s pushes it away
 *   from the projectile's path.
 * - Aim: it leads the opponent — it aims where a projectile fired now (from its rim, at 14 units/s)
 *   meets the opponent moving on at its current velocity, the positive root τ of
 *   |r + v·τ| = 0.5 + 14·τ — and fires when its gun, after this tick's turn, points within the
 *   target's angular half-width (0.5 units at the target's distance) and the shot can reach.
 *
 * Deterministic given its seed (`reset`).
 */
import { AgentMismatchError, ConfigError, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import {
  AIM,
  COOLDOWN_TICKS,
  DT,
  DUEL_INFO,
  FIRE,
  MAX_SPEED,
  OBS_PROJECTILES,
  OBS_SIZE,
  PROJECTILE_SPEED,
  PROJECTILE_TICKS,
  SHIP_RADIUS,
  THRUST_X,
  THRUST_Y,
  TURN_RATE,
  interceptTime,
  wrapAngle,
} from '../games/duel.ts';

/** Distance it keeps from the opponent, units. */
const PREFERRED_RANGE = 7;
/** Chance per tick that it turns its strafe around. */
const STRAFE_FLIP = 1 / 40;
/** It pushes back toward the middle past these distances from the centre. */
const WALL_X = 7.5;
const WALL_Y = 4;
/** A projectile passing nearer than this within DODGE_SECONDS is dodged. */
const DODGE_DISTANCE = 1.2;
const DODGE_SECONDS = 0.6;
/** Observation scales (games/duel.ts): positions ×10. */
const POS = 10;

export class DuelScriptedAgent implements Agent {
  readonly name = 'duel-scripted';
  private readonly rng: Rng;
  private readonly obs = new Float32Array(OBS_SIZE);
  /** +1: circles anticlockwise in its frame; −1: clockwise. */
  private strafe = 1;
  /** The dodge thrust of this tick (`dodge`). */
  private dodgeX = 0;
  private dodgeY = 0;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
    this.reset(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.strafe = this.rng.int(2) === 0 ? 1 : -1;
  }

  act(state: GameState): number {
    throw new AgentMismatchError(`agent 'duel-scripted' plays action vectors (actContinuous), not the actions of ${state.info.id}`);
  }

  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const o = this.obs;
    state.observe(seat, o);
    const { x, y, vx, vy, heading, cooldown } = ownShip(o);
    // the opponent where both ships will be after this tick's move (projectiles start from there)
    const rx = (o[8]! * POS) + (o[10]! * MAX_SPEED - vx) * DT;
    const ry = (o[9]! * POS) + (o[11]! * MAX_SPEED - vy) * DT;
    const ovx = o[10]! * MAX_SPEED;
    const ovy = o[11]! * MAX_SPEED;
    const dist = Math.hypot(rx, ry) || 1e-9;

    // movement: keep the range, circle, dodge, stay off the walls
    const ux = rx / dist;
    const uy = ry / dist;
    if (this.rng.next() < STRAFE_FLIP) this.strafe = -this.strafe;
    let sx = -uy * this.strafe;
    let sy = ux * this.strafe;
    if ((sx > 0 && x > WALL_X) || (sx < 0 && x < -WALL_X) || (sy > 0 && y > WALL_Y) || (sy < 0 && y < -WALL_Y)) {
      this.strafe = -this.strafe;
      sx = -sx;
      sy = -sy;
    }
    const radial = Math.max(-1, Math.min(1, (dist - PREFERRED_RANGE) / 2));
    let tx = radial * ux + 0.8 * sx;
    let ty = radial * uy + 0.8 * sy;
    if (x > WALL_X) tx -= 1;
    else if (x < -WALL_X) tx += 1;
    if (y > WALL_Y) ty -= 1;
    else if (y < -WALL_Y) ty += 1;
    this.dodge(vx, vy);
    tx += 2 * this.dodgeX;
    ty += 2 * this.dodgeY;
    out[THRUST_X] = Math.max(-1, Math.min(1, tx));
    out[THRUST_Y] = Math.max(-1, Math.min(1, ty));

    // aim: lead the opponent; fire once the gun points at it
    const shot = leadShot(rx, ry, ovx, ovy, heading);
    out[AIM] = shot.aim / Math.PI;
    const ready = cooldown <= 1; // cooldowns fall by 1 before firing
    out[FIRE] = ready && shot.onTarget ? 1 : -1;
  }

  /**
   * Sets (dodgeX, dodgeY): a unit thrust away from the path of the nearest incoming projectile when it
   * will pass too near soon, else zeros.
   */
  private dodge(vx: number, vy: number): void {
    const o = this.obs;
    const at = OBS_PROJECTILES;
    this.dodgeX = 0;
    this.dodgeY = 0;
    if (o[at]! < 0.5) return;
    const qx = o[at + 1]! * POS;
    const qy = o[at + 2]! * POS;
    const wx = o[at + 3]! * PROJECTILE_SPEED - vx;
    const wy = o[at + 4]! * PROJECTILE_SPEED - vy;
    const w2 = wx * wx + wy * wy;
    const t = w2 > 0 ? -(qx * wx + qy * wy) / w2 : -1;
    if (t <= 0 || t > DODGE_SECONDS) return;
    // where the projectile passes, relative to the ship
    const mx = qx + wx * t;
    const my = qy + wy * t;
    const m = Math.hypot(mx, my);
    if (m >= DODGE_DISTANCE) return;
    if (m < 1e-6) {
      // straight at it: sideways, in the strafe direction
      const w = Math.sqrt(w2);
      this.dodgeX = (-wy / w) * this.strafe;
      this.dodgeY = (wx / w) * this.strafe;
    } else {
      this.dodgeX = -mx / m;
      this.dodgeY = -my / m;
    }
  }
}

/** The observer's own ship from a duel observation (games/duel.ts scales): position, velocity, heading, cooldown ticks. */
export function ownShip(o: Float32Array): { x: number; y: number; vx: number; vy: number; heading: number; cooldown: number } {
  return {
    x: o[0]! * POS,
    y: o[1]! * POS,
    vx: o[2]! * MAX_SPEED,
    vy: o[3]! * MAX_SPEED,
    heading: Math.atan2(o[5]!, o[4]!),
    cooldown: Math.round(o[6]! * COOLDOWN_TICKS),
  };
}

/**
 * A shot at an opponent at (rx, ry) relative to the ship (after this tick's move) aimed where it will be
 * if it keeps the velocity (lvx, lvy) — its own velocity for a full lead, a fraction of it for less: the
 * gun's angle, and whether a projectile fired now from `heading` (turning at most TURN_RATE) would hit
 * within range. Both duel bots shoot this way.
 */
export function leadShot(rx: number, ry: number, lvx: number, lvy: number, heading: number): { aim: number; onTarget: boolean } {
  const tau = interceptTime(rx, ry, lvx, lvy);
  const ax = rx + lvx * tau;
  const ay = ry + lvy * tau;
  const aim = Math.atan2(ay, ax);
  const miss = Math.max(0, Math.abs(wrapAngle(aim - heading)) - TURN_RATE);
  const reach = SHIP_RADIUS + PROJECTILE_SPEED * DT * (PROJECTILE_TICKS - 1);
  return { aim, onTarget: miss < Math.atan2(SHIP_RADIUS, Math.hypot(ax, ay)) && Math.hypot(ax, ay) < reach };
}

export const duelScriptedKind: AgentKind = {
  kind: 'duel-scripted',
  summary: 'scripted duel pilot: keeps its range, strafes, dodges, leads its aim and fires when aligned',
  fits(game: GameInfo): string | null {
    return game.id === DUEL_INFO.id ? null : `'duel-scripted' only plays ${DUEL_INFO.id}, not ${game.id}`;
  },
  create(game: GameInfo, arg: string | undefined, seed: number): Agent {
    if (arg !== undefined) throw new ConfigError(`agent 'duel-scripted' takes no argument (got 'duel-scripted:${arg}')`);
    const reason = duelScriptedKind.fits(game);
    if (reason !== null) throw new AgentMismatchError(reason);
    return new DuelScriptedAgent(seed);
  },
};
