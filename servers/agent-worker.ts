/**
 * The Piscina worker of the server's agent pool (agent-pool.ts): server-side agents think here, off the
 * rooms' event loop. One default export, as Piscina intends. A thread keeps the agents it has built,
 * by key, so an agent that stays on its thread keeps its state from move to move (its random stream,
 * its tables) exactly as it would in the room's process; the pool says when to build one and which
 * ones to forget. No tfjs anywhere in this module graph (tests/selfplay/pure-workers.test.ts):
 * trained policies arrive as snapshot bytes (a policy's or an off-policy actor's: `agentFromSnapshot`)
 * and run on the rollout workers' forward pass.
 */
import { createBot } from '../agents/bots.ts';
import { EarlierVersionAgent } from '../agents/earlier-version.ts';
import { MctsAgent } from '../agents/mcts.ts';
import { SymmetricGreedyAgent } from '../agents/symmetric-greedy.ts';
import { agentMove, ConfigError, type Agent, type GameInfo, type StateData } from '../core/index.ts';
import { getGame } from '../games/index.ts';
import { agentFromSnapshot, SnapshotAgent } from '../src/selfplay/snapshot-agent.ts';
import type { CustomAgent } from './agents.ts';

/** How a worker thread builds a server-side agent: plain data, sent once per thread that needs it. */
export type AgentRecipe =
  /** A baseline bot spec such as `alphabeta:12` (`createBot`). */
  | { readonly kind: 'bot'; readonly spec: string }
  /** A trained policy as snapshot bytes (a policy's or an off-policy actor's): greedy or sampling, or guiding PUCT search (`mcts:`, policies only). */
  | {
      readonly kind: 'snapshot';
      /** The spec it was served as (its name in errors). */
      readonly name: string;
      readonly bytes: Uint8Array;
      readonly deterministic: boolean;
      readonly search: { readonly simulations: number; readonly cPuct: number; readonly treeReuse: boolean; readonly fpuReduction: number | null } | null;
      /** `symmetric:`: its most probable move averaged over the game's symmetries (absent: false). */
      readonly symmetric?: boolean;
      /** The earlier version of the room's game the policy was trained on (`GameInfo.earlierVersions`), or absent: built for it and handed each position as its state. */
      readonly earlier?: string;
    }
  /** A CustomAgent that a module exports (`CustomAgent.worker`). */
  | { readonly kind: 'module'; readonly url: string; readonly export: string };

/** One move of one agent. */
export interface MoveTask {
  readonly kind: 'move';
  /** The agent's id in the pool. */
  readonly key: string;
  /** Agents this thread may forget: their rooms closed, or they now think on another thread. */
  readonly drop: readonly string[];
  /**
   * Present when this thread must build the agent first. `rebuilt`: the agent was built before on
   * another thread (it moved, or its thread was replaced), so its random stream restarts mid-game.
   */
  readonly build: { readonly recipe: AgentRecipe; readonly seed: number; readonly rebuilt: boolean } | null;
  /** Versioned game id. */
  readonly game: string;
  /** The game this move belongs to: the agent is reset with `seed` when `number` changes (Agent.reset). */
  readonly reset: { readonly number: number; readonly seed: number };
  /** The position (`GameState.serialize`); the agent gets a restored copy. */
  readonly state: StateData;
  readonly seat: number;
}

/** `start`: answers once the thread is up and its modules are loaded (the pool's warm-up). */
export type AgentTask = { readonly kind: 'start' } | MoveTask;

/**
 * The agent's move (an action id, or an action vector in a continuous game), or why it has none (an
 * agent that throws is an expected failure, not a thread's).
 */
export type MoveResult = { readonly ok: true; readonly action: number | number[] } | { readonly ok: false; readonly error: string };

interface Built {
  readonly agent: Agent;
  /** The game number it was last reset for (−1: never). */
  game: number;
}

const agents = new Map<string, Built>();

function forget(key: string): void {
  const built = agents.get(key);
  if (!built) return;
  agents.delete(key);
  try {
    built.agent.dispose?.();
  } catch {
    // a failing dispose must not fail the next agent's move
  }
}

async function build(recipe: AgentRecipe, info: GameInfo, seed: number): Promise<Agent> {
  switch (recipe.kind) {
    case 'bot':
      return createBot(recipe.spec, info, seed);
    case 'snapshot': {
      if (recipe.earlier !== undefined) {
        // trained on an earlier version of the room's game: built for that version, each position converted
        const earlier = getGame(recipe.earlier);
        return new EarlierVersionAgent(await build({ ...recipe, earlier: undefined }, earlier.info, seed), earlier, info);
      }
      if (!recipe.search && !recipe.symmetric) return agentFromSnapshot(recipe.bytes, info, { name: recipe.name, seed, deterministic: recipe.deterministic });
      // search (and the symmetric average) evaluates positions with a policy snapshot's priors and critic
      const policy = new SnapshotAgent({ name: recipe.name, blob: recipe.bytes, info, seed, deterministic: recipe.deterministic });
      if (!recipe.search) return new SymmetricGreedyAgent({ name: recipe.name, info, evaluator: policy, seed });
      const { simulations, cPuct, treeReuse, fpuReduction } = recipe.search;
      return new MctsAgent({ name: recipe.name, info, evaluator: policy, simulations, cPuct, seed, owned: policy, treeReuse, fpuReduction });
    }
    case 'module': {
      // an agent module of the embedding program (a plug-in, named by URL): loaded on first use
      const mod = (await import(recipe.url)) as Record<string, unknown>;
      const custom = mod[recipe.export] as Partial<CustomAgent> | undefined;
      if (typeof custom?.create !== 'function') throw new ConfigError(`${recipe.url} exports no custom agent named '${recipe.export}'`);
      return custom.create(info, seed);
    }
  }
}

/** Mixes the game's reset seed with the step an agent was rebuilt at, so a rebuilt agent does not replay its first draws. */
function rebuildSeed(seed: number, step: number): number {
  return (seed ^ Math.imul(step + 1, 0x9e3779b1)) >>> 0;
}

async function move(task: MoveTask): Promise<MoveResult> {
  for (const key of task.drop) forget(key);
  try {
    const game = getGame(task.game);
    const state = game.restore(task.state);
    if (task.build) {
      forget(task.key);
      agents.set(task.key, { agent: await build(task.build.recipe, game.info, task.build.seed), game: -1 });
    }
    const built = agents.get(task.key);
    if (!built) throw new Error(`agent ${task.key} was never built in this thread`);
    if (built.game !== task.reset.number) {
      built.game = task.reset.number;
      built.agent.reset?.(task.build?.rebuilt ? rebuildSeed(task.reset.seed, state.stepCount()) : task.reset.seed);
    }
    return { ok: true, action: agentMove(built.agent, state, task.seat) };
  } catch (err) {
    // the next move of this agent (a rematch) starts from a fresh build
    forget(task.key);
    return { ok: false, error: (err as Error)?.message ?? String(err) };
  }
}

export default async function agentTask(task: AgentTask): Promise<MoveResult | null> {
  return task.kind === 'start' ? null : move(task);
}
