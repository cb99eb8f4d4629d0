/**
 * The game contract: one interface that the trainer, evaluator, tests, CLI and servers all use.
 *
 * Modelled on OpenSpiel's `State`: a game is a pure rules module (no tfjs, no Colyseus, no `node:*`),
 * states are mutable objects stepped in place so the hot path allocates nothing, and the acting
 * seat is a number with special values for chance, simultaneous moves and terminal states.
 */
import { BadStateError, IllegalActionError } from './errors.ts';
import { Rng, type RngState } from './rng.ts';

/** A position in a game (0-based). */
export type Seat = number;

/** `currentSeat()` value when a chance event (a deal, a card) happens next. */
export const CHANCE = -1;
/** `currentSeat()` value when every live seat moves at once (`applyJoint`; `applyJointContinuous` in continuous games). */
export const SIMULTANEOUS = -2;
/** `currentSeat()` value once the game is over (terminated or truncated). */
export const TERMINAL = -3;

export type Dynamics = 'sequential' | 'simultaneous';
/** How returns relate across seats. `zero-sum`: returns of all seats sum to 0 at the end. */
export type Utility = 'zero-sum' | 'general-sum' | 'single-agent';

/** One symmetry of a game (`GameInfo.symmetries`). */
export interface GameSymmetry {
  /** For messages and tests, e.g. `mirror`. */
  readonly name: string;
  /** The transformed position's observation at index i is the original observation at `observation[i]` (a permutation). */
  readonly observation: readonly number[];
  /** Action a of the original position is action `actions[a]` of the transformed one (a permutation). */
  readonly actions: readonly number[];
}

/**
 * The symmetries of a board observed as planes (`[planes, rows, cols]`, plane-major, row-major) that
 * move the cell (r, c) to `cell(r, c)`, with actions relabelled by `action`: one per entry of `maps`.
 */
export function boardSymmetries(
  shape: readonly [planes: number, rows: number, cols: number],
  maps: readonly { readonly name: string; readonly cell: (r: number, c: number) => readonly [number, number]; readonly action: (a: number) => number }[],
  actions: number,
): GameSymmetry[] {
  const [planes, rows, cols] = shape;
  return maps.map(({ name, cell, action }) => {
    const observation = new Array<number>(planes * rows * cols);
    for (let p = 0; p < planes; p++) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const [r2, c2] = cell(r, c);
          observation[(p * rows + r2) * cols + c2] = (p * rows + r) * cols + c;
        }
      }
    }
    return { name, observation, actions: Array.from({ length: actions }, (_, a) => action(a)) };
  });
}

