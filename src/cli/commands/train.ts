/**
 * `arena train`: resolves the config from defaults, a `--config` file and flags, then runs the one
 * training loop (src/train/loop.ts) with a progress bar and prints a summary. Importing this module
 * loads tfjs.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { PolicyAgent } from '../../../agents/policy-agent.ts';
import type { ActorCritic } from '../../../agents/policy.ts';
import { ConfigError, UnknownNameError } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../../backend.ts';
import { agentPolicy, isExactEvalGame, nashConv } from '../../eval/exploitability.ts';
import { ALGOS, isOffPolicy, resolveConfig, type Algo, type TrainConfig } from '../../train/config.ts';
import { runTraining, trainingMode, type LoopUpdate, type RemoteTraining, type TrainingMode } from '../../train/loop.ts';
import { floatOption, intOption, timestampedRunDir } from '../options.ts';
import { createProgress } from '../progress.ts';

interface TrainOptions {
  game: string;
  algo: string;
  steps?: number;
  envs?: number;
  seed?: number;
  backend: string;
  config?: string;
  out?: string;
  resume?: boolean;
  league?: boolean;
  workers?: number;
  learnerThreads?: number;
  actorNice?: number;
  sync?: boolean;
  maxLag?: number;
  mainExploiters?: number;
  leagueExploiters?: number;
  minutes?: number;
  redis?: string;
  run?: string;
  waitActors?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train agents (PPO, A2C, REINFORCE, IMPALA, TRPO; MAPPO or IPPO for team games), alone, against a bot or in a league, and write checkpoints and metrics to --out')
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .option('--algo <name>', `algorithm: ${ALGOS.join('|')}`, 'ppo')
    .option('--steps <n>', 'total environment steps (default: the config default, 100000)', intOption('--steps', 1))
    .option('--envs <k>', 'parallel environments', intOption('--envs', 1))
    .option('--seed <s>', 'seed', intOption('--seed', 0))
    .option('--backend <name>', `tensor backend: ${BACKEND_NAMES.join('|')}`, 'auto')
    .option('--config <file>', 'JSON file with config fields to override the defaults')
    .option('--out <dir>', 'run folder (checkpoints, metrics, config)')
    .option('--resume', 'continue the run in --out from its latest checkpoints (every learner)')
    .option('--league', 'self-play against a league of snapshots, with rollouts in worker threads (sac, td3, ddpg: on the main thread)')
    .option('--workers <w>', 'rollout worker threads (league and team training)', intOption('--workers', 1))
    .option('--learner-threads <n>', "threads computing each minibatch's gradient (fast learner; default 1)", intOption('--learner-threads', 1))
    .option('--actor-nice <n>', "scheduling niceness 0-19 of the rollout worker threads: above 0 they yield the cores to the learner's threads (Linux; default 0)", intOption('--actor-nice', 0))
    .option('--sync', 'synchronous collection: the actors wait for each update (exactly reproducible; default: asynchronous)')
    .option('--max-lag <n>', 'drop segments played by weights more than n versions old', intOption('--max-lag', 0))
    .option('--main-exploiters <n>', 'league: main exploiters, each its own learner (default 0)', intOption('--main-exploiters', 0))
    .option('--league-exploiters <n>', 'league: league exploiters, each its own learner (default 0)', intOption('--league-exploiters', 0))
    .option('--minutes <m>', 'stop after this many minutes', floatOption('--minutes'))
    .option('--redis <url>', 'league self-play: accept rollout actors from other machines (`arena actor`) through this Redis, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL)')
    .option('--run <name>', "with --redis: the run's name that actors join (default: the --out folder's name)")
    .option('--wait-actors <n>', 'with --redis: wait until n actors have joined before training starts', intOption('--wait-actors', 1))
    .option('--json', 'print a JSON summary at the end')
    .action(async (opts: TrainOptions) => {
      const game = getGame(opts.game);
      if (!(ALGOS as readonly string[]).includes(opts.algo)) throw new UnknownNameError('algorithm', opts.algo, ALGOS);
      if (!(BACKEND_NAMES as readonly string[]).includes(opts.backend)) throw new UnknownNameError('backend', opts.backend, BACKEND_NAMES);
      const algo = opts.algo as Algo;
      const fileLayer = opts.config ? await readConfigFile(opts.config) : {};
      const config = resolveConfig(algo, game.info.id, fileLayer, configFlags(opts));
      const outDir = opts.out ?? timestampedRunDir(`${game.info.id}-${algo}`);
      await selectBackend(opts.backend as BackendName);
      // remote actors: --redis, or ARENA_REDIS_URL for league self-play
      const redis = opts.redis ?? (trainingMode(config, game.info) === 'self-play' ? process.env['ARENA_REDIS_URL'] || undefined : undefined);
      if (!redis && (opts.run !== undefined || opts.waitActors !== undefined)) throw new ConfigError('--run and --wait-actors name a run for remote actors: add --redis <url>');
      const remote = redis ? { url: redis, ...(opts.run !== undefined ? { run: opts.run } : {}), ...(opts.waitActors !== undefined ? { waitActors: opts.waitActors } : {}) } : undefined;
      await train(config, outDir, opts.resume ?? false, opts.json ?? false, remote);
    });
}

/** The config layer the flags give, above the defaults and the `--config` file. */
function configFlags(opts: TrainOptions): Partial<TrainConfig> {
  const flags: Partial<TrainConfig> = {};
  if (opts.steps !== undefined) flags.totalSteps = opts.steps;
  if (opts.envs !== undefined) flags.envs = opts.envs;
  if (opts.seed !== undefined) flags.seed = opts.seed;
  if (opts.league) flags.league = true;
  if (opts.workers !== undefined) flags.workers = opts.workers;
  if (opts.learnerThreads !== undefined) flags.learnerThreads = opts.learnerThreads;
  if (opts.actorNice !== undefined) flags.actorNice = opts.actorNice;
  if (opts.sync) flags.async = false;
  if (opts.maxLag !== undefined) flags.maxLag = opts.maxLag;
  if (opts.mainExploiters !== undefined) flags.mainExploiters = opts.mainExploiters;
  if (opts.leagueExploiters !== undefined) flags.leagueExploiters = opts.leagueExploiters;
  if (opts.minutes !== undefined) flags.minutes = opts.minutes;
  if (opts.minutes !== undefined && opts.steps === undefined) flags.totalSteps = Number.MAX_SAFE_INTEGER;
  return flags;
}

