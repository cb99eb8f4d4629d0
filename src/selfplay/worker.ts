/**
 * The Piscina worker of every actor task: two-seat self-play rollouts (rollout.ts) and team rollouts
 * (team-rollout.ts). One default export, as Piscina intends; the trajectory's arrays go back as
 * transferables (moved, not copied). No tfjs anywhere in this module graph (tested).
 * Test hooks (`crashOnce`, `hangOnce`) let the pool's tests kill or stall a real worker.
 */
import { isWorkerThread, move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { trajectoryArrays } from '../algorithms/trajectory.ts';
import { clearRolloutCache, runRollout, type RolloutTask } from './rollout.ts';
import { runSearchSelfPlay, type SearchSelfPlayTask } from './search-selfplay.ts';
import { clearTeamRolloutCache, runTeamRollout, type TeamRolloutTask } from './team-rollout.ts';
import { niceThisThread } from './thread-priority.ts';

/** What the pool starts its threads with (Piscina's workerData). */
export interface ActorThreadData {
  /** Scheduling niceness of this thread (0: the learner's priority). */
  readonly nice: number;
}

// a pool thread lowers its own priority once, as it starts (a replacement thread does the same)
if (isWorkerThread) {
  const nice = (workerData as ActorThreadData | undefined)?.nice ?? 0;
  if (nice > 0) niceThisThread(nice);
}

/** What an actor runs: one segment of self-play (`two-seat`), of team play (`team`), or self-play games with search (`search`, expert iteration). */
export type ActorTask = ({ readonly kind: 'two-seat' } & RolloutTask) | ({ readonly kind: 'team' } & TeamRolloutTask) | ({ readonly kind: 'search' } & SearchSelfPlayTask);

export type WorkerTask = ActorTask & {
  /**
   * Test hooks: the first worker to claim the flag (an Int32 in shared memory, 0 → 1) exits abruptly
   * or never returns, as a crash or a hang would; retries find the flag taken and run normally.
   */
  readonly crashOnce?: SharedArrayBuffer;
  readonly hangOnce?: SharedArrayBuffer;
};

function claim(flag: SharedArrayBuffer | undefined): boolean {
  return flag !== undefined && Atomics.compareExchange(new Int32Array(flag), 0, 0, 1) === 0;
}

/** Forgets this thread's decoded snapshots (the main thread's, when a new run plays its tasks there). */
export function clearActorCaches(): void {
  clearRolloutCache();
  clearTeamRolloutCache();
}

/** Runs one actor task in the calling thread. */
export function runActorTask(task: ActorTask) {
  if (task.kind === 'search') return runSearchSelfPlay(task);
  return task.kind === 'team' ? runTeamRollout(task) : runRollout(task);
}

export default function actorTask(task: WorkerTask): unknown {
  if (claim(task.crashOnce)) process.exit(13);
  if (claim(task.hangOnce)) for (;;);
  const result = runActorTask(task);
  return move({
    [transferableSymbol]: [...trajectoryArrays(result), ...('searchPolicy' in result ? [result.searchPolicy, result.searchValue] : [])].map((a) => a.buffer as ArrayBuffer),
    [valueSymbol]: result,
  });
}