/** Static facts about a game: plain data, safe to print or send as JSON. */
export interface GameInfo {
  /** Versioned id, e.g. `connect-four-v1`: bump the version when observations or rewards change. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  readonly description: string;
  /** Number of seats (agents) in one game. */
  readonly seats: number;
  /** Team membership: `teams[t]` lists the seats of team `t`; every seat is in exactly one team. */
  readonly teams: readonly (readonly Seat[])[];
  /**
   * Discrete games: size of the action space (actions are 0..actions-1). Continuous games
   * (`actionSpace` present): the number of components of an action vector.
   */
  readonly actions: number;
  /**
   * Present for continuous-action games: an action is a vector of `actions` real numbers, applied
   * with `GameState.applyContinuous` (`applyJointContinuous`, one vector per seat, at simultaneous
   * nodes). Absent: actions are the integers 0..actions-1 (`apply`, `applyJoint`).
   */
  readonly actionSpace?: ContinuousActionSpace;
  /** Per-seat observation size (flat Float32 vector). */
  readonly observationSize: number;
  /**
   * The observation as a stack of board planes, `[planes, rows, cols]`, when it is one: then
   * planes × rows × cols = observationSize and `observe` writes plane-major, row-major (value of
   * plane p at row r, column c at index (p·rows + r)·cols + c), so a convolutional network can read
   * it (`network: 'conv'` in the training config). A game with features that are not on the board
   * (a side to move, a score) declares no shape, or spreads each feature as a constant plane.
   * Absent: the observation is a flat vector (cards, physics); only MLPs can read it.
   */
  readonly observationShape?: readonly [planes: number, rows: number, cols: number];
  /**
   * The game's symmetries other than the identity (optional): transformations under which the rules,
   * and so the value of every position, are unchanged — Connect Four's left–right mirror, the eight
   * rotations and reflections of tic-tac-toe's board. Play-time search averages the network over them
   * (agents/symmetry.ts). Each must be exact: playing every move relabelled by it from the start gives
   * the transformed position, whose observation is the permuted observation (tested for every game that
   * declares any, tests/games/symmetry.test.ts).
   */
  readonly symmetries?: readonly GameSymmetry[];
  /**
   * Earlier versions of this game by id: the same rules and the same snapshots (`serialize`/`restore`
   * carry over by their game id), observed differently. A network trained on one of them still plays
   * this version: `createAgent` builds it for the earlier version and hands it each position converted
   * (agents/earlier-version.ts). connect-four-v2 lists connect-four-v1; connect-four-v3 both. Read through `isEarlierVersion`.
   */
  readonly earlierVersions?: readonly string[];
  /** Global-state size (flat Float32 vector) for centralized critics. */
  readonly stateSize: number;
  /**
   * Size of `GameState.agentState` when the game overrides it; absent: the default layout's
   * (`stateSize` + one float per team). Read it through `agentStateSize(info)`.
   */
  readonly agentStateSize?: number;
  /** Number of distinct chance outcomes (0 for games without discrete chance nodes). */
  readonly chanceOutcomes: number;
  /** Upper bound on the number of decisions + chance events in one game. */
  readonly maxSteps: number;
  readonly dynamics: Dynamics;
  /** `imperfect` when observations hide part of the state from some seat. */
  readonly information: 'perfect' | 'imperfect';
  readonly utility: Utility;
  /** Bounds of a seat's final return. */
  readonly minReturn: number;
  readonly maxReturn: number;
}

/**
 * A box of real-valued actions, gymnasium's `Box(low, high)`: component j of an action lies in
 * [low[j], high[j]] (both arrays have `GameInfo.actions` entries, low[j] < high[j], finite).
 * `BaseState.applyContinuous` clips components outside the box to it and refuses NaN or infinite ones.
 */
export interface ContinuousActionSpace {
  readonly kind: 'continuous';
  readonly low: readonly number[];
  readonly high: readonly number[];
}

/** Whether `info` describes a continuous-action game (its `actionSpace` is set). */
/** Whether `id` is one of `info`'s `earlierVersions` (a network trained on it plays `info`'s games: agents/earlier-version.ts). */
export function isEarlierVersion(info: GameInfo, id: string): boolean {
  return info.earlierVersions?.includes(id) ?? false;
}

export function isContinuous(info: GameInfo): info is GameInfo & { readonly actionSpace: ContinuousActionSpace } {
  return info.actionSpace?.kind === 'continuous';
}

/**
 * How a client shows a game: plain data (sent as JSON by `GET /api/games`), so a browser draws any
 * game from its description and knows no game by name. Each kind names what it draws and which
 * fields of `GameState.view(seat)` it reads; the conformance suite checks every game's views
 * against its description.
 */
export type GameUi = BoardUi | CardsUi | FieldUi | Arena2dUi | PanelUi;

/** How one seat or team is marked on screen. */
export interface UiMark {
  /** Short name: a piece's mark (`X`), a team's name (`Blue`). */
  readonly label: string;
  /** Colour, `#rrggbb`. */
  readonly colour: string;
  /** A few words for the lobby's seat list, e.g. `attacks →`. */
  readonly note?: string;
}

interface UiCommon {
  /**
   * What each action is called on screen: `actionLabels[a]` for every action id a in [0, actions);
   * in a continuous game, the name of each component of the action vector.
   */
  readonly actionLabels: readonly string[];
  /** One line of help shown under the game. */
  readonly hint?: string;
  /** Marks of the seats (`seats[seat]`), for the player list; absent: `P0`, `P1`, … */
  readonly seats?: readonly UiMark[];
  /** Marks of the teams (`teams[team]`), for the player list and the lobby. */
  readonly teams?: readonly UiMark[];
}

/**
 * A grid of cells holding pieces. The view gives `board` (rows × cols seat indexes, row-major from
 * the top-left, -1 for an empty cell), `legal` (the viewer's legal actions) and, optionally,
 * `winningCells` (cell indexes).
 */
