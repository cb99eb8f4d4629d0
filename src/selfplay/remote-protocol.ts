/**
 * The actor protocol: how a learner (remote-actors.ts) and actor processes on other machines
 * (remote-actor.ts) share one run through Redis. Every key of a run starts with `arena:run:<run>:`:
 *
 *   meta                  the run (RunMeta, JSON): game, algorithm, protocol, the learner's session;
 *                         rewritten every second with an expiry, so it is also the learner's heartbeat
 *   tasks                 stream of tasks (consumer group `actors`, one consumer per actor)
 *   results               stream of results (consumer group `learner`), acknowledged once used
 *   snap:<session>:<v>    snapshot bytes of weights version v, only versions a task names (expire)
 *   actors                set of the actor ids that announced themselves (expires a minute after the last)
 *   actor:<id>            an actor's heartbeat (ActorHeartbeat, JSON, expires)
 *
 * Weights versions are unique within one learner session only (a learner resumed after a crash
 * starts a new session and may number versions again), so snapshot keys and actor caches go by
 * (session, version), and a task or result of another session is dropped.
 *
 * Pure: no Redis client here, so the codecs and checks are tested on their own.
 */
import { Packr } from 'msgpackr';
import { ConfigError, isContinuous, type GameInfo } from '../../core/index.ts';
import { gameRegistry, getGame } from '../../games/index.ts';
import type { TaskRequest } from './pool.ts';
import type { RolloutResult } from './rollout.ts';

/**
 * Bump when a message or key changes: learners and actors of different protocols refuse each other.
 * 2: results carry the agent-state critic inputs (`criticObs`, bytes as `criticObsBytes`) for a critic
 * that reads them.
 */
export const REMOTE_PROTOCOL = 2;

/** Seconds a learner's meta outlives its last refresh (refreshed every second). */
export const META_TTL_S = 10;
/** Seconds an actor's heartbeat outlives its last refresh (refreshed every second). */
export const HEARTBEAT_TTL_S = 5;
/** Seconds a snapshot key lives without being named again (the learner deletes it sooner once unused). */
export const SNAPSHOT_TTL_S = 120;
/** Seconds a stopped run's keys (streams, the set of actors) stay in Redis unless a learner resumes it. */
export const LINGER_S = 60;
/** Bounds of the streams (approximate trimming): entries are deleted once acknowledged, this is a backstop. */
export const TASKS_MAXLEN = 1000;
export const RESULTS_MAXLEN = 1000;
export const TASKS_GROUP = 'actors';
/**
 * Tasks an actor holds beyond one per worker, so a worker starts its next task the moment it finishes
 * one instead of waiting for the round trip through Redis and the learner (at the price of a little
 * more policy lag, and of one more task lost when the actor dies). The learner counts it in the
 * capacity it gives each live actor.
 */
export const SPARE_TASKS = 1;
export const RESULTS_GROUP = 'learner';

/** Redis keys of one run. */
export function runKeys(run: string) {
  const p = `arena:run:${run}:`;
  return {
    meta: `${p}meta`,
    tasks: `${p}tasks`,
    results: `${p}results`,
    actors: `${p}actors`,
    actor: (id: string) => `${p}actor:${id}`,
    snapshot: (session: string, version: number) => `${p}snap:${session}:${version}`,
  };
}

