/**
 * Opponent sources for the collectors: the league (each learner's distribution by its role — PFSP
 * and AlphaStar's rules in league/league.ts), or a fixed list of bots (with `self` for the learner's
 * own current weights). A task plays a sample of the distribution (collectors.ts), and only the
 * snapshots it drew are published to the actors, so the cost of a task does not grow with the league.
 */
import { ConfigError, type Rng } from '../../core/index.ts';
import type { League, Opponent } from '../../league/league.ts';
import { sampleOpponents, type LearnerRef, type OpponentDraw, type OpponentSource } from './collectors.ts';
import type { Actors } from './pool.ts';
import type { OpponentRef } from './rollout.ts';

export class LeagueOpponents implements OpponentSource {
  private readonly league: League;
  private readonly actors: Actors;
  private readonly versions: () => Readonly<Record<string, number>>;
  private readonly cache = new Map<string, { epoch: number; members: Opponent[]; probs: number[] }>();
  private epoch = 0;

  /** `versions` gives every learner's newest published weights version. */
  constructor(league: League, actors: Actors, versions: () => Readonly<Record<string, number>>) {
    this.league = league;
    this.actors = actors;
    this.versions = versions;
  }

  /** The league changed (results, snapshots): distributions are recomputed at the next draw. */
  invalidate(): void {
    this.epoch++;
  }

  draw(learner: LearnerRef, rng: Rng, k: number): OpponentDraw {
    let d = this.cache.get(learner.id);
    const versions = this.versions();
    if (!d || d.epoch !== this.epoch) {
      const dist = this.league.opponentDistribution(learner.id, { learnerVersions: versions, blobs: false });
      d = { epoch: this.epoch, members: dist.members, probs: dist.probs };
      this.cache.set(learner.id, d);
    }
    const picked = sampleOpponents(d.members, d.probs, rng, k);
    const refs = picked.items.map((m): OpponentRef => {
      // a learner opponent (self-play, or a main agent for an exploiter) plays its newest weights
      const live = versions[m.id];
      if (live !== undefined) return { id: m.id, version: live };
      if ('version' in m.ref && !this.actors.has(m.ref.version)) {
        const blob = m.blob ?? this.league.store.getSnapshot(m.weightsOf ?? m.id);
        if (!blob) throw new ConfigError(`league member '${m.id}' has no stored snapshot`);
        this.actors.publish(m.ref.version, blob);
      }
      return m.ref;
    });
    return { refs, probs: picked.probs };
  }

  republish(ref: OpponentRef): boolean {
    if (!('version' in ref)) return true;
    if (this.actors.has(ref.version)) return true;
    const blob = this.league.store.hasMember(ref.id) ? this.league.store.getSnapshot(ref.id) : null;
    if (!blob) return false;
    this.actors.publish(ref.version, blob);
    return true;
  }
}

/** A fixed list of opponents drawn uniformly: bot specs, and `self` for the learner's current weights. */
export class FixedOpponents implements OpponentSource {
  private readonly specs: string[];

  constructor(list: string) {
    this.specs = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (this.specs.length === 0) throw new ConfigError(`no opponent in '${list}'`);
  }

  /** The bot specs (without `self`). */
  bots(): string[] {
    return this.specs.filter((s) => s !== 'self');
  }

  draw(learner: LearnerRef): OpponentDraw {
    const refs = this.specs.map((s): OpponentRef => (s === 'self' ? { id: 'self', version: learner.version } : { id: s, bot: s }));
    return { refs, probs: refs.map(() => 1 / refs.length) };
  }
}