export interface BoardUi extends UiCommon {
  readonly kind: 'board';
  readonly rows: number;
  readonly cols: number;
  /** `cell`: action i plays cell i; `column`: action c drops a piece into column c. */
  readonly move: 'cell' | 'column';
  /** `marks`: a piece shows its seat's label; `discs`: a disc in its seat's colour. */
  readonly pieces: 'marks' | 'discs';
  readonly seats: readonly UiMark[];
}

/** A card of a card game: its name in views, and how it is printed. */
export interface UiCard {
  readonly name: string;
  readonly rank: string;
  /** Suit symbol (♠ ♥ ♦ ♣); absent for a game without suits. */
  readonly suit?: string;
}

/**
 * A card table with betting. The view gives `cards` (one per seat: a card name, null when face
 * down or not dealt), `publicCards` (names dealt face up), `betting` (per betting round, the
 * actions in order as `{ seat, action }`), `round` (1-based; absent: 1), `pot` or `contributions`
 * (chips per seat) and `legal`.
 */
export interface CardsUi extends UiCommon {
  readonly kind: 'cards';
  /** Every card the game deals. */
  readonly cards: readonly UiCard[];
  /** Public cards dealt face up during a hand (0: none). */
  readonly publicCards: number;
  /** Betting rounds in a hand. */
  readonly rounds: number;
}

/**
 * A grid field with two teams, players and a ball; team 0 defends the left goal. The view gives
 * `players` (per seat `{ seat, team, x, y }`, null when out of sight), `ball` (`{ x, y }`, null when
 * out of sight), `score` (goals per team), `timeLeft` (steps), `legal`; for a seat also `attacks`
 * (`'left'` or `'right'`) and `viewRadius` (cells it sees, Chebyshev distance), for spectators
 * `events` (names of what happened in the last step).
 */
export interface FieldUi extends UiCommon {
  readonly kind: 'field';
  readonly width: number;
  readonly height: number;
  /** First and last row of both goal mouths. */
  readonly goalRows: readonly [top: number, bottom: number];
  readonly teams: readonly UiMark[];
  /**
   * Keyboard controls: `KeyboardEvent.key` (letters in lower case) → action id, for a seat that
   * attacks right; a seat that attacks left has ArrowLeft and ArrowRight swapped.
   */
  readonly keys: Readonly<Record<string, number>>;
  /** Actions repeated on every step while their key is held (movement). */
  readonly repeatWhileHeld: readonly number[];
}

/**
 * How a person's keyboard and pointer make a continuous action vector (core/game.ts
 * `ContinuousActionSpace`): components no input drives are 0, and the game clips the vector to its box.
 */
export interface PointerKeyControls {
  /**
   * `KeyboardEvent.key` (letters in lower case) → the component it drives and the value it adds while
   * held (keys held together add up; released: nothing), e.g. `d: [0, 1]` for thrust to the right.
   */
  readonly keys: Readonly<Record<string, readonly [component: number, value: number]>>;
  /**
   * The component set to the direction from the person's ship to the pointer, as an angle over π in
   * (−1, 1] (0 = +x, 0.5 = +y, which points down on screen); absent: no pointer aim.
   */
  readonly pointerAngle?: number;
  /** The component and the value it takes while the pointer's button is held (e.g. fire). */
  readonly pointerButton?: readonly [component: number, value: number];
}

/**
 * A top-down 2-D arena with ships and projectiles, for continuous-control games. Coordinates have the
 * origin at the arena's centre, x to the right and y down, in the game's units; angles are
 * atan2(y, x). The view gives `ships` (per seat `{ seat, x, y, vx, vy, heading, hp, cooldown }`),
 * `projectiles` (`{ x, y, vx, vy, owner }`), `timeLeft` (ticks), `frame` (`'own'` for a seat: the
 * view is in the seat's own frame, the one its actions are in; `'arena'` for spectators) and `legal`.
 */
export interface Arena2dUi extends UiCommon {
  readonly kind: 'arena2d';
  readonly width: number;
  readonly height: number;
  readonly shipRadius: number;
  readonly projectileRadius: number;
  /** Hit points of a ship at the start. */
  readonly maxHp: number;
  readonly seats: readonly UiMark[];
  readonly controls: PointerKeyControls;
  /** Tick length a browser asks for when it creates a room for people, ms. */
  readonly tickMs?: number;
}

