/**
 * The `arena` command line. Each subcommand parses its options, calls library code, and prints
 * either a human summary or one JSON object. A user's mistake prints one line, not a stack trace.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createAgent, listAgentKinds } from '../../agents/index.ts';
import { DEFAULT_SIMULATIONS } from '../../agents/mcts.ts';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { ArenaError, ConfigError, UnknownNameError, type Agent } from '../../core/index.ts';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend.ts';
import { evaluateAgent } from '../eval/evaluate.ts';
import { ALGOS, resolveConfig, type Algo, type TrainConfig } from '../train/config.ts';
import { runTraining, trainingMode, type LoopUpdate, type RemoteTraining } from '../train/loop.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import type { ActorCritic } from '../../agents/policy.ts';
import { agentPolicy, EXACT_EVAL_GAMES, nashConv } from '../eval/exploitability.ts';
import { getGame, listGames } from '../../games/index.ts';
import { formatSeries, playSeries } from '../eval/match.ts';
import { createProgress } from './progress.ts';

function intOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const program = new Command()
  .name('arena')
  .description('Train, evaluate and host game-playing agents: multi-agent RL, league play and game servers.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('games')
  .description('list the registered games')
  .option('--json', 'print a JSON array')
  .action((opts: { json?: boolean }) => {
    const rows = listGames().map(({ info }) => ({
      id: info.id,
      name: info.name,
      seats: info.seats,
      teams: info.teams.length,
      teamSeats: info.teams,
      actions: info.actions,
      observationSize: info.observationSize,
      stateSize: info.stateSize,
      dynamics: info.dynamics,
      information: info.information,
      utility: info.utility,
      maxSteps: info.maxSteps,
    }));
    if (opts.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    console.table(
      rows.map((r) => ({
        id: r.id,
        seats: r.seats,
        teams: r.teams,
        actions: r.actions,
        observation: r.observationSize,
        state: r.stateSize,
        moves: r.dynamics,
        information: r.information,
        utility: r.utility,
      })),
    );
  });

program
  .command('agents')
  .description('list the agent kinds usable in --agents specs')
  .action(() => {
    for (const k of listAgentKinds()) console.log(`${k.kind.padEnd(12)} ${k.summary}`);
    console.log(`\nTrained agents: a checkpoint or run folder, a league member <runDir>#<id>; prefixes greedy: (most probable move) and last: (last iterate).`);
    console.log(`mcts:<agent>[:<simulations>]  PUCT search guided by a trained agent's policy and critic (default ${DEFAULT_SIMULATIONS} simulations), e.g. mcts:runs/c4:200`);
  });

/** How tournament and ladder ratings are fitted (league/tournament.ts). */
const RATINGS_NOTE = 'Bradley–Terry maximum likelihood (draws count half), each pair weighted by its distinct games (a replay adds no information)';

/** `--opening-plies`: random plies before each game (paired games share one opening, sides swapped). */
const OPENING_PLIES_HELP = 'random plies that start each game, played by neither agent; games 2p and 2p+1 share an opening with sides swapped (default: 1 in sequential games without chance, else 0; 0 turns openings off)';

program
  .command('match')
  .description('play a series between two agents, paired games from random openings with sides alternating, and report wins, draws, losses and distinct games')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .requiredOption('--agents <a,b>', 'two agent specs, e.g. alphabeta:4,random')
  .option('--games <n>', 'number of games', intOption('--games', 1), 100)
  .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
  .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
  .option('--json', 'print one JSON object')
  .action(async (opts: { game: string; agents: string; games: number; seed: number; openingPlies?: number; json?: boolean }) => {
    const game = getGame(opts.game);
    const specs = opts.agents.split(',').map((s) => s.trim());
    if (specs.length !== 2 || specs.some((s) => s === '')) {
      throw new ArenaError('BAD_ARGUMENT', `--agents needs exactly two comma-separated specs, got '${opts.agents}'`);
    }
    const agents: [Agent, Agent] = [await createAgent(specs[0]!, game.info, opts.seed * 2 + 1), await createAgent(specs[1]!, game.info, opts.seed * 2 + 2)];
    const progress = opts.json ? undefined : createProgress(`${specs[0]} vs ${specs[1]}`, opts.games, 'games');
    let result;
    try {
      result = playSeries({
        game,
        agents,
        games: opts.games,
        seed: opts.seed,
        ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
        onGame: (done, r) => progress?.update(done, `W${r.wins[0]} D${r.draws} L${r.wins[1]}, ${r.distinct} distinct`),
      });
    } finally {
      progress?.stop();
      for (const a of agents) a.dispose?.();
    }
    if (opts.json) {
      console.log(JSON.stringify({ ...result, agents: specs, seed: opts.seed }));
      return;
    }
    console.log(formatSeries(result, [specs[0]!, specs[1]!], opts.seed));
  });

