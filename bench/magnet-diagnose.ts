/**
 * `npm run bench:magnet-diagnose -- runs/NAME`: where a magnet-regularised poker run (Kuhn, Leduc)
 * loses to its settings' exact dynamics (bench/tabular-magnet.ts), from the run folder alone.
 *
 *  1. The exported policy (the average) and the last iterate, exactly evaluated; the exact fixed point
 *     of the run's own settings (`entCoef` as η, `magnetMix`; 100 refreshes of 50 steps), π*.
 *  2. Where the exported policy's exploitability comes from: the information states ranked by how
 *     often self-play under that policy reaches them (chance and both seats), the least (or most)
 *     reached fraction replaced by π*, and the result evaluated. A gap in the rarely reached states
 *     would mean coverage (the learner never sees them); a gap in the often reached ones means the
 *     learner's estimates where it has the most data.
 *     Then the eight information states where the exported policy differs most from π* (reach × L1
 *     distance), with both policies' probabilities: which way the learner errs where it matters.
 *  3. The inner loop: the run's last magnet (BENCH_AT=U: the one in force at update U), i.e. the
 *     snapshot at that refresh blended as the trainer blends it, the exact fixed point of the game
 *     regularised toward it (which the learner's iterates should approach before the next refresh),
 *     the learner's snapshots of that phase, and the exact outer loop continued from that magnet.
 *
 * Exact evaluation takes 30–50 ms per policy on Leduc; the whole diagnosis about a minute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgent } from '../agents/index.ts';
import { policyAgentFromSnapshot } from '../agents/policy-agent.ts';
import { setLogLevel } from '../core/log.ts';
import { getGame } from '../games/index.ts';
import { LeagueStore } from '../league/store.ts';
import { selectBackend } from '../src/backend.ts';
import { agentPolicy, buildGameTree, checkExactEvalGame } from '../src/eval/exploitability.ts';
import { markdownTable } from './lib.ts';
import { magnetDynamics, TabularMagnet } from './tabular-magnet.ts';

async function main(): Promise<void> {
  setLogLevel('warn');
  await selectBackend('auto');
  const run = process.argv[2];
  if (!run) throw new Error('usage: npm run bench:magnet-diagnose -- runs/NAME (a Kuhn or Leduc league run with magnetEvery)');
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { game: string; entCoef: number; magnetMix: number; magnetEvery: number | null };
  checkExactEvalGame(config.game);
  if (config.magnetEvery === null) throw new Error(`${run} trained without a magnet (magnetEvery null): nothing to diagnose`);
  const game = getGame(config.game);
  const eta = config.entCoef;
  const mix = config.magnetMix;
  const g = new TabularMagnet(game.info.id);
  const A = g.tree.actions;
  /** A policy as the exact table's layout (the trees of one game number information states alike). */
  const table = (policy: Parameters<typeof agentPolicy>[0]) => buildGameTree(game, agentPolicy(policy)).infoSetPolicy.slice();

  const exported = await createAgent(run, game.info, 0);
  const last = await createAgent(`last:${run}`, game.info, 0);
  const piAvg = table(exported);
  const piLast = table(last);
  exported.dispose?.();
  last.dispose?.();
  const star = g.uniformTable();
  magnetDynamics(g, star, g.uniformTable(), { eta, alpha: 0.1 / eta, inner: 50, outer: 100, mix });
  console.log(`# ${run}: ${game.info.id}, η (entCoef) ${eta}, magnetMix ${mix}, magnetEvery ${config.magnetEvery}`);
  console.log(`exported (average) ${g.exploitability(piAvg).toFixed(4)}, last iterate ${g.exploitability(piLast).toFixed(4)}, the settings' exact fixed point π* ${g.exploitability(star).toFixed(4)}`);
  console.log();

  // 2. reach of each information state by self-play under the exported policy
  const t = buildGameTree(game, agentPolicy(await createAgent(run, game.info, 0)));
  const nodeReach = new Float64Array(t.nodes);
  nodeReach[0] = 1;
  for (let n = 0; n < t.nodes; n++) for (let e = t.firstEdge[n]!; e < t.firstEdge[n]! + t.edgeCount[n]!; e++) nodeReach[t.edgeChild[e]!] = nodeReach[n]! * t.edgeProb[e]!;
  const sets = t.infoSetKey.length;
  const reach = new Float64Array(sets);
  for (let id = 0; id < sets; id++) for (const h of t.infoSetNodes[id]!) reach[id]! += nodeReach[h]!;
  const order = [...Array(sets).keys()].sort((a, b) => reach[a]! - reach[b]!);
  const replaced = (ids: readonly number[]) => {
    const pi = piAvg.slice();
    for (const id of ids) for (let a = 0; a < A; a++) pi[id * A + a] = star[id * A + a]!;
    return g.exploitability(pi).toFixed(4);
  };
  const rows: string[][] = [];
  for (const frac of [0.1, 0.25, 0.5, 0.75, 0.9]) {
    const k = Math.round(frac * sets);
    rows.push([`${Math.round(frac * 100)}%`, `< ${reach[order[k - 1]!]!.toExponential(1)}`, replaced(order.slice(0, k)), replaced(order.slice(sets - k))]);
  }
  console.log(`The exported policy with a share of its ${sets} information states replaced by π* (ranked by self-play reach):`);
  console.log(markdownTable(['share replaced', 'reach of the least reached share', 'least reached replaced', 'most reached replaced'], rows));
  console.log();

  // 2b. which way it differs from π* where it matters: the largest reach-weighted differences
  const fmt = (pi: ArrayLike<number>, id: number) => Array.from({ length: A }, (_, a) => pi[id * A + a]!.toFixed(2)).join(' / ');
  const gap = (id: number) => reach[id]! * Array.from({ length: A }, (_, a) => Math.abs(piAvg[id * A + a]! - star[id * A + a]!)).reduce((x, y) => x + y, 0);
  const worst = [...Array(sets).keys()].sort((a, b) => gap(b) - gap(a)).slice(0, 8);
  console.log('Where the exported policy differs most from π* (reach × L1 distance; probabilities by action, illegal ones 0):');
  console.log(markdownTable(['information state', 'reach', 'exported', 'π*'], worst.map((id) => [t.infoSetKey[id]!, reach[id]!.toFixed(3), fmt(piAvg, id), fmt(star, id)])));
  console.log();

  // 3. a magnet (the last, or the one in force at BENCH_AT) and the exact fixed point of its regularised game
  const store = LeagueStore.open(run, { create: false });
  const snapshots = store.listMembers({ role: 'snapshot' }).filter((m) => m.id.startsWith('main@'));
  const lastUpdate = Math.max(...snapshots.map((m) => m.update));
  const every = config.magnetEvery;
  const at = process.env['BENCH_AT'] === undefined ? lastUpdate : Number(process.env['BENCH_AT']);
  const refresh = Math.floor(at / every) * every;
  const member = snapshots.find((m) => m.update === refresh);
  if (!member) {
    store.close();
    console.log(`no snapshot at the refresh of update ${refresh}: snapshotEvery does not divide magnetEvery; skipping the inner loop`);
    return;
  }
  const policyOf = (id: string) => {
    const agent = policyAgentFromSnapshot(store.getSnapshot(id)!, game.info, 0);
    const pi = table(agent);
    agent.dispose();
    return pi;
  };
  const magnetPolicy = policyOf(member.id);
  const phase = snapshots.filter((m) => m.update > refresh && m.update <= refresh + every).sort((a, b) => a.update - b.update);
  const shown = phase.filter((_, i) => i % Math.max(1, Math.ceil(phase.length / 10)) === 0 || i === phase.length - 1);
  const iterates = shown.map((m) => `${m.update}: ${g.exploitability(policyOf(m.id)).toFixed(3)}`);
  store.close();
  const uniform = g.uniformTable();
  const rho = magnetPolicy.map((p, k) => (1 - mix) * p + mix * uniform[k]!);
  const fixed = magnetPolicy.slice();
  for (let i = 0; i < 2000; i++) g.step(fixed, rho, eta, 0.1 / eta);
  console.log(`The magnet refreshed at update ${refresh} (${member.id}, blended ${mix} with uniform): the snapshot ${g.exploitability(magnetPolicy).toFixed(4)}; the exact fixed point of its regularised game ${g.exploitability(fixed).toFixed(4)} (2,000 steps).`);
  console.log(`The learner's snapshots until the next refresh (update: exploitability): ${iterates.join(', ') || 'none'}`);
  const pi = fixed.slice();
  const outer = rho.slice();
  const continued: string[] = [];
  for (let o = 1; o <= 30; o++) {
    magnetDynamics(g, pi, outer, { eta, alpha: 0.1 / eta, inner: 50, outer: 1, mix });
    if (o % 10 === 0) continued.push(`${o}: ${g.exploitability(pi).toFixed(4)}`);
  }
  console.log(`The exact outer loop continued from that magnet (refreshes: exploitability): ${continued.join(', ')}`);
}

await main();
