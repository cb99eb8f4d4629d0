/**
 * Kuhn poker (H. W. Kuhn, "A simplified two-person poker", 1950), exactly as OpenSpiel's
 * `kuhn_poker` for two players.
 *
 * Deck J, Q, K (cards 0, 1, 2). Each player antes 1; chance deals player 0's card, then player 1's
 * (two explicit chance nodes, outcome = card). Player 0 acts first; actions 0 = pass (check/fold)
 * and 1 = bet (bet/call). Lines: `pp` → showdown for 1; `bp`, `pbp` → the bettor wins the folder's
 * ante (1); `bb`, `pbb` → showdown for 2. Rewards come only at the end; returns are zero-sum.
 *
 * Information states use OpenSpiel's notation (own card digit, then `p`/`b` per betting action), so
 * tabular policies keyed by OpenSpiel's strings (e.g. Kuhn's equilibrium tables) apply unchanged.
 * Observations are OpenSpiel's information-state tensor.
 */
import {
  BadStateError,
  BaseState,
  CHANCE,
  IllegalActionError,
  TERMINAL,
  checkIntArray,
  checkSnapshot,
  type CardsUi,
  type Game,
  type GameInfo,
  type GameState,
  type Seat,
} from '../core/index.ts';

export const PASS = 0;
export const BET = 1;
const CARD_NAMES = ['J', 'Q', 'K'] as const;
/** Longest betting sequence (`pbb`/`pbp`). */
const MAX_BETS = 3;

const info: GameInfo = {
  id: 'kuhn-poker-v1',
  name: 'Kuhn poker',
  description:
    'Two-player Kuhn poker (Kuhn 1950; OpenSpiel kuhn_poker): cards J<Q<K, ante 1, one betting round with a 1-chip bet; ' +
    'actions 0 = pass (check/fold), 1 = bet (bet/call).',
  seats: 2,
  teams: [[0], [1]],
  actions: 2,
  // player one-hot (2) + own card one-hot (3) + 3 betting actions × (pass, bet)
  observationSize: 11,
  // both cards one-hot (2 × 3) + 3 × (pass, bet) + player to move one-hot (2)
  stateSize: 14,
  chanceOutcomes: 3,
  maxSteps: 2 + MAX_BETS,
  dynamics: 'sequential',
  information: 'imperfect',
  utility: 'zero-sum',
  minReturn: -2,
  maxReturn: 2,
};

const ui: CardsUi = {
  kind: 'cards',
  cards: CARD_NAMES.map((name) => ({ name, rank: name })),
  publicCards: 0,
  rounds: 1,
  actionLabels: ['Pass', 'Bet'],
  hint: 'Pass = check (or fold to a bet) · Bet = bet 1 chip (or call a bet).',
};

class KuhnState extends BaseState {
  /** cards[seat]: 0..2, or -1 before it is dealt. */
  private readonly cards = new Int8Array(2);
  private readonly bets = new Int8Array(MAX_BETS);
  private nBets = 0;
  /** Player 0's final return (0 until the game ends). */
  private ret0 = 0;
  private over = false;
  private showdown = false;

  constructor(seed: number) {
    super(info, seed);
    this.doReset();
  }

  protected doReset(): void {
    this.cards.fill(-1);
    this.bets.fill(0);
    this.nBets = 0;
    this.ret0 = 0;
    this.over = false;
    this.showdown = false;
  }

  private dealt(): number {
    return this.cards[0]! < 0 ? 0 : this.cards[1]! < 0 ? 1 : 2;
  }

  currentSeat(): number {
    if (this.over) return TERMINAL;
    if (this.cards[1]! < 0) return CHANCE;
    return this.nBets & 1;
  }

  isTruncated(): boolean {
    return false;
  }

  legalMask(seat: Seat, out: Uint8Array): number {
    out.fill(0, 0, 2);
    if (seat !== this.currentSeat() || seat < 0) return 0;
    out[PASS] = 1;
    out[BET] = 1;
    return 2;
  }

  override chanceProbabilities(out: Float64Array): void {
    out.fill(0, 0, 3);
    if (this.currentSeat() !== CHANCE) return;
    const first = this.cards[0]!;
    const p = first < 0 ? 1 / 3 : 1 / 2;
    for (let c = 0; c < 3; c++) if (c !== first) out[c] = p;
  }

  protected override doApplyChance(outcome: number): void {
    this.cards[this.dealt()] = outcome;
  }

  protected doApply(action: number): void {
    this.bets[this.nBets++] = action;
    const n = this.nBets;
    const b0 = this.bets[0]!;
    const b1 = this.bets[1]!;
    if (n === 2 && b0 === PASS && b1 === PASS) this.finish(1, true); // pp
    else if (n === 2 && b0 === BET) this.finish(b1 === BET ? 2 : 1, b1 === BET, 0); // bb / bp
    else if (n === 3) this.finish(this.bets[2] === BET ? 2 : 1, this.bets[2] === BET, 1); // pbb / pbp
  }

  /** Ends the hand for `stake` chips: a showdown, or a fold where `bettor` takes the pot. */
  private finish(stake: number, showdown: boolean, bettor = -1): void {
    const winner = showdown ? (this.cards[0]! > this.cards[1]! ? 0 : 1) : bettor;
    this.ret0 = winner === 0 ? stake : -stake;
    this.showdown = showdown;
    this.over = true;
  }

