/**
 * League rating of hosted games: a finished game counts in a league when each side is one member of
 * the same league run (`<runDir>#<id>`), as when the trainer plays them. A room never rates a game
 * itself; the recorder (records.ts) hands every finished game here, and the store counts a game id
 * once however often it is delivered.
 */
import { parseLeagueRef } from '../league/member-agent.ts';
import { LeagueStore } from '../league/store.ts';
import type { MatchResult } from './protocol.ts';

/**
 * Records a finished game in a league when each side is one league member of the same run
 * (`<runDir>#<id>`); returns the run folder, or null when the game is not a league game.
 * `teamSpecs[t]` lists the agent specs of team t's seats (null for a seat that is not a server agent).
 * With `matchId` the game is counted once however often it is recorded.
 */
export async function rateInLeague(gameId: string, teamSpecs: readonly (readonly (string | null)[])[], result: MatchResult, seed: number, matchId?: string): Promise<string | null> {
  if (teamSpecs.length !== 2) return null;
  const refs: { runDir: string; id: string }[] = [];
  for (const specs of teamSpecs) {
    const first = specs[0];
    if (!first || specs.some((s) => s !== first)) return null;
    let ref;
    try {
      ref = parseLeagueRef(first);
    } catch {
      return null;
    }
    if (!ref) return null;
    refs.push(ref);
  }
  const [a, b] = refs as [{ runDir: string; id: string }, { runDir: string; id: string }];
  if (a.runDir !== b.runDir || a.id === b.id) return null;
  const store = LeagueStore.open(a.runDir, { create: false });
  try {
    if (store.info().game !== gameId) return null;
    const score = result.winnerTeam === null ? 0.5 : result.winnerTeam === 0 ? 1 : 0;
    const match = { a: a.id, b: b.id, score, seed, side: 0, game: gameId } as const;
    if (matchId === undefined) store.recordMatch(match);
    else store.recordMatchOnce(matchId, match);
    return a.runDir;
  } finally {
    store.close();
  }
}
