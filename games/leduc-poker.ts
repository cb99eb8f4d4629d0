/**
 * Leduc hold'em (Southey et al., "Bayes' Bluff", UAI 2005), with the rules and payoffs of
 * OpenSpiel's `leduc_poker` for two players (default parameters: no action mapping, no suit
 * isomorphism, player 0 starts).
 *
 * Six cards, J Q K in two suits: card c has rank floor(c/2) (0 J1, 1 J2, 2 Q1, 3 Q2, 4 K1, 5 K2).
 * Each player antes 1. Chance deals player 0's private card, then player 1's; betting round 1
 * (raise size 2); chance deals the public card from the remaining four; betting round 2 (raise
 * size 4). Actions 0 = fold, 1 = call/check, 2 = raise. Fold is legal only when facing a bet;
 * raise only while fewer than 2 raises happened this round. Player 0 opens both rounds; a round
 * ends when a call follows a raise or both players checked. Showdown: a private card pairing the
 * public card wins, otherwise the higher rank wins; equal ranks split the pot. Returns are the
 * chips won or lost (OpenSpiel's money at the end minus the starting 100), paid at the end only.
 *
 * Information states are OpenSpiel's strings and observations OpenSpiel's information-state tensor,
 * so tabular results (e.g. 936 information states, exploitabilities) carry over unchanged.
 */
import {
  BadStateError,
  BaseState,
  CHANCE,
  IllegalActionError,
  TERMINAL,
  checkInt,
  checkIntArray,
  checkSnapshot,
  type CardsUi,
  type Game,
  type GameInfo,
  type GameState,
  type Seat,
} from '../core/index.ts';

export const FOLD = 0;
export const CALL = 1;
export const RAISE = 2;
const ACTION_NAMES = ['fold', 'call', 'raise'] as const;
export const LEDUC_CARD_NAMES = ['J1', 'J2', 'Q1', 'Q2', 'K1', 'K2'] as const;
const NUM_CARDS = 6;
const ANTE = 1;
const STARTING_MONEY = 100;
const RAISE_SIZE = [0, 2, 4] as const; // by round (1-based)
const MAX_RAISES = 2;
/** Longest betting sequence of one round (e.g. call, raise, raise, call). */
const MAX_BETS = 4;
/** OpenSpiel's `kInvalidCard`, printed for a card not dealt yet. */
const INVALID_CARD = -10000;

const info: GameInfo = {
  id: 'leduc-poker-v1',
  name: "Leduc hold'em",
  description:
    "Two-player Leduc hold'em (Southey et al. 2005; OpenSpiel leduc_poker): 6 cards (J Q K × 2 suits), ante 1, " +
    'one private and one public card, two betting rounds with raises of 2 then 4, at most 2 raises per round; ' +
    'actions 0 = fold, 1 = call/check, 2 = raise.',
  seats: 2,
  teams: [[0], [1]],
  actions: 3,
  // player one-hot (2) + private card (6) + public card (6) + 2 rounds × 4 slots × (call, raise)
  observationSize: 30,
  // both private cards (12) + public card (6) + betting (16) + player to move one-hot (2)
  stateSize: 36,
  chanceOutcomes: NUM_CARDS,
  maxSteps: 3 + 2 * MAX_BETS,
  dynamics: 'sequential',
  information: 'imperfect',
  utility: 'zero-sum',
  // OpenSpiel's bounds: ante + 2 raises of 2 + 2 raises of 4
  minReturn: -13,
  maxReturn: 13,
};

const SUITS = ['♠', '♥'] as const;

const ui: CardsUi = {
  kind: 'cards',
  cards: LEDUC_CARD_NAMES.map((name, c) => ({ name, rank: name.charAt(0), suit: SUITS[c % 2]! })),
  publicCards: 1,
  rounds: 2,
  actionLabels: ['Fold', 'Call', 'Raise'],
  hint: 'Call = check when nobody has bet. Raises are 2 chips in round 1 and 4 in round 2; at most two per round.',
};

