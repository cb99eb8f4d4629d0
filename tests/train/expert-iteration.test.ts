/**
 * Expert iteration (`--algo alphazero`): the actors' search self-play records (targets, outcomes,
 * symmetric images, reproducibility), the search's root noise and targets, the learner's replay
 * window, the config's one-line errors, and a short run in real worker threads that learns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { ALPHAZERO_PLAY_FPU, MctsAgent, sampleGamma, uniformEvaluator } from '../../agents/mcts.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { connectFour } from '../../games/connect-four.ts';
import { getGame } from '../../games/index.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { selectBackend } from '../../src/backend.ts';
import { playSeries } from '../../src/eval/match.ts';
import { resolveAgentList } from '../../servers/agents.ts';
import { readMetrics } from '../../src/metrics.ts';
import { runSearchSelfPlay, type SearchSelfPlayTask } from '../../src/selfplay/search-selfplay.ts';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { newPolicy } from '../../src/train/algorithm.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { PositionReplay } from '../../src/train/expert-iteration.ts';
import { runTraining } from '../../src/train/loop.ts';
import { readTrainingState } from '../../src/train/policy-checkpoint.ts';
import type { LoadedCheckpoint } from '../../src/checkpoint/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-az-');
beforeAll(async () => {
  setLogLevel('warn');
  await selectBackend('wasm');
});

/** Snapshot bytes of a freshly initialised alphazero policy for `gameId`. */
function freshSnapshot(gameId: string, seed = 0): Uint8Array {
  const config = resolveConfig('alphazero', gameId, { hidden: [16, 16], network: 'mlp' });
  const info = getGame(gameId).info;
  const policy = newPolicy(config, info, seed);
  const bytes = encodeSnapshot({ game: info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
  policy.dispose();
  return bytes;
}

function task(gameId: string, over: Partial<SearchSelfPlayTask> = {}): SearchSelfPlayTask {
  return {
    game: gameId,
    learner: 1,
    snapshots: { 1: freshSnapshot(gameId) },
    games: 3,
    simulations: 24,
    cPuct: 1.25,
    rootNoise: { alpha: 1, fraction: 0.25 },
    samplePlies: 4,
    openingPlies: 0,
    randomMoveRate: 0,
    treeReuse: false,
    fastSimulations: 0,
    fullSearchRate: 0.25,
    fpuReduction: null,
    symmetricEval: false,
    augment: false,
    seed: 5,
    ...over,
  };
}

describe('search self-play (the actors of expert iteration)', () => {
  it('fpuReduction: untried moves score below the network\'s value, so each search spreads its visits over fewer moves', () => {
    // the share of the most visited move in each recorded π, over the same seeded games
    const peak = (r: ReturnType<typeof runSearchSelfPlay>): number => {
      const rows = r.searchPolicy.length / 7;
      let sum = 0;
      for (let t = 0; t < rows; t++) sum += Math.max(...r.searchPolicy.subarray(t * 7, t * 7 + 7));
      return sum / rows;
    };
    const q0 = runSearchSelfPlay(task('connect-four-v1', { games: 4, simulations: 40 }));
    const fpu = runSearchSelfPlay(task('connect-four-v1', { games: 4, simulations: 40, fpuReduction: 1 }));
    expect(runSearchSelfPlay(task('connect-four-v1', { games: 4, simulations: 40, fpuReduction: 1 })).searchPolicy).toEqual(fpu.searchPolicy);
    expect(peak(fpu)).toBeGreaterThan(peak(q0) + 0.1);
  });

  it("records each position's search distribution over its legal moves and the game's outcome for the seat to move", () => {
    const r = runSearchSelfPlay(task('tic-tac-toe-v1'));
    const { actions: A, observationSize: O } = ticTacToe.info;
    expect(r.steps).toBe(r.positions);
    expect(r.positions).toBe(r.games.reduce((a, g) => a + g.length, 0));
    // replay each game from its recorded moves: observations, masks and outcomes must be the game's
    let row = 0;
    for (const g of r.games) {
      const s = ticTacToe.newState(0);
      const obs = new Float32Array(O);
      const mask = new Uint8Array(A);
      for (let ply = 0; ply < g.length; ply++, row++) {
        const seat = s.currentSeat();
        s.observe(seat, obs);
        s.legalMask(seat, mask);
        expect(Array.from(r.obs.subarray(row * O, (row + 1) * O))).toEqual(Array.from(obs));
        expect(Array.from(r.masks.subarray(row * A, (row + 1) * A))).toEqual(Array.from(mask));
        let sum = 0;
        for (let a = 0; a < A; a++) {
          const p = r.searchPolicy[row * A + a]!;
          if (!mask[a]) expect(p).toBe(0);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 5);
        expect(mask[r.actions[row]!]).toBe(1);
        // z: the final return of the seat to move here
        expect(r.rewards[row]).toBe(g.returns[seat]);
        expect(Math.abs(r.searchValue[row]!)).toBeLessThanOrEqual(1 + 1e-9);
        expect(r.dones[row]).toBe(1);
        s.apply(r.actions[row]!);
      }
      expect(s.isTerminal()).toBe(true);
    }
    expect(row).toBe(r.positions);
  });

  it("plays each game as it would alone (its leaves batched with the other games'), and records the network's root evaluation", () => {
    const alone = runSearchSelfPlay(task('connect-four-v1', { games: 1 }));
    const together = runSearchSelfPlay(task('connect-four-v1', { games: 4 }));
    const n = alone.positions;
    expect(together.games[0]).toEqual(alone.games[0]);
    const { actions: A, observationSize: O } = connectFour.info;
    // game 0's rows come first, and are the lone game's rows exactly
    expect(Array.from(together.actions.subarray(0, n))).toEqual(Array.from(alone.actions));
    expect(Array.from(together.searchPolicy.subarray(0, n * A))).toEqual(Array.from(alone.searchPolicy));
    expect(Array.from(together.searchValue.subarray(0, n))).toEqual(Array.from(alone.searchValue));
    expect(Array.from(together.obs.subarray(0, n * O))).toEqual(Array.from(alone.obs));
    // each row's value and log-probability are the network's at that position, before the search's
    // noise (in every game: the batch's rows answer the right games)
    const net = new SnapshotAgent({ name: 'net', blob: task('connect-four-v1').snapshots[1]!, info: connectFour.info });
    const priors = new Float64Array(A);
    let row = 0;
    for (const g of together.games) {
      const s = connectFour.newState(0);
      for (let ply = 0; ply < g.length; ply++, row++) {
        const v = net.evaluatePosition(s, s.currentSeat(), priors);
        expect(together.values[row]).toBeCloseTo(v, 5);
        expect(together.logProbs[row]).toBeCloseTo(Math.log(priors[together.actions[row]!]!), 4);
        s.apply(together.actions[row]!);
      }
    }
    expect(row).toBe(together.positions);
  });

  it("records nothing for a game its random opening ended, and plays the task's other games", () => {
    // tic-tac-toe after 0–9 random plies: every game opened by 9 (and some shorter) ends in the opening
    const r = runSearchSelfPlay(task('tic-tac-toe-v1', { games: 30, openingPlies: 9, seed: 2 }));
    expect(r.games).toHaveLength(30);
    expect(r.games.some((g) => g.positions === 0)).toBe(true);
    expect(r.games.some((g) => g.positions > 0)).toBe(true);
    expect(r.games.reduce((a, g) => a + g.positions, 0)).toBe(r.positions);
    expect(r.steps).toBe(r.positions);
  });

  it('replays the same games from the same seed, and others from another', () => {
    const a = runSearchSelfPlay(task('connect-four-v1', { games: 2 }));
    const b = runSearchSelfPlay(task('connect-four-v1', { games: 2 }));
    const c = runSearchSelfPlay(task('connect-four-v1', { games: 2, seed: 6 }));
    expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
    expect(Array.from(b.searchPolicy)).toEqual(Array.from(a.searchPolicy));
    expect(Array.from(c.actions)).not.toEqual(Array.from(a.actions));
  });

  it('starts each search from the subtree of the move played before it with treeReuse, and replays from the seed', () => {
    const plain = runSearchSelfPlay(task('connect-four-v1', { games: 2 }));
    const reuse = runSearchSelfPlay(task('connect-four-v1', { games: 2, treeReuse: true }));
    const again = runSearchSelfPlay(task('connect-four-v1', { games: 2, treeReuse: true }));
    expect(plain.keptVisits).toBe(0);
    expect(plain.searches).toBeGreaterThan(0);
    expect(reuse.searches).toBeGreaterThan(0);
    // the moves played were searched before, so most searches start from visits already made
    expect(reuse.keptVisits / reuse.searches).toBeGreaterThan(1);
    // each search still runs at most its 24 simulations: the kept visits come on top
    expect(reuse.simulations / reuse.searches).toBeLessThanOrEqual(24);
    expect(Array.from(again.actions)).toEqual(Array.from(reuse.actions));
    expect(Array.from(again.searchPolicy)).toEqual(Array.from(reuse.searchPolicy));
    expect(again.keptVisits).toBe(reuse.keptVisits);
    expect(Array.from(reuse.actions)).not.toEqual(Array.from(plain.actions));
    // every row is still a distribution over the legal moves
    const A = connectFour.info.actions;
    for (let i = 0; i < reuse.steps; i++) {
      let total = 0;
      for (let a = 0; a < A; a++) {
        const p = reuse.searchPolicy[i * A + a]!;
        if (reuse.masks[i * A + a] === 0) expect(p).toBe(0);
        total += p;
      }
      expect(total).toBeCloseTo(1, 6);
    }
  });

  it("augments each position with its images under the game's symmetries (Connect Four's mirror)", () => {
    const plain = runSearchSelfPlay(task('connect-four-v1', { games: 1 }));
    const r = runSearchSelfPlay(task('connect-four-v1', { games: 1, augment: true }));
    const [mirror] = connectFour.info.symmetries!;
    const { actions: A, observationSize: O } = connectFour.info;
    expect(r.positions).toBe(plain.positions);
    expect(r.steps).toBe(2 * plain.positions);
    for (let i = 0; i < plain.positions; i++) {
      const id = 2 * i;
      const im = id + 1;
      // the identity row is the plain run's row; the image is its mirror, π and the move mirrored with it
      expect(Array.from(r.searchPolicy.subarray(id * A, (id + 1) * A))).toEqual(Array.from(plain.searchPolicy.subarray(i * A, (i + 1) * A)));
      for (let k = 0; k < O; k++) expect(r.obs[im * O + k]).toBe(r.obs[id * O + mirror!.observation[k]!]);
      for (let a = 0; a < A; a++) {
        expect(r.searchPolicy[im * A + mirror!.actions[a]!]).toBe(r.searchPolicy[id * A + a]);
        expect(r.masks[im * A + mirror!.actions[a]!]).toBe(r.masks[id * A + a]);
      }
      expect(r.actions[im]).toBe(mirror!.actions[r.actions[id]!]);
      expect(r.rewards[im]).toBe(r.rewards[id]);
    }
  });

  it("plays random moves at randomMoveRate, and the positions up to a game's last one learn the search's value instead of its outcome", () => {
    // samplePlies 0: a ply the search played is a most-visited move, so a move π ranks below the best is a random one
    const r = runSearchSelfPlay(task('tic-tac-toe-v1', { games: 40, randomMoveRate: 0.3, samplePlies: 0, seed: 3 }));
    const { actions: A } = ticTacToe.info;
    let row = 0;
    let offBest = 0;
    let qTargets = 0;
    for (const g of r.games) {
      const s = ticTacToe.newState(0);
      let lastOff = -1;
      let off = 0;
      const first = row;
      for (let i = 0; i < g.positions; i++) {
        const pi = r.searchPolicy.subarray((first + i) * A, (first + i + 1) * A);
        if (pi[r.actions[first + i]!]! < Math.max(...pi)) {
          lastOff = i;
          off++;
        }
      }
      expect(off).toBeLessThanOrEqual(g.randomMoves);
      offBest += off;
      for (let i = 0; i < g.positions; i++, row++) {
        const seat = s.currentSeat();
        // at or before a random move: q; a game without one learns z everywhere
        if (i <= lastOff) expect(r.rewards[row]).toBe(r.searchValue[row]);
        if (g.randomMoves === 0) expect(r.rewards[row]).toBe(g.returns[seat]);
        if (r.rewards[row] !== g.returns[seat]) qTargets++;
        s.apply(r.actions[row]!);
      }
      expect(s.isTerminal()).toBe(true);
    }
    expect(offBest).toBeGreaterThan(5);
    expect(qTargets).toBeGreaterThan(0);
    expect(r.games.some((g) => g.randomMoves === 0)).toBe(true);
    // rate 0 plays the search's moves only
    const none = runSearchSelfPlay(task('tic-tac-toe-v1', { games: 10, samplePlies: 0, seed: 3 }));
    expect(none.games.every((g) => g.randomMoves === 0)).toBe(true);
    expect(() => runSearchSelfPlay(task('tic-tac-toe-v1', { randomMoveRate: 1.5 }))).toThrow(/randomMoveRate is a probability in \[0, 1\], got 1.5/);
  });

  it('runs fast searches that record nothing at fastSimulations (playout cap randomization); the full ones, at fullSearchRate, are the rows', () => {
    const full = runSearchSelfPlay(task('connect-four-v1', { games: 4 }));
    const capped = runSearchSelfPlay(task('connect-four-v1', { games: 4, fastSimulations: 6, fullSearchRate: 0.25 }));
    const again = runSearchSelfPlay(task('connect-four-v1', { games: 4, fastSimulations: 6, fullSearchRate: 0.25 }));
    expect(full.fastSearches).toBe(0);
    // every ply is a recorded position or a fast search (no random opening here)
    const plies = capped.games.reduce((n, g) => n + g.length, 0);
    expect(plies).toBe(capped.positions + capped.fastSearches);
    expect(capped.steps).toBe(capped.positions);
    const share = capped.fastSearches / capped.searches;
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.95);
    // a fast search spends at most its 6 simulations, a full one its 24
    expect(capped.simulations).toBeLessThanOrEqual(6 * capped.fastSearches + 24 * (capped.searches - capped.fastSearches));
    expect(capped.simulations / capped.searches).toBeLessThan(full.simulations / full.searches);
    // each row learns its game's outcome for one of the seats, and the seed replays the games
    let row = 0;
    for (const g of capped.games) for (let i = 0; i < g.positions; i++, row++) expect(g.returns).toContain(capped.rewards[row]);
    expect(Array.from(again.actions)).toEqual(Array.from(capped.actions));
    expect(Array.from(again.searchPolicy)).toEqual(Array.from(capped.searchPolicy));
    expect(again.fastSearches).toBe(capped.fastSearches);
    // every ply a full search: the games without fast searches
    const allFull = runSearchSelfPlay(task('connect-four-v1', { games: 4, fastSimulations: 6, fullSearchRate: 1 }));
    expect(allFull.fastSearches).toBe(0);
    expect(Array.from(allFull.actions)).toEqual(Array.from(full.actions));
    expect(() => runSearchSelfPlay(task('connect-four-v1', { fastSimulations: 24 }))).toThrow(/fastSimulations must be a whole number below simulations \(24\), or 0 for none; got 24/);
    expect(() => runSearchSelfPlay(task('connect-four-v1', { fastSimulations: 6, fullSearchRate: 0 }))).toThrow(/fullSearchRate is a probability in \(0, 1\], got 0/);
  });

  it('refuses a task without the snapshot it names', () => {
    expect(() => runSearchSelfPlay(task('tic-tac-toe-v1', { snapshots: {} }))).toThrow(/carries no snapshot/);
  });
});

describe("the search's root noise and targets", () => {
  it('draws Gamma variates with the right mean and variance (shape above and below 1)', () => {
    const rng = new Rng(11);
    for (const shape of [0.3, 1, 2.5]) {
      const n = 40_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = sampleGamma(shape, rng);
        expect(x).toBeGreaterThanOrEqual(0);
        s += x;
        s2 += x * x;
      }
      const mean = s / n;
      expect(mean).toBeCloseTo(shape, 1);
      expect(s2 / n - mean * mean).toBeCloseTo(shape, 1);
    }
  });

  it("mixes Dirichlet noise into the root's priors: the visits move away from the uniform prior's", () => {
    const s = ticTacToe.newState(0);
    const visits = new Float64Array(9);
    const spread = (noise: { alpha: number; fraction: number } | undefined, seed: number) => {
      const m = new MctsAgent({ name: 'mcts', info: ticTacToe.info, evaluator: uniformEvaluator, simulations: 60, seed, solver: false, ...(noise ? { rootNoise: noise } : {}) });
      m.search(s);
      m.rootVisits(visits);
      return Math.max(...visits) - Math.min(...visits);
    };
    // uniform priors and zero values: the visits spread evenly over the nine moves without noise
    expect(spread(undefined, 1)).toBeLessThanOrEqual(1);
    // with all the prior from a sparse Dirichlet, some moves take most of the visits
    expect(Math.max(spread({ alpha: 0.1, fraction: 1 }, 1), spread({ alpha: 0.1, fraction: 1 }, 2))).toBeGreaterThan(10);
    expect(() => new MctsAgent({ name: 'mcts', info: ticTacToe.info, evaluator: uniformEvaluator, rootNoise: { alpha: 0, fraction: 0.25 } })).toThrow(ConfigError);
    expect(() => new MctsAgent({ name: 'mcts', info: ticTacToe.info, evaluator: uniformEvaluator, rootNoise: { alpha: 1, fraction: 1.5 } })).toThrow(ConfigError);
  });

  it('targets the winning moves when the solver proves the root, whatever the visits', () => {
    // X (seat 0) has 0 and 1, O has 3 and 4; X to move wins at 2
    const s = ticTacToe.newState(0);
    for (const a of [0, 3, 1, 4]) s.apply(a);
    const m = new MctsAgent({ name: 'mcts', info: ticTacToe.info, evaluator: uniformEvaluator, simulations: 50, seed: 1 });
    m.search(s);
    const target = new Float64Array(9);
    expect(m.rootTarget(target, true)).toBe(2);
    expect(Array.from(target)).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0]);
    // the search's value of the position: the proven win
    expect(m.rootValue()).toBe(1);
    // unproven: the visit-weighted mean Q of the root's moves, for the seat to move
    const open = new MctsAgent({ name: 'mcts', info: ticTacToe.info, evaluator: uniformEvaluator, simulations: 30, seed: 1, solver: false });
    open.search(ticTacToe.newState(0));
    const visits = new Float64Array(9);
    const q = new Float64Array(9);
    open.rootVisits(visits, q);
    const n = visits.reduce((a, b) => a + b, 0);
    expect(open.rootValue()).toBeCloseTo(visits.reduce((a, v, i) => a + v * q[i]!, 0) / n, 12);
  });
});

