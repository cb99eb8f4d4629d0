/**
 * A fixture for the agent tests: a tiny tic-tac-toe PPO policy against random, trained for two updates
 * and checkpointed in a temporary run folder, whose league holds that policy as snapshot `main@000002`,
 * a `random` bot member `bot:random` and the learner `main` itself (it plays the run's checkpoint).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeagueStore } from '../../league/store.ts';
import { selectBackend } from '../../src/backend.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';

export interface TinyRun {
  readonly runDir: string;
  readonly run: TrainingRun;
  dispose(): void;
}

export async function tinyTicTacToeRun(): Promise<TinyRun> {
  await selectBackend('wasm');
  const runDir = mkdtempSync(join(tmpdir(), 'arena-tiny-run-'));
  const config = resolveConfig('ppo', 'tic-tac-toe-v1', { envs: 4, steps: 16, minibatchSize: 32, epochs: 1, hidden: [16], normObs: true, seed: 3 });
  const run = new TrainingRun(config);
  run.step();
  run.step();
  const state = { config, update: run.update, globalStep: run.globalStep, obsRms: run.obsRms!.toJSON(), rng: run.rng.getState(), elapsedSeconds: 1 };
  await savePolicyCheckpoint(runDir, { policy: run.policy, optimizer: null, state });
  const store = LeagueStore.open(runDir, { game: 'tic-tac-toe-v1' });
  const blob = encodeSnapshot({ game: 'tic-tac-toe-v1', spec: run.policy.spec, weights: run.policy.getWeights(), obsRms: run.obsRms!.toJSON() });
  store.addMember({ id: 'main', role: 'main' });
  store.addMember({ id: 'main@000002', role: 'snapshot', parent: 'main', snapshot: blob });
  store.addMember({ id: 'bot:random', role: 'bot', botSpec: 'random' });
  store.close();
  return {
    runDir,
    run,
    dispose() {
      run.dispose();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
