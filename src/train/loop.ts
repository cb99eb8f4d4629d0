/**
 * `arena train`: the one training loop, for every mode. What differs between modes plugs in:
 *
 * - a **collector** (src/selfplay/collectors.ts, run.ts): the single-agent vector env on the main
 *   thread, two-seat self-play or team play in the actor pool;
 * - an **algorithm** per learner (algorithm.ts): PPO, A2C, REINFORCE, IMPALA, MAPPO/IPPO; DDPG, TD3 and
 *   SAC with their own collector (offpolicy.ts: one env step and one gradient step per update by default;
 *   on a two-seat game, league self-play on the main thread, offpolicy-selfplay.ts); AlphaZero's expert
 *   iteration (expert-iteration.ts) with self-play games searched in the actor pool;
 * - a **feed** (feed.ts): synchronous (collect, then update) or asynchronous (actors never wait;
 *   a bounded queue; every segment tagged with the weights version it was played with);
 * - with `--league`, **several learners** (main agent, main exploiters, league exploiters), each with
 *   its own weights, optimizer, checkpoint and metrics, sharing the actors; opponents, snapshots and
 *   resets follow AlphaStar's rules (league/league.ts);
 * - with `--redis`, **remote actors** (`arena actor` on other machines) besides the local workers:
 *   their segments join the same feed and are used, lag-checked and dropped like local ones
 *   (src/selfplay/remote-actors.ts).
 *
 * Everything else is written once here: the run folder (config printed and saved, `--resume`),
 * metrics, checkpoints, the `--steps` / `--minutes` budgets, evaluation, the profile.
 *
 * One iteration: 1. the feed hands over the next learner's segments (stale ones, older than
 * `maxLag` versions, are dropped) → 2. the algorithm updates; the new weights are published to the
 * actors under a new version → 3. league bookkeeping: the games are recorded, snapshots frozen,
 * exploiters reset → 4. evaluation against the baseline bots → 5. metrics and checkpoints.
 *
 * Crash safety: checkpoints are atomic (src/checkpoint/store.ts) and the league commits every batch of
 * results in one transaction, so `kill -9` then `--resume` loses at most the updates since each
 * learner's last checkpoint, and no recorded game or snapshot.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { basename, join, resolve } from 'node:path';
import { createBot } from '../../agents/index.ts';
import type { ActorCritic } from '../../agents/policy.ts';
import { agentStateSize, ConfigError, Rng, type Agent, type Game, type GameInfo } from '../../core/index.ts';
import { log } from '../../core/log.ts';
import { getGame } from '../../games/index.ts';
import { League, learnerId, snapshotId } from '../../league/league.ts';
import { LEARNERS_FILE, REMOTE_FILE } from '../../league/status.ts';
import type { Role } from '../../league/store.ts';
import { RunningMeanStd } from '../algorithms/running-stats.ts';
import { AVERAGE_POLICY_FILE, AveragePolicy, accumulateSnapshot, averageFromLeague, iterateWeight, runIterateWeights } from '../eval/average-policy.ts';
import { checkExactEvalGame, nashConv } from '../eval/exploitability.ts';
import { playSeries, seriesMetrics } from '../eval/match.ts';
import { BalancedOpenings, checkOpeningPlies, defaultOpeningPlies } from '../eval/openings.ts';
import { mean } from '../eval/stats.ts';
import { MetricsSink, type MetricRow } from '../metrics.ts';
import { SearchCollector, SelfPlayCollector, TeamCollector, type LearnerRef, type Segment, type SegmentCollector } from '../selfplay/collectors.ts';
import { FixedOpponents, LeagueOpponents } from '../selfplay/opponents.ts';
import { ActorPool, InThreadActors, SnapshotSet, type Actors, type ThreadMemory } from '../selfplay/pool.ts';
import { RedisActors } from '../selfplay/remote-actors.ts';
import { checkRunName } from '../selfplay/remote-protocol.ts';
import { selfPlayProblem } from '../selfplay/rollout.ts';
import { agentFromSnapshot } from '../selfplay/snapshot-agent.ts';
import { checkTeamGame } from '../selfplay/team-rollout.ts';
import { newPolicy, PolicyGradientAlgorithm, TeamAlgorithm, type Algorithm, type Stats, type MagnetState, type TeamExtra } from './algorithm.ts';
import { checkExpertIteration, checkOffPolicy, describeConfig, isOffPolicy, type TrainConfig } from './config.ts';
import { ExpertIterationAlgorithm, searchSettings } from './expert-iteration.ts';
import { AsyncFeed, SyncFeed, type Feed } from './feed.ts';
import { OffPolicyAlgorithm, OffPolicyCollector } from './offpolicy.ts';
import { OffPolicySelfPlayCollector } from './offpolicy-selfplay.ts';
import { isOffPolicyRun, loadOffPolicyCheckpoint, type LoadedOffPolicy } from './offpolicy-checkpoint.ts';
import { loadPolicyCheckpoint, restoreOptimizer, savePolicyCheckpoint, type LoadedPolicy, type TrainingState } from './policy-checkpoint.ts';
import { LocalCollector } from './run.ts';
import { WeightAverage } from './weight-average.ts';
import { defaultKernels } from '../fast/kernels.ts';

export type TrainingMode = 'single' | 'self-play' | 'team';

export interface TrainOptions {
  readonly config: TrainConfig;
  readonly outDir: string;
  /** Continue the run in `outDir` from its latest checkpoints. */
  readonly resume: boolean;
  /** Run actor tasks on the main thread instead of worker threads (tests). */
  readonly inThread?: boolean;
  /** Called after every update of any learner (progress bars). */
  readonly onUpdate?: (u: LoopUpdate) => void;
  /** Extra evaluation of the main agent at each evaluation point (e.g. exploitability); returns metrics. */
  readonly evaluate?: (policy: ActorCritic) => Record<string, number>;
  /** Accept remote actors through Redis (`--redis`, league self-play). */
  readonly remote?: RemoteTraining;
  /** Stops the run after the current update (its checkpoints are written as at the end of a budget). */
  readonly signal?: AbortSignal;
}

