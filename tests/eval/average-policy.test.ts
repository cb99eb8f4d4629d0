/**
 * The XFP average policy: hand-computed reach-weighted averages on Kuhn, averages of equilibria,
 * the file format, the table agent, run-folder resolution (`last:` / `greedy:`), rebuilding from a
 * league's snapshots, and `arena average-policy`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { kuhnNashPolicy } from '../../agents/kuhn-nash.ts';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { TablePolicyAgent } from '../../agents/table-agent.ts';
import { AgentMismatchError, ArenaError, CheckpointError, ConfigError, type GameState } from '../../core/index.ts';
import { kuhnPoker } from '../../games/kuhn-poker.ts';
import { leducPoker } from '../../games/leduc-poker.ts';
import { League } from '../../league/league.ts';
import { RunningMeanStd } from '../../src/algorithms/running-stats.ts';
import { selectBackend } from '../../src/backend.ts';
import {
  accumulateSnapshot,
  iterateWeight,
  AVERAGE_POLICY_FILE,
  averageFromLeague,
  AveragePolicy,
  averagePolicyAgent,
  runAveraging,
  runIterateWeights,
  snapshotPolicy,
} from '../../src/eval/average-policy.ts';
import { agentPolicy, nashConv, type PolicyFn } from '../../src/eval/exploitability.ts';
import { policyTable, policyTableObject } from '../../src/eval/policy-table.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/loop.ts';
import { savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

/** Kuhn policy from a table of bet probabilities by information state (default `rest`). */
const betting =
  (bets: Record<string, number>, rest = 0.5): PolicyFn =>
  (state, seat, out) => {
    const p = bets[state.informationState(seat)] ?? rest;
    out[0] = 1 - p;
    out[1] = p;
  };
const nash =
  (alpha: number): PolicyFn =>
  (state, seat, out) => {
    const [pass, bet] = kuhnNashPolicy(state.informationState(seat), alpha);
    out[0] = pass;
    out[1] = bet;
  };

/** The average's probabilities by information state (Kuhn's strings are unique across seats). */
const table = (avg: AveragePolicy) => policyTableObject(policyTable(avg.game, avg.policyFn()));
const entry = (avg: AveragePolicy, info: string) => avg.toJSON().states.find((s) => s.info === info)!;

const tempDir = tempDirs('arena-avg-');
beforeAll(async () => {
  await selectBackend('cpu');
});

