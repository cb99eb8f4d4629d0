import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ActorPool } from '../../src/selfplay/pool.ts';
import { niceThisThread, threadId } from '../../src/selfplay/thread-priority.ts';

/** Nice value of every thread of this process, by task id (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: split after its closing parenthesis
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(rest[16]));
  }
  return out;
}

const linux = threadId() !== null;
const pools: ActorPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.destroy();
});

describe.skipIf(!linux)('actor thread priority (Linux)', () => {
  it('the main thread knows its own task id', () => {
    expect(threadId()).toBe(process.pid);
  });

  it('a pool with nice 7 runs its worker threads at 7 and leaves the others alone', async () => {
    const before = threadNice();
    const pool = new ActorPool({ workers: 2, nice: 7 });
    pools.push(pool);
    // the pool's threads start with it and lower themselves as they load their module
    const lowered = () => [...threadNice()].filter(([tid, n]) => n === 7 && !before.has(tid));
    await expect.poll(() => lowered().length, { timeout: 20_000 }).toBe(2);
    const after = threadNice();
    expect(after.get(process.pid)).toBe(0);
    // no thread that existed before changed
    for (const [tid, n] of before) if (after.has(tid)) expect(after.get(tid)).toBe(n);
  });

  it('a pool at nice 0 changes no thread', async () => {
    const pool = new ActorPool({ workers: 1 });
    pools.push(pool);
    await expect.poll(async () => (await pool.threadMemory()).length, { timeout: 20_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 1000)); // time to load its module
    expect([...threadNice().values()].filter((n) => n !== 0 && n !== 7)).toEqual([]);
  });

  it('a niceness out of range is refused with the range', () => {
    expect(() => new ActorPool({ workers: 1, nice: 20 })).toThrow(/nice is an integer from 0 to 19, got 20/);
    expect(() => new ActorPool({ workers: 1, nice: -1 })).toThrow(/0 to 19/);
    expect(() => niceThisThread(1.5)).toThrow(/0 to 19, got 1.5/);
  });
});
