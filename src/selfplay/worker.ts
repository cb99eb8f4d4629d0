/**
 * Piscina worker: runs one rollout task and hands its arrays back as transferables (moved, not copied).
 * Test hooks (`crash`, `hang`) let the pool's tests kill or stall a real worker.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runRollout, type RolloutResult, type RolloutTask } from './rollout.ts';

export interface WorkerTask extends RolloutTask {
  /**
   * Test hooks: the first worker to claim the flag (an Int32 in shared memory, 0 → 1) exits abruptly
   * or never returns, as a crash or a hang would; retries find the flag taken and run normally.
   */
  readonly crashOnce?: SharedArrayBuffer;
  readonly hangOnce?: SharedArrayBuffer;
}

function claim(flag: SharedArrayBuffer | undefined): boolean {
  return flag !== undefined && Atomics.compareExchange(new Int32Array(flag), 0, 0, 1) === 0;
}

function transferList(r: RolloutResult): ArrayBuffer[] {
  return [r.obs, r.masks, r.actions, r.logProbs, r.values, r.rewards, r.dones, r.nextValues].map((a) => a.buffer as ArrayBuffer);
}

export default function rolloutTask(task: WorkerTask): unknown {
  if (claim(task.crashOnce)) process.exit(13);
  if (claim(task.hangOnce)) for (;;);
  const result = runRollout(task);
  return move({
    [transferableSymbol]: transferList(result),
    [valueSymbol]: result,
  });
}