/** No picture: the view as text and a button per legal action. */
export interface PanelUi extends UiCommon {
  readonly kind: 'panel';
}

/** Serializable snapshot of a state: plain JSON data (what the server sends and restores). */
export interface StateData {
  readonly game: string;
  readonly rng: RngState;
  readonly [key: string]: unknown;
}

/**
 * A game in progress. Mutating methods work in place; writers take a caller-owned output buffer.
 * Illegal actions throw `IllegalActionError` and leave the state exactly as it was.
 */
export interface GameState {
  readonly info: GameInfo;
  /** Acting seat, or CHANCE, SIMULTANEOUS or TERMINAL. */
  currentSeat(): number;
  isTerminal(): boolean;
  /** True when the game ended by a time limit rather than by its rules (bootstrap from it). */
  isTruncated(): boolean;
  /** Number of transitions (actions, joint actions and chance events) applied since reset. */
  stepCount(): number;
  /**
   * Writes 1 for each legal action of `seat` into `out[0..actions)`, 0 elsewhere; returns the count.
   * In a continuous game every component is free: all 1 for a seat that may act, all 0 otherwise, so
   * `legalMask(seat, out) > 0` says whether the seat acts in every game.
   */
  legalMask(seat: Seat, out: Uint8Array): number;
  /** Legal actions of `seat` as a fresh array (convenience; not for hot paths). */
  legalActions(seat: Seat): number[];
  /** Applies an action of the acting seat, or a chance outcome at a chance node (discrete actions only). */
  apply(action: number): void;
  /**
   * Applies the acting seat's action vector in a continuous game (`GameInfo.actionSpace`):
   * `action[0..actions)`, exactly `actions` numbers. Components outside [low, high] are clipped to the
   * box (as gymnasium's Pendulum clips its torque); NaN or infinite components, another length, a
   * discrete game or a node where no seat acts throw `IllegalActionError`, leaving the state unchanged.
   */
  applyContinuous(action: ArrayLike<number>): void;
  /** Applies one action per seat at a simultaneous node (`actions[seat]`; ignored for seats with no legal move). */
  applyJoint(actions: ArrayLike<number>): void;
  /**
   * Applies one action vector per seat at a simultaneous node of a continuous game: seats × `actions`
   * numbers, row-major (seat s's vector at `actions[s·A .. (s+1)·A)`); the rows of seats with no move
   * are ignored. Each acting seat's vector is checked and clipped as by `applyContinuous`; a bad one
   * throws `IllegalActionError` before anything changes. At a sequential node only the acting seat's
   * row counts (as `applyJoint`).
   */
  applyJointContinuous(actions: ArrayLike<number>): void;
  /** Writes outcome probabilities into `out[0..chanceOutcomes)` at a chance node. */
  chanceProbabilities(out: Float64Array): void;
  /** Samples and applies a chance outcome with the state's own seeded RNG; returns the outcome. */
  applyChance(): number;
  /** Rewards of the last transition for every seat, into `out[0..seats)`. */
  rewards(out: Float64Array): void;
  /** Cumulative returns so far for every seat (final returns once terminal). */
  returns(out: Float64Array): void;
  /**
   * A shaping potential Φ(state) for `seat` (e.g. its hit-point or material balance), for potential-based
   * reward shaping in training (Ng, Harada & Russell 1999): a learner may add c·(γ·Φ(s') − Φ(s)) to its
   * reward, with Φ = 0 once the game is over, which leaves the optimal policies unchanged. Never part of
   * the game's rewards or returns. Optional: games without a natural one omit it.
   */
  potential?(seat: Seat): number;
  /** Seat-relative observation: only what `seat` may see, from its own point of view. */
  observe(seat: Seat, out: Float32Array, offset?: number): void;
  /** Full global state (hidden information included) for centralized critics. */
  globalState(out: Float32Array, offset?: number): void;
  /**
   * The global state as agent `seat` sees it (`agentStateSize(info)` floats): everything in
   * `globalState`, labelled relative to the seat, so that one critic can serve every seat of both
   * sides (MAPPO's agent-specific global state). `BaseState` writes the global state followed by a
   * one-hot of the seat's team; a game whose global state is laid out by seat or side overrides it
   * to write the state in the seat's own frame. Optional only for states that do not hold the whole
   * game (a network bot's seat-only view).
   */
  agentState?(seat: Seat, out: Float32Array, offset?: number): void;
  /** Identifies what `seat` knows: equal strings ⇔ indistinguishable to that seat (OpenSpiel's information state). */
  informationState(seat: Seat): string;
  /** Human-readable name of an action (e.g. `c4`, `bet`). */
  actionName(action: number): string;
  /** Plain-data view for a client UI; `seat` null = spectator (sees only public information). */
  view(seat: Seat | null): Record<string, unknown>;
  /** Multi-line text rendering of the full state (for terminals and logs). */
  render(): string;
  /** Independent deep copy (RNG included). */
  clone(): GameState;
  /** Plain-data snapshot; `Game.restore` rebuilds an identical state. */
  serialize(): StateData;
  /** Resets to a new initial state with `seed` (in place, no allocation). */
  reset(seed: number): void;
}

