/**
 * Which agents a server offers, and may run. `arena serve --agents …` names checkpoint folders,
 * folders of run folders, league members (`runs/x#main@000120`) and bot specs; every entry is
 * resolved once at start-up to the game it plays. A room may seat any baseline bot (`alphabeta:4`)
 * and any listed entry; anything else (another path on the server's disk, another league member)
 * needs the admin token, since loading arbitrary files is an admin operation.
 *
 * Trained agents play their strongest mode (`servedPlay`): the most probable move (greedy) in
 * perfect-information games, their whole mixed strategy where information is hidden (a greedy
 * poker player is trivially exploitable), and search when the entry is `mcts:<agent>[:<simulations>]`.
 * Listings say which.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createAgent, createBot, defaultPlayUrgency, isCheckpointSpec, listAgentKinds, MCTS_PREFIX, parseAgentSpec, specForm } from '../agents/index.ts';
import { mctsFits, mctsSpec, parseMctsSpec, type MctsSpec } from '../agents/mcts.ts';
import { SYMMETRIC_PREFIX, symmetricFits } from '../agents/symmetric-greedy.ts';
import { ConfigError, isEarlierVersion, type Agent, type GameInfo } from '../core/index.ts';
import { gameRegistry } from '../games/index.ts';
import { parseLeagueRef } from '../league/member-agent.ts';
import { LeagueStore } from '../league/store.ts';
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
  /**
   * Where a worker thread finds this same CustomAgent: the URL of a module and the name it is exported
   * under. With it the agent thinks in the server's agent pool like any other; without it (a closure
   * cannot cross threads) it thinks on the rooms' thread, and its deadline is checked after each move.
   */
  readonly worker?: { readonly module: string; readonly export: string };
}

/** A resolved `--agents` entry. */
export interface ListedAgent extends AgentChoice {
  /** Versioned id of the game it plays, or null for a bot spec (fits is checked per game). */
  readonly game: string | null;
  /** How it plays when the server runs it (`servedPlay`), or null for bots (the label says it too). */
  readonly play: string | null;
}

/**
 * How the server plays a trained agent in `info`: greedily in perfect-information games, sampling
 * its policy where information is hidden (its mixed strategy is its strength there).
 */
export function servedDeterministic(info: GameInfo): boolean {
  return info.information === 'perfect';
}

/**
 * The mode a trained agent `spec` (checkpoint, league member, `mcts:` or `symmetric:` entry) plays in `info`, in words.
 * A search's first-play urgency is said when the spec names one, else when `networkUrgency` gives the network's
 * default (`defaultPlayUrgency`, read from the checkpoint at start-up; README "Search at play time").
 */
