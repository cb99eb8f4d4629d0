import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the real `arena` CLI (bin/arena.js) under the current Node and returns its output. */
export function arena(args: string[], opts: { cwd?: string; timeout?: number; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [`${ROOT}bin/arena.js`, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
    env: { ...process.env, CI: '1', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