/**
 * Another parametrisation of a continuous action space that a policy may act in (a policy's
 * `actionFrame`, agents/policy-spec.ts): `toGame` maps the policy's vector, read against the seat's raw
 * observation, to the game's own action vector. Games with continuous actions may offer frames in which
 * good play is simpler for a small network (games/duel.ts 'opponent': thrust toward and around the
 * opponent, aim as an offset from the lead bearing); the game itself only ever sees its own actions.
 */
export interface ActionFrame {
  readonly name: string;
  /** One line: what each component of the frame's vector means. */
  readonly summary: string;
  /** The game's action for `policyAction` (each component clipped to [−1, 1] first, NaN kept: the game refuses it) given the seat's `observation`. */
  toGame(observation: ArrayLike<number>, policyAction: ArrayLike<number>, out: Float32Array | Float64Array): void;
}

/** A registered game: static info, how clients show it, and a factory for states. */
export interface Game {
  readonly info: GameInfo;
  readonly ui: GameUi;
  /** Action frames a policy may act in (continuous games only; absent: none). */
  readonly actionFrames?: readonly ActionFrame[];
  /** A fresh initial state; the same seed and actions replay the same game. */
  newState(seed?: number): GameState;
  /** Rebuilds a state from `serialize()` output; throws `BadStateError` on malformed data. */
  restore(data: unknown): GameState;
}

/**
 * Shared mechanics for game states: the one place where legality is checked, so games only write
 * their rules. Subclasses implement the `do*` hooks and may assume their inputs are legal.
 */
export abstract class BaseState implements GameState {
  readonly info: GameInfo;
  protected readonly rng: Rng;
  protected steps = 0;
  /** Scratch mask for legality checks (allocated once per state). */
  private readonly scratchMask: Uint8Array;
  private readonly scratchProbs: Float64Array;
  /** The clipped action vector handed to `doApplyContinuous` (continuous games; allocated once per state). */
  private readonly scratchAction: Float64Array;
  /** The clipped joint action handed to `doApplyJointContinuous` (simultaneous continuous games). */
  private readonly scratchJoint: Float64Array;

  constructor(info: GameInfo, seed: number) {
    this.info = info;
    this.rng = new Rng(seed);
    this.scratchMask = new Uint8Array(info.actions);
    this.scratchProbs = new Float64Array(Math.max(1, info.chanceOutcomes));
    this.scratchAction = new Float64Array(isContinuous(info) ? info.actions : 0);
    this.scratchJoint = new Float64Array(isContinuous(info) ? info.seats * info.actions : 0);
  }

  abstract currentSeat(): number;
  abstract isTruncated(): boolean;
  abstract legalMask(seat: Seat, out: Uint8Array): number;
  abstract rewards(out: Float64Array): void;
  abstract returns(out: Float64Array): void;
  abstract observe(seat: Seat, out: Float32Array, offset?: number): void;
  abstract globalState(out: Float32Array, offset?: number): void;
  abstract informationState(seat: Seat): string;
  abstract actionName(action: number): string;
  abstract view(seat: Seat | null): Record<string, unknown>;
  abstract render(): string;
  abstract clone(): GameState;
  /** Game-specific fields of the snapshot (the base adds `game`, `rng`, `steps`). */
  protected abstract serializeFields(): Record<string, unknown>;
  /** Resets game-specific fields; the RNG is already seeded. */
  protected abstract doReset(): void;
  /** Applies a legal action of the acting seat. */
  protected abstract doApply(action: number): void;

