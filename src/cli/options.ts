/** Option parsers, help texts and defaults that several commands share. */
import { InvalidArgumentError } from 'commander';
import { checkOpeningScheme, type OpeningScheme } from '../eval/openings.ts';

export function intOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function floatOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** An arena server's address, `ws://host:port` (a trailing slash dropped). */
export function wsUrlOption(value: string): string {
  if (!/^wss?:\/\/[^/\s]+\/?$/.test(value)) throw new InvalidArgumentError('expected a server address such as ws://127.0.0.1:2567');
  return value.replace(/\/$/, '');
}

/** `--opening-plies`: random plies before each game (paired games share one opening, sides swapped). */
export const OPENING_PLIES_HELP =
  'random plies that start each game, played by neither agent; games 2p and 2p+1 share an opening with sides swapped (default: 1 in sequential games without chance, else 0; 0 turns openings off)';

/** `--openings`: how each pair's opening is picked (src/eval/openings.ts). */
export const OPENINGS_HELP =
  "how each pair's opening is picked: 'random' (its plies drawn at random; the default) or 'balanced' (every distinct opening of that many plies in turn, each cycle in a seeded order, so each comes up equally often: less variance from the opening draw)";

export function openingsOption(value: string): OpeningScheme {
  try {
    return checkOpeningScheme(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** The default output folder of a run, tournament or ladder: `runs/<name>-<ISO time>`. */
export function timestampedRunDir(name: string): string {
  return `runs/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}
