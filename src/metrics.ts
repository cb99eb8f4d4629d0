/**
 * Training metrics as JSON Lines: `runDir/metrics.jsonl`, one object per line.
 *
 * Keys follow CleanRL's TensorBoard names so curves compare 1:1 with its reference runs:
 * `global_step`, `charts/episodic_return`, `charts/episodic_length`, `charts/learning_rate`,
 * `charts/SPS`, `losses/value_loss`, `losses/policy_loss`, `losses/entropy`, `losses/approx_kl`,
 * `losses/old_approx_kl`, `losses/clipfrac`, `losses/explained_variance`.
 *
 * Crash safety: the file is opened in append mode and each row is one `write` of one complete line,
 * so a crash loses at most the line being written. A torn last line is skipped by `readMetrics`, and
 * a sink reopening such a file first ends it with a newline so the next row starts clean.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ArenaError } from '../core/errors.ts';
import { log } from '../core/log.ts';

export const METRICS_FILE = 'metrics.jsonl';

/** Well-known metric keys (CleanRL naming). Any other string key is allowed too. */
export const MetricKeys = {
  globalStep: 'global_step',
  episodicReturn: 'charts/episodic_return',
  episodicLength: 'charts/episodic_length',
  learningRate: 'charts/learning_rate',
  sps: 'charts/SPS',
  valueLoss: 'losses/value_loss',
  policyLoss: 'losses/policy_loss',
  entropy: 'losses/entropy',
  approxKl: 'losses/approx_kl',
  oldApproxKl: 'losses/old_approx_kl',
  clipFrac: 'losses/clipfrac',
  explainedVariance: 'losses/explained_variance',
} as const;

export type MetricValue = number | string | boolean | null;
export type MetricRow = Record<string, MetricValue>;

export interface MetricsSinkOptions {
  /** Add `time` (Unix seconds) to rows that lack it; default true. */
  timestamp?: boolean;
}

function metricsPath(runDirOrFile: string): string {
  return runDirOrFile.endsWith('.jsonl') ? runDirOrFile : join(runDirOrFile, METRICS_FILE);
}

/** Appends rows to `runDir/metrics.jsonl`. Synchronous on purpose: one write(2) per row. */
export class MetricsSink {
  readonly path: string;
  private fd: number | null;
  private readonly timestamp: boolean;
  rows = 0;

  constructor(runDir: string, opts: MetricsSinkOptions = {}) {
    mkdirSync(runDir, { recursive: true });
    this.path = join(runDir, METRICS_FILE);
    this.timestamp = opts.timestamp ?? true;
    this.fd = openSync(this.path, 'a+');
    // A previous run that crashed mid-line left a fragment without '\n': terminate it so the next
    // row is not glued to it (readers skip the fragment as a bad line).
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(this.fd, '\n');
    }
  }

  /** Appends one row. Non-finite numbers are written as null (JSON has no NaN/Infinity). */
  write(row: MetricRow): void {
    if (this.fd === null) throw new ArenaError('METRICS_CLOSED', `metrics sink for ${this.path} is closed`);
    const out: MetricRow = this.timestamp && !('time' in row) ? { ...row, time: Date.now() / 1000 } : row;
    const line = `${JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`;
    writeSync(this.fd, line);
    this.rows++;
  }

  /** Same as `write`, for call sites that read better as `metrics.log({...})`. */
  log(row: MetricRow): void {
    this.write(row);
  }

  /** Forces written rows to disk (e.g. right after a checkpoint). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

export interface ReadMetricsResult {
  rows: MetricRow[];
  /** Lines that did not parse as a JSON object (a torn last line, or a fragment a crash left). */
  skipped: number;
}

/** Parses metrics.jsonl, skipping lines that do not parse (a torn last line). */
export function readMetricsDetailed(runDirOrFile: string): ReadMetricsResult {
  const path = metricsPath(runDirOrFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw new ArenaError('NO_METRICS', `${path}: no metrics file (was the run started?)`);
    throw err;
  }
  const lines = text.split('\n');
  let lastNonEmpty = lines.length - 1;
  while (lastNonEmpty >= 0 && lines[lastNonEmpty]!.trim() === '') lastNonEmpty--;
  const rows: MetricRow[] = [];
  let skipped = 0;
  let skippedInside = 0;
  for (let i = 0; i <= lastNonEmpty; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) rows.push(obj as MetricRow);
    else {
      skipped++;
      if (i !== lastNonEmpty) skippedInside++;
    }
  }
  if (skippedInside > 0) log.warn(`${path}: skipped ${skippedInside} malformed line(s) before the end of the file (left by a crash?)`);
  return { rows, skipped };
}

/** Rows of `runDir/metrics.jsonl` (or of a .jsonl path), skipping a torn last line. */
export function readMetrics(runDirOrFile: string): MetricRow[] {
  return readMetricsDetailed(runDirOrFile).rows;
}
