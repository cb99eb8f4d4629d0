/**
 * Agent specs, resolved in one place: every spec a command, a server or a tournament accepts is read
 * here, by the first entry of SPEC_FORMS that matches it:
 *
 *   mcts:<agent>[:<sims>][:fpu<r>|:fpuoff][:reuse]  search guided by a trained policy (agents/mcts.ts)
 *   greedy:<agent>                 a trained policy playing its most probable legal action
 *   symmetric:<agent>              the same, its policy averaged over the game's symmetries (agents/symmetric-greedy.ts)
 *   last:<run folder>              the run's last-iterate checkpoint, even when it exports its average policy
 *   <runDir>#<memberId>            a league member (league/member-agent.ts reads what it plays as)
 *   <path>                         a checkpoint: a run folder, a ckpt-NNNNNN folder or an average-policy file
 *                                  (a PPO-family policy, or the actor of a DDPG/TD3/SAC run)
 *   kind[:arg], a+b+…              a baseline bot, or a mixture of bots (agents/bots.ts)
 *
 * A new form (a remote agent, another search) is one more entry. Imports point down from here: the
 * bots, the league and the snapshots never import the resolver.
 */
import { existsSync } from 'node:fs';
import { ConfigError, isEarlierVersion, type Agent, type Game, type GameInfo } from '../core/index.ts';
import { parseLeagueRef, readLeagueMember, type LeagueRef } from '../league/member-agent.ts';
import { selectBackend } from '../src/backend.ts';
import { readCheckpointMeta } from '../src/checkpoint/store.ts';
import { averagePolicyAgent } from '../src/eval/average-policy.ts';
import { exportedSwaDir } from '../src/train/weight-average.ts';
import { agentFromSnapshot } from '../src/selfplay/snapshot-agent.ts';
import { snapshotFormat } from '../src/selfplay/snapshot.ts';
import { isOffPolicyMeta, OFF_POLICY_SNAPSHOT_FORMAT } from '../src/train/offpolicy-actor.ts';
import { getGame, listGames } from '../games/index.ts';
import { createBot } from './bots.ts';
import { EarlierVersionAgent } from './earlier-version.ts';
import { ALPHAZERO_PLAY_FPU, checkMctsGame, isPositionEvaluator, MCTS_PREFIX, MctsAgent, parseMctsSpec, type PositionEvaluator } from './mcts.ts';
import { offPolicyAgentFromCheckpoint } from './offpolicy-agent.ts';
import { SYMMETRIC_PREFIX, SymmetricGreedyAgent, symmetricFits } from './symmetric-greedy.ts';

export { createBot, listAgentKinds, MixtureAgent, parseAgentSpec } from './bots.ts';
export { MCTS_PREFIX } from './mcts.ts';
export { SYMMETRIC_PREFIX } from './symmetric-greedy.ts';

/** `greedy:<checkpoint or member>` plays the policy's most probable legal action instead of sampling. */
export const GREEDY_PREFIX = 'greedy:';

/**
 * `last:<run folder>` plays the run's last-iterate checkpoint even when the run exports its average
 * policy (config.json `"exportPolicy": "average"`, see src/eval/average-policy.ts). Composes with `greedy:`.
 */
export const LAST_PREFIX = 'last:';

/** What `createAgent` may be asked besides the spec. */
export interface CreateAgentOptions {
  /** Trained policies play their most probable legal action instead of sampling (`greedy:`). */
  readonly deterministic?: boolean;
  /** A run folder plays its last-iterate checkpoint even when it exports an average policy (`last:`). */
  readonly lastIterate?: boolean;
  /** The agent will guide play-time search (`mcts:`): league snapshots load as a PolicyAgent, which can evaluate positions. */
  readonly evaluator?: boolean;
}

/** The forms of agent spec, in the order they are tried. */
export type SpecForm = 'search' | 'symmetric' | 'greedy' | 'last' | 'league' | 'checkpoint' | 'bot';

/** One form of agent spec: how to recognise it and how to build the agent it names. */
interface SpecReader {
  readonly form: SpecForm;
  matches(spec: string): boolean;
  create(spec: string, game: GameInfo, seed: number, opts: CreateAgentOptions): Promise<Agent>;
}