class LeducState extends BaseState {
  /** Private card per seat, -1 before it is dealt. */
  private readonly priv = new Int8Array(2);
  private pub = -1;
  /** Betting round, 1 or 2. */
  private round = 1;
  /** Betting actions: round 1 in [0, 4), round 2 in [4, 8). */
  private readonly seq = new Int8Array(2 * MAX_BETS);
  private readonly seqLen = new Int8Array(2);
  /** The level each player must reach to stay in (OpenSpiel's `stakes_`). */
  private stakes = ANTE;
  /** Chips each player put in the pot (OpenSpiel's `ante_`). */
  private readonly ante = new Int32Array(2);
  /** Chips held by each player (OpenSpiel's `money_`, starting at 100). */
  private readonly money = new Float64Array(2);
  private pot = 2 * ANTE;
  private numRaises = 0;
  private numCalls = 0;
  /** OpenSpiel's `cur_player_`: the acting seat or CHANCE; kept (as the last actor) once the hand is over. */
  private cur = CHANCE;
  private over = false;
  private showdown = false;

  constructor(seed: number) {
    super(info, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.priv.fill(-1);
    this.pub = -1;
    this.round = 1;
    this.seq.fill(0);
    this.seqLen.fill(0);
    this.stakes = ANTE;
    this.ante.fill(ANTE);
    this.money.fill(STARTING_MONEY - ANTE);
    this.pot = 2 * ANTE;
    this.numRaises = 0;
    this.numCalls = 0;
    this.cur = CHANCE;
    this.over = false;
    this.showdown = false;
  }

  currentSeat(): number {
    return this.over ? TERMINAL : this.cur;
  }

  isTruncated(): boolean {
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    out.fill(0, 0, 3);
    if (this.over || seat !== this.cur || seat < 0) return 0;
    let n = 1;
    out[CALL] = 1; // check/call is always legal
    if (this.stakes > this.ante[seat]!) {
      out[FOLD] = 1; // only when facing a bet
      n++;
    }
    if (this.numRaises < MAX_RAISES) {
      out[RAISE] = 1;
      n++;
    }
    return n;
  }

  override chanceProbabilities(out: Float64Array): void {
    out.fill(0, 0, NUM_CARDS);
    if (this.currentSeat() !== CHANCE) return;
    let left = 0;
    for (let c = 0; c < NUM_CARDS; c++) {
      if (c !== this.priv[0] && c !== this.priv[1] && c !== this.pub) {
        out[c] = 1;
        left++;
      }
    }
    for (let c = 0; c < NUM_CARDS; c++) out[c]! /= left;
  }

  protected override doApplyChance(card: number): void {
    if (this.priv[0]! < 0) {
      this.priv[0] = card;
    } else if (this.priv[1]! < 0) {
      this.priv[1] = card;
      this.cur = 0; // all private cards dealt: the starting player opens round 1
    } else {
      this.pub = card;
      this.cur = 0; // player 0 opens round 2
    }
  }

  private addChips(seat: number, amount: number): void {
    this.pot += amount;
    this.ante[seat]! += amount;
    this.money[seat]! -= amount;
  }

  private append(move: number): void {
    const r = this.round - 1;
    this.seq[r * MAX_BETS + this.seqLen[r]!] = move;
    this.seqLen[r]!++;
  }

  private readyForNextRound(): boolean {
    return (this.numRaises === 0 && this.numCalls === 2) || (this.numRaises > 0 && this.numCalls === 1);
  }

  protected doApply(move: number): void {
    const p = this.cur;
    if (move === FOLD) {
      this.append(FOLD);
      this.resolve(1 - p);
      return;
    }
    if (move === CALL) {
      // Matches the current stakes (a check when nothing is owed).
      this.addChips(p, this.stakes - this.ante[p]!);
      this.numCalls++;
      this.append(CALL);
    } else {
      // Match the stakes, then raise them by the round's raise size.
      const size = RAISE_SIZE[this.round]!;
      this.addChips(p, this.stakes - this.ante[p]! + size);
      this.stakes += size;
      this.numRaises++;
      this.numCalls = 0;
      this.append(RAISE);
    }
    if (move === CALL && this.readyForNextRound()) {
      if (this.round === 2) {
        this.resolve(-1);
      } else {
        this.round = 2;
        this.numRaises = 0;
        this.numCalls = 0;
        this.cur = CHANCE; // the public card
      }
    } else {
      this.cur = 1 - p;
    }
  }

  /** OpenSpiel's hand rank: pairs beat every non-pair; otherwise the higher rank, then the lower. */
  private rankHand(seat: number): number {
    const a = this.pub;
    const b = this.priv[seat]!;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo % 2 === 0 && hi === lo + 1) return NUM_CARDS * NUM_CARDS + lo;
    return (hi >> 1) * NUM_CARDS + (lo >> 1);
  }

