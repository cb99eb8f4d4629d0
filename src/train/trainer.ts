/**
 * `arena train`: runs a TrainingRun with everything a long job needs — the resolved config printed and
 * saved, one metrics line per update, checkpoints every K updates and at the end (atomically, so a
 * crash loses at most the updates since the last one), and `--resume` from the latest checkpoint.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { MetricsSink } from '../metrics.ts';
import { mean } from '../eval/stats.ts';
import { describeConfig, type TrainConfig } from './config.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint } from './policy-checkpoint.ts';
import { TrainingRun, type UpdateResult } from './run.ts';

export interface TrainOptions {
  readonly config: TrainConfig;
  readonly outDir: string;
  /** Continue the run in `outDir` from its latest checkpoint. */
  readonly resume: boolean;
  /** Called after every update (progress bars). */
  readonly onUpdate?: (r: UpdateResult, run: TrainingRun) => void;
}

export interface TrainSummary {
  readonly outDir: string;
  readonly updates: number;
  readonly globalStep: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Mean return of the last (up to) 20 finished episodes. */
  readonly recentReturn: number;
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const { outDir } = opts;
  let config = opts.config;
  const hasCheckpoint = existsSync(join(outDir, 'checkpoints', 'latest'));
  if (!opts.resume && hasCheckpoint) {
    throw new ConfigError(`${outDir} already holds a run: pass --resume to continue it, or choose another --out`);
  }
  const resumed = opts.resume ? await loadPolicyCheckpoint(outDir) : null;
  if (resumed) {
    // the saved config wins, except for the length of training, which a resume may extend
    config = { ...resumed.state.config, totalSteps: opts.config.totalSteps };
  }
  await mkdir(outDir, { recursive: true });
  log.info(`training ${config.algo} on ${config.game} → ${outDir}${resumed ? ` (resuming at update ${resumed.state.update})` : ''}`);
  log.info(`config:\n${describeConfig(config)}`);
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const run = new TrainingRun(config, resumed ? { policy: resumed.policy, obsRms: resumed.obsRms, update: resumed.state.update, globalStep: resumed.state.globalStep, rng: resumed.state.rng } : undefined);
  if (resumed) await restoreOptimizer(run.learner.optimizer, resumed.checkpoint);
  const metrics = new MetricsSink(outDir);
  const startElapsed = resumed?.state.elapsedSeconds ?? 0;
  const t0 = performance.now();
  const recent: number[] = [];
  const checkpoint = async () => {
    const elapsedSeconds = startElapsed + (performance.now() - t0) / 1000;
    await savePolicyCheckpoint(outDir, {
      policy: run.policy,
      optimizer: run.learner.optimizer,
      state: { config, update: run.update, globalStep: run.globalStep, obsRms: run.obsRms?.toJSON() ?? null, rng: run.rng.getState(), elapsedSeconds },
    });
    metrics.flush();
  };
  try {
    let lastTime = performance.now();
    let lastStep = run.globalStep;
    while (!run.done) {
      const r = run.step();
      const now = performance.now();
      const returns = r.episodes.map((e) => e.return);
      for (const x of returns) {
        recent.push(x);
        if (recent.length > 20) recent.shift();
      }
      metrics.write({
        global_step: r.globalStep,
        update: r.update,
        'charts/episodic_return': returns.length ? mean(returns) : null,
        'charts/episodic_length': r.episodes.length ? mean(r.episodes.map((e) => e.length)) : null,
        'charts/episodes': r.episodes.length,
        'charts/SPS': (r.globalStep - lastStep) / ((now - lastTime) / 1000),
        'time/elapsed_s': startElapsed + (now - t0) / 1000,
        ...r.stats,
      });
      lastTime = now;
      lastStep = r.globalStep;
      opts.onUpdate?.(r, run);
      if (r.update % config.checkpointEvery === 0 || run.done) await checkpoint();
    }
  } finally {
    metrics.close();
    run.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const steps = run.globalStep - (resumed?.state.globalStep ?? 0);
  return { outDir, updates: run.update, globalStep: run.globalStep, seconds, stepsPerSecond: steps / seconds, recentReturn: mean(recent) };
}
