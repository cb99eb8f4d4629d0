/**
 * The floor plan, checked by `npm run lint` (dependency-cruiser): imports point one way. Rules
 * count run-time imports: `import type` is erased before Node runs a module, so it neither makes a
 * cycle nor loads tfjs (`import { type X }` does load X's module, and counts).
 */

/** Project folders whose modules may not take part in an import cycle (tests are left out). */
const PROJECT = '^(core|games|agents|league|src|servers|bench|scripts|bin)/';

/** Modules that run in worker threads (and what they share with them): no tfjs, however far down. */
const WORKERS = [
  '^src/selfplay/[a-z-]*worker\\.ts$',
  '^src/selfplay/(rollout|team-rollout|snapshot-agent)\\.ts$',
  '^servers/agent-worker\\.ts$',
  '^src/fast/(grad-worker|grad-threads|ppo-grad)\\.ts$',
  '^agents/policy-spec\\.ts$',
];

/** A rule: modules in `folder` import, of the project, only the folders in `allowed` (packages are not its business). */
function importsOnly(name, folder, allowed, comment) {
  return { name, severity: 'error', comment, from: { path: `^${folder}/` }, to: { path: `^(?!(${allowed.join('|')})/)[^/]+/`, pathNot: '^node_modules/' } };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'An import cycle: move the shared piece down a floor so imports point one way (no dynamic import() to dodge it).',
      from: { path: PROJECT },
      to: { circular: true },
    },
    importsOnly('core-imports-no-project-module', 'core', ['core'], 'core/ is the floor under everything: it imports nothing else of the project.'),
    importsOnly('games-import-only-core', 'games', ['core', 'games'], 'Games are pure rules: of the project they import core/ only.'),
    {
      name: 'workers-load-no-tfjs',
      severity: 'error',
      comment: 'A worker thread must not load tfjs (start-up and memory in every thread): tests/selfplay/pure-workers.test.ts checks the same at run time.',
      from: { path: WORKERS },
      to: { path: '^node_modules/@tensorflow/', reachable: true },
    },
    {
      name: 'offpolicy-agent-loads-no-tfjs',
      severity: 'error',
      comment: 'An off-policy actor plays from plain weights: `arena eval` and servers of bots load no tfjs to play it (tests/agents/offpolicy-agent.test.ts checks the CLI at run time).',
      from: { path: '^agents/offpolicy-agent\\.ts$' },
      to: { path: '^node_modules/@tensorflow/', reachable: true },
    },
    {
      name: 'servers-hold-no-game-rules',
      severity: 'error',
      comment: 'Servers host the games through the registry (games/index.ts), never one game\'s module: the game describes itself.',
      from: { path: '^servers/' },
      to: { path: '^games/', pathNot: '^games/index\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file.',
      from: { path: PROJECT },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(runs|coverage|dist)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
