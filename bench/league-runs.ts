/**
 * The time-boxed Connect Four league runs the training-throughput benchmarks measure (bench/selfplay.ts,
 * bench/scale-training.ts): a real `arena train --league` run (the training loop, the worker pool, the
 * league on disk) in a temporary folder, with the 128×128 MLP measured before the conv default, no
 * exploring starts and no evaluation, so the figures are rollouts and updates only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type Algo, type TrainConfig } from '../src/train/config.ts';
import { runTraining, type TrainOptions, type TrainSummary } from '../src/train/loop.ts';

/** The benchmark's league configuration for `seconds` of training, with `layer` on top (workers, feed…). */
export function benchLeagueConfig(algo: Algo, seconds: number, layer: Partial<TrainConfig>): TrainConfig {
  return resolveConfig(algo, 'connect-four-v1', { league: true, minutes: seconds / 60, totalSteps: Number.MAX_SAFE_INTEGER, evalEvery: 0, network: 'mlp', trainOpeningPlies: 0, ...layer });
}

/** One league run in a fresh temporary folder (deleted afterwards); `extra` adds options such as remote actors. */
export async function benchLeagueRun(config: TrainConfig, extra: Partial<TrainOptions> = {}): Promise<TrainSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'arena-bench-league-'));
  try {
    return await runTraining({ config, outDir: dir, resume: false, ...extra });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
