/**
 * The training configuration: one typed, validated object (zod) with a one-line doc per field.
 * Resolution order: algorithm defaults ← per-game defaults ← config file ← command-line flags.
 */
import { z } from 'zod';
import type { ConvSpec } from '../../agents/policy-spec.ts';
import { agentStateSize, ConfigError, isContinuous, type GameInfo } from '../../core/index.ts';
import { gameRegistry, getGame, listGames, registeredGames } from '../../games/index.ts';
import { actionFrameOf } from '../../agents/action-frame.ts';
import { mctsFits } from '../../agents/mcts.ts';
import { openingsUnsupported } from '../eval/openings.ts';
import { isExactEvalGame } from '../eval/exploitability.ts';

export const ALGOS = ['ppo', 'a2c', 'reinforce', 'impala', 'trpo', 'mappo', 'ippo', 'sac', 'td3', 'ddpg', 'alphazero'] as const;
export type Algo = (typeof ALGOS)[number];

/** The off-policy algorithms (replay buffer, target networks; continuous-action games: src/train/offpolicy.ts, two-seat ones in a league: offpolicy-selfplay.ts). */
export const OFF_POLICY_ALGOS = ['sac', 'td3', 'ddpg'] as const;
export type OffPolicyAlgo = (typeof OFF_POLICY_ALGOS)[number];

export function isOffPolicy(algo: Algo): algo is OffPolicyAlgo {
  return (OFF_POLICY_ALGOS as readonly string[]).includes(algo);
}