/** Remote actors for a run: `arena actor --redis <url> --run <run>` on any machine joins it. */
export interface RemoteTraining {
  readonly url: string;
  /** The run's name in Redis (default: the run folder's name). */
  readonly run?: string;
  /** Wait until this many actors have joined before training starts (default 0: start at once). */
  readonly waitActors?: number;
}

export interface LoopUpdate {
  readonly learner: string;
  readonly update: number;
  /** Steps of the whole run (all learners). */
  readonly globalStep: number;
  readonly elapsedSeconds: number;
  /** Mean score of this update's games (1 win, ½ draw), null without opponents. */
  readonly score: number | null;
  /** Mean return of the episodes finished in this update, null when none finished. */
  readonly episodeReturn: number | null;
  readonly stats: Stats;
  readonly evals: Record<string, number>;
}

export interface LearnerSummary {
  readonly id: string;
  readonly role: Role;
  readonly updates: number;
  readonly steps: number;
  readonly resets: number;
}

export interface TrainSummary {
  readonly outDir: string;
  readonly game: string;
  readonly algo: string;
  readonly mode: TrainingMode;
  /** Updates of the main agent. */
  readonly updates: number;
  /** Steps of the whole run (all learners). */
  readonly globalStep: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Mean return of the main agent's last (up to) 20 finished episodes. */
  readonly recentReturn: number;
  readonly lastEval: Record<string, number>;
  readonly learners: LearnerSummary[];
  readonly profile: Record<string, unknown>;
}

/** A learner of the run: its algorithm, counters, RNG, run folder and metrics. */
interface Unit extends LearnerRef {
  readonly id: string;
  readonly role: Role;
  readonly index: number;
  readonly dir: string;
  algorithm: Algorithm;
  /** Version of the newest published weights. */
  version: number;
  update: number;
  globalStep: number;
  resets: number;
  readonly rng: Rng;
  readonly obsRms: RunningMeanStd | null;
  readonly metrics: MetricsSink;
  /** Weights version → the update that produced it (for policy lag). */
  readonly versions: Map<number, number>;
  lastRowTime: number;
  /** Steps since the last metrics row (rows may skip updates: `metricsEvery`). */
  rowSteps: number;
  readonly recent: number[];
  /** Update of the last checkpoint written by this process. */
  checkpointed: number;
}

/** Extra checkpoint state of a learner. */
interface UnitState extends TrainingState {
  readonly learner?: { readonly id: string; readonly role: Role; readonly resets: number };
  readonly team?: TeamExtra;
}

/** Which mode a config trains in; throws a one-line error for a config no mode can run. */
export function trainingMode(config: TrainConfig, info: GameInfo): TrainingMode {
  if (isOffPolicy(config.algo)) {
    checkOffPolicy(config, info);
    return info.seats === 1 ? 'single' : 'self-play';
  }
  if (config.algo === 'mappo' || config.algo === 'ippo') {
    checkTeamGame(info);
    return 'team';
  }
  // expert iteration: self-play games with search in the actor pool (its config check names what it accepts)
  if (config.algo === 'alphazero') {
    checkExpertIteration(config, info);
    return 'self-play';
  }
  // two seats acting at once with action vectors (duel): self-play in a league, the only way to train them
  const selfPlayable = selfPlayProblem(info) === null;
  if (info.dynamics === 'simultaneous' && !selfPlayable) throw new ConfigError(`${info.id} is a team game: train it with --algo mappo or --algo ippo`);
  if (config.league) {
    if (!selfPlayable) throw new ConfigError(`league training supports two-seat games, sequential or with simultaneous continuous moves; ${info.id} is not one (MAPPO handles team games)`);
    return 'self-play';
  }
  if (info.dynamics === 'simultaneous') throw new ConfigError(`${info.id} has simultaneous moves: train it by self-play in a league (add --league)`);
  return 'single';
}

/** Checkpoint folders of a learner: its run folder, plus `seat-K` per extra team seat policy. */
/**
 * One memory sample of the profile (MB): resident memory (split into anonymous and file-backed pages
 * where /proc says), the main thread's live JS heap, the physical pages its heap holds, V8's own
 * allocations and external buffers, the same summed over the worker threads, and the store's size.
 */
