/**
 * `arena league status`: every member of a run's league with its role, online Elo, games played,
 * win rate against the main agent(s) and the update it was created at, best rated first.
 */
import { LeagueStore, type AgentId, type LeagueInfo, type Role } from './store.ts';

export interface MemberStatus {
  readonly id: AgentId;
  readonly role: Role;
  readonly parent: AgentId | null;
  /** Online Elo. */
  readonly rating: number;
  /** Rated games played. */
  readonly games: number;
  /** (wins + draws/2) / games of this member against the main agent(s); null when none played. */
  readonly winRateVsMain: number | null;
  readonly gamesVsMain: number;
  /** Learner update at which it was created (a learner: its latest recorded update). */
  readonly update: number;
  readonly frozen: boolean;
  readonly botSpec: string | null;
  readonly createdAt: string;
}

export interface LeagueStatus {
  readonly runDir: string;
  readonly league: Omit<LeagueInfo, 'createdAt'> & { readonly createdAt: string };
  readonly matches: number;
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
    const rows: MemberStatus[] = members.map((m) => {
      const r = ratings.get(m.id);
      const v = vsMain.get(m.id);
      return {
        id: m.id,
        role: m.role,
        parent: m.parent,
        rating: r?.rating ?? info.initialRating,
        games: r?.games ?? 0,
        winRateVsMain: v && v.games > 0 ? v.score / v.games : null,
        gamesVsMain: v?.games ?? 0,
        update: m.update,
        frozen: m.frozen,
        botSpec: m.botSpec,
        createdAt: new Date(m.createdAt).toISOString(),
      };
    });
    rows.sort((a, b) => b.rating - a.rating || a.id.localeCompare(b.id));
    return { runDir, league: { ...info, createdAt: new Date(info.createdAt).toISOString() }, matches: store.matchCount(), members: rows };
  } finally {
    store.close();
  }
}

/** Aligned text table of a league status. */
export function formatLeagueStatus(s: LeagueStatus): string {
  const head = ['member', 'role', 'elo', 'games', 'vs main', 'update', 'frozen'];
  const rows = s.members.map((m) => [
    m.id,
    m.role,
    m.rating.toFixed(0),
    String(m.games),
    m.winRateVsMain === null ? '–' : `${(100 * m.winRateVsMain).toFixed(1)}% (${m.gamesVsMain})`,
    String(m.update),
    m.frozen ? 'yes' : 'no',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const left = new Set([0, 1]);
  const line = (cells: string[]) => cells.map((x, c) => (left.has(c) ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  const title = `${s.league.path}: ${s.league.game}, ${s.members.length} members, ${s.matches} matches (online Elo, K=${s.league.k}; vs main = score against the main agent(s), draws half)`;
  return [title, line(head), ...rows.map(line)].join('\n');
}
