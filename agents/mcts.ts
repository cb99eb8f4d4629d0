/**
 * Play-time search, `mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse]`: Monte Carlo tree search guided by a trained
 * policy, as AlphaZero plays (Silver et al. 2018; OpenSpiel's `mcts.py` reads the same way).
 *
 * One simulation walks from the root to a leaf, evaluates it once and backs the value up:
 *
 * 1. Select: at an expanded node s, take the child maximising the PUCT score
 *      Q(s,a) + c_puct · P(s,a) · √N(s) / (1 + N(s,a))
 *    with P the evaluator's prior (renormalised over legal moves), N visit counts and Q(s,a) the
 *    mean value of a's subtree for the seat to move at s (0 while a is unvisited).
 * 2. Expand and evaluate: a new leaf gets one child per legal move with the evaluator's priors, and
 *    its value v = V(leaf) for the seat to move there (the critic, in return units). A terminal leaf
 *    is valued by the game's returns instead, and is never expanded.
 * 3. Back up: every node on the path adds the leaf's value for the seat that chose the move into it:
 *    returns so far + v for the seat to move at the leaf, − v for the other seat. In a two-player
 *    zero-sum game this is negamax with signs taken from seats rather than depth parity, so games
 *    where a seat moves twice in a row back up correctly too.
 *
 * The move played is the root's most visited child (ties drawn with the agent's seeded Rng, so the
 * same seed replays the same moves). No Dirichlet noise at the root by default: that is for self-play
 * exploration (`rootNoise`, which the expert-iteration actors set), not play. The tree lives in preallocated typed
 * arrays, and a simulation clones the root state once and replays its path. `act` rebuilds it every
 * move, unless the agent keeps its tree (`treeReuse`; the spec `mcts:<agent>[:<simulations>]:reuse`):
 * the search then starts from the subtree of the position it is asked about, found below the last
 * position it searched by its own move and the opponent's reply, and runs its `simulations` on top of
 * the visits and values kept there (tree reuse, as Leela Zero and KataGo do). Self-play keeps the
 * subtree of the move it played by hand (`advance`), with fresh root noise on the new root's priors. The search also runs in
 * steps (`beginSearch`, `nextLeaf`, `resolveLeaf`), so that a caller running many searches at once can
 * evaluate their leaves together in one batch (the expert-iteration actors, src/selfplay/search-selfplay.ts).
 *
 * The solver (on by default; MCTS-Solver, Winands, Björnsson & Saito 2008): positions whose
 * minimax value the tree already proves are not estimated any more.
 *  - Expanding a node tries each legal move once: a move that ends the game makes that child solved
 *    at its exact return (so a win in one is seen before any simulation reaches it).
 *  - A node is solved when one child is a solved win for the seat to move there (its value reaches
 *    `maxReturn`), or when every child is solved: its exact value is then the best child's. The
 *    check runs up the path after each simulation, as far as nodes keep becoming solved.
 *  - A simulation stops at a solved node and backs up its exact value instead of a critic's guess.
 *    Selection skips proven losses (children whose exact value is `minReturn` for the seat choosing).
 *  - Once the root is solved the search stops. The move played is then a child that achieves the
 *    root's exact value (the most visited of them); otherwise the most visited child that is not a
 *    proven loss.
 * Values are exact final returns, which the zero-sum backup negates for the other seat. With the
 * solver off (`solver: false`) the search is plain PUCT, as AlphaZero plays.
 *
 * Leaves of a game that declares symmetries (`GameInfo.symmetries`) are evaluated as the average of the
 * network over the position and its images (agents/symmetry.ts; on by default, `symmetries: false` turns
 * it off): Connect Four's mirror costs a second row in the same forward pass.
 *
 * Only sequential, perfect-information, two-player zero-sum games without chance events are searched:
 * hidden information needs determinisation or information-set search, simultaneous moves and chance
 * nodes need other node kinds, and the backup assumes the two seats' values are opposite.
 */
