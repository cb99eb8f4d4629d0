/**
 * Agent specs: `kind[:arg]` strings such as `random`, `minimax`, `alphabeta:4`, `nash`, `heuristic`.
 * One explicit list of kinds; an unknown kind fails with the list of known ones, and a kind that
 * cannot play the game fails with the reason.
 */
import { existsSync } from 'node:fs';
import { AgentMismatchError, ConfigError, Rng, UnknownNameError, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { alphabetaKind } from './alphabeta.ts';
import { kuhnNashKind } from './kuhn-nash.ts';
import { checkMctsGame, isPositionEvaluator, MCTS_PREFIX, MctsAgent, parseMctsSpec } from './mcts.ts';
import { minimaxKind } from './minimax.ts';
import { randomKind } from './random.ts';
import { soccerHeuristicKind } from './soccer-heuristic.ts';

/**
 * `a+b+…`: each move is played by one of the named bots, drawn uniformly — e.g. `minimax+random`, a
 * strong opponent that still leads the learner into the positions a perfect player never would.
 */
export class MixtureAgent implements Agent {
  readonly name: string;
  private readonly parts: readonly Agent[];
  private readonly rng: Rng;

  constructor(name: string, parts: readonly Agent[], seed: number) {
    this.name = name;
    this.parts = parts;
    this.rng = new Rng(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.parts.forEach((p, i) => p.reset?.(seed * 31 + i + 1));
  }

  act(state: GameState, seat: Seat): number {
    return this.parts[this.rng.int(this.parts.length)]!.act(state, seat);
  }
}

const KINDS: readonly AgentKind[] = [randomKind, minimaxKind, alphabetaKind, kuhnNashKind, soccerHeuristicKind];

export function listAgentKinds(): readonly AgentKind[] {
  return KINDS;
}

/** Splits `kind:arg` (the arg may itself contain colons). */
export function parseAgentSpec(spec: string): { kind: string; arg: string | undefined } {
  const i = spec.indexOf(':');
  return i < 0 ? { kind: spec, arg: undefined } : { kind: spec.slice(0, i), arg: spec.slice(i + 1) };
}

/** `greedy:<checkpoint or member>` plays the policy's most probable legal action instead of sampling. */
export const GREEDY_PREFIX = 'greedy:';

/**
 * `last:<run folder>` plays the run's last-iterate checkpoint even when the run exports its average
 * policy (config.json `"exportPolicy": "average"`, see src/eval/average-policy.ts). Composes with `greedy:`.
 */
export const LAST_PREFIX = 'last:';

export { MCTS_PREFIX } from './mcts.ts';

/** True when `spec` starts with a prefix that wraps another spec (`greedy:`, `last:`, `mcts:`). */
export function isWrappedSpec(spec: string): boolean {
  return spec.startsWith(GREEDY_PREFIX) || spec.startsWith(LAST_PREFIX) || spec.startsWith(MCTS_PREFIX);
}

/** What `createAgent` may be asked besides the spec. */
export interface CreateAgentOptions {
  /** Trained policies play their most probable legal action instead of sampling (`greedy:`). */
  readonly deterministic?: boolean;
  /** A run folder plays its last-iterate checkpoint even when it exports an average policy (`last:`). */
  readonly lastIterate?: boolean;
  /** The agent will guide play-time search (`mcts:`): league snapshots load as a PolicyAgent, which can evaluate positions. */
  readonly evaluator?: boolean;
}

/** True when a spec names a checkpoint (a path) rather than a bot kind. */
export function isCheckpointSpec(spec: string): boolean {
  return spec.includes('/') || spec.startsWith('.') || existsSync(spec);
}

/**
 * Builds the agent a spec names: a baseline bot (`alphabeta:4`), a league member (`runs/NAME#main@000120`),
 * a checkpoint (a run folder or a ckpt-NNNNNN folder; the policy samples its actions, or takes the most probable one when
 * `deterministic`; a run exporting its average policy plays that table unless `last:` asks for the checkpoint), or
 * search guided by one of these (`mcts:<agent>[:<simulations>]`, agents/mcts.ts). Throws a one-line `ArenaError` for unknown specs, misfits and bad checkpoints.
 */
export async function createAgent(spec: string, game: GameInfo, seed = 0, opts: CreateAgentOptions = {}): Promise<Agent> {
  if (spec.startsWith(MCTS_PREFIX)) return createSearchAgent(spec, game, seed);
  if (spec.startsWith(GREEDY_PREFIX)) return createAgent(spec.slice(GREEDY_PREFIX.length), game, seed, { ...opts, deterministic: true });
  if (spec.startsWith(LAST_PREFIX)) return createAgent(spec.slice(LAST_PREFIX.length), game, seed, { ...opts, lastIterate: true });
  if (spec.includes('#')) {
    // a league member, `<runDir>#<AgentId>`: snapshots play from their stored weights
    const league = await import('../league/member-agent.ts');
    return league.createAnyAgent(spec, game, seed, opts);
  }
  if (!isCheckpointSpec(spec)) return createBot(spec, game, seed);
  if (!opts.lastIterate) {
    // a run exporting its average policy (or an average-policy file) plays that table
    const { averagePolicyAgent } = await import('../src/eval/average-policy.ts');
    const average = await averagePolicyAgent(spec, game, seed, opts);
    if (average) return average;
  }
  await import('../src/backend.ts').then((b) => b.selectBackend('auto'));
  const { loadPolicyCheckpoint } = await import('../src/train/policy-checkpoint.ts');
  const { PolicyAgent } = await import('./policy-agent.ts');
  const loaded = await loadPolicyCheckpoint(spec);
  if (loaded.meta.game !== game.id) {
    loaded.policy.dispose();
    throw new AgentMismatchError(`checkpoint '${spec}' was trained on ${loaded.meta.game}, not ${game.id}`);
  }
  return new PolicyAgent({ name: spec, policy: loaded.policy, obsRms: loaded.obsRms, info: game, seed, deterministic: opts.deterministic });
}

/**
 * `mcts:<agent>[:<simulations>]`: PUCT search (agents/mcts.ts) guided by the trained policy `<agent>` names
 * (a checkpoint, run folder or league member with weights). The game is checked before anything loads.
 */
async function createSearchAgent(spec: string, game: GameInfo, seed: number): Promise<Agent> {
  const { inner, simulations } = parseMctsSpec(spec);
  checkMctsGame(spec, game);
  const needs = 'mcts:<agent> needs a trained policy with a critic: a checkpoint or run folder, or a league member runs/<run>#<id> with weights';
  let bare = inner;
  while (bare.startsWith(GREEDY_PREFIX) || bare.startsWith(LAST_PREFIX)) bare = bare.slice(bare.indexOf(':') + 1);
  if (!bare.includes('#') && !isCheckpointSpec(bare)) throw new ConfigError(`'${spec}': '${inner}' is not a trained policy; ${needs}`);
  const agent = await createAgent(inner, game, seed, { evaluator: true });
  try {
    if (!isPositionEvaluator(agent)) throw new ConfigError(`'${spec}': '${inner}' plays without a policy network; ${needs}`);
    return new MctsAgent({ name: spec, info: game, evaluator: agent, simulations, seed, owned: agent });
  } catch (err) {
    agent.dispose?.();
    throw err;
  }
}

/** Builds a baseline bot from a spec such as `alphabeta:4` (synchronous: no checkpoint loading). */
export function createBot(spec: string, game: GameInfo, seed = 0): Agent {
  if (spec.includes('+')) {
    const parts = spec.split('+').map((p, i) => createBot(p, game, seed * 31 + i + 1));
    return new MixtureAgent(spec, parts, seed);
  }
  const { kind, arg } = parseAgentSpec(spec.trim());
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) throw new UnknownNameError('agent', spec, KINDS.map((x) => x.kind));
  const reason = k.fits(game);
  if (reason !== null) throw new AgentMismatchError(`agent '${spec}' cannot play ${game.id}: ${reason}`);
  return k.create(game, arg, seed);
}
