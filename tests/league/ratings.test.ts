import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { DEFAULT_K, DEFAULT_RATING, eloUpdate, expectedScore } from '../../league/ratings.ts';

describe('online Elo (expected score from elo-rating, our own floating-point update)', () => {
  it('defaults: K = 16, initial 1200', () => {
    expect(DEFAULT_K).toBe(16);
    expect(DEFAULT_RATING).toBe(1200);
  });

  it('a win between equals moves K/2 each way', () => {
    expect(expectedScore(1200, 1200)).toBe(0.5);
    expect(eloUpdate(1200, 1200, 1)).toEqual([1208, 1192]);
    expect(eloUpdate(1200, 1200, 0)).toEqual([1192, 1208]);
  });

  it('a draw between equals changes nothing', () => {
    expect(eloUpdate(1500, 1500, 0.5)).toEqual([1500, 1500]);
  });

  it('a draw against a stronger player gains rating (hand-computed)', () => {
    // E = 1 / (1 + 10^(200/400)) = 1 / (1 + 3.16227766) = 0.2402530734
    expect(expectedScore(1200, 1400)).toBeCloseTo(0.2402530734, 9);
    const [a, b] = eloUpdate(1200, 1400, 0.5);
    expect(a).toBeCloseTo(1200 + 16 * (0.5 - 0.2402530734), 7); // +4.1559508
    expect(a).toBeCloseTo(1204.1559508, 6);
    expect(b).toBeCloseTo(1395.8440492, 6);
    // not truncated to an integer, not counted as a win (the package's `calculate` does both)
    expect(Number.isInteger(a)).toBe(false);
  });

  it('a loss to a stronger player costs little, an upset win gains a lot', () => {
    const [lossA] = eloUpdate(1200, 1400, 0);
    expect(lossA).toBeCloseTo(1200 - 16 * 0.2402530734, 6); // −3.8440492
    const [winA, winB] = eloUpdate(1200, 1400, 1);
    expect(winA).toBeCloseTo(1200 + 16 * (1 - 0.2402530734), 6); // +12.1559508
    expect(winA + winB).toBeCloseTo(2600, 9); // zero-sum
  });

  it('caps the rating difference at 400 (elo-rating) and honours K', () => {
    // 600 points apart is treated as 400: E = 1/11
    expect(expectedScore(1000, 1600)).toBeCloseTo(1 / 11, 12);
    const [a] = eloUpdate(1000, 1600, 1, 32);
    expect(a).toBeCloseTo(1000 + 32 * (10 / 11), 9);
  });

  it('rejects scores other than 1, 0.5, 0 and a bad K', () => {
    expect(() => eloUpdate(1200, 1200, 0.7)).toThrow(ConfigError);
    expect(() => eloUpdate(1200, 1200, 1, 0)).toThrow(/K must be a positive/);
    expect(() => eloUpdate(Number.NaN, 1200, 1)).toThrow(ConfigError);
  });
});
