/**
 * Baseline bots: `kind[:arg]` specs such as `random`, `minimax`, `alphabeta:4`, `nash`, `heuristic`,
 * and mixtures of them (`minimax+random`). One explicit list of kinds; an unknown kind fails with the
 * list of known ones, and a kind that cannot play the game fails with the reason.
 *
 * The floor under the spec resolver (agents/index.ts): rollout workers build their bot opponents
 * here without loading what the resolver knows (checkpoints, leagues, tfjs).
 */
import { AgentMismatchError, Rng, UnknownNameError, type Agent, type AgentKind, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import { alphabetaKind } from './alphabeta.ts';
import { duelGunnerKind } from './duel-gunner.ts';
import { duelScriptedKind } from './duel-scripted.ts';
import { kuhnNashKind } from './kuhn-nash.ts';
import { minimaxKind } from './minimax.ts';
import { randomKind } from './random.ts';
import { soccerHeuristicKind } from './soccer-heuristic.ts';

/**
 * `a+b+…`: each move is played by one of the named bots, drawn uniformly — e.g. `minimax+random`, a
 * strong opponent that still leads the learner into the positions a perfect player never would.
 */
export class MixtureAgent implements Agent {
  readonly name: string;
  private readonly parts: readonly Agent[];
  private readonly rng: Rng;

  constructor(name: string, parts: readonly Agent[], seed: number) {
    this.name = name;
    this.parts = parts;
    this.rng = new Rng(seed);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
    this.parts.forEach((p, i) => p.reset?.(seed * 31 + i + 1));
  }

  act(state: GameState, seat: Seat): number {
    return this.parts[this.rng.int(this.parts.length)]!.act(state, seat);
  }

  /** Continuous games: the drawn bot's action vector. */
  actContinuous(state: GameState, seat: Seat, out: Float32Array | Float64Array): void {
    const part = this.parts[this.rng.int(this.parts.length)]!;
    if (!part.actContinuous) throw new AgentMismatchError(`agent '${part.name}' in '${this.name}' plays discrete actions only; ${state.info.id} has continuous actions`);
    part.actContinuous(state, seat, out);
  }
}

const KINDS: readonly AgentKind[] = [randomKind, minimaxKind, alphabetaKind, kuhnNashKind, soccerHeuristicKind, duelScriptedKind, duelGunnerKind];

export function listAgentKinds(): readonly AgentKind[] {
  return KINDS;
}

/** Splits `kind:arg` (the arg may itself contain colons). */
export function parseAgentSpec(spec: string): { kind: string; arg: string | undefined } {
  const i = spec.indexOf(':');
  return i < 0 ? { kind: spec, arg: undefined } : { kind: spec.slice(0, i), arg: spec.slice(i + 1) };
}

/** Builds a baseline bot from a spec such as `alphabeta:4` (synchronous: no checkpoint loading). */
export function createBot(spec: string, game: GameInfo, seed = 0): Agent {
  if (spec.includes('+')) {
    const parts = spec.split('+').map((p, i) => createBot(p, game, seed * 31 + i + 1));
    return new MixtureAgent(spec, parts, seed);
  }
  const { kind, arg } = parseAgentSpec(spec.trim());
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) throw new UnknownNameError('agent', spec, KINDS.map((x) => x.kind));
  const reason = k.fits(game);
  if (reason !== null) throw new AgentMismatchError(`agent '${spec}' cannot play ${game.id}: ${reason}`);
  return k.create(game, arg, seed);
}
