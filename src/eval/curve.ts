/**
 * A learner's strength over its run: the league snapshots it left at regular wall-clock marks (every
 * N minutes of training), each played against reference bots in a paired series from random openings
 * (`playSeries`, the games `arena match` plays), scores with intervals over distinct games. This is
 * how runs of different settings are compared at equal time (synchronous vs asynchronous, with or
 * without exploiters): the training's own evaluations sample from the learner, these can play greedily.
 *
 * A snapshot's time is read from the learner's metrics: the `time/elapsed_s` of the rows around its
 * update, interpolated (a snapshot is taken right after its update). Runs resumed with `--resume`
 * carry their elapsed time on, so marks count training time, not the gaps between sessions.
 */
import { join } from 'node:path';
import { createAgent } from '../../agents/index.ts';
import { ArenaError, ConfigError, type Agent, type Game } from '../../core/index.ts';
import { LEARNER_ROLES, LeagueStore, type AgentId } from '../../league/store.ts';
import { readMetrics } from '../metrics.ts';
import { playSeries } from './match.ts';
import type { OpeningScheme } from './openings.ts';

export interface CurveMark {
  /** The mark, minutes of training. */
  readonly minute: number;
  /** The learner's last snapshot taken at or before the mark. */
  readonly member: AgentId;
  readonly update: number;
  /** When that snapshot was taken, seconds of training. */
  readonly elapsedS: number;
}

export interface CurvePoint extends CurveMark {
  readonly run: string;
  readonly vs: string;
  readonly games: number;
  readonly distinct: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /** (wins + draws / 2) / games. */
  readonly score: number;
  /** 95% Wilson interval over the distinct games. */
  readonly lo: number;
  readonly hi: number;
}

/** Folder of a learner's metrics: the run itself for `main`, `learners/<id>` for the others. */
export function learnerDir(runDir: string, learner: AgentId): string {
  return learner === 'main' ? runDir : join(runDir, 'learners', learner);
}

/** (update, elapsed seconds) of a learner's metrics rows, in update order. */
function elapsedByUpdate(runDir: string, learner: AgentId): { update: number; s: number }[] {
  const rows = readMetrics(learnerDir(runDir, learner));
  const out: { update: number; s: number }[] = [];
  for (const r of rows) {
    const u = r['update'];
    const s = r['time/elapsed_s'];
    if (typeof u === 'number' && typeof s === 'number' && (out.length === 0 || u > out[out.length - 1]!.update)) out.push({ update: u, s });
  }
  if (out.length === 0) throw new ArenaError('NO_METRICS', `${runDir}: learner '${learner}' has no metrics rows with update and time/elapsed_s`);
  return out;
}

/** Seconds of training at `update`, interpolated between the metrics rows around it. */
function elapsedAt(rows: readonly { update: number; s: number }[], update: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  if (update <= rows[0]!.update) return rows[0]!.s * (update / Math.max(1, rows[0]!.update));
  if (update >= rows[hi]!.update) return rows[hi]!.s;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.update <= update) lo = mid;
    else hi = mid;
  }
  const a = rows[lo]!;
  const b = rows[hi]!;
  return a.s + ((b.s - a.s) * (update - a.update)) / (b.update - a.update);
}

/**
 * The marks every `everyMinutes` of a run's training (up to its last snapshot), each with the
 * learner's latest snapshot at that time. A mark before the learner's first snapshot is left out.
 */
export function curveMarks(runDir: string, learner: AgentId, everyMinutes: number): CurveMark[] {
  if (!(everyMinutes > 0)) throw new ConfigError(`curve: the interval between marks must be positive minutes, got ${everyMinutes}`);
  const store = LeagueStore.open(runDir, { create: false });
  let snaps;
  try {
    const known = store.listMembers({ role: LEARNER_ROLES }).map((m) => m.id);
    if (!known.includes(learner)) throw new ConfigError(`curve: ${runDir} has no learner '${learner}'; its learners: ${known.join(', ')}`);
    snaps = store.listMembers({ role: 'snapshot', parent: learner }).sort((a, b) => a.update - b.update);
  } finally {
    store.close();
  }
  if (snaps.length === 0) throw new ArenaError('NO_SNAPSHOT', `curve: learner '${learner}' of ${runDir} has no snapshots yet`);
  const rows = elapsedByUpdate(runDir, learner);
  const timed = snaps.map((m) => ({ member: m.id, update: m.update, elapsedS: elapsedAt(rows, m.update) }));
  // marks up to the run's end (its last metrics row, half a minute's grace for a run stopped by its clock)
  const end = rows[rows.length - 1]!.s + 30;
  const marks: CurveMark[] = [];
  for (let k = 1; k * everyMinutes * 60 <= end; k++) {
    const t = k * everyMinutes * 60;
    let pick: (typeof timed)[number] | undefined;
    for (const s of timed) if (s.elapsedS <= t + 1) pick = s;
    if (pick) marks.push({ minute: k * everyMinutes, ...pick });
  }
  return marks;
}

export interface CurveOptions {
  readonly game: Game;
  /** Run folders with a league (`arena train --league`). */
  readonly runs: readonly string[];
  /** Reference bots (agent specs) every mark plays. */
  readonly bots: readonly string[];
  readonly everyMinutes: number;
  readonly games: number;
  readonly learner?: AgentId;
  /** Play the snapshots greedily (the default) or sampling from them. */
  readonly greedy?: boolean;
  readonly seed?: number;
  readonly openingPlies?: number;
  readonly openings?: OpeningScheme;
  /** Called once the marks are known, with the number of games to play (for a progress bar). */
  readonly onStart?: (totalGames: number) => void;
  readonly onGame?: (done: number, label: string) => void;
}

/** Every run's marks against every bot. */
export async function runCurve(opts: CurveOptions): Promise<CurvePoint[]> {
  if (opts.runs.length === 0) throw new ConfigError('curve: name at least one run folder');
  if (opts.bots.length === 0) throw new ConfigError('curve: name at least one reference bot (--vs), e.g. alphabeta:3');
  const learner = opts.learner ?? 'main';
  const seed = opts.seed ?? 0;
  const plan = opts.runs.map((run) => ({ run, marks: curveMarks(run, learner, opts.everyMinutes) }));
  opts.onStart?.(plan.reduce((a, p) => a + p.marks.length, 0) * opts.bots.length * opts.games);
  const points: CurvePoint[] = [];
  let done = 0;
  for (const { run, marks } of plan) {
    for (const mark of marks) {
      const spec = `${opts.greedy === false ? '' : 'greedy:'}${run}#${mark.member}`;
      for (const vs of opts.bots) {
        const agents: [Agent, Agent] = [await createAgent(spec, opts.game.info, seed * 2 + 1), await createAgent(vs, opts.game.info, seed * 2 + 2)];
        try {
          const before = done;
          const r = playSeries({
            game: opts.game,
            agents,
            games: opts.games,
            seed,
            ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
            ...(opts.openings !== undefined ? { openings: opts.openings } : {}),
            onGame: (g) => opts.onGame?.((done = before + g), `${run} ${mark.minute} min vs ${vs}`),
          });
          points.push({ ...mark, run, vs, games: r.games, distinct: r.distinct, wins: r.wins[0], draws: r.draws, losses: r.wins[1], score: r.score, lo: r.scoreInterval[0], hi: r.scoreInterval[1] });
        } finally {
          for (const a of agents) a.dispose?.();
        }
      }
    }
  }
  return points;
}
