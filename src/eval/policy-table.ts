/**
 * A policy as a table: every decision information state of a small game mapped to the action
 * probabilities there, enumerated by walking the whole game tree. For Kuhn poker the keys are
 * OpenSpiel's strings (card digit 0/1/2 for J/Q/K, then the betting in `p`/`b`, e.g. `"1pb"`), 12 in
 * all, and each value is `[pass/check/fold, bet/call]` — directly comparable with OpenSpiel's
 * tabular policies and Kuhn's published equilibria. Leduc gives its 936 OpenSpiel strings → 3-vectors.
 */
import type { Game } from '../../core/index.ts';
import { buildGameTree, type PolicyFn, type TreeOptions } from './exploitability.ts';

export interface PolicyTableRow {
  /** The information-state string (OpenSpiel's notation for Kuhn and Leduc). */
  readonly infoState: string;
  /** The seat that acts there. */
  readonly seat: number;
  /** Probability of each action (0 for illegal ones). */
  readonly probs: number[];
}

export interface PolicyTable {
  readonly game: string;
  /** Action names, in action order (Kuhn: pass, bet; Leduc: fold, call, raise). */
  readonly actions: string[];
  /** Rows by seat, then in depth-first order of first appearance (OpenSpiel's TabularPolicy order). */
  readonly rows: PolicyTableRow[];
}

/** Enumerates every decision information state of `game` and the policy's probabilities there. */
export function policyTable(game: Game, policy: PolicyFn, opts: TreeOptions = {}): PolicyTable {
  const tree = buildGameTree(game, policy, opts);
  const A = tree.actions;
  const rows: PolicyTableRow[] = tree.infoSetKey.map((infoState, id) => ({
    infoState,
    seat: tree.infoSetSeat[id]!,
    probs: Array.from(tree.infoSetPolicy.subarray(id * A, (id + 1) * A)),
  }));
  rows.sort((a, b) => a.seat - b.seat); // stable: keeps depth-first order within a seat
  const state = game.newState(0);
  return { game: game.info.id, actions: Array.from({ length: A }, (_, a) => state.actionName(a)), rows };
}

/** The table as `{ infoState: probs }` (JSON object; note JSON orders integer-like keys such as "0" first). */
export function policyTableObject(table: PolicyTable): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of table.rows) out[r.infoState] = r.probs;
  return out;
}

/** An aligned text table: information state, seat, then one column per action (4 decimals). */
export function formatPolicyTable(table: PolicyTable): string {
  const keyWidth = Math.max('info state'.length, ...table.rows.map((r) => r.infoState.length));
  const colWidth = Math.max(6, ...table.actions.map((a) => a.length));
  const header = `${'info state'.padEnd(keyWidth)}  seat  ${table.actions.map((a) => a.padStart(colWidth)).join('  ')}`;
  const lines = [header, '-'.repeat(header.length)];
  for (const r of table.rows) {
    lines.push(`${r.infoState.padEnd(keyWidth)}  ${String(r.seat).padStart(4)}  ${r.probs.map((p) => p.toFixed(4).padStart(colWidth)).join('  ')}`);
  }
  return lines.join('\n');
}
