/**
 * `arena league status`: every member of a run's league with its role, Bradley–Terry rating
 * (ratings.ts: Elo scale, the random bot or else the first member at 0), games played, win rate
 * against the main agent(s) and the update it was created at, best rated first; for a run trained
 * with remote actors (`--redis`), the learner and the live actors as their heartbeats in Redis show them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActorHeartbeat, RunMeta } from '../src/selfplay/remote-protocol.ts';
import { ratingAnchor } from './ratings.ts';
import { LeagueStore, type AgentId, type LeagueInfo, type Role } from './store.ts';

export interface MemberStatus {
  readonly id: AgentId;
  readonly role: Role;
  readonly parent: AgentId | null;
  /** Bradley–Terry rating, Elo scale, relative to the league's anchor member. */
  readonly rating: number;
  /** Rated games played. */
  readonly games: number;
  /** (wins + draws/2) / games of this member against the main agent(s); null when none played. */
  readonly winRateVsMain: number | null;
  readonly gamesVsMain: number;
  /** Learner update at which it was created (a learner: its latest recorded update). */
  readonly update: number;
  /** A learner's environment steps and resets so far (from the trainer's `learners.json`); null for frozen members. */
  readonly steps: number | null;
  readonly resets: number | null;
  readonly frozen: boolean;
  readonly botSpec: string | null;
  readonly createdAt: string;
}

export interface LeagueStatus {
  readonly runDir: string;
  readonly league: Omit<LeagueInfo, 'createdAt'> & { readonly createdAt: string };
  /** Games recorded, self-play included. */
  readonly games: number;
  /** The member rated 0 (null for a league without members). */
  readonly anchor: AgentId | null;
  /** Database and write-ahead log, bytes. */
  readonly storeBytes: number;
  readonly members: MemberStatus[];
}

/** Reads a run's league (without creating one): throws NO_LEAGUE when the folder has none. */
export function leagueStatus(runDir: string): LeagueStatus {
  const store = LeagueStore.open(runDir, { create: false });
  try {
    const info = store.info();
    const ratings = new Map(store.ratings().map((r) => [r.id, r]));
    const members = store.listMembers();
    const mains = new Set(members.filter((m) => m.role === 'main').map((m) => m.id));
    const vsMain = new Map<AgentId, { games: number; score: number }>();
    for (const p of store.payoffs()) {
      if (!mains.has(p.b) || mains.has(p.a)) continue;
      const v = vsMain.get(p.a) ?? { games: 0, score: 0 };
      v.games += p.games;
      v.score += p.wins + p.draws / 2;
      vsMain.set(p.a, v);
    }
    const progress = learnerProgress(runDir);
    const rows: MemberStatus[] = members.map((m) => {
      const r = ratings.get(m.id);
      const v = vsMain.get(m.id);
      const l = progress.get(m.id);
      return {
        id: m.id,
        role: m.role,
        parent: m.parent,
        rating: r?.rating ?? 0,
        games: r?.games ?? 0,
        winRateVsMain: v && v.games > 0 ? v.score / v.games : null,
        gamesVsMain: v?.games ?? 0,
        update: Math.max(m.update, l?.update ?? 0),
        steps: l?.steps ?? null,
        resets: l?.resets ?? null,
        frozen: m.frozen,
        botSpec: m.botSpec,
        createdAt: new Date(m.createdAt).toISOString(),
      };
    });
    rows.sort((a, b) => b.rating - a.rating || a.id.localeCompare(b.id));
    return {
      runDir,
      league: { ...info, createdAt: new Date(info.createdAt).toISOString() },
      games: store.gameCount(),
      anchor: ratingAnchor(members),
      storeBytes: store.sizeBytes(),
      members: rows,
    };
  } finally {
    store.close();
  }
}

