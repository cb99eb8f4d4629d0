/**
 * `npm run bench:mcts`: play-time search speed at Connect Four — milliseconds per move and simulations
 * per second of `mcts:<checkpoint>:<n>` at 50, 200 and 800 simulations, on one thread, as users get it
 * (the solver and the average over the board's mirror, agents/mcts.ts and agents/symmetry.ts), without
 * the mirror average, and as plain PUCT, side by side.
 *
 * The checkpoint is a freshly initialised [128, 128] tanh MLP (the size of the Connect Four default),
 * saved and loaded through the real spec path: search cost does not depend on what the weights have
 * learned, only on their size (and, a little, on the tree's shape). Pass a run folder to time a
 * trained one instead: `npm run bench:mcts -- runs/c4`. Moves are timed on positions from seeded
 * random openings of 0–20 plies, cycling through them. Beside the search, the evaluator alone (one
 * position: actor + critic) and a tfjs forward pass of the actor alone, for scale.
 *
 * BENCH_GAME (default `connect-four`, i.e. `connect-four-v3`) picks the version: `connect-four-v1` or
 * `connect-four-v2` by id for a network trained on one of them (a fresh network then reads its planes).
 *
 * BENCH_SECONDS (default 3) per row. The target, so that search can face a person on a server without
 * a noticeable wait: 200 simulations answer in ≤ 100 ms.
 *
 * Strength, with a trained run: BENCH_GAMES=N (default 0: none) plays N games of search at
 * BENCH_STRENGTH_SIMS simulations (default 200) in the same three variants, each against
 * BENCH_VS (default alphabeta:5), from the same paired random first moves (`arena match`'s series),
 * and prints both scores with their intervals over distinct games. BENCH_C_PUCT=0.8,1.25,2 plays the
 * default (solver and mirror average) at each of those exploration constants instead (the same openings for every row);
 * BENCH_REUSE=1 plays the default and the default keeping its tree between moves (`mcts:…:reuse`), with the
 * visits the kept trees held at the start of each search; BENCH_FPU=none,0,0.2 plays the default at each
 * first-play urgency (`fpuReduction`: none = unvisited moves at Q 0; r = the network's value of the position
 * minus r). Rows that name none search with the network's default, as `mcts:` does (0.5 for an AlphaZero network, else Q 0).
 * Raw numbers go to bench/results/mcts-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, defaultPlayUrgency } from '../agents/index.ts';
import { MctsAgent } from '../agents/mcts.ts';
import { ActorCritic } from '../agents/policy.ts';
import type { PolicyAgent } from '../agents/policy-agent.ts';
import { Rng, type Agent, type GameState } from '../core/index.ts';
import { setLogLevel } from '../core/log.ts';
import { backendSummary, selectBackend } from '../src/backend.ts';
import { createProgress } from '../src/cli/progress.ts';
import { playSeries } from '../src/eval/match.ts';
import { resolveConfig } from '../src/train/config.ts';
import { savePolicyCheckpoint } from '../src/train/policy-checkpoint.ts';
import { benchConnectFour, fmtInt, fmtMs, loadWarning, machineInfo, markdownTable, timeCalls } from './lib.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const GAMES = Number(process.env['BENCH_GAMES'] ?? 0);
const STRENGTH_SIMS = Number(process.env['BENCH_STRENGTH_SIMS'] ?? 200);
const VS = process.env['BENCH_VS'] ?? 'alphabeta:5';
/** Exploration constants to compare in the strength games (the default search), e.g. `0.8,1.25,2`; unset: the three variants at the default constant. */
const C_PUCTS = (process.env['BENCH_C_PUCT'] ?? '').split(',').filter((x) => x.trim() !== '').map(Number);
/** Compare the default search with and without the tree kept between moves, instead of the variants. */
const REUSE = process.env['BENCH_REUSE'] === '1';
/** First-play urgencies to compare (`none` = Q 0, else the fpuReduction); unset: not compared. */
const FPUS = (process.env['BENCH_FPU'] ?? '').split(',').filter((x) => x.trim() !== '').map((x) => (x.trim() === 'none' ? null : Number(x)));
if (FPUS.some((f) => f !== null && !Number.isFinite(f))) throw new Error(`BENCH_FPU must list numbers or 'none', got '${process.env['BENCH_FPU']}'`);
const SIMULATIONS = [50, 200, 800];
/** What is compared: the default (solver, and the average over the board's mirror), without the average, and plain PUCT. */
interface Variant {
  readonly solver: boolean;
  readonly symmetries: boolean;
}
const VARIANTS: readonly Variant[] = [
  { solver: true, symmetries: true },
  { solver: true, symmetries: false },
  { solver: false, symmetries: false },
];
const TARGET_MS = 100;
const game = benchConnectFour();