/** A run name: what `--run` accepts (it becomes part of Redis keys). */
export function checkRunName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new ConfigError(`run name '${name}' is not valid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

/** What an actor must agree on with the learner about the game: its id and the shapes it plays with. */
export interface GameSignature {
  readonly id: string;
  readonly seats: number;
  readonly actions: number;
  readonly observationSize: number;
  readonly maxSteps: number;
}

export function gameSignature(info: GameInfo): GameSignature {
  return { id: info.id, seats: info.seats, actions: info.actions, observationSize: info.observationSize, maxSteps: info.maxSteps };
}

/** The run as the learner describes it. */
export interface RunMeta {
  readonly protocol: number;
  readonly run: string;
  /** Changes each time a learner (re)starts the run. */
  readonly session: string;
  /** 'finished': the run reached its budget (actors leave); a missing meta: no learner right now. */
  readonly state: 'running' | 'finished';
  readonly game: GameSignature;
  readonly algo: string;
  readonly network: string;
  /** Task kinds the learner sends. */
  readonly tasks: readonly string[];
  readonly learner: { readonly host: string; readonly pid: number; readonly startedAt: number };
}

/** An actor's heartbeat. */
export interface ActorHeartbeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly workers: number;
  /** Segments pushed to the results stream since the actor started. */
  readonly segments: number;
  /** Tasks it could not play (reported to the learner) and stale tasks it skipped. */
  readonly failed: number;
  readonly skipped: number;
  /** Tasks it is playing now. */
  readonly running: number;
  /** The learner weights version of its last task (null before the first). */
  readonly lastVersion: number | null;
  readonly session: string | null;
  readonly startedAt: number;
}

function parseJson<T>(text: string | null, valid: (x: Record<string, unknown>) => boolean): T | null {
  if (text === null) return null;
  try {
    const x = JSON.parse(text) as unknown;
    return typeof x === 'object' && x !== null && valid(x as Record<string, unknown>) ? (x as T) : null;
  } catch {
    return null;
  }
}

/** The run's meta from its JSON (null: absent or not a run's meta). */
export function parseRunMeta(text: string | null): RunMeta | null {
  return parseJson<RunMeta>(text, (x) => typeof x['protocol'] === 'number' && typeof x['session'] === 'string' && typeof x['game'] === 'object' && x['game'] !== null);
}

export function parseHeartbeat(text: string | null): ActorHeartbeat | null {
  return parseJson<ActorHeartbeat>(text, (x) => typeof x['id'] === 'string' && typeof x['workers'] === 'number');
}

/**
 * Why an actor must not play for this run (one line), or null when it can: another protocol, a game
 * this Arena does not know or knows with other shapes, a task kind it cannot play, or another game
 * than the one the actor was started for.
 */
export function refusal(meta: RunMeta, wantGame: string | null): string | null {
  const run = `run '${meta.run}'`;
  if (meta.protocol !== REMOTE_PROTOCOL) return `${run} speaks actor protocol ${meta.protocol}, this Arena speaks ${REMOTE_PROTOCOL}: run the same Arena version on the learner and the actors`;
  const known = gameRegistry.get(meta.game.id);
  if (!known) return `${run} trains ${meta.game.id}, a game this Arena does not know (it knows ${[...gameRegistry.keys()].join(', ')}): run the same Arena version on the learner and the actors`;
  if (wantGame !== null && getGame(wantGame).info.id !== meta.game.id) return `${run} trains ${meta.game.id}, but this actor was started for ${getGame(wantGame).info.id} (--game)`;
  const mine = gameSignature(known.info);
  const differs = (Object.keys(mine) as (keyof GameSignature)[]).filter((k) => mine[k] !== meta.game[k]);
  if (differs.length) return `${run} trains ${meta.game.id} with ${differs.map((k) => `${k} ${meta.game[k]}`).join(', ')}, this Arena's has ${differs.map((k) => `${k} ${mine[k]}`).join(', ')}: run the same Arena version on the learner and the actors`;
  const unknown = meta.tasks.filter((t) => t !== 'two-seat');
  if (unknown.length) return `${run} sends ${unknown.join(', ')} tasks, which this actor cannot play`;
  return null;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

/** A two-seat self-play task without its snapshot bytes: the actor fetches them by version. */
export type RemoteTask = Extract<TaskRequest, { kind: 'two-seat' }>;

/** A task as it travels in the tasks stream. */
export interface TaskMessage {
  /** The learner's id for the task, unique within its session. */
  readonly uid: number;
  readonly session: string;
  readonly task: RemoteTask;
  /** Every weights version the task plays (learner and opponents). */
  readonly versions: readonly number[];
}

/** Invalid bytes from the other side of the stream (a corrupt entry, another program writing). */
export class RemoteDataError extends Error {}

export function encodeTask(m: TaskMessage): Uint8Array {
  return new Uint8Array(packr.pack(m));
}

function unpack(bytes: Uint8Array, what: string): unknown {
  try {
    return packr.unpack(bytes);
  } catch (err) {
    throw new RemoteDataError(`${what} is not msgpack: ${(err as Error).message}`);
  }
}

const isInt = (x: unknown, min = 0) => Number.isInteger(x) && (x as number) >= min;

export function decodeTask(bytes: Uint8Array): TaskMessage {
  const m = unpack(bytes, 'task') as Partial<TaskMessage> | null;
  const t = m?.task as Partial<RemoteTask> | undefined;
  const versionsOk = Array.isArray(m?.versions) && m.versions.every((v) => isInt(v, 1));
  if (!m || !isInt(m.uid) || typeof m.session !== 'string' || !versionsOk || !t || t.kind !== 'two-seat' || typeof t.game !== 'string' || !isInt(t.envs, 1) || !isInt(t.steps, 1) || !isInt(t.learner, 1) || !Array.isArray(t.opponents) || !Array.isArray(t.opponentProbs)) {
    throw new RemoteDataError('task is not a two-seat task message');
  }
  return m as TaskMessage;
}

/** Observations that are all whole numbers in 0..255 (board planes, cards), one byte each; else null. */
function asBytes(x: Float32Array): Uint8Array | null {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== (v & 255)) return null;
    out[i] = v;
  }
  return out;
}

