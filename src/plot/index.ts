/**
 * Learning curves from `metrics.jsonl`: episodic return vs global_step (raw points and a smoothed
 * line) on top, and one small panel per other numeric metric (losses, entropy, approx KL, clip
 * fraction, explained variance, learning rate, SPS…) below. Written as a self-contained HTML page
 * (inline SVG, opens offline) and as a PNG.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ArenaError, ConfigError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { readMetrics } from '../metrics.ts';
import { FONT_STACK, htmlPage, specToSvg, svgToPng, type PageSection } from './render.ts';
import { RETURN_KEY, bucketMean, defaultSmoothing, extractSeries, panelKeys, smooth, summarize, thin, type Point } from './series.ts';

export { smooth, extractSeries, defaultSmoothing } from './series.ts';

export interface PlotOptions {
  /**
   * Output path without extension (`.html` and `.png` are added; a given `.html`/`.png`/`.svg`
   * extension is stripped). Default for `plotRun`: `<runDir>/plots/learning-curves`.
   */
  out?: string;
  /** EMA weight in [0, 0.999] for the smoothed return line; default grows with the number of episodes. */
  smoothing?: number;
  /** Title of the page and chart; default the run folder's name. */
  title?: string;
  /** Extra .ttf/.otf files for the PNG's text. */
  fontFiles?: string[];
  /** Also write the bare SVG next to the other two. */
  svg?: boolean;
}

export interface PlotResult {
  html: string;
  png: string;
  svg?: string;
  /** Metric keys that got a chart. */
  keys: string[];
}

export interface RunRef {
  label: string;
  dir: string;
}

const MAX_RAW = 1500;
const MAX_LINE = 800;
const MAX_PANEL = 400;
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'];

function outBase(out: string): string {
  return resolve(out.replace(/\.(html|png|svg)$/i, ''));
}

interface RunData {
  label: string;
  dir: string;
  series: Map<string, Point[]>;
  rows: number;
}

function loadRun(label: string, dir: string): RunData {
  const rows = readMetrics(dir);
  const series = extractSeries(rows);
  if (series.size === 0) throw new ArenaError('NO_METRICS', `${join(dir, 'metrics.jsonl')}: no numeric metrics to plot (${rows.length} rows)`);
  return { label, dir, series, rows: rows.length };
}

/** global_step axis: SI suffixes (20k, 1.5M) and a plain '0' at the origin. */
const axisX = {
  field: 'step',
  type: 'quantitative',
  title: 'global_step',
  axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')", labelFlush: true },
} as const;

/**
 * A (near-)constant series — its values within a millionth of their magnitude of each other, such as a
 * fixed clip coefficient computed as 0.2000000000000039 — drawn as one flat line at its value rounded
 * to 6 significant digits, on an axis ±5% around it: left to itself, the axis of a zero-width domain
 * labels its one tick with every digit of float noise. Null for a series that varies.
 */
export function flatAxis(values: readonly number[]): { value: number; domain: [number, number] } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi - lo <= 1e-6 * Math.max(Math.abs(lo), Math.abs(hi)))) return null;
  const value = Number(((lo + hi) / 2).toPrecision(6));
  const pad = value === 0 ? 1 : Math.abs(value) * 0.05;
  return { value, domain: [value - pad, value + pad] };
}

