/**
 * ValueNorm (src/algorithms/value-norm.ts) against statistics computed by hand from the MAPPO
 * reference's formulas: debiased exponential moving averages of the mean and the mean square.
 */
import { describe, expect, it } from 'vitest';
import { MIN_VARIANCE, ValueNorm } from '../../src/algorithms/value-norm.ts';

describe('ValueNorm', () => {
  it('starts at mean 0 and the variance floor (as the reference before any update)', () => {
    const v = new ValueNorm();
    expect(v.mean).toBe(0);
    expect(v.variance).toBe(MIN_VARIANCE);
    expect(v.normalize(0.5)).toBeCloseTo(5, 12);
  });

  it('matches hand-computed debiased moving averages', () => {
    const v = new ValueNorm({ beta: 0.5 });
    // batch 1: [1, 3] → mean 2, mean square 5
    v.update([1, 3]);
    // running: mean 0.5·0 + 0.5·2 = 1, meanSq 0.5·5 = 2.5, debias 0.5 → μ = 2, E[x²] = 5, σ² = 5 − 4 = 1
    expect(v.runningMean).toBeCloseTo(1, 12);
    expect(v.runningMeanSq).toBeCloseTo(2.5, 12);
    expect(v.debiasingTerm).toBeCloseTo(0.5, 12);
    expect(v.mean).toBeCloseTo(2, 12);
    expect(v.variance).toBeCloseTo(1, 12);
    // batch 2: [6] → mean 6, mean square 36
    v.update([6]);
    // running: mean 0.5 + 3 = 3.5, meanSq 1.25 + 18 = 19.25, debias 0.75
    // μ = 3.5 / 0.75 = 14/3, E[x²] = 19.25 / 0.75 = 77/3, σ² = 77/3 − 196/9 = 35/9
    expect(v.mean).toBeCloseTo(14 / 3, 12);
    expect(v.variance).toBeCloseTo(35 / 9, 12);
    expect(v.std).toBeCloseTo(Math.sqrt(35) / 3, 12);
    // normalise / denormalise are inverse affine maps with these statistics
    const x = 7.25;
    expect(v.normalize(x)).toBeCloseTo((x - 14 / 3) / (Math.sqrt(35) / 3), 12);
    expect(v.denormalize(v.normalize(x))).toBeCloseTo(x, 12);
    const arr = Float32Array.of(1, 2, 3);
    v.normalizeArray(arr);
    v.denormalizeArray(arr);
    expect(Array.from(arr)).toEqual([1, 2, 3].map((y) => expect.closeTo(y, 5)));
  });

  it('with the default beta is close to the plain mean and variance of everything seen', () => {
    const v = new ValueNorm();
    v.update([0, 2, 4]);
    v.update([10, 10, 10]);
    // near-equal batch weights: μ ≈ (2 + 10)/2 = 6, E[x²] ≈ (20/3 + 100)/2 = 53.33, σ² ≈ 17.33
    expect(v.mean).toBeCloseTo(6, 3);
    expect(v.variance).toBeCloseTo(53.3333 - 36, 2);
  });

  it('ignores masked entries, clamps the variance, and round-trips through JSON', () => {
    const v = new ValueNorm({ beta: 0.9 });
    v.update([5, 100, 5], 3, [1, 0, 1]);
    expect(v.mean).toBeCloseTo(5, 12);
    expect(v.variance).toBe(MIN_VARIANCE); // constant targets: the floor, not 0
    v.update([1, 2], 2, [0, 0]); // nothing valid: no change
    expect(v.debiasingTerm).toBeCloseTo(0.1, 12);
    const w = ValueNorm.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
    expect(w.mean).toBe(v.mean);
    expect(w.variance).toBe(v.variance);
    expect(w.beta).toBe(0.9);
  });
});