/** The one registry of spec forms: the first that matches a spec resolves it; `bot` matches the rest. */
const SPEC_FORMS: readonly SpecReader[] = [
  { form: 'search', matches: (s) => s.startsWith(MCTS_PREFIX), create: createSearchAgent },
  { form: 'symmetric', matches: (s) => s.startsWith(SYMMETRIC_PREFIX), create: createSymmetricAgent },
  {
    form: 'greedy',
    matches: (s) => s.startsWith(GREEDY_PREFIX),
    create: (s, game, seed, opts) => createAgent(s.slice(GREEDY_PREFIX.length), game, seed, { ...opts, deterministic: true }),
  },
  {
    form: 'last',
    matches: (s) => s.startsWith(LAST_PREFIX),
    create: (s, game, seed, opts) => createAgent(s.slice(LAST_PREFIX.length), game, seed, { ...opts, lastIterate: true }),
  },
  { form: 'league', matches: (s) => s.includes('#'), create: (s, game, seed, opts) => createMemberAgent(parseLeagueRef(s)!, game, seed, opts) },
  { form: 'checkpoint', matches: isCheckpointSpec, create: createCheckpointAgent },
  { form: 'bot', matches: () => true, create: async (s, game, seed) => createBot(s, game, seed) },
];

function readerOf(spec: string): SpecReader {
  return SPEC_FORMS.find((f) => f.matches(spec))!;
}

/** Which form `spec` has (nothing is loaded or checked: `bot` for anything that is not one of the others). */
export function specForm(spec: string): SpecForm {
  return readerOf(spec).form;
}

/** True when a spec names a checkpoint (a path) rather than a bot kind. */
export function isCheckpointSpec(spec: string): boolean {
  return spec.includes('/') || spec.startsWith('.') || existsSync(spec);
}

/**
 * Builds the agent a spec names (see the list at the top of this file). Throws a one-line `ArenaError`
 * for unknown specs, misfits and bad checkpoints.
 */
export async function createAgent(spec: string, game: GameInfo, seed = 0, opts: CreateAgentOptions = {}): Promise<Agent> {
  const earlier = await earlierVersionTrained(spec, game);
  if (!earlier) return readerOf(spec).create(spec, game, seed, opts);
  // a checkpoint of an earlier version (connect-four-v1 or -v2 in a connect-four-v3 game): built and searched as it was trained
  return new EarlierVersionAgent(await readerOf(spec).create(spec, earlier.info, seed, opts), earlier, game);
}

/** The earlier version of `game` (`GameInfo.earlierVersions`) the checkpoint `spec` names was trained on, or null. */
async function earlierVersionTrained(spec: string, game: GameInfo): Promise<Game | null> {
  if (!game.earlierVersions?.length) return null;
  const trained = (await trainedMeta(spec))?.game;
  return typeof trained === 'string' && isEarlierVersion(game, trained) ? getGame(trained) : null;
}

/**
 * The manifest meta of the checkpoint a spec plays, through its `mcts:`, `greedy:`, `symmetric:` and `last:`
 * wrappers (null for bots and league members, or where no readable manifest is).
 */
async function trainedMeta(spec: string): Promise<{ readonly game?: unknown; readonly algo?: unknown } | null> {
  let path = spec;
  for (;;) {
    if (path.startsWith(MCTS_PREFIX)) path = parseMctsSpec(path).inner;
    else if (path.startsWith(GREEDY_PREFIX)) path = path.slice(GREEDY_PREFIX.length);
    else if (path.startsWith(SYMMETRIC_PREFIX)) path = path.slice(SYMMETRIC_PREFIX.length);
    else if (path.startsWith(LAST_PREFIX)) path = path.slice(LAST_PREFIX.length);
    else break;
  }
  if (specForm(path) !== 'checkpoint') return null;
  return (await readCheckpointMeta(path)) as { game?: unknown; algo?: unknown } | null;
}

/**
 * The first-play urgency an `mcts:` spec that names none searches with: `ALPHAZERO_PLAY_FPU` for a network trained
 * by expert iteration (its checkpoint's algorithm `alphazero`), Q 0 (null) for any other (README, "Search at play time").
 */
export async function defaultPlayUrgency(inner: string): Promise<number | null> {
  return (await trainedMeta(inner))?.algo === 'alphazero' ? ALPHAZERO_PLAY_FPU : null;
}

/**
 * `mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse]`: PUCT search (agents/mcts.ts) guided by the trained policy `<agent>`
 * names (a checkpoint, run folder or league member with weights), with the network's default first-play urgency
 * (`defaultPlayUrgency`) unless the spec names one. The game is checked before anything loads.
 */
async function createSearchAgent(spec: string, game: GameInfo, seed: number): Promise<Agent> {
  const { inner, simulations, reuse, fpuReduction: given } = parseMctsSpec(spec);
  checkMctsGame(spec, game);
  const fpuReduction = given === undefined ? await defaultPlayUrgency(inner) : given;
  const evaluator = await createEvaluator(spec, inner, game, seed, MCTS_PREFIX);
  try {
    return new MctsAgent({ name: spec, info: game, evaluator, simulations, seed, owned: evaluator, treeReuse: reuse, fpuReduction });
  } catch (err) {
    evaluator.dispose?.();
    throw err;
  }
}