async function readConfigFile(path: string): Promise<Partial<TrainConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
    return data as Partial<TrainConfig>;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid: ${(err as Error).message}`);
  }
}

/** The training loop with a progress bar, then a summary (or one JSON object). */
async function train(config: TrainConfig, outDir: string, resume: boolean, json: boolean, remote?: RemoteTraining): Promise<void> {
  const game = getGame(config.game);
  const byTime = config.minutes !== null;
  const total = byTime ? Math.round(config.minutes! * 60) : config.totalSteps;
  const progress = createProgress(`train ${config.algo} ${game.info.id}${config.league ? ' league' : ''}`, total, byTime ? 's' : 'steps');
  let evaluate: ((policy: ActorCritic) => Record<string, number>) | undefined;
  if (isExactEvalGame(game.info.id)) {
    evaluate = (policy) => {
      const agent = new PolicyAgent({ name: 'learner', policy, obsRms: null, info: game.info });
      const r = nashConv(game, agentPolicy(agent));
      return { 'eval/exploitability': r.exploitability, 'eval/nash_conv': r.nashConv };
    };
  }
  let last = '';
  let recent = '';
  const summary = await runTraining({
    config,
    outDir,
    resume,
    ...(remote ? { remote } : {}),
    evaluate,
    onUpdate: (u: LoopUpdate) => {
      if (u.learner !== 'main') return;
      const shown = Object.entries(u.evals).filter(([k]) => k.startsWith('eval/score') || k.startsWith('eval/win_rate') || k === 'eval/exploitability');
      if (shown.length) last = shown.map(([k, v]) => `${k.replace('eval/', '')} ${v.toFixed(3)}`).join(' ');
      if (u.score !== null) recent = `score ${u.score.toFixed(2)}`;
      else if (u.episodeReturn !== null) recent = `return ${u.episodeReturn.toFixed(1)}`;
      progress.update(Math.min(total, byTime ? Math.round(u.elapsedSeconds) : u.globalStep), `upd ${u.update} ${recent} ${last}`);
    },
  });
  progress.stop();
  if (json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`done: ${summary.updates} updates, ${summary.globalStep} steps in ${summary.seconds.toFixed(1)} s (${Math.round(summary.stepsPerSecond)} steps/s)`);
  if (summary.mode === 'single') console.log(`  recent mean return ${summary.recentReturn.toFixed(1)}`);
  for (const [k, v] of Object.entries(summary.lastEval)) console.log(`  ${k}: ${v.toFixed(4)}`);
  if (summary.learners.length > 1) for (const l of summary.learners) console.log(`  learner ${l.id} (${l.role}): ${l.updates} updates, ${l.steps} steps, ${l.resets} resets`);
  if (summary.mode !== 'single') {
    const p = summary.profile as Record<string, number>;
    const share = (x: number) => `${((100 * x) / p.totalSeconds!).toFixed(1)}%`;
    console.log(
      `time: waiting for rollouts ${share(p.rolloutSeconds!)} (${p.workers ? 'in workers' : 'on the main thread'}: games ${p.envSeconds!.toFixed(0)} s, inference ${p.inferenceSeconds!.toFixed(0)} s), ` +
        `learner ${share(p.learnerSeconds!)}, league ${share(p.leagueSeconds!)}, evaluation ${share(p.evalSeconds!)}, checkpoints ${share(p.checkpointSeconds!)}; ` +
        `policy lag mean ${p.meanPolicyLag!.toFixed(2)}, max ${p.maxPolicyLag} (profile.json)`,
    );
  }
  const r = summary.profile['remote'] as Record<string, number> | undefined;
  if (r) {
    console.log(
      `remote actors: ${r.actorsSeen} seen; segments ${r.segmentsUsed} used, ${r.segmentsDroppedLag} dropped (policy lag), ${r.segmentsUnused} unused at the end; ` +
        `tasks ${r.tasksIssued} sent, ${r.tasksLost} lost, ${r.tasksCancelled} cancelled; results ${r.resultsCorrupt} corrupt, ${r.resultsStale} stale (profile.json)`,
    );
  }
  const hint = nextStepHint(config, summary.mode, outDir);
  console.log(`checkpoint: ${outDir}  (${hint})`);
}

/**
 * What to run next with a finished run, printed after it: a single-agent run's evaluation or plot, a
 * league's status, or a match against the last of its evaluation opponents (a bot that fits its game).
 */
export function nextStepHint(config: TrainConfig, mode: TrainingMode, outDir: string): string {
  // the unversioned name where it resolves to the trained version (connect-four-v1 and -v2 are reached by their ids only)
  const unversioned = config.game.replace(/-v\d+$/, '');
  const short = getGame(unversioned).info.id === config.game ? unversioned : config.game;
  if (isOffPolicy(config.algo) && mode === 'single') return `plot: npx arena plot ${outDir}; the run's own evaluations are eval/return in metrics.jsonl`;
  if (mode === 'single') return `evaluate: npx arena eval --agent ${outDir} --game ${short}`;
  if (config.league) return `league: npx arena league status ${outDir}`;
  return `play it: npx arena match --game ${short} --agents ${outDir},${config.evalAgents.at(-1) ?? 'random'} --games 100`;
}
