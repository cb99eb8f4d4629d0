/**
 * Grid soccer: a 2v2 team game with simultaneous moves and partial observability, in the spirit of
 * Littman's grid soccer (Littman 1994, "Markov games as a framework for multi-agent reinforcement
 * learning") grown to two players a side so that teammates must cooperate (pass, support, cover)
 * while the teams compete. The rules are this project's own; this comment is their reference.
 *
 * Field and teams
 * - 11 columns (x 0..10, left to right) × 7 rows (y 0..6, top to bottom). The goals are the 3 middle
 *   rows (y 2..4) just beyond the left edge (x = −1) and the right edge (x = 11).
 * - Seats 0, 1 = team 0, which attacks RIGHT (scores into x = 11, defends the left goal);
 *   seats 2, 3 = team 1, which attacks LEFT (scores into x = −1). Teams [[0, 1], [2, 3]].
 * - Exactly one player holds the ball at all times (there is no loose ball); the ball sits on its
 *   holder's cell. Two players never share a cell.
 *
 * Actions (8), relative to the side the seat attacks so that one policy can play either side:
 *   0 stay · 1 north (y − 1) · 2 south (y + 1) · 3 forward (toward the goal the seat attacks: +x for
 *   team 0, −x for team 1) · 4 back · 5 pass · 6 shoot · 7 tackle.
 * Legal actions: `stay` always; a move when its target cell is on the field (it may still be blocked);
 * `pass` when holding the ball with the teammate within Chebyshev distance 4; `shoot` when holding the
 * ball within Chebyshev distance 4 of the shot target (see below); `tackle` when an opponent holding
 * the ball is on an adjacent cell (Chebyshev distance 1). Everything a seat needs to know whether an
 * action is legal is in its own observation.
 *
 * One joint step resolves in this order (all from the positions at the start of the step):
 * 1. Tackles: the tacklers, in random order, each win the ball with probability 1/2; the first to
 *    win takes it and the rest of the tackles are void. A tackled holder's pass or shot is void.
 * 2. The holder's ball action. Lines: a cell is "on the line" from A to B when its centre projects
 *    strictly between A and B and lies within half a cell of segment AB (exact integer test
 *    4·cross² ≤ |AB|²; symmetric under mirroring). The opponent on the line nearest the holder (lower
 *    seat on a tie) intercepts; teammates never block. With ranges of 4 and a view radius of 3, every
 *    cell that could block a pass or a shot is in the passer's view.
 *    - pass: the ball goes to the teammate, or to the intercepting opponent.
 *    - shoot: the target is the goal-mouth cell of the attacked goal in the shooter's row clamped to
 *      the goal rows (x = 11 or −1, y clamped to 2..4). Unless intercepted (a save: the
 *      interceptor takes the ball) the shot scores. The defending team can therefore guard the goal
 *      by standing on shooting lines, and an attacker beats them by changing rows or passing.
 * 3. If a goal was scored: the scoring team's seats get +1, the others −1, and play restarts from the
 *    kickoff formation with the conceding team on the ball; nobody moves this step.
 *    Otherwise movement: every moving player targets one cell; a move succeeds when its target is
 *    free once the players ahead of it have moved (chains are fine); two players contesting one
 *    free cell: a uniformly random one (state RNG) gets it and the others stay; swaps and cycles
 *    are blocked. The holder carries the ball. A player cannot walk through or into an opponent:
 *    only a tackle wins the ball.
 *
 * Kickoff formation (conceding team K kicks; team 0 shown, team 1 mirrored x → 10 − x): the kicker
 * (K's lower seat) on the centre spot (5, 3) holding the ball, its teammate at (3, 3); the other team
 * at (7, 2) and (7, 4). The first kickoff team is a coin toss from the seeded RNG.
 *
 * Rewards (zero-sum between teams; both seats of a team always get the same reward): ±1 per goal,
 * plus dense shaping 0.01 × the ball's progress toward the opponent goal in the step (the change in
 * the ball's x for team 0, its negation for team 1; a scored ball counts as reaching the goal line,
 * the jump back to the kickoff spot is not counted). Returns of the four seats sum to exactly 0.
 * Bounds: at most one goal every two steps (nobody can shoot from a kickoff) and at most 5 columns of
 * progress per step, so |return| ≤ 100·1.04 + 100·0.05 < 110.
 *
 * The match lasts exactly 200 joint steps (the match length is a rule, so the end is a termination,
 * not a truncation; time left is in the observation).
 *
 * Observation (19 floats, the seat's own frame: for team 1 the field is mirrored x → 10 − x so every
 * seat "attacks right"; x / 10 and y / 6 scale coordinates to [0, 1]):
 *   0-1 own x, y · 2-3 teammate x, y (teammates communicate) · 4 ball visible · 5-6 ball x, y ·
 *   7 I hold the ball · 8 teammate holds it · 9 an opponent holds it · 10-12 first opponent
 *   (visible, x, y) · 13-15 second opponent (visible, x, y) · 16 time left (fraction of 200) ·
 *   17 own team's goals / 10 · 18 opponent goals / 10.
 * Opponents (in seat order) and the ball are visible only within Chebyshev distance 3 of the seat;
 * out of view the flag and coordinates are 0. The ball is also known when the seat's own team holds
 * it (it is on the seat's or teammate's cell). Who has possession (own team or not) is always known.
 *
 * Global state (17 floats, unmirrored, for centralized critics): x, y of seats 0..3 (8), holder
 * one-hot (4), ball x, y (2), time left (1), goals of team 0 and team 1 / 10 (2).
 *
 * Agent state (17 floats, `agentState(seat)`): the same global state in the seat's own frame, so one
 * critic can serve both teams: x, y of self, teammate, first and second opponent (x mirrored for
 * team 1, as in observations), the holder one-hot in that order, ball x, y, time left, own goals,
 * opponent goals. Nothing is hidden: it is the full state, relabelled.
 *
 * `informationState(seat)` encodes exactly the seat's current observation plus its own return (a
 * seat receives its rewards): the game is treated as a partially observable Markov game, so the
 * string is the current observation, not the whole observation history.
 */