import { AgentMismatchError, CHANCE, ConfigError, isContinuous, Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import type { PolicySpec } from './policy.ts';
import { argmaxTiesSeeded } from './sampling.ts';

/** Spec prefix: `mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse]`, e.g. `mcts:runs/c4:200`, `mcts:runs/c4#main@000120:50` or `mcts:runs/c4:200:reuse`. */
export const MCTS_PREFIX = 'mcts:';
/** Simulations per move when the spec names none. */
export const DEFAULT_SIMULATIONS = 100;
/** The spec's last word that keeps the search tree between moves: `mcts:runs/c4:200:reuse`. */
export const REUSE_WORD = 'reuse';
/** The spec's word for a first-play urgency (MctsAgentOptions.fpuReduction): `mcts:runs/c4:200:fpu0.5`. */
export const FPU_WORD = 'fpu';
/** The spec's word for no first-play urgency, unvisited moves at Q 0: `mcts:runs/c4:200:fpuoff`. */
export const FPU_OFF_WORD = 'fpuoff';
/**
 * The first-play urgency `mcts:` searches a network trained by expert iteration (`--algo alphazero`) with when the
 * spec names none; other networks search with Q 0 (README, "Search at play time": chosen against `alphabeta:7`,
 * confirmed against `alphabeta:5`; PPO's league critics lose with an urgency).
 */
export const ALPHAZERO_PLAY_FPU = 0.5;
/** Upper bound on simulations per move (the tree takes ≈ 50 bytes per legal move per simulation; three times that with tree reuse). */
export const MAX_SIMULATIONS = 100_000;
/**
 * Exploration constant of the PUCT rule. 1.25 is AlphaZero's c_init (its pseudocode's log term,
 * which grows c only after ~20,000 visits, is left out); values are in return units (±1 for a win).
 */
export const DEFAULT_C_PUCT = 1.25;

/** What search needs from a trained network: priors over the legal moves and a value, for the seat to move. */
export interface PositionEvaluator {
  /** Why this evaluator cannot guide search (null when it can), e.g. a continuous policy; asked once, before any move. */
  evaluationProblem(): string | null;
  /**
   * Writes P(a | state) for `seat` (the seat to move) into `priors[0..actions)` — 0 for illegal
   * moves, summing to 1 — and returns V(state) for `seat`: its expected return from here on.
   * `symmetric`: average over the game's symmetries (`GameInfo.symmetries`, agents/symmetry.ts) where
   * the evaluator can; ignored by one that has nothing to average.
   */
  evaluatePosition(state: GameState, seat: Seat, priors: Float64Array, symmetric?: boolean): number;
}

/** Why a trained policy of `spec` cannot guide search (null when it can): the check of every network evaluator. */
export function policySearchProblem(spec: PolicySpec): string | null {
  if (spec.head !== 'categorical') return 'its policy is continuous (Gaussian), search needs discrete moves';
  if ((spec as { agentIdFeature?: boolean }).agentIdFeature === true) return 'it is a team policy (MAPPO/IPPO), search needs a policy of one seat';
  if (spec.criticInputSize !== spec.obsSize) return "its critic reads the global state (centralized), search needs a critic of the seat's observation";
  return null;
}

export function isPositionEvaluator(x: unknown): x is PositionEvaluator {
  const e = x as Partial<PositionEvaluator> | null;
  return typeof e?.evaluatePosition === 'function' && typeof e.evaluationProblem === 'function';
}

/**
 * Search without a network: uniform priors over the legal moves and value 0 everywhere, so only
 * terminal positions carry information (the baseline the search tests use).
 */
export const uniformEvaluator: PositionEvaluator = {
  evaluationProblem: () => null,
  evaluatePosition(state, seat, priors) {
    const n = state.info.actions;
    const mask = new Uint8Array(n);
    const legal = state.legalMask(seat, mask);
    for (let a = 0; a < n; a++) priors[a] = mask[a] ? 1 / legal : 0;
    return 0;
  },
};

/** Why `mcts:` cannot search `info` (null when it can). */
export function mctsFits(info: GameInfo): string | null {
  const reasons: string[] = [];
  if (isContinuous(info)) reasons.push('its actions are continuous (search needs discrete moves)');
  if (info.information !== 'perfect') reasons.push('it has hidden information');
  if (info.dynamics !== 'sequential') reasons.push('its seats move simultaneously');
  if (info.seats !== 2 || info.utility !== 'zero-sum') reasons.push(`it is not a two-player zero-sum game (${info.seats} seats, ${info.utility})`);
  if (info.chanceOutcomes > 0) reasons.push('it has chance events');
  return reasons.length ? reasons.join(', ') : null;
}

/** What `mcts:` accepts, for error messages. */
const ACCEPTED_GAMES = 'mcts: searches sequential, perfect-information, two-player zero-sum games without chance events';
const ACCEPTED_SPEC = `mcts:<agent>[:<simulations>][:${FPU_WORD}<r>|:${FPU_OFF_WORD}][:${REUSE_WORD}] (simulations a positive integer ≤ ${MAX_SIMULATIONS}, default ${DEFAULT_SIMULATIONS}; r a number), e.g. mcts:runs/c4:200 or mcts:runs/c4:200:${FPU_WORD}0.5`;

/** A parsed `mcts:` spec: the agent that guides the search, simulations per move, and whether the tree is kept between moves. */
export interface MctsSpec {
  readonly inner: string;
  readonly simulations: number;
  /** `:reuse`: each move's search starts from the subtree of the position reached (MctsAgentOptions.treeReuse). */
  readonly reuse: boolean;
  /**
   * `:fpu<r>`: unvisited moves score the network's value minus r (MctsAgentOptions.fpuReduction); null (`:fpuoff`):
   * Q 0; undefined: the spec names none, the network's default (agents/index.ts, `defaultPlayUrgency`).
   */
  readonly fpuReduction: number | null | undefined;
}

/**
 * Splits `mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse]`: trailing words `:reuse` (keep the tree between
 * moves) and `:fpu<r>` or `:fpuoff` (first-play urgency, or none), in either order, and a trailing `:<number>` before them,
 * the simulation count (the inner spec may contain colons itself, e.g. `mcts:greedy:runs/c4:50`).
 * Throws ConfigError for a missing inner agent, a count that is not a positive integer or an `fpu`
 * word without a number.
 */
export function parseMctsSpec(spec: string): MctsSpec {
  if (!spec.startsWith(MCTS_PREFIX)) throw new ConfigError(`'${spec}' is not an mcts: spec; expected ${ACCEPTED_SPEC}`);
  let inner = spec.slice(MCTS_PREFIX.length).trim();
  let simulations = DEFAULT_SIMULATIONS;
  let reuse = false;
  let fpuReduction: number | null | undefined;
  const tailOf = (): { i: number; tail: string } => {
    const i = inner.lastIndexOf(':');
    return { i, tail: i < 0 ? '' : inner.slice(i + 1).trim() };
  };
  let { i, tail } = tailOf();
  for (;;) {
    if (tail === REUSE_WORD && !reuse) reuse = true;
    else if (tail === FPU_OFF_WORD && fpuReduction === undefined && i >= 0) fpuReduction = null;
    else if (tail.startsWith(FPU_WORD) && fpuReduction === undefined && i >= 0) {
      const r = Number(tail.slice(FPU_WORD.length));
      if (tail.length === FPU_WORD.length || !Number.isFinite(r)) throw new ConfigError(`'${spec}': ${FPU_WORD} needs a number, the reduction r (e.g. ${FPU_WORD}0.5), got '${tail}'; expected ${ACCEPTED_SPEC}`);
      fpuReduction = r;
    } else break;
    inner = inner.slice(0, i).trim();
    ({ i, tail } = tailOf());
  }
  // anything number-like is meant as a count (and must be a valid one); other tails belong to the inner spec
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(tail)) {
    const n = Number(tail);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SIMULATIONS) throw new ConfigError(`'${spec}': simulations must be a positive integer ≤ ${MAX_SIMULATIONS}, got '${tail}'; expected ${ACCEPTED_SPEC}`);
    simulations = n;
    inner = inner.slice(0, i).trim();
  }
  if (inner === '') throw new ConfigError(`'${spec}' names no agent to guide the search; expected ${ACCEPTED_SPEC}`);
  return { inner, simulations, reuse, fpuReduction };
}

