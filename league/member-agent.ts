/**
 * League members as agents: `<runDir>#<AgentId>` specs (e.g. `runs/kuhn#main@000120`) name a member
 * of that run's league.db. Bot members are built from their bot spec; snapshot blobs are opaque
 * here, so whoever defines their format registers a loader with `registerSnapshotLoader` (the
 * self-play code does, for src/selfplay/snapshot.ts bytes). The `main` learner itself, whose current
 * weights are in the run's checkpoints rather than in the league, plays as that checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAgent, isWrappedSpec, LAST_PREFIX, type CreateAgentOptions } from '../agents/index.ts';
import { AgentMismatchError, ArenaError, ConfigError, type Agent, type GameInfo } from '../core/index.ts';
import { LeagueStore, type AgentId } from './store.ts';

/** Builds an agent from a snapshot blob for `game`, seeding its randomness with `seed`. */
export type SnapshotLoader = (blob: Uint8Array, game: GameInfo, seed: number) => Promise<Agent>;

let snapshotLoader: SnapshotLoader | null = null;

/** Installs (or, with null, removes) the function that turns snapshot blobs into agents. */
export function registerSnapshotLoader(fn: SnapshotLoader | null): void {
  snapshotLoader = fn;
}

export function hasSnapshotLoader(): boolean {
  return snapshotLoader !== null;
}

export interface LeagueRef {
  readonly runDir: string;
  readonly id: AgentId;
}

/** `runs/kuhn#main@000120` → { runDir: 'runs/kuhn', id: 'main@000120' }; null for specs without '#'. */
export function parseLeagueRef(spec: string): LeagueRef | null {
  const i = spec.lastIndexOf('#');
  if (i < 0) return null;
  const runDir = spec.slice(0, i).trim();
  const id = spec.slice(i + 1).trim();
  if (runDir === '' || id === '') throw new ConfigError(`league member spec '${spec}' must look like <runDir>#<memberId>, e.g. runs/kuhn#main@000120`);
  return { runDir, id };
}

/**
 * Builds the agent for a league member. Throws one-line errors for a missing league, an unknown
 * member (listing the known ids), a league of another game, a member without weights, or a
 * snapshot when no loader is registered. Snapshots sample their moves with the fast SnapshotAgent;
 * asked to play greedily (`deterministic`) or to guide search (`evaluator`), they load as a PolicyAgent.
 */
export async function createLeagueAgent(ref: LeagueRef, game: GameInfo, seed = 0, opts: CreateAgentOptions = {}): Promise<Agent> {
  const store = LeagueStore.open(ref.runDir, { create: false });
  let blob: Uint8Array | null;
  let botSpec: string | null;
  let fromCheckpoint = false;
  try {
    const leagueGame = store.info().game;
    if (leagueGame !== game.id) throw new AgentMismatchError(`league '${ref.runDir}' plays ${leagueGame}, not ${game.id}`);
    const m = store.requireMember(ref.id);
    botSpec = m.botSpec;
    blob = botSpec === null ? store.getSnapshot(ref.id) : null;
    // the main learner's current weights live in the run's checkpoints, not in the league
    fromCheckpoint = botSpec === null && blob === null && m.role === 'main' && existsSync(join(ref.runDir, 'checkpoints', 'latest'));
    if (botSpec === null && blob === null && !fromCheckpoint) {
      const snaps = store.listMembers({ role: 'snapshot', parent: ref.id }).map((s) => s.id);
      throw new ArenaError(
        'NO_SNAPSHOT',
        `league member '${ref.id}' has no stored weights${snaps.length ? `; its snapshots: ${snaps.slice(-5).join(', ')}` : ''}`,
      );
    }
  } finally {
    store.close();
  }
  if (botSpec !== null) return createAgent(botSpec, game, seed);
  // the learner itself plays its current weights, not the run's exported average
  if (fromCheckpoint) return createAgent(`${LAST_PREFIX}${ref.runDir}`, game, seed, { deterministic: opts.deterministic });
  if (snapshotLoader) return snapshotLoader(blob!, game, seed);
  if (opts.deterministic || opts.evaluator) {
    await import('../src/backend.ts').then((b) => b.selectBackend('auto'));
    const { policyAgentFromSnapshot } = await import('../agents/policy-agent.ts');
    return policyAgentFromSnapshot(blob!, game, seed, { name: `${ref.runDir}#${ref.id}`, deterministic: opts.deterministic });
  }
  // the default loader plays Arena's policy snapshots (src/selfplay/snapshot.ts bytes)
  return (await import('../src/selfplay/snapshot-agent.ts')).snapshotAgent(blob!, game, seed);
}

/** Any agent spec: a league member (`runDir#id`), a checkpoint folder, a bot spec, or one of these wrapped (`greedy:`, `mcts:`…). */
export async function createAnyAgent(spec: string, game: GameInfo, seed = 0, opts: CreateAgentOptions = {}): Promise<Agent> {
  const ref = isWrappedSpec(spec) ? null : parseLeagueRef(spec);
  return ref ? createLeagueAgent(ref, game, seed, opts) : createAgent(spec, game, seed, opts);
}
