/**
 * Commands that neither train nor play a trained agent start without tfjs (its start-up, and its
 * memory on every actor machine): src/cli/main.ts loads only the module of the command that runs.
 * The CLI runs under a hook (forbid-tfjs.ts) that fails any import of `@tensorflow/*`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { arena } from './helpers.ts';

const NO_TFJS = { NODE_OPTIONS: `--import=${pathToFileURL(join(import.meta.dirname, 'forbid-tfjs.ts')).href}` };

describe('arena CLI: light commands', () => {
  it('the hook fails `arena train`, whose module loads tfjs (so the checks below can fail)', () => {
    const r = arena(['train', '--help'], { env: NO_TFJS });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tfjs loaded: .* imports @tensorflow\//);
  });

  it.each([
    [['actor', '--help'], 0, /Usage: arena actor/],
    [['actor', '--run', 'r1'], 2, /arena actor needs --redis/],
    [['league', 'status', join(tmpdir(), 'arena-no-such-run')], 2, /no league database here/],
    [['games', '--json'], 0, /tic-tac-toe-v1/],
  ])('%j loads no @tensorflow module', (args, code, pattern) => {
    const r = arena(args as string[], { env: { ...NO_TFJS, ARENA_REDIS_URL: '' } });
    expect(r.stderr).not.toMatch(/tfjs loaded/);
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toMatch(pattern as RegExp);
  });
});
