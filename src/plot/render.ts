/**
 * Vega-Lite spec → SVG (vega's headless 'none' renderer, pure JS) → PNG (resvg, a Rust SVG
 * renderer shipped as prebuilt npm binaries), and the self-contained HTML page around the SVG.
 */
import { Resvg } from '@resvg/resvg-js';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { log } from '../../core/log.ts';
import type { SeriesSummary } from './series.ts';

/** DejaVu first: it is on nearly every Linux box (Debian's fonts-dejavu-core), then the usual ones. */
export const FONT_STACK = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

/** Vega's warnings (e.g. conflicting legend settings) go to Arena's log at debug level, not the console. */
function vegaLogger(): vega.LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method, level, args) => {
    log.debug(`vega ${level}: ${args.map(String).join(' ')}`);
  });
}

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const logger = vegaLogger();
  const compiled = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.fonts'),
  join(homedir(), '.local/share/fonts'),
  '/System/Library/Fonts',
  '/Library/Fonts',
  'C:\\Windows\\Fonts',
];

let fontWarningDone = false;

function hasSystemFonts(): boolean {
  for (const d of FONT_DIRS) {
    try {
      if (existsSync(d) && readdirSync(d).length > 0) return true;
    } catch {
      // unreadable: try the next
    }
  }
  return false;
}

export interface PngOptions {
  /** Extra .ttf/.otf files for the PNG's text, for machines without system fonts. */
  fontFiles?: string[];
  /** Pixel scale; default 2 for a sharp image. */
  scale?: number;
}

export function svgToPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const fontFiles = opts.fontFiles ?? [];
  if (fontFiles.length === 0 && !fontWarningDone && !hasSystemFonts()) {
    fontWarningDone = true;
    log.warn('no system fonts found: text in PNG plots will be missing (install fonts-dejavu-core, or pass fontFiles); the HTML page is unaffected');
  }
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    font: { loadSystemFonts: true, fontFiles, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(resvg.render().asPng());
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(3);
  return Number(x.toPrecision(5)).toString();
}

export interface PageSection {
  heading: string;
  summary: SeriesSummary[];
}

/** A page that opens offline: inline SVG, inline CSS, no scripts, no external links. */
export function htmlPage(title: string, subtitle: string, svg: string, sections: PageSection[]): string {
  const tables = sections
    .map((s) => {
      const rows = s.summary
        .map((r) => `<tr><td>${esc(r.key)}</td><td>${r.count}</td><td>${fmt(r.last)}</td><td>${fmt(r.min)}</td><td>${fmt(r.max)}</td></tr>`)
        .join('\n');
      return `<h2>${esc(s.heading)}</h2>\n<table><thead><tr><th>metric</th><th>points</th><th>last</th><th>min</th><th>max</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: ${FONT_STACK}; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 6px; }
p.sub { color: #666; margin: 0 0 16px; font-size: 13px; }
.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; font-family: monospace; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${esc(subtitle)}</p>
<div class="chart">
${svg}
</div>
${tables}
</body>
</html>
`;
}
