/**
 * A trained alphazero run for the benches that search with it (bench:search-coverage, bench:tree-reuse):
 * its latest checkpoint's policy as the snapshot bytes the expert-iteration actors play, its config and
 * the update it was saved at. Kept out of lib.ts, which the benches without tfjs import.
 */
import type { GameInfo } from '../core/index.ts';
import { encodeSnapshot } from '../src/selfplay/snapshot.ts';
import type { TrainConfig } from '../src/train/config.ts';
import { loadPolicyCheckpoint } from '../src/train/policy-checkpoint.ts';

export interface AlphaZeroRun {
  readonly blob: Uint8Array;
  readonly config: TrainConfig;
  readonly update: number;
}

/** Loads `run` (a run folder or checkpoint) of `info`'s game; throws for another game's run or one that normalises its observations (not alphazero). */
export async function loadAlphaZeroRun(run: string, info: GameInfo): Promise<AlphaZeroRun> {
  const loaded = await loadPolicyCheckpoint(run);
  try {
    if (loaded.meta.game !== info.id) throw new Error(`${run} is a ${loaded.meta.game} run; this bench plays ${info.id}`);
    if (loaded.obsRms !== null) throw new Error(`${run} normalises its observations: not an alphazero run`);
    const blob = encodeSnapshot({ game: info.id, spec: loaded.policy.spec, weights: loaded.policy.getWeights(), obsRms: null });
    return { blob, config: loaded.state.config, update: loaded.meta.update };
  } finally {
    loaded.policy.dispose();
  }
}
