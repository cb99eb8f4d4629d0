/**
 * The game registry: an explicit typed map from versioned id to game. Unversioned names
 * (`connect-four`) resolve to the newest version; unknown names fail with the list of known ids.
 */
import { UnknownNameError, type Game } from '../core/index.ts';
import { cartPole } from './cartpole.ts';
import { connectFour, connectFourV2, connectFourV3 } from './connect-four.ts';
import { duel } from './duel.ts';
import { gridSoccer } from './grid-soccer.ts';
import { kuhnPoker } from './kuhn-poker.ts';
import { leducPoker } from './leduc-poker.ts';
import { pendulum } from './pendulum.ts';
import { ticTacToe } from './tic-tac-toe.ts';

const GAMES: readonly Game[] = [ticTacToe, connectFourV3, kuhnPoker, leducPoker, gridSoccer, cartPole, pendulum, duel];

/**
 * Versions reachable by their versioned id only (not listed, not served as rooms, not what an unversioned
 * name resolves to): connect-four-v1, observed as two piece planes, and connect-four-v2, which adds each
 * side's threats and the playable cells (their networks play connect-four-v3 games too:
 * agents/earlier-version.ts).
 */
const BY_ID_ONLY: readonly Game[] = [connectFour, connectFourV2];

export const gameRegistry: ReadonlyMap<string, Game> = new Map([...GAMES, ...BY_ID_ONLY].map((g) => [g.info.id, g]));

/** Every registered game, the listed ones first, then those reached by their id only. */
export function registeredGames(): readonly Game[] {
  return [...gameRegistry.values()];
}

/** All registered games, in listing order. */
export function listGames(): readonly Game[] {
  return GAMES;
}

function versionOf(id: string): number {
  const m = /-v(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/** Looks a game up by versioned id or by its unversioned name (newest version). */
export function getGame(name: string): Game {
  const exact = gameRegistry.get(name);
  if (exact) return exact;
  let best: Game | undefined;
  for (const g of GAMES) {
    if (g.info.id.replace(/-v\d+$/, '') === name && (!best || versionOf(g.info.id) > versionOf(best.info.id))) best = g;
  }
  if (best) return best;
  throw new UnknownNameError('game', name, [...gameRegistry.keys()]);
}