import {
  BadStateError,
  BaseState,
  IllegalActionError,
  SIMULTANEOUS,
  TERMINAL,
  checkInt,
  checkIntArray,
  checkSnapshot,
  type FieldUi,
  type Game,
  type GameInfo,
  type GameState,
  type Seat,
} from '../core/index.ts';

export const WIDTH = 11;
export const HEIGHT = 7;
/** Goal mouth rows (inclusive). */
export const GOAL_TOP = 2;
export const GOAL_BOTTOM = 4;
/** Chebyshev radius within which a seat sees opponents and the ball. */
export const VIEW_RADIUS = 3;
/** Largest Chebyshev distance of a pass. */
export const PASS_RANGE = 4;
/** Largest Chebyshev distance from the shooter to the shot target. */
export const SHOT_RANGE = 4;
/** Chance that one tackle wins the ball. */
export const TACKLE_WIN = 0.5;
/** Match length in joint steps. */
export const MATCH_STEPS = 200;
/** Shaping reward per column of ball progress. */
export const PROGRESS_REWARD = 0.01;

export const STAY = 0;
export const NORTH = 1;
export const SOUTH = 2;
export const FORWARD = 3;
export const BACK = 4;
export const PASS = 5;
export const SHOOT = 6;
export const TACKLE = 7;
const ACTION_NAMES = ['stay', 'north', 'south', 'forward', 'back', 'pass', 'shoot', 'tackle'] as const;

/** Event bits of the last step (spectator view and tests). */
export const EV_GOAL = 1;
export const EV_PASS = 2;
export const EV_INTERCEPT = 4;
export const EV_SAVE = 8;
export const EV_TACKLE_WON = 16;
export const EV_TACKLE_LOST = 32;
export const EV_MOVE_BLOCKED = 64;
const EV_ALL = 127;

export const OBS_SIZE = 19;
export const STATE_SIZE = 17;

