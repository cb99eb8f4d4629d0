/**
 * Small helpers shared by the benchmarks: time-boxed repetition, order statistics, number
 * formatting, Markdown tables and a description of the machine.
 */
import os from 'node:os';
import type { Game, GameState } from '../core/index.ts';
import { getGame } from '../games/index.ts';

/** The machine a benchmark ran on, for headers and JSON results. */
export interface MachineInfo {
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cores: number;
  /** 1-, 5- and 15-minute load averages when the run started (noise indicator). */
  readonly loadavg: readonly number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * A warning when other processes keep the CPU busy (1-minute load average, less `own` for the
 * benchmark's own running threads, above half a core), or null. Benchmarks on a shared machine
 * should print it next to their numbers.
 */
export function loadWarning(cores: number, own = 0): string | null {
  const [load1] = os.loadavg();
  if (load1 === undefined || load1 - own < 0.5) return null;
  return `load average ${load1.toFixed(2)} on ${cores} cores: other processes are using the CPU, numbers may be noisy`;
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` values, by linear interpolation. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Timing {
  readonly calls: number;
  readonly seconds: number;
  /** CPU time of this process (all its threads) over wall time; well below 1 means it was descheduled. */
  readonly cpuShare: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly meanMs: number;
}

/**
 * Calls `fn` until at least `minSeconds` have passed and at least `minCalls` calls were made, timing
 * every call separately (performance.now() around each call, so the clock reads are included).
 */
export function timeCalls(fn: () => void, minSeconds: number, minCalls = 1): Timing {
  const perCall: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + minSeconds * 1000;
  let now = start;
  while (now < deadline || perCall.length < minCalls) {
    const t0 = now;
    fn();
    now = performance.now();
    perCall.push(now - t0);
  }
  const seconds = (now - start) / 1000;
  const sorted = Float64Array.from(perCall).sort();
  return { calls: perCall.length, seconds, cpuShare: cpuSeconds(cpu0) / seconds, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), meanMs: (seconds * 1000) / perCall.length };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** Milliseconds taken by one call of `fn`, its CPU share (see Timing) and its result. */
export function timeOnce<T>(fn: () => T): { ms: number; cpuShare: number; result: T } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  return { ms, cpuShare: cpuSeconds(cpu0) / (ms / 1000), result };
}

/** A rate or count with thousands separators and no decimals: 123,456. */
export function fmtInt(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : String(x);
}

/** A duration in milliseconds with three significant digits (0.0123, 1.23, 12.3, 123). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 100) return ms.toFixed(0);
  return ms.toPrecision(3);
}

/** A ratio such as a speed-up: 1.23×. */
export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

/** A Markdown table; `align` has one 'l' or 'r' per column (default: first column left, others right). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const rule = headers.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

/** Whether `seat` wins at once by playing `a` in `s` (`returns`: scratch of the game's seats). */
export function winsAt(s: GameState, a: number, seat: number, returns: Float64Array): boolean {
  const c = s.clone();
  c.apply(a);
  if (!c.isTerminal()) return false;
  c.returns(returns);
  return returns[seat]! > 0;
}

/** The Connect Four version a benchmark plays: BENCH_GAME by id (`connect-four-v1`, `connect-four-v2`, `connect-four-v3`), `connect-four` (v3) by default. */
export function benchConnectFour(): Game {
  const game = getGame(process.env['BENCH_GAME'] ?? 'connect-four');
  if (!game.info.id.startsWith('connect-four-')) throw new Error(`BENCH_GAME must be a Connect Four version (connect-four-v1, connect-four-v2, connect-four-v3), got '${game.info.id}'`);
  return game;
}
