/**
 * Round-robin tournaments: every pair of agents plays N games with alternating sides (playSeries),
 * and the table is a Bradley–Terry maximum-likelihood fit over all games (bradley-terry.ts), with
 * 95% intervals. Results are saved as JSON, CSV and a plot of the ratings with their intervals
 * (PNG and a self-contained HTML page).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError, type Agent, type Game } from '../core/index.ts';
import { playSeries, type SeriesOptions, type SeriesResult } from '../src/eval/match.ts';
import { FONT_STACK, htmlPage, specToSvg, svgToPng } from '../src/plot/render.ts';
import { fitBradleyTerry, type BradleyTerryFit, type PairResult } from './bradley-terry.ts';
import { createAnyAgent } from './member-agent.ts';

export const TOURNAMENT_FORMAT = 'arena-tournament';

export interface TournamentOptions {
  readonly game: Game;
  /** Agent specs (bots, checkpoints, `runDir#memberId`); at least two, no repeats. */
  readonly specs: readonly string[];
  /** Games per pair (sides alternate). */
  readonly games: number;
  readonly seed?: number;
  /** Called after every game with the number played so far and the total. */
  readonly onGame?: (done: number, total: number, pair: readonly [string, string]) => void;
  /** Builds the agents (default: createAnyAgent). */
  readonly createAgent?: (spec: string, seed: number) => Promise<Agent>;
  /** Plays one pair's series (default: playSeries, in this process; servers/hosted-series.ts plays it on an arena server). */
  readonly playSeries?: (opts: SeriesOptions) => SeriesResult | Promise<SeriesResult>;
}

export interface TournamentRow {
  readonly rank: number;
  readonly agent: string;
  /** Bradley–Terry rating, Elo scale, mean of all agents 0. */
  readonly rating: number;
  /** Half-width of the 95% interval. */
  readonly ci: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** (wins + draws/2) / games. */
  readonly score: number;
  readonly games: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /** Mean final return per seat over its games (chips in poker: wins alone ignore their size). */
  readonly meanReturn: number;
}

/** A pair's results from a's point of view, with each side's mean return per seat. */
export interface TournamentPair extends PairResult {
  readonly meanReturn: [number, number];
}

export interface TournamentResult {
  readonly format: typeof TOURNAMENT_FORMAT;
  readonly version: 1;
  readonly game: string;
  readonly agents: string[];
  readonly gamesPerPair: number;
  readonly seed: number;
  readonly totalGames: number;
  /** Ranked, best first. */
  readonly table: TournamentRow[];
  /** Every pair's results from the first-named agent's point of view. */
  readonly pairs: TournamentPair[];
  readonly model: Omit<BradleyTerryFit, 'ratings'> & { readonly name: 'bradley-terry' };
}

/** Plays the round robin and fits the table. */
export async function runTournament(opts: TournamentOptions): Promise<TournamentResult> {
  const specs = opts.specs.map((s) => s.trim());
  if (specs.length < 2 || specs.some((s) => s === '')) throw new ConfigError(`a tournament needs at least two agent specs, got '${opts.specs.join(',')}'`);
  const dup = specs.find((s, i) => specs.indexOf(s) !== i);
  if (dup !== undefined) throw new ConfigError(`agent '${dup}' is listed twice`);
  if (!Number.isInteger(opts.games) || opts.games < 1) throw new ConfigError(`games per pair must be an integer >= 1, got ${opts.games}`);
  const seed = opts.seed ?? 0;
  const info = opts.game.info;
  const build = opts.createAgent ?? ((spec: string, s: number) => createAnyAgent(spec, info, s));
  const agents: Agent[] = [];
  try {
    for (let i = 0; i < specs.length; i++) agents.push(await build(specs[i]!, (seed * 7919 + i + 1) >>> 0));
    const pairs: TournamentPair[] = [];
    const returnSum = new Map<string, number>();
    const total = ((specs.length * (specs.length - 1)) / 2) * opts.games;
    let done = 0;
    let k = 0;
    for (let i = 0; i < specs.length; i++) {
      for (let j = i + 1; j < specs.length; j++) {
        const names = [specs[i]!, specs[j]!] as const;
        const r = await (opts.playSeries ?? playSeries)({
          game: opts.game,
          agents: [agents[i]!, agents[j]!],
          games: opts.games,
          seed: (seed * 4099 + k++) >>> 0,
          onGame: () => opts.onGame?.(++done, total, names),
        });
        pairs.push({ a: specs[i]!, b: specs[j]!, wins: r.wins[0], draws: r.draws, losses: r.wins[1], meanReturn: r.meanReturn });
        returnSum.set(specs[i]!, (returnSum.get(specs[i]!) ?? 0) + r.meanReturn[0] * r.games);
        returnSum.set(specs[j]!, (returnSum.get(specs[j]!) ?? 0) + r.meanReturn[1] * r.games);
      }
    }
    const fit = fitBradleyTerry(specs, pairs);
    const table: TournamentRow[] = fit.ratings.map((r) => ({
      rank: r.rank,
      agent: r.id,
      rating: r.rating,
      ci: r.halfWidth,
      ciLow: r.lo,
      ciHigh: r.hi,
      score: r.score,
      games: r.games,
      wins: r.wins,
      draws: r.draws,
      losses: r.losses,
      meanReturn: r.games > 0 ? (returnSum.get(r.id) ?? 0) / r.games : 0,
    }));
    const { ratings: _ratings, ...model } = fit;
    return { format: TOURNAMENT_FORMAT, version: 1, game: info.id, agents: specs, gamesPerPair: opts.games, seed, totalGames: total, table, pairs, model: { name: 'bradley-terry', ...model } };
  } finally {
    for (const a of agents) a.dispose?.();
  }
}