export function servedPlay(spec: string, info: GameInfo, networkUrgency?: number | null): string {
  if (spec.startsWith(SYMMETRIC_PREFIX)) return 'greedy, averaged over the board’s symmetries';
  if (spec.startsWith(MCTS_PREFIX)) {
    const { simulations, reuse, fpuReduction: given } = parseMctsSpec(spec);
    const fpuReduction = given === undefined ? networkUrgency : given;
    const fpu = fpuReduction === undefined ? '' : fpuReduction === null ? ', untried moves valued 0' : `, untried moves valued the network's value − ${fpuReduction}`;
    return `search, ${simulations} simulations per move${fpu}${reuse ? ', tree kept between moves' : ''}`;
  }
  return servedDeterministic(info) ? 'greedy' : 'samples its policy';
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
  if (specForm(spec) !== 'bot') return false;
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

/** The game of a league member, and its bot spec when the member is a bot. */
function leagueMember(spec: string): { game: string; botSpec: string | null } {
  const ref = parseLeagueRef(spec)!;
  const store = LeagueStore.open(ref.runDir, { create: false });
  try {
    const m = store.requireMember(ref.id);
    return { game: store.info().game, botSpec: m.botSpec };
  } finally {
    store.close();
  }
}

/** An `--agents` entry before its label says how it plays. */
interface Resolved {
  readonly spec: string;
  /** What it is, e.g. `checkpoint runs/c4 (ppo, ckpt-000100)`. */
  readonly about: string;
  readonly game: string | null;
  /** A trained policy (a checkpoint or a league member with weights), not a bot. */
  readonly trained: boolean;
  /** For an `mcts:` entry that names no urgency: the network's default (`defaultPlayUrgency`). */
  readonly networkUrgency?: number | null;
}

/** The listed form: trained entries say how the server plays them. */
function listedAgent(r: Resolved): ListedAgent {
  const info = r.trained && r.game !== null ? gameRegistry.get(r.game)?.info : undefined;
  const play = info ? servedPlay(r.spec, info, r.networkUrgency) : null;
  return { spec: r.spec, label: play ? `${r.about}, plays ${play}` : r.about, game: r.game, play };
}

/** One `--agents` entry that is not `mcts:` (a folder of run folders gives several). */
async function resolveEntry(entry: string): Promise<Resolved[]> {
  if (entry.includes('#')) {
    let member: { game: string; botSpec: string | null };
    try {
      member = leagueMember(entry);
    } catch (err) {
      throw new ConfigError(`--agents ${entry}: ${(err as Error).message}`);
    }
    const bot = member.botSpec !== null;
    return [{ spec: entry, about: `league member ${entry}${bot ? ` (${member.botSpec})` : ''}`, game: member.game, trained: !bot }];
  }
  if (isCheckpointSpec(entry)) {
    if (!existsSync(entry) || !statSync(entry).isDirectory()) throw new ConfigError(`--agents ${entry}: no such folder`);
    const own = await checkpointGame(entry);
    if (own) return [{ spec: entry, about: `checkpoint ${entry} (${own.label})`, game: own.game, trained: true }];
    const found: Resolved[] = [];
    for (const name of readdirSync(entry).sort()) {
      const sub = join(entry, name);
      if (!statSync(sub).isDirectory()) continue;
      const c = await checkpointGame(sub);
      if (c) found.push({ spec: sub, about: `checkpoint ${sub} (${c.label})`, game: c.game, trained: true });
    }
    if (found.length === 0) throw new ConfigError(`--agents ${entry}: neither a checkpoint folder nor a folder of run folders with checkpoints`);
    return found;
  }
  const { kind } = parseAgentSpec(entry);
  if (!listAgentKinds().some((k) => k.kind === kind)) {
    throw new ConfigError(`--agents ${entry}: not a folder, a league member, mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse], symmetric:<agent> or a known bot (${listAgentKinds().map((k) => k.kind).join(', ')})`);
  }
  return [{ spec: entry, about: entry, game: null, trained: false }];
}

/** An entry that wraps another (`mcts:`, `symmetric:`): how its inner entry must fit and how it is rewrapped. */
interface Wrapper {
  /** The inner entry. */
  readonly inner: string;
  /** The wrapper's form for error messages, e.g. `mcts:<agent>`. */
  readonly form: string;
  /** Why the wrapper cannot play `info` (null when it can). */
  fits(info: GameInfo): string | null;
  /** The words between the game and that reason in the refusal, e.g. `, which search cannot play`. */
  readonly misfitPrefix: string;
  /** The entry for one resolved inner spec. */
  spec(inner: string): string;
  /** The words before the inner entry's description, e.g. `search over`. */
  readonly about: string;
}

/**
 * A wrapped entry (`mcts:`, `symmetric:`): the inner entry resolved like any other (a folder of run folders
 * gives one wrapped entry per run), each a trained policy of a game the wrapper can play.
 */
async function resolveWrappedEntry(entry: string, w: Wrapper): Promise<Resolved[]> {
  return (await resolveEntry(w.inner)).map((r) => {
    if (!r.trained || r.game === null) throw new ConfigError(`--agents ${entry}: '${r.spec}' is not a trained policy; ${w.form} needs a checkpoint or run folder, or a league member with weights`);
    const info = gameRegistry.get(r.game)?.info;
    const misfit = info ? w.fits(info) : `${r.game} is not a game of this server`;
    if (misfit !== null) throw new ConfigError(`--agents ${entry}: ${r.spec} plays ${r.game}${w.misfitPrefix}: ${misfit}`);
    return { spec: w.spec(r.spec), about: `${w.about} ${r.about}`, game: r.game, trained: true };
  });
}

/** `mcts:<agent>[:<simulations>]…`: search over each trained policy the inner entry names. */
async function resolveSearchEntry(entry: string): Promise<Resolved[]> {
  let parsed: MctsSpec;
  try {
    parsed = parseMctsSpec(entry);
  } catch (err) {
    throw new ConfigError(`--agents ${(err as Error).message}`);
  }
  const spec = (inner: string): string => mctsSpec({ ...parsed, inner });
  const resolved = await resolveWrappedEntry(entry, { inner: parsed.inner, form: 'mcts:<agent>', fits: mctsFits, misfitPrefix: ', which search cannot play', spec, about: 'search over' });
  if (parsed.fpuReduction !== undefined) return resolved;
  // the lobby says the urgency each network searches with by default (its checkpoint's algorithm decides)
  return Promise.all(resolved.map(async (r) => ({ ...r, networkUrgency: await defaultPlayUrgency(parseMctsSpec(r.spec).inner) })));
}

/** `symmetric:<agent>`: the symmetric average of each trained policy the inner entry names, in games that declare symmetries. */
async function resolveSymmetricEntry(entry: string): Promise<Resolved[]> {
  const spec = (inner: string): string => `${SYMMETRIC_PREFIX}${inner}`;
  return resolveWrappedEntry(entry, { inner: entry.slice(SYMMETRIC_PREFIX.length), form: 'symmetric:<agent>', fits: symmetricFits, misfitPrefix: '', spec, about: 'symmetric' });
}

/**
 * Resolves `--agents` entries: a checkpoint folder (a run folder or a ckpt-NNNNNN folder), a folder
 * of run folders (each run with checkpoints becomes one entry), a league member `<runDir>#<id>`,
 * search over any of these (`mcts:<entry>[:<simulations>]`), the symmetric average of one (`symmetric:<entry>`), or a bot spec. Throws ConfigError for an
 * entry that is none of these.
 */
export async function resolveAgentList(entries: readonly string[]): Promise<ListedAgent[]> {
  const out: ListedAgent[] = [];
  const seen = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const resolved = entry.startsWith(MCTS_PREFIX) ? await resolveSearchEntry(entry) : entry.startsWith(SYMMETRIC_PREFIX) ? await resolveSymmetricEntry(entry) : await resolveEntry(entry);
    for (const r of resolved) {
      if (seen.has(r.spec)) continue;
      seen.add(r.spec);
      out.push(listedAgent(r));
    }
  }
  return out;
}