/** Non-terminal positions after 0..20 seeded random plies. */
function positions(count: number): GameState[] {
  const rng = new Rng(12345);
  const mask = new Uint8Array(game.info.actions);
  const out: GameState[] = [];
  while (out.length < count) {
    const s = game.newState(out.length);
    const plies = rng.int(21);
    for (let p = 0; p < plies && !s.isTerminal(); p++) {
      s.legalMask(s.currentSeat(), mask);
      s.apply(rng.pickMasked(mask));
    }
    if (!s.isTerminal()) out.push(s);
  }
  return out;
}

/** A freshly initialised Connect Four checkpoint of hidden [128, 128] in a temporary folder. */
async function freshCheckpoint(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'arena-bench-mcts-'));
  const config = resolveConfig('ppo', game.info.id, { hidden: [128, 128], activation: 'tanh' });
  const info = game.info;
  const policy = new ActorCritic({ obsSize: info.observationSize, criticInputSize: info.observationSize, head: 'categorical', actions: info.actions, hidden: [128, 128], activation: 'tanh' }, 0);
  await savePolicyCheckpoint(dir, { policy, optimizer: null, state: { config, update: 0, globalStep: 0, obsRms: null, rng: [1, 2, 3, 4], elapsedSeconds: 0 } });
  policy.dispose();
  return dir;
}