describe('AveragePolicy: XFP reach weighting', () => {
  it('hand-computed Kuhn average of two weighted iterates', () => {
    // iterate 1 (weight 1): seat 0 with J opens with a bet 0.8 and calls after check–bet 0.5; seat 1 with J calls a bet 0.1
    // iterate 2 (weight 3): 0.2, 0.9 and 0.7; every other state bets 0.5
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(betting({ '0': 0.8, '0pb': 0.5, '0b': 0.1 }), 1);
    avg.accumulate(betting({ '0': 0.2, '0pb': 0.9, '0b': 0.7 }), 3);
    expect(avg.iterates).toBe(2);
    expect(avg.totalWeight).toBe(4);
    expect(avg.infoStates).toBe(12);
    const t = table(avg);
    // '0': own reach 1 for both → plain weighted mean (1·0.8 + 3·0.2) / 4
    expect(t['0']![1]).toBeCloseTo(0.35, 12);
    expect(entry(avg, '0').reach).toBeCloseTo(4, 12);
    // '0pb': own reach = P(check at '0') = 0.2 and 0.8 → (1·0.2·0.5 + 3·0.8·0.9) / (1·0.2 + 3·0.8)
    expect(t['0pb']![1]).toBeCloseTo(2.26 / 2.6, 12);
    expect(entry(avg, '0pb').reach).toBeCloseTo(2.6, 12);
    expect(entry(avg, '0pb').sums[1]).toBeCloseTo(2.26, 12);
    // seat 1's first decision: its own reach is 1 (the opponent's and chance's moves do not count)
    expect(t['0b']![1]).toBeCloseTo((0.1 + 3 * 0.7) / 4, 12);
    // states where both iterates play 0.5 stay 0.5
    expect(t['1']).toEqual([0.5, 0.5]);
  });

  it('a state one iterate never reaches takes the other iterate’s probabilities only', () => {
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(betting({}, 1)); // always bet: never checks, so never reaches '?pb'
    avg.accumulate(betting({}, 0)); // always pass
    const t = table(avg);
    expect(t['1']).toEqual([0.5, 0.5]);
    expect(t['1pb']).toEqual([1, 0]); // the plain mean would say [0.5, 0.5]
    expect(entry(avg, '1pb').reach).toBe(1);
    expect(t['1p']).toEqual([0.5, 0.5]);
  });

  it('a state no iterate reaches is uniform over its legal actions; an empty average is uniform', () => {
    const avg = new AveragePolicy(kuhnPoker);
    expect(table(avg)['2pb']).toEqual([0.5, 0.5]);
    avg.accumulate(betting({}, 1));
    expect(entry(avg, '2pb').reach).toBe(0);
    expect(table(avg)['2pb']).toEqual([0.5, 0.5]);
    expect(table(avg)['2']).toEqual([0, 1]);
    const leduc = new AveragePolicy(leducPoker);
    expect(leduc.infoStates).toBe(936);
    const opening = leduc.toJSON().states.find((s) => s.info.startsWith('[Observer: 0][Private: 0][Round 1]'))!;
    expect(opening.legal).toEqual([1, 2]);
    expect(opening.policy).toEqual([0, 0.5, 0.5]); // fold is illegal when not facing a bet
  });

  it('refuses bad weights and invalid iterates', () => {
    const avg = new AveragePolicy(kuhnPoker);
    expect(() => avg.accumulate(betting({}), 0)).toThrow(ConfigError);
    expect(() => avg.accumulate(betting({}), Number.NaN)).toThrow(/weight must be a finite number > 0/);
    expect(() => avg.accumulate((_s, _p, out) => void (out[0] = 0.7))).toThrow(/sum to 0.7/);
    expect(avg.iterates).toBe(0);
  });
});

describe('AveragePolicy: convergence properties', () => {
  it('the average of Kuhn equilibria (α = 0, 1/3, 1/6, weighted 1, 2, 3) is an equilibrium', () => {
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(nash(0), 1);
    avg.accumulate(nash(1 / 3), 2);
    avg.accumulate(nash(1 / 6), 3);
    const r = nashConv(kuhnPoker, avg.policyFn());
    expect(r.exploitability).toBeLessThan(1e-9);
    expect(r.policyValues[0]).toBeCloseTo(-1 / 18, 12);
    // seat 0 opens J with the weighted α: (0 + 2/3 + 3/6) / 6
    expect(table(avg)['0']![1]).toBeCloseTo((2 / 3 + 1 / 2) / 6, 12);
  });

  it('a policy and its opposite average to something less exploitable', () => {
    // seat 1 bluffs J after a check 1/3 ± 0.3 around the equilibrium: each is exploitable, the average is not
    const plus: PolicyFn = (s, seat, out) => (nash(1 / 6)(s, seat, out), s.informationState(seat) === '0p' && ((out[1] = 1 / 3 + 0.3), (out[0] = 1 - out[1]!)));
    const minus: PolicyFn = (s, seat, out) => (nash(1 / 6)(s, seat, out), s.informationState(seat) === '0p' && ((out[1] = 1 / 3 - 0.3), (out[0] = 1 - out[1]!)));
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(plus);
    avg.accumulate(minus);
    expect(nashConv(kuhnPoker, plus).exploitability).toBeGreaterThan(0.01);
    expect(nashConv(kuhnPoker, minus).exploitability).toBeGreaterThan(0.01);
    expect(nashConv(kuhnPoker, avg.policyFn()).exploitability).toBeLessThan(1e-9);

    // Leduc, raise-happy vs call-happy: exploitability is convex in the sequence form, so the
    // average is no worse than the mean of the two and better than the worse one
    const lean =
      (q: number): PolicyFn =>
      (s, seat, out) => {
        const mask = new Uint8Array(3);
        s.legalMask(seat, mask);
        let t = 0;
        for (let x = 0; x < 3; x++) t += out[x] = mask[x] ? (x === 2 ? q : 1 - q) + 0.01 : 0;
        for (let x = 0; x < 3; x++) out[x]! /= t;
      };
    const leduc = new AveragePolicy(leducPoker);
    leduc.accumulate(lean(0.9));
    leduc.accumulate(lean(0.1));
    const la = nashConv(leducPoker, lean(0.9)).exploitability;
    const lb = nashConv(leducPoker, lean(0.1)).exploitability;
    const lm = nashConv(leducPoker, leduc.policyFn()).exploitability;
    expect(lm).toBeLessThanOrEqual((la + lb) / 2 + 1e-12);
    expect(lm).toBeLessThan(Math.max(la, lb));
  });
});