describe('the replay window of positions', () => {
  it('overwrites the oldest rows and samples whole rows', () => {
    const A = 3;
    const O = 2;
    const replay = new PositionReplay(4, O, A);
    const rows = (from: number, n: number) => {
      const t = {
        steps: n,
        columns: 1,
        obs: Float32Array.from({ length: n * O }, (_, k) => from + Math.floor(k / O)),
        criticObs: null,
        masks: new Uint8Array(n * A).fill(1),
        actions: Int32Array.from({ length: n }, (_, i) => (from + i) % A),
        logProbs: new Float32Array(n),
        values: new Float32Array(n),
        rewards: Float32Array.from({ length: n }, (_, i) => from + i),
        nextValues: new Float32Array(n),
        dones: new Uint8Array(n).fill(1),
        valid: new Uint8Array(n).fill(1),
        searchPolicy: Float32Array.from({ length: n * A }, (_, k) => (k % A === (from + Math.floor(k / A)) % A ? 1 : 0)),
        searchValue: Float32Array.from({ length: n }, (_, i) => -(from + i)),
      };
      return t;
    };
    expect(replay.add(rows(0, 3))).toBe(3);
    expect(replay.add(rows(3, 3))).toBe(3);
    expect(replay.size).toBe(4);
    // rows 0 and 1 were overwritten: the window holds 2..5
    expect(new Set(replay.rows.rewards)).toEqual(new Set([2, 3, 4, 5]));
    const buf = new RolloutBuffer({ steps: 64, envs: 1, obsSize: O, criticSize: 0, actions: A, continuous: false });
    buf.searchPolicy = new Float32Array(64 * A);
    replay.sample(buf, new Rng(3));
    for (let k = 0; k < 64; k++) {
      const z = buf.returns[k]!;
      expect(z).toBeGreaterThanOrEqual(2);
      expect(buf.obs[k * O]).toBe(z);
      expect(buf.searchPolicy[k * A + (z % A)]).toBe(1);
      expect(buf.actions[k]).toBe(z % A);
    }
    // valueTargetMix: the target blends z with the search's value q (here q = −z)
    replay.sample(buf, new Rng(3), 0.25);
    for (let k = 0; k < 64; k++) {
      const z = buf.obs[k * O]!;
      expect(buf.returns[k]).toBeCloseTo(0.75 * z - 0.25 * z, 6);
    }
  });
});

