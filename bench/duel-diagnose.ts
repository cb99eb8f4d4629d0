/**
 * `npm run bench:duel-diagnose -- AGENT [OPPONENT…]`: what a duel agent does against each opponent
 * (default `duel-scripted` and `duel-gunner`), from the games alone — where `arena match` gives only
 * the score. AGENT is any agent spec (`runs/duel`, `greedy:runs/duel`, `duel-gunner`…).
 *
 * Per opponent, BENCH_GAMES games (default 40; seeded starts, sides alternating, as `arena match`):
 *  - won–drawn–lost, hits landed and taken per game, ticks per game;
 *  - the share of the agent's shots that hit, and of the opponent's shots that hit the agent (how well
 *    it dodges: a ship that flies on when a full-lead shooter fires is hit by nearly every shot);
 *  - aim: at every tick where the agent pulls the trigger with its gun cooled down, how far its aim
 *    (the action) and its gun (the heading) are from the lead bearing (observation 28, the heading of a
 *    shot that meets the opponent if it flies on) — medians, radians; and over every tick, the slope and
 *    correlation of its aim on the lead bearing (1 and 1: it aims where the observation says);
 *  - movement: its mean speed (units/s; top speed 5.4).
 */
import { createAgent } from '../agents/index.ts';
import type { Agent, GameState, Seat } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { AIM, COOLDOWN_TICKS, FIRE, MAX_HP, MAX_SPEED, OBS_BEARING, OBS_SIZE, type DuelState } from '../games/duel.ts';
import { getGame } from '../games/index.ts';
import { selectBackend } from '../src/backend.ts';
import { Match } from '../src/eval/match.ts';
import { markdownTable } from './lib.ts';

const GAMES = Number(process.env['BENCH_GAMES'] ?? 40);

/** Wraps an agent: records, at each of its ticks, its aim against the lead bearing and its speed. */
class Watched implements Agent {
  readonly name: string;
  readonly inner: Agent;
  private readonly obs = new Float32Array(OBS_SIZE);
  /** (lead bearing, aim) per tick, both / π. */
  readonly pairs: [number, number][] = [];
  /** At each trigger pull with the gun cooled: |aim − lead| and |gun − lead|, radians. */
  readonly aimErr: number[] = [];
  readonly gunErr: number[] = [];
  speed = 0;
  ticks = 0;

  constructor(inner: Agent) {
    this.inner = inner;
    this.name = inner.name;
  }

  reset(seed: number): void {
    this.inner.reset?.(seed);
  }

  act(state: GameState, seat: Seat): number {
    return this.inner.act(state, seat);
  }

  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    this.inner.actContinuous!(state, seat, out);
    const o = this.obs;
    state.observe(seat, o);
    const lead = o[OBS_BEARING + 1]!;
    const aim = Math.max(-1, Math.min(1, out[AIM]!));
    this.pairs.push([lead, aim]);
    this.speed += Math.hypot(o[2]!, o[3]!) * MAX_SPEED;
    this.ticks++;
    // cooldowns fall by 1 before firing: a gun at 1 fires this tick
    if (out[FIRE]! > 0 && Math.round(o[6]! * COOLDOWN_TICKS) <= 1) {
      const d = Math.abs(aim - lead);
      this.aimErr.push(Math.PI * Math.min(d, 2 - d));
      this.gunErr.push(Math.PI * Math.abs(o[OBS_BEARING + 2]!));
    }
  }
}

function pct(n: number, of: number): string {
  return of === 0 ? '–' : `${((100 * n) / of).toFixed(0)}%`;
}

function median(x: readonly number[]): number {
  if (x.length === 0) return NaN;
  const s = [...x].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Least-squares slope and correlation of y on x. */
function fit(pairs: readonly [number, number][]): { slope: number; corr: number } {
  const n = pairs.length;
  const mx = pairs.reduce((a, p) => a + p[0], 0) / n;
  const my = pairs.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return { slope: sxy / sxx, corr: sxy / Math.sqrt(sxx * syy) };
}

async function main(): Promise<void> {
  setLogLevel('warn');
  await selectBackend('auto');
  const [spec, ...rest] = process.argv.slice(2);
  if (!spec) throw new Error('usage: npm run bench:duel-diagnose -- AGENT [OPPONENT…] (e.g. runs/duel duel-scripted)');
  const opponents = rest.length > 0 ? rest : ['duel-scripted', 'duel-gunner'];
  const game = getGame('duel');
  const rows: string[][] = [];
  for (const name of opponents) {
    const me = new Watched(await createAgent(spec, game.info, 1));
    const them = new Watched(await createAgent(name, game.info, 2));
    const match = new Match({ state: game.newState(0), seed: 0, openingPlies: 0 });
    let won = 0;
    let drawn = 0;
    let lost = 0;
    let landed = 0;
    let taken = 0;
    let ticks = 0;
    for (let g = 0; g < GAMES; g++) {
      const side = g % 2;
      match.start(g);
      me.reset(match.agentSeed(0));
      them.reset?.(match.agentSeed(1));
      const { returns } = match.play(side === 0 ? [me, them] : [them, me]);
      const s = match.state as DuelState;
      landed += MAX_HP - s.ship(1 - side).hp;
      taken += MAX_HP - s.ship(side).hp;
      ticks += s.stepCount();
      const r = returns[side]!;
      if (r > 0) won++;
      else if (r < 0) lost++;
      else drawn++;
    }
    const { slope, corr } = fit(me.pairs);
    rows.push([
      name,
      `${won}–${drawn}–${lost}`,
      (landed / GAMES).toFixed(2),
      (taken / GAMES).toFixed(2),
      (ticks / GAMES).toFixed(1),
      (me.aimErr.length / GAMES).toFixed(1),
      pct(landed, me.aimErr.length),
      pct(taken, them.aimErr.length),
      median(me.aimErr).toFixed(3),
      median(me.gunErr).toFixed(3),
      slope.toFixed(2),
      corr.toFixed(2),
      (me.speed / me.ticks).toFixed(2),
    ]);
    them.inner.dispose?.();
  }
  console.log(`# bench:duel-diagnose — ${spec}, ${GAMES} games per opponent (seeded starts, sides alternating)\n`);
  console.log(
    markdownTable(
      ['opponent', 'won–drawn–lost', 'hits landed / game', 'taken / game', 'ticks / game', 'shots / game', 'its shots that hit', "opponent's shots that hit it", 'aim off lead, median (rad)', 'gun off lead, median (rad)', 'aim-on-lead slope', 'corr', 'mean speed'],
      rows,
    ),
  );
}

await main();