export const TrainConfigSchema = z
  .object({
    algo: z.enum(ALGOS).describe('learning algorithm'),
    game: z.string().min(1).describe('game id (see `arena games`)'),
    totalSteps: z.number().int().positive().describe('environment steps (learner decisions) to train for'),
    envs: z.number().int().positive().describe('parallel environments per rollout (alphazero: self-play games per actor task)'),
    steps: z.number().int().positive().describe('rollout length per environment per update'),
    minibatchSize: z.number().int().positive().describe('transitions per minibatch (≥ envs×steps: one full batch); off-policy: sampled from the replay buffer per gradient step'),
    epochs: z.number().int().positive().describe('passes over each rollout batch (alphazero: times each position is trained on, on average)'),
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
    magnetEvery: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe('regularise toward a magnet policy (KL(π‖ρ) with coefficient entCoef) refreshed to the current policy every this many updates, as R-NaD/MMD; null: the entropy bonus (a uniform magnet); discrete actions only'),
    magnetMix: z.number().min(0).max(1).describe('with magnetEvery: the magnet is (1 − magnetMix)·(the policy copy) + magnetMix·uniform over the legal actions, so it keeps full support'),
    magnetMixFinal: z.number().min(0).max(1).nullable().describe('with magnetEvery: anneal magnetMix linearly to this value over the run (null: constant); the blend biases the fixed point toward uniform'),
    magnetAverage: z.boolean().describe("with magnetEvery: refresh the magnet to the mean of the learner's weights over the second half of the phase (a Polyak average, less sampling noise) instead of the last iterate"),
    magnetLrDecay: z
      .number()
      .min(0)
      .max(1)
      .describe("with magnetEvery: within each phase the learning rate falls linearly by this fraction (the phase's last update at about (1 − magnetLrDecay)·lr, the refresh back to the run's schedule), so the iterate settles nearer the phase's regularised solution before the magnet locks it in; 0: off"),
    neurdBeta: z
      .number()
      .positive()
      .nullable()
      .describe("NeuRD (R-NaD's policy update): move the logits along every legal action's estimated advantage, regulariser (entCoef, the magnet) included, while they stay within ±neurdBeta of their mean; null: the policy gradient. Discrete actions; ppo, a2c, reinforce"),
    vfCoef: z.number().min(0).describe('value loss coefficient'),
    maxGradNorm: z.number().min(0).describe('gradient-norm clip (0: off)'),
    gradClip: z.enum(['global', 'per-network']).describe("what maxGradNorm bounds: all gradients' norm together ('global') or the actor's and the critic's each ('per-network')"),
    targetKl: z.number().positive().nullable().describe('stop an update early when approx-KL exceeds this (null: off); TRPO: the trust-region bound δ on the mean KL of a step'),
    normAdv: z.boolean().describe('normalise advantages per minibatch'),
    normObs: z.boolean().describe('running observation normalisation'),
    normReward: z.boolean().describe('scale rewards by the running std of discounted returns'),
    hidden: z.array(z.number().int().positive()).min(1).max(8).describe('hidden layer sizes of actor and critic'),
    criticInput: z
      .enum(['observation', 'agent-state'])
      .describe("what the critic reads: the seat's observation, or 'agent-state', the whole state as the seat sees it (hidden cards included; GameState.agentState) — a lower-variance baseline that leaves the policy gradient unbiased, since it does not depend on the action; league self-play of two-seat sequential games with an MLP"),
    activation: z.enum(['tanh', 'relu']).describe('hidden activation'),
    initLogStd: z
      .union([z.number().min(-5).max(2), z.array(z.number().min(-5).max(2)).min(1)])
      .describe('continuous actions: initial log standard deviation of the Gaussian policy, one number for every component (SB3 log_std_init) or one per action component'),
    network: z.enum(['mlp', 'conv']).describe("'mlp': dense layers on the flat observation; 'conv': 3×3 convolutions over the game's board planes (observationShape), then the dense layers"),
    convChannels: z.number().int().min(1).max(256).describe("conv network: channels of every 3×3 'same' convolution (ReLU)"),
    resBlocks: z.number().int().min(0).max(16).describe('conv network: residual blocks (conv, ReLU, conv, + skip, ReLU) after the first convolution'),
    convReduce: z.number().int().min(0).max(256).describe('conv network: channels of a 1×1 convolution (ReLU) between the 3×3 ones and the dense layers, as AlphaZero heads start (0: none, the dense layer reads every channel)'),
    criticNetwork: z.enum(['same', 'mlp']).describe("conv network: 'same': the critic has its own conv trunk like the actor's; 'mlp': the critic is the dense layers alone on the flat observation (about half the conv learner's arithmetic)"),
    policyHead: z.enum(['dense', 'columns']).describe("conv network: how the actor's dense layers read the trunk: 'dense', all of it flattened; 'columns', each board column's logit from the features of that column and the columnReach columns on either side, through the same weights for every column — for games whose moves are columns (Connect Four), so a pattern learned in one column holds in every other"),
    columnReach: z.number().int().min(0).max(16).describe("policyHead 'columns': columns on either side of a column that its logit reads (Connect Four's fours reach 3 from the piece that completes them)"),
    optimizer: z.enum(['adam', 'rmsprop']).describe('optimizer'),
    optimizerEps: z.number().positive().describe('optimizer epsilon'),
    opponent: z.string().min(1).describe('agent spec playing the other seats in multi-seat games'),
    seed: z.number().int().min(0).describe('seed for environments, initialisation and sampling'),
    checkpointEvery: z.number().int().positive().describe('write a checkpoint every this many updates'),
    league: z.boolean().describe('self-play against a league of snapshots in worker threads'),
    workers: z.number().int().min(1).max(64).describe('rollout worker threads (league training)'),
    learnerThreads: z.number().int().min(1).max(16).describe("threads computing each minibatch's gradient (the fast learner splits the rows; 1: the learner alone)"),
    actorNice: z
      .number()
      .int()
      .min(0)
      .max(19)
      .describe("scheduling niceness of the rollout worker threads (Linux, per thread): above 0 the actors yield the cores to the learner's threads when both want them (0: the learner's priority)"),
    batchSegments: z.number().int().min(1).max(256).nullable().optional().describe('league self-play: segments per update, from any actor, local or remote (null: one per worker thread)'),
    minutes: z.number().positive().nullable().describe('stop after this many minutes of training (null: by steps only)'),
    snapshotEvery: z.number().int().positive().describe('freeze a league snapshot every this many updates'),
    opponentSampling: z
      .enum(['latest', 'uniform', 'pfsp-hard', 'pfsp-variance', 'alphastar'])
      .describe("league opponents: latest self, uniform over snapshots, PFSP (hard (1−x)², variance x(1−x)), or AlphaStar's main-agent mix"),
    evalEvery: z.number().int().min(0).describe('evaluate against the baseline bots every this many updates (0: never)'),
    evalGames: z.number().int().positive().describe('games per baseline bot at each evaluation'),
    evalAgents: z.array(z.string().min(1)).describe('baseline bots to evaluate against (agent specs)'),
    evalGreedy: z.boolean().describe('evaluation games against evalAgents: the learner plays its most probable legal move (greedy) instead of sampling its policy; two-seat self-play modes'),
    evalOpeningPlies: z.number().int().min(0).nullable().describe('evaluation games start from this many random plies, paired with sides swapped (null: 1 in sequential games without chance, else 0)'),
    evalOpenings: z.enum(['random', 'balanced']).describe("how each evaluation pair's opening is picked: drawn at random, or every opening of evalOpeningPlies plies in turn (src/eval/openings.ts; less variance from the opening draw)"),
    leagueBots: z.array(z.string().min(1)).describe('league: baseline bots in the opponent pool (training opponents; evalAgents not listed here stay held out)'),
    leagueBotShare: z.number().min(0).max(1).describe("league: share of the main agent's games against the leagueBots (PFSP hard among them), the rest by opponentSampling (0: bots are drawn only as historical players among the snapshots)"),
    async: z.boolean().describe('actors never wait for the learner (worker-pool modes); false: collect, then update, reproducibly'),
    queueSegments: z.number().int().min(1).max(1024).nullable().describe('asynchronous mode: segments waiting for the learner or being played (null: two updates\' worth); at the bound the actors stop'),
    maxLag: z.number().int().min(0).nullable().describe('drop segments played by weights more than this many versions old (null: keep all)'),
    rhoBar: z.number().positive().describe('IMPALA: V-trace truncation ρ̄ of the importance weights (fixed point)'),
    cBar: z.number().positive().describe('IMPALA: V-trace truncation c̄ of the trace coefficients (contraction speed)'),
    cgIters: z.number().int().positive().describe('TRPO: conjugate-gradient iterations of the natural-gradient solve F·s = g'),
    cgDamping: z.number().min(0).describe('TRPO: damping λ of the Fisher-vector product, (F + λI)·v'),
    lineSearchShrink: z.number().gt(0).lt(1).describe('TRPO: factor by which the line search shrinks a rejected step'),
    lineSearchSteps: z.number().int().positive().describe('TRPO: candidate steps of the backtracking line search, the full step included'),
    mainExploiters: z.number().int().min(0).max(8).describe('league: main exploiters (AlphaStar), each its own learner'),
    leagueExploiters: z.number().int().min(0).max(8).describe('league: league exploiters (AlphaStar), each its own learner'),
    shaping: z.number().min(0).max(10).describe("potential-based reward shaping: the learner's reward of each tick gains shaping·(γ·Φ(s') − Φ(s)), Φ the game's potential (duel: hit-point lead), 0 once a game ends, which leaves optimal play unchanged; league self-play of simultaneous continuous games (0: off)"),
    actionFrame: z
      .string()
      .nullable()
      .describe("the frame the Gaussian head acts in, one the game offers (duel: 'opponent' — thrust toward and around the opponent, aim as an offset from the lead bearing); null: the game's own action components. League self-play of two-seat continuous games"),
    trainOpeningPlies: z.number().int().min(0).max(32).describe('exploring starts: each training game begins with k uniformly random plies, k drawn from 0..N (sequential games without chance; 0: off)'),
    exportPolicy: z
      .enum(['last', 'average', 'swa'])
      .describe("what the run exports as its agent: the last iterate, the reach-weighted average of its snapshots (imperfect-information games), or 'swa': the network whose weights are the mean of the main learner's checkpoints over the last swaFraction of training (stochastic weight averaging, src/train/weight-average.ts)"),
    swaFraction: z.number().gt(0).max(1).describe("exportPolicy 'swa': the share of training, at its end, whose checkpoints (every checkpointEvery updates) are averaged"),
    averageWeights: z
      .enum(['update-squared', 'update-squared-lr'])
      .describe("exportPolicy 'average': each snapshot's weight, (update + 1)², or that times the learning rate it was trained with over the initial one ('update-squared-lr': with an annealed learning rate the nearly frozen iterates of the run's end no longer carry half the weight)"),
    shareParams: z.boolean().optional().describe('MAPPO/IPPO: one policy shared by the teammates (default true)'),
    valueNorm: z.boolean().optional().describe('MAPPO/IPPO: normalise value targets with running statistics (default true)'),
    bufferSize: z.number().int().positive().describe('off-policy: replay buffer capacity in transitions (the oldest are overwritten); alphazero: the replay window of positions (symmetric images included)'),
    learningStarts: z.number().int().min(0).describe('off-policy: steps of uniformly random actions before the first gradient step (SB3 learning_starts); alphazero: positions in the replay window before the first'),
    gradientSteps: z.number().int().positive().describe('off-policy: gradient steps per update (an update plays `steps` steps in each env)'),
    tau: z.number().gt(0).max(1).describe('off-policy: Polyak coefficient τ of the target networks'),
    actionNoise: z.number().min(0).describe('TD3/DDPG: std of the Gaussian exploration noise, in [−1, 1] action units'),
    policyDelay: z.number().int().positive().describe('TD3: actor and target updates every this many critic updates'),
    targetNoise: z.number().min(0).describe('TD3: std of the target policy smoothing noise, in [−1, 1] action units'),
    targetNoiseClip: z.number().min(0).describe('TD3: clip of the target policy smoothing noise'),
    alpha: z.number().min(0).nullable().describe('SAC: a fixed entropy temperature α (null: tuned automatically toward targetEntropy, from α = 1)'),
    targetEntropy: z.number().nullable().describe('SAC: target entropy of the automatic tuning (null: −action dims)'),
    saveReplay: z.boolean().describe('off-policy: save the replay buffer with every checkpoint, so that --resume continues with it'),
    metricsEvery: z.number().int().positive().describe('write a metrics row every this many updates, and after any update that finished an episode or evaluated'),
    simulations: z.number().int().min(2).max(100_000).describe('alphazero: search simulations per move in the self-play games'),
    cPuct: z.number().positive().describe('alphazero: exploration constant c_puct of the self-play search (agents/mcts.ts)'),
    dirichletAlpha: z.number().positive().describe("alphazero: Dirichlet noise α mixed into the search root's priors (AlphaZero: 0.3 chess, 0.03 Go; ≈ 10 / typical legal moves)"),
    noiseFraction: z.number().min(0).max(1).describe("alphazero: weight of the Dirichlet noise in the root's priors (AlphaZero: 0.25)"),
    samplePlies: z.number().int().min(0).describe('alphazero: the first this many searched plies of a self-play game play a move drawn from the search distribution π (temperature 1), the most visited move after them'),
    augment: z.boolean().describe("alphazero: train on each position's images under the game's symmetries as well (Connect Four's mirror, tic-tac-toe's eight)"),
    randomMoveRate: z.number().min(0).max(1).describe("alphazero: the probability that a self-play ply plays a uniformly random legal move instead of the search's (its position still recorded with π); the positions before a game's last random move learn the search's value q instead of the outcome z (0: never)"),
    treeReuse: z.boolean().describe("alphazero: each self-play search starts from the subtree of the move played before it (its visits and values kept, fresh root noise), its simulations added on top (false: every search from scratch)"),
    fastSimulations: z.number().int().min(0).max(100_000).describe("alphazero: playout cap randomization (KataGo): the simulations of the cheap searches that play most self-play plies without noise and record nothing, while a share fullSearchRate of the plies run the full search and are recorded (0, the default: every ply a full search)"),
    fullSearchRate: z.number().gt(0).max(1).describe('alphazero with fastSimulations: the probability that a self-play ply runs the full search (simulations, root noise) and is recorded (KataGo: 0.25)'),
    fpuReduction: z.number().min(0).max(2).nullable().describe("alphazero: first-play urgency of the self-play searches: a move not tried yet scores the network's value of the position minus r, as `mcts:…:fpu<r>` does at play time (null, the default: Q = 0)"),
    valueTargetMix: z.number().min(0).max(1).describe("alphazero: the value target is (1 − m)·z + m·q, the game's outcome z blended with the search's root value q (0, the default: AlphaZero's z alone)"),
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
  magnetEvery: null,
  magnetMix: 0,
  magnetMixFinal: null,
  magnetAverage: false,
  magnetLrDecay: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  gradClip: 'global',
  targetKl: null,
  normAdv: true,
  normObs: false,
  normReward: false,
  hidden: [64, 64],
  criticInput: 'observation',
  activation: 'tanh',
  initLogStd: 0,
  network: 'mlp',
  convChannels: 32,
  resBlocks: 0,
  convReduce: 0,
  criticNetwork: 'same',
  policyHead: 'dense',
  columnReach: 3,
  neurdBeta: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
  opponent: 'random',
  seed: 0,
  checkpointEvery: 10,
  league: false,
  workers: 2,
  learnerThreads: 1,
  actorNice: 0,
  batchSegments: null,
  minutes: null,
  snapshotEvery: 10,
  opponentSampling: 'alphastar',
  evalEvery: 10,
  evalGames: 64,
  evalAgents: ['random'],
  leagueBots: ['random'],
  leagueBotShare: 0,
  evalOpeningPlies: null,
  evalOpenings: 'random',
  evalGreedy: false,
  async: true,
  queueSegments: null,
  maxLag: 8,
  rhoBar: 1,
  cBar: 1,
  // TRPO's solver: Stable-Baselines3-contrib's cg_max_steps, cg_damping, line_search_shrinking_factor, line_search_max_iter
  cgIters: 15,
  cgDamping: 0.1,
  lineSearchShrink: 0.8,
  lineSearchSteps: 10,
  mainExploiters: 0,
  leagueExploiters: 0,
  exportPolicy: 'last',
  swaFraction: 0.25,
  actionFrame: null,
  averageWeights: 'update-squared',
  trainOpeningPlies: 0,
  shaping: 0,
  bufferSize: 200_000,
  learningStarts: 100,
  gradientSteps: 1,
  tau: 0.005,
  actionNoise: 0.1,
  policyDelay: 2,
  targetNoise: 0.2,
  targetNoiseClip: 0.5,
  alpha: null,
  targetEntropy: null,
  saveReplay: true,
  metricsEvery: 1,
  simulations: 100,
  cPuct: 1.25,
  dirichletAlpha: 1,
  noiseFraction: 0.25,
  samplePlies: 10,
  augment: true,
  randomMoveRate: 0,
  treeReuse: false,
  fastSimulations: 0,
  fullSearchRate: 0.25,
  fpuReduction: null,
  valueTargetMix: 0,
};

/**
 * Off-policy defaults: Stable-Baselines3 2.x's SAC and TD3 (batch 256, τ 0.005, γ 0.99, one gradient
 * step per env step, learning_starts 100, ReLU MLPs, Adam with PyTorch's ε 1e-8; SAC [256, 256] with
 * α tuned toward −dim(A), TD3 [400, 300] with delay 2 and smoothing 0.2 clipped at 0.5), except the
 * replay capacity (SB3: 10⁶; here bounded, `bufferSize`). DDPG is SB3's: TD3 with one critic, no delay,
 * no smoothing. An update plays one step per env; metrics rows come every 100 updates and at episode ends.
 */
const OFF_POLICY_BASE: Partial<TrainConfig> = {
  envs: 1,
  steps: 1,
  minibatchSize: 256,
  gamma: 0.99,
  annealLr: false,
  activation: 'relu',
  optimizerEps: 1e-8,
  gradientSteps: 1,
  evalEvery: 5000,
  evalGames: 10,
  checkpointEvery: 5000,
  metricsEvery: 100,
};

/** Defaults per algorithm: PPO as CleanRL; A2C as SB3 (n-step 5, RMSprop 7e-4); REINFORCE with a learned baseline. */
const ALGO_DEFAULTS: Record<Algo, Partial<TrainConfig>> = {
  ppo: {},
  a2c: { steps: 5, minibatchSize: 1 << 30, epochs: 1, lambda: 1, lr: 7e-4, annealLr: false, entCoef: 0, normAdv: false, optimizer: 'rmsprop' },
  reinforce: { minibatchSize: 1 << 30, epochs: 1, lambda: 1, lr: 3e-3, annealLr: false, entCoef: 0, normAdv: true },
  // IMPALA (Espeholt et al. 2018): one pass of the V-trace actor-critic loss per batch, ρ̄ = c̄ = 1, λ = 1
  impala: { epochs: 1, lambda: 1, normAdv: false },
  // TRPO as Stable-Baselines3-contrib's defaults: δ (target_kl) 0.01, cg_max_steps 15, cg_damping 0.1, line search
  // 0.8 × 10; the critic alone by Adam, lr 1e-3 constant, n_critic_updates 10 (epochs) of batch_size 128; no entropy
  // bonus. Rollouts keep the game's PPO shape (envs × steps; SB3's n_steps is 2048 on one env); MLPs only.
  trpo: { minibatchSize: 128, epochs: 10, gamma: 0.99, lambda: 0.95, lr: 1e-3, annealLr: false, entCoef: 0, entCoefFinal: null, targetKl: 0.01, maxGradNorm: 0, normAdv: true, network: 'mlp' },
  // MAPPO reference defaults (Yu et al. 2022): 1 minibatch, lr 5e-4, clip 0.2 (also on values), value coef 1, grad norm 10
  mappo: { minibatchSize: 1 << 30, epochs: 15, lr: 5e-4, annealLr: false, clipValue: 0.2, entCoef: 0.01, vfCoef: 1, maxGradNorm: 10, gamma: 0.99, lambda: 0.95 },
  ippo: { minibatchSize: 1 << 30, epochs: 15, lr: 5e-4, annealLr: false, clipValue: 0.2, entCoef: 0.01, vfCoef: 1, maxGradNorm: 10, gamma: 0.99, lambda: 0.95 },
  sac: { ...OFF_POLICY_BASE, lr: 3e-4, hidden: [256, 256] },
  td3: { ...OFF_POLICY_BASE, lr: 1e-3, hidden: [400, 300] },
  ddpg: { ...OFF_POLICY_BASE, lr: 1e-3, hidden: [400, 300], policyDelay: 1, targetNoise: 0, targetNoiseClip: 0 },
  // expert iteration (src/train/expert-iteration.ts): `envs` self-play games per actor task; each position trained on
  // `epochs` times on average (drawn from a replay window of `bufferSize` rows); AlphaZero's loss weighs
  // (z − v)² and the cross-entropy alike: vfCoef 2 on our ½(V − R)²; no entropy bonus (the search explores);
  // replayed positions stay useful however old the weights that played them (maxLag null); the learning rate anneals
  // to 0 over the budget: one Connect Four hour each, greedy 49.8% / 35.8% against alphabeta:3 / 5 and mcts:…:200 81.0%
  // against alphabeta:5, where the constant rate gave 36.8% / 29.5% / 65.5% (README)
  alphazero: { envs: 8, steps: 1, minibatchSize: 512, epochs: 4, lr: 1e-3, annealLr: true, entCoef: 0, vfCoef: 2, maxGradNorm: 1, activation: 'relu', bufferSize: 200_000, learningStarts: 2000, maxLag: null, evalGreedy: true, evalEvery: 25, checkpointEvery: 25 },
};

/**
 * DDPG, TD3 and SAC on duel: league self-play with the games on the main thread (offpolicy-selfplay.ts).
 * An update plays 8 games 8 ticks each (64 transitions), then takes 16 gradient steps: one per 4
 * transitions, where SB3 takes one per transition — more games for the same compute on a small CPU. The
 * first 10,000 steps act uniformly at random (RL Zoo's learning_starts for SAC on MuJoCo; ≈ 33 games);
 * the buffer holds 200,000 transitions (≈ 670 games, ≈ 48 MB, saved with every checkpoint). A snapshot
 * every 250 updates (16,000 transitions, ≈ 53 games), evaluation every 250 (40 games against random and
 * the held-out duel-scripted), a checkpoint every 1000. The pool's bots are PPO's. Untuned: no strength
 * figure measured yet.
 */
const DUEL_OFF_POLICY: Partial<TrainConfig> = {
  totalSteps: 1_000_000,
  envs: 8,
  steps: 8,
  gradientSteps: 16,
  learningStarts: 10_000,
  bufferSize: 200_000,
  snapshotEvery: 250,
  evalEvery: 250,
  evalGames: 40,
  checkpointEvery: 1000,
  metricsEvery: 10,
  evalAgents: ['random', 'duel-scripted'],
  leagueBots: ['random', 'duel-gunner:0.1', 'duel-gunner', 'duel-gunner:0.3:1'],
};

/** Per-game tuned defaults; CartPole's and Pendulum's PPO rows are RL Zoo's `ppo.yml` entries. */
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
    // RL Zoo's trpo.yml row: n_envs 2, n_steps 512, batch_size 512, cg_damping 1e-3, gae_lambda 0.98, gamma 0.99, lr 1e-3, n_critic_updates 20
    trpo: { totalSteps: 100_000, envs: 2, steps: 512, minibatchSize: 512, cgDamping: 1e-3, lambda: 0.98, gamma: 0.99, lr: 1e-3, epochs: 20 },
  },
  // RL Zoo's ppo.yml row for Pendulum-v1 (batch_size is SB3's default 64, learning rate constant), without gSDE
  'pendulum-v1': {
    ppo: { totalSteps: 100_000, envs: 4, steps: 1024, minibatchSize: 64, epochs: 10, gamma: 0.9, lambda: 0.95, lr: 1e-3, annealLr: false, clip: 0.2, entCoef: 0, normObs: false },
    // RL Zoo's trpo.yml row for Pendulum-v1 (n_envs 2, n_steps 1024, gamma 0.9, n_critic_updates 15), without its gSDE
    trpo: { totalSteps: 100_000, envs: 2, steps: 1024, gamma: 0.9, epochs: 15 },
    // RL Zoo's sac.yml, td3.yml and ddpg.yml rows for Pendulum-v1 (20,000 steps). TD3's and DDPG's train_freq
    // [1, "episode"] with gradient_steps -1 is, for 200-step episodes, 200 steps then 200 gradient steps.
    sac: { totalSteps: 20_000, lr: 1e-3, evalEvery: 2000 },
    td3: { totalSteps: 20_000, gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, actionNoise: 0.1, lr: 1e-3, hidden: [400, 300], steps: 200, gradientSteps: 200, evalEvery: 10, checkpointEvery: 25, metricsEvery: 1 },
    ddpg: { totalSteps: 20_000, gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, actionNoise: 0.1, lr: 1e-3, hidden: [400, 300], steps: 200, gradientSteps: 200, evalEvery: 10, checkpointEvery: 25, metricsEvery: 1 },
  },
  // Board games and poker (league self-play): `envs` games per worker, `steps` learner decisions each.
  'tic-tac-toe-v1': {
    alphazero: { hidden: [128, 128], simulations: 100, dirichletAlpha: 1, samplePlies: 4, bufferSize: 50_000, learningStarts: 1000, evalAgents: ['random', 'minimax'], evalEvery: 100, checkpointEvery: 100 },
    ppo: { envs: 32, steps: 16, minibatchSize: 512, epochs: 4, lr: 1e-3, gamma: 0.99, lambda: 0.95, entCoef: 0.01, entCoefFinal: 0, trainOpeningPlies: 6, hidden: [128, 128], snapshotEvery: 5, evalEvery: 10, evalAgents: ['random', 'minimax'] },
  },
  // Connect Four's learner is its bottleneck (the conv net): two gradient threads train 1.5× the decisions per second
  'connect-four-v1': {
    // the ninth hour's settings (README, "The ninth hour"): the column move head, random moves in self-play, and 50 simulations
    // a search on top of the subtree kept from the previous move: seeds 0, 1 and 2 scored 66.5% / 74.8% / 69.8% greedy against the
    // held-out alphabeta:3 and 64.5% / 70.3% / 44.0% against alphabeta:5 after an hour (the earlier defaults, 100 simulations and the
    // dense head: 41.3% / 38.3%)
    // The replay window stays at 200,000 rows (the last ≈ 2.3 minutes of self-play): on seed 0, 1,000,000 and 100,000 rows scored
    // 50.5% / 50.2% greedy against alphabeta:3 on arena match's one-ply openings (66.5% at 200,000), but level from 0–8 random plies
    // (bench:tactics: 63.7% / 60.3% against 63.3%); the long window's mcts:…:200 89.0% against alphabeta:5 (78.5%): a lead, one seed
    // First-play urgency 1 in self-play (README, "First-play urgency in self-play"): seeds 0 and 1 of connect-four-v3 scored
    // 82.8 / 83.8% greedy against alphabeta:3, 74.3 / 68.8% against alphabeta:5 and 95.5 / 80.5% with mcts:…:200 against
    // alphabeta:5 on the issue's one ply (without it: 73.8 / 82.3%, 71.5 / 73.8%, 92.0 / 80.0%); from four plies level
    // (69.7 / 74.2% greedy against alphabeta:3, without it 70.8 / 72.4%). Those search figures are with Q 0 at play time;
    // searched with mcts:'s AlphaZero default urgency 0.5 (agents/mcts.ts), seeds 0–3 score 98.5 / 93.0 / 98.0 / 97.0%
    // One ply of exploring starts (README, "Exploring starts of one ply in self-play"): half the self-play games open with a
    // uniformly random first move. Seeds 0–3 then scored 93.0 / 87.7 / 91.6 / 88.8% greedy against alphabeta:3 on the issue's
    // one ply (four series; without it 81.6 / 82.0 / 78.7 / 76.9%) and 72.9 / 74.3 / 75.4 / 71.0% from four plies (without it
    // 69.7 / 74.2 / 70.9 / 71.7%)
    alphazero: { hidden: [128, 128], network: 'conv', policyHead: 'columns', convReduce: 8, simulations: 50, treeReuse: true, randomMoveRate: 0.15, dirichletAlpha: 1, samplePlies: 10, fpuReduction: 1, trainOpeningPlies: 1, evalAgents: ['random', 'alphabeta:1', 'alphabeta:3'], evalEvery: 50, checkpointEvery: 50 },
    // alphabeta:2 in the pool (README, "alphabeta:2 in the training pool"): one 1-hour seed scored 40.8% / 27.5% greedy
    // against the held-out alphabeta:3 / alphabeta:5 (24–36% / 11–20% without it), and its mcts:…:200 82% against alphabeta:5
    ppo: { envs: 32, steps: 32, minibatchSize: 512, epochs: 4, lr: 5e-4, gamma: 0.99, lambda: 0.95, entCoef: 0.01, hidden: [128, 128], snapshotEvery: 50, checkpointEvery: 50, evalEvery: 100, evalAgents: ['random', 'alphabeta:1', 'alphabeta:3'], leagueBots: ['random', 'alphabeta:1', 'alphabeta:2'], network: 'conv', trainOpeningPlies: 4, learnerThreads: 2, actorNice: 10 },
  },
  'kuhn-poker-v1': {
    // magnet-regularised self-play (R-NaD/MMD with a moving magnet, see README): KL to a copy of the policy refreshed
    // every 500 updates, blended 5% with uniform (full support), at a constant temperature 0.2 on raw chip-scale advantages
    ppo: { envs: 64, steps: 8, minibatchSize: 256, epochs: 4, lr: 1e-3, gamma: 1, lambda: 1, normAdv: false, entCoef: 0.2, entCoefFinal: null, magnetEvery: 500, magnetMix: 0.05, hidden: [64, 64], snapshotEvery: 100, checkpointEvery: 1000, opponentSampling: 'latest', evalEvery: 100, evalAgents: ['random', 'nash'] },
  },
  // Duel (simultaneous continuous moves): league self-play with a Gaussian policy, `envs` games per worker,
  // `steps` ticks each, games continued across segments. Log-std −2.5 at the start (σ 0.08): at σ 0.37 (−1)
  // the gun wanders ±0.4 rad a tick, no shot is accurate, so nothing rewards aiming better. The pool holds
  // duel-gunner (waypoint flight, random-lead aim: punishes flying straight or sitting still) at full and
  // 10% trigger rate (one the learner can beat while it learns), and a gunner that always leads fully but
  // fires on 30% of its chances (duel-gunner:0.3:1: only a course change after its shot dodges; at 100% it
  // was unbeatable and the learner's aim fell apart). The bots get half the main agent's games
  // (leagueBotShare 0.5): among ~1,000 snapshots PFSP gave them 3%, and the agent never learned to aim (its aim
  // followed the lead bearing with slope 0.34; 0.92 with the share). Observations are normalised (normObs):
  // the agent then moves (3.3 units/s against 1.4). With the full-lead gunner duel-scripted's shots hit it
  // 44–54% of the time instead of 57%, and greedy it beats duel-scripted 22–32 games in 100 instead of 3
  // (22-minute runs, one seed each; the same defaults over 44 minutes ended 0–100: not robust yet).
  // The policy acts in the opponent frame (actionFrame 'opponent', games/duel.ts): thrust toward and sideways of the
  // opponent, aim as an offset from the lead bearing; greedy, three 22-minute seeds then beat duel-scripted in 81.4%, 81.9%
  // and 86.9% of 1,000 games (28 in 100 at best in the game's own frame).
  // duel-scripted is a held-out evaluation bot, never a training opponent (README, "Duel"). Evaluation and
  // checkpoints every 50 updates: every 10 took a fifth of the time.
  'duel-v3': {
    ppo: { envs: 16, steps: 128, minibatchSize: 512, epochs: 4, lr: 3e-4, gamma: 0.99, lambda: 0.95, entCoef: 0, initLogStd: -2.5, hidden: [64, 64], snapshotEvery: 20, checkpointEvery: 50, evalEvery: 50, evalGames: 40, evalAgents: ['random', 'duel-scripted'], leagueBots: ['random', 'duel-gunner:0.1', 'duel-gunner', 'duel-gunner:0.3:1'], leagueBotShare: 0.5, normObs: true, actionFrame: 'opponent' },
    sac: DUEL_OFF_POLICY,
    td3: DUEL_OFF_POLICY,
    ddpg: DUEL_OFF_POLICY,
  },
  'leduc-poker-v1': {
    // the same moving magnet as Kuhn's, refreshed every 1,000 updates at a constant temperature 1.0 (Leduc's stakes are
    // larger): three 30-minute seeds exported 0.118 / 0.147 / 0.119, against 0.242 / 0.153 / 0.222 for the annealed bonus
    // and 0.112 / 0.192 / 0.151 with magnetEvery 2000 (README, "Where a trained Leduc run loses"); the critic reads the
    // whole state, both cards (criticInput 'agent-state'): seeds 0 / 1 / 2 exported 0.134 / 0.107 / 0.113, and on seed 2,
    // side by side with the observation critic, 0.113 against 0.173 (README, "A critic that sees both cards"); the global
    // gradient-norm clip (0.5) stays although it scales every Leduc update (by 0.26–0.61): without it seeds 0–4 exported
    // 0.085 / 0.117 / 0.087 / 0.140 / 0.186 against 0.106 / 0.113 / 0.097 / 0.114 / 0.120 with it (README, "Without the
    // gradient-norm clip"), and clipped per network (gradClip 'per-network') seeds 0–2 exported 0.113 / 0.129 / 0.112
    // (README, "The clip per network"); one pass over each 512-decision batch (epochs 1: one gradient step per update,
    // 1.5x the updates in 30 minutes): seeds 0-4 exported 0.107 / 0.082 / 0.097 / 0.105 / 0.094 (median 0.097), against
    // 0.106 / 0.113 / 0.097 or 0.119 / 0.114 / 0.120 or 0.094 with four passes (README, "One pass over each batch")
    ppo: { envs: 64, steps: 8, minibatchSize: 512, epochs: 1, lr: 5e-4, gamma: 1, lambda: 1, normAdv: false, entCoef: 1.0, entCoefFinal: null, magnetEvery: 1000, magnetMix: 0.05, criticInput: 'agent-state', hidden: [128, 128], snapshotEvery: 100, checkpointEvery: 100, opponentSampling: 'latest', evalEvery: 100, evalAgents: ['random'] },
  },
};
/**
 * A game's row: its own, else that of an earlier version it lists (`GameInfo.earlierVersions`: the same game
 * observed differently, so connect-four-v2 and -v3 train with Connect Four's settings).
 */
