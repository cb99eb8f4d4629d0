/**
 * League members as agents: `<runDir>#<AgentId>` specs (e.g. `runs/kuhn#main@000120`) name a member
 * of that run's league.db. This module reads what a member plays as: its bot spec, its snapshot
 * (src/selfplay/snapshot.ts bytes), or — for the `main` learner, whose current weights are in the
 * run's checkpoints rather than in the league — the run itself. The agent is built by the one spec
 * resolver, `createAgent` in agents/index.ts, which imports this module (never the other way round).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentMismatchError, ArenaError, ConfigError, type GameInfo } from '../core/index.ts';
import { LeagueStore, type AgentId } from './store.ts';

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

/** What a league member plays as. */
export type MemberPlay =
  /** A baseline bot, by its spec. */
  | { readonly kind: 'bot'; readonly spec: string }
  /** A policy snapshot's bytes. */
  | { readonly kind: 'snapshot'; readonly blob: Uint8Array }
  /** The main learner: the run's latest checkpoint (its last iterate, not an exported average). */
  | { readonly kind: 'checkpoint'; readonly runDir: string };

/**
 * Reads what member `ref` plays as. Throws one-line errors for a missing league, an unknown member
 * (listing the known ids), a league of another game than `game`, or a member without weights.
 */
export function readLeagueMember(ref: LeagueRef, game: GameInfo): MemberPlay {
  const store = LeagueStore.open(ref.runDir, { create: false });
  try {
    const leagueGame = store.info().game;
    if (leagueGame !== game.id) throw new AgentMismatchError(`league '${ref.runDir}' plays ${leagueGame}, not ${game.id}`);
    const m = store.requireMember(ref.id);
    if (m.botSpec !== null) return { kind: 'bot', spec: m.botSpec };
    const blob = store.getSnapshot(ref.id);
    if (blob !== null) return { kind: 'snapshot', blob };
    if (m.role === 'main' && existsSync(join(ref.runDir, 'checkpoints', 'latest'))) return { kind: 'checkpoint', runDir: ref.runDir };
    const snaps = store.listMembers({ role: 'snapshot', parent: ref.id }).map((s) => s.id);
    throw new ArenaError('NO_SNAPSHOT', `league member '${ref.id}' has no stored weights${snaps.length ? `; its snapshots: ${snaps.slice(-5).join(', ')}` : ''}`);
  } finally {
    store.close();
  }
}
