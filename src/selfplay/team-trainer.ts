/**
 * Team training (`arena train --game grid-soccer --algo mappo|ippo [--league]`): a learning team —
 * one MAPPO or IPPO policy shared by its seats (or one per seat) — plays every seat of one side
 * against scripted teams, a random team, itself, or (with `--league`) a league of its own frozen team
 * snapshots and the scripted bots, chosen by PFSP. Rollouts run in a Piscina pool of team workers
 * (team-worker.ts); the update runs on the main thread (src/algorithms/mappo.ts).
 *
 * One update: publish the learner's weights (version = update + 1) → rollout tasks in parallel
 * (`envs` games in total, split over the workers, `steps` joint steps each) → one team batch → GAE
 * per agent on denormalised values → value-norm update → PPO epochs → league bookkeeping (team vs
 * team ratings) → evaluation against the scripted team (`eval/win_rate_vs_heuristic`,
 * `eval/score_vs_heuristic`) → checkpoint.
 *
 * Checkpoints are ordinary policy checkpoints (src/train/policy-checkpoint.ts) whose spec carries
 * `agentIdFeature: true`: `arena match` / `arena tournament` load them as a PolicyAgent, which then
 * appends the agent-id one-hot and plays every seat of its side. With separate parameters the main
 * checkpoint holds team seat 0's policy and `<out>/seat-K` seat K's (the team is fully restored by
 * `--resume`; `arena match` plays the seat-0 policy on every seat).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { ConfigError, Rng, WorkerError, type GameInfo } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { League } from '../../league/league.ts';
import { MappoLearner, type TeamAlgo, type TeamBatch, type TeamUpdateStats } from '../algorithms/mappo.ts';
import type { ValueNormData } from '../algorithms/value-norm.ts';
import { mean } from '../eval/stats.ts';
import { MetricsSink } from '../metrics.ts';
import { describeConfig, type TrainConfig } from '../train/config.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint, type TrainingState } from '../train/policy-checkpoint.ts';
import { learnerSettings } from '../train/run.ts';
import { agentStateSize, encodeTeamSnapshot, runTeamRollout, type OpponentRef, type TeamCarry, type TeamEpisode, type TeamRolloutResult, type TeamRolloutTask } from './team-rollout.ts';

/** Checks that `info` is a game team training can play; returns the team size. */
export function checkTeamGame(info: GameInfo): number {
  if (info.dynamics !== 'simultaneous' || info.teams.length !== 2 || info.teams[0]!.length !== info.teams[1]!.length) {
    throw new ConfigError(`MAPPO/IPPO train teams in two-sided simultaneous-move games (e.g. grid-soccer); ${info.id} is not one`);
  }
  return info.teams[0]!.length;
}

// ---- rollout execution: a Piscina pool of team workers, or the main thread ----

interface RolloutRunner {
  publish(version: number, bytes: Uint8Array): void;
  has(version: number): boolean;
  retain(keep: ReadonlySet<number>): void;
  run(task: Omit<TeamRolloutTask, 'snapshots'>, versions: readonly number[]): Promise<TeamRolloutResult>;
  destroy(): Promise<void>;
}

/** Team rollouts in worker threads: snapshots in SharedArrayBuffers by version (as pool.ts), retry on a crash or hang. */
class TeamPool implements RolloutRunner {
  private readonly piscina: Piscina;
  private readonly snapshots = new Map<number, SharedArrayBuffer>();
  private readonly timeoutMs: number;
  private readonly maxRetries = 3;

