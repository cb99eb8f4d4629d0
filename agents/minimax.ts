/**
 * Perfect play for tic-tac-toe by exhaustive negamax over the whole game tree, memoised in a
 * transposition table keyed by the position (the game has only 5,478 legal positions, so the
 * table fills within a few milliseconds on the first move and is reused for the agent's life).
 *
 * Scores are from the side to move and prefer faster wins and slower losses: a game that ends
 * in a win at step `t` is worth `maxSteps + 1 - t` to the winner (and minus that to the loser);
 * a draw is 0. Because the score depends only on the position (the step count is a function of
 * the board), memoising by position is exact. Among equally good moves the agent picks uniformly
 * at random with its own seeded `Rng`, so games against it vary while it still never loses.
 *
 * It only uses the `GameState` interface (clone / apply / returns / informationState), so any
 * `tic-tac-toe-*` version with the same contract works.
 */
import { AgentMismatchError, ConfigError, isContinuous, Rng, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export class MinimaxAgent implements Agent {
  readonly name = 'minimax';
  private readonly info: GameInfo;
  private readonly rng: Rng;
  /** Position key → value for the side to move there. */
  private readonly table = new Map<string, number>();
  private readonly mask: Uint8Array;
  private readonly ret: Float64Array;
  /** Scratch list of best actions at the root. */
  private readonly best: number[] = [];

  constructor(info: GameInfo, seed = 0) {
    this.info = info;
    this.rng = new Rng(seed);
    this.mask = new Uint8Array(info.actions);
    this.ret = new Float64Array(info.seats);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    if (state.currentSeat() !== seat) throw new AgentMismatchError(`minimax asked to act for seat ${seat}, but seat ${state.currentSeat()} is to move`);
    const actions = state.legalActions(seat);
    let bestValue = -Infinity;
    this.best.length = 0;
    for (const a of actions) {
      const v = this.valueOfMove(state, seat, a);
      if (v > bestValue) {
        bestValue = v;
        this.best.length = 0;
      }
      if (v === bestValue) this.best.push(a);
    }
    return this.best[this.rng.int(this.best.length)]!;
  }

  /** Value for `seat` (the mover in `state`) of playing `action`. */
  private valueOfMove(state: GameState, seat: Seat, action: number): number {
    const child = state.clone();
    child.apply(action);
    if (child.isTerminal()) {
      child.returns(this.ret);
      return this.ret[seat]! * (this.info.maxSteps + 1 - child.stepCount());
    }
    const next = child.currentSeat();
    const v = this.solve(child);
    return next === seat ? v : -v;
  }

  /** Value of a non-terminal position for its side to move (memoised). */
  private solve(state: GameState): number {
    const seat = state.currentSeat();
    const key = state.informationState(seat);
    const known = this.table.get(key);
    if (known !== undefined) return known;
    const mask = new Uint8Array(this.info.actions);
    state.legalMask(seat, mask);
    let best = -Infinity;
    for (let a = 0; a < mask.length; a++) {
      if (!mask[a]) continue;
      const v = this.valueOfMove(state, seat, a);
      if (v > best) best = v;
    }
    this.table.set(key, best);
    return best;
  }
}

export const minimaxKind: AgentKind = {
  kind: 'minimax',
  summary: 'perfect play by full game-tree search with memoisation (tic-tac-toe)',
  fits(game) {
    if (isContinuous(game)) return `minimax searches discrete moves; ${game.id} has continuous actions`;
    if (!game.id.startsWith('tic-tac-toe')) return `minimax searches the whole game tree and only plays tic-tac-toe (got '${game.id}')`;
    if (game.seats !== 2 || game.information !== 'perfect') return 'minimax needs a two-player perfect-information game';
    return null;
  },
  create(info, arg, seed) {
    if (arg !== undefined) throw new ConfigError(`agent 'minimax' takes no argument (got 'minimax:${arg}')`);
    const reason = minimaxKind.fits(info);
    if (reason !== null) throw new AgentMismatchError(`agent 'minimax' cannot play ${info.id}: ${reason}`);
    return new MinimaxAgent(info, seed);
  },
};
