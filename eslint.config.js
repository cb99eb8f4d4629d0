import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that must stay free of tfjs (besides games/**). */
const PURE = [
  'core/**',
  'agents/bots.ts',
  'agents/sampling.ts',
  'agents/offpolicy-agent.ts',
  'agents/mcts.ts',
  'src/algorithms/running-stats.ts',
  'src/algorithms/trajectory.ts',
  'src/checkpoint/dense-weights.ts',
  'src/fast/kernels.ts',
  'src/fast/mlp.ts',
  'src/selfplay/mlp-forward.ts',
  'src/selfplay/rollout.ts',
  'src/selfplay/snapshot.ts',
  'src/selfplay/team-rollout.ts',
  'src/selfplay/worker.ts',
  'src/selfplay/snapshot-agent.ts',
  'src/train/offpolicy-actor.ts',
  'servers/agent-worker.ts',
];
const NO_TFJS = [
  { group: ['@tensorflow/*'], message: 'a pure module (rollout workers, game rules) loads no tfjs' },
  {
    group: ['**/agents/policy.ts', '**/fast/mlp-tf.ts', '**/algorithms/mappo.ts'],
    allowTypeImports: true,
    message: 'this module loads tfjs: a pure module may import its types only (import type)',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'runs/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Pure modules load no tfjs: the core contract, the games, and what a rollout worker thread loads.
    // A lint rule sees direct imports only: .dependency-cruiser.cjs (in `npm run lint`) follows the whole graph
    // from the worker modules, and tests/selfplay/pure-workers.test.ts checks what they load at run time.
    // `import { type X }` still loads its module at run time (verbatimModuleSyntax): write `import type`.
    files: [...PURE, 'games/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: NO_TFJS }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    // Games are rules only: no tfjs, no Colyseus, no Node APIs (the browser and servers share them).
    files: ['games/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [...NO_TFJS, { group: ['node:*', '@colyseus/*'], message: 'games are pure rules: no Node APIs, no Colyseus' }] },
      ],
    },
  },
  {
    // src/net is the floor under the game servers and remote self-play: imports point down to it, never up.
    files: ['src/net/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/servers/**', '**/selfplay/**'], message: 'src/net sits below servers/ and src/selfplay/: it imports neither' }] },
      ],
    },
  },
  {
    // Tools' CommonJS configuration (.dependency-cruiser.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // The CLI, benchmarks and tests talk to the terminal; library code goes through the logger.
    files: ['src/cli/**', 'bench/**', 'tests/**', 'bin/**', 'core/log.ts'],
    rules: { 'no-console': 'off' },
  },
);