function gameDefaults(gameId: string): Partial<Record<Algo, Partial<TrainConfig>>> | undefined {
  const own = GAME_DEFAULTS[gameId];
  if (own || !gameRegistry.has(gameId)) return own;
  for (const earlier of getGame(gameId).info.earlierVersions ?? []) if (GAME_DEFAULTS[earlier]) return GAME_DEFAULTS[earlier];
  return undefined;
}

/**
 * Default configuration for an algorithm on a game (versioned id). REINFORCE plays whole episodes,
 * so its rollout length defaults to the game's longest episode.
 */
export function defaultConfig(algo: Algo, gameId: string): TrainConfig {
  const episodic: Partial<TrainConfig> = algo === 'reinforce' ? { steps: getGame(gameId).info.maxSteps } : {};
  // IMPALA and TRPO take a game's PPO row (envs, steps, evaluation, league) with their own update rule on top
  const rows = gameDefaults(gameId);
  const game = algo === 'impala' || algo === 'trpo' ? { ...rows?.ppo, ...ALGO_DEFAULTS[algo], ...rows?.[algo] } : rows?.[algo];
  // the games with an exact tree (Kuhn, Leduc) export the average of the snapshots: self-play's last iterate can cycle there
  const exportPolicy: Partial<TrainConfig> = isExactEvalGame(gameId) ? { exportPolicy: 'average' } : {};
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
  // likewise the critic of the whole state, a game's default for league self-play: outside one it reads the observation
  if (!c.league && c.criticInput === 'agent-state' && !layers.some((l) => l.criticInput !== undefined)) c = { ...c, criticInput: 'observation' };
  // and the action frame of the duel's league runs: outside a league the policy acts in the game's own components
  if (!c.league && c.actionFrame !== null && !layers.some((l) => l.actionFrame !== undefined)) c = { ...c, actionFrame: null };
  // and a game's conv head settings (Connect Four's alphazero column head): an MLP asked for without them has no trunk to read
  if (c.network === 'mlp') {
    if (c.policyHead !== 'dense' && !layers.some((l) => l.policyHead !== undefined)) c = { ...c, policyHead: 'dense' };
    if (c.convReduce !== 0 && !layers.some((l) => l.convReduce !== undefined)) c = { ...c, convReduce: 0 };
  }
  if (isOffPolicy(c.algo)) checkOffPolicy(c, getGame(gameId).info);
  if (c.algo === 'trpo' && c.targetKl === null) throw new ConfigError('invalid training config: trpo needs targetKl, the trust-region bound δ on the mean KL of a step (SB3: 0.01)');
  if (c.network === 'conv' || c.policyHead !== 'dense') convSpecFor(c, getGame(gameId).info); // fails early, naming the games that have board planes (and columns for moves)
  if (Array.isArray(c.initLogStd)) {
    const { info } = getGame(gameId);
    if (!isContinuous(info)) throw new ConfigError(`invalid training config: initLogStd as a list gives each continuous action component its own; ${gameId} has discrete actions (leave initLogStd a number)`);
    if (c.initLogStd.length !== info.actions) throw new ConfigError(`invalid training config: initLogStd has ${c.initLogStd.length} entries; ${gameId} has ${info.actions} action components (give one number for all, or one per component)`);
  }
  if (c.magnetLrDecay > 0 && c.magnetEvery === null) throw new ConfigError('invalid training config: magnetLrDecay decays the learning rate within each magnet phase; set magnetEvery too (or magnetLrDecay 0)');
  if (c.neurdBeta !== null) {
    // not impala: its V-trace advantage already carries min(ρ̄, π/μ), where NeuRD's all-actions estimate divides by μ alone
    if (!['ppo', 'a2c', 'reinforce'].includes(c.algo)) throw new ConfigError(`invalid training config: neurdBeta applies to ppo, a2c and reinforce; ${c.algo} has its own policy update (set neurdBeta to null)`);
    if (isContinuous(getGame(gameId).info)) throw new ConfigError(`invalid training config: neurdBeta moves the logits of discrete actions; ${gameId} has continuous actions (set neurdBeta to null)`);
  }
  if (c.trainOpeningPlies > 0) {
    const why = openingsUnsupported(getGame(gameId).info);
    if (why !== null) throw new ConfigError(`invalid training config: trainOpeningPlies needs a sequential game without chance: ${why} (set it to 0)`);
  }
  if (c.shaping > 0) {
    const game = getGame(gameId);
    if (!c.league || isOffPolicy(c.algo) || !isTwoSeatContinuous(game.info) || typeof game.newState(0).potential !== 'function') {
      throw new ConfigError(`invalid training config: shaping applies to ${c.algo === 'ppo' ? '' : 'on-policy '}league self-play (--league, not sac/td3/ddpg) of a two-seat game with simultaneous continuous moves whose states define a potential (duel-v3); ${c.algo} on ${gameId}${c.league ? '' : ' without --league'} has none (set shaping 0)`);
    }
  }
  if (c.actionFrame !== null) {
    const game = getGame(gameId);
    if (!c.league || isOffPolicy(c.algo) || c.algo === 'alphazero' || !isTwoSeatContinuous(game.info)) {
      throw new ConfigError(`invalid training config: actionFrame applies to on-policy league self-play (--league; not sac/td3/ddpg) of a two-seat game with simultaneous continuous moves (duel-v3); ${c.algo} on ${gameId}${c.league ? '' : ' without --league'} has none (set actionFrame null)`);
    }
    try {
      actionFrameOf(gameId, c.actionFrame);
    } catch (err) {
      throw new ConfigError(`invalid training config: ${(err as Error).message} (or set actionFrame null)`, { cause: err });
    }
  }
  if (c.criticInput === 'agent-state') {
    const { info } = getGame(gameId);
    if (agentStateSize(info) === info.observationSize) throw new ConfigError(`invalid training config: criticInput 'agent-state' needs an agent state unlike the observation; ${gameId}'s are both ${info.observationSize} floats (set criticInput 'observation')`);
    if (!c.league || info.seats !== 2 || info.dynamics !== 'sequential' || isOffPolicy(c.algo) || c.algo === 'mappo' || c.algo === 'ippo' || c.network !== 'mlp') {
      throw new ConfigError(
        `invalid training config: criticInput 'agent-state' applies to league self-play (--league) of a two-seat sequential game with ppo, a2c, reinforce, impala or trpo and network 'mlp' (mappo has its own centralized critic); ${c.algo} on ${gameId}${c.league ? '' : ' without --league'}${c.network === 'mlp' ? '' : ` with network '${c.network}'`} (set criticInput 'observation')`,
      );
    }
  }
  if (c.algo === 'alphazero') checkExpertIteration(c, getGame(gameId).info);
  else if (c.randomMoveRate > 0 || c.valueTargetMix > 0 || c.treeReuse || c.fastSimulations > 0 || c.fpuReduction !== null) {
    throw new ConfigError(`invalid training config: randomMoveRate, valueTargetMix, treeReuse, fastSimulations and fpuReduction shape alphazero's self-play with search; ${c.algo} has none (set them to 0, 0, false, 0 and null)`);
  }
  // the evaluation games of the other modes play in their collectors (the vector env's sampling agent, the team actors)
  if (c.evalGreedy && ((!c.league && c.algo !== 'alphazero') || c.algo === 'mappo' || c.algo === 'ippo')) {
    throw new ConfigError(`invalid training config: evalGreedy applies to two-seat league self-play (--league) and alphazero, whose evaluation games play on the main thread; ${c.algo} on ${gameId}${c.league ? '' : ' without --league'} evaluates its sampling policy (set evalGreedy false)`);
  }
  if ((c.mainExploiters > 0 || c.leagueExploiters > 0) && !c.league) {
    throw new ConfigError(`invalid training config: mainExploiters/leagueExploiters train inside a league: add --league (or set both to 0)`);
  }
  return c;
}

