/**
 * Rollout workers are pure JavaScript: a Piscina worker thread must not load tfjs (it would pay its
 * start-up and memory in every thread, and a tensor could cross threads). A child Node process records
 * every module it resolves (synchronous `module.registerHooks`, which sees both `import` and
 * `require`), imports every worker module under src/selfplay/ and the server's agent worker
 * (servers/agent-worker.ts), and prints the list.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const SELFPLAY = join(import.meta.dirname, '../../src/selfplay');
/** Every worker module: a file named `worker.ts` or `*-worker.ts`. */
const WORKERS = readdirSync(SELFPLAY).filter((f) => /(^|-)worker\.ts$/.test(f)).sort();
/** The server's agent pool thread (servers/agent-pool.ts). */
const AGENT_WORKER = join(import.meta.dirname, '../../servers/agent-worker.ts');

const CHILD = `
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    seen.push({ url: r.url, parent: context.parentURL ?? '' });
    return r;
  },
});
for (const url of JSON.parse(process.argv.at(-1))) await import(url);
process.stdout.write(JSON.stringify(seen));
`;

interface Resolution {
  readonly url: string;
  /** The importing module's URL. */
  readonly parent: string;
}

function modulesLoadedBy(urls: readonly string[]): Resolution[] {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, '--', JSON.stringify(urls)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`the child process failed (status ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Resolution[];
}

describe('rollout workers', () => {
  it('are found under src/selfplay/', () => {
    expect(WORKERS).toContain('worker.ts');
  });

  it('load no @tensorflow module', () => {
    const urls = [...WORKERS.map((f) => join(SELFPLAY, f)), AGENT_WORKER].map((f) => pathToFileURL(f).href);
    const loaded = modulesLoadedBy(urls);
    // the hooks saw the whole graph (so the check below could fail): the worker, both rollouts,
    // the snapshot forward pass, the games and Piscina
    for (const part of ['src/selfplay/worker.ts', 'servers/agent-worker.ts', 'src/selfplay/snapshot-agent.ts', 'agents/alphabeta.ts', 'src/selfplay/rollout.ts', 'src/selfplay/team-rollout.ts', 'src/selfplay/mlp-forward.ts', 'src/fast/kernels.ts', 'games/index.ts', 'piscina']) {
      expect(loaded.some((r) => r.url.includes(part)), part).toBe(true);
    }
    // on failure, name the project modules that pull tfjs in
    const tfjs = loaded.filter((r) => r.url.includes('@tensorflow') && !r.parent.includes('/node_modules/'));
    expect(tfjs.map((r) => `${r.parent} imports ${r.url}`)).toEqual([]);
  });
});