  /**
   * Applies a continuous action of the acting seat (override in continuous games): `u[0..actions)`,
   * finite and already clipped to the action space. `u` is scratch owned by the base: read it, do not keep it.
   */
  protected doApplyContinuous(_u: Float64Array): void {
    throw new IllegalActionError(this.info.id, this.currentSeat(), -1, 'this game has no continuous actions');
  }

  /** Applies a legal joint action (override in simultaneous games). */
  protected doApplyJoint(_actions: ArrayLike<number>): void {
    throw new IllegalActionError(this.info.id, SIMULTANEOUS, -1, 'this game has no simultaneous moves');
  }

  /**
   * Applies a joint continuous action (override in simultaneous continuous games): `u[s·A .. (s+1)·A)`
   * is seat s's vector, finite and clipped to the action space; all zeros for a seat with no move.
   * `u` is scratch owned by the base: read it, do not keep it.
   */
  protected doApplyJointContinuous(_u: Float64Array): void {
    throw new IllegalActionError(this.info.id, SIMULTANEOUS, -1, 'this game has no simultaneous continuous moves');
  }

  /** Applies a chance outcome with positive probability (override in games with chance). */
  protected doApplyChance(_outcome: number): void {
    throw new IllegalActionError(this.info.id, CHANCE, -1, 'this game has no chance events');
  }

  /** Chance outcome probabilities (override in games with chance). */
  chanceProbabilities(out: Float64Array): void {
    out.fill(0, 0, this.info.chanceOutcomes);
  }

  /** The global state followed by a one-hot of the seat's team (override when seats need their own frame). */
  agentState(seat: Seat, out: Float32Array, offset = 0): void {
    this.globalState(out, offset);
    writeOneHot(out, offset + this.info.stateSize, teamOf(this.info, seat), this.info.teams.length);
  }

  isTerminal(): boolean {
    return this.currentSeat() === TERMINAL;
  }

  stepCount(): number {
    return this.steps;
  }

  legalActions(seat: Seat): number[] {
    const mask = new Uint8Array(this.info.actions);
    this.legalMask(seat, mask);
    const out: number[] = [];
    for (let a = 0; a < mask.length; a++) if (mask[a]) out.push(a);
    return out;
  }

  apply(action: number): void {
    const seat = this.currentSeat();
    if (seat === CHANCE) {
      this.checkChance(action);
      this.doApplyChance(action);
    } else if (seat >= 0) {
      this.checkAction(seat, action);
      this.doApply(action);
    } else if (seat === TERMINAL) {
      throw new IllegalActionError(this.info.id, seat, action, 'the game is over');
    } else {
      throw new IllegalActionError(this.info.id, seat, action, 'simultaneous node: use applyJoint');
    }
    this.steps++;
  }

  applyContinuous(action: ArrayLike<number>): void {
    const seat = this.currentSeat();
    const { id } = this.info;
    if (!isContinuous(this.info)) throw new IllegalActionError(id, seat, -1, `${id} has discrete actions: use apply`);
    if (seat < 0) {
      const why = seat === TERMINAL ? 'the game is over' : seat === CHANCE ? 'chance node: use applyChance' : 'simultaneous node: use applyJointContinuous';
      throw new IllegalActionError(id, seat, -1, why);
    }
    const problem = continuousActionProblem(this.info, action);
    if (problem !== null) throw new IllegalActionError(id, seat, -1, problem);
    this.clipContinuous(action, 0, this.scratchAction, 0);
    this.doApplyContinuous(this.scratchAction);
    this.steps++;
  }

