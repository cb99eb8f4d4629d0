/**
 * League training (`arena train --league`): the main agent learns with PPO from self-play rollouts run
 * in a Piscina pool, against opponents drawn from a league of its frozen snapshots (and, optionally,
 * baseline bots). Every finished game updates the league's ratings; snapshots, matches and ratings
 * persist in the run's SQLite database, so `--resume` after a crash loses only the update in flight.
 *
 * Order of one update: publish the learner's weights (version = update number) → W rollout tasks in
 * parallel → assemble one batch → GAE → PPO update → record matches → maybe snapshot, evaluate and
 * checkpoint.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { League } from '../../league/league.ts';
import { computeGae } from '../algorithms/advantages.ts';
import type { RolloutBuffer } from '../algorithms/buffer.ts';
import type { UpdateStats } from '../algorithms/policy-gradient.ts';
import { createLearner } from '../fast/select.ts';
import { MetricsSink } from '../metrics.ts';
import { mean } from '../eval/stats.ts';
import { describeConfig, type TrainConfig } from '../train/config.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint } from '../train/policy-checkpoint.ts';
import { learnerSettings } from '../train/run.ts';
import { assembleBuffer } from './batch.ts';
import { RolloutPool } from './pool.ts';
import type { OpponentRef, RolloutResult } from './rollout.ts';
import { encodeSnapshot } from './snapshot.ts';

export interface LeagueUpdate {
  readonly update: number;
  readonly globalStep: number;
  readonly elapsedSeconds: number;
  readonly winRate: number;
  readonly evals: Record<string, number>;
  readonly stats: UpdateStats;
}

export interface LeagueTrainOptions {
  readonly config: TrainConfig;
  readonly outDir: string;
  readonly resume: boolean;
  readonly onUpdate?: (u: LeagueUpdate) => void;
  /** Extra evaluation run at each evaluation point (e.g. exploitability for poker); returns metrics. */
  readonly evaluate?: (policy: ActorCritic) => Record<string, number>;
}

export interface LeagueTrainSummary {
  readonly outDir: string;
  readonly updates: number;
  readonly globalStep: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly lastEval: Record<string, number>;
  readonly profile: Record<string, number>;
}