program
  .command('train')
  .description('train agents (PPO, A2C, REINFORCE, IMPALA; MAPPO or IPPO for team games), alone, against a bot or in a league, and write checkpoints and metrics to --out')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .option('--algo <name>', `algorithm: ${ALGOS.join('|')}`, 'ppo')
  .option('--steps <n>', 'total environment steps (default: the config default, 100000)', intOption('--steps', 1))
  .option('--envs <k>', 'parallel environments', intOption('--envs', 1))
  .option('--seed <s>', 'seed', intOption('--seed', 0))
  .option('--backend <name>', `tensor backend: ${BACKEND_NAMES.join('|')}`, 'auto')
  .option('--config <file>', 'JSON file with config fields to override the defaults')
  .option('--out <dir>', 'run folder (checkpoints, metrics, config)')
  .option('--resume', 'continue the run in --out from its latest checkpoints (every learner)')
  .option('--league', 'self-play against a league of snapshots, with rollouts in worker threads')
  .option('--workers <w>', 'rollout worker threads (league and team training)', intOption('--workers', 1))
  .option('--sync', 'synchronous collection: the actors wait for each update (exactly reproducible; default: asynchronous)')
  .option('--max-lag <n>', 'drop segments played by weights more than n versions old', intOption('--max-lag', 0))
  .option('--main-exploiters <n>', 'league: main exploiters, each its own learner (default 0)', intOption('--main-exploiters', 0))
  .option('--league-exploiters <n>', 'league: league exploiters, each its own learner (default 0)', intOption('--league-exploiters', 0))
  .option('--minutes <m>', 'stop after this many minutes', floatOption('--minutes'))
  .option('--redis <url>', 'league self-play: accept rollout actors from other machines (`arena actor`) through this Redis, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL)')
  .option('--run <name>', "with --redis: the run's name that actors join (default: the --out folder's name)")
  .option('--wait-actors <n>', 'with --redis: wait until n actors have joined before training starts', intOption('--wait-actors', 1))
  .option('--json', 'print a JSON summary at the end')
  .action(
    async (opts: {
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
      sync?: boolean;
      maxLag?: number;
      mainExploiters?: number;
      leagueExploiters?: number;
      minutes?: number;
      redis?: string;
      run?: string;
      waitActors?: number;
      json?: boolean;
    }) => {
      const game = getGame(opts.game);
      if (!(ALGOS as readonly string[]).includes(opts.algo)) throw new UnknownNameError('algorithm', opts.algo, ALGOS);
      if (!(BACKEND_NAMES as readonly string[]).includes(opts.backend)) throw new UnknownNameError('backend', opts.backend, BACKEND_NAMES);
      const algo = opts.algo as Algo;
      const fileLayer = opts.config ? await readConfigFile(opts.config) : {};
      const flags: Partial<TrainConfig> = {};
      if (opts.steps !== undefined) flags.totalSteps = opts.steps;
      if (opts.envs !== undefined) flags.envs = opts.envs;
      if (opts.seed !== undefined) flags.seed = opts.seed;
      if (opts.league) flags.league = true;
      if (opts.workers !== undefined) flags.workers = opts.workers;
      if (opts.sync) flags.async = false;
      if (opts.maxLag !== undefined) flags.maxLag = opts.maxLag;
      if (opts.mainExploiters !== undefined) flags.mainExploiters = opts.mainExploiters;
      if (opts.leagueExploiters !== undefined) flags.leagueExploiters = opts.leagueExploiters;
      if (opts.minutes !== undefined) flags.minutes = opts.minutes;
      if (opts.minutes !== undefined && opts.steps === undefined) flags.totalSteps = Number.MAX_SAFE_INTEGER;
      const config = resolveConfig(algo, game.info.id, fileLayer, flags);
      const outDir = opts.out ?? `runs/${game.info.id}-${algo}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await selectBackend(opts.backend as BackendName);
      // remote actors: --redis, or ARENA_REDIS_URL for league self-play
      const redis = opts.redis ?? (trainingMode(config, game.info) === 'self-play' ? process.env['ARENA_REDIS_URL'] || undefined : undefined);
      if (!redis && (opts.run !== undefined || opts.waitActors !== undefined)) throw new ConfigError('--run and --wait-actors name a run for remote actors: add --redis <url>');
      const remote = redis ? { url: redis, ...(opts.run !== undefined ? { run: opts.run } : {}), ...(opts.waitActors !== undefined ? { waitActors: opts.waitActors } : {}) } : undefined;
      await trainCommand(config, outDir, opts.resume ?? false, opts.json ?? false, remote);
    },
  );

program
  .command('actor')
  .description('a rollout actor for a league run on another machine: joins the run through Redis (arena train --league --redis …), plays its self-play tasks in worker threads and sends the segments back')
  .option('--redis <url>', 'the Redis the learner uses, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL)')
  .requiredOption('--run <name>', "the run to join (the learner prints it; default there: its --out folder's name)")
  .option('--workers <w>', 'rollout worker threads (default: one per CPU core)', intOption('--workers', 1))
  .option('--game <id>', 'join only a run of this game (refuse any other)')
  .addOption(new Option('--test-hold-after <n>', 'tests: once n segments are sent, hold claimed tasks without playing them').hideHelp().argParser(intOption('--test-hold-after', 0)))
  .option('--json', 'print one JSON object at the end')
  .action(async (opts: { redis?: string; run: string; workers?: number; game?: string; testHoldAfter?: number; json?: boolean }) => {
    const url = opts.redis ?? process.env['ARENA_REDIS_URL'];
    if (!url) throw new ConfigError('arena actor needs --redis <url> (or ARENA_REDIS_URL): the Redis the learner uses');
    const { checkRunName } = await import('../selfplay/remote-protocol.ts');
    const { runRemoteActor } = await import('../selfplay/remote-actor.ts');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const s = await runRemoteActor({
        url,
        run: checkRunName(opts.run),
        workers: opts.workers ?? Math.max(1, availableParallelism()),
        game: opts.game === undefined ? null : getGame(opts.game).info.id,
        signal: stop.signal,
        ...(opts.testHoldAfter !== undefined ? { holdAfter: opts.testHoldAfter } : {}),
      });
      if (opts.json) console.log(JSON.stringify(s));
      else console.log(`actor ${s.id}: ${s.segments} segments sent, ${s.failed} failed, ${s.skipped} stale tasks skipped in ${s.seconds.toFixed(0)} s; ${s.end === 'finished' ? 'the run finished' : 'stopped'}`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });

program
  .command('eval')
  .description("evaluate an agent's returns (a checkpoint or a bot spec)")
  .requiredOption('--agent <spec>', 'checkpoint folder or agent spec')
  .requiredOption('--game <id>', 'game id')
  .option('--episodes <n>', 'episodes', intOption('--episodes', 1), 20)
  .option('--seed <s>', 'seed', intOption('--seed', 0), 1000)
  .option('--opponent <spec>', 'agent on the other seats in multi-seat games', 'random')
  .option('--stochastic', 'sample actions instead of taking the most probable one')
  .option('--json', 'print one JSON object')
  .action(async (opts: { agent: string; game: string; episodes: number; seed: number; opponent: string; stochastic?: boolean; json?: boolean }) => {
    const game = getGame(opts.game);
    const agent = await createAgent(opts.agent, game.info, opts.seed, { deterministic: !opts.stochastic });
    const opponent = game.info.seats > 1 ? await createAgent(opts.opponent, game.info, opts.seed + 1) : undefined;
    const progress = opts.json ? undefined : createProgress(`eval ${opts.agent}`, opts.episodes, 'episodes');
    const r = evaluateAgent({ game, agent, episodes: opts.episodes, seed: opts.seed, opponent, onEpisode: (d) => progress?.update(d) });
    progress?.stop();
    agent.dispose?.();
    opponent?.dispose?.();
    if (opts.json) {
      console.log(JSON.stringify({ meanReturn: r.meanReturn, stdReturn: r.stdReturn, episodes: r.episodes, minReturn: r.minReturn, maxReturn: r.maxReturn, game: r.game }));
      return;
    }
    console.log(`${r.game}: ${opts.agent} over ${r.episodes} episodes: mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${r.minReturn}, max ${r.maxReturn})`);
  });

program
  .command('plot')
  .description('render the learning curves of one or more runs to an HTML page and a PNG')
  .argument('<runs...>', 'run folders (several: compared on one chart)')
  .option('--out <path>', 'output path without extension')
  .action(async (runs: string[], opts: { out?: string }) => {
    const { plotRun, plotRuns } = await import('../plot/index.ts');
    const r =
      runs.length === 1
        ? await plotRun(runs[0]!, opts.out ? { out: opts.out } : {})
        : await plotRuns(runs.map((dir) => ({ label: dir.replace(/\/$/, '').split('/').pop()!, dir })), opts.out ?? 'runs/comparison');
    console.log(`wrote ${r.html}`);
    console.log(`wrote ${r.png}`);
  });

// ---- exact evaluation for poker (issue 4): `exploitability` and `policy-table` ----

/**
 * The game (--game, else the checkpoint's own game, else Kuhn), checked to be one where exact
 * evaluation is feasible, the agent, and its policy as a function (a one-line error when the agent
 * does not expose its action probabilities).
 */
async function exactEvalSetup(spec: string, gameName: string | undefined, deterministic: boolean) {
  const { GREEDY_PREFIX, LAST_PREFIX, isCheckpointSpec } = await import('../../agents/index.ts');
  const { agentPolicy, checkExactEvalGame } = await import('../eval/exploitability.ts');
  let name = gameName;
  // the game of a checkpoint, run folder, league member or average-policy file (prefixes such as greedy: or last: aside)
  let path = spec;
  for (const prefix of [GREEDY_PREFIX, LAST_PREFIX, GREEDY_PREFIX]) if (path.startsWith(prefix)) path = path.slice(prefix.length);
  path = path.split('#')[0]!;
  if (name === undefined && isCheckpointSpec(path)) {
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) {
      try {
        const data = JSON.parse(await readFile(path, 'utf8')) as { game?: unknown };
        if (typeof data.game === 'string') name = data.game;
      } catch {
        // not JSON: createAgent below refuses the file with its name
      }
    } else {
      const { loadCheckpoint } = await import('../checkpoint/store.ts');
      const meta = (await loadCheckpoint<{ game?: unknown } | null>(path)).meta;
      if (typeof meta?.game === 'string') name = meta.game;
    }
  }
  const game = getGame(name ?? 'kuhn-poker');
  checkExactEvalGame(game.info.id);
  const agent = await createAgent(spec, game.info, 0, { deterministic });
  try {
    return { game, agent, policy: agentPolicy(agent) };
  } catch (err) {
    agent.dispose?.();
    throw err;
  }
}

program
  .command('exploitability')
  .description('exact exploitability (NashConv / 2) of an agent at Kuhn or Leduc poker, by best response over the whole game tree')
  .requiredOption('--agent <spec>', 'checkpoint folder or agent spec (e.g. nash, random)')
  .option('--game <id>', 'kuhn-poker or leduc-poker (default: the checkpoint’s game, else kuhn-poker)')
  .option('--deterministic', 'evaluate a checkpoint’s greedy policy instead of its sampling policy')
  .option('--json', 'print one JSON object')
  .action(async (opts: { agent: string; game?: string; deterministic?: boolean; json?: boolean }) => {
    const { nashConv } = await import('../eval/exploitability.ts');
    const { game, agent, policy } = await exactEvalSetup(opts.agent, opts.game, opts.deterministic ?? false);
    let r;
    try {
      r = nashConv(game, policy);
    } finally {
      agent.dispose?.();
    }
    if (opts.json) {
      console.log(
        JSON.stringify({
          exploitability: r.exploitability,
          nashConv: r.nashConv,
          game: game.info.id,
          agent: opts.agent,
          bestResponseValues: r.bestResponseValues,
          policyValues: r.policyValues,
        }),
      );
      return;
    }
    const f = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(', ');
    console.log(`${game.info.id}: ${opts.agent}`);
    console.log(`  exploitability ${r.exploitability.toFixed(6)}  (NashConv ${r.nashConv.toFixed(6)}, over ${r.bestResponseValues.length} seats)`);
    console.log(`  best-response values per seat: ${f(r.bestResponseValues)}; policy values: ${f(r.policyValues)}`);
    console.log(`  exact: ${r.infoStates} information states, ${r.terminals} terminal histories`);
  });

program
  .command('policy-table')
  .description("an agent's action probabilities at every information state of Kuhn (OpenSpiel notation) or Leduc poker")
  .requiredOption('--agent <spec>', 'checkpoint folder or agent spec (e.g. nash, random)')
  .option('--game <id>', 'kuhn-poker or leduc-poker (default: the checkpoint’s game, else kuhn-poker)')
  .option('--deterministic', 'tabulate a checkpoint’s greedy policy instead of its sampling policy')
  .option('--json', 'print one JSON object {game, agent, actions, policy}')
  .action(async (opts: { agent: string; game?: string; deterministic?: boolean; json?: boolean }) => {
    const { formatPolicyTable, policyTable, policyTableObject } = await import('../eval/policy-table.ts');
    const { game, agent, policy } = await exactEvalSetup(opts.agent, opts.game, opts.deterministic ?? false);
    let table;
    try {
      table = policyTable(game, policy);
    } finally {
      agent.dispose?.();
    }
    if (opts.json) {
      console.log(JSON.stringify({ game: game.info.id, agent: opts.agent, actions: table.actions, policy: policyTableObject(table) }));
      return;
    }
    console.log(`${game.info.id}: ${opts.agent}, ${table.rows.length} information states`);
    console.log(formatPolicyTable(table));
  });

program
  .command('average-policy')
  .description(
    "rebuild a league run's average policy (XFP: each snapshot's action probabilities weighted by its own reach) from its stored snapshots, write it, and print its exploitability",
  )
  .argument('<runDir>', 'league run folder (with league.db)')
  .option('--from <update>', 'first snapshot update to include', intOption('--from', 0), 0)
  .option('--learner <id>', 'whose snapshots to average', 'main')
  .option('--out <file>', 'where to write the table (default: <runDir>/average-policy.json, which the run plays when its config.json has "exportPolicy": "average")')
  .option('--json', 'print one JSON object')
  .action(async (runDir: string, opts: { from: number; learner: string; out?: string; json?: boolean }) => {
    const { averageFromLeague, AVERAGE_POLICY_FILE } = await import('../eval/average-policy.ts');
    const avg = averageFromLeague(runDir, { from: opts.from, learner: opts.learner });
    const out = opts.out ?? `${runDir.replace(/\/+$/, '')}/${AVERAGE_POLICY_FILE}`;
    await avg.save(out);
    const exact = EXACT_EVAL_GAMES.some((g) => avg.gameId.replace(/-v\d+$/, '') === g);
    const r = exact ? nashConv(avg.game, avg.policyFn()) : null;
    if (opts.json) {
      console.log(
        JSON.stringify({ game: avg.gameId, runDir, learner: opts.learner, from: opts.from, snapshots: avg.iterates, out, exploitability: r?.exploitability ?? null, nashConv: r?.nashConv ?? null }),
      );
      return;
    }
    console.log(`${avg.gameId}: average of ${avg.iterates} snapshot(s) of ${opts.learner} from update ${opts.from} → ${out} (${avg.infoStates} information states)`);
    if (r) console.log(`  exploitability ${r.exploitability.toFixed(6)}  (NashConv ${r.nashConv.toFixed(6)})`);
    console.log(`  play it with --agent ${out} --game ${avg.gameId}${opts.out === undefined ? ` (or --agent ${runDir} when its config.json has "exportPolicy": "average")` : ''}`);
  });

// ---- end of exact evaluation ----

/** `arena train`: the one training loop (src/train/loop.ts), with a progress bar and a summary. */
async function trainCommand(config: TrainConfig, outDir: string, resume: boolean, json: boolean, remote?: RemoteTraining): Promise<void> {
  const game = getGame(config.game);
  const byTime = config.minutes !== null;
  const total = byTime ? Math.round(config.minutes! * 60) : config.totalSteps;
  const progress = createProgress(`train ${config.algo} ${game.info.id}${config.league ? ' league' : ''}`, total, byTime ? 's' : 'steps');
  let evaluate: ((policy: ActorCritic) => Record<string, number>) | undefined;
  if (EXACT_EVAL_GAMES.some((g) => game.info.id.startsWith(g))) {
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
      `time: waiting for rollouts ${share(p.rolloutSeconds!)} (in workers: games ${p.envSeconds!.toFixed(0)} s, inference ${p.inferenceSeconds!.toFixed(0)} s), ` +
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
  const short = config.game.replace(/-v\d+$/, '');
  const hint =
    summary.mode === 'single'
      ? `evaluate: npx arena eval --agent ${outDir} --game ${short}`
      : config.league
        ? `league: npx arena league status ${outDir}`
        : `play it: npx arena match --game ${short} --agents ${outDir},heuristic --games 100`;
  console.log(`checkpoint: ${outDir}  (${hint})`);
}

function floatOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

// ---- league tools (issue 4): `tournament` and `league status` ----

program
  .command('tournament')
  .description('round robin among agents (bots, checkpoints, league members): Bradley–Terry ratings with 95% intervals, saved as JSON, CSV and a plot')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .requiredOption('--agents <a,b,...>', 'two or more agent specs: bots (alphabeta:3), checkpoint folders, league members <runDir>#<id> (runs/kuhn#main@000120)')
  .option('--games <n>', 'games per pair (sides alternate)', intOption('--games', 1), 20)
  .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
  .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
  .option('--out <dir>', 'folder for tournament.json/.csv/.png/.html (default runs/tournament-<game>-<time>)')
  .option('--server <url>', 'play every game as a real match on an arena server (ws://host:port), the agents as bot clients; with ARENA_ADMIN_TOKEN set, seeded like the offline tournament')
  .option('--json', 'print the table as one JSON object')
  .action(async (opts: { game: string; agents: string; games: number; seed: number; openingPlies?: number; out?: string; server?: string; json?: boolean }) => {
    const { formatTournamentTable, openingsText, ratingZero, runTournament, writeTournament } = await import('../../league/tournament.ts');
    const game = getGame(opts.game);
    const specs = opts.agents.split(',').map((s) => s.trim());
    if (specs.length < 2 || specs.some((s) => s === '')) {
      throw new ArenaError('BAD_ARGUMENT', `--agents needs two or more comma-separated specs, got '${opts.agents}'`);
    }
    const total = ((specs.length * (specs.length - 1)) / 2) * opts.games;
    const progress = opts.json ? undefined : createProgress(`tournament ${game.info.id}`, total, 'games');
    const playSeries = opts.server ? await hostedSeriesFor(opts.server) : undefined;
    let result;
    try {
      result = await runTournament({
        game,
        specs,
        games: opts.games,
        seed: opts.seed,
        ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
        onGame: (done, _t, pair) => progress?.update(done, `${pair[0]} vs ${pair[1]}`),
        ...(playSeries ? { playSeries } : {}),
      });
    } finally {
      progress?.stop();
    }
    const outDir = opts.out ?? `runs/tournament-${game.info.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const files = await writeTournament(result, outDir);
    if (opts.json) {
      console.log(JSON.stringify({ ...result, files }));
      return;
    }
    console.log(`${result.game}: round robin of ${specs.length} agents, ${opts.games} games per pair (${result.totalGames} games, ${result.distinctGames} distinct; sides alternate, ${openingsText(result)}, seed ${opts.seed})`);
    console.log(formatTournamentTable(result));
    console.log(`ratings: ${RATINGS_NOTE}, Elo scale, ${ratingZero(result)}, ± half-width of the 95% interval`);
    console.log(`wrote ${files.json}, ${files.csv}, ${files.png}, ${files.html}`);
  });

