/**
 * A Nash-equilibrium bot for Kuhn poker (`kuhn-poker-*`).
 *
 * Kuhn (1950) found a one-parameter family of equilibria, α ∈ [0, 1/3] (the first player's
 * bluffing frequency); every member gives player 0 the game value −1/18.
 *   Player 0, first to act:  J bets with prob α, Q checks, K bets with prob 3α.
 *   Player 0 after check–bet: J folds, Q calls with prob α + 1/3, K calls.
 *   Player 1 after a check:  J bets (bluffs) with prob 1/3, Q checks, K bets.
 *   Player 1 facing a bet:    J folds, Q calls with prob 1/3, K calls.
 * The bot reads only `state.informationState(seat)` (OpenSpiel notation, e.g. `1pb`) and samples
 * with its own seeded RNG. Spec: `nash` (α = 1/6) or `nash:<α>` (a number or fraction, e.g. `nash:0.2`).
 */
import { AgentMismatchError, ConfigError, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export const KUHN_NASH_DEFAULT_ALPHA = 1 / 6;
const MAX_ALPHA = 1 / 3;

/**
 * The equilibrium's action probabilities `[pass, bet]` at a decision information state in
 * OpenSpiel's notation (card digit 0/1/2 for J/Q/K, then the betting so far in `p`/`b`).
 * Throws RangeError for α outside [0, 1/3] or a string that is not a decision point.
 */
export function kuhnNashPolicy(infoState: string, alpha: number = KUHN_NASH_DEFAULT_ALPHA): [number, number] {
  if (!(alpha >= 0 && alpha <= MAX_ALPHA)) throw new RangeError(`Kuhn Nash α must be in [0, 1/3], got ${alpha}`);
  const card = infoState.charCodeAt(0) - 48; // '0'..'2'
  const history = infoState.slice(1);
  if (infoState.length > 0 && card >= 0 && card <= 2) {
    let bet = -1;
    switch (history) {
      case '': // player 0 opens
        bet = card === 0 ? alpha : card === 1 ? 0 : 3 * alpha;
        break;
      case 'pb': // player 0 checked and faces a bet
        bet = card === 0 ? 0 : card === 1 ? alpha + 1 / 3 : 1;
        break;
      case 'p': // player 1 after a check
        bet = card === 0 ? 1 / 3 : card === 1 ? 0 : 1;
        break;
      case 'b': // player 1 facing a bet
        bet = card === 0 ? 0 : card === 1 ? 1 / 3 : 1;
        break;
    }
    if (bet >= 0) return [1 - bet, bet];
  }
  throw new RangeError(`not a Kuhn poker decision information state: '${infoState}'`);
}

/** Parses the `nash` spec argument: undefined → 1/6; a decimal or `a/b` fraction in [0, 1/3]. */
function parseAlpha(arg: string | undefined): number {
  if (arg === undefined) return KUHN_NASH_DEFAULT_ALPHA;
  const text = arg.trim();
  const frac = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text);
  const value = frac ? Number(frac[1]) / Number(frac[2]) : /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
  // Allow for rounding in a decimal spelling of 1/3 (e.g. 0.33333333333333337).
  if (!Number.isFinite(value) || value < 0 || value > MAX_ALPHA + 1e-12) {
    throw new ConfigError(`agent 'nash:${arg}': α must be a number in [0, 1/3] (e.g. nash:0.2 or nash:1/6)`);
  }
  return Math.min(value, MAX_ALPHA);
}

export class KuhnNashAgent implements Agent {
  readonly name: string;
  readonly alpha: number;
  private readonly rng: Rng;

  constructor(alpha: number, seed = 0, name = 'nash') {
    this.alpha = alpha;
    this.name = name;
    this.rng = new Rng(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    const [, bet] = kuhnNashPolicy(state.informationState(seat), this.alpha);
    // next() is in [0, 1): probability 0 never bets and probability 1 always does.
    return this.rng.next() < bet ? 1 : 0;
  }

  /** `[pass, bet]` from the equilibrium table at the seat's information state. */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    const [pass, bet] = kuhnNashPolicy(state.informationState(seat), this.alpha);
    out[0] = pass;
    out[1] = bet;
  }
}

export const kuhnNashKind: AgentKind = {
  kind: 'nash',
  summary: 'Kuhn poker Nash equilibrium (Kuhn 1950 α-family; nash:<α>, α in [0, 1/3], default 1/6)',
  fits(game: GameInfo): string | null {
    return game.id.startsWith('kuhn-poker') ? null : `the Nash bot plays only Kuhn poker (kuhn-poker-*), not ${game.id}`;
  },
  create(game: GameInfo, arg: string | undefined, seed: number): Agent {
    const reason = kuhnNashKind.fits(game);
    if (reason !== null) throw new AgentMismatchError(reason);
    const alpha = parseAlpha(arg);
    return new KuhnNashAgent(alpha, seed, arg === undefined ? 'nash' : `nash:${arg}`);
  },
};
