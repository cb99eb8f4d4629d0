/**
 * The writer process of crash.test.ts: `node crash-writer.ts <dir> <first batch>` adds a snapshot
 * every 4 batches and records batches of games in a tight loop, reporting each on stdout only after
 * its commit, until it is killed. The test replays `batchGames` to know what each batch holds.
 */
import { LeagueStore } from '../../league/store.ts';

export const BATCH = 5;
export const BLOB = 50_000;

/** Games of batch n (n counts up from a multiple of 4): main against the random bot and its latest snapshot. */
export function batchGames(n: number): { b: string; score: 1 | 0.5 | 0 }[] {
  const opponent = `main@${n - (n % 4)}`;
  return Array.from({ length: BATCH }, (_, i) => ({ b: i % 2 ? opponent : 'bot:random', score: ([1, 0.5, 0] as const)[(n + i) % 3]! }));
}

/** Snapshot bytes of the snapshot taken at batch n. */
export function blobOf(n: number): Uint8Array {
  const b = new Uint8Array(BLOB);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + n) & 255;
  return b;
}

if (import.meta.main) {
  const [dir, first] = process.argv.slice(-2) as [string, string];
  const store = LeagueStore.open(dir, { game: 'crash-test-v1' });
  if (!store.hasMember('main')) {
    store.addMember({ id: 'main', role: 'main' });
    store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
  }
  for (let batch = Number(first); ; batch++) {
    if (batch % 4 === 0) {
      const id = `main@${batch}`;
      store.addMember({ id, role: 'snapshot', parent: 'main', update: batch, snapshot: blobOf(batch) });
      process.stdout.write(`member ${id}\n`);
    }
    store.recordMatches(batchGames(batch).map((g) => ({ a: 'main', ...g })));
    process.stdout.write(`batch ${batch}\n`);
  }
}