  /** Pays the pot: to `winner` after a fold (winner >= 0), else by showdown (ties split). */
  private resolve(winner: number): void {
    this.over = true;
    if (winner >= 0) {
      this.money[winner]! += this.pot;
    } else {
      this.showdown = true;
      const r0 = this.rankHand(0);
      const r1 = this.rankHand(1);
      if (r0 === r1) {
        this.money[0]! += this.pot / 2;
        this.money[1]! += this.pot / 2;
      } else {
        this.money[r0 > r1 ? 0 : 1]! += this.pot;
      }
    }
    this.pot = 0;
  }

  rewards(out: Float64Array): void {
    // Rewards are paid only on the final transition, so they equal the returns.
    this.returns(out);
  }

  returns(out: Float64Array): void {
    if (!this.over) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    out[0] = this.money[0]! - STARTING_MONEY;
    out[1] = this.money[1]! - STARTING_MONEY;
  }

  private writeBetting(out: Float32Array, at: number): void {
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < this.seqLen[r]!; i++) {
        const a = this.seq[r * MAX_BETS + i]!;
        // call = 10, raise = 01; a fold ends the hand and is not encoded (as in OpenSpiel)
        if (a !== FOLD) out[at + (r * MAX_BETS + i) * 2 + (a === CALL ? 0 : 1)] = 1;
      }
    }
  }

  observe(seat: Seat, out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + info.observationSize);
    out[offset + seat] = 1;
    const card = this.priv[seat]!;
    if (card >= 0) out[offset + 2 + card] = 1;
    if (this.pub >= 0) out[offset + 8 + this.pub] = 1;
    this.writeBetting(out, offset + 14);
  }

  globalState(out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + info.stateSize);
    for (let s = 0; s < 2; s++) {
      const card = this.priv[s]!;
      if (card >= 0) out[offset + 6 * s + card] = 1;
    }
    if (this.pub >= 0) out[offset + 12 + this.pub] = 1;
    this.writeBetting(out, offset + 18);
    const cur = this.currentSeat();
    if (cur >= 0) out[offset + 34 + cur] = 1;
  }

  private sequence(r: number): number[] {
    return Array.from(this.seq.subarray(r * MAX_BETS, r * MAX_BETS + this.seqLen[r]!));
  }

  /** OpenSpiel's perfect-recall information-state string for `seat`. */
  informationState(seat: Seat): string {
    const card = this.priv[seat]!;
    return (
      `[Observer: ${seat}][Private: ${card >= 0 ? card : INVALID_CARD}][Round ${this.round}][Player: ${this.cur}]` +
      `[Pot: ${this.pot}][Money: ${this.money[0]} ${this.money[1]}]` +
      (this.pub >= 0 ? `[Public: ${this.pub}]` : '') +
      `[Round1: ${this.sequence(0).join(' ')}][Round2: ${this.sequence(1).join(' ')}]`
    );
  }

  actionName(action: number): string {
    return ACTION_NAMES[action] ?? `?${action}`;
  }

  view(seat: Seat | null): Record<string, unknown> {
    const cur = this.currentSeat();
    const cards: (string | null)[] = [];
    for (let s = 0; s < 2; s++) {
      const c = this.priv[s]!;
      cards.push(c >= 0 && (s === seat || this.showdown) ? LEDUC_CARD_NAMES[c]! : null);
    }
    const ret = new Float64Array(2);
    this.returns(ret);
    return {
      seat,
      cards,
      publicCards: this.pub >= 0 ? [LEDUC_CARD_NAMES[this.pub]!] : [],
      round: this.round,
      pot: this.pot,
      contributions: Array.from(this.ante),
      // player 0 opens both rounds and the players alternate
      betting: [0, 1].map((r) => this.sequence(r).map((action, i) => ({ seat: i % 2, action }))),
      toMove: cur >= 0 ? cur : null,
      chance: cur === CHANCE,
      legal: cur >= 0 ? this.legalActions(cur) : [],
      finished: this.over,
      showdown: this.showdown,
      returns: this.over ? Array.from(ret) : null,
    };
  }

  render(): string {
    const name = (c: number): string => (c >= 0 ? LEDUC_CARD_NAMES[c]! : '--');
    const seqText = (r: number): string => this.sequence(r).map((a) => this.actionName(a)).join(' ') || '(none)';
    const cur = this.currentSeat();
    const ret = new Float64Array(2);
    this.returns(ret);
    const status = this.over
      ? `final returns ${ret[0]} ${ret[1]}${this.showdown ? ' (showdown)' : ' (fold)'}`
      : cur === CHANCE
        ? 'dealing'
        : `player ${cur} to act`;
    return (
      `Leduc hold'em  round ${this.round}  private: P0 ${name(this.priv[0]!)}  P1 ${name(this.priv[1]!)}  public: ${name(this.pub)}\n` +
      `round 1: ${seqText(0)}\nround 2: ${seqText(1)}\n` +
      `pot ${this.pot}  contributions ${this.ante[0]} ${this.ante[1]}\n${status}`
    );
  }

  clone(): GameState {
    const c = new LeducState(0);
    c.copyBase(this);
    c.priv.set(this.priv);
    c.pub = this.pub;
    c.round = this.round;
    c.seq.set(this.seq);
    c.seqLen.set(this.seqLen);
    c.stakes = this.stakes;
    c.ante.set(this.ante);
    c.money.set(this.money);
    c.pot = this.pot;
    c.numRaises = this.numRaises;
    c.numCalls = this.numCalls;
    c.cur = this.cur;
    c.over = this.over;
    c.showdown = this.showdown;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return { private: Array.from(this.priv), public: this.pub, round1: this.sequence(0), round2: this.sequence(1) };
  }

  /** Rebuilds from snapshot data by replaying deals and bets with the usual legality checks. */
  restoreFrom(data: unknown): this {
    const d = checkSnapshot(info.id, data);
    const priv = checkIntArray(info.id, 'private', d['private'], 2, -1, NUM_CARDS - 1);
    const pub = checkInt(info.id, 'public', d['public'], -1, NUM_CARDS - 1);
    const rounds = [d['round1'], d['round2']].map((s, r) => {
      if (!Array.isArray(s) || s.length > MAX_BETS) throw new BadStateError(info.id, `field 'round${r + 1}' must be an array of at most ${MAX_BETS} actions`);
      return checkIntArray(info.id, `round${r + 1}`, s, s.length, 0, 2);
    });
    const deal = (card: number): void => {
      if (this.currentSeat() !== CHANCE) throw new BadStateError(info.id, `card ${card} dealt when no deal is due`);
      this.apply(card);
    };
    const bet = (a: number): void => {
      if (this.currentSeat() < 0) throw new BadStateError(info.id, 'a betting action where no player is to act');
      this.apply(a);
    };
    try {
      if (priv[0]! < 0 && priv[1]! >= 0) throw new BadStateError(info.id, "player 1's card is dealt before player 0's");
      for (const c of priv) if (c >= 0) deal(c);
      for (const a of rounds[0]!) bet(a);
      if (pub >= 0) deal(pub);
      else if (rounds[1]!.length > 0) throw new BadStateError(info.id, 'round 2 betting without a public card');
      for (const a of rounds[1]!) bet(a);
    } catch (e) {
      if (e instanceof IllegalActionError) throw new BadStateError(info.id, `inconsistent snapshot: ${e.message}`);
      throw e;
    }
    const steps = this.steps;
    this.restoreBase(d);
    if (this.steps !== steps) throw new BadStateError(info.id, `field 'steps' is ${this.steps}, but the snapshot holds ${steps} transitions`);
    return this;
  }
}

export const leducPoker: Game = {
  info,
  ui,
  newState(seed = 0): GameState {
    return new LeducState(seed);
  },
  restore(data: unknown): GameState {
    return new LeducState(0).restoreFrom(data);
  },
};
