import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';

describe('Rng', () => {
  it('replays the same stream from the same seed and state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
    const c = new Rng(43);
    expect(Array.from({ length: 100 }, () => c.nextU32())).not.toEqual(xs);
    const saved = a.getState();
    const next = a.next();
    const d = new Rng();
    d.setState(saved);
    expect(d.next()).toBe(next);
  });

  it('produces roughly uniform integers and unbiased floats', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.int(6)]!++;
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(5 * Math.sqrt(n / 6));
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next();
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.01);
  });

  it('samples categorical and masked choices only where allowed', () => {
    const rng = new Rng(1);
    const mask = Uint8Array.from([0, 1, 0, 1, 0]);
    for (let i = 0; i < 1000; i++) expect([1, 3]).toContain(rng.pickMasked(mask));
    expect(rng.pickMasked(new Uint8Array(3))).toBe(-1);
    const w = [0, 0.25, 0, 0.75];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[rng.categorical(w)]!++;
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    expect(counts[3]! / 8000).toBeCloseTo(0.75, 1);
  });

  it('rejects an invalid state', () => {
    expect(() => new Rng().setState([0, 0, 0, 0])).toThrow(RangeError);
    expect(() => new Rng().setState([1, 2, 3])).toThrow(RangeError);
  });
});