program
  .command('ladder')
  .description('rate agents on a fixed ladder of reference bots (random, alphabeta:1..7 at Connect Four): a round robin from paired random openings, Bradley–Terry ratings anchored at alphabeta:1 = 0 with 95% intervals, a table and a plot')
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .option('--agents <a,b,...>', 'agents to rate: checkpoint folders, greedy:<checkpoint>, league members <runDir>#<id>, bot specs (none: the bare ladder)', '')
  .option('--games <n>', 'games per pair (even: every opening from both sides)', intOption('--games', 1), 40)
  .option('--depths <range>', 'alphabeta depths on the ladder, e.g. 1-7 or 1,3,5 (games where alphabeta plays)')
  .option('--bots <a,b,...>', 'reference bots instead of the default ladder, weakest first')
  .option('--anchor <spec>', 'the player rated 0 (default: the first reference bot other than random, e.g. alphabeta:1)')
  .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
  .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
  .option('--out <dir>', 'folder for ladder.json/.csv/.png/.html (default runs/ladder-<game>-<time>)')
  .option('--json', 'print the table as one JSON object')
  .action(async (opts: { game: string; agents: string; games: number; depths?: string; bots?: string; anchor?: string; seed: number; openingPlies?: number; out?: string; json?: boolean }) => {
    const { defaultLadderBots, parseDepths, runLadder, DEFAULT_LADDER_DEPTHS } = await import('../../league/ladder.ts');
    const { formatTournamentTable, openingsText, ratingZero, writeTournament } = await import('../../league/tournament.ts');
    const game = getGame(opts.game);
    const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
    if (opts.bots !== undefined && opts.depths !== undefined) throw new ArenaError('BAD_ARGUMENT', '--bots and --depths exclude each other: list the alphabeta depths in --bots');
    const depths = opts.depths === undefined ? DEFAULT_LADDER_DEPTHS : parseDepths(opts.depths);
    const bots = opts.bots !== undefined ? list(opts.bots) : defaultLadderBots(game.info, depths);
    if (opts.depths !== undefined && !bots.some((b) => b.startsWith('alphabeta:'))) throw new ArenaError('BAD_ARGUMENT', `--depths: alphabeta cannot play ${game.info.id}; its ladder is ${bots.join(', ')}`);
    const agents = list(opts.agents);
    const players = new Set([...bots, ...agents]).size;
    const total = ((players * (players - 1)) / 2) * opts.games;
    const progress = opts.json ? undefined : createProgress(`ladder ${game.info.id}`, total, 'games');
    let result;
    try {
      result = await runLadder({
        game,
        agents,
        bots,
        ...(opts.anchor !== undefined ? { anchor: opts.anchor } : {}),
        games: opts.games,
        seed: opts.seed,
        ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
        onGame: (done, _t, pair) => progress?.update(done, `${pair[0]} vs ${pair[1]}`),
      });
    } finally {
      progress?.stop();
    }
    const outDir = opts.out ?? `runs/ladder-${game.info.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const files = await writeTournament(result, outDir, { name: 'ladder', title: `Ladder: ${game.info.id}`, kind: 'ladder', extra: { bots: result.bots, rated: result.rated } });
    if (opts.json) {
      console.log(JSON.stringify({ ...result, files }));
      return;
    }
    console.log(
      `${result.game}: ladder of ${result.bots.length} reference bots and ${result.rated.length} agent(s), ${opts.games} games per pair (${result.totalGames} games, ${result.distinctGames} distinct; sides alternate, ${openingsText(result)}, seed ${opts.seed})`,
    );
    console.log(formatTournamentTable(result));
    console.log(`ratings: ${RATINGS_NOTE}, Elo scale, ${ratingZero(result)}, ± half-width of the 95% interval`);
    console.log(`wrote ${files.json}, ${files.csv}, ${files.png}, ${files.html}`);
  });

const leagueCommand = program.command('league').description("inspect a league run's members, ratings and results");

leagueCommand
  .command('status')
  .description('members of a league run with role, Elo, games played, win rate against the main agent and creation update, best rated first; for a run with remote actors (--redis), its learner and live actors')
  .argument('<runDir>', 'run folder holding league.db')
  .option('--redis <url>', 'where to read the live actors of a run trained with --redis (default: the address the run recorded; ARENA_REDIS_URL when that had a password)')
  .option('--json', 'print one JSON object')
  .action(async (runDir: string, opts: { redis?: string; json?: boolean }) => {
    const { formatLeagueStatus, formatRemoteStatus, leagueStatus, readRemoteFile } = await import('../../league/status.ts');
    const { remoteStatus } = await import('../selfplay/remote-actors.ts');
    const status = leagueStatus(runDir);
    const recorded = readRemoteFile(runDir);
    // the run records its Redis address without the password (masked): then take it from the environment
    const url = opts.redis ?? (recorded?.url.includes('***') ? process.env['ARENA_REDIS_URL'] : undefined) ?? recorded?.url;
    const remote = recorded ? await remoteStatus(url!, recorded.run) : null;
    if (opts.json) {
      console.log(JSON.stringify(remote ? { ...status, remote } : status));
      return;
    }
    console.log(formatLeagueStatus(status));
    if (remote) console.log(formatRemoteStatus(remote));
  });

// ---- end of league tools ----

// ---- game servers (issue 5): `serve`, `bot`, and hosted tournaments ----

function wsUrlOption(value: string): string {
  if (!/^wss?:\/\/[^/\s]+\/?$/.test(value)) throw new InvalidArgumentError('expected a server address such as ws://127.0.0.1:2567');
  return value.replace(/\/$/, '');
}

/** `playSeries` on an arena server, for `arena tournament --server`. */
async function hostedSeriesFor(url: string) {
  const { hostedSeries } = await import('../../servers/hosted-series.ts');
  const token = process.env['ARENA_ADMIN_TOKEN'] || null;
  if (!token) console.error('arena: ARENA_ADMIN_TOKEN is not set: the server picks the seeds, so results can differ from an offline tournament');
  return hostedSeries({ url: wsUrlOption(url), token });
}

program
  .command('serve')
  .description('host the games: rooms for people, bots and server-side agents (Colyseus over WebSockets), the browser client at /, and /api/games, /api/agents')
  .option('--port <n>', 'TCP port (0: any free port)', intOption('--port', 0), 2567)
  .option('--host <addr>', 'interface to listen on', '127.0.0.1')
  .option('--agents <entries...>', 'opponents to offer besides the baseline bots: checkpoint folders, folders of run folders, league members <runDir>#<id>, bot specs')
  .option('--data <dir>', 'folder for matches.jsonl', 'runs/server')
  .option('--tick-ms <ms>', 'tick of simultaneous-move games (grid soccer)', intOption('--tick-ms', 50), 500)
  .option('--reconnect-seconds <s>', 'how long a dropped player keeps its seat', intOption('--reconnect-seconds', 0), 30)
  .option('--agent-threads <n>', 'worker threads server-side agents think in (default: cores - 1, at least 1; 0: on the rooms\' thread)', intOption('--agent-threads', 0))
  .option('--agent-deadline-ms <ms>', 'longest a server-side agent may think per move; past it its side forfeits', intOption('--agent-deadline-ms', 1), 10_000)
  .option('--max-connections-per-address <n>', 'most WebSockets open at once from one IP address (0: no limit; behind a proxy, clients share the proxy\'s address)', intOption('--max-connections-per-address', 0), 16)
  .option('--redis <url>', 'share matchmaking and match records with other `arena serve` processes through this Redis, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL; none: one process)')
  .option('--public-address <host:port>', 'with --redis: where clients reach this process (default HOST:PORT; the machine name for --host 0.0.0.0)')
  .option('--no-record-writer', 'with --redis: never write matches.jsonl and league ratings here (another process with the shared --data folder does)')
  .action(async (opts: { port: number; host: string; agents?: string[]; data: string; tickMs: number; reconnectSeconds: number; redis?: string; publicAddress?: string; recordWriter: boolean; agentThreads?: number; agentDeadlineMs: number; maxConnectionsPerAddress: number }) => {
    const { createArenaServer } = await import('../../servers/server.ts');
    const agents = (opts.agents ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter((a) => a !== '');
    const redis = opts.redis ?? (process.env['ARENA_REDIS_URL'] || null);
    const srv = await createArenaServer({
      port: opts.port,
      host: opts.host,
      agents,
      dataDir: opts.data,
      tickMs: opts.tickMs,
      reconnectSeconds: opts.reconnectSeconds,
      redis,
      recordWriter: opts.recordWriter,
      agentDeadlineMs: opts.agentDeadlineMs,
      maxConnectionsPerAddress: opts.maxConnectionsPerAddress,
      ...(opts.agentThreads !== undefined ? { agentThreads: opts.agentThreads } : {}),
      ...(opts.publicAddress !== undefined ? { publicAddress: opts.publicAddress } : {}),
    });
    console.log(`Arena server: ${srv.url}`);
    console.log(`  rooms: ${srv.games.map((g) => g.room).join(', ')} at ${srv.wsUrl}`);
    if (srv.listed.length) console.log(`  agents offered: ${srv.listed.map((a) => a.spec).join(', ')}`);
    const threads = srv.agentThreads === 0 ? "on the rooms' thread" : `in ${srv.agentThreads} worker thread${srv.agentThreads === 1 ? '' : 's'}`;
    console.log(`  server-side agents think ${threads}, ${opts.agentDeadlineMs} ms per move at most; at most ${opts.maxConnectionsPerAddress || 'unlimited'} connections per address`);
    const records = srv.scale
      ? `published to Redis ${srv.scale.redis} and written to ${opts.data}/matches.jsonl by the process holding the writer lease${srv.scale.writer ? '' : ' (never this one)'}`
      : `recorded in ${srv.recorder?.file}`;
    if (srv.scale) console.log(`  one of several processes behind Redis ${srv.scale.redis}; clients reach this one at ${srv.scale.publicAddress}`);
    console.log(`  matches ${records}; admin options ${process.env['ARENA_ADMIN_TOKEN'] ? 'enabled (ARENA_ADMIN_TOKEN)' : 'disabled (set ARENA_ADMIN_TOKEN)'}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await srv.close();
    console.log('Arena server stopped');
    // behind a Redis that is gone, a room may still wait out a dropped player's grace period: it must not keep a stopped server alive
    process.exit(0);
  });