/** Version numbers: learner weights after update u are version u + 1 (snapshots keep their version). */
export async function trainLeague(opts: LeagueTrainOptions): Promise<LeagueTrainSummary> {
  const { outDir } = opts;
  let config = opts.config;
  const game = getGame(config.game);
  const { info } = game;
  if (info.seats !== 2 || info.dynamics !== 'sequential') {
    throw new ConfigError(`league training supports two-seat sequential games; ${info.id} is not one (MAPPO handles team games)`);
  }
  if (!opts.resume && existsSync(join(outDir, 'checkpoints', 'latest'))) {
    throw new ConfigError(`${outDir} already holds a run: pass --resume to continue it, or choose another --out`);
  }
  const resumed = opts.resume ? await loadPolicyCheckpoint(outDir) : null;
  if (resumed) config = { ...resumed.state.config, totalSteps: opts.config.totalSteps, minutes: opts.config.minutes };
  await mkdir(outDir, { recursive: true });
  log.info(`league training ${config.algo} on ${info.id} with ${config.workers} worker(s) → ${outDir}${resumed ? ` (resuming at update ${resumed.state.update})` : ''}`);
  log.info(`config:\n${describeConfig(config)}`);
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const policy =
    resumed?.policy ??
    new ActorCritic(
      { obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: config.hidden, activation: config.activation },
      config.seed,
    );
  const rng = new Rng(config.seed + 1);
  if (resumed) rng.setState(resumed.state.rng);
  const learner = createLearner({ policy, rng, settings: learnerSettings(config) });
  if (resumed) await restoreOptimizer(learner.optimizer, resumed.checkpoint);
  const league = League.open({ runDir: outDir, game: info.id, sampling: config.opponentSampling });
  const pool = new RolloutPool({ workers: config.workers });
  const metrics = new MetricsSink(outDir);

  let update = resumed?.state.update ?? 0;
  let globalStep = resumed?.state.globalStep ?? 0;
  const startElapsed = resumed?.state.elapsedSeconds ?? 0;
  const t0 = performance.now();
  const elapsed = () => startElapsed + (performance.now() - t0) / 1000;
  const deadline = config.minutes === null ? Infinity : config.minutes * 60;
  const profile = { rolloutSeconds: 0, learnerSeconds: 0, leagueSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, envSeconds: 0, inferenceSeconds: 0 };
  let buffer: RolloutBuffer | undefined;
  let lastEval: Record<string, number> = {};

  const snapshotBytes = () => encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
  if (league.snapshots('main').length === 0) league.addSnapshot({ role: 'main', update, version: update + 1, blob: snapshotBytes() });
  for (const bot of config.evalAgents) league.addBot(bot);

  const checkpoint = async () => {
    await savePolicyCheckpoint(outDir, {
      policy,
      optimizer: learner.optimizer,
      state: { config, update, globalStep, obsRms: null, rng: rng.getState(), elapsedSeconds: elapsed() },
    });
    metrics.flush();
  };

  /** Runs one rollout task per worker against the given opponents; returns the results in task order. */
  const rollouts = async (opponents: readonly { ref: OpponentRef; blob?: Uint8Array }[], probs: readonly number[], envs: number, steps: number) => {
    const version = update + 1;
    pool.publish(version, snapshotBytes());
    for (const o of opponents) if ('version' in o.ref && o.blob) pool.publish(o.ref.version, o.blob);
    const versions = [version, ...opponents.flatMap((o) => ('version' in o.ref ? [o.ref.version] : []))];
    const tasks = Array.from({ length: config.workers }, () =>
      pool.run({ game: info.id, envs, steps, seed: rng.nextU32(), learner: version, opponents: opponents.map((o) => o.ref), opponentProbs: probs }, versions),
    );
    return Promise.all(tasks);
  };

  try {
    while (globalStep < config.totalSteps && elapsed() < deadline) {
      // 1. rollouts against opponents sampled from the league
      const ta = performance.now();
      const { members, probs } = league.opponentDistribution('main', { learnerVersion: update + 1 });
      const results: RolloutResult[] = await rollouts(members, probs, config.envs, config.steps);
      const tb = performance.now();
      profile.rolloutSeconds += (tb - ta) / 1000;
      for (const r of results) {
        profile.envSeconds += r.envSeconds;
        profile.inferenceSeconds += r.inferenceSeconds;
      }

      // 2. one batch, advantages, PPO update
      buffer = assembleBuffer(results, info.observationSize, info.actions, buffer);
      computeGae(
        { steps: buffer.spec.steps, envs: buffer.spec.envs, rewards: buffer.rewards, values: buffer.values, nextValues: buffer.nextValues, dones: buffer.dones, gamma: config.gamma, lambda: config.lambda },
        buffer.advantages,
        buffer.returns,
      );
      const progress = config.minutes === null ? globalStep / config.totalSteps : Math.max(globalStep / config.totalSteps, elapsed() / deadline);
      const stats = learner.update(buffer, Math.min(1, progress));
      const tc = performance.now();
      profile.learnerSeconds += (tc - tb) / 1000;
      update++;
      globalStep += buffer.size;

      // 3. league bookkeeping: every finished game is a rated match
      const games = results.flatMap((r) => r.episodes.map((e) => ({ opponent: members[e.opponent]!.id, score: e.score })));
      league.recordLearnerGames(games);
      if (update % config.snapshotEvery === 0) league.addSnapshot({ role: 'main', update, version: update + 1, blob: snapshotBytes() });
      const td = performance.now();
      profile.leagueSeconds += (td - tc) / 1000;

      // 4. evaluation against the baseline bots (and game-specific measures)
      const evals: Record<string, number> = {};
      if (config.evalEvery > 0 && (update % config.evalEvery === 0 || update === 1)) {
        for (const bot of config.evalAgents) {
          const steps = Math.max(8, Math.ceil((config.evalGames * info.maxSteps) / 2 / Math.max(1, config.workers) / 16));
          const evalResults = await rollouts([{ ref: { id: bot, bot } }], [1], 16, steps);
          const scores = evalResults.flatMap((r) => r.episodes.map((e) => e.score));
          evals[`eval/score_vs_${bot}`] = mean(scores);
          evals[`eval/loss_rate_vs_${bot}`] = scores.filter((s) => s === 0).length / Math.max(1, scores.length);
        }
        Object.assign(evals, opts.evaluate?.(policy));
        lastEval = evals;
      }
      const te = performance.now();
      profile.evalSeconds += (te - td) / 1000;
      const winRate = mean(games.map((g) => g.score));
      metrics.write({
        global_step: globalStep,
        update,
        'charts/selfplay_score': winRate,
        'charts/games': games.length,
        'charts/SPS': buffer.size / ((performance.now() - ta) / 1000),
        'charts/league_size': league.listMembers().length,
        'time/elapsed_s': elapsed(),
        'time/rollout_s': (tb - ta) / 1000,
        'time/learner_s': (tc - tb) / 1000,
        ...stats,
        ...evals,
      });
      opts.onUpdate?.({ update, globalStep, elapsedSeconds: elapsed(), winRate, evals, stats });
      if (update % config.checkpointEvery === 0) {
        const tk = performance.now();
        await checkpoint();
        profile.checkpointSeconds += (performance.now() - tk) / 1000;
      }
      pool.retain(new Set(league.snapshotVersions()));
    }
    await checkpoint();
  } finally {
    metrics.close();
    league.close();
    await pool.destroy();
    learner.dispose();
    policy.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const summary = {
    outDir,
    updates: update,
    globalStep,
    seconds,
    stepsPerSecond: (globalStep - (resumed?.state.globalStep ?? 0)) / seconds,
    lastEval,
    profile: { ...profile, workers: config.workers, totalSeconds: seconds },
  };
  await writeFile(join(outDir, 'profile.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
