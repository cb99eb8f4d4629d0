/**
 * Crash-safe checkpoint store in a run folder.
 *
 * Layout:
 *   runDir/checkpoints/ckpt-000001/…files…      one folder per checkpoint, never modified once named
 *   runDir/checkpoints/ckpt-000001/manifest.json size + sha256 of every file, format version, caller's meta
 *   runDir/checkpoints/latest                    JSON pointer to the committed checkpoint
 *
 * Save protocol (the classic write-temp / fsync / rename sequence, so that a crash at any instant
 * leaves either the old or the new checkpoint committed, never a mix):
 *   1. write every file into `checkpoints/.tmp-ckpt-NNNNNN-<random>/`, fsync each;
 *   2. write manifest.json last, fsync it, fsync the folder;
 *   3. rename the folder to `ckpt-NNNNNN`, fsync `checkpoints/`;
 *   4. write the pointer to `latest.tmp-<random>`, fsync, rename over `latest`, fsync `checkpoints/`
 *      — this rename is the commit point;
 *   5. prune: keep the newest `keep` checkpoints (never the one `latest` names), remove debris of
 *      crashed saves.
 * One writer per run folder is assumed (the trainer process); readers may run at any time.
 *
 * Loading never falls back silently: a missing, truncated or corrupt file throws a
 * `CheckpointError` naming that file, and the message names the previous good checkpoint, if any,
 * that the user can load instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CheckpointError, ConfigError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';

export const CHECKPOINT_FORMAT = 'arena-checkpoint';
export const CHECKPOINT_VERSION = 1;
const POINTER_FORMAT = 'arena-checkpoint-pointer';
const MANIFEST = 'manifest.json';
const LATEST = 'latest';
const CKPT_RE = /^ckpt-(\d{6,})$/;
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export interface ManifestEntry {
  size: number;
  sha256: string;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Sequence number of the checkpoint in its run (the NNNNNN of ckpt-NNNNNN). */
  index: number;
  created: string;
  files: Record<string, ManifestEntry>;
  meta: unknown;
}

interface Pointer {
  format: typeof POINTER_FORMAT;
  version: number;
  checkpoint: string;
  /** sha256 of manifest.json, so that a damaged manifest is caught even if it still parses. */
  manifestSha256: string;
}

export interface SaveOptions {
  /** How many checkpoints to keep (newest first); default 3, at least 1. */
  keep?: number;
}

export interface SavedCheckpoint {
  dir: string;
  name: string;
  index: number;
  manifest: CheckpointManifest;
}

export interface LoadedCheckpoint<M = unknown> {
  dir: string;
  meta: M;
  files: Map<string, Uint8Array>;
  manifest: CheckpointManifest;
}

export interface CheckpointInfo {
  name: string;
  dir: string;
  index: number;
  /** Whether `latest` points at it. */
  isLatest: boolean;
  /** Whether its manifest is present and parses (files are hashed only with `verify`). */
  complete: boolean;
  /** With `verify`: null when every file checks out, else the problem. */
  problem: string | null;
  meta: unknown;
  created: string | null;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function ckptName(index: number): string {
  return `ckpt-${String(index).padStart(6, '0')}`;
}

function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Writes `data` to a new file and fsyncs it before closing. */
async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so that the names created or renamed in it are durable (no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = errCode(err);
    // Windows cannot open or fsync a directory; some file systems refuse a directory fsync.
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES' && code !== 'ENOTSUP') throw err;
  } finally {
    await fh?.close();
  }
}

function checkFileName(name: string): void {
  const segments = name.split('/');
  const ok = name.length > 0 && name !== MANIFEST && segments.every((s) => SEGMENT_RE.test(s) && s !== '..');
  if (!ok) {
    throw new ConfigError(
      `checkpoint file name '${name}' is not allowed: use relative names of letters, digits, '.', '_', '-' and '/' (not '${MANIFEST}')`,
    );
  }
}