program
  .command('bot')
  .description('play on an arena server as a network client: an agent joins a room (or creates one) and plays from what its seat receives')
  .requiredOption('--server <url>', 'server address, e.g. ws://127.0.0.1:2567', wsUrlOption)
  .requiredOption('--game <id>', 'game id (see `arena games`)')
  .requiredOption('--agent <spec>', 'checkpoint folder, league member <runDir>#<id>, mcts:<agent>[:<simulations>] or bot spec')
  .option('--room <roomId>', 'join this room (default: a room of the game with a free seat, else a new one)')
  .option('--create', 'always create a new room (its id is printed for the opponent)')
  .option('--games <n>', 'games to play (rematches, sides swap)', intOption('--games', 1), 1)
  .option('--name <name>', 'name shown for the seat (default: the agent spec)')
  .option('--seat <n>', 'preferred seat', intOption('--seat', 0))
  .option('--seed <s>', "seed of the agent's randomness", intOption('--seed', 0), 0)
  .option('--json', 'print one JSON object at the end')
  .action(async (opts: { server: string; game: string; agent: string; room?: string; create?: boolean; games: number; name?: string; seat?: number; seed: number; json?: boolean }) => {
    const { runBot } = await import('../../servers/bot.ts');
    const game = getGame(opts.game);
    const agent = await createAgent(opts.agent, game.info, opts.seed);
    let roomId = '';
    let games;
    try {
      games = await runBot({
        url: opts.server,
        game,
        agent,
        games: opts.games,
        ...(opts.room ? { roomId: opts.room } : {}),
        ...(opts.create ? { create: true } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.seat !== undefined ? { seat: opts.seat } : {}),
        onJoin: (c) => {
          roomId = c.roomId;
          if (!opts.json) console.log(`joined ${game.info.id} room ${c.roomId} on ${opts.server}`);
        },
        onGame: (g) => {
          if (!opts.json) console.log(`game ${g.gameNumber + 1}: seat ${g.seat}, ${g.outcome}, return ${g.teamReturn}${g.result.forfeit ? ` (forfeit: ${g.result.forfeit.reason})` : ''}`);
        },
      });
    } catch (err) {
      throw new ArenaError('BOT_FAILED', `bot ${opts.agent}: ${(err as Error).message}`);
    } finally {
      agent.dispose?.();
    }
    const tally = { win: 0, draw: 0, loss: 0 };
    for (const g of games) tally[g.outcome]++;
    const meanReturn = games.reduce((a, g) => a + g.teamReturn, 0) / games.length;
    if (opts.json) {
      console.log(JSON.stringify({ game: game.info.id, agent: opts.agent, room: roomId, wins: tally.win, draws: tally.draw, losses: tally.loss, meanReturn, games }));
      return;
    }
    console.log(`${opts.agent}: ${tally.win} wins, ${tally.draw} draws, ${tally.loss} losses over ${games.length} game(s); mean return ${meanReturn.toFixed(3)}`);
  });

// ---- end of game servers ----

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

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ArenaError) {
      console.error(`arena: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv);
