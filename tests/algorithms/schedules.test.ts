import { describe, expect, it } from 'vitest';
import { clipAt, entropyAt, learningRateAt, type ScheduleSettings } from '../../src/algorithms/learner-common.ts';

const S: ScheduleSettings = { lr: 1e-3, annealLr: true, clip: 0.2, annealClip: false, entCoef: 0.2, entCoefFinal: 0.05 };

describe('annealing schedules', () => {
  it('anneals the learning rate linearly to 0 and keeps the clip range unless asked', () => {
    expect(learningRateAt(S, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(S, 0.25)).toBeCloseTo(7.5e-4, 12);
    expect(learningRateAt(S, 1.5)).toBe(0);
    expect(learningRateAt({ ...S, annealLr: false }, 0.9)).toBe(1e-3);
    expect(clipAt(S, 0.5)).toBe(0.2);
    expect(clipAt({ ...S, annealClip: true }, 0.5)).toBeCloseTo(0.1, 12);
  });

  it('anneals the entropy coefficient over the whole run by default', () => {
    expect(entropyAt(S, 0)).toBeCloseTo(0.2, 12);
    expect(entropyAt(S, 0.5)).toBeCloseTo(0.125, 12);
    expect(entropyAt(S, 1)).toBeCloseTo(0.05, 12);
    expect(entropyAt({ ...S, entCoefFinal: null }, 0.7)).toBe(0.2);
  });

  it('reaches entCoefFinal after entAnnealFraction of the run and holds it', () => {
    const half = { ...S, entAnnealFraction: 0.5 };
    expect(entropyAt(half, 0.25)).toBeCloseTo(0.125, 12);
    expect(entropyAt(half, 0.5)).toBeCloseTo(0.05, 12);
    expect(entropyAt(half, 0.8)).toBeCloseTo(0.05, 12);
  });
});