async function listCkptDirs(ckptRoot: string): Promise<{ name: string; index: number }[]> {
  let names: string[];
  try {
    names = await readdir(ckptRoot);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: { name: string; index: number }[] = [];
  for (const name of names) {
    const m = CKPT_RE.exec(name);
    if (m) out.push({ name, index: Number(m[1]) });
  }
  return out.sort((a, b) => a.index - b.index);
}

async function readPointer(ckptRoot: string): Promise<Pointer> {
  const file = join(ckptRoot, LATEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') throw new CheckpointError(file, 'missing (no checkpoint was committed in this run)');
    throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let p: Partial<Pointer>;
  try {
    p = JSON.parse(text) as Partial<Pointer>;
  } catch {
    throw new CheckpointError(file, `is not valid JSON (${text.length} bytes; torn or overwritten)`);
  }
  if (
    p === null ||
    typeof p !== 'object' ||
    p.format !== POINTER_FORMAT ||
    typeof p.checkpoint !== 'string' ||
    !CKPT_RE.test(p.checkpoint) ||
    typeof p.manifestSha256 !== 'string'
  ) {
    throw new CheckpointError(file, `is not an ${POINTER_FORMAT} pointer`);
  }
  if (p.version !== CHECKPOINT_VERSION) throw new CheckpointError(file, `pointer version ${String(p.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  return p as Pointer;
}

function parseManifest(file: string, bytes: Uint8Array): CheckpointManifest {
  let m: Partial<CheckpointManifest>;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<CheckpointManifest>;
  } catch {
    throw new CheckpointError(file, `is not valid JSON (${bytes.length} bytes; truncated or corrupt)`);
  }
  if (m === null || typeof m !== 'object' || m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(file, `is not an ${CHECKPOINT_FORMAT} manifest`);
  }
  if (m.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(file, `format version ${String(m.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  }
  if (m.files === null || typeof m.files !== 'object' || Array.isArray(m.files)) {
    throw new CheckpointError(file, "has no 'files' table");
  }
  for (const [name, e] of Object.entries(m.files)) {
    const ok =
      e !== null &&
      typeof e === 'object' &&
      Number.isSafeInteger(e.size) &&
      e.size >= 0 &&
      typeof e.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(e.sha256);
    if (!ok) throw new CheckpointError(file, `entry for '${name}' is malformed`);
    try {
      checkFileName(name);
    } catch {
      throw new CheckpointError(file, `names an unsafe file '${name}'`);
    }
  }
  return m as CheckpointManifest;
}

async function readManifest(dir: string, expectSha?: string): Promise<CheckpointManifest> {
  const file = join(dir, MANIFEST);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if (errCode(err) === 'ENOENT') {
      const dirExists = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      throw new CheckpointError(file, dirExists ? 'missing (checkpoint incomplete: save was interrupted?)' : `missing: checkpoint folder ${dir} does not exist`);
    }
    throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const manifest = parseManifest(file, bytes);
  if (expectSha !== undefined && sha256(bytes) !== expectSha) {
    throw new CheckpointError(file, 'corrupt: its sha256 differs from the one recorded in the latest pointer');
  }
  return manifest;
}

/** Reads and checks every file against the manifest. */
async function verifyFiles(dir: string, manifest: CheckpointManifest): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new CheckpointError(file, `missing (listed in ${MANIFEST}, ${entry.size} bytes)`);
      throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (bytes.length < entry.size) throw new CheckpointError(file, `truncated: ${bytes.length} bytes, manifest says ${entry.size}`);
    if (bytes.length > entry.size) throw new CheckpointError(file, `wrong size: ${bytes.length} bytes, manifest says ${entry.size}`);
    const got = sha256(bytes);
    if (got !== entry.sha256) throw new CheckpointError(file, `corrupt: sha256 ${got.slice(0, 12)}… does not match manifest ${entry.sha256.slice(0, 12)}…`);
    files.set(name, bytes);
  }
  return files;
}

async function loadDir<M>(dir: string, expectManifestSha?: string): Promise<LoadedCheckpoint<M>> {
  const manifest = await readManifest(dir, expectManifestSha);
  const files = await verifyFiles(dir, manifest);
  return { dir, meta: manifest.meta as M, files, manifest };
}

/** Newest checkpoint below `belowIndex` that verifies fully, or null. */
async function previousGood(ckptRoot: string, belowIndex: number): Promise<string | null> {
  const dirs = (await listCkptDirs(ckptRoot)).filter((d) => d.index < belowIndex).reverse();
  for (const d of dirs) {
    const dir = join(ckptRoot, d.name);
    try {
      await loadDir(dir);
      return dir;
    } catch {
      // keep looking further back
    }
  }
  return null;
}

function withSuggestion(err: CheckpointError, prev: string | null): CheckpointError {
  const base = err.message.slice(err.file.length + 2);
  const hint = prev
    ? `; the previous good checkpoint is ${prev} (pass that folder to load it instead)`
    : '; no earlier good checkpoint exists in this run';
  return new CheckpointError(err.file, base + hint, { cause: err.cause ?? err });
}

async function isCkptDir(path: string): Promise<boolean> {
  if (CKPT_RE.test(basename(path))) return true;
  return stat(join(path, MANIFEST)).then(
    () => true,
    () => false,
  );
}

/** `runDir/checkpoints`, or `path` itself when it is the checkpoints folder. */
async function ckptRootOf(path: string): Promise<string> {
  if (basename(path) === 'checkpoints') return path;
  const inner = join(path, 'checkpoints');
  const hasInner = await stat(inner).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (hasInner) return inner;
  const hasLatest = await stat(join(path, LATEST)).then(
    () => true,
    () => false,
  );
  return hasLatest ? path : inner;
}

/**
 * Writes a new checkpoint `runDir/checkpoints/ckpt-NNNNNN/` holding `files` plus a manifest with
 * `meta`, commits it by atomically replacing `latest`, then prunes old checkpoints. File names may
 * contain '/' for sub-folders (e.g. 'policy/model.json').
 */
export async function saveCheckpoint(
  runDir: string,
  files: Record<string, Uint8Array | string>,
  meta: object,
  opts: SaveOptions = {},
): Promise<SavedCheckpoint> {
  const keep = opts.keep ?? 3;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new ConfigError(`checkpoint keep must be an integer >= 1, got ${String(keep)}`);
  let metaJson: string;
  try {
    metaJson = JSON.stringify(meta ?? {});
  } catch (err) {
    throw new ConfigError(`checkpoint meta is not JSON-serialisable: ${(err as Error).message}`, { cause: err });
  }
  const names = Object.keys(files);
  for (const name of names) checkFileName(name);
  const nameSet = new Set(names);
  for (const name of names) {
    // 'a' and 'a/b' cannot both exist: one would be a file and a folder at once.
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (nameSet.has(prefix)) throw new ConfigError(`checkpoint file '${prefix}' is also used as a folder by '${name}'`);
    }
  }

  const root = join(resolve(runDir), 'checkpoints');
  await mkdir(root, { recursive: true });
  const existing = await listCkptDirs(root);
  const index = (existing.at(-1)?.index ?? 0) + 1;
  const name = ckptName(index);
  const tmpDir = join(root, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
  const finalDir = join(root, name);

  await mkdir(tmpDir);
  const entries: Record<string, ManifestEntry> = {};
  const subdirs = new Set<string>();
  for (const fname of names.sort()) {
    const value = files[fname]!;
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (!(bytes instanceof Uint8Array)) throw new ConfigError(`checkpoint file '${fname}' must be a string or Uint8Array`);
    const path = join(tmpDir, fname);
    const parent = dirname(path);
    if (parent !== tmpDir && !subdirs.has(parent)) {
      await mkdir(parent, { recursive: true });
      subdirs.add(parent);
    }
    await writeFileSynced(path, bytes);
    entries[fname] = { size: bytes.length, sha256: sha256(bytes) };
  }
  for (const d of subdirs) await syncDir(d);

  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    index,
    created: new Date().toISOString(),
    files: entries,
    meta: JSON.parse(metaJson) as unknown,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  await writeFileSynced(join(tmpDir, MANIFEST), manifestBytes);
  await syncDir(tmpDir);
  await rename(tmpDir, finalDir);
  await syncDir(root);

  const pointer: Pointer = { format: POINTER_FORMAT, version: CHECKPOINT_VERSION, checkpoint: name, manifestSha256: sha256(manifestBytes) };
  const tmpPointer = join(root, `${LATEST}.tmp-${randomBytes(4).toString('hex')}`);
  await writeFileSynced(tmpPointer, `${JSON.stringify(pointer)}\n`);
  await rename(tmpPointer, join(root, LATEST));
  await syncDir(root);
  log.debug(`checkpoint saved: ${finalDir}`);

  await prune(root, keep, name);
  return { dir: finalDir, name, index, manifest };
}

/** Removes checkpoints beyond the newest `keep` (never `latestName`) and debris of crashed saves. */
async function prune(root: string, keep: number, latestName: string): Promise<void> {
  const dirs = await listCkptDirs(root);
  const latestIndex = Number(CKPT_RE.exec(latestName)?.[1] ?? Infinity);
  const complete: { name: string; index: number }[] = [];
  for (const d of dirs) {
    const hasManifest = await stat(join(root, d.name, MANIFEST)).then(
      () => true,
      () => false,
    );
    if (hasManifest) complete.push(d);
    else if (d.index < latestIndex) {
      // A folder without manifest below the committed one can only be a crashed save's leftover.
      await rm(join(root, d.name), { recursive: true, force: true });
    }
  }
  const doomed = complete.slice(0, Math.max(0, complete.length - keep)).filter((d) => d.name !== latestName);
  for (const d of doomed) await rm(join(root, d.name), { recursive: true, force: true });
  for (const entry of await readdir(root)) {
    if (entry.startsWith('.tmp-ckpt-') || entry.startsWith(`${LATEST}.tmp-`)) {
      await rm(join(root, entry), { recursive: true, force: true });
    }
  }
  if (doomed.length > 0) log.debug(`pruned ${doomed.length} old checkpoint(s) in ${root}`);
}

/**
 * Loads and verifies a checkpoint. `path` is a run folder (its `checkpoints/latest` is followed),
 * its `checkpoints` folder, or one `ckpt-NNNNNN` folder. Every file's size and sha256 is checked;
 * any problem throws a `CheckpointError` naming the file, with the previous good checkpoint, if
 * any, in the message. There is no silent fallback.
 */
export async function loadCheckpoint<M = unknown>(path: string): Promise<LoadedCheckpoint<M>> {
  const abs = resolve(path);
  if (await isCkptDir(abs)) {
    try {
      return await loadDir<M>(abs);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      const idx = Number(CKPT_RE.exec(basename(abs))?.[1] ?? Infinity);
      throw withSuggestion(err, await previousGood(dirname(abs), idx));
    }
  }
  const root = await ckptRootOf(abs);
  let pointer: Pointer;
  try {
    pointer = await readPointer(root);
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    const dirs = await listCkptDirs(root);
    if (dirs.length === 0) throw new CheckpointError(err.file, `${err.message.slice(err.file.length + 2)}; no checkpoints in ${root}`);
    throw withSuggestion(err, await previousGood(root, Infinity));
  }
  const dir = join(root, pointer.checkpoint);
  try {
    return await loadDir<M>(dir, pointer.manifestSha256);
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    const idx = Number(CKPT_RE.exec(pointer.checkpoint)?.[1] ?? Infinity);
    throw withSuggestion(err, await previousGood(root, idx));
  }
}

/**
 * The caller's meta of the checkpoint `path` names (resolved as `loadCheckpoint` resolves it), from its
 * manifest alone: no other file is read or hashed. Null when no readable manifest is there
 * (`loadCheckpoint` then says what is wrong). What a loader reads to pick the kind of checkpoint.
 */
export async function readCheckpointMeta(path: string): Promise<unknown> {
  const abs = resolve(path);
  try {
    if (await isCkptDir(abs)) return (await readManifest(abs)).meta ?? null;
    const root = await ckptRootOf(abs);
    return (await readManifest(join(root, (await readPointer(root)).checkpoint))).meta ?? null;
  } catch (err) {
    if (err instanceof CheckpointError) return null;
    throw err;
  }
}

/**
 * Lists the checkpoints of a run, oldest first. Reads only manifests unless `verify` is set, in which
 * case every file is hashed and `problem` says what is wrong with each bad one.
 */
export async function listCheckpoints(runDir: string, opts: { verify?: boolean } = {}): Promise<CheckpointInfo[]> {
  const root = await ckptRootOf(resolve(runDir));
  let latest: string | null = null;
  try {
    latest = (await readPointer(root)).checkpoint;
  } catch {
    latest = null;
  }
  const out: CheckpointInfo[] = [];
  for (const d of await listCkptDirs(root)) {
    const dir = join(root, d.name);
    let manifest: CheckpointManifest | null = null;
    let problem: string | null = null;
    try {
      manifest = await readManifest(dir);
      if (opts.verify) await verifyFiles(dir, manifest);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      problem = err.message;
    }
    out.push({
      name: d.name,
      dir,
      index: d.index,
      isLatest: d.name === latest,
      complete: manifest !== null,
      problem,
      meta: manifest?.meta ?? null,
      created: manifest?.created ?? null,
    });
  }
  return out;
}
