/**
 * V-trace (Espeholt et al. 2018, eq. 1 and §4.2) on hand-computed numbers: truncated importance
 * weights, a termination and a truncation inside a segment, the on-policy reduction to GAE's returns,
 * the effect of ρ̄ and c̄, and padding.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { computeGae } from '../../src/algorithms/advantages.ts';
import { computeVtrace, segmentNextValues, type VtraceInput } from '../../src/algorithms/vtrace.ts';

const ln = Math.log;

function run(input: VtraceInput): { adv: Float32Array; v: Float32Array; rho: Float32Array; stats: ReturnType<typeof computeVtrace> } {
  const n = input.steps * input.envs;
  const adv = new Float32Array(n);
  const v = new Float32Array(n);
  const rho = new Float32Array(n);
  const stats = computeVtrace(input, adv, v, rho);
  return { adv, v, rho, stats };
}

// Two envs, four steps, time-major (index t·2 + e); γ = 0.9, ρ̄ = 1, c̄ = 0.9, λ = 1.
// env 0: ratios π/μ = [2, 0.5, 0.8, 1.5]; terminates at t = 1 (next value 0); the segment ends at
//        t = 3 and bootstraps from V(x_4) = 3. V = [0.5, 1, 2, 1.5], r = [1, 2, 0.5, 1].
// env 1: ratios [1, 3, 0.25, 1]; truncated at t = 2 with V(final obs) = 5; the segment ends at t = 3
//        with V(x_4) = 2. V = [1, 1, 1, 1], r = [0, 1, 1, 0].
const interleave = (cols: number[][]) => cols[0]!.flatMap((_, t) => cols.map((c) => c[t]!));
const SEGMENT: VtraceInput = {
  steps: 4,
  envs: 2,
  behaviourLogProbs: interleave([
    [-1, -2, -0.5, -1.2],
    [-0.3, -2.5, -1, -0.7],
  ]),
  targetLogProbs: interleave([
    [-1 + ln(2), -2 + ln(0.5), -0.5 + ln(0.8), -1.2 + ln(1.5)],
    [-0.3, -2.5 + ln(3), -1 + ln(0.25), -0.7],
  ]),
  values: interleave([
    [0.5, 1, 2, 1.5],
    [1, 1, 1, 1],
  ]),
  nextValues: interleave([
    [1, 0, 1.5, 3],
    [1, 1, 5, 2],
  ]),
  rewards: interleave([
    [1, 2, 0.5, 1],
    [0, 1, 1, 0],
  ]),
  dones: interleave([
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ]),
  gamma: 0.9,
  rhoBar: 1,
  cBar: 0.9,
  lambda: 1,
};

describe('V-trace (Espeholt et al. 2018, eq. 1)', () => {
  it('matches hand-computed targets and advantages with truncated weights, a termination and a truncation', () => {
    const { adv, v, rho } = run(SEGMENT);
    // env 0, backwards (d_t = v_t − V(x_t)):
    //  t=3: ρ = min(1, 1.5) = 1. d3 = 1·(1 + 0.9·3 − 1.5) = 2.2 → v3 = 3.7; A3 = 2.2 (bootstrap 3)
    //  t=2: ρ = c = 0.8. d2 = 0.8·(0.5 + 0.9·1.5 − 2) + 0.9·0.8·2.2 = −0.12 + 1.584 = 1.464 → v2 = 3.464
    //       A2 = 0.8·(0.5 + 0.9·v3 − 2) = 0.8·1.83 = 1.464
    //  t=1: terminated, ρ = 0.5. d1 = 0.5·(2 + 0 − 1) = 0.5 (no trace across the end) → v1 = 1.5; A1 = 0.5
    //  t=0: ρ = 1, c = min(0.9, 2) = 0.9. d0 = 1·(1 + 0.9·1 − 0.5) + 0.9·0.9·0.5 = 1.4 + 0.405 = 1.805
    //       → v0 = 2.305; A0 = 1 + 0.9·v1 − 0.5 = 1.85
    // env 1:
    //  t=3: ρ = 1. d3 = 0 + 0.9·2 − 1 = 0.8 → v3 = 1.8; A3 = 0.8
    //  t=2: truncated, ρ = 0.25: bootstraps from V(final obs) = 5, no trace into t=3:
    //       d2 = 0.25·(1 + 0.9·5 − 1) = 1.125 → v2 = 2.125; A2 = 1.125
    //  t=1: ρ = 1, c = 0.9. d1 = 1·(1 + 0.9·1 − 1) + 0.9·0.9·1.125 = 0.9 + 0.91125 = 1.81125 → v1 = 2.81125
    //       A1 = 1 + 0.9·v2 − 1 = 1.9125
    //  t=0: ρ = 1, c = 0.9. d0 = (0 + 0.9 − 1) + 0.81·1.81125 = 1.3671125 → v0 = 2.3671125
    //       A0 = 0 + 0.9·v1 − 1 = 1.530125
    const expectedV = interleave([
      [2.305, 1.5, 3.464, 3.7],
      [2.3671125, 2.81125, 2.125, 1.8],
    ]);
    const expectedAdv = interleave([
      [1.85, 0.5, 1.464, 2.2],
      [1.530125, 1.9125, 1.125, 0.8],
    ]);
    const expectedRho = interleave([
      [1, 0.5, 0.8, 1],
      [1, 1, 0.25, 1],
    ]);
    expectedV.forEach((x, i) => expect(v[i], `v[${i}]`).toBeCloseTo(x, 5));
    expectedAdv.forEach((x, i) => expect(adv[i], `A[${i}]`).toBeCloseTo(x, 5));
    expectedRho.forEach((x, i) => expect(rho[i], `ρ[${i}]`).toBeCloseTo(x, 6));
  });

  it('reports mean ρ, the fraction of truncated ratios and the mean |ratio − 1|', () => {
    const { stats } = run(SEGMENT);
    expect(stats['vtrace/mean_rho']).toBeCloseTo((1 + 0.5 + 0.8 + 1 + 1 + 1 + 0.25 + 1) / 8, 6);
    expect(stats['vtrace/clipped_rho_frac']).toBeCloseTo(3 / 8, 6); // ratios 2, 1.5, 3
    expect(stats['vtrace/mean_abs_ratio_dev']).toBeCloseTo((1 + 0.5 + 0.2 + 0.5 + 0 + 2 + 0.75 + 0) / 8, 6);
  });

  it('on-policy with λ = 1: the targets are the n-step bootstrapped returns (GAE with λ = 1)', () => {
    const T = 6;
    const N = 3;
    const n = T * N;
    const rng = new Rng(3);
    const rewards = Array.from({ length: n }, () => rng.normal());
    const values = Array.from({ length: n }, () => rng.normal());
    const dones = Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0));
    // inside a segment the bootstrap is the next row's value; at ends, 0 (terminated) or V(final obs)
    const segmentEnd = Array.from({ length: n }, (_, i) => (dones[i] && rng.next() < 0.5 ? 0 : rng.normal()));
    const nextValues = new Float32Array(n);
    segmentNextValues({ steps: T, envs: N, values, segmentEnd, dones }, nextValues);
    const logp = Array.from({ length: n }, () => -rng.next() * 2);
    for (const lambda of [1, 0.7]) {
      const { adv, v, stats } = run({ steps: T, envs: N, behaviourLogProbs: logp, targetLogProbs: logp, values, nextValues, rewards, dones, gamma: 0.95, lambda });
      const gAdv = new Float32Array(n);
      const gRet = new Float32Array(n);
      computeGae({ steps: T, envs: N, rewards, values, nextValues, dones, gamma: 0.95, lambda }, gAdv, gRet);
      // with trace λ, on-policy V-trace targets are GAE(λ)'s λ-returns
      for (let i = 0; i < n; i++) expect(v[i], `v[${i}], λ = ${lambda}`).toBeCloseTo(gRet[i]!, 5);
      if (lambda === 1) for (let i = 0; i < n; i++) expect(adv[i], `A[${i}]`).toBeCloseTo(gAdv[i]!, 5);
      expect(stats['vtrace/mean_rho']).toBe(1);
      expect(stats['vtrace/clipped_rho_frac']).toBe(0);
      expect(stats['vtrace/mean_abs_ratio_dev']).toBe(0);
    }
    // a hand check of one column: r = 1 every step, γ = 0.5, V(x_3) = 4 → v = [2.25 + …] as GAE's test
    const one = run({ steps: 3, envs: 1, behaviourLogProbs: [0, 0, 0], targetLogProbs: [0, 0, 0], values: [0, 0, 0], nextValues: [0, 0, 4], rewards: [1, 1, 1], dones: [0, 0, 0], gamma: 0.5 });
    expect(Array.from(one.v)).toEqual([2.25, 2.5, 3]);
  });

  it('ρ̄ sets the size of each TD correction, c̄ how far corrections travel back', () => {
    // one column, every ratio π/μ = 3, γ = 1, V = 0, r = [0, 0, 1], segment ends at t = 2 with V(x_3) = 0
    const base: VtraceInput = {
      steps: 3,
      envs: 1,
      behaviourLogProbs: [0, 0, 0],
      targetLogProbs: [ln(3), ln(3), ln(3)],
      values: [0, 0, 0],
      nextValues: [0, 0, 0],
      rewards: [0, 0, 1],
      dones: [0, 0, 0],
      gamma: 1,
    };
    // ρ̄ = c̄ = 1: the ratios are truncated to 1 → on-policy targets [1, 1, 1]
    expect(Array.from(run({ ...base, rhoBar: 1, cBar: 1 }).v)).toEqual([1, 1, 1]);
    // ρ̄ = 2: the reward's TD error is weighted 2; c̄ = 1 carries it back unchanged → [2, 2, 2]
    expect(Array.from(run({ ...base, rhoBar: 2, cBar: 1 }).v)).toEqual([2, 2, 2]);
    // c̄ = 0.5: each step back multiplies the correction by c = 0.5 → [0.25, 0.5, 1]
    expect(Array.from(run({ ...base, rhoBar: 1, cBar: 0.5 }).v)).toEqual([0.25, 0.5, 1]);
    // c̄ = 0: one-step targets (only t = 2 sees the reward); advantages still use v_{t+1}: A1 = ρ·v2 = 1
    const oneStep = run({ ...base, rhoBar: 1, cBar: 0 });
    expect(Array.from(oneStep.v)).toEqual([0, 0, 1]);
    expect(Array.from(oneStep.adv)).toEqual([0, 1, 1]);
    // λ scales c like c̄ does: λ = 0.5 with c̄ = 1 equals c̄ = 0.5 here
    expect(Array.from(run({ ...base, rhoBar: 1, cBar: 1, lambda: 0.5 }).v)).toEqual([0.25, 0.5, 1]);
    // ρ̄ below the ratios also scales the advantages: ρ̄ = 0.5 → A2 = 0.5·1
    expect(run({ ...base, rhoBar: 0.5, cBar: 1 }).adv[2]).toBe(0.5);
    expect(run({ ...base, rhoBar: 0.5 }).stats['vtrace/clipped_rho_frac']).toBe(1);
  });

  it('padding gets advantage 0 and target 0 and breaks the chain like a done', () => {
    // one column: t = 0, 1 real (not done), t = 2 padding with garbage; on-policy, γ = 1
    const input: VtraceInput = {
      steps: 3,
      envs: 1,
      behaviourLogProbs: [-1, -1, 50],
      targetLogProbs: [-1, -1, -50],
      values: [0.5, 0.25, 9],
      nextValues: [0.25, 2, 9],
      rewards: [1, 1, 99],
      dones: [0, 0, 0],
      valid: [1, 1, 0],
      gamma: 1,
    };
    const { adv, v, rho, stats } = run(input);
    // t = 1 bootstraps from its own next value (2) without chaining into the padding: v1 = 1 + 2 = 3
    // t = 0: v0 = 1 + v1 = 4, A0 = 1 + 3 − 0.5 = 3.5
    expect(Array.from(v)).toEqual([4, 3, 0]);
    expect(Array.from(adv)).toEqual([3.5, 2.75, 0]);
    expect(rho[2]).toBe(0);
    // the padding's ratio (e^−100) is left out of the statistics
    expect(stats['vtrace/mean_rho']).toBe(1);
    // the same as computeGae on the same data with λ = 1
    const gAdv = new Float32Array(3);
    const gRet = new Float32Array(3);
    computeGae({ ...input, lambda: 1 }, gAdv, gRet);
    expect(Array.from(v)).toEqual(Array.from(gRet));
    // and segmentNextValues does not read a padding row's value
    const next = new Float32Array(3);
    segmentNextValues({ steps: 3, envs: 1, values: input.values, segmentEnd: [7, 2, 9], dones: input.dones, valid: input.valid }, next);
    expect(Array.from(next)).toEqual([0.25, 2, 9]);
  });

  it('rejects a non-positive ρ̄, a negative c̄ and λ outside [0, 1]', () => {
    expect(() => run({ ...SEGMENT, rhoBar: 0 })).toThrow(/ρ̄/);
    expect(() => run({ ...SEGMENT, cBar: -1 })).toThrow(/c̄/);
    expect(() => run({ ...SEGMENT, lambda: 1.5 })).toThrow(/λ/);
  });
});
