import { describe, expect, it } from 'vitest';
import { expectedScore, fitLeagueRatings, ratingAnchor, type RatedMember, type RatedPair } from '../../league/ratings.ts';

const ELO_75 = 400 * Math.log10(3); // 190.848…: the gap at which the stronger side scores 75%

const bot = (id: string, spec: string): RatedMember => ({ id, frozen: true, botSpec: spec });
const snap = (id: string): RatedMember => ({ id, frozen: true, botSpec: null });
const learner = (id: string): RatedMember => ({ id, frozen: false, botSpec: null });

/** Plain counts only (decayed = plain): what a league with payoff decay 1 stores. */
function plain(a: string, b: string, wins: number, draws: number, losses: number): RatedPair {
  return { a, b, wins, draws, losses, decayedGames: wins + draws + losses, decayedScore: wins + draws / 2 };
}

function byId(rows: { id: string; rating: number; games: number }[]): Record<string, { rating: number; games: number }> {
  return Object.fromEntries(rows.map((r) => [r.id, r]));
}

describe('league ratings: Bradley–Terry on the Elo scale, anchored', () => {
  it('the scale: 1 / (1 + 10^(Δ/400)), uncapped', () => {
    expect(expectedScore(1200, 1200)).toBe(0.5);
    expect(expectedScore(ELO_75, 0)).toBeCloseTo(0.75, 12);
    expect(expectedScore(400, 0)).toBeCloseTo(10 / 11, 12);
    expect(expectedScore(0, 800)).toBeCloseTo(1 / 101, 12); // no cap at 400 (elo-rating capped it)
  });

  it('anchor: the random bot when present, else the first member', () => {
    expect(ratingAnchor([snap('main@1'), bot('bot:ab', 'alphabeta:1'), bot('bot:random', 'random')])).toBe('bot:random');
    expect(ratingAnchor([learner('main'), bot('bot:ab', 'alphabeta:1')])).toBe('main');
    expect(ratingAnchor([])).toBeNull();
    expect(fitLeagueRatings([], [])).toEqual([]);
  });

  it('75% against the anchor puts a member 400·log10(3) ≈ 190.8 above it; the anchor stays at 0', () => {
    const members = [snap('s1'), snap('s2'), bot('bot:random', 'random')];
    const r = byId(fitLeagueRatings(members, [plain('s2', 'bot:random', 3000, 0, 1000), plain('s1', 's2', 0, 400, 0)]));
    expect(r['bot:random']!.rating).toBe(0);
    expect(Math.abs(r['s2']!.rating - ELO_75)).toBeLessThan(1); // the prior's pull is a fraction of an Elo
    expect(Math.abs(r['s1']!.rating - r['s2']!.rating)).toBeLessThan(1); // all draws: level
    expect(r['s2']!.games).toBe(4400);
    // the same through draws: 2000 wins, 2000 draws, 0 losses is also a 75% score
    const d = byId(fitLeagueRatings(members.slice(1), [plain('bot:random', 's2', 0, 2000, 2000)]));
    expect(Math.abs(d['s2']!.rating - ELO_75)).toBeLessThan(1);
  });

  it('without the random bot the first member is 0; the order of a pair does not matter', () => {
    const members = [snap('s1'), snap('s2')];
    const ab = fitLeagueRatings(members, [plain('s2', 's1', 300, 0, 100)]);
    const ba = fitLeagueRatings(members, [plain('s1', 's2', 100, 0, 300)]);
    expect(byId(ab)['s1']!.rating).toBe(0);
    expect(byId(ab)['s2']!.rating).toBeCloseTo(byId(ba)['s2']!.rating, 9);
    expect(ab.map((r) => r.id)).toEqual(['s2', 's1']); // best first
  });

  it('a member that has not played sits at the league mean; self-play is not rated', () => {
    const members = [bot('bot:random', 'random'), snap('s1'), snap('s2')];
    const r = fitLeagueRatings(members, [plain('s1', 'bot:random', 30, 0, 10), plain('s2', 's2', 5, 0, 5)]);
    const m = byId(r);
    expect(m['s2']!.games).toBe(0);
    const mean = r.reduce((s, x) => s + x.rating, 0) / 3;
    expect(m['s2']!.rating).toBeCloseTo(mean, 6);
  });

  it('a learner is rated on its decayed (recent) results, frozen members on all their games', () => {
    // 1000 losses then 1000 wins against the random bot, decay 0.99: the decayed counts are ≈ 100 wins
    const d = 0.99;
    let g = 0;
    let s = 0;
    for (let i = 0; i < 2000; i++) {
      g = g * d + 1;
      s = s * d + (i < 1000 ? 0 : 1);
    }
    const pair: RatedPair = { a: 'main', b: 'bot:random', wins: 1000, draws: 0, losses: 1000, decayedGames: g, decayedScore: s };
    const asLearner = byId(fitLeagueRatings([learner('main'), bot('bot:random', 'random')], [pair]));
    expect(asLearner['main']!.rating).toBeGreaterThan(1000);
    expect(asLearner['main']!.games).toBe(2000);
    const asFrozen = byId(fitLeagueRatings([snap('main'), bot('bot:random', 'random')], [pair]));
    expect(Math.abs(asFrozen['main']!.rating)).toBeLessThan(1e-6); // 1000:1000
  });
});
