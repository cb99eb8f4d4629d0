/**
 * A scripted team policy for grid soccer (games/grid-soccer.ts). Each seat decides from its own
 * observation only (its position, its teammate's, and the ball and opponents within its view
 * radius), in its own mirrored frame where the attacked goal is at x = 11 — so the same script plays
 * either side and never reads hidden information.
 *
 * - On the ball: shoot when in range with a clear line; pass when the teammate has a clear shot, or
 *   when pressed by an adjacent opponent and the teammate is free; otherwise dribble to the free
 *   neighbouring cell that best advances toward a clear shot, away from defenders.
 * - Teammate on the ball: run ahead of it into open space in the other half of the goal mouth,
 *   within passing range.
 * - Opponents on the ball: tackle when adjacent; the teammate nearer the ball chases it (goal side
 *   first), the other covers the goal mouth between the ball and the own goal. When the ball is out
 *   of sight, both drop back toward the own goal, where the attackers must come.
 *
 * Deterministic: ties between teammates are broken by seat parity, which both teammates know.
 */
import { AgentMismatchError, ConfigError, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import {
  BACK,
  FORWARD,
  GOAL_BOTTOM,
  GOAL_TOP,
  HEIGHT,
  NORTH,
  OBS_SIZE,
  PASS,
  PASS_RANGE,
  SHOOT,
  SHOT_RANGE,
  SOUTH,
  STAY,
  TACKLE,
  WIDTH,
  chebyshev,
  onLine,
  shotTargetY,
} from '../games/grid-soccer.ts';

/** Goal line attacked in the seat's own frame. */
const GOAL_X = WIDTH;
const MOVES = [NORTH, SOUTH, FORWARD, BACK] as const;
const MOVE_DX = [0, 0, 1, -1] as const;
const MOVE_DY = [-1, 1, 0, 0] as const;

export class SoccerHeuristicAgent implements Agent {
  readonly name = 'heuristic';
  private readonly obs = new Float32Array(OBS_SIZE);
  private readonly mask = new Uint8Array(8);
  // decoded observation (seat frame)
  private mx = 0;
  private my = 0;
  private tx = 0;
  private ty = 0;
  private ballSeen = false;
  private bx = 0;
  private by = 0;
  private readonly ox = new Int8Array(2);
  private readonly oy = new Int8Array(2);
  private readonly oSeen = new Uint8Array(2);

  act(state: GameState, seat: Seat): number {
    state.observe(seat, this.obs);
    state.legalMask(seat, this.mask);
    const o = this.obs;
    const sx = WIDTH - 1;
    const sy = HEIGHT - 1;
    this.mx = Math.round(o[0]! * sx);
    this.my = Math.round(o[1]! * sy);
    this.tx = Math.round(o[2]! * sx);
    this.ty = Math.round(o[3]! * sy);
    this.ballSeen = o[4]! > 0.5;
    this.bx = Math.round(o[5]! * sx);
    this.by = Math.round(o[6]! * sy);
    for (let i = 0; i < 2; i++) {
      this.oSeen[i] = o[10 + 3 * i]! > 0.5 ? 1 : 0;
      this.ox[i] = Math.round(o[11 + 3 * i]! * sx);
      this.oy[i] = Math.round(o[12 + 3 * i]! * sy);
    }
    const a = o[7]! > 0.5 ? this.withBall() : o[8]! > 0.5 ? this.support(seat) : this.defend(seat);
    return this.mask[a] ? a : STAY;
  }

  private withBall(): number {
    const { mx, my, tx, ty } = this;
    if (this.mask[SHOOT] && this.shotClear(mx, my)) return SHOOT;
    const passOk = this.mask[PASS] === 1 && this.lineClear(mx, my, tx, ty);
    const mateShoots = chebyshev(tx, ty, GOAL_X, shotTargetY(ty)) <= SHOT_RANGE && this.shotClear(tx, ty);
    if (passOk && mateShoots) return PASS;
    if (passOk && this.pressure(mx, my) > 0 && this.pressure(tx, ty) === 0 && tx >= mx - 1) return PASS;
    // dribble: the best free neighbouring cell (or staying put)
    let best = STAY;
    let bestScore = this.cellScore(mx, my) - 0.5;
    for (let i = 0; i < 4; i++) {
      const m = MOVES[i]!;
      if (!this.mask[m]) continue;
      const x = mx + MOVE_DX[i]!;
      const y = my + MOVE_DY[i]!;
      if (this.occupied(x, y)) continue;
      const sc = this.cellScore(x, y);
      if (sc > bestScore) {
        bestScore = sc;
        best = m;
      }
    }
    if (best === STAY && passOk && tx > mx) return PASS;
    return best;
  }

  /** How good a cell is for the ball carrier. */
  private cellScore(x: number, y: number): number {
    let s = x - 0.4 * Math.abs(y - 3);
    if (chebyshev(x, y, GOAL_X, shotTargetY(y)) <= SHOT_RANGE && this.shotClear(x, y)) s += 4;
    s -= 1.5 * this.pressure(x, y);
    return s;
  }

  private support(seat: Seat): number {
    const { tx, ty } = this;
    // run ahead of the carrier, into the goal mouth row on the other side of it
    const x = Math.min(WIDTH - 2, tx + 2);
    let y: number;
    if (ty < 3) y = GOAL_BOTTOM;
    else if (ty > 3) y = GOAL_TOP;
    else y = (seat & 1) === 0 ? GOAL_TOP : GOAL_BOTTOM;
    return this.moveToward(x, y);
  }

  private defend(seat: Seat): number {
    if (this.mask[TACKLE]) return TACKLE;
    const { mx, my, tx, ty, bx, by } = this;
    if (this.ballSeen) {
      const mine = chebyshev(mx, my, bx, by);
      const mates = chebyshev(tx, ty, bx, by);
      if (mine < mates || (mine === mates && (seat & 1) === 0)) {
        // chase: approach from the goal side of the ball
        if (mine <= 1) return STAY;
        return this.moveToward(Math.max(0, bx - 1), by);
      }
      // cover: between the ball and the own goal, in the goal mouth
      const x = Math.max(0, Math.min(bx - 2, 3));
      const y = by < GOAL_TOP ? GOAL_TOP : by > GOAL_BOTTOM ? GOAL_BOTTOM : by;
      return this.moveToward(x, y);
    }
    // ball out of sight: drop back to guard the goal mouth
    return this.moveToward((seat & 1) === 0 ? 2 : 4, 3);
  }

  /** The move (or stay) that brings the seat closest to (x, y) without walking into anyone. */
  private moveToward(x: number, y: number): number {
    const { mx, my } = this;
    let best = STAY;
    let bestD = Math.abs(mx - x) + Math.abs(my - y);
    let bestGap = -1;
    for (let i = 0; i < 4; i++) {
      const m = MOVES[i]!;
      if (!this.mask[m]) continue;
      const nx = mx + MOVE_DX[i]!;
      const ny = my + MOVE_DY[i]!;
      if (this.occupied(nx, ny)) continue;
      const d = Math.abs(nx - x) + Math.abs(ny - y);
      // prefer closing the larger gap first (a straighter run)
      const gap = MOVE_DX[i] !== 0 ? Math.abs(mx - x) : Math.abs(my - y);
      if (d < bestD || (d === bestD && best !== STAY && gap > bestGap)) {
        bestD = d;
        best = m;
        bestGap = gap;
      }
    }
    return best;
  }

  private occupied(x: number, y: number): boolean {
    if (x === this.tx && y === this.ty) return true;
    for (let i = 0; i < 2; i++) if (this.oSeen[i] && this.ox[i] === x && this.oy[i] === y) return true;
    return false;
  }

  /** Visible opponents adjacent to (x, y). */
  private pressure(x: number, y: number): number {
    let n = 0;
    for (let i = 0; i < 2; i++) if (this.oSeen[i] && chebyshev(x, y, this.ox[i]!, this.oy[i]!) <= 1) n++;
    return n;
  }

  /** No visible opponent on the line from (ax, ay) to (bx, by). */
  private lineClear(ax: number, ay: number, bx: number, by: number): boolean {
    if (chebyshev(ax, ay, bx, by) > PASS_RANGE) return false;
    for (let i = 0; i < 2; i++) if (this.oSeen[i] && onLine(ax, ay, bx, by, this.ox[i]!, this.oy[i]!)) return false;
    return true;
  }

  private shotClear(x: number, y: number): boolean {
    const gy = shotTargetY(y);
    for (let i = 0; i < 2; i++) if (this.oSeen[i] && onLine(x, y, GOAL_X, gy, this.ox[i]!, this.oy[i]!)) return false;
    return true;
  }
}

export const soccerHeuristicKind: AgentKind = {
  kind: 'heuristic',
  summary: 'scripted grid-soccer team: chase, dribble, pass and shoot from the seat’s own view',
  fits(game: GameInfo): string | null {
    return game.id.startsWith('grid-soccer') ? null : `'heuristic' only plays grid-soccer games, not ${game.id}`;
  },
  create(game: GameInfo, arg: string | undefined, _seed: number): Agent {
    if (arg !== undefined) throw new ConfigError(`agent 'heuristic' takes no argument (got 'heuristic:${arg}')`);
    const reason = soccerHeuristicKind.fits(game);
    if (reason !== null) throw new AgentMismatchError(reason);
    return new SoccerHeuristicAgent();
  },
};