/**
 * A result's bytes. Observations dominate them; when every value is a whole number in 0..255 they
 * travel as one byte each (`obsBytes`), exactly, a quarter of the size (Connect Four: 370 kB → 110 kB).
 */
export function encodeResult(r: RolloutResult): Uint8Array {
  const bytes = asBytes(r.obs);
  const critic = r.criticObs ? asBytes(r.criticObs) : null;
  return packr.pack({ ...r, ...(bytes ? { obs: null, obsBytes: bytes } : {}), ...(critic ? { criticObs: null, criticObsBytes: critic } : {}) });
}

/** The value packed in a result entry (observations as floats again); a RemoteDataError when the bytes are not msgpack. */
export function unpackResult(bytes: Uint8Array): unknown {
  const r = unpack(bytes, 'result') as { obs?: unknown; obsBytes?: unknown; criticObs?: unknown; criticObsBytes?: unknown } | null;
  if (r && typeof r === 'object' && r.obsBytes instanceof Uint8Array && r.obs === null) {
    r.obs = Float32Array.from(r.obsBytes);
    delete r.obsBytes;
  }
  if (r && typeof r === 'object' && r.criticObsBytes instanceof Uint8Array && r.criticObs === null) {
    r.criticObs = Float32Array.from(r.criticObsBytes);
    delete r.criticObsBytes;
  }
  return r;
}

/**
 * A remote actor's result for `task`, checked whole before it can become a segment: the trajectory's
 * arrays have the task's shape and types, actions are valid indices (or, in a continuous game, vectors
 * of finite numbers), numbers are finite, and every finished game names one of the task's opponents.
 * `criticSize`: the floats of the learner's critic input per decision when its critic reads the
 * agent state (criticInput 'agent-state'; the result must then carry them), 0 when it reads the
 * observation (the result must carry none). Throws RemoteDataError otherwise.
 */
