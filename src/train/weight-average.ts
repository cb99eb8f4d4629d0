/**
 * Stochastic weight averaging (Izmailov et al. 2018; KataGo and Leela Chess Zero play such a network):
 * a run with `"exportPolicy": "swa"` plays the uniform average of the weights its main learner had at
 * each checkpoint in the last `swaFraction` of training, not its last iterate. The average is a policy
 * checkpoint of its own, `<run>/swa/` (same files as any: `actor/model.json` loads in a browser), written
 * next to every checkpoint once the window has opened; the learner itself, its resumption and the league
 * go on with the trained weights (`checkpoints/`). `last:<run>` plays the last iterate.
 *
 * Resumable: the average's state records how many checkpoints it holds, so a resumed run continues the
 * sum (average × count) instead of starting over.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicySpec } from '../../agents/policy.ts';
import { CheckpointError, ConfigError } from '../../core/index.ts';
import { readRunConfig } from '../eval/average-policy.ts';
import type { TrainingState } from './policy-checkpoint.ts';

/** The averaged network's folder inside a run folder. */
export const SWA_DIR = 'swa';

/** Training state of the averaged checkpoint: the trained run's, plus how many checkpoints it averages. */
interface SwaState extends TrainingState {
  readonly averaged: number;
}

export class WeightAverage {
  private sum: Float64Array[] | null = null;
  private count = 0;
  /** Update of the newest checkpoint in the average (a resumed run does not add it twice). */
  private lastUpdate = -1;

  /** The window is the checkpoints taken at progress ≥ 1 − fraction. */
  readonly fraction: number;

  /** `fraction` ∈ (0, 1]. */
  constructor(fraction: number) {
    this.fraction = fraction;
    if (!(fraction > 0 && fraction <= 1)) throw new ConfigError(`swaFraction must be in (0, 1], got ${fraction}`);
  }

  /** Checkpoints averaged so far. */
  get averaged(): number {
    return this.count;
  }

  /** Whether a checkpoint taken at training progress `progress` ∈ [0, 1] joins the average. */
  inWindow(progress: number): boolean {
    return progress >= 1 - this.fraction - 1e-12;
  }

  /** Adds the weights (ActorCritic.getWeights order) of the checkpoint at `update`; false if that update is already in. */
  add(weights: readonly Float32Array[], update: number): boolean {
    if (update <= this.lastUpdate) return false;
    if (this.sum === null) this.sum = weights.map((w) => new Float64Array(w.length));
    if (weights.length !== this.sum.length) throw new ConfigError(`weight average: expected ${this.sum.length} weight arrays, got ${weights.length}`);
    for (let i = 0; i < weights.length; i++) {
      const s = this.sum[i]!;
      const w = weights[i]!;
      if (w.length !== s.length) throw new ConfigError(`weight average: weight ${i} has ${w.length} values, expected ${s.length}`);
      for (let k = 0; k < w.length; k++) s[k]! += w[k]!;
    }
    this.count++;
    this.lastUpdate = update;
    return true;
  }

  /** The average so far (null before the first checkpoint in the window). */
  mean(): Float32Array[] | null {
    if (this.sum === null) return null;
    const n = this.count;
    return this.sum.map((s) => Float32Array.from(s, (v) => v / n));
  }

  /** Writes the average as the policy checkpoint `<runDir>/swa/` (nothing before the window opens). */
  async save(runDir: string, spec: PolicySpec, state: TrainingState): Promise<void> {
    const weights = this.mean();
    if (weights === null) return;
    // tfjs only here: agents/index.ts reads exportedSwaDir in processes that may never load a network
    const [{ ActorCritic }, { savePolicyCheckpoint }] = await Promise.all([import('../../agents/policy.ts'), import('./policy-checkpoint.ts')]);
    const policy = new ActorCritic(spec, 0);
    try {
      policy.setWeights(weights);
      const swaState: SwaState = { ...state, averaged: this.count };
      await savePolicyCheckpoint(join(runDir, SWA_DIR), { policy, optimizer: null, state: swaState });
    } finally {
      policy.dispose();
    }
  }

  /** The average a resumed run continues: the one in `<runDir>/swa/`, if any, with its count. */
  static async resume(runDir: string, fraction: number): Promise<WeightAverage> {
    const avg = new WeightAverage(fraction);
    const dir = join(runDir, SWA_DIR);
    if (!existsSync(join(dir, 'checkpoints', 'latest'))) return avg;
    const { loadPolicyCheckpoint } = await import('./policy-checkpoint.ts');
    const loaded = await loadPolicyCheckpoint(dir);
    try {
      const count = (loaded.state as Partial<SwaState>).averaged;
      if (!Number.isSafeInteger(count) || count! < 1) throw new CheckpointError(`${loaded.checkpoint.dir}/state.json`, `does not say how many checkpoints the average holds ("averaged": ${JSON.stringify(count)})`);
      avg.sum = loaded.policy.getWeights().map((w) => Float64Array.from(w, (v) => v * count!));
      avg.count = count!;
      avg.lastUpdate = loaded.state.update;
    } finally {
      loaded.policy.dispose();
    }
    return avg;
  }
}

/**
 * The averaged checkpoint an agent spec stands for: `<spec>/swa` when `spec` is a run folder whose
 * config.json says `"exportPolicy": "swa"`; null for any other spec (a ckpt-NNNNNN folder, a run that
 * exports its last iterate). A run whose window has not opened yet is a CheckpointError naming `last:`.
 */
export function exportedSwaDir(spec: string): string | null {
  const config = readRunConfig(spec) as { exportPolicy?: unknown; swaFraction?: unknown } | null;
  if (config?.exportPolicy !== 'swa') return null;
  const dir = join(spec, SWA_DIR);
  if (!existsSync(join(dir, 'checkpoints', 'latest'))) {
    throw new CheckpointError(
      dir,
      `holds no averaged network yet: the run plays the average of its checkpoints over the last ${String(config.swaFraction)} of training ("exportPolicy": "swa") and has not reached that window; play the last iterate with last:${spec}`,
    );
  }
  return dir;
}