/** What the trainer last wrote of its learners (`learners.json`, at every checkpoint); empty when absent or unreadable. */
function learnerProgress(runDir: string): Map<AgentId, { update: number; steps: number; resets: number }> {
  const file = join(runDir, LEARNERS_FILE);
  const out = new Map<AgentId, { update: number; steps: number; resets: number }>();
  if (!existsSync(file)) return out;
  try {
    const rows = JSON.parse(readFileSync(file, 'utf8')) as { id: string; update: number; steps: number; resets: number }[];
    for (const r of rows) if (typeof r.id === 'string' && Number.isFinite(r.steps)) out.set(r.id, { update: r.update, steps: r.steps, resets: r.resets });
  } catch {
    // a torn or foreign file: the status still shows what the league holds
  }
  return out;
}

/** The trainer's per-learner progress file in a run folder. */
export const LEARNERS_FILE = 'learners.json';

/** Where a run with remote actors (`--redis`) records its Redis address and run name. */
export const REMOTE_FILE = 'remote.json';

/** Aligned text table of a league status. */
export function formatLeagueStatus(s: LeagueStatus): string {
  const head = ['member', 'role', 'elo', 'games', 'vs main', 'update', 'steps', 'frozen'];
  const rows = s.members.map((m) => [
    m.id,
    m.role,
    m.rating.toFixed(0),
    String(m.games),
    m.winRateVsMain === null ? '–' : `${(100 * m.winRateVsMain).toFixed(1)}% (${m.gamesVsMain})`,
    String(m.update),
    m.steps === null ? '' : String(m.steps),
    m.frozen ? 'yes' : 'no',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const left = new Set([0, 1]);
  const line = (cells: string[]) => cells.map((x, c) => (left.has(c) ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  const mb = (s.storeBytes / 2 ** 20).toFixed(1);
  const scale = s.anchor === null ? 'Bradley–Terry Elo' : `Bradley–Terry Elo, ${s.anchor} = 0`;
  const title = `${s.league.path}: ${s.league.game}, ${s.members.length} members, ${s.games} games, ${mb} MB (${scale}; vs main = score against the main agent(s), draws half)`;
  return [title, line(head), ...rows.map(line)].join('\n');
}

/** A run's remote actors as Redis shows them (a run trained with `--redis`). */
export interface RemoteStatus {
  readonly url: string;
  readonly run: string;
  /** The learner's meta (null: no learner right now). */
  readonly learner: RunMeta | null;
  /** Live actors (unexpired heartbeats). */
  readonly actors: readonly ActorHeartbeat[];
  /** Why Redis could not be read (then learner and actors are unknown). */
  readonly error: string | null;
}

/** The Redis address and run name a run folder recorded (`remote.json`), or null for a run without remote actors. */
export function readRemoteFile(runDir: string): { url: string; run: string } | null {
  const file = join(runDir, REMOTE_FILE);
  if (!existsSync(file)) return null;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown; run?: unknown };
    return typeof r.url === 'string' && typeof r.run === 'string' ? { url: r.url, run: r.run } : null;
  } catch {
    return null;
  }
}

/** Text lines for a run's remote actors. */
export function formatRemoteStatus(r: RemoteStatus, now = Date.now()): string {
  const where = `run '${r.run}' on ${r.url}`;
  if (r.error) return `remote actors of ${where}: unknown (${r.error})`;
  const l = r.learner;
  const learner = l ? `learner session ${l.session} on ${l.learner.host} (pid ${l.learner.pid}), ${l.state}` : 'no learner right now';
  const title = `remote actors of ${where}: ${learner}; ${r.actors.length} actor(s) live`;
  if (!r.actors.length) return title;
  const head = ['actor', 'host', 'pid', 'workers', 'segments', 'failed', 'running', 'last version', 'up'];
  const age = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)}s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)}m` : `${(ms / 3_600_000).toFixed(1)}h`);
  const rows = [...r.actors]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((a) => [a.id, a.host, String(a.pid), String(a.workers), String(a.segments), String(a.failed), String(a.running), a.lastVersion === null ? '–' : String(a.lastVersion), age(now - a.startedAt)]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((x) => x[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => (c < 2 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  return [title, line(head), ...rows.map(line)].join('\n');
}
