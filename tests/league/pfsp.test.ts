import { describe, expect, it } from 'vitest';
import { ConfigError, Rng } from '../../core/index.ts';
import { lastWindow, pfspProbabilities, pfspWeight, samplePfsp, sampleUniform } from '../../league/pfsp.ts';

const X = [0, 0.25, 0.5, 0.75, 1];

function close(actual: ArrayLike<number>, expected: number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]!).toBeCloseTo(e, digits));
}

describe('PFSP weightings (AlphaStar pseudocode)', () => {
  it('weights on known win rates', () => {
    close(X.map((x) => pfspWeight(x, 'hard')), [1, 0.5625, 0.25, 0.0625, 0]);
    close(X.map((x) => pfspWeight(x, 'hard', 3)), [1, 0.421875, 0.125, 0.015625, 0]);
    close(X.map((x) => pfspWeight(x, 'variance')), [0, 0.1875, 0.25, 0.1875, 0]);
    close(X.map((x) => pfspWeight(x, 'linear')), [1, 0.75, 0.5, 0.25, 0]);
    close(X.map((x) => pfspWeight(x, 'linear_capped')), [0.5, 0.5, 0.5, 0.25, 0]);
  });

  it('normalised probabilities', () => {
    close(pfspProbabilities(X, 'hard'), [1 / 1.875, 0.5625 / 1.875, 0.25 / 1.875, 0.0625 / 1.875, 0]);
    close(pfspProbabilities(X, 'variance'), [0, 0.3, 0.4, 0.3, 0]);
    close(pfspProbabilities(X, 'linear'), [0.4, 0.3, 0.2, 0.1, 0]);
    close(pfspProbabilities(X, 'linear_capped'), [2 / 7, 2 / 7, 2 / 7, 1 / 7, 0]);
  });

  it('falls back to uniform when every weight is ~0', () => {
    close(pfspProbabilities([1, 1, 1, 1], 'hard'), [0.25, 0.25, 0.25, 0.25]);
    close(pfspProbabilities([0, 1], 'variance'), [0.5, 0.5]);
    close(pfspProbabilities([1 - 1e-6, 1], 'hard'), [0.5, 0.5]); // (1e-6)^2 = 1e-12 < 1e-10
  });

  it('rejects win rates outside [0, 1], unknown weightings and bad p', () => {
    expect(() => pfspWeight(1.5, 'hard')).toThrow(ConfigError);
    expect(() => pfspWeight(0.5, 'cubic' as never)).toThrow(/unknown PFSP weighting/);
    expect(() => pfspProbabilities([0.5], 'hard', 0)).toThrow(/exponent/);
  });

  it('sampling frequencies match the probabilities', () => {
    const rng = new Rng(7);
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const w of ['hard', 'variance', 'linear', 'linear_capped'] as const) {
      const counts = new Map<string, number>();
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const c = samplePfsp(names, X, rng, w);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      const p = pfspProbabilities(X, w);
      names.forEach((name, i) => expect(Math.abs((counts.get(name) ?? 0) / n - p[i]!)).toBeLessThan(0.012));
      expect(counts.get('e') ?? 0).toBe(0); // a sure win is never picked
    }
  });

  it('uniform over a window of the last N (ML-Agents)', () => {
    const hist = ['s1', 's2', 's3', 's4', 's5'];
    expect(lastWindow(hist, 2)).toEqual(['s4', 's5']);
    expect(lastWindow(hist, 10)).toEqual(hist);
    expect(lastWindow(hist)).toEqual(hist);
    const rng = new Rng(1);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const s = sampleUniform(hist, rng, 3);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['s3', 's4', 's5']);
    for (const c of counts.values()) expect(Math.abs(c / 6000 - 1 / 3)).toBeLessThan(0.03);
    expect(() => lastWindow(hist, 0)).toThrow(ConfigError);
  });
});