/**
 * Expert iteration searches every self-play move: sequential, perfect-information, two-player zero-sum
 * games without chance (mcts:'s own conditions), pure self-play (no league), raw observations and
 * rewards. A one-line ConfigError otherwise.
 */
export function checkExpertIteration(config: TrainConfig, info: GameInfo): void {
  const why = mctsFits(info);
  if (why !== null) {
    const ok = registeredGames().filter((g) => mctsFits(g.info) === null).map((g) => g.info.id);
    throw new ConfigError(`alphazero searches every move of its self-play games: ${info.id} does not fit (${why}); it trains ${ok.join(', ')}`);
  }
  if (config.league) throw new ConfigError('alphazero trains by self-play with search, both seats its newest weights: drop --league');
  if (config.normObs || config.normReward) throw new ConfigError('alphazero learns from raw observations and outcomes: set normObs and normReward to false');
  if (config.neurdBeta !== null || config.magnetEvery !== null) throw new ConfigError("alphazero's policy learns the search's move distribution: set neurdBeta and magnetEvery to null");
  if (config.learningStarts > config.bufferSize) throw new ConfigError(`alphazero: learningStarts (${config.learningStarts}) exceeds the replay window bufferSize (${config.bufferSize}): training would never start`);
  if (config.fastSimulations >= config.simulations) throw new ConfigError(`alphazero: fastSimulations (${config.fastSimulations}) must be below simulations (${config.simulations}): the fast searches are the cheap ones (0: none)`);
}