/** The `mcts:` spec of `parsed` (its canonical spelling: count always written, then `:fpu<r>` or `:fpuoff`, `:reuse` last). */
export function mctsSpec(parsed: MctsSpec): string {
  const fpu = parsed.fpuReduction === undefined ? '' : parsed.fpuReduction === null ? `:${FPU_OFF_WORD}` : `:${FPU_WORD}${parsed.fpuReduction}`;
  return `${MCTS_PREFIX}${parsed.inner}:${parsed.simulations}${fpu}${parsed.reuse ? `:${REUSE_WORD}` : ''}`;
}

/** Checks that `mcts:` can search `info`, before anything is loaded. */
export function checkMctsGame(spec: string, info: GameInfo): void {
  const reason = mctsFits(info);
  if (reason !== null) throw new AgentMismatchError(`agent '${spec}' cannot play ${info.id}: ${reason}; ${ACCEPTED_GAMES}`);
}

/**
 * Index of the child in `[first, first + count)` with the largest PUCT score
 * Q + c_puct · P · √N(parent) / (1 + N), where Q = W / N for visited children and 0 otherwise
 * (the first such child on ties). `values` are W, summed for the seat choosing among these children.
 * Children with `excluded[c]` set (the solver's proven losses) are skipped; at least one must remain.
 * `unvisitedQ` is the Q an unvisited child is scored with (its first-play urgency; 0 by default, a draw in return units).
 */
