/**
 * Turns metrics rows (see src/metrics.ts) into plottable series: one per numeric key, x = global_step.
 */
import type { MetricRow } from '../metrics.ts';

export interface Point {
  step: number;
  value: number;
}

export const RETURN_KEY = 'charts/episodic_return';
const X_KEY = 'global_step';
/** Keys that are bookkeeping, not curves. */
const NOT_CURVES = new Set([X_KEY, 'time', 'iteration', 'update', 'episode']);

/** Panel order: the PPO diagnostics people look at first, then everything else alphabetically. */
const PREFERRED = [
  'charts/episodic_length',
  'losses/value_loss',
  'losses/policy_loss',
  'losses/entropy',
  'losses/approx_kl',
  'losses/old_approx_kl',
  'losses/clipfrac',
  'losses/explained_variance',
  'charts/learning_rate',
  'charts/SPS',
];

/**
 * Splits rows into series. A row without `global_step` takes the last one seen (or its row number
 * when none was seen yet), so rows logged between steps stay in order.
 */
export function extractSeries(rows: readonly MetricRow[]): Map<string, Point[]> {
  const series = new Map<string, Point[]>();
  let lastStep: number | null = null;
  rows.forEach((row, i) => {
    const s = row[X_KEY];
    if (typeof s === 'number' && Number.isFinite(s)) lastStep = s;
    const step = lastStep ?? i;
    for (const [key, value] of Object.entries(row)) {
      if (NOT_CURVES.has(key) || key.startsWith('_')) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let list = series.get(key);
      if (!list) series.set(key, (list = []));
      list.push({ step, value });
    }
  });
  return series;
}

/** Keys for the small panels, in display order (everything but the episodic return). */
export function panelKeys(keys: Iterable<string>): string[] {
  const all = [...new Set(keys)].filter((k) => k !== RETURN_KEY);
  const rank = (k: string): number => {
    const i = PREFERRED.indexOf(k);
    return i < 0 ? PREFERRED.length : i;
  };
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Default smoothing weight: light for short runs, heavy for long ones (TensorBoard's slider is 0–0.999). */
export function defaultSmoothing(n: number): number {
  return Math.min(0.99, Math.max(0.6, 1 - 20 / Math.max(n, 1)));
}

/**
 * TensorBoard's debiased exponential moving average: `last = last*w + (1-w)*x`, divided by
 * `1 - w^k` so the start is not pulled towards zero.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let k = 0;
  const out: Point[] = [];
  for (const p of points) {
    k++;
    last = last * w + (1 - w) * p.value;
    out.push({ step: p.step, value: w === 0 ? p.value : last / (1 - w ** k) });
  }
  return out;
}

/** Keeps every k-th point (and the last) so at most `max` are drawn. */
export function thin(points: readonly Point[], max: number): Point[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += stride) out.push(points[i]!);
  const last = points[points.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/** Averages consecutive buckets so at most `max` points remain (for noisy loss curves). */
export function bucketMean(points: readonly Point[], max: number): Point[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += size) {
    let sx = 0;
    let sy = 0;
    const end = Math.min(points.length, i + size);
    for (let j = i; j < end; j++) {
      sx += points[j]!.step;
      sy += points[j]!.value;
    }
    out.push({ step: sx / (end - i), value: sy / (end - i) });
  }
  return out;
}

export interface SeriesSummary {
  key: string;
  count: number;
  last: number;
  min: number;
  max: number;
}

export function summarize(series: Map<string, Point[]>): SeriesSummary[] {
  const keys = series.has(RETURN_KEY) ? [RETURN_KEY, ...panelKeys(series.keys())] : panelKeys(series.keys());
  return keys.map((key) => {
    const pts = series.get(key)!;
    let min = Infinity;
    let max = -Infinity;
    for (const p of pts) {
      if (p.value < min) min = p.value;
      if (p.value > max) max = p.value;
    }
    return { key, count: pts.length, last: pts[pts.length - 1]!.value, min, max };
  });
}