function signed(x: number): string {
  const r = Math.round(x);
  return r > 0 ? `+${r}` : r === 0 ? '0' : String(r);
}

/** The table as aligned text (rank, agent, rating ± half-width of the 95% interval, score, games). */
export function formatTournamentTable(t: TournamentResult): string {
  const head = ['rank', 'agent', 'rating ± 95% CI', 'score', 'W-D-L', 'games', 'mean return'];
  const rows = t.table.map((r) => [
    String(r.rank),
    r.agent,
    `${signed(r.rating)} ± ${Math.round(r.ci)}`,
    `${(100 * r.score).toFixed(1)}%`,
    `${r.wins}-${r.draws}-${r.losses}`,
    String(r.games),
    r.meanReturn.toFixed(3),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const left = new Set([1]);
  const line = (cells: string[]) => cells.map((s, c) => (left.has(c) ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV of the table: one row per agent, ranked. */
export function tournamentCsv(t: TournamentResult): string {
  const head = 'rank,agent,rating,ci_low,ci_high,ci_half_width,score,games,wins,draws,losses,mean_return';
  const num = (x: number) => String(Number(x.toFixed(3)));
  const rows = t.table.map((r) =>
    [String(r.rank), csvField(r.agent), num(r.rating), num(r.ciLow), num(r.ciHigh), num(r.ci), num(r.score), String(r.games), String(r.wins), String(r.draws), String(r.losses), num(r.meanReturn)].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}

/** Vega-Lite chart: one row per agent (best on top), a point at its rating and a bar for the interval. */
export function tournamentSpec(t: TournamentResult): TopLevelSpec {
  const values = t.table.map((r) => ({ agent: r.agent, rating: r.rating, lo: r.ciLow, hi: r.ciHigh, label: `${signed(r.rating)} ± ${Math.round(r.ci)}` }));
  const y = { field: 'agent', type: 'nominal', sort: t.table.map((r) => r.agent), title: null, axis: { labelLimit: 320, labelFontSize: 11 } };
  const x = { field: 'rating', type: 'quantitative', title: 'Bradley–Terry rating (Elo scale, mean 0) with 95% interval' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${t.game}: round robin, ${t.gamesPerPair} games per pair`, fontSize: 15, anchor: 'start' },
    background: 'white',
    padding: 12,
    width: 560,
    height: Math.max(60, 28 * t.table.length),
    config: { font: FONT_STACK, axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' }, view: { stroke: '#ccc' } },
    data: { values },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2.5, color: '#9ab6d6' }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 70, color: '#1f4e8c' }, encoding: { y, x } },
      { mark: { type: 'text', dy: -10, fontSize: 10, color: '#444' }, encoding: { y, x, text: { field: 'label' } } },
    ],
  } as unknown as TopLevelSpec;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface TournamentFiles {
  readonly dir: string;
  readonly json: string;
  readonly csv: string;
  readonly png: string;
  readonly html: string;
}

/** Writes tournament.json, tournament.csv, tournament.png and tournament.html into `outDir`. */
export async function writeTournament(t: TournamentResult, outDir: string): Promise<TournamentFiles> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const files: TournamentFiles = {
    dir,
    json: join(dir, 'tournament.json'),
    csv: join(dir, 'tournament.csv'),
    png: join(dir, 'tournament.png'),
    html: join(dir, 'tournament.html'),
  };
  const svg = await specToSvg(tournamentSpec(t));
  const head = '<tr><th>agent</th><th>rank</th><th>rating</th><th>95% CI</th><th>score</th><th>wins</th><th>draws</th><th>losses</th><th>games</th><th>mean return</th></tr>';
  const body = t.table
    .map(
      (r) =>
        `<tr><td>${esc(r.agent)}</td><td>${r.rank}</td><td>${signed(r.rating)}</td><td>${Math.round(r.ciLow)} … ${Math.round(r.ciHigh)}</td><td>${(100 * r.score).toFixed(1)}%</td><td>${r.wins}</td><td>${r.draws}</td><td>${r.losses}</td><td>${r.games}</td><td>${r.meanReturn.toFixed(3)}</td></tr>`,
    )
    .join('\n');
  const table = `<h2>Table</h2>\n<table><thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table>\n`;
  const subtitle = `${t.agents.length} agents, ${t.gamesPerPair} games per pair (${t.totalGames} games, sides alternate), seed ${t.seed}; Bradley–Terry maximum likelihood, draws count half, prior sd ${t.model.priorSd} Elo`;
  const html = htmlPage(`Tournament: ${t.game}`, subtitle, svg, []).replace('</body>', `${table}</body>`);
  await writeFile(files.json, `${JSON.stringify(t, null, 2)}\n`);
  await writeFile(files.csv, tournamentCsv(t));
  await writeFile(files.png, svgToPng(svg));
  await writeFile(files.html, html);
  return files;
}
