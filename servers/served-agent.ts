/**
 * A server-side agent as a room drives it: its moves arrive asynchronously and within the server's
 * deadline. Agents think in the agent pool's worker threads (agent-pool.ts) whenever a thread can
 * build them without tfjs: baseline bots from their spec, trained policies (checkpoints, league
 * snapshots, `greedy:`, `mcts:` search) from their snapshot bytes, custom agents that name their
 * module. The rest — custom agents given as closures, average-policy tables, or every agent when the
 * server runs without agent threads — think on the rooms' thread as before, and a move that took
 * longer than the deadline is refused after the fact (a synchronous agent cannot be interrupted there).
 */
import { EarlierVersionAgent } from '../agents/earlier-version.ts';
import { MctsAgent } from '../agents/mcts.ts';
import { SymmetricGreedyAgent } from '../agents/symmetric-greedy.ts';
import { agentMove, ConfigError, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { isSnapshotPlayer } from '../src/selfplay/snapshot.ts';
import { AgentDeadlineError, type AgentPool } from './agent-pool.ts';
import type { AgentRecipe } from './agent-worker.ts';
import { buildAgent, isBaselineSpec, type CustomAgent } from './agents.ts';

export interface ServedAgent {
  /** It thinks in a worker thread (false: on the rooms' thread). */
  readonly pooled: boolean;
  /** Called before each game with the game's seed (as Agent.reset). */
  reset(seed: number): void;
  /**
   * Its move at `state` (left unchanged): an action id, or an action vector in a continuous game;
   * rejects when the agent throws, crashes or misses the deadline.
   */
  move(state: GameState, seat: Seat): Promise<number | number[]>;
  dispose(): void;
}

/** What building a served agent needs from the server. */
export interface ServeContext {
  readonly custom: readonly CustomAgent[];
  /** null: every agent thinks on the rooms' thread. */
  readonly pool: AgentPool | null;
  readonly deadlineMs: number;
}

class PoolAgent implements ServedAgent {
  readonly pooled = true;
  private game = 0;
  private seed = 0;
  private readonly pool: AgentPool;
  private readonly key: string;
  private readonly gameId: string;

  constructor(pool: AgentPool, recipe: AgentRecipe, info: GameInfo, seed: number) {
    this.pool = pool;
    this.key = pool.add(recipe, seed);
    this.gameId = info.id;
  }

  reset(seed: number): void {
    this.game++;
    this.seed = seed;
  }

  move(state: GameState, seat: Seat): Promise<number | number[]> {
    return this.pool.move(this.key, { game: this.gameId, reset: { number: this.game, seed: this.seed }, state: state.serialize(), seat });
  }

  dispose(): void {
    this.pool.remove(this.key);
  }
}

class ThreadAgent implements ServedAgent {
  readonly pooled = false;
  private readonly agent: Agent;
  private readonly deadlineMs: number;

  constructor(agent: Agent, deadlineMs: number) {
    this.agent = agent;
    this.deadlineMs = deadlineMs;
  }

  reset(seed: number): void {
    this.agent.reset?.(seed);
  }

  async move(state: GameState, seat: Seat): Promise<number | number[]> {
    const t0 = performance.now();
    const action = agentMove(this.agent, state.clone(), seat);
    const took = performance.now() - t0;
    if (took > this.deadlineMs) throw new AgentDeadlineError(this.deadlineMs, took);
    return action;
  }

  dispose(): void {
    this.agent.dispose?.();
  }
}

/** How a worker thread rebuilds an agent built here: its snapshot bytes (with search around them for `mcts:`, the average for `symmetric:`), or null. */
function snapshotRecipe(spec: string, agent: Agent): AgentRecipe | null {
  if (agent instanceof EarlierVersionAgent) {
    const inner = snapshotRecipe(spec, agent.inner);
    return inner?.kind === 'snapshot' ? { ...inner, earlier: agent.earlier.info.id } : null;
  }
  if (agent instanceof MctsAgent && isSnapshotPlayer(agent.evaluator)) {
    return { kind: 'snapshot', name: spec, bytes: agent.evaluator.snapshot(), deterministic: false, search: { simulations: agent.simulations, cPuct: agent.cPuct, treeReuse: agent.treeReuse, fpuReduction: agent.fpuReduction } };
  }
  if (agent instanceof SymmetricGreedyAgent && isSnapshotPlayer(agent.evaluator)) {
    return { kind: 'snapshot', name: spec, bytes: agent.evaluator.snapshot(), deterministic: true, search: null, symmetric: true };
  }
  if (isSnapshotPlayer(agent)) return { kind: 'snapshot', name: spec, bytes: agent.snapshot(), deterministic: agent.deterministic, search: null };
  return null;
}

/**
 * Builds the agent `spec` names for a room (checked and loaded here, so a bad spec fails at room
 * creation), in the pool when a thread can rebuild it, else on the rooms' thread (see the file comment).
 */
export async function serveAgent(spec: string, info: GameInfo, seed: number, ctx: ServeContext): Promise<ServedAgent> {
  const { pool } = ctx;
  const custom = ctx.custom.find((c) => c.spec === spec);
  if (pool && custom?.worker) {
    const reason = custom.fits(info);
    if (reason !== null) throw new ConfigError(`agent '${spec}' cannot play ${info.id}: ${reason}`);
    return new PoolAgent(pool, { kind: 'module', url: custom.worker.module, export: custom.worker.export }, info, seed);
  }
  if (pool && !custom && isBaselineSpec(spec, info)) return new PoolAgent(pool, { kind: 'bot', spec }, info, seed);
  const agent = await buildAgent(spec, info, seed, ctx.custom);
  const recipe = pool ? snapshotRecipe(spec, agent) : null;
  if (!pool || !recipe) return new ThreadAgent(agent, ctx.deadlineMs);
  agent.dispose?.();
  return new PoolAgent(pool, recipe, info, seed);
}
