/**
 * Crash safety of league.db: a child process adds snapshots and records batches of matches in a
 * tight loop, printing ids only after each commit; it is killed with SIGKILL at a random moment,
 * several times over the same database. Afterwards every reported match and snapshot must be there,
 * no batch may be partial, ratings must equal a replay of the stored matches, and SQLite's
 * integrity check must pass.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { eloUpdate } from '../../league/ratings.ts';
import { LeagueStore } from '../../league/store.ts';

const STORE_URL = pathToFileURL(join(import.meta.dirname, '../../league/store.ts')).href;
const BATCH = 5;
const BLOB = 50_000;

/** The writer: argv = [dir, first batch number]. */
const CHILD = `
import { LeagueStore } from ${JSON.stringify(STORE_URL)};
const [dir, first] = process.argv.slice(-2);
const store = LeagueStore.open(dir, { game: 'crash-test-v1' });
if (!store.hasMember('main')) {
  store.addMember({ id: 'main', role: 'main' });
  store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
}
const blob = (n) => { const b = new Uint8Array(${BLOB}); for (let i = 0; i < b.length; i++) b[i] = (i * 13 + n) & 255; return b; };
let opponent = 'bot:random';
for (let batch = Number(first); ; batch++) {
  if (batch % 4 === 0) {
    opponent = 'main@' + batch;
    store.addMember({ id: opponent, role: 'snapshot', parent: 'main', update: batch, snapshot: blob(batch) });
    process.stdout.write('member ' + opponent + '\\n');
  }
  const ms = [];
  for (let i = 0; i < ${BATCH}; i++) ms.push({ a: 'main', b: i % 2 ? opponent : 'bot:random', score: [1, 0.5, 0][(batch + i) % 3], seed: batch * 10 + i });
  const recs = store.recordMatches(ms);
  process.stdout.write('matches ' + recs.map((r) => r.id).join(' ') + '\\n');
}
`;

function blobOf(n: number): Uint8Array {
  const b = new Uint8Array(BLOB);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + n) & 255;
  return b;
}

/** Runs the writer until it has reported `minCommits` commits, waits `delayMs` more, then SIGKILLs it. */
function runAndKill(dir: string, first: number, minCommits: number, delayMs: number): Promise<{ matches: number[]; members: string[] }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, '--', dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const matches: number[] = [];
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
        if (kind === 'matches') matches.push(...rest.map(Number));
        else if (kind === 'member') members.push(rest[0]!);
        commits++;
      }
      if (commits >= minCommits && !killScheduled) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}: ${err}`));
      else resolveRun({ matches, members });
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('league.db survives kill -9 at random moments', () => {
  it('keeps every committed match and snapshot, and nothing half-written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arena-crash-'));
    dirs.push(dir);
    const rng = new Rng(2024);
    const reportedMatches = new Set<number>();
    const reportedMembers = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const r = await runAndKill(dir, round * 100_000, 1 + rng.int(20), rng.int(60));
      expect(r.matches.length + r.members.length).toBeGreaterThan(0);
      r.matches.forEach((id) => reportedMatches.add(id));
      r.members.forEach((id) => reportedMembers.add(id));

      const store = LeagueStore.open(dir);
      try {
        expect(store.integrityCheck()).toBe('ok');
        const matches = store.matches();
        const ids = new Set(matches.map((m) => m.id));
        for (const id of reportedMatches) expect(ids.has(id)).toBe(true);
        // batches are all-or-nothing
        const perBatch = new Map<number, number>();
        for (const m of matches) perBatch.set(Math.floor(m.seed! / 10), (perBatch.get(Math.floor(m.seed! / 10)) ?? 0) + 1);
        for (const n of perBatch.values()) expect(n).toBe(BATCH);
        // every reported snapshot is there with its full blob; no snapshot is partial
        for (const id of reportedMembers) expect(store.hasMember(id)).toBe(true);
        for (const m of store.listMembers({ role: 'snapshot' })) expect(store.getSnapshot(m.id)).toEqual(blobOf(m.update));
        // ratings and payoff were committed with their matches: replaying the history reproduces them
        const elo = new Map(store.listMembers().map((m) => [m.id, 1200]));
        for (const m of matches) {
          const [a, b] = eloUpdate(elo.get(m.a)!, elo.get(m.b)!, m.score, 16);
          elo.set(m.a, a);
          elo.set(m.b, b);
        }
        for (const row of store.ratings()) expect(row.rating).toBeCloseTo(elo.get(row.id)!, 8);
        const payoffGames = store.payoffs('main').reduce((s, p) => s + p.games, 0);
        expect(payoffGames).toBe(matches.length);
      } finally {
        store.close();
      }
    }
    expect(reportedMatches.size).toBeGreaterThan(20);
  });
});
