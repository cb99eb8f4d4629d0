import { mkdirSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../../core/errors.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-ckpt-');
let run: string;
beforeEach(() => {
  run = tmp();
});

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 255);

async function saveN(n: number, keep = 3) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    out.push(await saveCheckpoint(run, { 'weights.bin': bytes(1000, i), 'policy/model.json': `{"step":${i}}` }, { step: i * 100 }, { keep }));
  }
  return out;
}

async function loadError(path: string): Promise<CheckpointError> {
  const err = await loadCheckpoint(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as CheckpointError).code).toBe('BAD_CHECKPOINT');
  return err as CheckpointError;
}

describe('checkpoint store', () => {
  it('round-trips files and meta through latest', async () => {
    const saved = await saveCheckpoint(run, { 'a.bin': bytes(4097), 'policy/model.json': '{"x":1}', 'empty.bin': new Uint8Array(0) }, { step: 1234, seed: 7 });
    expect(saved.name).toBe('ckpt-000001');
    expect(saved.dir).toBe(join(run, 'checkpoints', 'ckpt-000001'));
    const manifest = JSON.parse(readFileSync(join(saved.dir, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe('arena-checkpoint');
    expect(manifest.version).toBe(1);
    expect(manifest.files['a.bin'].size).toBe(4097);
    expect(manifest.files['a.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);
    const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8'));
    expect(latest.checkpoint).toBe('ckpt-000001');

    const loaded = await loadCheckpoint<{ step: number; seed: number }>(run);
    expect(loaded.dir).toBe(saved.dir);
    expect(loaded.meta).toEqual({ step: 1234, seed: 7 });
    expect([...loaded.files.keys()].sort()).toEqual(['a.bin', 'empty.bin', 'policy/model.json']);
    expect(loaded.files.get('a.bin')).toEqual(bytes(4097));
    expect(Buffer.from(loaded.files.get('policy/model.json')!).toString()).toBe('{"x":1}');
    // A checkpoint folder and the checkpoints folder load directly too.
    expect((await loadCheckpoint(saved.dir)).meta).toEqual({ step: 1234, seed: 7 });
    expect((await loadCheckpoint(join(run, 'checkpoints'))).dir).toBe(saved.dir);
  });

  it('numbers checkpoints, points latest at the newest and prunes to keep', async () => {
    await saveN(5, 2);
    const list = await listCheckpoints(run);
    expect(list.map((c) => c.name)).toEqual(['ckpt-000004', 'ckpt-000005']);
    expect(list.map((c) => c.isLatest)).toEqual([false, true]);
    expect(list.every((c) => c.complete && c.problem === null)).toBe(true);
    expect(list[1]!.meta).toEqual({ step: 500 });
    expect((await loadCheckpoint(run)).meta).toEqual({ step: 500 });
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['ckpt-000004', 'ckpt-000005', 'latest']);
  });

  it('a corrupt byte names the file and the previous good checkpoint', async () => {
    const [first, second] = await saveN(2);
    const file = join(second!.dir, 'weights.bin');
    const buf = readFileSync(file);
    buf[500] = buf[500]! ^ 0xff;
    writeFileSync(file, buf);
    const err = await loadError(run);
    expect(err.file).toBe(file);
    expect(err.message).toContain(`${file}: corrupt: sha256`);
    expect(err.message).toContain(`previous good checkpoint is ${first!.dir}`);
    // No silent fallback, but the suggested folder does load.
    expect((await loadCheckpoint(first!.dir)).meta).toEqual({ step: 100 });
    const listed = await listCheckpoints(run, { verify: true });
    expect(listed.map((c) => c.problem === null)).toEqual([true, false]);
  });

  it('a truncated file names the file and both sizes', async () => {
    const [, second] = await saveN(2);
    const file = join(second!.dir, 'weights.bin');
    truncateSync(file, 600);
    const err = await loadError(run);
    expect(err.file).toBe(file);
    expect(err.message).toContain('truncated: 600 bytes, manifest says 1000');
  });

  it('a missing file or manifest is named', async () => {
    const [first, second] = await saveN(2);
    unlinkSync(join(second!.dir, 'policy', 'model.json'));
    let err = await loadError(run);
    expect(err.file).toBe(join(second!.dir, 'policy', 'model.json'));
    expect(err.message).toMatch(/missing/);

    unlinkSync(join(first!.dir, 'manifest.json'));
    err = await loadError(first!.dir);
    expect(err.file).toBe(join(first!.dir, 'manifest.json'));
    expect(err.message).toMatch(/missing/);
    expect(err.message).toContain('no earlier good checkpoint');
  });

  it('a manifest edited in place is caught by the pointer hash', async () => {
    const [, second] = await saveN(2);
    const file = join(second!.dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    m.meta.step = 999_999;
    writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
    const err = await loadError(run);
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/corrupt/);
  });

  it('a crash mid-save (partial folders, torn temp pointer) leaves the previous checkpoint loadable', async () => {
    const [first] = await saveN(1);
    const root = join(run, 'checkpoints');
    // Crash while writing files: a temp folder with half the files and no manifest.
    mkdirSync(join(root, '.tmp-ckpt-000002-deadbeef'));
    writeFileSync(join(root, '.tmp-ckpt-000002-deadbeef', 'weights.bin'), bytes(10));
    // A ckpt folder without manifest (e.g. copied by hand, or an older writer).
    mkdirSync(join(root, 'ckpt-000002'));
    writeFileSync(join(root, 'ckpt-000002', 'weights.bin'), bytes(10));
    // Crash while writing the pointer: a torn temp pointer next to the intact one.
    writeFileSync(join(root, 'latest.tmp-0badf00d'), '{"format":"arena-checkpoint-poin');

    const loaded = await loadCheckpoint(run);
    expect(loaded.dir).toBe(first!.dir);
    expect(loaded.meta).toEqual({ step: 100 });

    // The next save does not collide with the debris and cleans it up.
    const next = await saveCheckpoint(run, { 'weights.bin': bytes(5) }, { step: 300 });
    expect(next.name).toBe('ckpt-000003');
    expect((await loadCheckpoint(run)).meta).toEqual({ step: 300 });
    expect(readdirSync(root).sort()).toEqual(['ckpt-000001', 'ckpt-000003', 'latest']);
  });

  it('a torn latest pointer is an error naming it, with the previous good checkpoint', async () => {
    const [first, second] = await saveN(2);
    const latest = join(run, 'checkpoints', 'latest');
    writeFileSync(latest, '{"format":"arena-chec');
    let err = await loadError(run);
    expect(err.file).toBe(latest);
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).toContain(`previous good checkpoint is ${second!.dir}`);

    // Latest pointing at a checkpoint that was never finished.
    writeFileSync(latest, JSON.stringify({ format: 'arena-checkpoint-pointer', version: 1, checkpoint: 'ckpt-000009', manifestSha256: '0'.repeat(64) }));
    err = await loadError(run);
    expect(err.file).toBe(join(run, 'checkpoints', 'ckpt-000009', 'manifest.json'));
    expect(err.message).toContain(`previous good checkpoint is ${second!.dir}`);
    expect(first).toBeDefined();
  });

  it('an empty run folder says there is no checkpoint', async () => {
    const err = await loadError(run);
    expect(err.file).toBe(join(run, 'checkpoints', 'latest'));
    expect(err.message).toMatch(/no checkpoint/);
    expect(await listCheckpoints(run)).toEqual([]);
  });

  it('rejects unsafe file names and bad options', async () => {
    await expect(saveCheckpoint(run, { '../escape': 'x' }, {})).rejects.toBeInstanceOf(ConfigError);
    await expect(saveCheckpoint(run, { '/abs': 'x' }, {})).rejects.toBeInstanceOf(ConfigError);
    await expect(saveCheckpoint(run, { 'manifest.json': 'x' }, {})).rejects.toBeInstanceOf(ConfigError);
    await expect(saveCheckpoint(run, { a: 'x', 'a/b': 'y' }, {})).rejects.toBeInstanceOf(ConfigError);
    await expect(saveCheckpoint(run, { a: 'x' }, {}, { keep: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(saveCheckpoint(run, { a: 'x' }, { big: 1n } as never)).rejects.toBeInstanceOf(ConfigError);
  });
});
