/**
 * Lowering one thread's scheduling priority. On Linux the nice value belongs to each thread (a thread
 * is a task with its own id; setpriority(2) on that id changes that thread alone), so a rollout worker
 * can yield the cores to the learner without touching the learner's own threads. The thread finds
 * its id through /proc/thread-self. Elsewhere (no /proc) nothing changes and the caller is told so.
 *
 * Raising the nice value needs no privilege; lowering it again would, so a thread only ever goes down.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Niceness accepted (Linux's range above the default). */
export const MAX_NICE = 19;

/** The calling thread's kernel task id, or null where /proc/thread-self does not exist. */
export function threadId(): number | null {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Sets the calling thread's nice value to `nice` (0–19) when that lowers its priority; returns the
 * value it runs at, or null where a thread's priority cannot be set on its own (not Linux).
 */
export function niceThisThread(nice: number): number | null {
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) throw new RangeError(`thread niceness: an integer from 0 to ${MAX_NICE}, got ${nice}`);
  const tid = threadId();
  if (tid === null) return null;
  const now = getPriority(tid);
  if (nice > now) setPriority(tid, nice);
  return getPriority(tid);
}