  applyJointContinuous(actions: ArrayLike<number>): void {
    const seat = this.currentSeat();
    const { id, seats, actions: A } = this.info;
    if (!isContinuous(this.info)) throw new IllegalActionError(id, seat, -1, `${id} has discrete actions: use applyJoint`);
    if (actions === null || typeof actions !== 'object' || actions.length !== seats * A) {
      const got = actions === null || typeof actions !== 'object' ? String(actions) : countOf(actions.length, 'number');
      throw new IllegalActionError(id, seat, -1, `a joint action is ${seats} × ${A} numbers (one vector per seat, row-major), got ${got}`);
    }
    if (seat >= 0) {
      // sequential node: only the acting seat's row counts
      this.checkRow(seat, actions);
      this.clipContinuous(actions, seat * A, this.scratchAction, 0);
      this.doApplyContinuous(this.scratchAction);
      this.steps++;
      return;
    }
    if (seat !== SIMULTANEOUS) throw new IllegalActionError(id, seat, -1, seat === TERMINAL ? 'the game is over' : 'chance node: use applyChance');
    // every acting seat's row is checked before anything is applied
    for (let s = 0; s < seats; s++) {
      if (this.legalMask(s, this.scratchMask) > 0) {
        this.checkRow(s, actions);
        this.clipContinuous(actions, s * A, this.scratchJoint, s * A);
      } else {
        this.scratchJoint.fill(0, s * A, (s + 1) * A);
      }
    }
    this.doApplyJointContinuous(this.scratchJoint);
    this.steps++;
  }

  applyJoint(actions: ArrayLike<number>): void {
    const seat = this.currentSeat();
    if (seat !== SIMULTANEOUS) {
      if (seat >= 0 && actions.length > seat) {
        // Sequential node: only the acting seat's entry counts.
        this.apply(actions[seat]!);
        return;
      }
      throw new IllegalActionError(this.info.id, seat, -1, 'not a simultaneous node');
    }
    if (isContinuous(this.info)) throw new IllegalActionError(this.info.id, seat, -1, `${this.info.id} has continuous actions: use applyJointContinuous`);
    if (actions.length < this.info.seats) {
      throw new IllegalActionError(this.info.id, SIMULTANEOUS, -1, `expected ${this.info.seats} actions, got ${actions.length}`);
    }
    for (let s = 0; s < this.info.seats; s++) {
      if (this.legalMask(s, this.scratchMask) > 0) this.checkAction(s, actions[s]!);
    }
    this.doApplyJoint(actions);
    this.steps++;
  }

  applyChance(): number {
    if (this.currentSeat() !== CHANCE) throw new IllegalActionError(this.info.id, this.currentSeat(), -1, 'not a chance node');
    this.chanceProbabilities(this.scratchProbs);
    const outcome = this.rng.categorical(this.scratchProbs, this.info.chanceOutcomes);
    this.doApplyChance(outcome);
    this.steps++;
    return outcome;
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.steps = 0;
    this.doReset();
  }

  serialize(): StateData {
    return { ...this.serializeFields(), game: this.info.id, rng: this.rng.getState(), steps: this.steps };
  }

  /** Restores the base fields from snapshot data (used by `restore` implementations). */
  protected restoreBase(data: StateData): void {
    if (data.game !== this.info.id) throw new BadStateError(this.info.id, `snapshot is for '${String(data.game)}'`);
    try {
      this.rng.setState(data.rng);
    } catch (e) {
      throw new BadStateError(this.info.id, `bad rng state: ${(e as Error).message}`);
    }
    this.steps = checkInt(this.info.id, 'steps', data['steps'], 0, this.info.maxSteps);
  }

  /** Copies the base fields (RNG, step counter) from another state of the same game. */
  protected copyBase(other: BaseState): void {
    this.rng.copyFrom(other.rng);
    this.steps = other.steps;
  }

  private checkAction(seat: Seat, action: number): void {
    if (isContinuous(this.info)) {
      throw new IllegalActionError(this.info.id, seat, action, `${this.info.id} has continuous actions: use applyContinuous with ${countOf(this.info.actions, 'number')}`);
    }
    if (!Number.isInteger(action) || action < 0 || action >= this.info.actions) {
      throw new IllegalActionError(this.info.id, seat, action, `actions are integers in [0, ${this.info.actions})`);
    }
    this.legalMask(seat, this.scratchMask);
    if (!this.scratchMask[action]) throw new IllegalActionError(this.info.id, seat, action, `'${this.actionName(action)}' is not legal now`);
  }

