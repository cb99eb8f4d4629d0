/**
 * Finished matches: one JSON line each in `<dataDir>/matches.jsonl`, and a rated game in a league
 * when both sides are server-side agents that are members of the same league (`<runDir>#<id>`).
 * Remote clients name themselves, so their games are recorded but never rated.
 *
 * A room hands each finished game, with a unique id, to a `MatchSink`. One process: the
 * `MatchRecorder` below writes it. Several processes behind Redis: match-stream.ts publishes it and
 * one process writes it with `writeMatch` — which is idempotent per id (the file's ids are known, the
 * league stores the ids it rated), so a record delivered twice is written and counted once.
 */
import { appendFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { log } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { rateInLeague } from './league-rating.ts';
import type { MatchResult, SeatKind } from './protocol.ts';

export interface SeatRecord {
  readonly kind: SeatKind;
  readonly name: string;
  /** Agent spec of a server-side agent. */
  readonly spec?: string;
}

export interface MatchLine {
  /** Unique id of this game (a record delivered twice is written once). */
  readonly id: string;
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

/** A finished game as a room reports it (its league, if any, is found when it is written). */
export type FinishedMatch = Omit<MatchLine, 'league'>;

/** A finished game read back from elsewhere (the Redis stream): checked before it is rated or written. */
export const finishedMatchSchema = z.object({
  id: z.string().min(1).max(100),
  time: z.string(),
  room: z.string(),
  game: z.string(),
  gameNumber: z.number().int().nonnegative(),
  seed: z.number(),
  steps: z.number().int().nonnegative(),
  seats: z.array(z.object({ kind: z.enum(['human', 'bot', 'agent', 'empty']), name: z.string(), spec: z.string().optional() })),
  result: z.object({
    returns: z.array(z.number()),
    winnerTeam: z.number().int().nullable(),
    forfeit: z.object({ seat: z.number().int(), team: z.number().int(), reason: z.string() }).optional(),
    gameKey: z.string().optional(),
  }),
}) satisfies z.ZodType<FinishedMatch>;

/** Where rooms send finished games. */
export interface MatchSink {
  /** Takes a finished game; resolves once it is written (or handed on); failures are logged, never thrown. */
  record(m: FinishedMatch): Promise<void>;
  /** Resolves once every game recorded so far is written (or handed on). */
  flush(): Promise<void>;
}

/** Bytes at the end of matches.jsonl read for the ids of recent games. */
const TAIL_BYTES = 16 * 1024 * 1024;
/** Ids of recent games kept in memory (a redelivered record is one written shortly before its redelivery). */
const RECENT_IDS = 200_000;

/**
 * `<dataDir>/matches.jsonl` and the ids of the games written last. A record comes again only soon
 * after it was written (a writer that died before acknowledging it, a publish resent after a
 * reconnection), so the last RECENT_IDS ids are enough to write each game once, whatever the file's size.
 */
export class MatchFile {
  readonly path: string;
  private readonly dir: string;
  private readonly ids = new Set<string>();

  constructor(dataDir: string) {
    this.dir = dataDir;
    this.path = join(dataDir, 'matches.jsonl');
  }

  /**
   * Reads the ids of the games at the end of the file (a single process writing each game once
   * needs no ids and never calls this). A last line cut short by a crash is removed first, so that
   * game is written again, whole.
   */
  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const fh = await open(this.path, 'a+');
    let tail: string;
    try {
      const size = (await fh.stat()).size;
      const start = Math.max(0, size - TAIL_BYTES);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const end = buf.lastIndexOf(0x0a) + 1;
      if (end < buf.length) {
        await fh.truncate(start + end);
        log.warn(`${this.path}: removed a last line cut short (a crash while writing); that game is written again when its record is redelivered`);
      }
      tail = buf.subarray(0, end).toString('utf8');
      if (start > 0) tail = tail.slice(tail.indexOf('\n') + 1); // the first line may be partial
    } finally {
      await fh.close();
    }
    this.ids.clear();
    for (const line of tail.split('\n')) {
      if (!line) continue;
      try {
        const id = (JSON.parse(line) as { id?: unknown }).id;
        if (typeof id === 'string') this.remember(id);
      } catch {
        // a line written by hand or by an older version: not ours to judge
      }
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  async append(line: MatchLine): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.path, `${JSON.stringify(line)}\n`);
    this.remember(line.id);
  }

  private remember(id: string): void {
    this.ids.add(id);
    if (this.ids.size > RECENT_IDS) this.ids.delete(this.ids.values().next().value!);
  }
}

/**
 * Writes one finished game: rated in its league (once per id) when it is a league game, then
 * appended to `file` unless the file has it already. Throws when the file cannot be written (the
 * caller keeps the record to retry); a failed rating is logged and the game is written unrated.
 */
export async function writeMatch(m: FinishedMatch, file: MatchFile | null): Promise<MatchLine> {
  let league: string | null = null;
  try {
    const teams = getGame(m.game).info.teams;
    const specs = teams.map((team) => team.map((s) => m.seats[s]?.spec ?? null));
    league = await rateInLeague(m.game, specs, m.result, m.seed, m.id);
  } catch (err) {
    log.warn(`room ${m.room}: cannot rate game ${m.id} in its league: ${(err as Error).message}`);
  }
  const line: MatchLine = { ...m, ...(league ? { league } : {}) };
  if (file && !file.has(line.id)) await file.append(line);
  return line;
}

/** One process: rates and appends each finished game here (writes are serialised, failures logged). */
export class MatchRecorder implements MatchSink {
  /** matches.jsonl, or null when games are only rated (no data folder). */
  readonly file: string | null;
  private readonly out: MatchFile | null;
  private chain: Promise<void> = Promise.resolve();

  constructor(dataDir: string | null) {
    this.out = dataDir === null ? null : new MatchFile(dataDir);
    this.file = this.out?.path ?? null;
  }

  record(m: FinishedMatch): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        await writeMatch(m, this.out);
      })
      .catch((err: unknown) => log.error(`cannot record a match in ${this.file}: ${(err as Error).message}`));
    return this.chain;
  }

  /** Resolves once every record so far is written. */
  flush(): Promise<void> {
    return this.chain;
  }
}