interface MemorySample {
  elapsedS: number;
  rssMB: number;
  rssAnonMB: number | null;
  rssFileMB: number | null;
  heapMB: number;
  heapPhysicalMB: number;
  mallocedMB: number;
  externalMB: number;
  /** Live tfjs tensors on the main thread and their bytes (the reference learner, checkpoints). */
  tfTensors: number;
  tfMB: number;
  workersHeapMB: number | null;
  workersHeapPhysicalMB: number | null;
  workersMallocedMB: number | null;
  workersExternalMB: number | null;
  storeMB: number | null;
}

/** Anonymous and file-backed resident bytes of this process (Linux's /proc/self/status), or null elsewhere. */
function residentSplit(): { anon: number; file: number } | null {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const anon = kb('RssAnon');
    const file = kb('RssFile') + kb('RssShmem');
    return Number.isFinite(anon) && Number.isFinite(file) ? { anon, file } : null;
  } catch {
    return null;
  }
}

function policyDirs(dir: string, policies: number): string[] {
  return Array.from({ length: policies }, (_, k) => (k === 0 ? dir : join(dir, `seat-${k}`)));
}

export async function runTraining(opts: TrainOptions): Promise<TrainSummary> {
  const { outDir } = opts;
  let config = opts.config;
  const game: Game = getGame(config.game);
  const { info } = game;
  const mode = trainingMode(config, info);
  const teamSize = mode === 'team' ? checkTeamGame(info) : 1;
  if (mode === 'team' && config.normObs) throw new ConfigError(`${config.algo} on ${info.id} trains team policies on raw observations: set normObs false`);
  const seatPolicies = mode === 'team' && config.shareParams === false ? teamSize : 1;
  const hasRun = existsSync(join(outDir, 'checkpoints', 'latest'));
  if (!opts.resume && hasRun) throw new ConfigError(`${outDir} already holds a run: pass --resume to continue it, or choose another --out`);

  // 0. the run folder: resume the main learner first (its config wins, except the budgets)
  const loadDirs = async (dir: string): Promise<LoadedPolicy[] | null> =>
    existsSync(join(dir, 'checkpoints', 'latest')) ? Promise.all(policyDirs(dir, seatPolicies).map((d) => loadPolicyCheckpoint(d))) : null;
  // an off-policy run (DDPG, TD3, SAC) saves its own kind of checkpoint: networks, optimizers, replay buffer
  const offLoaded: LoadedOffPolicy | null = opts.resume && hasRun && (await isOffPolicyRun(outDir)) ? await loadOffPolicyCheckpoint(outDir) : null;
  const mainLoaded = opts.resume && !offLoaded ? await loadDirs(outDir) : null;
  if (opts.resume && !mainLoaded && !offLoaded) throw new ConfigError(`${outDir} holds no checkpoint to resume`);
  const resumed = mainLoaded?.[0]!.state ?? offLoaded?.state ?? null;
  if (resumed) config = { ...resumed.config, totalSteps: opts.config.totalSteps, minutes: opts.config.minutes };
  const offPolicy = isOffPolicy(config.algo);
  // the evaluation games' random openings (configs written before evalOpeningPlies existed: the default)
  const evalPlies = config.evalOpeningPlies ?? defaultOpeningPlies(info);
  checkOpeningPlies(info, evalPlies);
  const evalOpenings = config.evalOpenings ?? 'random';
  // enumerated once for every evaluation; too many balanced openings is a one-line error now, not at the first evaluation
  const evalBook = evalOpenings === 'balanced' && evalPlies > 0 ? new BalancedOpenings(game.newState(0), evalPlies) : null;
  // off-policy league self-play plays its games on the main thread with the live learner (offpolicy-selfplay.ts)
  const workers = mode === 'single' || offPolicy || opts.inThread ? 0 : config.workers;
  const asyncFeed = config.async && workers > 0;
  if (opts.remote && config.algo === 'alphazero') throw new ConfigError('alphazero plays its self-play games with search on the local worker threads: remote actors (--redis) join policy-gradient league runs only; drop --redis');
  if (opts.remote && offPolicy) throw new ConfigError(`${config.algo} plays its league games on the main thread: remote actors (--redis) join policy-gradient league runs only; drop --redis`);
  if (opts.remote && (mode !== 'self-play' || !asyncFeed)) {
    throw new ConfigError(mode !== 'self-play' ? 'remote actors (--redis) join league self-play of two-seat games: add --league (team games train on local workers)' : 'remote actors (--redis) need the asynchronous feed and worker threads: drop --sync');
  }
  if (mode === 'team' && config.batchSegments != null) throw new ConfigError('batchSegments applies to two-seat league self-play; team games split their envs over the workers');
  // remote actors: connected before anything is written or printed, so an unreachable Redis costs one
  // line and no run folder; closed however the run ends (`await using`)
  const published = new SnapshotSet();
  const runName = opts.remote ? checkRunName(opts.remote.run ?? basename(resolve(outDir))) : null;
  await using remote = opts.remote ? await RedisActors.open({ url: opts.remote.url, run: runName!, info, algo: config.algo, network: config.network, snapshots: published, criticSize: config.criticInput === 'agent-state' ? agentStateSize(info) : 0 }) : null;
  log.info(
    `training ${config.algo} on ${info.id} (${mode}${config.league ? ', league' : ''}, ${workers ? `${workers} worker(s), ${asyncFeed ? 'asynchronous' : 'synchronous'}` : 'main thread'}${remote ? ' + remote actors' : ''}) → ${outDir}` +
      (resumed ? ` (resuming at update ${resumed.update})` : ''),
  );
  log.info(`config:\n${describeConfig(config)}`);
  if (remote) log.info(`remote actors: run '${runName}' on ${remote.url} (learner session ${remote.session}); join it from any machine with  npx arena actor --redis ${remote.url} --run ${runName}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  // where `arena league status` finds the run's actors
  if (remote) await writeFile(join(outDir, REMOTE_FILE), `${JSON.stringify({ url: remote.url, run: runName })}\n`);
  if (remote && opts.remote?.waitActors) await remote.waitForActors(opts.remote.waitActors);

  // 1. learners
  const roles: { id: string; role: Role }[] = [{ id: 'main', role: 'main' }];
  if (mode !== 'single' && config.league) {
    for (let i = 0; i < config.mainExploiters; i++) roles.push({ id: learnerId('main_exploiter', i), role: 'main_exploiter' });
    for (let i = 0; i < config.leagueExploiters; i++) roles.push({ id: learnerId('league_exploiter', i), role: 'league_exploiter' });
  }
  const initSeed = (index: number) => config.seed + 1000 * index;
  const makeAlgorithm = (index: number, rng: Rng, obsRms: RunningMeanStd | null, loaded: LoadedPolicy[] | null): Algorithm => {
    if (mode === 'team') {
      return new TeamAlgorithm({ config, info, teamSize, seed: initSeed(index), rng, policies: loaded?.map((l) => l.policy), team: (loaded?.[0]!.state as UnitState | undefined)?.team ?? null });
    }
    if (config.algo === 'alphazero') return new ExpertIterationAlgorithm({ config, info, policy: loaded?.[0]!.policy ?? newPolicy(config, info, initSeed(index)), rng });
    const magnet = (loaded?.[0]!.state as { magnet?: MagnetState } | undefined)?.magnet ?? null;
    return new PolicyGradientAlgorithm({ config, info, policy: loaded?.[0]!.policy ?? newPolicy(config, info, initSeed(index)), rng, obsRms, magnet });
  };
  const units: Unit[] = [];
  const startElapsed = resumed?.elapsedSeconds ?? 0;
  const t0 = performance.now();
  const elapsed = () => startElapsed + (performance.now() - t0) / 1000;
  for (const [index, { id, role }] of roles.entries()) {
    const dir = index === 0 ? outDir : join(outDir, 'learners', id);
    const loaded = index === 0 ? mainLoaded : opts.resume ? await loadDirs(dir) : null;
    const state = (loaded?.[0]!.state ?? (index === 0 ? offLoaded?.state : undefined)) as UnitState | undefined;
    const rng = new Rng(config.seed + 1 + 7919 * index);
    if (state) rng.setState(state.rng);
    const obsRms = config.normObs ? (loaded?.[0]!.obsRms ?? new RunningMeanStd(info.observationSize)) : null;
    const algorithm = offPolicy ? await OffPolicyAlgorithm.create({ config, info, seed: initSeed(index), rng, restore: offLoaded }) : makeAlgorithm(index, rng, obsRms, loaded);
    if (loaded) for (let p = 0; p < loaded.length; p++) await restoreOptimizer(algorithm.optimizers[p]!, loaded[p]!.checkpoint);
    await mkdir(dir, { recursive: true });
    units.push({
      id,
      role,
      index,
      dir,
      algorithm,
      version: 0,
      update: state?.update ?? 0,
      globalStep: state?.globalStep ?? 0,
      resets: state?.learner?.resets ?? 0,
      rng,
      obsRms,
      metrics: new MetricsSink(dir),
      versions: new Map(),
      lastRowTime: performance.now(),
      rowSteps: 0,
      recent: [],
      checkpointed: -1,
    });
  }
  const main = units[0]!;
  const runStep = () => units.reduce((a, u) => a + u.globalStep, 0);
  const startStep = runStep();

  // 2. league, actors, collector, feed
  const league =
    mode !== 'single' && config.league
      ? League.open({ runDir: outDir, game: info.id, sampling: config.opponentSampling, mainExploiters: config.mainExploiters, leagueExploiters: config.leagueExploiters, snapshotEvery: config.snapshotEvery, botShare: config.leagueBotShare })
      : null;
  const actors: Actors | null = mode === 'single' || offPolicy ? null : workers > 0 ? new ActorPool({ workers, snapshots: published, nice: config.actorNice }) : new InThreadActors();
  // weights versions are unique for the run's life: above every stored snapshot's, so a resumed run never reuses one
  let lastVersion = Math.max(0, ...(league?.snapshotVersions() ?? []));
  /** A new weights version for the learner; its snapshot bytes go to the actors (none on the main thread). */
  const publish = (u: Unit): Uint8Array | null => {
    u.version = ++lastVersion;
    u.versions.set(u.version, u.update);
    for (const v of u.versions.keys()) if (v < u.version - 10_000) u.versions.delete(v);
    if (!actors) return null;
    const bytes = u.algorithm.snapshot();
    actors.publish(u.version, bytes);
    return bytes;
  };
  for (const u of units) publish(u);
  const versionsNow = () => Object.fromEntries(units.map((u) => [u.id, u.version]));
  const fixed = mode === 'team' && !league ? new FixedOpponents(config.opponent) : null;
  const opponents = league && actors ? new LeagueOpponents(league, actors, versionsNow) : fixed;
  if (league) {
    for (const u of units) {
      if (league.snapshots(u.id).length === 0) league.addSnapshot({ learner: u.id, update: u.update, version: u.version, blob: u.algorithm.snapshot() });
    }
    const bots = mode === 'team' ? new FixedOpponents(config.opponent).bots() : [];
    // only the configured pool bots are training opponents: evaluation bots not listed there stay held out
    for (const bot of new Set([...bots, ...(config.leagueBots ?? config.evalAgents)])) league.addBot(bot);
  }
  // the exported average policy (XFP): every main snapshot, weighted by iterateWeight (update, and the
  // learning rate it was trained with under averageWeights 'update-squared-lr'); a resumed run rebuilds
  // it from the league with the weights it gave before (learning rates from its metrics)
  let average: AveragePolicy | null = null;
  if (config.exportPolicy === 'average') {
    if (!league) throw new ConfigError('exportPolicy "average" averages the league\'s snapshots: add --league (or set exportPolicy "last")');
    checkExactEvalGame(info.id);
    average = averageFromLeague(outDir, { weight: runIterateWeights(outDir, config.averageWeights, config.lr) });
  }
  // the exported weight average (SWA): the main learner's weights at its checkpoints over the last swaFraction of the run
  let swa: WeightAverage | null = null;
  if (config.exportPolicy === 'swa') {
    if (offPolicy || seatPolicies > 1) throw new ConfigError(`exportPolicy "swa" averages one policy network's checkpoints; ${offPolicy ? `${config.algo} saves its own kind of checkpoint` : 'this run trains one policy per seat'} (set exportPolicy "last")`);
    swa = resumed ? await WeightAverage.resume(outDir, config.swaFraction) : new WeightAverage(config.swaFraction);
  }
  // self-play segments from the local workers, and with --redis from the remote actors: the same tasks
  // (remote tasks start new games: a remote slot does not come back to continue its games)
  const selfPlay = (where: Actors, continueGames: boolean) =>
    new SelfPlayCollector({ actors: where, info, envs: config.envs, steps: config.steps, evalGames: config.evalGames, opponents: opponents!, rng: main.rng, openingPlies: config.trainOpeningPlies ?? 0, segments: config.batchSegments ?? null, continueGames, ...(config.shaping > 0 ? { shaping: { coef: config.shaping, gamma: config.gamma } } : {}) });
  const collector: SegmentCollector =
    mode === 'single'
      ? offPolicy
        ? new OffPolicyCollector({ config, game, algorithm: main.algorithm as OffPolicyAlgorithm, rng: main.rng, globalStep: main.globalStep, update: main.update })
        : new LocalCollector({ config, game, algorithm: main.algorithm as PolicyGradientAlgorithm, rng: main.rng, obsRms: main.obsRms, update: main.update, evalBook })
      : mode === 'self-play'
        ? offPolicy
          ? new OffPolicySelfPlayCollector({ config, game, league: league!, algorithm: main.algorithm as OffPolicyAlgorithm, rng: main.rng, globalStep: main.globalStep, evalPlies })
          : config.algo === 'alphazero'
            ? new SearchCollector({ actors: actors!, info, rng: main.rng, settings: searchSettings(config) })
            : selfPlay(actors!, true)
        : new TeamCollector({ actors: actors!, info, algo: config.algo as 'mappo' | 'ippo', envs: config.envs, steps: config.steps, evalGames: config.evalGames, opponents: opponents!, rng: main.rng });
  // evaluation against the baseline bots: two-seat games play a paired series from random openings on this
  // thread (playSeries, the games `arena match` plays), the learner sampling from its newest weights;
  // the single-agent collector does the same, team games (simultaneous moves, no openings) play in the actors
  const evalBots = new Map<string, Agent>();
  let evaluations = 0;
  const evaluateVsBot = async (u: Unit, bot: string): Promise<Record<string, number>> => {
    if (mode !== 'self-play') return collector.evaluate(u, bot);
    const seed = (config.seed * 7919 + 1_000_003 * ++evaluations) >>> 0;
    let opponent = evalBots.get(bot);
    if (!opponent) evalBots.set(bot, (opponent = createBot(bot, info, seed + 1)));
    // a policy samples (greedy with evalGreedy); an off-policy actor plays as its snapshot in the league does (SAC samples, TD3/DDPG μ(s))
    const me = agentFromSnapshot(u.algorithm.snapshot(), info, { name: 'learner', seed, deterministic: config.evalGreedy === true });
    return seriesMetrics(bot, playSeries({ game, agents: [me, opponent], games: config.evalGames, seed, openingPlies: evalPlies, openings: evalOpenings, ...(evalBook ? { book: evalBook } : {}) }));
  };
  const feed: Feed<Unit> = asyncFeed
    ? new AsyncFeed({
        collector,
        learners: () => units,
        slots: workers,
        capacity: config.queueSegments ?? 2 * collector.segmentsPerUpdate * units.length,
        ...(remote ? { remote: { collector: selfPlay(remote, false), gate: remote } } : {}),
      })
    : new SyncFeed(collector, () => units);

  // 3. bookkeeping
  const deadline = config.minutes === null ? Infinity : config.minutes * 60;
  const profile = {
    waitSeconds: 0,
    learnerSeconds: 0,
    leagueSeconds: 0,
    evalSeconds: 0,
    checkpointSeconds: 0,
    envSeconds: 0,
    inferenceSeconds: 0,
    segments: 0,
    droppedSegments: 0,
    lagSum: 0,
    lagMax: 0,
    remoteUsed: 0,
    remoteDropped: 0,
    remoteUnused: 0,
    warmupSeconds: 0,
    learnerSecondsAfterWarmup: 0,
    memory: [] as MemorySample[],
  };
  // warm-up: the first 5% of a timed run (at most a minute; 10 s without a time budget), in this process's time
  const warmup = Math.min(60, deadline === Infinity ? 10 : (deadline - startElapsed) * 0.05);
  const sinceStart = () => (performance.now() - t0) / 1000;
  let lastEval: Record<string, number> = {};
  let lastSample = -Infinity;
  const sampleMemory = async () => {
    const e = elapsed();
    if (e - lastSample < 30) return;
    lastSample = e;
    // with --expose-gc (NODE_OPTIONS=--expose-gc) garbage is collected first, so the sample is live memory
    (globalThis as { gc?: () => void }).gc?.();
    const threads = (await actors?.threadMemory()) ?? [];
    const m = process.memoryUsage();
    const mb = (x: number) => Math.round(x / 2 ** 20);
    const sum = (f: (t: ThreadMemory) => number) => (threads.length ? mb(threads.reduce((a, t) => a + f(t), 0)) : null);
    // resident memory of the process (all threads), the main thread's JS heap and external buffers, and the
    // worker threads' heaps and external buffers (summed)
    const v8 = getHeapStatistics();
    const rss = residentSplit();
    const tfm = tf.memory();
    profile.memory.push({
      elapsedS: Math.round(e),
      rssMB: mb(m.rss),
      rssAnonMB: rss ? mb(rss.anon) : null,
      rssFileMB: rss ? mb(rss.file) : null,
      heapMB: mb(m.heapUsed),
      heapPhysicalMB: mb(v8.total_physical_size),
      mallocedMB: mb(v8.malloced_memory),
      externalMB: mb(m.external),
      tfTensors: tfm.numTensors,
      tfMB: mb(tfm.numBytes),
      workersHeapMB: sum((t) => t.heapBytes),
      workersHeapPhysicalMB: sum((t) => t.heapPhysicalBytes),
      workersMallocedMB: sum((t) => t.mallocedBytes),
      workersExternalMB: sum((t) => t.externalBytes),
      storeMB: league ? +(league.storeBytes() / 2 ** 20).toFixed(2) : null,
    });
    if (profile.memory.length > 240) profile.memory = profile.memory.filter((_, i) => i % 2 === 0); // bounded: keep every other sample
  };
  /** The share of the run's budget spent, in [0, 1]: drives the annealing schedules and the weight average's window. */
  const progress = () => Math.min(1, config.minutes === null ? runStep() / config.totalSteps : Math.max(runStep() / config.totalSteps, elapsed() / deadline));
  const checkpoint = async (u: Unit) => {
    if (u.checkpointed === u.update) return;
    u.checkpointed = u.update;
    const tk = performance.now();
    const state: UnitState = {
      config,
      update: u.update,
      globalStep: u.globalStep,
      obsRms: u.obsRms?.toJSON() ?? null,
      rng: u.rng.getState(),
      elapsedSeconds: elapsed(),
      learner: { id: u.id, role: u.role, resets: u.resets },
      ...u.algorithm.extraState(),
    };
    if (u === main && average) await average.save(join(outDir, AVERAGE_POLICY_FILE));
    if (u === main && swa && swa.inWindow(progress())) {
      const policy = u.algorithm.policies[0]!;
      if (swa.add(policy.getWeights(), u.update)) await swa.save(outDir, policy.spec, state);
    }
    if (u.algorithm.save) await u.algorithm.save(u.dir, state);
    const dirs = u.algorithm.save ? [] : policyDirs(u.dir, u.algorithm.policies.length);
    for (let p = 0; p < dirs.length; p++) await savePolicyCheckpoint(dirs[p]!, { policy: u.algorithm.policies[p]!, optimizer: u.algorithm.optimizers[p]!, state });
    u.metrics.flush();
    if (league) {
      // every learner's progress, for `arena league status` (written whole, then renamed)
      const rows = units.map((x) => ({ id: x.id, role: x.role, update: x.update, steps: x.globalStep, resets: x.resets }));
      await writeFile(join(outDir, `${LEARNERS_FILE}.tmp`), `${JSON.stringify(rows, null, 1)}\n`);
      await rename(join(outDir, `${LEARNERS_FILE}.tmp`), join(outDir, LEARNERS_FILE));
    }
    profile.checkpointSeconds += (performance.now() - tk) / 1000;
  };
  const done = () => runStep() >= config.totalSteps || elapsed() >= deadline || opts.signal?.aborted === true;
  /** Stops the actors; remote segments never handed to a learner are counted and acknowledged. */
  const stopFeed = async () => {
    const unused = await feed.stop();
    profile.remoteUnused += unused.filter((s) => s.remote).length;
    remote?.settle(unused);
  };

  try {
    await sampleMemory();
    while (!done()) {
      // 1. the next learner's segments; stale ones are dropped
      const ta = performance.now();
      const { learner: u, segments: got } = await feed.next();
      const tb = performance.now();
      profile.waitSeconds += (tb - ta) / 1000;
      const lags = got.map((s) => u.update - (u.versions.get(s.version) ?? u.update));
      const segments: Segment[] = got.filter((_, i) => config.maxLag === null || lags[i]! <= config.maxLag);
      profile.droppedSegments += got.length - segments.length;
      profile.segments += got.length;
      for (const s of got) {
        profile.envSeconds += s.envSeconds;
        profile.inferenceSeconds += s.inferenceSeconds;
      }
      for (const l of lags) {
        profile.lagSum += l;
        profile.lagMax = Math.max(profile.lagMax, l);
      }
      for (const [i, s] of got.entries()) {
        if (!s.remote) continue;
        if (config.maxLag === null || lags[i]! <= config.maxLag) profile.remoteUsed++;
        else profile.remoteDropped++;
      }
      if (segments.length === 0) {
        remote?.settle(got);
        continue;
      }

      // 2. update, then publish the new weights to the actors
      const stats = u.algorithm.update(segments.map((s) => s.trajectory), progress());
      // normObs in self-play: the actors normalised with the snapshot's statistics and report the raw moments; the next snapshot carries them
      if (u.obsRms) for (const s of segments) if (s.obsStats) u.obsRms.merge(s.obsStats);
      remote?.settle(got); // used or dropped: acknowledged
      u.update++;
      const steps = segments.reduce((a, s) => a + s.steps, 0);
      u.globalStep += steps;
      const bytes = publish(u);
      const tc = performance.now();
      profile.learnerSeconds += (tc - tb) / 1000;
      if (sinceStart() > warmup) profile.learnerSecondsAfterWarmup += (tc - tb) / 1000;
      else profile.warmupSeconds = sinceStart();

      // 3. league: every finished game is a rated result; snapshots; exploiter resets
      const games = segments.flatMap((s) => s.games);
      if (league) {
        league.recordLearnerGames(
          games.map((g) => ({ opponent: g.opponent === 'self' ? u.id : g.opponent!, score: g.score!, side: g.side as 0 | 1, update: u.update })),
          u.id,
        );
        // main agents every snapshotEvery updates; exploiters by AlphaStar's rule (league.shouldSnapshot)
        const due = u.role === 'main' ? u.update % config.snapshotEvery === 0 : league.shouldSnapshot(u.id, u.update);
        if (due && !league.store.hasMember(snapshotId(u.id, u.update))) {
          // off-policy learners publish nothing per update (no actors): their bytes are made when a snapshot is due
          const blob = bytes ?? u.algorithm.snapshot();
          league.addSnapshot({ learner: u.id, update: u.update, version: u.version, blob });
          if (average && u === main) accumulateSnapshot(average, blob, iterateWeight(u.update, (stats['charts/learning_rate'] ?? config.lr) / config.lr, config.averageWeights));
          if (league.resetsAfterSnapshot(u.id, u.rng)) {
            // AlphaStar: exploiters start again from the initial weights (a fresh optimizer too)
            u.algorithm.dispose();
            u.algorithm = makeAlgorithm(u.index, u.rng, u.obsRms, null);
            u.resets++;
            publish(u);
            log.info(`${u.id} reset to its initial weights after snapshot ${snapshotId(u.id, u.update)}`);
          }
        }
        (opponents as LeagueOpponents | null)?.invalidate();
      }
      // only the learners' current weights stay published: a snapshot drawn again is read back from the
      // store, so memory does not grow with the league
      actors?.retain(new Set(units.map((x) => x.version)));
      const td = performance.now();
      profile.leagueSeconds += (td - tc) / 1000;

      // 4. evaluation of the main agent against the baseline bots (and game-specific measures)
      const evals: Record<string, number> = {};
      if (u === main && info.seats > 1 && config.evalEvery > 0 && (u.update % config.evalEvery === 0 || u.update === 1)) {
        for (const bot of config.evalAgents) Object.assign(evals, await evaluateVsBot(u, bot));
      }
      // single-agent off-policy runs: the return of the deterministic policy in fresh episodes
      if (u === main && offPolicy && mode === 'single' && config.evalEvery > 0 && (u.update % config.evalEvery === 0 || u.update === 1)) {
        Object.assign(evals, await collector.evaluate(u, 'deterministic'));
      }
      if (u === main && opts.evaluate && config.evalEvery > 0 && (u.update % config.evalEvery === 0 || u.update === 1)) {
        Object.assign(evals, opts.evaluate(u.algorithm.policies[0]!));
      }
      if (u === main && average && config.evalEvery > 0 && (u.update % config.evalEvery === 0 || u.update === 1)) {
        evals['eval/exploitability_average'] = nashConv(game, average.policyFn()).exploitability;
      }
      if (Object.keys(evals).length) lastEval = evals;
      const te = performance.now();
      profile.evalSeconds += (te - td) / 1000;

      // 5. metrics and checkpoints
      for (const g of games) {
        if (u !== main) break;
        main.recent.push(g.return);
        if (main.recent.length > 20) main.recent.shift();
      }
      const scores = games.flatMap((g) => (g.score === null ? [] : [g.score]));
      u.rowSteps += steps;
      // a row every `metricsEvery` updates, and whenever episodes finished or an evaluation ran
      if (u.update % config.metricsEvery === 0 || games.length > 0 || Object.keys(evals).length > 0) {
        const now = performance.now();
        const row: MetricRow = {
          global_step: u.globalStep,
          update: u.update,
          'charts/episodic_return': games.length ? mean(games.map((g) => g.return)) : null,
          'charts/episodic_length': games.length ? mean(games.map((g) => g.length)) : null,
          'charts/episodes': games.length,
          'charts/SPS': u.rowSteps / ((now - u.lastRowTime) / 1000),
          'charts/policy_lag': mean(lags),
          'charts/policy_lag_max': Math.max(...lags),
          'charts/dropped_segments': got.length - segments.length,
          'time/elapsed_s': elapsed(),
          'time/wait_s': (tb - ta) / 1000,
          'time/learner_s': (tc - tb) / 1000,
          ...stats,
          ...evals,
        };
        row['charts/agent_steps'] = segments.reduce((a, s) => a + s.trajectory.steps * s.trajectory.columns, 0);
        if (mode !== 'single') row['charts/games'] = games.length;
        if (scores.length) row['charts/score'] = mean(scores);
        if (asyncFeed) row['charts/queue'] = feed.queued;
        if (league) row['charts/league_size'] = league.store.memberCount();
        if (remote) row['charts/remote_segments'] = segments.filter((s) => s.remote).length;
        u.lastRowTime = now;
        u.rowSteps = 0;
        u.metrics.write(row);
      }
      await sampleMemory();
      opts.onUpdate?.({ learner: u.id, update: u.update, globalStep: runStep(), elapsedSeconds: elapsed(), score: scores.length ? mean(scores) : null, episodeReturn: games.length ? mean(games.map((g) => g.return)) : null, stats, evals });
      if (u.update % config.checkpointEvery === 0) await checkpoint(u);
    }
    await stopFeed();
    for (const u of units) await checkpoint(u);
    if (!opts.signal?.aborted) remote?.markFinished(); // the actors leave; a stopped run may be resumed
  } finally {
    await stopFeed();
    for (const u of units) {
      u.metrics.close();
      u.algorithm.dispose();
    }
    league?.close();
    await actors?.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  await sampleMemory();
  const hours = elapsed() / 3600;
  const lastMem = profile.memory.at(-1);
  const summary: TrainSummary = {
    outDir,
    game: info.id,
    algo: config.algo,
    mode,
    updates: main.update,
    globalStep: runStep(),
    seconds,
    stepsPerSecond: (runStep() - startStep) / seconds,
    recentReturn: mean(main.recent),
    lastEval,
    learners: units.map((u) => ({ id: u.id, role: u.role, updates: u.update, steps: u.globalStep, resets: u.resets })),
    profile: {
      rolloutSeconds: profile.waitSeconds,
      learnerSeconds: profile.learnerSeconds,
      leagueSeconds: profile.leagueSeconds,
      evalSeconds: profile.evalSeconds,
      checkpointSeconds: profile.checkpointSeconds,
      envSeconds: profile.envSeconds,
      inferenceSeconds: profile.inferenceSeconds,
      workers,
      learnerThreads: config.learnerThreads,
      actorNice: config.actorNice,
      fastKernels: defaultKernels(),
      async: asyncFeed,
      totalSeconds: seconds,
      learnerBusy: profile.learnerSeconds / seconds,
      learnerBusyAfterWarmup: profile.learnerSecondsAfterWarmup / Math.max(1e-9, seconds - profile.warmupSeconds),
      segments: profile.segments,
      droppedSegments: profile.droppedSegments,
      meanPolicyLag: profile.lagSum / Math.max(1, profile.segments),
      maxPolicyLag: profile.lagMax,
      storeMB: lastMem?.storeMB ?? null,
      storeMBPerHour: lastMem?.storeMB != null && hours > 0 ? lastMem.storeMB / hours : null,
      memory: profile.memory,
      ...(remote ? { remote: { run: runName, ...remote.stats(), segmentsUsed: profile.remoteUsed, segmentsDroppedLag: profile.remoteDropped, segmentsUnused: profile.remoteUnused } } : {}),
    },
  };
  await writeFile(join(outDir, 'profile.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
