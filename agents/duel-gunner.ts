/**
 * A gunner for duel (games/duel.ts): a training opponent that shoots well and moves unpredictably, so
 * that a learner facing it is punished for flying straight or standing still (dodging pays) and meets
 * a target that changes course (aiming must track). It is built unlike the held-out `duel-scripted`
 * (agents/duel-scripted.ts), which keeps a range, circles and dodges.
 *
 * - Flight: it flies at full thrust toward a waypoint drawn uniformly in the arena (its seeded RNG)
 *   and draws the next one on arrival (within 1.5 units) or after 10–30 ticks, whichever is first. It
 *   never dodges and keeps no range.
 * - Aim: it leads the opponent by a fraction f of its velocity — it aims where a projectile fired now
 *   meets the opponent moving on at f·v (`interceptTime`) — with f drawn uniformly in [0, 1] after
 *   every shot. Over the shots it covers every prediction between "stays where it is" and "flies on
 *   straight", so only a change of course dodges. `duel-gunner:P:F` leads every shot by the fixed
 *   fraction F instead (`duel-gunner:1:1`: always the full lead, as duel-scripted aims, so a ship
 *   that flies on at the trigger is hit by every shot and only a course change timed to the shot
 *   dodges).
 * - Fire: like duel-scripted, when the gun points within the target's angular half-width after this
 *   tick's turn, the shot can reach, and the weapon is cool — then with probability P, 1 unless set
 *   (`duel-gunner:0.2`): a gunner that shoots less is one a learner can beat while it learns to dodge.
 *
 * Deterministic given its seed (`reset`).
 */
import { AgentMismatchError, ConfigError, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import {
  AIM,
  ARENA_HEIGHT,
  ARENA_WIDTH,
  DT,
  DUEL_INFO,
  FIRE,
  MAX_SPEED,
  OBS_SIZE,
  THRUST_X,
  THRUST_Y,
} from '../games/duel.ts';
import { leadShot, ownShip } from './duel-scripted.ts';

/** Waypoints are drawn this far inside the walls, units. */
const MARGIN = 1.5;
/** A waypoint nearer than this is reached. */
const ARRIVE = 1.5;
/** Ticks before a new waypoint at the latest: uniform in [MIN_LEG, MAX_LEG). */
const MIN_LEG = 10;
const MAX_LEG = 30;
/** Observation scales (games/duel.ts): positions ×10. */
const POS = 10;

export class DuelGunnerAgent implements Agent {
  readonly name: string;
  private readonly rng: Rng;
  private readonly obs = new Float32Array(OBS_SIZE);
  /** Chance that it fires when it could. */
  private readonly trigger: number;
  /** Lead fraction of the next shot. */
  private lead = 0;
  /** A fixed lead fraction, or null: drawn uniformly in [0, 1] after every shot. */
  private readonly fixedLead: number | null;
  /** Waypoint in the seat's frame, and ticks left on this leg. */
  private wx = 0;
  private wy = 0;
  private legLeft = 0;

  constructor(seed = 0, trigger = 1, fixedLead: number | null = null) {
    this.name = fixedLead !== null ? `duel-gunner:${trigger}:${fixedLead}` : trigger === 1 ? 'duel-gunner' : `duel-gunner:${trigger}`;
    this.trigger = trigger;
    this.fixedLead = fixedLead;
    this.rng = new Rng(seed);
    this.reset(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.legLeft = 0;
    this.drawLead();
  }

  act(state: GameState): number {
    throw new AgentMismatchError(`agent '${this.name}' plays action vectors (actContinuous), not the actions of ${state.info.id}`);
  }

  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const o = this.obs;
    state.observe(seat, o);
    const { x, y, vx, vy, heading, cooldown } = ownShip(o);

    // flight: full thrust toward the waypoint, a new one on arrival or when the leg runs out
    if (this.legLeft <= 0 || Math.hypot(this.wx - x, this.wy - y) < ARRIVE) {
      this.wx = this.rng.uniform(-ARENA_WIDTH / 2 + MARGIN, ARENA_WIDTH / 2 - MARGIN);
      this.wy = this.rng.uniform(-ARENA_HEIGHT / 2 + MARGIN, ARENA_HEIGHT / 2 - MARGIN);
      this.legLeft = MIN_LEG + this.rng.int(MAX_LEG - MIN_LEG);
    }
    this.legLeft--;
    const dx = this.wx - x;
    const dy = this.wy - y;
    const d = Math.hypot(dx, dy) || 1;
    out[THRUST_X] = dx / d;
    out[THRUST_Y] = dy / d;

    // aim: the opponent after this tick's move, led by a fraction of its velocity
    const rx = o[8]! * POS + (o[10]! * MAX_SPEED - vx) * DT;
    const ry = o[9]! * POS + (o[11]! * MAX_SPEED - vy) * DT;
    const lvx = this.lead * o[10]! * MAX_SPEED;
    const lvy = this.lead * o[11]! * MAX_SPEED;
    const shot = leadShot(rx, ry, lvx, lvy, heading);
    out[AIM] = shot.aim / Math.PI;
    const fire = cooldown <= 1 && shot.onTarget && (this.trigger === 1 || this.rng.next() < this.trigger);
    out[FIRE] = fire ? 1 : -1;
    if (fire) this.drawLead();
  }

  private drawLead(): void {
    this.lead = this.fixedLead ?? this.rng.next();
  }
}

export const duelGunnerKind: AgentKind = {
  kind: 'duel-gunner',
  summary: 'duel training opponent: flies to random waypoints, leads its aim by a random fraction per shot; duel-gunner:P fires with probability P when it could, duel-gunner:P:F leads every shot by the fraction F',
  fits(game: GameInfo): string | null {
    return game.id === DUEL_INFO.id ? null : `'duel-gunner' only plays ${DUEL_INFO.id}, not ${game.id}`;
  },
  create(game: GameInfo, arg: string | undefined, seed: number): Agent {
    const [p, f, ...rest] = arg === undefined ? [] : arg.split(':');
    const trigger = p === undefined ? 1 : Number(p);
    if (p !== undefined && (p.trim() === '' || !Number.isFinite(trigger) || trigger <= 0 || trigger > 1)) {
      throw new ConfigError(`agent 'duel-gunner:P' takes a probability P in (0, 1] of firing when it could (got '${p}')`);
    }
    const lead = f === undefined ? null : Number(f);
    if (rest.length > 0 || (f !== undefined && (f.trim() === '' || !Number.isFinite(lead) || lead! < 0 || lead! > 1))) {
      throw new ConfigError(`agent 'duel-gunner:P:F' takes a lead fraction F in [0, 1] (got '${arg}')`);
    }
    const reason = duelGunnerKind.fits(game);
    if (reason !== null) throw new AgentMismatchError(reason);
    return new DuelGunnerAgent(seed, trigger, lead);
  },
};