export const GRID_SOCCER_INFO: GameInfo = Object.freeze({
  id: 'grid-soccer-v1',
  name: 'Grid soccer 2v2',
  description:
    '2v2 soccer on an 11×7 grid with simultaneous moves and a view radius of 3: move, pass, shoot, tackle; ' +
    '±1 per goal plus 0.01 per column of ball progress; 200 steps',
  seats: 4,
  teams: [
    [0, 1],
    [2, 3],
  ],
  actions: 8,
  observationSize: OBS_SIZE,
  stateSize: STATE_SIZE,
  agentStateSize: STATE_SIZE,
  chanceOutcomes: 0,
  maxSteps: MATCH_STEPS,
  dynamics: 'simultaneous',
  information: 'imperfect',
  utility: 'zero-sum',
  minReturn: -110,
  maxReturn: 110,
});

export const GRID_SOCCER_UI: FieldUi = Object.freeze({
  kind: 'field',
  width: WIDTH,
  height: HEIGHT,
  goalRows: [GOAL_TOP, GOAL_BOTTOM] as const,
  teams: [
    { label: 'Blue', colour: '#2f6fdf', note: 'attacks →' },
    { label: 'Red', colour: '#d9433b', note: 'attacks ←' },
  ],
  actionLabels: ['Stay', 'Up', 'Down', 'Forward', 'Back', 'Pass', 'Shoot', 'Tackle'],
  // forward and back are relative to the side's attack: → is forward for a side that attacks right
  keys: { s: STAY, '.': STAY, ArrowUp: NORTH, ArrowDown: SOUTH, ArrowRight: FORWARD, ArrowLeft: BACK, p: PASS, ' ': SHOOT, t: TACKLE },
  repeatWhileHeld: [NORTH, SOUTH, FORWARD, BACK],
});

const ID = GRID_SOCCER_INFO.id;
const MAX_GOALS = MATCH_STEPS / 2;

/** Team of a seat (0 for seats 0, 1; 1 for seats 2, 3). */
export function teamOfSeat(seat: Seat): number {
  return seat >> 1;
}

/** Chebyshev (king-move) distance. */
export function chebyshev(ax: number, ay: number, bx: number, by: number): number {
  return Math.max(Math.abs(ax - bx), Math.abs(ay - by));
}

/**
 * True when cell C lies on the line from A to B: its centre projects strictly between A and B and
 * is within half a cell of the segment (exact integer arithmetic).
 */
export function onLine(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  const dx = bx - ax;
  const dy = by - ay;
  const ux = cx - ax;
  const uy = cy - ay;
  const len2 = dx * dx + dy * dy;
  const dot = ux * dx + uy * dy;
  if (dot <= 0 || dot >= len2) return false;
  const cross = ux * dy - uy * dx;
  return 4 * cross * cross <= len2;
}

/** x of the goal line that `team` attacks (11 for team 0, −1 for team 1). */
export function attackedGoalX(team: number): number {
  return team === 0 ? WIDTH : -1;
}

/** Row of the shot target for a shooter in row `y`. */
export function shotTargetY(y: number): number {
  return y < GOAL_TOP ? GOAL_TOP : y > GOAL_BOTTOM ? GOAL_BOTTOM : y;
}

/** x in the frame of `team`: team 1 sees the field mirrored so that it, too, attacks toward +x. */
export function frameX(team: number, x: number): number {
  return team === 1 ? WIDTH - 1 - x : x;
}

/** Kickoff formation for kicking team `k`: x then y of seats 0..3. */
const KICKOFF_X = [
  [5, 3, 7, 7],
  [3, 3, 5, 7],
] as const;
const KICKOFF_Y = [
  [3, 3, 2, 4],
  [2, 4, 3, 3],
] as const;

const PLAYER_CHARS = ['a', 'b', 'x', 'y'] as const;