describe('AveragePolicy.mix and arena mix-policy', () => {
  it('hand-computed Kuhn mixture: each part weighted by its own reach over its total weight', () => {
    // part A (one iterate, weight 2): '0' bets 0.8, '0pb' calls 0.5; part B (weight 5): 0.2 and 0.9
    const a = new AveragePolicy(kuhnPoker);
    a.accumulate(betting({ '0': 0.8, '0pb': 0.5 }), 2);
    const b = new AveragePolicy(kuhnPoker);
    b.accumulate(betting({ '0': 0.2, '0pb': 0.9 }), 5);
    const m = AveragePolicy.mix([a, b]);
    expect(m.iterates).toBe(2);
    expect(m.totalWeight).toBe(2);
    const t = table(m);
    // '0': both reach it → the plain mean, whatever each part's total weight
    expect(t['0']![1]).toBeCloseTo(0.5, 12);
    // '0pb': reached after a check, 0.2 by A and 0.8 by B → (0.2·0.5 + 0.8·0.9) / (0.2 + 0.8)
    expect(t['0pb']![1]).toBeCloseTo(0.82, 12);
    expect(entry(m, '0pb').reach).toBeCloseTo(1, 12);
    // a part mixed with itself is itself
    expect(table(AveragePolicy.mix([a, a]))).toEqual(table(a));
  });

  it('mixes a policy and its opposite into an equilibrium; refuses no parts, an empty part and another game', () => {
    const plus: PolicyFn = (s, seat, out) => (nash(1 / 6)(s, seat, out), s.informationState(seat) === '0p' && ((out[1] = 1 / 3 + 0.3), (out[0] = 1 - out[1]!)));
    const minus: PolicyFn = (s, seat, out) => (nash(1 / 6)(s, seat, out), s.informationState(seat) === '0p' && ((out[1] = 1 / 3 - 0.3), (out[0] = 1 - out[1]!)));
    const a = new AveragePolicy(kuhnPoker);
    a.accumulate(plus, 3);
    const b = new AveragePolicy(kuhnPoker);
    b.accumulate(minus, 1);
    expect(nashConv(kuhnPoker, a.policyFn()).exploitability).toBeGreaterThan(0.01);
    expect(nashConv(kuhnPoker, AveragePolicy.mix([a, b]).policyFn()).exploitability).toBeLessThan(1e-9);
    expect(() => AveragePolicy.mix([])).toThrow(ConfigError);
    expect(() => AveragePolicy.mix([a, new AveragePolicy(kuhnPoker)])).toThrow(/average policy 2 is empty/);
    const leduc = new AveragePolicy(leducPoker);
    leduc.accumulate((s, seat, out) => {
      const mask = new Uint8Array(3);
      s.legalMask(seat, mask);
      const n = mask.reduce((x, y) => x + y, 0);
      for (let x = 0; x < 3; x++) out[x] = mask[x]! / n;
    });
    expect(() => AveragePolicy.mix([a, leduc])).toThrow(/plays leduc-poker-v1, the first kuhn-poker-v1/);
  });

  it('arena mix-policy: reads run folders or files, writes the mixture, prints every exploitability', async () => {
    const dir = tempDir();
    const a = new AveragePolicy(kuhnPoker);
    a.accumulate(betting({ '0': 0.8, '1p': 0.9 }), 1);
    const b = new AveragePolicy(kuhnPoker);
    b.accumulate(betting({ '0': 0.1, '1p': 0.2 }), 4);
    await a.save(join(dir, 'a.json'));
    await b.save(join(dir, 'b.json'));
    const out = join(dir, 'mix.json');
    const r = arena(['mix-policy', '--agents', `${join(dir, 'a.json')},${join(dir, 'b.json')}`, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const mixed = AveragePolicy.mix([a, b]);
    expect(j.exploitability).toBeCloseTo(nashConv(kuhnPoker, mixed.policyFn()).exploitability, 12);
    expect(j.inputs.map((x: { exploitability: number }) => x.exploitability)).toEqual([nashConv(kuhnPoker, a.policyFn()).exploitability, nashConv(kuhnPoker, b.policyFn()).exploitability]);
    expect(j.exploitability).toBeLessThanOrEqual((j.inputs[0].exploitability + j.inputs[1].exploitability) / 2 + 1e-12);
    expect(table(await AveragePolicy.load(out))).toEqual(table(mixed));
    const one = arena(['mix-policy', '--agents', join(dir, 'a.json'), '--out', out]);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toMatch(/at least two average policies/);
  });
});

describe('AveragePolicy: file', () => {
  const sample = () => {
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(betting({ '0': 0.8, '0pb': 0.5 }), 1);
    avg.accumulate(betting({ '0': 0.2, '0pb': 0.9 }), 3);
    return avg;
  };

  it('round-trips through save / load exactly, atomically', async () => {
    const dir = tempDir();
    const path = join(dir, AVERAGE_POLICY_FILE);
    const avg = sample();
    await avg.save(path);
    expect(readdirSync(dir)).toEqual([AVERAGE_POLICY_FILE]); // no temp file left behind
    const back = await AveragePolicy.load(path);
    expect(back.toJSON()).toEqual(avg.toJSON());
    expect(back.iterates).toBe(2);
    expect(back.totalWeight).toBe(4);
    expect(table(back)).toEqual(table(avg));
    // accumulating after a load continues the same sums
    avg.accumulate(nash(0));
    back.accumulate(nash(0));
    expect(back.toJSON()).toEqual(avg.toJSON());
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toHaveLength(12 + 3); // header, one line per state, closing bracket, final newline
    expect(JSON.parse(text).format).toBe('arena-average-policy');
  });

  it('refuses corrupt or foreign files with a clear CheckpointError', async () => {
    const dir = tempDir();
    const good = sample().toJSON();
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    type Loose = Record<string, unknown> & { states: Record<string, unknown>[] };
    const mutate = (f: (d: Loose) => void) => {
      const d = structuredClone(good) as unknown as Loose;
      f(d);
      return JSON.stringify(d);
    };
    const cases: [string, string, RegExp][] = [
      ['truncated', JSON.stringify(good).slice(0, 200), /is not valid JSON/],
      ['format', mutate((d) => (d['format'] = 'arena-snapshot')), /is not an average policy/],
      ['version', mutate((d) => (d['version'] = 2)), /version 2/],
      ['game', mutate((d) => (d['game'] = 'chess-v1')), /unknown game 'chess-v1'/],
      ['other game', mutate((d) => (d['game'] = 'leduc-poker-v1')), /has 2 actions per state; leduc-poker-v1 has 3/],
      ['sum', mutate((d) => ((d.states[0]!['policy'] as number[])[0] = 0.9)), /policy probabilities sum to 1.25, not 1/],
      ['ratio', mutate((d) => ((d.states[0]!['policy'] as number[]).reverse())), /policy\[0\] = 0\.35\d* but sums \/ reach gives 0\.65/],
      ['nan', mutate((d) => ((d.states[1]!['sums'] as (number | null)[])[0] = null)), /sums must be 2 finite non-negative numbers/],
      ['reach', mutate((d) => (d.states[2]!['reach'] = 99)), /sums add up to .*, not the reach 99/],
      ['missing', mutate((d) => d.states.pop()), /has 11 information states; kuhn-poker-v1 has 12/],
      ['unknown', mutate((d) => (d.states[0]!['info'] = '9')), /state "9" of seat 0, which is not an information state/],
      ['legal', mutate((d) => (d.states[0]!['legal'] = [1])), /legal actions \[1\], but the game has \[0,1\]/],
    ];
    for (const [name, text, message] of cases) {
      const p = write(`${name}.json`, text);
      const err = await AveragePolicy.load(p).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(CheckpointError);
      expect((err as Error).message, name).toMatch(message);
      expect((err as Error).message.startsWith(p), name).toBe(true);
      expect((err as Error).message, name).not.toContain('\n');
    }
    await expect(AveragePolicy.load(join(dir, 'nope.json'))).rejects.toThrow(/cannot read the average policy/);
  });
});

describe('TablePolicyAgent', () => {
  it('reports the table exactly: its exploitability equals the table’s', () => {
    const avg = new AveragePolicy(leducPoker);
    avg.accumulate((s, seat, out) => {
      const mask = new Uint8Array(3);
      const n = s.legalMask(seat, mask);
      for (let a = 0; a < 3; a++) out[a] = mask[a] ? 1 / n : 0;
    });
    avg.accumulate((_s, _seat, out) => void (out[1] = 1));
    const agent = new TablePolicyAgent({ name: 'avg', policy: avg.policyFn(), info: leducPoker.info });
    expect(nashConv(leducPoker, agentPolicy(agent))).toEqual(nashConv(leducPoker, avg.policyFn()));
  });

  it('samples the table with its seeded RNG; greedy takes the most probable action', () => {
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(betting({ '0': 0.3 }));
    const state = kuhnPoker.newState(0);
    state.apply(0); // deal J to seat 0
    state.apply(1); // deal Q to seat 1
    expect(state.informationState(0)).toBe('0');
    const agent = new TablePolicyAgent({ name: 'avg', policy: avg.policyFn(), info: kuhnPoker.info, seed: 5 });
    const draw = (n: number) => Array.from({ length: n }, () => agent.act(state, 0));
    const first = draw(4000);
    expect(first.filter((a) => a === 1).length / 4000).toBeCloseTo(0.3, 1);
    agent.reset(5);
    expect(draw(4000)).toEqual(first);
    const greedy = new TablePolicyAgent({ name: 'avg', policy: avg.policyFn(), info: kuhnPoker.info, deterministic: true });
    expect(greedy.act(state, 0)).toBe(0);
    const out = new Float64Array(2);
    greedy.actionProbabilities(state, 0, out);
    expect(Array.from(out)).toEqual([1, 0]);
  });
});

const KUHN_SPEC: PolicySpec = {
  obsSize: kuhnPoker.info.observationSize,
  criticInputSize: kuhnPoker.info.observationSize,
  head: 'categorical',
  actions: kuhnPoker.info.actions,
  hidden: [8],
  activation: 'tanh',
};

describe('run folders: the exported policy', () => {
  /** A Kuhn run folder with a last-iterate checkpoint, a config exporting the average, and the average. */
  const runFolder = async (exportPolicy: 'last' | 'average', withAverage = true) => {
    const dir = tempDir();
    const config = resolveConfig('ppo', 'kuhn-poker-v1');
    const policy = new ActorCritic(KUHN_SPEC, 3);
    await savePolicyCheckpoint(dir, { policy, optimizer: null, state: { config, update: 1, globalStep: 100, obsRms: null, rng: [1, 2, 3, 4], elapsedSeconds: 1 } });
    policy.dispose();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, exportPolicy }));
    const avg = new AveragePolicy(kuhnPoker);
    avg.accumulate(nash(0));
    avg.accumulate(nash(1 / 3));
    if (withAverage) await avg.save(join(dir, AVERAGE_POLICY_FILE));
    return { dir, avg };
  };
  const probs = (agent: { actionProbabilities?: (s: GameState, seat: number, out: Float64Array) => void }) => {
    const state = kuhnPoker.newState(0);
    state.apply(2);
    state.apply(0);
    const out = new Float64Array(2);
    agent.actionProbabilities!(state, 0, out); // K opens
    return Array.from(out);
  };

  it('a run exporting the average plays it; last: forces the checkpoint; greedy: composes', async () => {
    const { dir, avg } = await runFolder('average');
    const a = await createAgent(dir, kuhnPoker.info, 1);
    expect(a).toBeInstanceOf(TablePolicyAgent);
    expect(probs(a)[1]).toBeCloseTo(0.5, 12); // K opens with 3α: (0 + 1) / 2
    expect(nashConv(kuhnPoker, agentPolicy(a)).exploitability).toBe(nashConv(kuhnPoker, avg.policyFn()).exploitability);
    const last = await createAgent(`last:${dir}`, kuhnPoker.info, 1);
    expect(last).toBeInstanceOf(PolicyAgent);
    last.dispose?.();
    const greedy = await createAgent(`greedy:${dir}`, kuhnPoker.info, 1);
    expect(greedy).toBeInstanceOf(TablePolicyAgent);
    expect(probs(greedy)).toEqual([1, 0]); // a tie: the first action
    for (const spec of [`greedy:last:${dir}`, `last:greedy:${dir}`]) {
      const g = await createAgent(spec, kuhnPoker.info, 1);
      expect(g).toBeInstanceOf(PolicyAgent);
      expect(probs(g).sort()).toEqual([0, 1]);
      g.dispose?.();
    }
    // the file itself is an agent spec
    expect(await createAgent(join(dir, AVERAGE_POLICY_FILE), kuhnPoker.info)).toBeInstanceOf(TablePolicyAgent);
    await expect(createAgent(dir, leducPoker.info)).rejects.toThrow(AgentMismatchError);
  });

  it('a run exporting its last iterate ignores the file; a missing average is a clear error', async () => {
    const { dir } = await runFolder('last');
    const a = await createAgent(dir, kuhnPoker.info);
    expect(a).toBeInstanceOf(PolicyAgent);
    a.dispose?.();
    expect(await averagePolicyAgent(dir, kuhnPoker.info)).toBeNull();
    const missing = await runFolder('average', false);
    await expect(createAgent(missing.dir, kuhnPoker.info)).rejects.toThrow(CheckpointError);
    await expect(createAgent(missing.dir, kuhnPoker.info)).rejects.toThrow(/average-policy.json: is missing.*arena average-policy .*last:/);
    const b = await createAgent(`last:${missing.dir}`, kuhnPoker.info);
    expect(b).toBeInstanceOf(PolicyAgent);
    b.dispose?.();
  });

  it('arena exploitability --agent <run> evaluates the average', async () => {
    const { dir, avg } = await runFolder('average');
    const r = arena(['exploitability', '--agent', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).exploitability).toBeCloseTo(nashConv(kuhnPoker, avg.policyFn()).exploitability, 12);
  });
});