  constructor(workers: number, timeoutMs = 120_000) {
    this.timeoutMs = timeoutMs;
    this.piscina = new Piscina({ filename: new URL('./team-worker.ts', import.meta.url).href, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
  }

  publish(version: number, bytes: Uint8Array): void {
    if (this.snapshots.has(version)) return;
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    this.snapshots.set(version, shared);
  }

  retain(keep: ReadonlySet<number>): void {
    for (const v of this.snapshots.keys()) if (!keep.has(v)) this.snapshots.delete(v);
  }

  has(version: number): boolean {
    return this.snapshots.has(version);
  }

  async run(task: Omit<TeamRolloutTask, 'snapshots'>, versions: readonly number[]): Promise<TeamRolloutResult> {
    const snapshots: Record<number, SharedArrayBuffer> = {};
    for (const v of versions) {
      const s = this.snapshots.get(v);
      if (!s) throw new WorkerError(`snapshot version ${v} was never published to the pool`);
      snapshots[v] = s;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      try {
        return (await this.piscina.run({ ...task, snapshots }, { signal: AbortSignal.timeout(this.timeoutMs) })) as TeamRolloutResult;
      } catch (err) {
        lastError = err;
        log.warn(`team rollout worker failed (${(err as Error).message}); retrying task with seed ${task.seed} (${attempt + 1}/${this.maxRetries})`);
      }
    }
    throw new WorkerError(`team rollout task with seed ${task.seed} failed ${this.maxRetries + 1} times: ${(lastError as Error)?.message}`, { cause: lastError });
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

/** The same interface on the main thread (tests, or where threads are unwanted). */
class InThread implements RolloutRunner {
  private readonly snapshots = new Map<number, Uint8Array>();
  publish(version: number, bytes: Uint8Array): void {
    this.snapshots.set(version, bytes);
  }
  has(version: number): boolean {
    return this.snapshots.has(version);
  }
  retain(keep: ReadonlySet<number>): void {
    for (const v of this.snapshots.keys()) if (!keep.has(v)) this.snapshots.delete(v);
  }
  async run(task: Omit<TeamRolloutTask, 'snapshots'>, versions: readonly number[]): Promise<TeamRolloutResult> {
    const snapshots: Record<number, Uint8Array> = {};
    for (const v of versions) snapshots[v] = this.snapshots.get(v)!;
    return runTeamRollout({ ...task, snapshots });
  }
  async destroy(): Promise<void> {}
}

/** Concatenates rollout results (each T × E_k·K, time-major) into one team batch of T × ΣE_k·K columns. */
export function assembleTeamBatch(results: readonly TeamRolloutResult[]): TeamBatch {
  if (results.length === 0) throw new ConfigError('no team rollout results to assemble');
  if (results.length === 1) return results[0]!;
  const first = results[0]!;
  const T = first.steps;
  const K = first.teamSize;
  if (results.some((r) => r.steps !== T || r.teamSize !== K)) throw new ConfigError('team rollout results disagree on their shape');
  const C = results.reduce((a, r) => a + r.columns, 0);
  const inA = first.obs.length / (T * first.columns);
  const inC = first.criticObs ? first.criticObs.length / (T * first.columns) : 0;
  const A = first.masks.length / (T * first.columns);
  const n = T * C;
  const b = {
    steps: T,
    columns: C,
    teamSize: K,
    obs: new Float32Array(n * inA),
    criticObs: first.criticObs ? new Float32Array(n * inC) : null,
    masks: new Uint8Array(n * A),
    actions: new Int32Array(n),
    logProbs: new Float32Array(n),
    values: new Float32Array(n),
    rewards: new Float32Array(n),
    nextValues: new Float32Array(n),
    dones: new Uint8Array(n),
    valid: new Uint8Array(n),
  };
  let c0 = 0;
  for (const r of results) {
    const Ck = r.columns;
    for (let t = 0; t < T; t++) {
      const src = t * Ck;
      const dst = t * C + c0;
      b.obs.set(r.obs.subarray(src * inA, (src + Ck) * inA), dst * inA);
      if (b.criticObs) b.criticObs.set(r.criticObs!.subarray(src * inC, (src + Ck) * inC), dst * inC);
      b.masks.set(r.masks.subarray(src * A, (src + Ck) * A), dst * A);
      for (const key of ['actions', 'logProbs', 'values', 'rewards', 'nextValues', 'dones', 'valid'] as const) {
        (b[key] as Float32Array).set((r[key] as Float32Array).subarray(src, src + Ck), dst);
      }
    }
    c0 += Ck;
  }
  return b;
}

// ---- training ----

export interface TeamUpdate {
  readonly update: number;
  readonly globalStep: number;
  readonly elapsedSeconds: number;
  /** Mean score (1 win, ½ draw) of the training games of this update. */
  readonly score: number;
  readonly evals: Record<string, number>;
  readonly stats: TeamUpdateStats;
}

export interface TeamTrainOptions {
  readonly config: TrainConfig;
  readonly outDir: string;
  readonly resume: boolean;
  /** Run rollouts on the main thread instead of the worker pool (tests). */
  readonly inThread?: boolean;
  readonly onUpdate?: (u: TeamUpdate) => void;
}

export interface TeamTrainSummary {
  readonly outDir: string;
  readonly algo: TeamAlgo;
  readonly updates: number;
  /** Joint environment steps (one per env per step, all seats together). */
  readonly globalStep: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly lastEval: Record<string, number>;
  readonly profile: Record<string, number>;
}

/** Extra training state a team checkpoint keeps besides TrainingState. */
interface TeamState extends TrainingState {
  readonly team: { readonly algo: TeamAlgo; readonly shareParams: boolean; readonly valueNorms: (ValueNormData | null)[] };
}

/** Bot specs of a comma-separated opponent list (`heuristic,random`); `self` plays the current weights. */
function parseOpponents(spec: string): string[] {
  const list = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new ConfigError(`no opponent in '${spec}'`);
  return list;
}

/** Version numbers: learner weights after update u are version u + 1 (league snapshots keep theirs). */
export async function trainTeam(opts: TeamTrainOptions): Promise<TeamTrainSummary> {
  const { outDir } = opts;
  let config = opts.config;
  if (config.algo !== 'mappo' && config.algo !== 'ippo') throw new ConfigError(`team training runs mappo or ippo, not ${config.algo}`);
  const game = getGame(config.game);
  const { info } = game;
  const K = checkTeamGame(info);
  if (!opts.resume && existsSync(join(outDir, 'checkpoints', 'latest'))) {
    throw new ConfigError(`${outDir} already holds a run: pass --resume to continue it, or choose another --out`);
  }
  const shareParams = config.shareParams ?? true;
  const seatDirs = Array.from({ length: shareParams ? 1 : K }, (_, k) => (k === 0 ? outDir : join(outDir, `seat-${k}`)));
  const resumed = opts.resume ? await Promise.all(seatDirs.map((d) => loadPolicyCheckpoint(d))) : null;
  if (resumed) config = { ...resumed[0]!.state.config, totalSteps: opts.config.totalSteps, minutes: opts.config.minutes };
  const algo = config.algo as TeamAlgo;
  const teamState = resumed ? (resumed[0]!.state as TeamState).team : null;
  await mkdir(outDir, { recursive: true });
  const workers = opts.inThread ? 0 : config.workers;
  log.info(`team training ${algo} on ${info.id}${config.league ? ' with a league' : ''} (${workers ? `${workers} worker(s)` : 'main thread'}) → ${outDir}${resumed ? ` (resuming at update ${resumed[0]!.state.update})` : ''}`);
  log.info(`config:\n${describeConfig(config)}`);
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const rng = new Rng(config.seed + 1);
  if (resumed) rng.setState(resumed[0]!.state.rng);
  const learner = new MappoLearner({
    algo,
    obsSize: info.observationSize,
    stateSize: agentStateSize(info),
    teamSize: K,
    actions: info.actions,
    hidden: config.hidden,
    activation: config.activation,
    shareParams,
    valueNorm: config.valueNorm ?? true,
    gamma: config.gamma,
    lambda: config.lambda,
    settings: learnerSettings(config),
    seed: config.seed,
    rng,
    policies: resumed?.map((r) => r.policy),
    valueNorms: teamState?.valueNorms,
  });
  if (resumed) for (let p = 0; p < resumed.length; p++) await restoreOptimizer(learner.learners[p]!.optimizer, resumed[p]!.checkpoint);

  const league = config.league ? League.open({ runDir: outDir, game: info.id, sampling: config.opponentSampling }) : null;
  const runner: RolloutRunner = workers > 0 ? new TeamPool(workers) : new InThread();
  const metrics = new MetricsSink(outDir);

  let update = resumed?.[0]!.state.update ?? 0;
  let globalStep = resumed?.[0]!.state.globalStep ?? 0;
  const startElapsed = resumed?.[0]!.state.elapsedSeconds ?? 0;
  const t0 = performance.now();
  const elapsed = () => startElapsed + (performance.now() - t0) / 1000;
  const deadline = config.minutes === null ? Infinity : config.minutes * 60;
  const profile = { rolloutSeconds: 0, learnerSeconds: 0, leagueSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, envSeconds: 0, inferenceSeconds: 0 };
  let lastEval: Record<string, number> = {};

  const snapshotBytes = () => encodeTeamSnapshot(info.id, learner.spec, learner.weights());
  const fixedOpponents = parseOpponents(config.opponent);
  if (league) {
    if (league.snapshots('main').length === 0) league.addSnapshot({ role: 'main', update, version: update + 1, blob: snapshotBytes() });
    for (const bot of new Set([...fixedOpponents.filter((o) => o !== 'self'), ...config.evalAgents])) league.addBot(bot);
  }

  const checkpoint = async () => {
    const base = { config, update, globalStep, obsRms: null, rng: rng.getState(), elapsedSeconds: elapsed() };
    const state: TeamState = { ...base, team: { algo, shareParams, valueNorms: learner.valueNorms.map((v) => v?.toJSON() ?? null) } };
    for (let p = 0; p < learner.policies.length; p++) {
      await savePolicyCheckpoint(seatDirs[p]!, { policy: learner.policies[p]!, optimizer: learner.learners[p]!.optimizer, state });
    }
    metrics.flush();
  };

  /** Per task slot: the games in progress after its last training rollout, and that task's opponents. */
  const slots: ({ carry: TeamCarry[]; refs: OpponentRef[] } | null)[] = [];

  /**
   * `envs` games in total split over the workers, against `opponents` drawn with `probs`. Training
   * rollouts continue the games their slot left in progress (so rollouts shorter than a match still
   * play whole matches); a continued game keeps its opponent, at probability 0 for new games when it
   * is no longer drawn (a self-play opponent plays the current weights). Evaluations play new games.
   */
  const rollouts = async (opponents: readonly { ref: OpponentRef; blob?: Uint8Array }[], probs: readonly number[], envs: number, steps: number, evalOnly: boolean) => {
    const version = update + 1;
    runner.publish(version, snapshotBytes());
    for (const o of opponents) if ('version' in o.ref && o.blob) runner.publish(o.ref.version, o.blob);
    const parts = Math.max(1, Math.min(Math.max(1, workers), envs));
    const tasks = Array.from({ length: parts }, async (_, w) => {
      const n = Math.floor(envs / parts) + (w < envs % parts ? 1 : 0);
      const refs: OpponentRef[] = opponents.map((o) => o.ref);
      const p = [...probs];
      const prev = evalOnly ? null : slots[w];
      let carry: TeamCarry[] | undefined;
      if (prev && prev.carry.length === n) {
        carry = prev.carry.map((c) => {
          const old = prev.refs[c.opponent]!;
          let idx = refs.findIndex((r) => r.id === old.id);
          if (idx < 0) {
            refs.push('version' in old && !runner.has(old.version) ? { id: old.id, version } : old);
            p.push(0);
            idx = refs.length - 1;
          }
          return { ...c, opponent: idx };
        });
      }
      const versions = [...new Set([version, ...refs.flatMap((r) => ('version' in r ? [r.version] : []))])];
      const r = await runner.run(
        { game: info.id, algo, envs: n, steps, seed: rng.nextU32(), learner: version, opponents: refs, opponentProbs: p, firstSide: (update + w) % 2, evalOnly, ...(carry ? { carry } : {}) },
        versions,
      );
      if (!evalOnly) slots[w] = { carry: r.carry, refs };
      return { result: r, refs };
    });
    return Promise.all(tasks);
  };

  /** The opponents of this update: the league's PFSP distribution, or the fixed list (uniformly). */
  const opponentsNow = (): { ids: string[]; members: { ref: OpponentRef; blob?: Uint8Array }[]; probs: number[] } => {
    if (league) {
      const d = league.opponentDistribution('main', { learnerVersion: update + 1 });
      return { ids: d.ids, members: d.members, probs: d.probs };
    }
    const members = fixedOpponents.map((o) => ({ ref: (o === 'self' ? { id: 'self', version: update + 1 } : { id: o, bot: o }) as OpponentRef }));
    return { ids: fixedOpponents, members, probs: fixedOpponents.map(() => 1 / fixedOpponents.length) };
  };

  try {
    while (globalStep < config.totalSteps && elapsed() < deadline) {
      // 1. rollouts
      const ta = performance.now();
      const opp = opponentsNow();
      const done = await rollouts(opp.members, opp.probs, config.envs, config.steps, false);
      const results = done.map((d) => d.result);
      const tb = performance.now();
      profile.rolloutSeconds += (tb - ta) / 1000;
      for (const r of results) {
        profile.envSeconds += r.envSeconds;
        profile.inferenceSeconds += r.inferenceSeconds;
      }

      // 2. MAPPO/IPPO update
      const batch = assembleTeamBatch(results);
      const progress = config.minutes === null ? globalStep / config.totalSteps : Math.max(globalStep / config.totalSteps, elapsed() / deadline);
      const stats = learner.update(batch, Math.min(1, progress));
      const tc = performance.now();
      profile.learnerSeconds += (tc - tb) / 1000;
      update++;
      globalStep += config.envs * config.steps;

      // 3. league bookkeeping: every finished game is a rated team-vs-team match
      const episodes: (TeamEpisode & { opponentId: string })[] = done.flatMap((d) => d.result.episodes.map((e) => ({ ...e, opponentId: d.refs[e.opponent]!.id })));
      if (league) {
        league.recordLearnerGames(episodes.map((e) => ({ opponent: e.opponentId, score: e.score, side: e.side as 0 | 1, update })));
        if (update % config.snapshotEvery === 0) league.addSnapshot({ role: 'main', update, version: update + 1, blob: snapshotBytes() });
      }
      const td = performance.now();
      profile.leagueSeconds += (td - tc) / 1000;

      // 4. evaluation against the scripted teams (the sampling policy, as `arena match` plays a checkpoint)
      const evals: Record<string, number> = {};
      if (config.evalEvery > 0 && (update % config.evalEvery === 0 || update === 1)) {
        for (const bot of config.evalAgents) {
          const ev = await rollouts([{ ref: { id: bot, bot } }], [1], config.evalGames, info.maxSteps, true);
          const eps = ev.flatMap((d) => d.result.episodes);
          const scores = eps.map((e) => e.score);
          evals[`eval/win_rate_vs_${bot}`] = scores.filter((s) => s === 1).length / Math.max(1, scores.length);
          evals[`eval/score_vs_${bot}`] = mean(scores);
          evals[`eval/return_vs_${bot}`] = mean(eps.map((e) => e.teamReturn));
        }
        lastEval = evals;
      }
      const te = performance.now();
      profile.evalSeconds += (te - td) / 1000;
      const score = mean(episodes.map((e) => e.score));
      metrics.write({
        global_step: globalStep,
        update,
        'charts/episodic_return': episodes.length ? mean(episodes.map((e) => e.teamReturn)) : null,
        'charts/episodic_length': episodes.length ? mean(episodes.map((e) => e.length)) : null,
        'charts/score': episodes.length ? score : null,
        'charts/games': episodes.length,
        'charts/agent_steps': batch.steps * batch.columns,
        'charts/SPS': (config.envs * config.steps) / ((tc - ta) / 1000),
        ...(league ? { 'charts/league_size': league.listMembers().length } : {}),
        'time/elapsed_s': elapsed(),
        'time/rollout_s': (tb - ta) / 1000,
        'time/learner_s': (tc - tb) / 1000,
        'time/eval_s': (te - td) / 1000,
        ...stats,
        ...evals,
      });
      opts.onUpdate?.({ update, globalStep, elapsedSeconds: elapsed(), score, evals, stats });
      if (update % config.checkpointEvery === 0) {
        const tk = performance.now();
        await checkpoint();
        profile.checkpointSeconds += (performance.now() - tk) / 1000;
      }
      runner.retain(new Set(league ? league.snapshotVersions() : []));
    }
    await checkpoint();
  } finally {
    metrics.close();
    league?.close();
    await runner.destroy();
    learner.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const summary: TeamTrainSummary = {
    outDir,
    algo,
    updates: update,
    globalStep,
    seconds,
    stepsPerSecond: (globalStep - (resumed?.[0]!.state.globalStep ?? 0)) / seconds,
    lastEval,
    profile: { ...profile, workers, totalSeconds: seconds },
  };
  await writeFile(join(outDir, 'profile.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
