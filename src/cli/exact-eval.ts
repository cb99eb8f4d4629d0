/** What `arena exploitability` and `arena policy-table` share: the game, the agent and its policy. */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createAgent, GREEDY_PREFIX, isCheckpointSpec, LAST_PREFIX } from '../../agents/index.ts';
import type { Game } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { loadCheckpoint } from '../checkpoint/store.ts';
import { agentPolicy, checkExactEvalGame, type PolicyFn } from '../eval/exploitability.ts';

/** The options both commands take. */
export interface ExactEvalOptions {
  agent: string;
  game?: string;
  deterministic?: boolean;
  json?: boolean;
}

/**
 * `evaluate` over the game (--game, else the checkpoint's own game, else Kuhn), checked to be one
 * where exact evaluation is feasible, and the agent's policy as a function (a one-line error when the
 * agent does not expose its action probabilities). The agent is disposed of afterwards.
 */
export async function evaluateExactly<T>(opts: ExactEvalOptions, evaluate: (game: Game, policy: PolicyFn) => T): Promise<{ game: Game; result: T }> {
  const game = getGame(opts.game ?? (await checkpointGame(opts.agent)) ?? 'kuhn-poker');
  checkExactEvalGame(game.info.id);
  const agent = await createAgent(opts.agent, game.info, 0, { deterministic: opts.deterministic ?? false });
  try {
    return { game, result: evaluate(game, agentPolicy(agent)) };
  } finally {
    agent.dispose?.();
  }
}

/** The game of a checkpoint, run folder, league member or average-policy file (prefixes such as greedy: or last: aside). */
async function checkpointGame(spec: string): Promise<string | undefined> {
  let path = spec;
  for (const prefix of [GREEDY_PREFIX, LAST_PREFIX, GREEDY_PREFIX]) if (path.startsWith(prefix)) path = path.slice(prefix.length);
  path = path.split('#')[0]!;
  if (!isCheckpointSpec(path)) return undefined;
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) {
    try {
      const data = JSON.parse(await readFile(path, 'utf8')) as { game?: unknown };
      return typeof data.game === 'string' ? data.game : undefined;
    } catch {
      return undefined; // not JSON: createAgent refuses the file with its name
    }
  }
  const meta = (await loadCheckpoint<{ game?: unknown } | null>(path)).meta;
  return typeof meta?.game === 'string' ? meta.game : undefined;
}