function buildSpec(runs: RunData[], title: string, smoothing: number | undefined): { spec: TopLevelSpec; keys: string[] } {
  const multi = runs.length > 1;
  const color = multi
    ? {
        field: 'run',
        type: 'nominal' as const,
        title: 'run',
        scale: { domain: runs.map((r) => r.label), range: PALETTE },
        legend: { orient: 'top' as const, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, labelFontSize: 12 },
      }
    : undefined;
  const charts: object[] = [];

  // Main panel: episodic return.
  const raw: object[] = [];
  const line: object[] = [];
  for (const r of runs) {
    const pts = r.series.get(RETURN_KEY);
    if (!pts || pts.length === 0) continue;
    const w = smoothing ?? defaultSmoothing(pts.length);
    for (const p of thin(pts, MAX_RAW)) raw.push({ run: r.label, step: p.step, value: p.value });
    for (const p of thin(smooth(pts, w), MAX_LINE)) line.push({ run: r.label, step: p.step, value: p.value });
  }
  if (line.length > 0) {
    const y = { field: 'value', type: 'quantitative', title: 'episodic return', scale: { zero: false } } as const;
    charts.push({
      width: 760,
      height: 280,
      title: { text: 'Episodic return (points: episodes; line: smoothed)', anchor: 'start', fontSize: 13 },
      layer: [
        {
          data: { values: raw },
          mark: { type: 'circle', size: 9, opacity: multi ? 0.2 : 0.3, ...(multi ? {} : { color: '#9ab6d6' }) },
          encoding: { x: axisX, y, ...(color ? { color } : {}) },
        },
        {
          data: { values: line },
          mark: { type: 'line', strokeWidth: 2.2, ...(multi ? {} : { color: '#1f4e8c' }) },
          encoding: { x: axisX, y, ...(color ? { color, detail: { field: 'run' } } : {}) },
        },
      ],
    });
  }

  // Small panels: every other numeric key, each with its own y axis.
  const keys = panelKeys(runs.flatMap((r) => [...r.series.keys()]));
  const panels: object[] = [];
  for (const key of keys) {
    const values: { run: string; step: number; value: number }[] = [];
    for (const r of runs) {
      const pts = r.series.get(key);
      if (!pts) continue;
      for (const p of bucketMean(pts, MAX_PANEL)) values.push({ run: r.label, step: p.step, value: p.value });
    }
    if (values.length === 0) continue;
    const flat = flatAxis(values.map((v) => v.value));
    if (flat) for (const v of values) v.value = flat.value;
    panels.push({
      width: 220,
      height: 120,
      title: { text: key, fontSize: 12, fontWeight: 'bold', anchor: 'middle' },
      data: { values },
      mark: { type: 'line', strokeWidth: 1.3, ...(multi ? {} : { color: '#4c78a8' }), point: values.length < 60 ? { size: 12 } : false },
      encoding: {
        x: axisX,
        y: { field: 'value', type: 'quantitative', title: null, scale: flat ? { domain: flat.domain, nice: false } : { zero: false }, axis: { tickCount: 5 } },
        ...(color ? { color } : {}),
      },
    });
  }
  if (panels.length > 0) charts.push({ concat: panels, columns: 3, spacing: 16, resolve: { scale: { x: 'independent', y: 'independent' } } });

  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 16, anchor: 'start' },
    background: 'white',
    padding: 12,
    config: {
      font: FONT_STACK,
      axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
      view: { stroke: '#ccc' },
    },
    vconcat: charts,
    spacing: 24,
  } as unknown as TopLevelSpec;
  return { spec, keys: line.length > 0 ? [RETURN_KEY, ...keys] : keys };
}

async function render(runs: RunData[], base: string, title: string, subtitle: string, opts: PlotOptions): Promise<PlotResult> {
  const { spec, keys } = buildSpec(runs, title, opts.smoothing);
  const svg = await specToSvg(spec);
  const png = svgToPng(svg, opts.fontFiles ? { fontFiles: opts.fontFiles } : {});
  const sections: PageSection[] = runs.map((r) => ({ heading: runs.length > 1 ? `${r.label} (${r.dir})` : 'Summary', summary: summarize(r.series) }));
  await mkdir(dirname(base), { recursive: true });
  const result: PlotResult = { html: `${base}.html`, png: `${base}.png`, keys };
  await writeFile(result.html, htmlPage(title, subtitle, svg, sections));
  await writeFile(result.png, png);
  if (opts.svg) {
    result.svg = `${base}.svg`;
    await writeFile(result.svg, svg);
  }
  log.info(`plot written: ${result.html} and ${result.png}`);
  return result;
}

/** Plots one run's metrics.jsonl. Returns the paths written. */
export async function plotRun(runDir: string, opts: PlotOptions = {}): Promise<PlotResult> {
  const dir = resolve(runDir);
  const run = loadRun(basename(dir), dir);
  const base = outBase(opts.out ?? join(dir, 'plots', 'learning-curves'));
  const last = [...run.series.values()].reduce((m, pts) => Math.max(m, pts[pts.length - 1]!.step), 0);
  const subtitle = `${dir} — ${run.rows} metric rows, last global_step ${last}`;
  return render([run], base, opts.title ?? basename(dir), subtitle, opts);
}

/** Plots several runs on the same charts, one colour per run (e.g. MAPPO vs IPPO). */
export async function plotRuns(runs: readonly RunRef[], out: string, opts: Omit<PlotOptions, 'out'> = {}): Promise<PlotResult> {
  if (runs.length === 0) throw new ConfigError('plotRuns needs at least one run');
  const labels = new Set<string>();
  for (const r of runs) {
    if (labels.has(r.label)) throw new ConfigError(`plotRuns: label '${r.label}' is used twice`);
    labels.add(r.label);
  }
  const data = runs.map((r) => loadRun(r.label, resolve(r.dir)));
  const title = opts.title ?? runs.map((r) => r.label).join(' vs ');
  const subtitle = runs.map((r) => `${r.label}: ${resolve(r.dir)}`).join('; ');
  return render(data, outBase(out), title, subtitle, opts);
}