async function main(): Promise<void> {
  setLogLevel('warn');
  await selectBackend('auto');
  const given = process.argv[2];
  const dir = given ?? (await freshCheckpoint());
  const what = given ? `checkpoint ${given}` : 'a freshly initialised [128, 128] MLP checkpoint (untrained: timing only)';
  const m = machineInfo();
  console.log(`# bench:mcts — Connect Four, ${what}; one thread, ${SECONDS} s per row`);
  console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, tfjs ${backendSummary()} (search evaluates with the WASM kernels, not tfjs)`);
  const warn = loadWarning(m.cores);
  if (warn) console.log(warn);
  console.log();

  const boards = positions(64);
  let i = 0;
  const next = () => boards[i++ % boards.length]!;

  // the evaluator alone, and a tfjs actor forward pass for scale
  const inner = (await createAgent(dir, game.info, 0)) as PolicyAgent;
  const priors = new Float64Array(game.info.actions);
  const probs = new Float64Array(game.info.actions);
  const evalTiming = timeCalls(() => {
    const s = next();
    inner.evaluatePosition(s, s.currentSeat(), priors);
  }, Math.min(1, SECONDS), 1000);
  const tfjsTiming = timeCalls(() => {
    const s = next();
    inner.actionProbabilities(s, s.currentSeat(), probs);
  }, Math.min(1, SECONDS), 100);
  inner.dispose();

  /**
   * `mcts:<dir>:<n>` through the spec path (solver and symmetry averaging on, as users get it), or the
   * same network searched without the symmetry average, or as plain PUCT (neither).
   */
  const searcher = async ({ solver, symmetries }: Variant, n: number, seed: number, { cPuct, reuse = false, fpu }: { cPuct?: number; reuse?: boolean; fpu?: number | null } = {}): Promise<MctsAgent> => {
    if (solver && symmetries && cPuct === undefined && fpu === undefined) return (await createAgent(`mcts:${dir}:${n}${reuse ? ':reuse' : ''}`, game.info, seed)) as MctsAgent;
    const evaluator = (await createAgent(dir, game.info, seed, { evaluator: true })) as PolicyAgent;
    return new MctsAgent({ name: `${solver ? 'mcts' : 'puct'}:${dir}:${n}`, info: game.info, evaluator, simulations: n, seed, solver, symmetries, cPuct, treeReuse: reuse, fpuReduction: fpu === undefined ? await defaultPlayUrgency(dir) : fpu, owned: evaluator });
  };
  const yes = (x: boolean) => (x ? 'yes' : 'no');

  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const n of SIMULATIONS) {
    for (const variant of VARIANTS) {
      const { solver, symmetries } = variant;
      const agent = await searcher(variant, n, 1);
      const move = () => {
        const s = next();
        agent.act(s, s.currentSeat());
      };
      for (let w = 0; w < 5; w++) move(); // warm up the JIT
      const t = timeCalls(move, SECONDS, 10);
      agent.dispose();
      const simsPerSecond = (n * t.calls) / t.seconds;
      rows.push([String(n), yes(solver), yes(symmetries), fmtMs(t.medianMs), fmtMs(t.p90Ms), fmtMs(t.meanMs), fmtInt(simsPerSecond), String(t.calls), t.cpuShare.toFixed(2)]);
      results.push({ simulations: n, solver, symmetries, moves: t.calls, medianMs: t.medianMs, p90Ms: t.p90Ms, meanMs: t.meanMs, simulationsPerSecond: simsPerSecond, cpuShare: t.cpuShare });
    }
  }
  console.log(markdownTable(['simulations', 'solver', 'mirror average', 'ms/move (median)', 'p90', 'mean', 'simulations/s (budget)', 'moves timed', 'CPU share'], rows));
  console.log('(simulations/s counts the budget: a solved root stops the search early, so the solver may spend fewer)');
  console.log();
  console.log(`evaluator (actor + critic, one position, WASM kernels): ${(evalTiming.meanMs * 1000).toFixed(1)} µs; tfjs actor forward alone: ${(tfjsTiming.meanMs * 1000).toFixed(0)} µs`);
  const at200 = results.find((r) => r['simulations'] === 200 && r['solver'] === true && r['symmetries'] === true);
  if (at200) {
    const ms = at200['p90Ms'] as number;
    console.log(`target: mcts:…:200 answers in ≤ ${TARGET_MS} ms — p90 ${fmtMs(ms)} ms: ${ms <= TARGET_MS ? 'met' : 'NOT met'}`);
  }
  const strength: Record<string, unknown>[] = [];
  if (GAMES > 0) {
    if (!given) throw new Error('BENCH_GAMES needs a trained run: npm run bench:mcts -- runs/c4');
    console.log();
    console.log(`strength: ${GAMES} games each against ${VS}, ${STRENGTH_SIMS} simulations, paired random first moves (seed 0)`);
    const srows: string[][] = [];
    const plain = (v: Variant) => ({ ...v, cPuct: undefined as number | undefined, reuse: false, fpu: undefined as number | null | undefined });
    const variants = REUSE
      ? [plain(VARIANTS[0]!), { ...plain(VARIANTS[0]!), reuse: true }]
      : FPUS.length > 0
        ? FPUS.map((f) => ({ ...plain(VARIANTS[0]!), fpu: f }))
        : C_PUCTS.length > 0 ? C_PUCTS.map((c) => ({ ...plain(VARIANTS[0]!), cPuct: c as number | undefined })) : VARIANTS.map(plain);
    for (const { solver, symmetries, cPuct, reuse, fpu } of variants) {
      const agent = await searcher({ solver, symmetries }, STRENGTH_SIMS, 0, { cPuct, reuse, fpu });
      // the visits each search started from (the kept subtree's), counted over the searches that ran
      let kept = 0;
      let searches = 0;
      const counted: Agent = {
        name: agent.name,
        act: (s, seat) => {
          const a = agent.act(s, seat);
          if (agent.lastSimulations > 0) {
            kept += agent.lastKeptVisits;
            searches++;
          }
          return a;
        },
        reset: (seed) => agent.reset(seed),
      };
      const opponent = await createAgent(VS, game.info, 1);
      const t0 = performance.now();
      const label = `solver ${solver ? 'on ' : 'off'}, mirror ${symmetries ? 'on ' : 'off'}, c_puct ${agent.cPuct}${reuse ? ', tree kept' : ''}${agent.fpuReduction === null ? '' : `, fpu − ${agent.fpuReduction}`}`;
      const progress = createProgress(`  ${label}`, GAMES, 'games');
      const r = playSeries({ game, agents: [counted, opponent], games: GAMES, seed: 0, onGame: (d) => progress.update(d) });
      progress.stop();
      agent.dispose();
      opponent.dispose?.();
      const [lo, hi] = r.scoreInterval;
      const keptMean = searches > 0 ? kept / searches : 0;
      srows.push([yes(solver), yes(symmetries), String(agent.cPuct), agent.fpuReduction === null ? 'Q 0' : `V − ${agent.fpuReduction}`, yes(reuse), keptMean.toFixed(1), `${r.wins[0]}–${r.draws}–${r.wins[1]}`, `${(100 * r.score).toFixed(1)}%`, `${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%`, String(r.distinct), ((performance.now() - t0) / 1000).toFixed(0)]);
      strength.push({ solver, symmetries, cPuct: agent.cPuct, fpuReduction: agent.fpuReduction, reuse, keptVisitsPerSearch: keptMean, vs: VS, simulations: STRENGTH_SIMS, ...r });
    }
    console.log(markdownTable(['solver', 'mirror average', 'c_puct', 'unvisited moves', 'tree kept', 'visits kept a search', 'won–drawn–lost', 'score', '95% interval (distinct games)', 'distinct', 'seconds'], srows));
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/mcts-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify({ machine: m, checkpoint: what, seconds: SECONDS, evaluatorUs: evalTiming.meanMs * 1000, tfjsActorUs: tfjsTiming.meanMs * 1000, results, strength }, null, 2)}\n`);
  if (!given) rmSync(dir, { recursive: true, force: true });
}

await main();
