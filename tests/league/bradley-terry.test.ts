import { describe, expect, it } from 'vitest';
import { ConfigError, Rng } from '../../core/index.ts';
import { aggregateGames, ELO_PER_NAT, fitBradleyTerry, normalQuantile, type GameResult } from '../../league/bradley-terry.ts';

/** A synthetic round robin: P(i scores against j) = 1 / (1 + 10^((R_j − R_i)/400)), with draws. */
function simulate(truth: Record<string, number>, perPair: number, rng: Rng): GameResult[] {
  const ids = Object.keys(truth);
  const games: GameResult[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i]!;
      const b = ids[j]!;
      const p = 1 / (1 + 10 ** ((truth[b]! - truth[a]!) / 400));
      const draw = 0.5 * Math.min(p, 1 - p); // keeps the expected score at p
      for (let g = 0; g < perPair; g++) {
        const u = rng.next();
        const score = u < p - draw / 2 ? 1 : u < p + draw / 2 ? 0.5 : 0;
        games.push(g % 2 ? { a, b, score } : { a: b, b: a, score: 1 - score });
      }
    }
  }
  return games;
}

const TRUTH = { e: -300, d: -100, c: 0, b: 150, a: 250 }; // mean 0

describe('Bradley–Terry maximum likelihood', () => {
  it('recovers the true order of a synthetic tournament, and the intervals cover the truth', () => {
    const games = simulate(TRUTH, 300, new Rng(1));
    const fit = fitBradleyTerry(Object.keys(TRUTH), aggregateGames(games));
    expect(fit.converged).toBe(true);
    expect(fit.ratings.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(fit.ratings.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    const mean = fit.ratings.reduce((s, r) => s + r.rating, 0) / 5;
    expect(mean).toBeCloseTo(0, 9);
    for (const r of fit.ratings) {
      const t = TRUTH[r.id as keyof typeof TRUTH];
      expect(r.lo).toBeLessThan(t);
      expect(r.hi).toBeGreaterThan(t);
      expect(r.halfWidth).toBeCloseTo(1.959964 * r.se, 4);
      expect(r.halfWidth).toBeLessThan(60);
      expect(r.games).toBe(1200);
    }
  });

  it('95% intervals cover the true ratings in about 95% of tournaments (or more: draws make them conservative)', () => {
    const rng = new Rng(2);
    let covered = 0;
    let total = 0;
    for (let t = 0; t < 60; t++) {
      const fit = fitBradleyTerry(Object.keys(TRUTH), aggregateGames(simulate(TRUTH, 40, rng)));
      for (const r of fit.ratings) {
        const truth = TRUTH[r.id as keyof typeof TRUTH];
        total++;
        if (r.lo <= truth && truth <= r.hi) covered++;
      }
    }
    expect(covered / total).toBeGreaterThan(0.9);
  });

  it('does not depend on the order of the games', () => {
    const games = simulate(TRUTH, 30, new Rng(3));
    const shuffled = [...games];
    const rng = new Rng(4);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const f1 = fitBradleyTerry(Object.keys(TRUTH), aggregateGames(games));
    const f2 = fitBradleyTerry(Object.keys(TRUTH), aggregateGames(shuffled));
    f1.ratings.forEach((r, i) => {
      expect(f2.ratings[i]!.id).toBe(r.id);
      expect(f2.ratings[i]!.rating).toBeCloseTo(r.rating, 8);
      expect(f2.ratings[i]!.se).toBeCloseTo(r.se, 8);
    });
  });

  it('two players: the closed-form MLE and standard error (hand-computed)', () => {
    // 30 wins, 10 losses: θa − θb = ln 3, Var = 1 / (n p (1 − p)) = 1 / (40 · 0.75 · 0.25) = 1/7.5
    const fit = fitBradleyTerry(['a', 'b'], [{ a: 'a', b: 'b', wins: 30, draws: 0, losses: 10 }], { priorSd: 1e7 });
    const [a, b] = fit.ratings;
    expect(a!.rating - b!.rating).toBeCloseTo(400 * Math.log10(3), 6); // 190.848
    expect(a!.rating).toBeCloseTo(200 * Math.log10(3), 6);
    // each rating is ±half the gap from the mean, so its SE is half the gap's SE
    expect(a!.se).toBeCloseTo((ELO_PER_NAT * Math.sqrt(1 / 7.5)) / 2, 4); // 31.72
    // draws count as half a win for each side: 20 wins + 20 draws ≡ 30 : 10
    const withDraws = fitBradleyTerry(['a', 'b'], [{ a: 'a', b: 'b', wins: 20, draws: 20, losses: 0 }], { priorSd: 1e7 });
    expect(withDraws.ratings[0]!.rating).toBeCloseTo(a!.rating, 6);
    // the default weak prior moves this by well under 1 Elo
    const dflt = fitBradleyTerry(['a', 'b'], [{ a: 'a', b: 'b', wins: 30, draws: 0, losses: 10 }]);
    expect(Math.abs(dflt.ratings[0]!.rating - a!.rating)).toBeLessThan(1);
  });

  it('keeps an unbeaten agent finite, with a wide interval', () => {
    const fit = fitBradleyTerry(['x', 'y', 'z'], [
      { a: 'x', b: 'y', wins: 10, draws: 0, losses: 0 },
      { a: 'x', b: 'z', wins: 10, draws: 0, losses: 0 },
      { a: 'y', b: 'z', wins: 6, draws: 2, losses: 2 },
    ]);
    const x = fit.ratings[0]!;
    expect(x.id).toBe('x');
    expect(Number.isFinite(x.rating) && Number.isFinite(x.halfWidth)).toBe(true);
    expect(x.rating).toBeGreaterThan(300);
    expect(x.rating).toBeLessThan(2000);
    expect(x.halfWidth).toBeGreaterThan(200);
    expect(fit.ratings.map((r) => r.id)).toEqual(['x', 'y', 'z']);
  });

  it('anchors on a named agent (rating = offset, SE 0) with the same gaps', () => {
    const results = aggregateGames(simulate(TRUTH, 20, new Rng(5)));
    const m = fitBradleyTerry(Object.keys(TRUTH), results);
    const c = fitBradleyTerry(Object.keys(TRUTH), results, { anchor: 'c', offset: 1000 });
    const byId = (f: typeof m) => Object.fromEntries(f.ratings.map((r) => [r.id, r]));
    const mm = byId(m);
    const cc = byId(c);
    expect(cc['c']!.rating).toBe(1000);
    expect(cc['c']!.se).toBeCloseTo(0, 9);
    for (const id of Object.keys(TRUTH)) expect(cc[id]!.rating - 1000).toBeCloseTo(mm[id]!.rating - mm['c']!.rating, 6);
    expect(() => fitBradleyTerry(['a'], [], { anchor: 'nobody' })).toThrow(ConfigError);
  });

  it('validates its input', () => {
    expect(() => fitBradleyTerry(['a', 'a'], [])).toThrow(/listed twice/);
    expect(() => fitBradleyTerry(['a', 'b'], [{ a: 'a', b: 'q', wins: 1, draws: 0, losses: 0 }])).toThrow(/unknown agent 'q'/);
    expect(() => fitBradleyTerry(['a', 'b'], [{ a: 'a', b: 'b', wins: -1, draws: 0, losses: 0 }])).toThrow(ConfigError);
    expect(() => aggregateGames([{ a: 'a', b: 'b', score: 0.3 }])).toThrow(ConfigError);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 6);
  });
});
