/**
 * Round-robin tournaments: every pair of agents plays N paired games from random openings with
 * alternating sides (playSeries, src/eval/openings.ts), and the table is a Bradley–Terry
 * maximum-likelihood fit (bradley-terry.ts) with 95% intervals that rest on the *distinct* games: a
 * game replayed move for move (two deterministic agents from the same opening) carries no new
 * information, so each pair's wins, draws and losses enter the fit scaled by distinct / games — the
 * pair's score is that of all its games, its weight that of its distinct games (as the Wilson interval
 * of a series uses n = distinct). Results are saved as JSON, CSV and a plot of the ratings with their
 * intervals (PNG and a self-contained HTML page).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError, type Agent, type Game } from '../core/index.ts';
import { playSeries, type SeriesOptions, type SeriesResult } from '../src/eval/match.ts';
import { BalancedOpenings, checkOpeningPlies, defaultOpeningPlies, openingsText, type OpeningScheme } from '../src/eval/openings.ts';
import { FONT_STACK, htmlPage, specToSvg, svgToPng } from '../src/plot/render.ts';
import { fitBradleyTerry, type BradleyTerryFit, type PairResult } from './bradley-terry.ts';
import { createAgent as createAnyAgent } from '../agents/index.ts';

/** How a table's openings read (src/eval/openings.ts); here too for the commands that print tables. */
export { openingsText };

export const TOURNAMENT_FORMAT = 'arena-tournament';

export interface TournamentOptions {
  readonly game: Game;
  /** Agent specs (bots, checkpoints, `runDir#memberId`); at least two, no repeats. */
  readonly specs: readonly string[];
  /** Games per pair (sides alternate; games 2p and 2p+1 share a random opening). */
  readonly games: number;
  readonly seed?: number;
  /** Random plies before each game (default: `defaultOpeningPlies` of the game; 0: none). */
  readonly openingPlies?: number;
  /** How each pair's opening is picked (default `random`; src/eval/openings.ts). */
  readonly openings?: OpeningScheme;
  /** Bradley–Terry options: the anchor (default `mean`) and its rating. */
  readonly anchor?: string;
  readonly offset?: number;
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
  /** Bradley–Terry rating, Elo scale, relative to the anchor (default: the mean of all agents is 0). */
  readonly rating: number;
  /** Half-width of the 95% interval. */
  readonly ci: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** (wins + draws/2) / games. */
  readonly score: number;
  readonly games: number;
  /** Distinct games among them (what the rating's interval rests on). */
  readonly distinct: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /** Mean final return per seat over its games (chips in poker: wins alone ignore their size). */
  readonly meanReturn: number;
}

/** A pair's results from a's point of view: its games, the distinct ones among them, and each side's mean return per seat. */
export interface TournamentPair extends PairResult {
  readonly games: number;
  readonly distinct: number;
  readonly meanReturn: [number, number];
}