export function checkResult(value: unknown, task: RemoteTask, info: GameInfo, criticSize = 0): RolloutResult {
  const r = value as Partial<RolloutResult> | null;
  const bad = (why: string) => new RemoteDataError(`result of a ${task.envs}×${task.steps} task: ${why}`);
  if (!r || typeof r !== 'object') throw bad('not an object');
  if (r.steps !== task.steps || r.columns !== task.envs || r.envs !== task.envs) throw bad(`shape ${r.steps}×${r.columns}`);
  const n = task.steps * task.envs;
  const continuous = isContinuous(info);
  const arrays: [keyof RolloutResult, new (n: number) => ArrayLike<number>, number][] = [
    ['obs', Float32Array, n * info.observationSize],
    ['masks', Uint8Array, continuous ? 0 : n * info.actions],
    ['actions', Int32Array, continuous ? 0 : n],
    ['logProbs', Float32Array, n],
    ['values', Float32Array, n],
    ['rewards', Float32Array, n],
    ['nextValues', Float32Array, n],
    ['dones', Uint8Array, n],
    ['valid', Uint8Array, n],
  ];
  for (const [key, type, length] of arrays) {
    const a = r[key] as ArrayLike<number> | undefined;
    if (!(a instanceof type) || a.length !== length) throw bad(`${key} is not a ${type.name} of ${length}`);
  }
  if (criticSize === 0 && r.criticObs !== null) throw bad('unexpected critic inputs (this run\'s critic reads the observation)');
  if (criticSize > 0 && !(r.criticObs instanceof Float32Array && r.criticObs.length === n * criticSize)) throw bad(`criticObs is not a Float32Array of ${n * criticSize} (this run's critic reads the agent state)`);
  if (continuous && !(r.continuousActions instanceof Float32Array && r.continuousActions.length === n * info.actions)) throw bad(`continuousActions is not a Float32Array of ${n * info.actions}`);
  for (const key of ['obs', 'logProbs', 'values', 'rewards', 'nextValues', ...(continuous ? (['continuousActions'] as const) : []), ...(criticSize > 0 ? (['criticObs'] as const) : [])] as const) {
    const a = r[key]!;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw bad(`${key} holds ${a[i]}`);
  }
  if (!continuous) for (let i = 0; i < n; i++) if (r.actions![i]! < 0 || r.actions![i]! >= info.actions) throw bad(`action ${r.actions![i]} out of range`);
  if (!Number.isFinite(r.envSeconds) || !Number.isFinite(r.inferenceSeconds) || !Array.isArray(r.episodes)) throw bad('missing timings or episodes');
  if (r.obsStats !== undefined) {
    const st = r.obsStats as { mean?: unknown; var?: unknown; count?: unknown } | null;
    const fits = (a: unknown, min: number) => Array.isArray(a) && a.length === info.observationSize && a.every((x) => Number.isFinite(x) && x >= min);
    if (!st || !fits(st.mean, -Infinity) || !fits(st.var, 0) || !(Number.isFinite(st.count) && (st.count as number) >= 0)) throw bad('malformed observation statistics');
  }
  for (const e of r.episodes) {
    const ok = isInt(e?.opponent) && e.opponent < task.opponents.length && [0, 0.5, 1].includes(e.score) && (e.seat === 0 || e.seat === 1) && isInt(e.length, 1) && Number.isFinite(e.learnerReturn);
    if (!ok) throw bad('a malformed game outcome');
  }
  return r as RolloutResult;
}

/** The fields of a stream entry (name, value, name, value…) by name. */
export function entryFields(raw: readonly Buffer[] | null): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) out.set(raw[i]!.toString(), raw[i + 1]!);
  return out;
}

/** Entries of one stream from an XREADGROUP reply read with callBuffer (null: none). */
export function streamEntries(reply: unknown): { id: string; fields: Map<string, Buffer> }[] {
  if (!Array.isArray(reply)) return [];
  const out: { id: string; fields: Map<string, Buffer> }[] = [];
  for (const [, items] of reply as [Buffer, [Buffer, Buffer[] | null][]][]) {
    for (const [id, fields] of items) out.push({ id: id.toString(), fields: entryFields(fields) });
  }
  return out;
}