/** Two seats moving at once with action vectors (duel): what off-policy league self-play plays. */
function isTwoSeatContinuous(info: GameInfo): boolean {
  return isContinuous(info) && info.seats === 2 && info.dynamics === 'simultaneous';
}

/**
 * Off-policy algorithms train MLPs on games with continuous actions: one agent alone on a single-agent
 * game, or the main agent of a league on a two-seat game with simultaneous moves (its games on the main
 * thread, src/train/offpolicy-selfplay.ts). A one-line ConfigError otherwise, naming what they accept.
 */
export function checkOffPolicy(config: TrainConfig, info: GameInfo): void {
  const { algo } = config;
  if (!isContinuous(info) || (info.seats !== 1 && !isTwoSeatContinuous(info))) {
    const single = listGames().filter((g) => isContinuous(g.info) && g.info.seats === 1).map((g) => g.info.id);
    const twoSeat = listGames().filter((g) => isTwoSeatContinuous(g.info)).map((g) => g.info.id);
    throw new ConfigError(
      `${algo} trains games with continuous actions: single-agent ones (${single.join(', ')}), or two-seat ones with simultaneous moves in a league (${twoSeat.join(', ')}); ${info.id} has ${isContinuous(info) ? `${info.seats} seats` : 'discrete actions'}`,
    );
  }
  if (info.seats === 1 && config.league) throw new ConfigError(`${algo} trains one agent on its own replay buffer on ${info.id}: drop --league`);
  if (info.seats === 2 && !config.league) throw new ConfigError(`${algo} trains ${info.id} by self-play against a league of its snapshots and bots: add --league`);
  if (info.seats === 2 && (config.mainExploiters > 0 || config.leagueExploiters > 0)) throw new ConfigError(`${algo} league self-play trains the main agent only: set mainExploiters and leagueExploiters to 0 (exploiters train with ppo)`);
  if (info.seats === 2 && config.batchSegments != null) throw new ConfigError(`${algo} plays its league games on the main thread, one segment per update: leave batchSegments unset`);
  if (config.network !== 'mlp') throw new ConfigError(`${config.algo} trains MLPs: use network 'mlp'`);
  if (config.normObs || config.normReward) throw new ConfigError(`${config.algo} learns from raw observations and rewards: set normObs and normReward to false`);
  if (config.annealLr) throw new ConfigError(`${config.algo} keeps its learning rate constant (as SB3's defaults): set annealLr to false`);
}