describe('alphazero configs', () => {
  it('refuse games search cannot play, a league, and a replay window smaller than learningStarts', () => {
    expect(() => resolveConfig('alphazero', 'leduc-poker-v1')).toThrow(/alphazero searches every move.*leduc-poker-v1 does not fit \(it has hidden information.*it trains .*connect-four-v1/);
    expect(() => resolveConfig('alphazero', 'tic-tac-toe-v1', { league: true })).toThrow(/drop --league/);
    expect(() => resolveConfig('alphazero', 'tic-tac-toe-v1', { learningStarts: 10, bufferSize: 5 })).toThrow(/learningStarts \(10\) exceeds/);
    // greedy evaluation: where the evaluation games play on the main thread
    expect(resolveConfig('alphazero', 'connect-four-v1').evalGreedy).toBe(true);
    expect(resolveConfig('ppo', 'connect-four-v1', { league: true, evalGreedy: true }).evalGreedy).toBe(true);
    expect(() => resolveConfig('ppo', 'tic-tac-toe-v1', { evalGreedy: true })).toThrow(/evalGreedy applies to two-seat league self-play/);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { randomMoveRate: 0.05 })).toThrow(/randomMoveRate, valueTargetMix, treeReuse, fastSimulations and fpuReduction shape alphazero's self-play with search; ppo has none/);
    expect(resolveConfig('alphazero', 'connect-four-v1', { randomMoveRate: 0.05 }).randomMoveRate).toBe(0.05);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { fastSimulations: 20 })).toThrow(/fastSimulations and fpuReduction shape alphazero's self-play with search; ppo has none/);
    expect(() => resolveConfig('ppo', 'connect-four-v1', { fpuReduction: 1 })).toThrow(/fpuReduction shape alphazero's self-play with search; ppo has none/);
    expect(resolveConfig('alphazero', 'connect-four-v1', { fpuReduction: 1 }).fpuReduction).toBe(1);
    expect(resolveConfig('alphazero', 'connect-four-v1').fpuReduction).toBe(1); // Connect Four's default (README, "First-play urgency in self-play")
    expect(resolveConfig('alphazero', 'connect-four-v3').fpuReduction).toBe(1);
    // one ply of exploring starts in self-play (README, "Exploring starts of one ply in self-play"); tic-tac-toe keeps none
    expect(resolveConfig('alphazero', 'connect-four-v3').trainOpeningPlies).toBe(1);
    expect(resolveConfig('alphazero', 'tic-tac-toe-v1').trainOpeningPlies).toBe(0);
    expect(resolveConfig('alphazero', 'tic-tac-toe-v1').fpuReduction).toBe(null);
    // a run saved before fpuReduction existed resumes searching as it trained (Q 0 for untried moves); one saved since keeps its own
    const { fpuReduction: _, ...old } = resolveConfig('alphazero', 'connect-four-v1', { fpuReduction: null });
    const state = (config: object) => ({ dir: '/ck', meta: null, manifest: {} as LoadedCheckpoint['manifest'], files: new Map([['state.json', new TextEncoder().encode(JSON.stringify({ update: 3, config }))]]) });
    expect(readTrainingState(state(old)).config.fpuReduction).toBe(null);
    expect(readTrainingState(state({ ...old, fpuReduction: 1 })).config.fpuReduction).toBe(1);
    expect(() => resolveConfig('alphazero', 'connect-four-v1', { fpuReduction: -1 })).toThrow(/fpuReduction/);
    expect(() => resolveConfig('alphazero', 'connect-four-v1', { fastSimulations: 50 })).toThrow(/fastSimulations \(50\) must be below simulations \(50\)/);
    expect(resolveConfig('alphazero', 'connect-four-v1', { fastSimulations: 20 }).fullSearchRate).toBe(0.25);
  });

  it("Connect Four's defaults are the ninth hour's settings; a config file still overrides each", () => {
    const c = resolveConfig('alphazero', 'connect-four-v1');
    expect([c.network, c.policyHead, c.convReduce, c.simulations, c.treeReuse, c.randomMoveRate]).toEqual(['conv', 'columns', 8, 50, true, 0.15]);
    // every version of the game trains with them (the observation differs, not the game)
    for (const v of ['connect-four-v2', 'connect-four-v3', 'connect-four']) {
      const cv = resolveConfig('alphazero', getGame(v).info.id);
      expect([cv.network, cv.policyHead, cv.convReduce, cv.simulations, cv.treeReuse, cv.randomMoveRate, cv.evalAgents]).toEqual(['conv', 'columns', 8, 50, true, 0.15, c.evalAgents]);
    }
    const earlier = resolveConfig('alphazero', 'connect-four-v1', { policyHead: 'dense', convReduce: 0, simulations: 100, treeReuse: false, randomMoveRate: 0 });
    expect([earlier.policyHead, earlier.convReduce, earlier.simulations, earlier.treeReuse, earlier.randomMoveRate]).toEqual(['dense', 0, 100, false, 0]);
    // an MLP asked for without the head settings gets the dense head (it has no trunk's columns to read); naming the head still refuses
    expect(resolveConfig('alphazero', 'connect-four-v1', { network: 'mlp' }).policyHead).toBe('dense');
    expect(resolveConfig('alphazero', 'connect-four-v1', { network: 'mlp' }).convReduce).toBe(0);
    expect(() => resolveConfig('alphazero', 'connect-four-v1', { network: 'mlp', policyHead: 'columns' })).toThrow(/policyHead 'columns' reads a conv trunk's board columns: set network 'conv'/);
    // tic-tac-toe keeps the generic ones
    const t = resolveConfig('alphazero', 'tic-tac-toe-v1');
    expect([t.simulations, t.treeReuse, t.randomMoveRate]).toEqual([100, false, 0]);
  });
});

describe('expert iteration end to end', () => {
  // the synchronous feed: the run is the same from the seed on any machine (the asynchronous one depends on timing)
  it('learns tic-tac-toe in worker threads: its greedy policy stops losing to random and draws more against minimax', async () => {
    const dir = tmp();
    const info = ticTacToe.info;
    const config = resolveConfig('alphazero', 'tic-tac-toe-v1', { totalSteps: 12_000, simulations: 48, hidden: [64, 64], learningStarts: 500, evalEvery: 0, checkpointEvery: 1000, seed: 2, workers: 2, async: false });
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.globalStep).toBeGreaterThanOrEqual(12_000);
    const rows = readMetrics(dir);
    expect(rows.at(-1)!['charts/replay_size']).toBeGreaterThan(0);
    // no random moves at the default randomMoveRate 0, and the count is logged as such
    expect(rows.filter((r) => r['search/random_moves_per_game'] === 0).length).toBeGreaterThan(10);
    expect(rows.every((r) => (r['search/random_moves_per_game'] ?? 0) === 0)).toBe(true);
    expect(rows.every((r) => (r['search/kept_visits'] ?? 0) === 0)).toBe(true);
    // the policy learned the search's targets: its cross-entropy to them fell from the first trained update
    const losses = rows.map((r) => r['losses/policy_loss']).filter((x): x is number => typeof x === 'number');
    expect(losses.at(-1)!).toBeLessThan(losses[0]! - 0.3);
    const greedy = await createAgent(`greedy:${dir}`, info, 1);
    const vsRandom = playSeries({ game: ticTacToe, agents: [greedy, await createAgent('random', info, 2)], games: 100, seed: 3 });
    expect(vsRandom.wins[1]).toBeLessThanOrEqual(5);
    expect(vsRandom.score).toBeGreaterThan(0.8);
    const vsMinimax = playSeries({ game: ticTacToe, agents: [greedy, await createAgent('minimax', info, 4)], games: 100, seed: 5 });
    expect(vsMinimax.wins[1]).toBeLessThanOrEqual(20);
    // --resume continues from the checkpoint (weights, optimizer, counters); the replay window refills from new games
    const resumed = await runTraining({ config: { ...config, totalSteps: 14_000 }, outDir: dir, resume: true });
    expect(resumed.updates).toBeGreaterThan(summary.updates);
    const after = readMetrics(dir).filter((r) => (r.update as number) > summary.updates);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!['charts/replay_size']).toBeLessThan(rows.at(-1)!['charts/replay_size'] as number);
  }, 120_000);

  it('trains Connect Four with the column move head and tree reuse: the policy learns the search, and the exported agent plays greedy and with search', async () => {
    const dir = tmp();
    const info = connectFour.info;
    const config = resolveConfig('alphazero', info.id, { totalSteps: 12_000, simulations: 16, hidden: [32], convChannels: 8, convReduce: 4, policyHead: 'columns', randomMoveRate: 0.1, treeReuse: true, learningStarts: 600, evalEvery: 0, checkpointEvery: 1000, seed: 1, workers: 2, async: false });
    expect(config.columnReach).toBe(3);
    await runTraining({ config, outDir: dir, resume: false });
    const rows = readMetrics(dir);
    // the random moves it played are logged per game finished (about 0.1 × the searched plies)
    const random = rows.map((r) => r['search/random_moves_per_game']).filter((x): x is number => typeof x === 'number');
    expect(random.length).toBeGreaterThan(40);
    expect(random.reduce((a, x) => a + x, 0) / random.length).toBeGreaterThan(0.5);
    // and with treeReuse each search started from the visits kept from the move before (16 simulations are added to them)
    const kept = rows.map((r) => r['search/kept_visits']).filter((x): x is number => typeof x === 'number');
    expect(kept.reduce((a, x) => a + x, 0) / kept.length).toBeGreaterThan(2);
    // the policy moved toward the search's targets: the KL divergence of the policy from π (the cross-entropy less π's own
    // entropy, which tree reuse lowers as the run goes) fell (seed 1, the synchronous feed: 62 updates,
    // 0.599 → 0.544 from the first ten updates' mean to the last ten's)
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    const kl = rows.filter((r) => typeof r['losses/policy_loss'] === 'number').map((r) => (r['losses/policy_loss'] as number) - (r['search/target_entropy'] as number));
    expect(kl.length).toBeGreaterThan(40);
    expect(mean(kl.slice(-10))).toBeLessThan(mean(kl.slice(0, 10)) - 0.03);
    // the exported checkpoint loads into both modes (the mcts agent reads its priors from the column head) and plays
    for (const spec of [`greedy:${dir}`, `mcts:${dir}:16`]) {
      const agent = await createAgent(spec, info, 1);
      const series = playSeries({ game: connectFour, agents: [agent, await createAgent('random', info, 2)], games: 4, seed: 3 });
      expect(series.wins[0] + series.wins[1] + series.draws).toBe(4);
    }
    // an expert-iteration network is searched with its first-play urgency unless the spec names one (`:fpu<r>`, `:fpuoff` for Q 0)
    for (const [words, fpu] of [['', ALPHAZERO_PLAY_FPU], [':fpuoff', null], [':fpu1', 1]] as const) {
      for (const spec of [`mcts:${dir}:16${words}`, `mcts:greedy:${dir}:16${words}`]) {
        const agent = await createAgent(spec, info, 1);
        expect((agent as MctsAgent).fpuReduction, spec).toBe(fpu);
        agent.dispose?.();
      }
    }
    // and the server's lobby says so, the network's default included
    expect((await resolveAgentList([`mcts:${dir}:16`, `mcts:${dir}:16:fpuoff`])).map((a) => a.play)).toEqual([
      `search, 16 simulations per move, untried moves valued the network's value − ${ALPHAZERO_PLAY_FPU}`,
      'search, 16 simulations per move, untried moves valued 0',
    ]);
  }, 120_000);
});
