import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { Rng } from '../../core/index.ts';
import { getGame } from '../../games/index.ts';
import { League, snapshotId } from '../../league/league.ts';
import { parseLeagueRef, readLeagueMember } from '../../league/member-agent.ts';
import { LeagueStore, type NewMatch } from '../../league/store.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tmp = tempDirs('arena-league-');
let dir: string;
let store: LeagueStore;

beforeEach(() => {
  dir = tmp();
  // decay 1: plain win rates, so the expected distributions are easy to compute by hand
  store = LeagueStore.open(dir, { game: 'kuhn-poker-v1', payoffDecay: 1 });
});
afterEach(() => {
  store.close();
});

const blob = (n: number) => new Uint8Array([1, 2, 3, n]);

/** `wins` wins and `losses` losses of a against b. */
function play(a: string, b: string, wins: number, losses: number): void {
  const ms: NewMatch[] = [];
  for (let i = 0; i < wins; i++) ms.push({ a, b, score: 1 });
  for (let i = 0; i < losses; i++) ms.push({ a, b, score: 0 });
  store.recordMatches(ms);
}

function dist(league: League, learner: string): Record<string, number> {
  const d = league.opponentDistribution(learner, { learnerVersion: 999 });
  expect(d.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  return Object.fromEntries(d.ids.map((id, i) => [id, d.probs[i]!]));
}

describe('League: roles, snapshots and opponent sampling', () => {
  it('registers learners and bots; a fresh main agent plays itself', () => {
    const league = new League(store, { bots: ['random'], mainExploiters: 1, leagueExploiters: 1 });
    expect(league.learners()).toEqual(['main', 'main_exploiter', 'league_exploiter']);
    expect(store.getMember('bot:random')).toMatchObject({ role: 'bot', botSpec: 'random', frozen: true });
    // only a bot in the pool, unplayed (x = 0.5): PFSP over it, the rest self-play
    expect(dist(league, 'main')).toEqual({ 'bot:random': 0.5, main: 0.5 });
    const self = league.opponentDistribution('main', { learnerVersion: 3 }).members.find((m) => m.selfPlay);
    expect(self).toEqual({ id: 'main', ref: { id: 'main', version: 3 }, selfPlay: true });
    expect(() => league.opponentDistribution('main')).toThrow(/needs its current weights version/);
  });

  it('botShare moves that share of a main agent\'s games to the bots, PFSP hard among them (hand-computed)', () => {
    const league = new League(store, { bots: ['random', 'nash'], mainStrategy: { kind: 'latest' }, botShare: 0.4 });
    play('main', 'bot:random', 3, 1); // x = 0.75: weight (1 − 0.75)² = 0.0625
    play('main', 'bot:nash', 1, 3); // x = 0.25: weight 0.5625; normalised 0.1 and 0.9
    const d = dist(league, 'main');
    expect(d['main']).toBeCloseTo(0.6, 12);
    expect(d['bot:random']).toBeCloseTo(0.4 * 0.1, 12);
    expect(d['bot:nash']).toBeCloseTo(0.4 * 0.9, 12);
    // without it, `latest` plays only itself; a share outside [0, 1] is refused
    expect(dist(new League(store, { mainStrategy: { kind: 'latest' } }), 'main')).toEqual({ main: 1 });
    expect(() => new League(store, { botShare: 1.5 })).toThrow('botShare must be in [0, 1], got 1.5');
  });

  it('snapshots every K updates: ids, versions, parent; rated from their own games', () => {
    const league = new League(store, { snapshotEvery: 10, bots: ['random'] });
    expect(league.shouldSnapshot('main', 9)).toBe(false);
    expect(league.shouldSnapshot('main', 10)).toBe(true);
    play('main', 'bot:random', 3, 0);
    expect(store.rating('bot:random').rating).toBe(0); // the anchor
    expect(store.rating('main').rating).toBeGreaterThan(0);
    const s = league.addSnapshot('main', 10, blob(10));
    expect(s).toMatchObject({ id: 'main@000010', role: 'snapshot', parent: 'main', update: 10, version: 11, frozen: true, snapshotBytes: 4 });
    expect(store.rating('main@000010').games).toBe(0);
    expect(store.getMember('main')!.update).toBe(10);
    expect(league.shouldSnapshot('main', 19)).toBe(false);
    expect(league.shouldSnapshot('main', 20)).toBe(true);
    expect(() => league.addSnapshot('main', 10, blob(10))).toThrow(/already exists/);
    expect(league.addSnapshot({ role: 'main', update: 20, version: 77, blob: blob(20) }).id).toBe('main@000020');
    expect(league.snapshotVersions()).toEqual([11, 77]);
    expect(snapshotId('main_exploiter.1', 5)).toBe('main_exploiter.1@000005');
  });

  it('AlphaStar main agent: 50% PFSP-hard over all, 15% forgotten snapshots, 35% self-play', () => {
    const league = new League(store, { bots: ['random'] });
    league.addSnapshot('main', 10, blob(10));
    league.addSnapshot('main', 20, blob(20));
    play('main', 'bot:random', 10, 0); // x = 1
    play('main', 'main@000010', 5, 5); // x = 0.5
    play('main', 'main@000020', 8, 2); // x = 0.8
    // PFSP hard over [bot 1, s10 0.5, s20 0.8]: weights [0, 0.25, 0.04] / 0.29; verification:
    // own snapshots [0.5, 0.8] (rising, kept), min 0.5 < 0.7 → PFSP hard over them.
    const d = dist(league, 'main');
    expect(d['main']).toBeCloseTo(0.35, 12);
    expect(d['main@000010']).toBeCloseTo((0.65 * 0.25) / 0.29, 12);
    expect(d['main@000020']).toBeCloseTo((0.65 * 0.04) / 0.29, 12);
    expect(d['bot:random']).toBeUndefined();

    // sampling frequencies follow the distribution
    const rng = new Rng(11);
    const counts: Record<string, number> = {};
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const o = league.sampleOpponent('main', rng);
      counts[o] = (counts[o] ?? 0) + 1;
    }
    for (const [id, p] of Object.entries(d)) expect(Math.abs(counts[id]! / n - p)).toBeLessThan(0.015);
  });

  it('verification: no forgetting when win rates only fall towards the newest snapshot (monotonic suffix)', () => {
    const league = new League(store, {});
    league.addSnapshot('main', 10, blob(10));
    league.addSnapshot('main', 20, blob(20));
    play('main', 'main@000010', 8, 2); // 0.8
    play('main', 'main@000020', 5, 5); // 0.5
    const d = dist(league, 'main');
    // PFSP hard over [0.8, 0.5]: [0.04, 0.25] / 0.29 with mass 0.5; the rest is self-play
    expect(d['main']).toBeCloseTo(0.5, 12);
    expect(d['main@000010']).toBeCloseTo((0.5 * 0.04) / 0.29, 12);
    expect(d['main@000020']).toBeCloseTo((0.5 * 0.25) / 0.29, 12);
  });

  it('verification: snapshots of main exploiters that still beat the main agent', () => {
    const league = new League(store, { mainExploiters: 1 });
    league.addSnapshot('main_exploiter', 5, blob(5));
    play('main', 'main_exploiter@000005', 1, 9); // 0.1 < 0.3
    const d = dist(league, 'main');
    // PFSP branch: the only historical player (0.5); verification: the exploiter snapshot (0.15)
    expect(d['main_exploiter@000005']).toBeCloseTo(0.65, 12);
    expect(d['main']).toBeCloseTo(0.35, 12);
  });

  it('self-play curriculum: a main agent beaten by another main agent plays its snapshots (PFSP variance)', () => {
    const league = new League(store, { mainAgents: 2, mainMix: { pfsp: 0, verification: 0 } });
    league.addSnapshot('main.1', 10, blob(10));
    league.addSnapshot('main.1', 20, blob(20));
    play('main', 'main.1', 2, 8); // 0.2 ≤ 0.3
    play('main', 'main.1@000010', 1, 1); // 0.5 → variance 0.25
    play('main', 'main.1@000020', 1, 3); // 0.25 → variance 0.1875
    const d = dist(league, 'main');
    expect(d['main']).toBeCloseTo(0.5, 12);
    expect(d['main.1@000010']).toBeCloseTo((0.5 * 0.25) / 0.4375, 12);
    expect(d['main.1@000020']).toBeCloseTo((0.5 * 0.1875) / 0.4375, 12);
  });

  it('main exploiter: the main agent while it wins > 10%, else PFSP-variance over its snapshots', () => {
    const league = new League(store, { mainExploiters: 1 });
    league.addSnapshot('main', 10, blob(10));
    league.addSnapshot('main', 20, blob(20));
    expect(dist(league, 'main_exploiter')).toEqual({ main: 1 }); // unplayed: 0.5 > 0.1
    // the main agent plays with its current weights when given, else its latest snapshot
    expect(league.opponentDistribution('main_exploiter', { learnerVersions: { main: 42 } }).members[0]!.ref).toEqual({ id: 'main', version: 42 });
    expect(league.opponentDistribution('main_exploiter').members[0]).toMatchObject({ ref: { id: 'main', version: 21 }, selfPlay: false, blob: blob(20) });
    play('main_exploiter', 'main', 0, 10);
    expect(dist(league, 'main_exploiter')).toEqual({ 'main@000010': 0.5, 'main@000020': 0.5 });
    play('main_exploiter', 'main', 3, 0); // 3/13 > 0.1
    expect(dist(league, 'main_exploiter')).toEqual({ main: 1 });
    expect(league.resetsAfterSnapshot('main_exploiter', new Rng(1))).toBe(true);
    expect(league.resetsAfterSnapshot('main', new Rng(1))).toBe(false);
  });

  it("AlphaStar's checkpoint rule: exploiters snapshot once they beat their targets > 70%, at the latest after 2 × snapshotEvery", () => {
    const league = new League(store, { snapshotEvery: 10, bots: ['random'], mainExploiters: 1, leagueExploiters: 1 });
    // the main agent: every snapshotEvery updates, whatever its results
    expect(league.shouldSnapshot('main', 9)).toBe(false);
    expect(league.shouldSnapshot('main', 10)).toBe(true);
    // a main exploiter that has not beaten the main agent waits, up to 2 × snapshotEvery
    play('main_exploiter', 'main', 6, 4); // 0.6
    expect(league.shouldSnapshot('main_exploiter', 9)).toBe(false);
    expect(league.shouldSnapshot('main_exploiter', 10)).toBe(false);
    expect(league.shouldSnapshot('main_exploiter', 19)).toBe(false);
    expect(league.shouldSnapshot('main_exploiter', 20)).toBe(true);
    play('main_exploiter', 'main', 10, 0); // 16 / 20 = 0.8 > 0.7
    expect(league.shouldSnapshot('main_exploiter', 9)).toBe(false); // never before snapshotEvery
    expect(league.shouldSnapshot('main_exploiter', 10)).toBe(true);
    league.addSnapshot('main_exploiter', 10, blob(10));
    expect(league.shouldSnapshot('main_exploiter', 15)).toBe(false); // counted from its last snapshot
    // a league exploiter must beat every historical player (bots and snapshots), unplayed ones count 0.5
    play('league_exploiter', 'bot:random', 10, 0);
    expect(league.shouldSnapshot('league_exploiter', 10)).toBe(false); // main_exploiter@000010 unplayed
    play('league_exploiter', 'main_exploiter@000010', 8, 2);
    expect(league.shouldSnapshot('league_exploiter', 10)).toBe(true);
  });

  it('league exploiter: PFSP linear_capped over all historical players; resets with probability 0.25', () => {
    const league = new League(store, { leagueExploiters: 1, bots: ['random'] });
    league.addSnapshot('main', 10, blob(10));
    league.addSnapshot('main', 20, blob(20));
    let d = dist(league, 'league_exploiter');
    for (const id of ['bot:random', 'main@000010', 'main@000020']) expect(d[id]).toBeCloseTo(1 / 3, 12);
    play('league_exploiter', 'bot:random', 4, 0); // x = 1 → weight 0
    play('league_exploiter', 'main@000010', 1, 3); // x = 0.25 → min(0.5, 0.75) = 0.5
    play('league_exploiter', 'main@000020', 3, 1); // x = 0.75 → 0.25
    d = dist(league, 'league_exploiter');
    expect(d['main@000010']).toBeCloseTo(2 / 3, 12);
    expect(d['main@000020']).toBeCloseTo(1 / 3, 12);
    const rng = new Rng(5);
    let resets = 0;
    for (let i = 0; i < 4000; i++) if (league.resetsAfterSnapshot('league_exploiter', rng)) resets++;
    expect(Math.abs(resets / 4000 - 0.25)).toBeLessThan(0.03);
  });

  it('plain strategies: latest, uniform over a window (with latest), PFSP', () => {
    new League(store, { bots: ['random'] }).addSnapshot('main', 10, blob(10));
    new League(store, {}).addSnapshot('main', 20, blob(20));
    play('main', 'bot:random', 10, 0);
    play('main', 'main@000010', 5, 5);
    play('main', 'main@000020', 8, 2);
    expect(dist(new League(store, { mainStrategy: { kind: 'latest' } }), 'main')).toEqual({ main: 1 });
    expect(dist(new League(store, { mainStrategy: { kind: 'uniform', window: 2, latestProbability: 0.5 } }), 'main')).toEqual({
      main: 0.5,
      'main@000010': 0.25,
      'main@000020': 0.25,
    });
    const u = dist(new League(store, { mainStrategy: { kind: 'uniform' } }), 'main');
    for (const id of ['bot:random', 'main@000010', 'main@000020']) expect(u[id]).toBeCloseTo(1 / 3, 12);
    const v = dist(new League(store, { mainStrategy: { kind: 'pfsp', weighting: 'variance' } }), 'main');
    expect(v['main@000010']).toBeCloseTo(0.25 / 0.41, 12);
    expect(v['main@000020']).toBeCloseTo(0.16 / 0.41, 12);
  });

  it('opponent entries carry what a rollout worker needs; games are recorded for the learner', () => {
    const league = new League(store, { bots: ['alphabeta:1'] });
    league.addSnapshot('main', 0, blob(0));
    const d = league.opponentDistribution('main');
    const byId = Object.fromEntries(d.members.map((m) => [m.id, m]));
    expect(byId['bot:alphabeta:1']).toEqual({ id: 'bot:alphabeta:1', ref: { id: 'bot:alphabeta:1', bot: 'alphabeta:1' }, selfPlay: false });
    expect(byId['main@000000']).toMatchObject({ ref: { id: 'main@000000', version: 1 }, selfPlay: false, blob: blob(0) });
    // self-play without a learner version: the latest snapshot's weights
    expect(byId['main']).toMatchObject({ ref: { id: 'main', version: 1 }, selfPlay: true });
    league.recordLearnerGames([
      { opponent: 'main@000000', score: 1 },
      { opponent: 'bot:alphabeta:1', score: 0.5, seed: 4, side: 1, update: 3 },
      { opponent: 'main', score: 0 },
    ]);
    expect(store.pair('main', 'main@000000')).toMatchObject({ games: 1, wins: 1 });
    expect(store.pair('bot:alphabeta:1', 'main')).toMatchObject({ games: 1, draws: 1 });
    expect(store.pair('main', 'main')).toMatchObject({ games: 1, losses: 1 });
    expect(league.gameCount()).toBe(3);
    expect(store.rating('main').games).toBe(2); // self-play is not rated
    expect(league.storeBytes()).toBeGreaterThan(0);
    expect(() => league.recordLearnerGames([{ opponent: 'ghost', score: 1 }])).toThrow(/unknown league member 'ghost'/);
    expect(league.gameCount()).toBe(3);
  });

  it('League.open owns its store and maps the trainer’s sampling names', () => {
    store.close();
    const league = League.open({ runDir: dir, game: 'kuhn-poker-v1', sampling: 'latest' });
    expect(dist(league, 'main')).toEqual({ main: 1 });
    league.close();
    expect(() => League.open({ runDir: dir, game: 'kuhn-poker-v1', sampling: 'best' as never })).toThrow(/unknown opponent sampling 'best'/);
    expect(() => League.open({ runDir: dir, game: 'leduc-poker-v1' })).toThrow(/created with game kuhn-poker-v1/);
    expect(() => League.open({ runDir: dir, game: 'kuhn-poker-v1', payoffDecay: 0.9 })).toThrow(/must be 1 or the league's own 1/);
    // a new league takes its payoff decay from the options
    const fresh = League.open({ runDir: join(dir, 'fresh'), game: 'kuhn-poker-v1', payoffDecay: 0.9 });
    expect(fresh.store.info().payoffDecay).toBe(0.9);
    fresh.close();
    store = LeagueStore.open(dir);
  });

  it('league members as agents: what each member plays as, built by the one spec resolver', async () => {
    const league = new League(store, { bots: ['random'] });
    league.addSnapshot('main', 10, blob(10));
    const info = getGame('kuhn-poker').info;
    expect(readLeagueMember({ runDir: dir, id: 'bot:random' }, info)).toEqual({ kind: 'bot', spec: 'random' });
    expect(readLeagueMember({ runDir: dir, id: 'main@000010' }, info)).toEqual({ kind: 'snapshot', blob: blob(10) });
    // the learner has no weights of its own in the league, and this run has no checkpoints
    expect(() => readLeagueMember({ runDir: dir, id: 'main' }, info)).toThrow(/'main' has no stored weights; its snapshots: main@000010/);
    expect(() => readLeagueMember({ runDir: dir, id: 'ghost' }, info)).toThrow(/unknown league member 'ghost'/);
    const bot = await createAgent(`${dir}#bot:random`, info, 1);
    expect(bot.name).toMatch(/random/);
    // snapshots play Arena's own snapshot format: these test bytes are not one
    await expect(createAgent(`${dir}#main@000010`, info)).rejects.toThrow(/policy snapshot/);
    await expect(createAgent(`${dir}#bot:random`, getGame('leduc-poker').info)).rejects.toThrow(/plays kuhn-poker-v1, not leduc-poker-v1/);
    expect(parseLeagueRef(`${dir}#main@000010`)).toEqual({ runDir: dir, id: 'main@000010' });
    expect(parseLeagueRef('alphabeta:3')).toBeNull();
    expect(() => parseLeagueRef('#main')).toThrow(/<runDir>#<memberId>/);
  });
});
