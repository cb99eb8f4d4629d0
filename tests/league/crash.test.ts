/**
 * Crash safety of league.db: a child process (crash-writer.ts) adds snapshots and records batches
 * of games in a tight loop, reporting each only after its commit; it is killed with SIGKILL at a
 * random moment, several times over the same database. Afterwards every reported batch and snapshot must be there,
 * at most the one batch in flight beyond them (never part of a batch), the pair counts must equal a
 * replay of exactly the batches committed, and SQLite's integrity check must pass.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { LeagueStore } from '../../league/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { BATCH, batchGames, blobOf } from './crash-writer.ts';

const WRITER = join(import.meta.dirname, 'crash-writer.ts');

/** Runs the writer until it has reported `minCommits` commits, waits `delayMs` more, then SIGKILLs it. */
function runAndKill(dir: string, first: number, minCommits: number, delayMs: number): Promise<{ batches: number[]; members: string[] }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const batches: number[] = [];
    const members: string[] = [];
    let buf = '';
    let err = '';
    let commits = 0;
    let killScheduled = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [kind, ...rest] = line.split(' ');
        if (kind === 'batch') batches.push(Number(rest[0]));
        else if (kind === 'member') members.push(rest[0]!);
        commits++;
      }
      if (commits >= minCommits && !killScheduled) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    // 'close', not 'exit': 'exit' can come before the last piped lines are read, and a reported batch would be missed
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}: ${err}`));
      else resolveRun({ batches, members });
    });
  });
}

const tempDir = tempDirs('arena-crash-');

describe('league.db survives kill -9 at random moments', () => {
  it('keeps every committed batch and snapshot, and nothing half-written', async () => {
    const dir = tempDir();
    const rng = new Rng(2024);
    const reportedMembers = new Set<string>();
    /** What the pair counts must be: a replay of the committed batches, decay 0.99 as the store keeps it. */
    const expected = new Map<string, { wins: number; draws: number; losses: number; g: number; s: number }>();
    let games = 0;
    let reportedBatches = 0;
    for (let round = 0; round < 6; round++) {
      const first = round * 100_000;
      const r = await runAndKill(dir, first, 1 + rng.int(20), rng.int(60));
      expect(r.batches.length + r.members.length).toBeGreaterThan(0);
      expect(r.batches).toEqual(r.batches.map((_, i) => first + i)); // reported in order, none skipped
      reportedBatches += r.batches.length;
      r.members.forEach((id) => reportedMembers.add(id));

      const store = LeagueStore.open(dir);
      try {
        expect(store.integrityCheck()).toBe('ok');
        // whole batches only, every reported one, and at most the one in flight beyond them
        const committed = (store.gameCount() - games) / BATCH;
        expect(Number.isInteger(committed)).toBe(true);
        expect(committed - r.batches.length).toBeGreaterThanOrEqual(0);
        expect(committed - r.batches.length).toBeLessThanOrEqual(1);
        games = store.gameCount();
        for (let n = first; n < first + committed; n++) {
          for (const { b, score } of batchGames(n)) {
            const e = expected.get(b) ?? { wins: 0, draws: 0, losses: 0, g: 0, s: 0 };
            if (score === 1) e.wins++;
            else if (score === 0) e.losses++;
            else e.draws++;
            e.g = e.g * 0.99 + 1;
            e.s = e.s * 0.99 + score;
            expected.set(b, e);
          }
        }
        expect(store.payoffs('main').map((p) => p.b).sort()).toEqual([...expected.keys()].sort());
        for (const [b, e] of expected) {
          expect(store.pair('main', b)).toMatchObject({ wins: e.wins, draws: e.draws, losses: e.losses });
          expect(store.pair('main', b, { decay: 0.99 }).winRate).toBeCloseTo(e.s / e.g, 10);
        }
        // every reported snapshot is there with its full blob; no snapshot is partial
        for (const id of reportedMembers) expect(store.hasMember(id)).toBe(true);
        for (const m of store.listMembers({ role: 'snapshot' })) expect(store.getSnapshot(m.id)).toEqual(blobOf(m.update));
        expect(store.rating('bot:random').rating).toBe(0);
      } finally {
        store.close();
      }
    }
    expect(reportedBatches).toBeGreaterThan(10);
  });
});