/** `symmetric:<agent>`: the trained policy `<agent>` names, its most probable move averaged over the game's symmetries. */
async function createSymmetricAgent(spec: string, game: GameInfo, seed: number): Promise<Agent> {
  const misfit = symmetricFits(game);
  if (misfit) throw new ConfigError(`'${spec}': ${misfit}; symmetric:<agent> plays ${listGames().filter((g) => symmetricFits(g.info) === null).map((g) => g.info.id).join(', ')}`);
  const evaluator = await createEvaluator(spec, spec.slice(SYMMETRIC_PREFIX.length), game, seed, SYMMETRIC_PREFIX);
  try {
    return new SymmetricGreedyAgent({ name: spec, info: game, evaluator, seed });
  } catch (err) {
    evaluator.dispose?.();
    throw err;
  }
}

/**
 * The trained policy `inner` names (a checkpoint, run folder or league member with weights), loaded to
 * evaluate positions for the entry `spec` (`prefix`: mcts: or symmetric:).
 */
async function createEvaluator(spec: string, inner: string, game: GameInfo, seed: number, prefix: string): Promise<Agent & PositionEvaluator> {
  const needs = `${prefix}<agent> needs a trained policy with a critic: a checkpoint or run folder, or a league member runs/<run>#<id> with weights`;
  let bare = inner;
  while (bare.startsWith(GREEDY_PREFIX) || bare.startsWith(LAST_PREFIX)) bare = bare.slice(bare.indexOf(':') + 1);
  const form = specForm(bare);
  if (form !== 'league' && form !== 'checkpoint') throw new ConfigError(`'${spec}': '${inner}' is not a trained policy; ${needs}`);
  const agent = await createAgent(inner, game, seed, { evaluator: true });
  if (isPositionEvaluator(agent)) return agent;
  agent.dispose?.();
  throw new ConfigError(`'${spec}': '${inner}' plays without a policy network; ${needs}`);
}

/**
 * A league member: a bot plays from its spec, the main learner as its run's last iterate. A snapshot
 * samples its moves with the fast SnapshotAgent (no tfjs); asked to play greedily (`deterministic`) or
 * to guide search (`evaluator`), it loads as a PolicyAgent. An off-policy run's snapshot (DDPG, TD3,
 * SAC) plays as an OffPolicyAgent either way (`agentFromSnapshot`; greedy: tanh of SAC's mean).
 */
async function createMemberAgent(ref: LeagueRef, game: GameInfo, seed: number, opts: CreateAgentOptions): Promise<Agent> {
  const member = readLeagueMember(ref, game);
  switch (member.kind) {
    case 'bot':
      return createAgent(member.spec, game, seed);
    case 'checkpoint':
      // the learner itself plays its current weights, not the run's exported average
      return createAgent(`${LAST_PREFIX}${member.runDir}`, game, seed, { deterministic: opts.deterministic });
    case 'snapshot': {
      const name = `${ref.runDir}#${ref.id}`;
      const offPolicy = (opts.deterministic || opts.evaluator) && snapshotFormat(member.blob, name) === OFF_POLICY_SNAPSHOT_FORMAT;
      if (offPolicy || (!opts.deterministic && !opts.evaluator)) return agentFromSnapshot(member.blob, game, { name, seed, deterministic: opts.deterministic });
      return (await tfjsPolicies()).policyAgentFromSnapshot(member.blob, game, seed, { name, deterministic: opts.deterministic });
    }
  }
}

/**
 * A checkpoint folder: a run exporting its average policy (or an average-policy file) plays that table
 * unless `last:` asks for the checkpoint; otherwise the policy samples its actions, or takes the most
 * probable one when `deterministic`. An off-policy run (DDPG, TD3, SAC) plays its actor without tfjs
 * (agents/offpolicy-agent.ts: SAC samples unless `deterministic`, TD3 and DDPG play μ(s)).
 */
async function createCheckpointAgent(spec: string, game: GameInfo, seed: number, opts: CreateAgentOptions): Promise<Agent> {
  if (!opts.lastIterate) {
    const average = await averagePolicyAgent(spec, game, seed, opts);
    if (average) return average;
    const swa = exportedSwaDir(spec);
    if (swa) return (await tfjsPolicies()).policyAgentFromCheckpoint(swa, game, seed, { deterministic: opts.deterministic, name: spec });
  }
  if (isOffPolicyMeta(await readCheckpointMeta(spec))) return offPolicyAgentFromCheckpoint(spec, game, seed, { deterministic: opts.deterministic });
  return (await tfjsPolicies()).policyAgentFromCheckpoint(spec, game, seed, { deterministic: opts.deterministic });
}

/** The tfjs policy agents, with a backend selected. */
async function tfjsPolicies() {
  await selectBackend('auto');
  // lazy only to keep tfjs out of processes that never load a network (bots, snapshots, servers of bots)
  return import('./policy-agent.ts');
}