/**
 * The conv trunk `config` asks for on the game `info` (undefined for network 'mlp'). A ConfigError
 * when the game's observation is not a stack of board planes (no GameInfo.observationShape), naming
 * the games whose observations are, or when the algorithm trains team policies (MLPs only).
 */
export function convSpecFor(config: TrainConfig, info: GameInfo): ConvSpec | undefined {
  if (config.policyHead === 'columns' && config.network !== 'conv') throw new ConfigError(`policyHead 'columns' reads a conv trunk's board columns: set network 'conv' (or policyHead 'dense')`);
  if (config.network !== 'conv') return undefined;
  if (config.algo === 'mappo' || config.algo === 'ippo' || config.algo === 'trpo') throw new ConfigError(`network 'conv' trains with ppo, a2c, reinforce or impala; ${config.algo} uses MLPs (network 'mlp')`);
  const shape = info.observationShape;
  if (!shape) {
    const boards = registeredGames().filter((g) => g.info.observationShape).map((g) => g.info.id);
    throw new ConfigError(`network 'conv' needs a game whose observation is board planes (observationShape): ${boards.join(', ')}; ${info.id} has a flat observation, use network 'mlp'`);
  }
  if (config.policyHead === 'columns' && info.actions !== shape[2]) {
    const fits = registeredGames().filter((g) => g.info.observationShape?.[2] === g.info.actions).map((g) => g.info.id);
    throw new ConfigError(`policyHead 'columns' gives one move per board column: ${info.id} has ${info.actions} actions on ${shape[2]} columns; it fits ${fits.join(', ')} (use policyHead 'dense')`);
  }
  if (config.policyHead === 'columns' && config.columnReach >= shape[2]) throw new ConfigError(`columnReach ${config.columnReach} reads past ${info.id}'s ${shape[2]} columns: at most ${shape[2] - 1}`);
  return {
    shape: [shape[0], shape[1], shape[2]],
    channels: config.convChannels,
    resBlocks: config.resBlocks,
    ...(config.convReduce > 0 ? { reduce: config.convReduce } : {}),
    ...(config.criticNetwork === 'mlp' ? { actorOnly: true } : {}),
    ...(config.policyHead === 'columns' ? { columnHead: { reach: config.columnReach } } : {}),
  };
}

/** One line per field: name, value, doc — for printing the resolved config. */
export function describeConfig(cfg: TrainConfig): string {
  const shape = TrainConfigSchema.shape;
  return Object.entries(cfg)
    .map(([k, v]) => `  ${k.padEnd(16)} ${JSON.stringify(v).padEnd(14)} ${(shape as Record<string, z.ZodType>)[k]?.description ?? ''}`)
    .join('\n');
}
