/**
 * The training configuration: one typed, validated object (zod) with a one-line doc per field.
 * Resolution order: algorithm defaults ← per-game defaults ← config file ← command-line flags.
 */
import { z } from 'zod';
import type { ConvSpec } from '../../agents/policy.ts';
import { ConfigError, type GameInfo } from '../../core/index.ts';
import { getGame, listGames } from '../../games/index.ts';
import { openingsUnsupported } from '../eval/openings.ts';

export const ALGOS = ['ppo', 'a2c', 'reinforce', 'impala', 'mappo', 'ippo'] as const;
export type Algo = (typeof ALGOS)[number];

export const TrainConfigSchema = z
  .object({
    algo: z.enum(ALGOS).describe('learning algorithm'),
    game: z.string().min(1).describe('game id (see `arena games`)'),
    totalSteps: z.number().int().positive().describe('environment steps (learner decisions) to train for'),
    envs: z.number().int().positive().describe('parallel environments per rollout'),
    steps: z.number().int().positive().describe('rollout length per environment per update'),
    minibatchSize: z.number().int().positive().describe('transitions per minibatch (≥ envs×steps: one full batch)'),
    epochs: z.number().int().positive().describe('passes over each rollout batch'),
    gamma: z.number().min(0).max(1).describe('discount factor γ'),
    lambda: z.number().min(0).max(1).describe('GAE λ (1 = Monte-Carlo / n-step returns)'),
    lr: z.number().positive().describe('learning rate (initial value when annealed)'),
    annealLr: z.boolean().describe('anneal the learning rate linearly to 0'),
    clip: z.number().positive().describe('PPO clip range ε'),
    annealClip: z.boolean().describe('anneal the clip range linearly to 0'),
    clipValue: z.number().positive().nullable().describe('value-loss clip range around old values (null: off)'),
    entCoef: z.number().min(0).describe('entropy bonus coefficient'),
    entCoefFinal: z.number().min(0).nullable().describe('anneal the entropy coefficient linearly to this value (null: constant)'),
    entAnnealFraction: z.number().gt(0).max(1).describe('fraction of training over which the entropy coefficient anneals to entCoefFinal, then holds'),
    vfCoef: z.number().min(0).describe('value loss coefficient'),
    maxGradNorm: z.number().min(0).describe('global gradient-norm clip (0: off)'),
    targetKl: z.number().positive().nullable().describe('stop an update early when approx-KL exceeds this (null: off)'),
    normAdv: z.boolean().describe('normalise advantages per minibatch'),
    normObs: z.boolean().describe('running observation normalisation'),
    normReward: z.boolean().describe('scale rewards by the running std of discounted returns'),
    hidden: z.array(z.number().int().positive()).min(1).max(8).describe('hidden layer sizes of actor and critic'),
    activation: z.enum(['tanh', 'relu']).describe('hidden activation'),
    network: z.enum(['mlp', 'conv']).describe("'mlp': dense layers on the flat observation; 'conv': 3×3 convolutions over the game's board planes (observationShape), then the dense layers"),
    convChannels: z.number().int().min(1).max(256).describe("conv network: channels of every 3×3 'same' convolution (ReLU)"),
    resBlocks: z.number().int().min(0).max(16).describe('conv network: residual blocks (conv, ReLU, conv, + skip, ReLU) after the first convolution'),
    optimizer: z.enum(['adam', 'rmsprop']).describe('optimizer'),
    optimizerEps: z.number().positive().describe('optimizer epsilon'),
    opponent: z.string().min(1).describe('agent spec playing the other seats in multi-seat games'),
    seed: z.number().int().min(0).describe('seed for environments, initialisation and sampling'),
    checkpointEvery: z.number().int().positive().describe('write a checkpoint every this many updates'),
    league: z.boolean().describe('self-play against a league of snapshots in worker threads'),
    workers: z.number().int().min(1).max(64).describe('rollout worker threads (league training)'),
    batchSegments: z.number().int().min(1).max(256).nullable().optional().describe('league self-play: segments per update, from any actor, local or remote (null: one per worker thread)'),
    minutes: z.number().positive().nullable().describe('stop after this many minutes of training (null: by steps only)'),
    snapshotEvery: z.number().int().positive().describe('freeze a league snapshot every this many updates'),
    opponentSampling: z
      .enum(['latest', 'uniform', 'pfsp-hard', 'pfsp-variance', 'alphastar'])
      .describe("league opponents: latest self, uniform over snapshots, PFSP (hard (1−x)², variance x(1−x)), or AlphaStar's main-agent mix"),
    evalEvery: z.number().int().min(0).describe('evaluate against the baseline bots every this many updates (0: never)'),
    evalGames: z.number().int().positive().describe('games per baseline bot at each evaluation'),
    evalAgents: z.array(z.string().min(1)).describe('baseline bots to evaluate against (agent specs)'),
    evalOpeningPlies: z.number().int().min(0).nullable().describe('evaluation games start from this many random plies, paired with sides swapped (null: 1 in sequential games without chance, else 0)'),
    leagueBots: z.array(z.string().min(1)).describe('league: baseline bots in the opponent pool (training opponents; evalAgents not listed here stay held out)'),
    async: z.boolean().describe('actors never wait for the learner (worker-pool modes); false: collect, then update, reproducibly'),
    queueSegments: z.number().int().min(1).max(1024).nullable().describe('asynchronous mode: segments waiting for the learner or being played (null: two updates\' worth); at the bound the actors stop'),
    maxLag: z.number().int().min(0).nullable().describe('drop segments played by weights more than this many versions old (null: keep all)'),
    rhoBar: z.number().positive().describe('IMPALA: V-trace truncation ρ̄ of the importance weights (fixed point)'),
    cBar: z.number().positive().describe('IMPALA: V-trace truncation c̄ of the trace coefficients (contraction speed)'),
    mainExploiters: z.number().int().min(0).max(8).describe('league: main exploiters (AlphaStar), each its own learner'),
    leagueExploiters: z.number().int().min(0).max(8).describe('league: league exploiters (AlphaStar), each its own learner'),
    trainOpeningPlies: z.number().int().min(0).max(32).describe('exploring starts: each training game begins with k uniformly random plies, k drawn from 0..N (sequential games without chance; 0: off)'),
    exportPolicy: z.enum(['last', 'average']).describe("what the run exports as its agent: the last iterate, or the reach-weighted average of its snapshots (imperfect-information games)"),
    shareParams: z.boolean().optional().describe('MAPPO/IPPO: one policy shared by the teammates (default true)'),
    valueNorm: z.boolean().optional().describe('MAPPO/IPPO: normalise value targets with running statistics (default true)'),
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

const BASE: Omit<TrainConfig, 'algo' | 'game'> = {
  totalSteps: 100_000,
  envs: 8,
  steps: 128,
  minibatchSize: 256,
  epochs: 4,
  gamma: 0.99,
  lambda: 0.95,
  lr: 2.5e-4,
  annealLr: true,
  clip: 0.2,
  annealClip: false,
  clipValue: null,
  entCoef: 0.01,
  entCoefFinal: null,
  entAnnealFraction: 1,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  normAdv: true,
  normObs: false,
  normReward: false,
  hidden: [64, 64],
  activation: 'tanh',
  network: 'mlp',
  convChannels: 32,
  resBlocks: 0,
  optimizer: 'adam',
  optimizerEps: 1e-5,
  opponent: 'random',
  seed: 0,
  checkpointEvery: 10,
  league: false,
  workers: 2,
  batchSegments: null,
  minutes: null,
  snapshotEvery: 10,
  opponentSampling: 'alphastar',
  evalEvery: 10,
  evalGames: 64,
  evalAgents: ['random'],
  leagueBots: ['random'],
  evalOpeningPlies: null,
  async: true,
  queueSegments: null,
  maxLag: 8,
  rhoBar: 1,
  cBar: 1,
  mainExploiters: 0,
  leagueExploiters: 0,
  exportPolicy: 'last',
  trainOpeningPlies: 0,
};

/** Defaults per algorithm: PPO as CleanRL; A2C as SB3 (n-step 5, RMSprop 7e-4); REINFORCE with a learned baseline. */
const ALGO_DEFAULTS: Record<Algo, Partial<TrainConfig>> = {
  ppo: {},
  a2c: { steps: 5, minibatchSize: 1 << 30, epochs: 1, lambda: 1, lr: 7e-4, annealLr: false, entCoef: 0, normAdv: false, optimizer: 'rmsprop' },
  reinforce: { minibatchSize: 1 << 30, epochs: 1, lambda: 1, lr: 3e-3, annealLr: false, entCoef: 0, normAdv: true },
  // IMPALA (Espeholt et al. 2018): one pass of the V-trace actor-critic loss per batch, ρ̄ = c̄ = 1, λ = 1
  impala: { epochs: 1, lambda: 1, normAdv: false },
  // MAPPO reference defaults (Yu et al. 2022): 1 minibatch, lr 5e-4, clip 0.2 (also on values), value coef 1, grad norm 10
  mappo: { minibatchSize: 1 << 30, epochs: 15, lr: 5e-4, annealLr: false, clipValue: 0.2, entCoef: 0.01, vfCoef: 1, maxGradNorm: 10, gamma: 0.99, lambda: 0.95 },
  ippo: { minibatchSize: 1 << 30, epochs: 15, lr: 5e-4, annealLr: false, clipValue: 0.2, entCoef: 0.01, vfCoef: 1, maxGradNorm: 10, gamma: 0.99, lambda: 0.95 },
};

/** Per-game tuned defaults; CartPole's PPO row is RL Zoo's `ppo.yml` entry for CartPole-v1. */
const GAME_DEFAULTS: Record<string, Partial<Record<Algo, Partial<TrainConfig>>>> = {
  // Team games (src/selfplay/team-trainer.ts): `envs` games per update in total, `steps` joint steps each (one match).
  'grid-soccer-v1': {
    mappo: { envs: 8, steps: 200, totalSteps: 2_000_000, opponent: 'heuristic', evalAgents: ['heuristic'], leagueBots: ['heuristic'], evalEvery: 25, evalGames: 40, snapshotEvery: 25, checkpointEvery: 25 },
    ippo: { envs: 8, steps: 200, totalSteps: 2_000_000, opponent: 'heuristic', evalAgents: ['heuristic'], leagueBots: ['heuristic'], evalEvery: 25, evalGames: 40, snapshotEvery: 25, checkpointEvery: 25 },
  },
  'cartpole-v1': {
    ppo: { envs: 8, steps: 32, minibatchSize: 256, epochs: 20, gamma: 0.98, lambda: 0.8, lr: 1e-3, annealLr: true, clip: 0.2, annealClip: true, entCoef: 0 },
    a2c: { envs: 8, steps: 5, gamma: 0.99, entCoef: 0 },
    reinforce: { envs: 8, gamma: 0.99 },
  },
  // Board games and poker (league self-play): `envs` games per worker, `steps` learner decisions each.
  'tic-tac-toe-v1': {
    ppo: { envs: 32, steps: 16, minibatchSize: 512, epochs: 4, lr: 1e-3, gamma: 0.99, lambda: 0.95, entCoef: 0.01, entCoefFinal: 0, trainOpeningPlies: 6, hidden: [128, 128], snapshotEvery: 5, evalEvery: 10, evalAgents: ['random', 'minimax'] },
  },
  'connect-four-v1': {
    ppo: { envs: 32, steps: 32, minibatchSize: 512, epochs: 4, lr: 5e-4, gamma: 0.99, lambda: 0.95, entCoef: 0.01, hidden: [128, 128], snapshotEvery: 50, checkpointEvery: 50, evalEvery: 100, evalAgents: ['random', 'alphabeta:1', 'alphabeta:3'], leagueBots: ['random', 'alphabeta:1'], network: 'conv', trainOpeningPlies: 4 },
  },
  'kuhn-poker-v1': {
    // entropy-regularised self-play (MMD with a uniform magnet, see README): raw chip-scale advantages, annealed temperature
    ppo: { envs: 64, steps: 8, minibatchSize: 256, epochs: 4, lr: 1e-3, gamma: 1, lambda: 1, normAdv: false, entCoef: 0.2, entCoefFinal: 0.05, hidden: [64, 64], snapshotEvery: 100, checkpointEvery: 1000, opponentSampling: 'latest', evalEvery: 100, evalAgents: ['random', 'nash'] },
  },
  'leduc-poker-v1': {
    ppo: { envs: 64, steps: 8, minibatchSize: 512, epochs: 4, lr: 5e-4, gamma: 1, lambda: 1, normAdv: false, entCoef: 0.3, entCoefFinal: 0.05, hidden: [128, 128], snapshotEvery: 100, checkpointEvery: 100, opponentSampling: 'latest', evalEvery: 100, evalAgents: ['random'] },
  },
};

/** Games whose exported policy defaults to the average of the snapshots (where self-play's last iterate can cycle). */
const EXACT_EVAL = ['kuhn-poker', 'leduc-poker'];

/**
 * Default configuration for an algorithm on a game (versioned id). REINFORCE plays whole episodes,
 * so its rollout length defaults to the game's longest episode.
 */
export function defaultConfig(algo: Algo, gameId: string): TrainConfig {
  const episodic: Partial<TrainConfig> = algo === 'reinforce' ? { steps: getGame(gameId).info.maxSteps } : {};
  // IMPALA takes a game's PPO row (envs, steps, network, evaluation) with its own update rule on top
  const game = algo === 'impala' ? { ...GAME_DEFAULTS[gameId]?.ppo, ...ALGO_DEFAULTS.impala, ...GAME_DEFAULTS[gameId]?.impala } : GAME_DEFAULTS[gameId]?.[algo];
  const exportPolicy: Partial<TrainConfig> = EXACT_EVAL.some((g) => gameId.startsWith(g)) ? { exportPolicy: 'average' } : {};
  return { ...BASE, ...ALGO_DEFAULTS[algo], ...episodic, ...exportPolicy, ...game, algo, game: gameId };
}

/** Validates a (partial) configuration layered over the defaults; errors name every bad field. */
export function resolveConfig(algo: Algo, gameId: string, ...layers: Partial<TrainConfig>[]): TrainConfig {
  const merged = Object.assign({}, defaultConfig(algo, gameId), ...layers, { algo, game: gameId });
  const r = TrainConfigSchema.safeParse(merged);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid training config: ${problems}`);
  }
  let c = r.data;
  // the average of the snapshots exists only in a league: without one, the run exports its last iterate
  if (!c.league && c.exportPolicy === 'average' && !layers.some((l) => l.exportPolicy !== undefined)) c = { ...c, exportPolicy: 'last' };
  if (c.network === 'conv') convSpecFor(c, getGame(gameId).info); // fails early, naming the games that have board planes
  if (c.trainOpeningPlies > 0) {
    const why = openingsUnsupported(getGame(gameId).info);
    if (why !== null) throw new ConfigError(`invalid training config: trainOpeningPlies needs a sequential game without chance: ${why} (set it to 0)`);
  }
  if ((c.mainExploiters > 0 || c.leagueExploiters > 0) && !c.league) {
    throw new ConfigError(`invalid training config: mainExploiters/leagueExploiters train inside a league: add --league (or set both to 0)`);
  }
  return c;
}

/**
 * The conv trunk `config` asks for on the game `info` (undefined for network 'mlp'). A ConfigError
 * when the game's observation is not a stack of board planes (no GameInfo.observationShape), naming
 * the games whose observations are, or when the algorithm trains team policies (MLPs only).
 */
export function convSpecFor(config: TrainConfig, info: GameInfo): ConvSpec | undefined {
  if (config.network !== 'conv') return undefined;
  if (config.algo === 'mappo' || config.algo === 'ippo') throw new ConfigError(`network 'conv' trains with ppo, a2c, reinforce or impala; ${config.algo} uses MLPs (network 'mlp')`);
  const shape = info.observationShape;
  if (!shape) {
    const boards = listGames().filter((g) => g.info.observationShape).map((g) => g.info.id);
    throw new ConfigError(`network 'conv' needs a game whose observation is board planes (observationShape): ${boards.join(', ')}; ${info.id} has a flat observation, use network 'mlp'`);
  }
  return { shape: [shape[0], shape[1], shape[2]], channels: config.convChannels, resBlocks: config.resBlocks };
}

/** One line per field: name, value, doc — for printing the resolved config. */
export function describeConfig(cfg: TrainConfig): string {
  const shape = TrainConfigSchema.shape;
  return Object.entries(cfg)
    .map(([k, v]) => `  ${k.padEnd(16)} ${JSON.stringify(v).padEnd(14)} ${(shape as Record<string, z.ZodType>)[k]?.description ?? ''}`)
    .join('\n');
}