export interface TournamentResult {
  readonly format: typeof TOURNAMENT_FORMAT;
  readonly version: 2;
  readonly game: string;
  readonly agents: string[];
  readonly gamesPerPair: number;
  readonly seed: number;
  /** Random plies each game started from. */
  readonly openingPlies: number;
  /** How the openings were picked (absent in results saved before the choice existed: random). */
  readonly openings?: OpeningScheme;
  /** With `balanced`: how many distinct openings there are. */
  readonly openingCount?: number;
  readonly totalGames: number;
  /** Distinct games over all pairs. */
  readonly distinctGames: number;
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
  const openingPlies = opts.openingPlies ?? defaultOpeningPlies(info);
  checkOpeningPlies(info, openingPlies);
  const openings = opts.openings ?? 'random';
  // counted before any agent loads: too many openings is a one-line error, not a failure after minutes
  // (and enumerated once, for every pair's series)
  const book = openings === 'balanced' && openingPlies > 0 ? new BalancedOpenings(opts.game.newState(seed), openingPlies) : null;
  const openingCount = book?.size;
  const build = opts.createAgent ?? ((spec: string, s: number) => createAnyAgent(spec, info, s));
  const agents: Agent[] = [];
  try {
    for (let i = 0; i < specs.length; i++) agents.push(await build(specs[i]!, (seed * 7919 + i + 1) >>> 0));
    const pairs: TournamentPair[] = [];
    const tallies = new Map<string, { wins: number; draws: number; losses: number; games: number; distinct: number; returnSum: number }>();
    const tally = (id: string) => {
      let t = tallies.get(id);
      if (!t) tallies.set(id, (t = { wins: 0, draws: 0, losses: 0, games: 0, distinct: 0, returnSum: 0 }));
      return t;
    };
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
          openingPlies,
          openings,
          ...(book ? { book } : {}),
          onGame: () => opts.onGame?.(++done, total, names),
        });
        pairs.push({ a: specs[i]!, b: specs[j]!, wins: r.wins[0], draws: r.draws, losses: r.wins[1], games: r.games, distinct: r.distinct, meanReturn: r.meanReturn });
        const ti = tally(specs[i]!);
        const tj = tally(specs[j]!);
        ti.wins += r.wins[0];
        ti.losses += r.wins[1];
        tj.wins += r.wins[1];
        tj.losses += r.wins[0];
        for (const t of [ti, tj]) {
          t.draws += r.draws;
          t.games += r.games;
          t.distinct += r.distinct;
        }
        ti.returnSum += r.meanReturn[0] * r.games;
        tj.returnSum += r.meanReturn[1] * r.games;
      }
    }
    // each pair weighs as much as its distinct games (a replay adds no information), at the score of all its games
    const weighted = pairs.map((p) => {
      const f = p.games > 0 ? p.distinct / p.games : 0;
      return { a: p.a, b: p.b, wins: p.wins * f, draws: p.draws * f, losses: p.losses * f };
    });
    const fit = fitBradleyTerry(specs, weighted, { ...(opts.anchor !== undefined ? { anchor: opts.anchor } : {}), ...(opts.offset !== undefined ? { offset: opts.offset } : {}) });
    const table: TournamentRow[] = fit.ratings.map((r) => {
      const t = tally(r.id);
      return {
        rank: r.rank,
        agent: r.id,
        rating: r.rating,
        ci: r.halfWidth,
        ciLow: r.lo,
        ciHigh: r.hi,
        score: t.games > 0 ? (t.wins + t.draws / 2) / t.games : 0.5,
        games: t.games,
        distinct: t.distinct,
        wins: t.wins,
        draws: t.draws,
        losses: t.losses,
        meanReturn: t.games > 0 ? t.returnSum / t.games : 0,
      };
    });
    const { ratings: _ratings, ...model } = fit;
    const distinctGames = pairs.reduce((s, p) => s + p.distinct, 0);
    return {
      format: TOURNAMENT_FORMAT,
      version: 2,
      game: info.id,
      agents: specs,
      gamesPerPair: opts.games,
      seed,
      openingPlies,
      openings,
      ...(openingCount !== undefined ? { openingCount } : {}),
      totalGames: total,
      distinctGames,
      table,
      pairs,
      model: { name: 'bradley-terry', ...model },
    };
  } finally {
    for (const a of agents) a.dispose?.();
  }
}

/** Where the rating scale is zero: `mean 0` or `random = 0`. */
export function ratingZero(t: TournamentResult): string {
  return t.model.anchor === 'mean' ? `mean ${t.model.offset}` : `${t.model.anchor} = ${t.model.offset}`;
}

function signed(x: number): string {
  const r = Math.round(x);
  return r > 0 ? `+${r}` : r === 0 ? '0' : String(r);
}

