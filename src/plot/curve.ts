/**
 * `arena curve`'s files: the points as JSON and CSV, and a chart of score against training minutes
 * (one line per run, its 95% interval as a band, one panel per reference bot) as PNG and HTML.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
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

export async function writeCurve(points: readonly CurvePoint[], outDir: string, text: { title: string; subtitle: string }): Promise<CurveFiles> {
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
