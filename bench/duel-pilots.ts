/**
 * `npm run bench:duel-pilots [-- OPPONENT…]`: what acting in duel's opponent frame (games/duel.ts
 * `OPPONENT_FRAME`, the `actionFrame: "opponent"` a policy may train in) makes simple: three hand-written
 * pilots whose every vector goes through the frame, against each opponent (default `duel-scripted`, the
 * held-out evaluation bot, and `duel-gunner`), BENCH_GAMES games each (default 100; seeded starts, sides
 * alternating, as `arena match`):
 *
 *  - `aim`: aim component 0 (the lead bearing itself), fire when the gun is within 0.06 rad of it, no thrust;
 *  - `aim+strafe`: and full sideways thrust, reversed at the walls;
 *  - `aim+strafe+dodge`: and the sideways thrust reversed when the opponent's cooldown falls to one tick
 *    (its next shot can come now: a ship that flies on is where a full-lead shot is aimed).
 *
 * Each is a few lines in the frame (a sign, a threshold), where the game's own frame needs the bearing's
 * perpendicular and the lead's angle: what a small network can learn in it is the question the training
 * runs answer (README, "Duel").
 */
import { createAgent } from '../agents/index.ts';
import type { Agent, GameState, Seat } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { ARENA_HEIGHT, ARENA_WIDTH, COOLDOWN_TICKS, FIRE, OBS_BEARING, OBS_SIZE, OPPONENT_FRAME, SHIP_RADIUS } from '../games/duel.ts';
import { getGame } from '../games/index.ts';
import { playSeries } from '../src/eval/match.ts';
import { markdownTable } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 100);
/** Observation scales (games/duel.ts): positions ×10. */
const POS = 10;
/** Fire when the gun is this close to the lead bearing, radians. */
const FIRE_WITHIN = 0.06;
/** Reverse the strafe this far from a wall (centre), units. */
const WALL_X = ARENA_WIDTH / 2 - SHIP_RADIUS - 1;
const WALL_Y = ARENA_HEIGHT / 2 - SHIP_RADIUS - 1;

type Mode = 'aim' | 'aim+strafe' | 'aim+strafe+dodge';

/** A pilot acting in the opponent frame: (toward, sideways, aim offset, fire). */
class FramePilot implements Agent {
  readonly name: string;
  private readonly mode: Mode;
  private readonly obs = new Float32Array(OBS_SIZE);
  private readonly vector = new Float32Array(4);
  private side = 1;
  private lastCooldown = 0;

  constructor(mode: Mode) {
    this.mode = mode;
    this.name = `frame-${mode}`;
  }

  reset(): void {
    this.side = 1;
    this.lastCooldown = 0;
  }

  act(): number {
    throw new Error('a duel pilot plays action vectors');
  }

  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const o = this.obs;
    state.observe(seat, o);
    const cooldown = o[14]! * COOLDOWN_TICKS;
    if (this.mode === 'aim+strafe+dodge' && cooldown <= 1 + 1e-6 && this.lastCooldown > 1 + 1e-6) this.side = -this.side;
    this.lastCooldown = cooldown;
    // sideways is the direction to the opponent turned a quarter turn clockwise: (−uy, ux)
    const d = Math.hypot(o[8]!, o[9]!) || 1;
    const sx = -o[9]! / d;
    const sy = o[8]! / d;
    const x = o[0]! * POS;
    const y = o[1]! * POS;
    const into = (s: number) => (sx * s > 0 && x > WALL_X) || (sx * s < 0 && x < -WALL_X) || (sy * s > 0 && y > WALL_Y) || (sy * s < 0 && y < -WALL_Y);
    if (this.mode !== 'aim' && into(this.side)) this.side = -this.side;
    const v = this.vector;
    v[0] = 0;
    v[1] = this.mode === 'aim' ? 0 : this.side;
    v[2] = 0; // the lead bearing itself
    v[FIRE] = Math.abs(o[OBS_BEARING + 2]!) * Math.PI < FIRE_WITHIN ? 1 : -1;
    OPPONENT_FRAME.toGame(o, v, out);
  }
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const game = getGame('duel');
  const opponents = process.argv.slice(2).filter((a) => a !== '--');
  const rows: string[][] = [];
  for (const spec of opponents.length > 0 ? opponents : ['duel-scripted', 'duel-gunner']) {
    for (const mode of ['aim', 'aim+strafe', 'aim+strafe+dodge'] as const) {
      const opponent = await createAgent(spec, game.info, 1);
      const r = playSeries({ game, agents: [new FramePilot(mode), opponent], games: GAMES, seed: 0 });
      const [lo, hi] = r.scoreInterval;
      rows.push([`\`${mode}\``, `\`${spec}\``, `${r.wins[0]}–${r.draws}–${r.wins[1]}`, `${(100 * r.score).toFixed(1)}% (${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%)`, String(r.distinct)]);
    }
  }
  console.log(`duel: hand-written pilots acting in the opponent frame, ${GAMES} games each (sides alternate, seed 0)\n`);
  console.log(markdownTable(['pilot', 'opponent', 'won–drawn–lost', 'score (95% CI)', 'distinct games'], rows));
}

await main();