  /** Throws `IllegalActionError` unless seat s's row of a joint continuous action is all finite numbers. */
  private checkRow(s: Seat, actions: ArrayLike<number>): void {
    const problem = componentProblem(actions, s * this.info.actions, this.info.actions);
    if (problem !== null) throw new IllegalActionError(this.info.id, s, -1, problem);
  }

  /**
   * Writes a checked continuous action, `action[from .. from + actions)`, clipped to [low, high] into
   * `out[at…]`: out-of-bounds components are clipped, not refused, as gymnasium's Pendulum does
   * (`np.clip(u, -max_torque, max_torque)`).
   */
  private clipContinuous(action: ArrayLike<number>, from: number, out: Float64Array, at: number): void {
    const { actions } = this.info;
    const { low, high } = this.info.actionSpace!;
    for (let j = 0; j < actions; j++) out[at + j] = Math.min(high[j]!, Math.max(low[j]!, action[from + j]!));
  }

  private checkChance(outcome: number): void {
    this.chanceProbabilities(this.scratchProbs);
    if (!Number.isInteger(outcome) || outcome < 0 || outcome >= this.info.chanceOutcomes || !(this.scratchProbs[outcome]! > 0)) {
      throw new IllegalActionError(this.info.id, CHANCE, outcome, 'impossible chance outcome');
    }
  }
}

/** `1 number`, `3 numbers`: a count for error messages. */
function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Why `action` is not an action vector of the continuous game `info` (null when it is): exactly
 * `info.actions` components, each a finite number. Components outside the box are fine: the game
 * clips them. The one check of `applyContinuous`, for callers that must refuse a vector before applying it.
 */
export function continuousActionProblem(info: GameInfo, action: unknown): string | null {
  if (!isContinuous(info)) return `${info.id} has discrete actions: an action is an integer id`;
  const n = info.actions;
  const vector = action !== null && typeof action === 'object' && typeof (action as ArrayLike<number>).length === 'number';
  if (!vector || (action as ArrayLike<number>).length !== n) {
    const got = vector ? countOf((action as ArrayLike<number>).length, 'number') : typeof action === 'number' ? `the number ${action}` : String(action);
    return `actions are vectors of ${countOf(n, 'finite number')}, got ${got}`;
  }
  return componentProblem(action as ArrayLike<number>, 0, n);
}

/** Why `action[from .. from + n)` is not all finite numbers (null when it is). */
function componentProblem(action: ArrayLike<number>, from: number, n: number): string | null {
  for (let j = 0; j < n; j++) {
    const u: unknown = action[from + j];
    if (typeof u !== 'number' || !Number.isFinite(u)) return `component ${j} of the action must be a finite number, got ${String(u)}`;
  }
  return null;
}

/** Validates an integer field of snapshot data. */
export function checkInt(gameId: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadStateError(gameId, `field '${field}' must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates an integer array field of snapshot data. */
export function checkIntArray(gameId: string, field: string, value: unknown, length: number, min: number, max: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new BadStateError(gameId, `field '${field}' must be an array of ${length} integers`);
  }
  return value.map((v, i) => checkInt(gameId, `${field}[${i}]`, v, min, max));
}

/** Validates that snapshot data is an object naming the right game. */
export function checkSnapshot(gameId: string, data: unknown): StateData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new BadStateError(gameId, 'snapshot must be an object');
  const d = data as StateData;
  if (d.game !== gameId) throw new BadStateError(gameId, `snapshot is for '${String(d.game)}'`);
  return d;
}

/** Size of a seat's agent state (`GameState.agentState`): the game's own, or the default layout's. */
export function agentStateSize(info: GameInfo): number {
  return info.agentStateSize ?? info.stateSize + info.teams.length;
}

/** Writes a one-hot of `index` (of `size`) at `out[offset…]`. */
export function writeOneHot(out: Float32Array, offset: number, index: number, size: number): void {
  for (let j = 0; j < size; j++) out[offset + j] = j === index ? 1 : 0;
}

/** Seat → team index lookup for a game. */
export function teamOf(info: GameInfo, seat: Seat): number {
  for (let t = 0; t < info.teams.length; t++) if (info.teams[t]!.includes(seat)) return t;
  return -1;
}