  rewards(out: Float64Array): void {
    // Rewards are paid only on the final transition, so they equal the returns once it is over.
    this.returns(out);
  }

  returns(out: Float64Array): void {
    out[0] = this.ret0;
    out[1] = 0 - this.ret0; // never -0
  }

  observe(seat: Seat, out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + info.observationSize);
    out[offset + seat] = 1;
    const card = this.cards[seat]!;
    if (card >= 0) out[offset + 2 + card] = 1;
    for (let i = 0; i < this.nBets; i++) out[offset + 5 + 2 * i + this.bets[i]!] = 1;
  }

  globalState(out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + info.stateSize);
    for (let s = 0; s < 2; s++) {
      const card = this.cards[s]!;
      if (card >= 0) out[offset + 3 * s + card] = 1;
    }
    for (let i = 0; i < this.nBets; i++) out[offset + 6 + 2 * i + this.bets[i]!] = 1;
    const cur = this.currentSeat();
    if (cur >= 0) out[offset + 12 + cur] = 1;
  }

  private history(): string {
    let h = '';
    for (let i = 0; i < this.nBets; i++) h += this.bets[i] === BET ? 'b' : 'p';
    return h;
  }

  /**
   * OpenSpiel's string: the seat's card digit (once dealt) followed by the betting in `p`/`b`.
   * One addition: while the opponent's card is still being dealt, a seat that holds its card gets a
   * trailing `*` (OpenSpiel writes the bare digit there too, but that chance node and the following
   * decision node are different to the seat; decision-node strings are exactly OpenSpiel's).
   */
  informationState(seat: Seat): string {
    const card = this.cards[seat]!;
    if (card < 0) return this.history();
    return `${card}${this.history()}${this.currentSeat() === CHANCE ? '*' : ''}`;
  }

  actionName(action: number): string {
    return action === PASS ? 'pass' : action === BET ? 'bet' : `?${action}`;
  }

  private pot(): number {
    let pot = 2;
    for (let i = 0; i < this.nBets; i++) pot += this.bets[i]!;
    return pot;
  }

  view(seat: Seat | null): Record<string, unknown> {
    const cur = this.currentSeat();
    const cards: (string | null)[] = [];
    for (let s = 0; s < 2; s++) {
      const c = this.cards[s]!;
      cards.push(c >= 0 && (s === seat || this.showdown) ? CARD_NAMES[c]! : null);
    }
    const out = new Float64Array(2);
    this.returns(out);
    return {
      seat,
      cards,
      pot: this.pot(),
      history: this.history(),
      publicCards: [],
      // player 0 opens and the players alternate
      betting: [Array.from(this.bets.subarray(0, this.nBets), (action, i) => ({ seat: i % 2, action }))],
      toMove: cur >= 0 ? cur : null,
      chance: cur === CHANCE,
      legal: cur >= 0 ? this.legalActions(cur) : [],
      finished: this.over,
      showdown: this.showdown,
      returns: this.over ? Array.from(out) : null,
    };
  }

  render(): string {
    const card = (s: number): string => (this.cards[s]! >= 0 ? CARD_NAMES[this.cards[s]!]! : '-');
    const cur = this.currentSeat();
    const status = this.over
      ? `final returns ${this.ret0} ${-this.ret0}${this.showdown ? ' (showdown)' : ' (fold)'}`
      : cur === CHANCE
        ? 'dealing'
        : `player ${cur} to act`;
    return `Kuhn poker  cards: P0 ${card(0)}  P1 ${card(1)}\nbetting: ${this.history() || '(none)'}  pot ${this.pot()}\n${status}`;
  }

  clone(): GameState {
    const c = new KuhnState(0);
    c.copyBase(this);
    c.cards.set(this.cards);
    c.bets.set(this.bets);
    c.nBets = this.nBets;
    c.ret0 = this.ret0;
    c.over = this.over;
    c.showdown = this.showdown;
    return c;
  }

  protected serializeFields(): Record<string, unknown> {
    return { cards: Array.from(this.cards), bets: Array.from(this.bets.subarray(0, this.nBets)) };
  }

  /** Rebuilds from snapshot data by replaying the deal and the betting with legality checks. */
  restoreFrom(data: unknown): this {
    const d = checkSnapshot(info.id, data);
    const cards = checkIntArray(info.id, 'cards', d['cards'], 2, -1, 2);
    const bets = d['bets'];
    if (!Array.isArray(bets) || bets.length > MAX_BETS) throw new BadStateError(info.id, `field 'bets' must be an array of at most ${MAX_BETS} actions`);
    const actions = checkIntArray(info.id, 'bets', bets, bets.length, 0, 1);
    if (cards[0]! < 0 && cards[1]! >= 0) throw new BadStateError(info.id, "player 1's card is dealt before player 0's");
    try {
      for (const c of cards) if (c >= 0) this.apply(c);
      for (const a of actions) {
        if (this.currentSeat() < 0) throw new BadStateError(info.id, 'betting before the deal is complete or after the end');
        this.apply(a);
      }
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

export const kuhnPoker: Game = {
  info,
  ui,
  newState(seed = 0): GameState {
    return new KuhnState(seed);
  },
  restore(data: unknown): GameState {
    return new KuhnState(0).restoreFrom(data);
  },
};