describe('snapshots and leagues', () => {
  const snapshot = (seed: number, obsRms: RunningMeanStd | null = null) => {
    const policy = new ActorCritic(KUHN_SPEC, seed);
    const blob = encodeSnapshot({ game: kuhnPoker.info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: obsRms?.toJSON() ?? null });
    return { policy, blob };
  };

  it('snapshotPolicy gives the same probabilities as the tfjs policy (with obsRms)', () => {
    const rms = new RunningMeanStd(KUHN_SPEC.obsSize);
    rms.update(Float32Array.from({ length: 3 * KUHN_SPEC.obsSize }, (_, i) => (i % 5) * 0.7), 3);
    for (const obsRms of [null, rms]) {
      const { policy, blob } = snapshot(11, obsRms);
      const fromBytes = policyTable(kuhnPoker, snapshotPolicy(blob, kuhnPoker.info));
      const agent = new PolicyAgent({ name: 'tfjs', policy, obsRms, info: kuhnPoker.info });
      const fromTf = policyTable(kuhnPoker, agentPolicy(agent));
      fromBytes.rows.forEach((row, i) => row.probs.forEach((p, a) => expect(p).toBeCloseTo(fromTf.rows[i]!.probs[a]!, 5)));
      policy.dispose();
    }
    expect(() => snapshotPolicy(snapshot(1).blob, leducPoker.info)).toThrow(AgentMismatchError);
    expect(() => snapshotPolicy(new Uint8Array([1, 2, 3]), kuhnPoker.info)).toThrow(CheckpointError);
  });

  it('averageFromLeague averages the learner’s snapshots from a given update', () => {
    const dir = tempDir();
    const league = League.open({ runDir: dir, game: kuhnPoker.info.id });
    const blobs = [0, 10, 20].map((update, i) => {
      const { policy, blob } = snapshot(i + 1);
      policy.dispose();
      league.addSnapshot('main', update, blob);
      return blob;
    });
    league.close();

    const all = averageFromLeague(dir);
    expect(all.iterates).toBe(3);
    const late = averageFromLeague(dir, { from: 10 });
    const manual = new AveragePolicy(kuhnPoker);
    // the trainer's weights by default: (update + 1)²
    accumulateSnapshot(manual, blobs[1]!, iterateWeight(10));
    accumulateSnapshot(manual, blobs[2]!, iterateWeight(20));
    expect(iterateWeight(10)).toBe(121);
    expect(late.toJSON()).toEqual(manual.toJSON());
    const linear = averageFromLeague(dir, { weight: (u) => u + 1 });
    expect(linear.totalWeight).toBe(1 + 11 + 21);

    expect(() => averageFromLeague(dir, { from: 21 })).toThrow(/no snapshot of 'main' at update >= 21 \(the latest is main@000020, update 20\)/);
    expect(() => averageFromLeague(dir, { learner: 'main_exploiter' })).toThrow(ConfigError);
    const none = tempDir();
    expect(() => averageFromLeague(none)).toThrow(ArenaError);
    expect(existsSync(join(none, 'league.db'))).toBe(false);

    // the CLI writes <run>/average-policy.json and reports its exploitability
    const r = arena(['average-policy', dir, '--from', '10', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ game: 'kuhn-poker-v1', snapshots: 2, from: 10, out: join(dir, AVERAGE_POLICY_FILE) });
    expect(out.exploitability).toBeCloseTo(nashConv(kuhnPoker, manual.policyFn()).exploitability, 12);
    expect(readFileSync(join(dir, AVERAGE_POLICY_FILE), 'utf8')).toContain('"iterates":2');
    const bad = arena(['average-policy', dir, '--from', '99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^arena: .*no snapshot of 'main' at update >= 99/);
  });
});

describe('step-size weights (averageWeights update-squared-lr)', () => {
  it('hand-computed: (update + 1)² times the update\'s learning rate over the initial one, read from the metrics', () => {
    expect(iterateWeight(9, 0.5)).toBe(100); // update-squared ignores the learning rate
    expect(iterateWeight(9, 0.5, 'update-squared-lr')).toBe(50);
    const dir = tempDir();
    // logged learning rates at updates 0, 10 and 20 (the rows between are missing: the nearest earlier row counts)
    writeFileSync(join(dir, 'metrics.jsonl'), [0, 10, 20].map((u) => JSON.stringify({ global_step: u, update: u, 'charts/learning_rate': 0.001 * (1 - u / 40) })).join('\n') + '\n');
    const w = runIterateWeights(dir, 'update-squared-lr', 0.001);
    expect(w(0)).toBeCloseTo(1, 12);
    expect(w(15)).toBeCloseTo(256 * 0.75, 9);
    expect(w(20)).toBeCloseTo(441 * 0.5, 9);
    expect(runIterateWeights(dir, 'update-squared', 0.001)(20)).toBe(441);
    // no metrics (yet): the initial learning rate
    expect(runIterateWeights(tempDir(), 'update-squared-lr', 0.001)(7)).toBe(64);
    // a run's own rule, from its config (one saved before the option: update-squared)
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ lr: 0.002, averageWeights: 'update-squared-lr' }));
    expect(runAveraging(dir)).toEqual({ weights: 'update-squared-lr', lr: 0.002 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ lr: 0.002 }));
    expect(runAveraging(dir)).toEqual({ weights: 'update-squared', lr: 0.002 });
    writeFileSync(join(dir, 'config.json'), '{ not json');
    expect(() => runAveraging(dir)).toThrow(CheckpointError);
  });

  it('a run trained with them exports the average its league and metrics rebuild, which (update + 1)² would not', async () => {
    const dir = tempDir();
    const config = resolveConfig('ppo', kuhnPoker.info.id, { league: true, workers: 1, envs: 16, steps: 4, totalSteps: 16 * 4 * 12, snapshotEvery: 2, evalEvery: 0, checkpointEvery: 4, averageWeights: 'update-squared-lr', lr: 0.01 });
    expect(config.annealLr).toBe(true);
    const summary = await runTraining({ config, outDir: dir, resume: false });
    expect(summary.updates).toBe(12);
    const saved = await AveragePolicy.load(join(dir, AVERAGE_POLICY_FILE));
    const rebuilt = averageFromLeague(dir, { weight: runIterateWeights(dir, 'update-squared-lr', config.lr) });
    expect(saved.iterates).toBe(7); // updates 0, 2, …, 12
    expect(saved.totalWeight).toBeCloseTo(rebuilt.totalWeight, 6);
    const a = table(saved);
    const b = table(rebuilt);
    for (const [info, probs] of Object.entries(b)) (probs as number[]).forEach((p, i) => expect((a as Record<string, number[]>)[info]![i]).toBeCloseTo(p, 9));
    // the learning rate fell to (1 − 12/12)… so the late snapshots weigh less than (update + 1)² gives them
    const squared = averageFromLeague(dir);
    expect(saved.totalWeight).toBeLessThan(squared.totalWeight * 0.8);
    // the CLI rebuilds with the run's rule unless told otherwise
    const r = JSON.parse(arena(['average-policy', dir, '--out', join(dir, 'rebuilt.json'), '--json']).stdout);
    expect(r.weights).toBe('update-squared-lr');
    expect(r.exploitability).toBeCloseTo(nashConv(kuhnPoker, saved.policyFn()).exploitability, 9);
    const other = arena(['average-policy', dir, '--weights', 'update-squared', '--out', join(dir, 'squared.json'), '--json']);
    expect(JSON.parse(other.stdout).exploitability).toBeCloseTo(nashConv(kuhnPoker, squared.policyFn()).exploitability, 9);
    const bad = arena(['average-policy', dir, '--weights', 'cubic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^arena: --weights must be 'update-squared' or 'update-squared-lr', got 'cubic'$/);
  });
});
