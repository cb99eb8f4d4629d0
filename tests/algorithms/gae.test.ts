import { describe, expect, it } from 'vitest';
import { computeGae, explainedVariance } from '../../src/algorithms/advantages.ts';

// Two envs, three steps, time-major (index t·2 + e). γ = 0.9, λ = 0.8, so γλ = 0.72.
// env 0: terminates at t = 1 (next value 0); the rollout ends at t = 2 and bootstraps from V(s_3) = 2.
// env 1: truncated at t = 0 with V(final obs) = 4 (bootstrapped, but the GAE chain is cut); V(s_3) = 0.5.
const rewards = [1, 1, 2, 1, 3, 1];
const values = [0.5, 2, 1.0, 3, 1.5, 2];
const nextValues = [1.0, 4.0, 0, 2, 2.0, 0.5];
const dones = [0, 1, 1, 0, 0, 0];

describe('GAE (Schulman et al. 2016, eq. 16)', () => {
  it('matches hand-computed advantages and returns with a termination and a truncation mid-buffer', () => {
    const adv = new Float32Array(6);
    const ret = new Float32Array(6);
    computeGae({ steps: 3, envs: 2, rewards, values, nextValues, dones, gamma: 0.9, lambda: 0.8 }, adv, ret);
    // env 0: δ2 = 3 + 0.9·2 − 1.5 = 3.3; δ1 = 2 + 0 − 1 = 1 (terminal); δ0 = 1 + 0.9·1 − 0.5 = 1.4
    //        A2 = 3.3; A1 = 1 (chain cut by the end of episode); A0 = 1.4 + 0.72·1 = 2.12
    // env 1: δ2 = 1 + 0.9·0.5 − 2 = −0.55; δ1 = 1 + 0.9·2 − 3 = −0.2; δ0 = 1 + 0.9·4 − 2 = 2.6 (truncated)
    //        A2 = −0.55; A1 = −0.2 + 0.72·(−0.55) = −0.596; A0 = 2.6
    const expectedAdv = [2.12, 2.6, 1.0, -0.596, 3.3, -0.55];
    const expectedRet = [2.62, 4.6, 2.0, 2.404, 4.8, 1.45];
    expectedAdv.forEach((a, i) => expect(adv[i]).toBeCloseTo(a, 5));
    expectedRet.forEach((r, i) => expect(ret[i]).toBeCloseTo(r, 5));
  });

  it('with λ = 1 gives Monte-Carlo returns for a finished episode and n-step returns otherwise', () => {
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    // one env, episode terminates at the last step: R = [1 + 0.5·(1 + 0.5·1), 1 + 0.5·1, 1] = [1.75, 1.5, 1]
    computeGae({ steps: 3, envs: 1, rewards: [1, 1, 1], values: [0.3, 0.2, 0.1], nextValues: [0.2, 0.1, 0], dones: [0, 0, 1], gamma: 0.5, lambda: 1 }, adv, ret);
    expect(Array.from(ret)).toEqual([1.75, 1.5, 1].map((x) => Math.fround(x)));
    expect(adv[0]).toBeCloseTo(1.75 - 0.3, 6);
    // not finished: the last step bootstraps from V(s_3) = 4 → R2 = 1 + 0.5·4 = 3, R1 = 1 + 0.5·3 = 2.5
    computeGae({ steps: 3, envs: 1, rewards: [1, 1, 1], values: [0, 0, 0], nextValues: [0, 0, 4], dones: [0, 0, 0], gamma: 0.5, lambda: 1 }, adv, ret);
    expect(Array.from(ret)).toEqual([2.25, 2.5, 3]);
  });

  it('with λ = 0 reduces to one-step TD errors', () => {
    const adv = new Float32Array(2);
    const ret = new Float32Array(2);
    computeGae({ steps: 2, envs: 1, rewards: [1, 2], values: [0.5, 0.25], nextValues: [0.25, 1], dones: [0, 0], gamma: 0.5, lambda: 0 }, adv, ret);
    expect(Array.from(adv)).toEqual([1 + 0.125 - 0.5, 2 + 0.5 - 0.25]);
  });

  it('skips invalid (padded) steps without chaining through them', () => {
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    computeGae(
      { steps: 3, envs: 1, rewards: [1, 1, 9], values: [0, 0, 0], nextValues: [0, 0, 0], dones: [0, 1, 0], valid: [1, 1, 0], gamma: 1, lambda: 1 },
      adv,
      ret,
    );
    expect(Array.from(ret)).toEqual([2, 1, 0]);
    expect(adv[2]).toBe(0);
  });

  it('explained variance is 1 for perfect predictions, 0 for the mean, NaN for constant targets', () => {
    expect(explainedVariance([1, 2, 3], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(explainedVariance([2, 2, 2], [1, 2, 3])).toBeCloseTo(0, 12);
    expect(explainedVariance([1, 2, 3], [2, 2, 2])).toBeNaN();
  });
});