/** The table as aligned text (rank, agent, rating ± half-width of the 95% interval, score, W-D-L, distinct games of games). */
export function formatTournamentTable(t: TournamentResult): string {
  const head = ['rank', 'agent', 'rating ± 95% CI', 'score', 'W-D-L', 'distinct/games', 'mean return'];
  const rows = t.table.map((r) => [
    String(r.rank),
    r.agent,
    `${signed(r.rating)} ± ${Math.round(r.ci)}`,
    `${(100 * r.score).toFixed(1)}%`,
    `${r.wins}-${r.draws}-${r.losses}`,
    `${r.distinct}/${r.games}`,
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
  const head = 'rank,agent,rating,ci_low,ci_high,ci_half_width,score,games,wins,draws,losses,mean_return,distinct';
  const num = (x: number) => String(Number(x.toFixed(3)));
  const rows = t.table.map((r) =>
    [String(r.rank), csvField(r.agent), num(r.rating), num(r.ciLow), num(r.ciHigh), num(r.ci), num(r.score), String(r.games), String(r.wins), String(r.draws), String(r.losses), num(r.meanReturn), String(r.distinct)].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}

/** Vega-Lite chart: one row per agent (best on top), a point at its rating and a bar for the interval. */
export function tournamentSpec(t: TournamentResult, kind = 'round robin'): TopLevelSpec {
  const values = t.table.map((r) => ({ agent: r.agent, rating: r.rating, lo: r.ciLow, hi: r.ciHigh, label: `${signed(r.rating)} ± ${Math.round(r.ci)}` }));
  const y = { field: 'agent', type: 'nominal', sort: t.table.map((r) => r.agent), title: null, axis: { labelLimit: 320, labelFontSize: 11 } };
  const x = { field: 'rating', type: 'quantitative', title: `Bradley–Terry rating (Elo scale, ${ratingZero(t)}) with 95% interval` };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${t.game}: ${kind}, ${t.gamesPerPair} games per pair`, subtitle: `${openingsText(t)}; ${t.distinctGames} distinct games of ${t.totalGames}`, fontSize: 15, anchor: 'start' },
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

/**
 * Writes <name>.json, .csv, .png and .html into `outDir` (`name` default `tournament`; the ladder
 * writes `ladder.*`), with `extra` merged into the JSON.
 */
export async function writeTournament(t: TournamentResult, outDir: string, opts: { name?: string; title?: string; kind?: string; extra?: Record<string, unknown> } = {}): Promise<TournamentFiles> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const name = opts.name ?? 'tournament';
  const files: TournamentFiles = {
    dir,
    json: join(dir, `${name}.json`),
    csv: join(dir, `${name}.csv`),
    png: join(dir, `${name}.png`),
    html: join(dir, `${name}.html`),
  };
  const svg = await specToSvg(tournamentSpec(t, opts.kind));
  const head = '<tr><th>agent</th><th>rank</th><th>rating</th><th>95% CI</th><th>score</th><th>wins</th><th>draws</th><th>losses</th><th>distinct</th><th>games</th><th>mean return</th></tr>';
  const body = t.table
    .map(
      (r) =>
        `<tr><td>${esc(r.agent)}</td><td>${r.rank}</td><td>${signed(r.rating)}</td><td>${Math.round(r.ciLow)} … ${Math.round(r.ciHigh)}</td><td>${(100 * r.score).toFixed(1)}%</td><td>${r.wins}</td><td>${r.draws}</td><td>${r.losses}</td><td>${r.distinct}</td><td>${r.games}</td><td>${r.meanReturn.toFixed(3)}</td></tr>`,
    )
    .join('\n');
  const table = `<h2>Table</h2>\n<table><thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table>\n`;
  const subtitle = `${t.agents.length} agents, ${t.gamesPerPair} games per pair (${t.totalGames} games, ${t.distinctGames} distinct; sides alternate, ${openingsText(t)}), seed ${t.seed}; Bradley–Terry maximum likelihood, each pair weighted by its distinct games, draws count half, ${ratingZero(t)}, prior sd ${t.model.priorSd} Elo`;
  const html = htmlPage(opts.title ?? `Tournament: ${t.game}`, subtitle, svg, []).replace('</body>', `${table}</body>`);
  await writeFile(files.json, `${JSON.stringify({ ...t, ...opts.extra }, null, 2)}\n`);
  await writeFile(files.csv, tournamentCsv(t));
  await writeFile(files.png, svgToPng(svg));
  await writeFile(files.html, html);
  return files;
}
