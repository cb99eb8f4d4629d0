/**
 * Which agents a server offers, and may run. `arena serve --agents …` names checkpoint folders,
 * folders of run folders, league members (`runs/x#main@000120`) and bot specs; every entry is
 * resolved once at start-up to the game it plays. A room may seat any baseline bot (`alphabeta:4`)
 * and any listed entry; anything else (another path on the server's disk, another league member)
 * needs the admin token, since loading arbitrary files is an admin operation.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createAgent, createBot, isCheckpointSpec, listAgentKinds, parseAgentSpec } from '../agents/index.ts';
import { ConfigError, type Agent, type GameInfo } from '../core/index.ts';
import { listCheckpoints } from '../src/checkpoint/store.ts';

/** An agent a person may pick as opponent (GET /api/agents). */
export interface AgentChoice {
  readonly spec: string;
  readonly label: string;
}

/**
 * An agent kind supplied by the program that embeds the server (not by a spec string): offered and
 * allowed like a listed agent. Tests use it for agents that crash.
 */
export interface CustomAgent extends AgentChoice {
  /** Why it cannot play `info` (null when it can). */
  fits(info: GameInfo): string | null;
  create(info: GameInfo, seed: number): Agent;
}

/** A resolved `--agents` entry. */
export interface ListedAgent extends AgentChoice {
  /** Versioned id of the game it plays, or null for a bot spec (fits is checked per game). */
  readonly game: string | null;
}

/** Extra depths offered for alphabeta beside its default, so a person can pick a strength. */
const SUGGESTED_ARGS: Readonly<Record<string, readonly string[]>> = { alphabeta: ['2', '6'] };

/** The baseline bots that can play `info`, with a few useful arguments spelled out. */
export function baselineChoices(info: GameInfo): AgentChoice[] {
  const out: AgentChoice[] = [];
  for (const k of listAgentKinds()) {
    if (k.fits(info) !== null) continue;
    out.push({ spec: k.kind, label: `${k.kind}: ${k.summary}` });
    for (const arg of SUGGESTED_ARGS[k.kind] ?? []) out.push({ spec: `${k.kind}:${arg}`, label: `${k.kind}:${arg}` });
  }
  return out;
}

/** True when `spec` names a baseline bot that builds for `info` (a valid kind, argument and fit). */
export function isBaselineSpec(spec: string, info: GameInfo): boolean {
  if (spec.includes('#') || isCheckpointSpec(spec)) return false;
  try {
    const a = createBot(spec, info, 0);
    a.dispose?.();
    return true;
  } catch {
    return false;
  }
}

async function checkpointGame(dir: string): Promise<{ game: string; label: string } | null> {
  const ckptName = /^ckpt-\d+$/.test(basename(dir));
  const runDir = ckptName ? dirname(dir) : dir;
  let list;
  try {
    list = await listCheckpoints(runDir);
  } catch {
    return null;
  }
  const pick = ckptName ? list.find((c) => c.dir === resolve(dir)) : (list.find((c) => c.isLatest) ?? list.filter((c) => c.complete).at(-1));
  const meta = pick?.meta as { game?: unknown; algo?: unknown; update?: unknown } | null | undefined;
  if (!pick || typeof meta?.game !== 'string') return null;
  const algo = typeof meta.algo === 'string' ? `${meta.algo}, ` : '';
  return { game: meta.game, label: `${algo}${pick.name}` };
}

async function leagueGame(spec: string): Promise<string> {
  const { parseLeagueRef } = await import('../league/member-agent.ts');
  const { LeagueStore } = await import('../league/store.ts');
  const ref = parseLeagueRef(spec)!;
  const store = LeagueStore.open(ref.runDir, { create: false });
  try {
    store.requireMember(ref.id);
    return store.info().game;
  } finally {
    store.close();
  }
}

/**
 * Resolves `--agents` entries: a checkpoint folder (a run folder or a ckpt-NNNNNN folder), a folder
 * of run folders (each run with checkpoints becomes one entry), a league member `<runDir>#<id>`, or a
 * bot spec. Throws ConfigError for an entry that is none of these.
 */
export async function resolveAgentList(entries: readonly string[]): Promise<ListedAgent[]> {
  const out: ListedAgent[] = [];
  const seen = new Set<string>();
  const push = (a: ListedAgent) => {
    if (!seen.has(a.spec)) {
      seen.add(a.spec);
      out.push(a);
    }
  };
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry.includes('#')) {
      let game: string;
      try {
        game = await leagueGame(entry);
      } catch (err) {
        throw new ConfigError(`--agents ${entry}: ${(err as Error).message}`);
      }
      push({ spec: entry, label: `league member ${entry}`, game });
      continue;
    }
    if (isCheckpointSpec(entry)) {
      if (!existsSync(entry) || !statSync(entry).isDirectory()) throw new ConfigError(`--agents ${entry}: no such folder`);
      const own = await checkpointGame(entry);
      if (own) {
        push({ spec: entry, label: `checkpoint ${entry} (${own.label})`, game: own.game });
        continue;
      }
      let found = 0;
      for (const name of readdirSync(entry).sort()) {
        const sub = join(entry, name);
        if (!statSync(sub).isDirectory()) continue;
        const c = await checkpointGame(sub);
        if (c) {
          push({ spec: sub, label: `checkpoint ${sub} (${c.label})`, game: c.game });
          found++;
        }
      }
      if (found === 0) throw new ConfigError(`--agents ${entry}: neither a checkpoint folder nor a folder of run folders with checkpoints`);
      continue;
    }
    const { kind } = parseAgentSpec(entry);
    if (!listAgentKinds().some((k) => k.kind === kind)) {
      throw new ConfigError(`--agents ${entry}: not a folder, a league member or a known bot (${listAgentKinds().map((k) => k.kind).join(', ')})`);
    }
    push({ spec: entry, label: entry, game: null });
  }
  return out;
}

/** The agents a person may pick for `info`: fitting baseline bots, then fitting `--agents` entries (and custom agents). */
export function agentChoices(info: GameInfo, listed: readonly ListedAgent[], custom: readonly CustomAgent[] = []): AgentChoice[] {
  const out = baselineChoices(info);
  const specs = new Set(out.map((c) => c.spec));
  for (const c of custom) {
    if (!specs.has(c.spec) && c.fits(info) === null) {
      out.push({ spec: c.spec, label: c.label });
      specs.add(c.spec);
    }
  }
  for (const a of listed) {
    if (specs.has(a.spec)) continue;
    const fits = a.game === null ? isBaselineSpec(a.spec, info) : a.game === info.id;
    if (fits) {
      out.push({ spec: a.spec, label: a.label });
      specs.add(a.spec);
    }
  }
  return out;
}

/** Whether a room may seat `spec` for `info` without the admin token. */
export function isAllowedSpec(spec: string, info: GameInfo, listed: readonly ListedAgent[], custom: readonly CustomAgent[] = []): boolean {
  if (custom.some((c) => c.spec === spec && c.fits(info) === null)) return true;
  if (isBaselineSpec(spec, info)) return true;
  return listed.some((a) => a.spec === spec && (a.game === null || a.game === info.id));
}

/** Builds a server-side agent (bots, checkpoints, league members). */
export async function buildAgent(spec: string, info: GameInfo, seed: number, custom: readonly CustomAgent[] = []): Promise<Agent> {
  const c = custom.find((x) => x.spec === spec);
  if (c) {
    const reason = c.fits(info);
    if (reason !== null) throw new ConfigError(`agent '${spec}' cannot play ${info.id}: ${reason}`);
    return c.create(info, seed);
  }
  return createAgent(spec, info, seed);
}
