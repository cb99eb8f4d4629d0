/**
 * Finished matches: one JSON line each in `<dataDir>/matches.jsonl`, and a rated game in a league
 * when both sides are server-side agents that are members of the same league (`<runDir>#<id>`).
 * Remote clients name themselves, so their games are recorded but never rated.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../core/log.ts';
import type { MatchResult, SeatKind } from './protocol.ts';

export interface SeatRecord {
  readonly kind: SeatKind;
  readonly name: string;
  /** Agent spec of a server-side agent. */
  readonly spec?: string;
}

export interface MatchLine {
  readonly time: string;
  readonly room: string;
  readonly game: string;
  /** Index of the game in its room (rematches count up). */
  readonly gameNumber: number;
  readonly seed: number;
  readonly steps: number;
  readonly seats: readonly SeatRecord[];
  readonly result: MatchResult;
  /** Set when the game was also recorded in a league: its run folder. */
  readonly league?: string;
}

/** Appends finished matches to `<dataDir>/matches.jsonl` (writes are serialised, failures logged). */
export class MatchRecorder {
  readonly file: string;
  private readonly dir: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.dir = dataDir;
    this.file = join(dataDir, 'matches.jsonl');
  }

  record(line: MatchLine): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        await mkdir(this.dir, { recursive: true });
        await appendFile(this.file, `${JSON.stringify(line)}\n`);
      })
      .catch((err: unknown) => log.error(`cannot record a match in ${this.file}: ${(err as Error).message}`));
    return this.chain;
  }

  /** Resolves once every record so far is written. */
  flush(): Promise<void> {
    return this.chain;
  }
}

/**
 * Records a finished game in a league when each side is one league member of the same run
 * (`<runDir>#<id>`); returns the run folder, or null when the game is not a league game.
 * `teamSpecs[t]` lists the agent specs of team t's seats (null for a seat that is not a server agent).
 */
export async function rateInLeague(gameId: string, teamSpecs: readonly (readonly (string | null)[])[], result: MatchResult, seed: number): Promise<string | null> {
  if (teamSpecs.length !== 2) return null;
  const refs: { runDir: string; id: string }[] = [];
  const { parseLeagueRef } = await import('../league/member-agent.ts');
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
  const { LeagueStore } = await import('../league/store.ts');
  const store = LeagueStore.open(a.runDir, { create: false });
  try {
    if (store.info().game !== gameId) return null;
    const score = result.winnerTeam === null ? 0.5 : result.winnerTeam === 0 ? 1 : 0;
    store.recordMatch({ a: a.id, b: b.id, score, seed, side: 0, game: gameId });
    return a.runDir;
  } finally {
    store.close();
  }
}
