/**
 * `npm run bench:magnet`: where magnet-regularised self-play (`magnetEvery`, `magnetMix`, `entCoef`)
 * would end with exact gradients, on Kuhn and Leduc. The learner is replaced by exact tabular mirror
 * descent over the whole game tree, so what is left is the bias of the settings themselves, not
 * sampling noise or the network.
 *
 * The learner's regularised objective at an information state s, weighted like its policy term by
 * the probability of visiting s, is Σ_a π(a|s)·Q(s,a) − η·KL(π(·|s) ‖ ρ(·|s)), with Q the expected
 * return of a at s (conditioned on s: chance and the opponent weight its histories) and η = `entCoef`.
 * Its stationary point is π ∝ ρ·exp(Q/η). Each inner step below is the closed-form mirror-descent step
 * toward it (Sokota et al. 2022: π ← (π·ρ^{αη}·e^{αQ})^{1/(1+αη)}); every `inner` steps the magnet
 * moves to ρ = (1 − m)·π + m·uniform, with m = `magnetMix` (annealed linearly to `magnetMixFinal`
 * over the outer iterations when given), as the trainer refreshes it every `magnetEvery` updates.
 * Exploitability is exact (src/eval/exploitability.ts).
 *
 * BENCH_OUTER (default 100) outer iterations of BENCH_INNER (default 50) steps of size BENCH_ALPHA
 * (default 0.1 / η). Prints one row per setting.
 *
 * Then how the refresh period matters at a fixed budget: Leduc's default (η 1, blend 0.05), the
 * same total number of exact steps split into more, shorter phases or fewer, longer ones. A
 * trainer's `magnetEvery` sets how far its (sampled, slower) learner gets inside each phase.
 */
import { markdownTable } from './lib.ts';
import { magnetDynamics, TabularMagnet } from './tabular-magnet.ts';

const OUTER = Number(process.env['BENCH_OUTER'] ?? 100);
const INNER = Number(process.env['BENCH_INNER'] ?? 50);

interface Setting {
  readonly game: string;
  /** The temperature η (`entCoef`). */
  readonly eta: number;
  readonly mix: number;
  readonly mixFinal: number | null;
  readonly note: string;
}

const SETTINGS: Setting[] = [
  { game: 'kuhn-poker', eta: 0.2, mix: 0.05, mixFinal: null, note: "Kuhn's default" },
  { game: 'kuhn-poker', eta: 0.2, mix: 0, mixFinal: null, note: 'pure copy' },
  { game: 'leduc-poker', eta: 1, mix: 0.05, mixFinal: null, note: "Leduc's default before magnetMixFinal" },
  { game: 'leduc-poker', eta: 1, mix: 0.1, mixFinal: null, note: 'thicker blend' },
  { game: 'leduc-poker', eta: 1, mix: 0.01, mixFinal: null, note: 'thinner blend' },
  { game: 'leduc-poker', eta: 1, mix: 0, mixFinal: null, note: 'pure copy' },
  { game: 'leduc-poker', eta: 1, mix: 0.05, mixFinal: 0.01, note: 'blend annealed 0.05 → 0.01' },
  { game: 'leduc-poker', eta: 2, mix: 0.05, mixFinal: null, note: 'hotter' },
  { game: 'leduc-poker', eta: 0.5, mix: 0.05, mixFinal: null, note: 'colder' },
];

function run(setting: Setting, games: Map<string, TabularMagnet>): { final: number; half: number } {
  let g = games.get(setting.game);
  if (!g) games.set(setting.game, (g = new TabularMagnet(setting.game)));
  const alpha = Number(process.env['BENCH_ALPHA'] ?? 0.1 / setting.eta);
  const pi = g.uniformTable();
  const rho = g.uniformTable();
  let half = NaN;
  for (let o = 0; o < OUTER; o++) {
    for (let i = 0; i < INNER; i++) g.step(pi, rho, setting.eta, alpha);
    const progress = OUTER > 1 ? o / (OUTER - 1) : 1;
    const m = setting.mixFinal === null ? setting.mix : setting.mix + (setting.mixFinal - setting.mix) * progress;
    g.refresh(pi, rho, m);
    if (o + 1 === Math.ceil(OUTER / 2)) half = g.exploitability(pi);
  }
  return { final: g.exploitability(pi), half };
}

function main(): void {
  console.log(`Exact tabular magnet-regularised self-play: ${OUTER} magnet refreshes of ${INNER} mirror-descent steps each`);
  const games = new Map<string, TabularMagnet>();
  const rows: string[][] = [];
  for (const s of SETTINGS) {
    const r = run(s, games);
    const row = [s.game, String(s.eta), s.mixFinal === null ? String(s.mix) : `${s.mix} → ${s.mixFinal}`, r.half.toFixed(4), r.final.toFixed(4), s.note];
    console.log(`  ${row.join('  ')}`);
    rows.push(row);
  }
  console.log();
  console.log(markdownTable(['game', 'η (entCoef)', 'magnetMix', `exploitability at refresh ${Math.ceil(OUTER / 2)}`, `at refresh ${OUTER}`, 'setting'], rows));
  console.log();
  const g = games.get('leduc-poker') ?? new TabularMagnet('leduc-poker');
  const split: string[][] = [];
  for (const total of [180, 360]) {
    for (const inner of [1, 2, 3, 6, 12, 20, 45]) {
      const pi = g.uniformTable();
      const rho = g.uniformTable();
      const outer = Math.round(total / inner);
      magnetDynamics(g, pi, rho, { eta: 1, alpha: 0.1, inner, outer, mix: 0.05 });
      split.push([String(inner * outer), String(inner), String(outer), g.exploitability(pi).toFixed(4)]);
    }
  }
  console.log('Leduc, η 1, magnetMix 0.05, steps of 0.1: one budget of exact steps split between refreshes');
  console.log(markdownTable(['exact steps', 'steps per phase', 'refreshes', 'exploitability at the end'], split));
}

main();