export class GridSoccerState extends BaseState {
  private readonly px = new Int8Array(4);
  private readonly py = new Int8Array(4);
  /** Seat holding the ball. */
  private holder = 0;
  private readonly score = new Int32Array(2);
  /** Team 0's cumulative return (team 1's is its negation: exactly zero-sum). */
  private ret0 = 0;
  /** Team 0's reward in the last step. */
  private last0 = 0;
  /** EV_* bits of the last step. */
  private events = 0;
  // scratch for movement resolution (allocated once)
  private readonly tx = new Int8Array(4);
  private readonly ty = new Int8Array(4);
  private readonly pending = new Uint8Array(4);

  constructor(seed = 0) {
    super(GRID_SOCCER_INFO, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.score.fill(0);
    this.ret0 = 0;
    this.last0 = 0;
    this.events = 0;
    this.kickoff(this.rng.int(2));
  }

  private kickoff(team: number): void {
    const xs = KICKOFF_X[team as 0 | 1];
    const ys = KICKOFF_Y[team as 0 | 1];
    for (let s = 0; s < 4; s++) {
      this.px[s] = xs[s]!;
      this.py[s] = ys[s]!;
    }
    this.holder = 2 * team;
  }

  currentSeat(): number {
    return this.steps >= MATCH_STEPS ? TERMINAL : SIMULTANEOUS;
  }

  isTruncated(): boolean {
    return false;
  }

  // ---- accessors (tests, agents, UI) ----

  /** Position of a seat as [x, y] (fresh array; not for hot paths). */
  position(seat: Seat): [number, number] {
    return [this.px[seat]!, this.py[seat]!];
  }

  ballHolder(): Seat {
    return this.holder;
  }

  /** Goals scored by `team`. */
  goals(team: number): number {
    return this.score[team]!;
  }

  /** EV_* bits of the last step. */
  lastEvents(): number {
    return this.events;
  }

  stepsLeft(): number {
    return MATCH_STEPS - this.steps;
  }

  // ---- rules ----

  private occupied(x: number, y: number): boolean {
    for (let s = 0; s < 4; s++) if (this.px[s] === x && this.py[s] === y) return true;
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    out.fill(0, 0, 8);
    if (this.steps >= MATCH_STEPS || !(seat >= 0 && seat < 4)) return 0;
    const team = teamOfSeat(seat);
    const x = this.px[seat]!;
    const y = this.py[seat]!;
    const fwd = team === 0 ? 1 : -1;
    let n = 1;
    out[STAY] = 1;
    if (y > 0) {
      out[NORTH] = 1;
      n++;
    }
    if (y < HEIGHT - 1) {
      out[SOUTH] = 1;
      n++;
    }
    const xf = x + fwd;
    const xb = x - fwd;
    if (xf >= 0 && xf < WIDTH) {
      out[FORWARD] = 1;
      n++;
    }
    if (xb >= 0 && xb < WIDTH) {
      out[BACK] = 1;
      n++;
    }
    const h = this.holder;
    if (h === seat) {
      const mate = seat ^ 1;
      if (chebyshev(x, y, this.px[mate]!, this.py[mate]!) <= PASS_RANGE) {
        out[PASS] = 1;
        n++;
      }
      if (chebyshev(x, y, attackedGoalX(team), shotTargetY(y)) <= SHOT_RANGE) {
        out[SHOOT] = 1;
        n++;
      }
    } else if (teamOfSeat(h) !== team && chebyshev(x, y, this.px[h]!, this.py[h]!) === 1) {
      out[TACKLE] = 1;
      n++;
    }
    return n;
  }

  /** The opponent of `from` nearest to it on the line to (bx, by), or −1 when the line is clear. */
  private interceptor(from: Seat, bx: number, by: number): number {
    const ax = this.px[from]!;
    const ay = this.py[from]!;
    const first = teamOfSeat(from) === 0 ? 2 : 0;
    let best = -1;
    let bestDot = Infinity;
    for (let o = first; o < first + 2; o++) {
      const cx = this.px[o]!;
      const cy = this.py[o]!;
      if (!onLine(ax, ay, bx, by, cx, cy)) continue;
      const dot = (cx - ax) * (bx - ax) + (cy - ay) * (by - ay);
      if (dot < bestDot) {
        bestDot = dot;
        best = o;
      }
    }
    return best;
  }

  /** Never called: every node before the end is simultaneous (the base class rejects `apply`). */
  protected doApply(action: number): void {
    throw new IllegalActionError(ID, SIMULTANEOUS, action, 'simultaneous node: use applyJoint');
  }

  protected override doApplyJoint(actions: ArrayLike<number>): void {
    const startX = this.px[this.holder]!;
    let ev = 0;

    // 1. Tackles (all legal tacklers are adjacent to the holder at the start of the step).
    let t0 = -1;
    let t1 = -1;
    for (let s = 0; s < 4; s++) {
      if (actions[s] !== TACKLE) continue;
      if (t0 < 0) t0 = s;
      else t1 = s;
    }
    if (t0 >= 0) {
      if (t1 >= 0 && this.rng.int(2) === 1) {
        const t = t0;
        t0 = t1;
        t1 = t;
      }
      let winner = -1;
      if (this.rng.next() < TACKLE_WIN) winner = t0;
      else {
        ev |= EV_TACKLE_LOST;
        if (t1 >= 0 && this.rng.next() < TACKLE_WIN) winner = t1;
      }
      if (winner >= 0) {
        this.holder = winner;
        ev |= EV_TACKLE_WON;
      }
    }

    // 2. The holder's pass or shot (a tackler who just won the ball chose `tackle`, not these).
    const h = this.holder;
    const act = actions[h];
    if (act === PASS) {
      const mate = h ^ 1;
      const o = this.interceptor(h, this.px[mate]!, this.py[mate]!);
      if (o >= 0) {
        this.holder = o;
        ev |= EV_INTERCEPT;
      } else {
        this.holder = mate;
        ev |= EV_PASS;
      }
    } else if (act === SHOOT) {
      const team = teamOfSeat(h);
      const gx = attackedGoalX(team);
      const o = this.interceptor(h, gx, shotTargetY(this.py[h]!));
      if (o >= 0) {
        this.holder = o;
        ev |= EV_SAVE;
      } else {
        ev |= EV_GOAL;
        this.score[team]!++;
        const r = team === 0 ? 1 : -1;
        this.last0 = r + PROGRESS_REWARD * (gx - startX);
        this.ret0 += this.last0;
        this.events = ev;
        this.kickoff(1 - team);
        return;
      }
    }

    // 3. Movement.
    if (this.move(actions)) ev |= EV_MOVE_BLOCKED;
    this.last0 = PROGRESS_REWARD * (this.px[this.holder]! - startX);
    this.ret0 += this.last0;
    this.events = ev;
  }

  /** Resolves simultaneous moves; returns true when some move was blocked. */
  private move(actions: ArrayLike<number>): boolean {
    const { px, py, tx, ty, pending } = this;
    let n = 0;
    for (let s = 0; s < 4; s++) {
      const a = actions[s]!;
      pending[s] = 0;
      if (a < NORTH || a > BACK) continue;
      const fwd = teamOfSeat(s) === 0 ? 1 : -1;
      tx[s] = px[s]! + (a === FORWARD ? fwd : a === BACK ? -fwd : 0);
      ty[s] = py[s]! + (a === NORTH ? -1 : a === SOUTH ? 1 : 0);
      pending[s] = 1;
      n++;
    }
    let blocked = false;
    while (n > 0) {
      // Uncontested moves into free cells, repeated to a fixed point (order-independent).
      let progressed = false;
      for (let s = 0; s < 4; s++) {
        if (!pending[s] || this.occupied(tx[s]!, ty[s]!) || this.contested(s)) continue;
        px[s] = tx[s]!;
        py[s] = ty[s]!;
        pending[s] = 0;
        n--;
        progressed = true;
      }
      if (progressed) continue;
      // A free cell wanted by several players: a uniformly random one gets it.
      let first = -1;
      for (let s = 0; s < 4; s++) {
        if (pending[s] && !this.occupied(tx[s]!, ty[s]!)) {
          first = s;
          break;
        }
      }
      if (first < 0) break; // the rest target occupied cells (blockers, swaps, cycles)
      const cx = tx[first]!;
      const cy = ty[first]!;
      let k = 0;
      for (let s = 0; s < 4; s++) if (pending[s] && tx[s] === cx && ty[s] === cy) k++;
      let pick = this.rng.int(k);
      for (let s = 0; s < 4; s++) {
        if (!pending[s] || tx[s] !== cx || ty[s] !== cy) continue;
        if (pick-- === 0) {
          px[s] = cx;
          py[s] = cy;
        } else {
          blocked = true;
        }
        pending[s] = 0;
        n--;
      }
    }
    return blocked || n > 0;
  }

  private contested(s: Seat): boolean {
    for (let t = 0; t < 4; t++) {
      if (t !== s && this.pending[t] && this.tx[t] === this.tx[s] && this.ty[t] === this.ty[s]) return true;
    }
    return false;
  }

  rewards(out: Float64Array): void {
    out[0] = this.last0;
    out[1] = this.last0;
    out[2] = -this.last0;
    out[3] = -this.last0;
  }

  returns(out: Float64Array): void {
    out[0] = this.ret0;
    out[1] = this.ret0;
    out[2] = -this.ret0;
    out[3] = -this.ret0;
  }

  // ---- observations ----

  /** True when `seat` can see `other`'s cell (within the view radius). */
  private sees(seat: Seat, x: number, y: number): boolean {
    return chebyshev(this.px[seat]!, this.py[seat]!, x, y) <= VIEW_RADIUS;
  }

  /** True when `seat` knows where the ball is. */
  private seesBall(seat: Seat): boolean {
    const h = this.holder;
    return teamOfSeat(h) === teamOfSeat(seat) || this.sees(seat, this.px[h]!, this.py[h]!);
  }

  observe(seat: Seat, out: Float32Array, offset = 0): void {
    const team = teamOfSeat(seat);
    // coordinates in the seat's frame (x mirrored for team 1), scaled to [0, 1]
    const sx = WIDTH - 1;
    const sy = HEIGHT - 1;
    const mate = seat ^ 1;
    const h = this.holder;
    out[offset] = frameX(team, this.px[seat]!) / sx;
    out[offset + 1] = this.py[seat]! / sy;
    out[offset + 2] = frameX(team, this.px[mate]!) / sx;
    out[offset + 3] = this.py[mate]! / sy;
    if (this.seesBall(seat)) {
      out[offset + 4] = 1;
      out[offset + 5] = frameX(team, this.px[h]!) / sx;
      out[offset + 6] = this.py[h]! / sy;
    } else {
      out[offset + 4] = 0;
      out[offset + 5] = 0;
      out[offset + 6] = 0;
    }
    out[offset + 7] = h === seat ? 1 : 0;
    out[offset + 8] = h === mate ? 1 : 0;
    out[offset + 9] = teamOfSeat(h) !== team ? 1 : 0;
    const first = team === 0 ? 2 : 0;
    for (let i = 0; i < 2; i++) {
      const o = first + i;
      const at = offset + 10 + 3 * i;
      if (this.sees(seat, this.px[o]!, this.py[o]!)) {
        out[at] = 1;
        out[at + 1] = frameX(team, this.px[o]!) / sx;
        out[at + 2] = this.py[o]! / sy;
      } else {
        out[at] = 0;
        out[at + 1] = 0;
        out[at + 2] = 0;
      }
    }
    out[offset + 16] = (MATCH_STEPS - this.steps) / MATCH_STEPS;
    out[offset + 17] = this.score[team]! / 10;
    out[offset + 18] = this.score[1 - team]! / 10;
  }

  globalState(out: Float32Array, offset = 0): void {
    const sx = WIDTH - 1;
    const sy = HEIGHT - 1;
    for (let s = 0; s < 4; s++) {
      out[offset + 2 * s] = this.px[s]! / sx;
      out[offset + 2 * s + 1] = this.py[s]! / sy;
      out[offset + 8 + s] = this.holder === s ? 1 : 0;
    }
    out[offset + 12] = this.px[this.holder]! / sx;
    out[offset + 13] = this.py[this.holder]! / sy;
    out[offset + 14] = (MATCH_STEPS - this.steps) / MATCH_STEPS;
    out[offset + 15] = this.score[0]! / 10;
    out[offset + 16] = this.score[1]! / 10;
  }

  override agentState(seat: Seat, out: Float32Array, offset = 0): void {
    const team = teamOfSeat(seat);
    const sx = WIDTH - 1;
    const sy = HEIGHT - 1;
    const first = team === 0 ? 2 : 0;
    const h = this.holder;
    for (let j = 0; j < 4; j++) {
      // self, teammate, first opponent, second opponent
      const s = j === 0 ? seat : j === 1 ? seat ^ 1 : first + j - 2;
      out[offset + 2 * j] = frameX(team, this.px[s]!) / sx;
      out[offset + 2 * j + 1] = this.py[s]! / sy;
      out[offset + 8 + j] = h === s ? 1 : 0;
    }
    out[offset + 12] = frameX(team, this.px[h]!) / sx;
    out[offset + 13] = this.py[h]! / sy;
    out[offset + 14] = (MATCH_STEPS - this.steps) / MATCH_STEPS;
    out[offset + 15] = this.score[team]! / 10;
    out[offset + 16] = this.score[1 - team]! / 10;
  }

  informationState(seat: Seat): string {
    const team = teamOfSeat(seat);
    const mate = seat ^ 1;
    const h = this.holder;
    const ball = this.seesBall(seat) ? `${frameX(team, this.px[h]!)},${this.py[h]!}` : '?';
    const poss = h === seat ? 'me' : h === mate ? 'mate' : 'opp';
    const first = team === 0 ? 2 : 0;
    let opps = '';
    for (let o = first; o < first + 2; o++) {
      opps += this.sees(seat, this.px[o]!, this.py[o]!) ? `${frameX(team, this.px[o]!)},${this.py[o]!};` : '?;';
    }
    const ret = team === 0 ? this.ret0 : -this.ret0;
    return (
      `s${seat}|t${MATCH_STEPS - this.steps}|${this.score[team]}-${this.score[1 - team]}|` +
      `me${frameX(team, this.px[seat]!)},${this.py[seat]!}|mate${frameX(team, this.px[mate]!)},${this.py[mate]!}|` +
      `ball${ball}|${poss}|opp${opps}|r${ret}`
    );
  }

  actionName(action: number): string {
    return ACTION_NAMES[action as 0] ?? `invalid(${action})`;
  }

  view(seat: Seat | null): Record<string, unknown> {
    const spectator = seat === null || !(seat >= 0 && seat < 4);
    const team = spectator ? -1 : teamOfSeat(seat);
    const h = this.holder;
    const players: ({ seat: number; team: number; x: number; y: number; ball: boolean } | null)[] = [];
    for (let s = 0; s < 4; s++) {
      const visible = spectator || teamOfSeat(s) === team || this.sees(seat, this.px[s]!, this.py[s]!);
      players.push(visible ? { seat: s, team: teamOfSeat(s), x: this.px[s]!, y: this.py[s]!, ball: h === s } : null);
    }
    const ballKnown = spectator || this.seesBall(seat);
    const ret = new Float64Array(4);
    this.returns(ret);
    const finished = this.isTerminal();
    const v: Record<string, unknown> = {
      viewRadius: spectator ? null : VIEW_RADIUS,
      seat: spectator ? null : seat,
      team: spectator ? null : team,
      attacks: spectator ? null : team === 0 ? 'right' : 'left',
      players,
      ball: ballKnown ? { x: this.px[h]!, y: this.py[h]!, holder: h } : null,
      possession: teamOfSeat(h),
      score: [this.score[0]!, this.score[1]!],
      step: this.steps,
      timeLeft: MATCH_STEPS - this.steps,
      legal: spectator ? [] : this.legalActions(seat),
      finished,
      returns: Array.from(ret),
    };
    if (spectator) v['events'] = eventNames(this.events);
    return v;
  }

  render(): string {
    const lines: string[] = [];
    const h = this.holder;
    lines.push(
      `grid-soccer step ${this.steps}/${MATCH_STEPS}  score ${this.score[0]}:${this.score[1]}  ball: seat ${h}` +
        (this.events ? `  last: ${eventNames(this.events).join(', ')}` : ''),
    );
    const edge = ` +${'-'.repeat(WIDTH)}+`;
    lines.push(edge);
    for (let y = 0; y < HEIGHT; y++) {
      const inGoal = y >= GOAL_TOP && y <= GOAL_BOTTOM;
      let row = inGoal ? ' #' : ' |';
      for (let x = 0; x < WIDTH; x++) {
        let c = '.';
        for (let s = 0; s < 4; s++) {
          if (this.px[s] === x && this.py[s] === y) c = h === s ? PLAYER_CHARS[s]!.toUpperCase() : PLAYER_CHARS[s]!;
        }
        row += c;
      }
      lines.push(row + (inGoal ? '#' : '|'));
    }
    lines.push(edge);
    lines.push(' a,b = team 0 (attacks →), x,y = team 1 (attacks ←), capital = on the ball, # = goal');
    return lines.join('\n');
  }

  clone(): GridSoccerState {
    const c = new GridSoccerState(0);
    c.copyBase(this);
    c.px.set(this.px);
    c.py.set(this.py);
    c.holder = this.holder;
    c.score.set(this.score);
    c.ret0 = this.ret0;
    c.last0 = this.last0;
    c.events = this.events;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return {
      px: Array.from(this.px),
      py: Array.from(this.py),
      holder: this.holder,
      score: Array.from(this.score),
      ret0: this.ret0,
      last0: this.last0,
      events: this.events,
    };
  }

  /** Rebuilds a state from `serialize()` output, validating every field. */
  static restore(data: unknown): GridSoccerState {
    const d = checkSnapshot(ID, data);
    const px = checkIntArray(ID, 'px', d['px'], 4, 0, WIDTH - 1);
    const py = checkIntArray(ID, 'py', d['py'], 4, 0, HEIGHT - 1);
    for (let a = 0; a < 4; a++) {
      for (let b = a + 1; b < 4; b++) {
        if (px[a] === px[b] && py[a] === py[b]) throw new BadStateError(ID, `seats ${a} and ${b} share a cell`);
      }
    }
    const holder = checkInt(ID, 'holder', d['holder'], 0, 3);
    const score = checkIntArray(ID, 'score', d['score'], 2, 0, MAX_GOALS);
    const events = checkInt(ID, 'events', d['events'], 0, EV_ALL);
    const num = (field: string, bound: number): number => {
      const v = d[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > bound) {
        throw new BadStateError(ID, `field '${field}' must be a finite number in [${-bound}, ${bound}]`);
      }
      return v;
    };
    const ret0 = num('ret0', GRID_SOCCER_INFO.maxReturn);
    const last0 = num('last0', 2);
    const s = new GridSoccerState(0);
    s.restoreBase(d);
    for (let i = 0; i < 4; i++) {
      s.px[i] = px[i]!;
      s.py[i] = py[i]!;
    }
    s.holder = holder;
    s.score[0] = score[0]!;
    s.score[1] = score[1]!;
    s.ret0 = ret0;
    s.last0 = last0;
    s.events = events;
    return s;
  }
}

const EVENT_NAMES: readonly [number, string][] = [
  [EV_GOAL, 'goal'],
  [EV_PASS, 'pass'],
  [EV_INTERCEPT, 'interception'],
  [EV_SAVE, 'save'],
  [EV_TACKLE_WON, 'tackle won'],
  [EV_TACKLE_LOST, 'tackle failed'],
  [EV_MOVE_BLOCKED, 'move blocked'],
];

/** Names of the EV_* bits set in `bits`. */
export function eventNames(bits: number): string[] {
  return EVENT_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

export const gridSoccer: Game = {
  info: GRID_SOCCER_INFO,
  ui: GRID_SOCCER_UI,
  newState(seed = 0): GameState {
    return new GridSoccerState(seed);
  },
  restore(data: unknown): GameState {
    return GridSoccerState.restore(data);
  },
};