export function puctSelect(
  visits: ArrayLike<number>,
  values: ArrayLike<number>,
  priors: ArrayLike<number>,
  first: number,
  count: number,
  parentVisits: number,
  cPuct: number,
  excluded?: ArrayLike<number>,
  unvisitedQ = 0,
): number {
  const scale = cPuct * Math.sqrt(parentVisits);
  let best = first;
  let bestScore = -Infinity;
  for (let c = first; c < first + count; c++) {
    if (excluded?.[c]) continue;
    const n = visits[c]!;
    const score = (n > 0 ? values[c]! / n : unvisitedQ) + (scale * priors[c]!) / (1 + n);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

export interface MctsAgentOptions {
  /** The spec that built the agent. */
  readonly name: string;
  readonly info: GameInfo;
  /** Priors and values (a trained policy agent, or `uniformEvaluator`). */
  readonly evaluator: PositionEvaluator;
  /** Simulations per move (default DEFAULT_SIMULATIONS). */
  readonly simulations?: number;
  /** Exploration constant c_puct (default DEFAULT_C_PUCT). */
  readonly cPuct?: number;
  /** Seed of the Rng that breaks ties between equally visited root moves. */
  readonly seed?: number;
  /** Prove wins and losses in the tree (MCTS-Solver, see the file comment; default true). */
  readonly solver?: boolean;
  /** Average the evaluator over the game's symmetries (agents/symmetry.ts; default true, a no-op for games that declare none). */
  readonly symmetries?: boolean;
  /** Released with this agent (the agent the evaluator belongs to). */
  readonly owned?: Agent;
  /**
   * First-play urgency: the Q of a move not visited yet. null (the default): 0, a draw (AlphaZero's published
   * pseudocode, on a 0..1 scale, scores them 0, a loss); a number r:
   * the evaluator's value of the position for the seat choosing, minus r (Leela Zero's and KataGo's
   * reduction), so that in a lost position untried moves do not look better than the tried ones, nor
   * worse in a won one.
   */
  readonly fpuReduction?: number | null;
  /** Keep subtrees between searches: `act` follows the game down its tree, self-play calls `advance` (twice the tree's memory, and its scratch); default false. */
  readonly treeReuse?: boolean;
  /**
   * Self-play exploration (AlphaZero): the root's priors become (1 − fraction)·P + fraction·η with
   * η ~ Dir(alpha) over the legal moves, drawn from the agent's Rng. Absent: no noise (play).
   */
  readonly rootNoise?: RootNoise;
}

/** Dirichlet noise mixed into the root's priors (AlphaZero: alpha 0.3 in chess, 0.03 in Go; fraction 0.25). */
export interface RootNoise {
  readonly alpha: number;
  readonly fraction: number;
}

/**
 * A Gamma(shape, 1) draw: Marsaglia & Tsang (2000) for shape ≥ 1, and for shape < 1 the boost
 * Gamma(shape) = Gamma(shape + 1)·U^(1/shape).
 */
export function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** PUCT search as an agent (see the file comment). */
export class MctsAgent implements Agent {
  readonly name: string;
  readonly simulations: number;
  readonly cPuct: number;
  /** Whether the search proves wins and losses (the file comment's solver). */
  readonly solver: boolean;
  /** Whether leaves are evaluated as the average over the game's symmetries (false when it declares none). */
  readonly symmetric: boolean;
  readonly rootNoise: RootNoise | null;
  /** Simulations the last `search` ran (fewer than `simulations` once the solver proves the root). */
  lastSimulations = 0;
  /** Visits the last search started from: those of the subtree kept from earlier searches (0 for a fresh tree). */
  lastKeptVisits = 0;
  /** Whether `advance` may keep subtrees (MctsAgentOptions.treeReuse). */
  readonly treeReuse: boolean;
  /** MctsAgentOptions.fpuReduction (null: unvisited moves score Q = 0). */
  readonly fpuReduction: number | null;
  private readonly info: GameInfo;
  /** Priors and values of the search (read by the server to rebuild the agent in a worker thread). */
  readonly evaluator: PositionEvaluator;
  private readonly owned: Agent | undefined;
  private readonly rng: Rng;
  // the tree, one entry per node (node 0 is the root; a node's children are contiguous)
  private visits: Int32Array;
  /** W: sum of backed-up values for the seat that chose the move into the node. */
  private values: Float64Array;
  private priors: Float64Array;
  private actions: Int32Array;
  /** First child, or −1 while unexpanded. */
  private firstChild: Int32Array;
  private childCount: Int32Array;
  private terminal: Uint8Array;
  // the solver's marks: solved nodes, their exact value for the seat that chose the move into them,
  // proven losses for that seat, and the seat to move at each expanded node
  private solved: Uint8Array;
  private exact: Float64Array;
  private lost: Uint8Array;
  private seatOf: Int8Array;
  /** The evaluator's value of each evaluated node for its seat to move (NaN until evaluated). */
  private netValue: Float64Array;
  /** The root's exact value for its seat to move, once `solved[0]`. */
  private rootExact = 0;
  private size = 0;
  /** Nodes `advance` may keep: room for the kept subtree and one whole search after it. */
  private readonly capacity: number;
  /** Whether node 0 is the position last searched or advanced to (`advance` can move down from it). */
  private rootCurrent = false;
  /** Whether the next `beginSearch` starts from the subtree `advance` kept. */
  private kept = false;
  /** The simulations and root noise of the search under way (`beginSearch`'s budget; the agent's own by default). */
  private budget: number;
  private noisy = true;
  /** Play-time tree reuse: the position of this agent's last `act` and the move it played there (`followPlay`). */
  private played: { readonly state: GameState; readonly action: number } | null = null;
  // `advance`'s scratch: the kept nodes in breadth-first order, each one's new first child, and one gather buffer per type
  private readonly order: Int32Array;
  private readonly newFirst: Int32Array;
  private readonly gatherI32: Int32Array;
  private readonly gatherF64: Float64Array;
  private readonly gatherU8: Uint8Array;
  // a search in steps (beginSearch / nextLeaf / resolveLeaf): its root, the leaf awaiting the
  // evaluator and its depth on `path`, and the evaluator's answer at the root (rootEvaluation)
  private root: GameState | null = null;
  private pending: GameState | null = null;
  private leafDepth = 0;
  private rootNetValue = Number.NaN;
  private readonly rootNetPriors: Float64Array;
  // per-simulation scratch
  private readonly path: Int32Array;
  private readonly pathSeats: Int32Array;
  private readonly leafValues: Float64Array;
  private readonly leafPriors: Float64Array;
  private readonly mask: Uint8Array;
  private readonly probeReturns: Float64Array;

  constructor(opts: MctsAgentOptions) {
    const simulations = opts.simulations ?? DEFAULT_SIMULATIONS;
    if (!Number.isInteger(simulations) || simulations < 1 || simulations > MAX_SIMULATIONS) {
      throw new ConfigError(`mcts simulations must be a positive integer ≤ ${MAX_SIMULATIONS}, got ${simulations}`);
    }
    const cPuct = opts.cPuct ?? DEFAULT_C_PUCT;
    if (!(cPuct > 0) || !Number.isFinite(cPuct)) throw new ConfigError(`mcts c_puct must be a positive number, got ${cPuct}`);
    const reason = mctsFits(opts.info);
    if (reason !== null) throw new AgentMismatchError(`agent '${opts.name}' cannot play ${opts.info.id}: ${reason}; ${ACCEPTED_GAMES}`);
    const problem = opts.evaluator.evaluationProblem();
    if (problem !== null) throw new ConfigError(`agent '${opts.name}' cannot search with this policy: ${problem}`);
    this.name = opts.name;
    this.info = opts.info;
    this.evaluator = opts.evaluator;
    this.owned = opts.owned;
    this.simulations = simulations;
    this.budget = simulations;
    this.cPuct = cPuct;
    this.solver = opts.solver ?? true;
    this.symmetric = (opts.symmetries ?? true) && (opts.info.symmetries?.length ?? 0) > 0;
    const noise = opts.rootNoise ?? null;
    if (noise && !(noise.alpha > 0 && Number.isFinite(noise.alpha) && noise.fraction >= 0 && noise.fraction <= 1)) {
      throw new ConfigError(`mcts root noise needs alpha > 0 and a fraction in [0, 1], got alpha ${noise.alpha}, fraction ${noise.fraction}`);
    }
    this.rootNoise = noise;
    this.rng = new Rng(opts.seed ?? 0);
    // each simulation expands at most one node, adding at most `actions` children; as much again for a kept subtree
    this.treeReuse = opts.treeReuse ?? false;
    const fpu = opts.fpuReduction ?? null;
    if (fpu !== null && !Number.isFinite(fpu)) throw new ConfigError(`mcts fpuReduction must be a finite number (or null for Q = 0), got ${fpu}`);
    this.fpuReduction = fpu;
    const capacity = (this.treeReuse ? 2 : 1) * (1 + simulations * opts.info.actions);
    this.capacity = capacity;
    this.netValue = new Float64Array(capacity);
    const scratch = this.treeReuse ? capacity : 0;
    this.order = new Int32Array(scratch);
    this.newFirst = new Int32Array(scratch);
    this.gatherI32 = new Int32Array(scratch);
    this.gatherF64 = new Float64Array(scratch);
    this.gatherU8 = new Uint8Array(scratch);
    this.visits = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.priors = new Float64Array(capacity);
    this.actions = new Int32Array(capacity);
    this.firstChild = new Int32Array(capacity);
    this.childCount = new Int32Array(capacity);
    this.terminal = new Uint8Array(capacity);
    this.solved = new Uint8Array(capacity);
    this.exact = new Float64Array(capacity);
    this.lost = new Uint8Array(capacity);
    this.seatOf = new Int8Array(capacity);
    this.path = new Int32Array(opts.info.maxSteps + 2);
    this.pathSeats = new Int32Array(opts.info.maxSteps + 2);
    this.leafValues = new Float64Array(opts.info.seats);
    this.leafPriors = new Float64Array(opts.info.actions);
    this.mask = new Uint8Array(opts.info.actions);
    this.probeReturns = new Float64Array(opts.info.seats);
    this.rootNetPriors = new Float64Array(opts.info.actions);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.rootCurrent = false;
    this.kept = false;
    this.played = null;
  }

  act(state: GameState, seat: Seat): number {
    if (state.currentSeat() !== seat) throw new ConfigError(`${this.name}: seat ${seat} is not to move (search plays sequential games only)`);
    const follows = this.treeReuse && this.followPlay(state);
    let action: number;
    // one legal move: nothing to search
    if (state.legalMask(seat, this.mask) === 1) action = this.mask.indexOf(1);
    else {
      this.search(state);
      action = this.pickMostVisited();
    }
    if (this.treeReuse) this.played = follows || this.rootCurrent ? { state: state.clone(), action } : null;
    return action;
  }

  /**
   * Tree reuse at play time: moves the tree down the moves played since this agent's last `act` — its
   * own move, then the one opponent move (or none) that leads to `state`, found by comparing the
   * positions' information states — so the next search starts from what the last one learned about
   * `state`. Returns whether the tree's root is now `state`; otherwise the next search starts afresh.
   */
  private followPlay(state: GameState): boolean {
    const played = this.played;
    this.played = null;
    if (!played) return false;
    const seat = state.currentSeat();
    const key = state.informationState(seat);
    const after = played.state.clone();
    after.apply(played.action);
    if (this.advance(played.action) === 0) return false;
    if (after.stepCount() === state.stepCount()) return after.informationState(seat) === key || this.dropKept();
    if (after.stepCount() + 1 !== state.stepCount() || after.isTerminal()) return this.dropKept();
    const mover = after.currentSeat();
    after.legalMask(mover, this.mask);
    for (let b = 0; b < this.info.actions; b++) {
      if (!this.mask[b]) continue;
      const next = after.clone();
      next.apply(b);
      if (next.informationState(seat) === key) return this.advance(b) > 0;
    }
    return this.dropKept();
  }

  /** Forgets a subtree `advance` kept: the next search starts afresh. Returns false (for `followPlay`). */
  private dropKept(): false {
    this.kept = false;
    this.rootCurrent = false;
    return false;
  }

  /**
   * Runs the simulations from `root` (its seat to move) and leaves the tree in place; `rootVisits`
   * then reads the visit count of every root move.
   */
  search(root: GameState): void {
    this.beginSearch(root);
    for (let leaf = this.nextLeaf(); leaf !== null; leaf = this.nextLeaf()) {
      this.resolveLeaf(this.leafPriors, this.evaluator.evaluatePosition(leaf, leaf.currentSeat(), this.leafPriors, this.symmetric));
    }
  }

  /**
   * `search` in steps, for a caller that evaluates the leaves of several searches in one batch (the
   * expert-iteration actors): `beginSearch(root)`, then `nextLeaf()` until it returns null, answering
   * each leaf it returns with `resolveLeaf` before asking again. The tree is the one `search` builds.
   * `root` must stay unchanged until the search is done. `budget` runs a cheaper search than the agent's
   * own: fewer simulations (at most `simulations`) and, with `noise: false`, no root noise (self-play's
   * fast searches, `fastSimulations`).
   */
  beginSearch(root: GameState, budget?: { readonly simulations: number; readonly noise: boolean }): void {
    if (budget && !(Number.isInteger(budget.simulations) && budget.simulations >= 1 && budget.simulations <= this.simulations)) {
      throw new ConfigError(`${this.name}: a search's budget must be a whole number of simulations in [1, ${this.simulations}], got ${budget.simulations}`);
    }
    this.budget = budget?.simulations ?? this.simulations;
    this.noisy = budget?.noise ?? true;
    this.root = root;
    this.pending = null;
    this.lastSimulations = 0;
    this.lastKeptVisits = this.kept ? this.visits[0]! : 0;
    this.rootCurrent = true;
    if (this.kept) {
      // the subtree `advance` kept: its root is expanded and evaluated already, so the first simulation
      // does not pass through resolveLeaf at depth 0; its evaluation is read back, then the noise mixed in
      this.kept = false;
      this.rootEvaluated(this.netValue[0]!);
      return;
    }
    this.size = 1;
    this.visits[0] = 0;
    this.values[0] = 0;
    this.firstChild[0] = -1;
    this.childCount[0] = 0;
    this.terminal[0] = 0;
    this.solved[0] = 0;
    this.lost[0] = 0;
    this.netValue[0] = Number.NaN;
  }

  /**
   * Tree reuse: after a search, or a previous `advance`, moves the tree's root to its child `action`
   * (the move played), keeping that child's subtree — visits, values, priors and the solver's marks —
   * for the next `beginSearch`, which must be given the position after `action`. Returns the visits
   * kept; 0 when nothing is kept (the child was never expanded, is proven, or its subtree leaves no room
   * for a whole search after it), and the next search then starts afresh.
   */
  advance(action: number): number {
    if (!this.treeReuse) throw new ConfigError(`${this.name}: advance() keeps a subtree only for an agent built with treeReuse`);
    this.kept = false;
    if (!this.rootCurrent || this.pending || this.root) {
      this.rootCurrent = false;
      return 0;
    }
    const first = this.firstChild[0]!;
    let child = -1;
    for (let c = first; first >= 0 && c < first + this.childCount[0]!; c++) if (this.actions[c] === action) child = c;
    if (child < 0 || this.firstChild[child]! < 0 || this.solved[child] || Number.isNaN(this.netValue[child]!)) {
      this.rootCurrent = false;
      return 0;
    }
    // the subtree in breadth-first order: each node's children stay one contiguous block
    const order = this.order;
    let k = 1;
    order[0] = child;
    for (let i = 0; i < k; i++) {
      const f = this.firstChild[order[i]!]!;
      this.newFirst[i] = f < 0 ? -1 : k;
      if (f < 0) continue;
      const n = this.childCount[order[i]!]!;
      if (k + n + 1 + this.simulations * this.info.actions > this.capacity) {
        this.rootCurrent = false;
        return 0;
      }
      for (let c = 0; c < n; c++) order[k++] = f + c;
    }
    const gather = <T extends Int32Array | Float64Array | Uint8Array | Int8Array>(a: T, buf: Int32Array | Float64Array | Uint8Array): void => {
      for (let i = 0; i < k; i++) buf[i] = a[order[i]!]!;
      for (let i = 0; i < k; i++) a[i] = buf[i]!;
    };
    for (const a of [this.visits, this.actions, this.childCount]) gather(a, this.gatherI32);
    for (const a of [this.values, this.priors, this.exact, this.netValue]) gather(a, this.gatherF64);
    for (const a of [this.terminal, this.solved, this.lost]) gather(a, this.gatherU8);
    gather(this.seatOf, this.gatherI32);
    for (let i = 0; i < k; i++) this.firstChild[i] = this.newFirst[i]!;
    this.size = k;
    this.kept = true;
    return this.visits[0]!;
  }

  /**
   * Runs simulations until one reaches a leaf the evaluator must value, and returns that leaf's
   * position (owned by the agent: read it before `resolveLeaf`, do not change it); null once the
   * search is done (its simulations spent, or the root proven). Simulations that end at a terminal
   * or solved position complete here without the evaluator.
   */
  nextLeaf(): GameState | null {
    if (this.pending) throw new ConfigError(`${this.name}: nextLeaf() called before the previous leaf was resolved`);
    const root = this.root;
    if (!root) throw new ConfigError(`${this.name}: nextLeaf() called without beginSearch()`);
    while (this.lastSimulations < this.budget && !this.solved[0]) {
      const leaf = this.selectLeaf(root);
      if (leaf) return (this.pending = leaf);
      this.lastSimulations++;
    }
    this.root = null;
    return null;
  }

  /**
   * Completes the simulation `nextLeaf` stopped at with the evaluator's answer for the leaf's seat to
   * move: `priors` over the moves (0 on illegal ones) and its value V. The first simulation of a
   * search expands the root: its answer is kept (`rootEvaluation`) and the root noise mixed in after it.
   */
  resolveLeaf(priors: Float64Array, value: number): void {
    const state = this.pending;
    if (!state) throw new ConfigError(`${this.name}: resolveLeaf() called with no leaf pending`);
    this.pending = null;
    const depth = this.leafDepth;
    const node = this.path[depth]!;
    const seat = state.currentSeat();
    if (priors !== this.leafPriors) this.leafPriors.set(priors.subarray(0, this.info.actions));
    const v = this.leafValues;
    this.expand(node, state, seat);
    this.netValue[node] = value;
    if (this.solver && this.trySolve(node, depth) && depth > 0) this.exactValues(this.pathSeats[depth]!, this.exact[node]!);
    else for (let s = 0; s < v.length; s++) v[s] = v[s]! + (s === seat ? value : -value);
    this.backUp(depth);
    if (depth === 0) this.rootEvaluated(value);
    this.lastSimulations++;
  }

  /** The root is expanded with the evaluator's `value` and priors: keep them (`rootEvaluation`), then mix in the search's root noise. */
  private rootEvaluated(value: number): void {
    this.rootNetValue = value;
    this.rootNetPriors.fill(0);
    const first = this.firstChild[0]!;
    for (let c = first; c < first + this.childCount[0]!; c++) this.rootNetPriors[this.actions[c]!] = this.priors[c]!;
    if (this.rootNoise && this.noisy) this.noiseRoot(this.rootNoise);
  }

  /**
   * After `search` (or its first simulation): the evaluator's answer at the root, before any noise —
   * its priors renormalised over the legal moves into `priors[0..actions)`; returns its value for the
   * seat to move. What the network thought of the position before searching.
   */
  rootEvaluation(priors: Float64Array): number {
    priors.set(this.rootNetPriors);
    return this.rootNetValue;
  }

  /** Mixes Dirichlet noise into the root's priors, once it is expanded (the first simulation expands it). */
  private noiseRoot({ alpha, fraction }: RootNoise): void {
    const first = this.firstChild[0]!;
    const count = this.childCount[0]!;
    if (first < 0 || count < 2 || fraction === 0) return;
    let sum = 0;
    const eta = this.leafPriors; // scratch: the leaf's priors were consumed by the expansion
    for (let c = 0; c < count; c++) sum += eta[c] = sampleGamma(alpha, this.rng);
    for (let c = 0; c < count; c++) {
      const p = this.priors[first + c]!;
      this.priors[first + c] = (1 - fraction) * p + fraction * (sum > 0 ? eta[c]! / sum : 1 / count);
    }
  }

  /**
   * After `search`: the search's move distribution at the root into `target[0..actions)` — the
   * visit counts normalised (AlphaZero's π), or, when the solver proved the root, uniform over the
   * moves that achieve its value — and returns the move self-play plays: drawn from π while
   * `sample` (its first plies), else the move `act` would play.
   */
  rootTarget(target: Float64Array, sample: boolean): number {
    target.fill(0, 0, this.info.actions);
    const first = this.firstChild[0]!;
    const count = this.childCount[0]!;
    const rootSolved = this.solved[0] === 1;
    let total = 0;
    for (let c = first; c < first + count; c++) {
      const w = rootSolved ? (this.solved[c] && this.exact[c] === this.rootExact ? 1 : 0) : this.lost[c] ? 0 : this.visits[c]!;
      target[this.actions[c]!] = w;
      total += w;
    }
    if (!(total > 0)) {
      // every move is proven lost (or none was visited): the search's choice, as `act` makes it
      const a = this.pickMostVisited();
      target[a] = 1;
      return a;
    }
    for (let a = 0; a < this.info.actions; a++) target[a] = target[a]! / total;
    return sample ? this.rng.categorical(target, this.info.actions) : this.pickMostVisited();
  }

  /** After `search`: whether the solver proved the root's value, and that value for the seat to move at the root. */
  rootSolution(): { solved: boolean; value: number } {
    return this.solved[0] ? { solved: true, value: this.rootExact } : { solved: false, value: Number.NaN };
  }

  /**
   * After `search`: the root's value for its seat to move — its exact value once the solver proved it,
   * else the visit-weighted mean of its children's Q (what the search thinks of the position, where
   * the critic's V is what the network thought before searching). NaN when no child was visited.
   */
  rootValue(): number {
    if (this.solved[0]) return this.rootExact;
    const first = this.firstChild[0]!;
    let n = 0;
    let w = 0;
    for (let c = first; c >= 0 && c < first + this.childCount[0]!; c++) {
      n += this.visits[c]!;
      w += this.values[c]!;
    }
    return n > 0 ? w / n : Number.NaN;
  }

  /**
   * After `search`: each root move's visit count into `visits[0..actions)` and, when given, its mean
   * value Q for the seat to move at the root into `q` (0 for moves not visited or not legal).
   */
  rootVisits(visits: Float64Array, q?: Float64Array): void {
    visits.fill(0, 0, this.info.actions);
    q?.fill(0, 0, this.info.actions);
    const first = this.firstChild[0]!;
    for (let c = first; c >= 0 && c < first + this.childCount[0]!; c++) {
      const n = this.visits[c]!;
      visits[this.actions[c]!] = n;
      if (q && n > 0) q[this.actions[c]!] = this.values[c]! / n;
    }
  }

  dispose(): void {
    this.owned?.dispose?.();
  }

  /**
   * One simulation's selection from `root`: walks down to a leaf. A leaf the evaluator must value is
   * returned (its position, depth kept in `leafDepth`) for `resolveLeaf`; a solved or terminal one is
   * valued and backed up here, and null returned.
   */
  private selectLeaf(root: GameState): GameState | null {
    const state = root.clone();
    let node = 0;
    let depth = 0;
    this.path[0] = 0;
    const excluded = this.solver ? this.lost : undefined;
    // 1. select down to a leaf: a node not expanded yet, or one the solver has proven
    while (this.firstChild[node]! >= 0 && !this.solved[node]) {
      const seat = state.currentSeat();
      const fpu = this.fpuReduction === null ? 0 : this.netValue[node]! - this.fpuReduction;
      const child = puctSelect(this.visits, this.values, this.priors, this.firstChild[node]!, this.childCount[node]!, this.visits[node]!, this.cPuct, excluded, fpu);
      state.apply(this.actions[child]!);
      depth++;
      this.path[depth] = child;
      this.pathSeats[depth] = seat;
      node = child;
    }
    // 2. value the leaf: its exact value once solved, the returns at a terminal, else the evaluator's (resolveLeaf)
    const v = this.leafValues;
    if (this.solved[node] && depth > 0) {
      this.exactValues(this.pathSeats[depth]!, this.exact[node]!);
    } else {
      state.returns(v);
      if (!this.terminal[node]) {
        const seat = state.currentSeat();
        if (state.isTerminal()) {
          this.terminal[node] = 1;
        } else {
          if (seat < 0) throw new ConfigError(`${this.name}: reached a ${seat === CHANCE ? 'chance' : 'simultaneous'} node in ${this.info.id}; ${ACCEPTED_GAMES}`);
          this.leafDepth = depth;
          return state;
        }
      }
    }
    this.backUp(depth);
    return null;
  }

  /** 3. and 4. of a simulation: the leaf's values up the path, then the solver's proofs as far as they reach. */
  private backUp(depth: number): void {
    const v = this.leafValues;
    // each edge adds the value for the seat that chose it
    this.visits[0]!++;
    for (let d = 1; d <= depth; d++) {
      const n = this.path[d]!;
      this.visits[n]!++;
      this.values[n]! += v[this.pathSeats[d]!]!;
    }
    // a node proven below may prove its ancestors
    if (this.solver) {
      for (let d = depth - 1; d >= 0; d--) {
        const n = this.path[d]!;
        if (!this.solved[n] && !this.trySolve(n, d)) break;
      }
    }
  }

  /** The leaf values of a solved node: `value` for the seat that chose the move into it, its negation for the other (zero-sum). */
  private exactValues(chooser: number, value: number): void {
    const v = this.leafValues;
    for (let s = 0; s < v.length; s++) v[s] = s === chooser ? value : -value;
  }

  /**
   * Marks the expanded node at `path[depth]` solved when its children prove it: a child that is a
   * win for the seat to move (exact value ≥ `maxReturn`), or every child solved (the best of them).
   * Returns whether it is solved now.
   */
  private trySolve(node: number, depth: number): boolean {
    const first = this.firstChild[node]!;
    const count = this.childCount[node]!;
    if (first < 0 || count === 0) return false;
    let best = -Infinity;
    let proven = true;
    for (let c = first; c < first + count; c++) {
      if (!this.solved[c]) {
        proven = false;
        continue;
      }
      const e = this.exact[c]!;
      if (e >= this.info.maxReturn) {
        best = e;
        proven = true;
        break;
      }
      if (e > best) best = e;
    }
    if (!proven) return false;
    if (depth === 0) {
      this.solved[0] = 1;
      this.rootExact = best;
    } else {
      // the exact value for the seat that chose the move into this node (the other seat's is the negation)
      this.markSolved(node, this.pathSeats[depth] === this.seatOf[node] ? best : -best);
    }
    return true;
  }

  /** Marks a non-root node solved at `value` for the seat that chose the move into it (a proven loss at `minReturn`). */
  private markSolved(node: number, value: number): void {
    this.solved[node] = 1;
    this.exact[node] = value;
    this.lost[node] = value <= this.info.minReturn ? 1 : 0;
  }

  private expand(node: number, state: GameState, seat: Seat): void {
    state.legalMask(seat, this.mask);
    const first = this.size;
    let total = 0;
    for (let a = 0; a < this.mask.length; a++) if (this.mask[a]) total += this.leafPriors[a]!;
    let count = 0;
    for (let a = 0; a < this.mask.length; a++) {
      if (!this.mask[a]) continue;
      const c = first + count++;
      this.actions[c] = a;
      // renormalised over the legal moves (uniform if the evaluator put no mass on any of them)
      this.priors[c] = total > 0 ? this.leafPriors[a]! / total : 0;
      this.visits[c] = 0;
      this.values[c] = 0;
      this.firstChild[c] = -1;
      this.childCount[c] = 0;
      this.terminal[c] = 0;
      this.solved[c] = 0;
      this.lost[c] = 0;
      this.netValue[c] = Number.NaN;
      if (this.solver) {
        // one ply ahead: a move that ends the game is solved at once, at its exact return for `seat`
        const probe = state.clone();
        probe.apply(a);
        if (probe.isTerminal()) {
          probe.returns(this.probeReturns);
          this.terminal[c] = 1;
          this.markSolved(c, this.probeReturns[seat]!);
        }
      }
    }
    if (!(total > 0)) for (let c = first; c < first + count; c++) this.priors[c] = 1 / count;
    this.size += count;
    this.firstChild[node] = first;
    this.childCount[node] = count;
    this.seatOf[node] = seat;
  }

  /**
   * The most visited root move, ties drawn uniformly with the agent's Rng. With the solver: among the
   * moves that achieve the root's proven value when it is solved, else among those not proven lost.
   */
  private pickMostVisited(): number {
    const first = this.firstChild[0]!;
    const rootSolved = this.solved[0] === 1; // the solver's marks stay 0 when it is off
    const visits = (k: number) => {
      const c = first + k;
      return (rootSolved ? !this.solved[c] || this.exact[c] !== this.rootExact : this.lost[c]) ? NaN : this.visits[c]!;
    };
    const k = argmaxTiesSeeded(this.childCount[0]!, visits, this.rng);
    return k < 0 ? -1 : this.actions[first + k]!;
  }
}
