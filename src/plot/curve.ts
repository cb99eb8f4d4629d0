/**
 * `arena curve`'s files: the points as JSON and CSV, and a chart of score against training minutes
 * (one line per run, its 95% interval as a band, one panel per reference bot) as PNG and HTML.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../../core/errors.ts';
import type { CurvePoint } from '../eval/curve.ts';
import { FONT_STACK, htmlPage, specToSvg, svgToPng } from './render.ts';

export interface CurveFiles {
  readonly dir: string;
  readonly json: string;
  readonly csv: string;
  readonly png: string;
  readonly html: string;
}

const COLUMNS = ['run', 'minute', 'member', 'update', 'elapsedS', 'vs', 'games', 'distinct', 'wins', 'draws', 'losses', 'score', 'lo', 'hi'] as const;

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function curveCsv(points: readonly CurvePoint[]): string {
  return `${COLUMNS.join(',')}\n${points.map((p) => COLUMNS.map((c) => csvCell(p[c])).join(',')).join('\n')}\n`;
}

export function curveSpec(points: readonly CurvePoint[]): TopLevelSpec {
  const x = { field: 'minute', type: 'quantitative' as const, title: 'minutes of training' };
  const color = { field: 'run', type: 'nominal' as const, title: 'run' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: points.map((p) => ({ ...p })) },
    config: { font: FONT_STACK },
    facet: { column: { field: 'vs', type: 'nominal', title: 'score against' } },
    spec: {
      width: 360,
      height: 240,
      layer: [
        { mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'score', scale: { domain: [0, 1] } }, y2: { field: 'hi' }, color } },
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'score', type: 'quantitative' }, color, tooltip: [{ field: 'member' }, { field: 'score', format: '.3f' }, { field: 'distinct' }] } },
      ],
    },
  } as TopLevelSpec;
}

/**
 * The points of an earlier `curve.json` (`arena curve --with`), checked: the same game, and every point
 * with the fields a chart and table need. A file that is not one is refused with its name.
 */
export function readCurvePoints(file: string, game: string): CurvePoint[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not a readable curve.json (${(err as Error).message})`);
  }
  const d = doc as { game?: unknown; points?: unknown };
  if (!Array.isArray(d.points)) throw new ConfigError(`${file}: not a curve.json (no points)`);
  if (d.game !== game) throw new ConfigError(`${file}: its curve is of ${String(d.game)}, not ${game}`);
  for (const [i, p] of (d.points as Record<string, unknown>[]).entries()) {
    for (const c of COLUMNS) {
      const want = c === 'run' || c === 'member' || c === 'vs' ? 'string' : 'number';
      if (typeof p?.[c] !== want) throw new ConfigError(`${file}: point ${i} has no ${want} '${c}'`);
    }
  }
  return d.points as CurvePoint[];
}

export async function writeCurve(points: readonly CurvePoint[], outDir: string, text: { game: string; title: string; subtitle: string }): Promise<CurveFiles> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const files: CurveFiles = { dir, json: join(dir, 'curve.json'), csv: join(dir, 'curve.csv'), png: join(dir, 'curve.png'), html: join(dir, 'curve.html') };
  const svg = await specToSvg(curveSpec(points));
  await writeFile(files.json, `${JSON.stringify({ ...text, points }, null, 2)}\n`);
  await writeFile(files.csv, curveCsv(points));
  await writeFile(files.png, svgToPng(svg));
  await writeFile(files.html, htmlPage(text.title, text.subtitle, svg, []));
  return files;
}