/** Whether a policy trained on `game` plays `info`'s rooms: the same game, or one of its earlier versions (agents/earlier-version.ts). */
function playsIn(game: string, info: GameInfo): boolean {
  return game === info.id || isEarlierVersion(info, game);
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
    const fits = a.game === null ? isBaselineSpec(a.spec, info) : playsIn(a.game, info);
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
  return listed.some((a) => a.spec === spec && (a.game === null || playsIn(a.game, info)));
}

/** The name a room shows for a server-side agent: its spec, and for trained agents how it plays, e.g. `runs/c4 (greedy)`. */
export function servedName(spec: string, info: GameInfo, listed: readonly ListedAgent[]): string {
  const entry = listed.find((a) => a.spec === spec && (a.game === null || playsIn(a.game, info)));
  const trainedSpec = specForm(spec) !== 'bot';
  const play = entry ? entry.play : trainedSpec ? servedPlay(spec, info) : null;
  return play ? `${spec} (${play})` : spec;
}

/** Builds a server-side agent (bots, checkpoints, league members, search); trained ones play their strongest mode (`servedPlay`). */
export async function buildAgent(spec: string, info: GameInfo, seed: number, custom: readonly CustomAgent[] = []): Promise<Agent> {
  const c = custom.find((x) => x.spec === spec);
  if (c) {
    const reason = c.fits(info);
    if (reason !== null) throw new ConfigError(`agent '${spec}' cannot play ${info.id}: ${reason}`);
    return c.create(info, seed);
  }
  return createAgent(spec, info, seed, { deterministic: servedDeterministic(info) });
}
