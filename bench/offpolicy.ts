/**
 * `npm run bench:offpolicy`: Arena's SAC and TD3 on pendulum-v1 for RL Zoo's budget (20,000 steps),
 * with their default Pendulum rows (src/train/config.ts: RL Zoo's sac.yml and td3.yml), through the
 * one training loop — the final return of the deterministic policy and the wall-clock. When a
 * `python3` that imports stable_baselines3 (and gymnasium) is on the PATH, Stable-Baselines3's SAC and
 * TD3 train on gymnasium's Pendulum-v1 in the same run with the same hyperparameters (taken from the
 * resolved Arena config), side by side; otherwise that half is skipped, saying so.
 *
 * Returns are the mean over `evalGames` (10) fresh episodes of the deterministic policy, at the end
 * of training (both sides evaluate the same way). Arena's training seconds leave its periodic
 * evaluations out (SB3 runs none during `learn`); "≥ −200 first at" is the first of Arena's evaluations
 * (SAC every 2,000 steps, TD3 every 2,000 from step 10,000) that reached −200, with the seconds elapsed
 * until then (evaluations included: 10 batched episodes, well under a second each).
 *
 * Environment: BENCH_ALGOS=sac,td3 (ddpg too), BENCH_STEPS=20000, BENCH_SEED=0, BENCH_PYTHON=python3.
 * Results also go to bench/results/offpolicy-<time>.json. A benchmark, not a test: nothing asserts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogLevel } from '../core/log.ts';
import { describeBackend, selectBackend } from '../src/backend.ts';
import { readMetrics } from '../src/metrics.ts';
import { OFF_POLICY_ALGOS, resolveConfig, type OffPolicyAlgo, type TrainConfig } from '../src/train/config.ts';
import { runTraining } from '../src/train/loop.ts';
import { loadWarning, machineInfo, markdownTable } from './lib.ts';

const GAME = 'pendulum-v1';
const algos = (process.env['BENCH_ALGOS'] ?? 'sac,td3').split(',').map((a) => a.trim()) as OffPolicyAlgo[];
for (const a of algos) if (!(OFF_POLICY_ALGOS as readonly string[]).includes(a)) throw new Error(`BENCH_ALGOS: unknown algorithm '${a}' (${OFF_POLICY_ALGOS.join(', ')})`);
const steps = Number(process.env['BENCH_STEPS'] ?? 20_000);
const seed = Number(process.env['BENCH_SEED'] ?? 0);
const python = process.env['BENCH_PYTHON'] ?? 'python3';

interface Result {
  readonly impl: 'arena' | 'sb3';
  readonly algo: OffPolicyAlgo;
  readonly steps: number;
  /** Training seconds (Arena: without its periodic evaluations). */
  readonly seconds: number;
  /** Mean return of the deterministic policy over the final evaluation's episodes, and their std. */
  readonly evalReturn: number;
  readonly evalStd: number;
  /** Arena: the first evaluation ≥ −200 (its step, seconds elapsed until then), or null. */
  readonly reached: { step: number; seconds: number } | null;
}

async function arena(algo: OffPolicyAlgo): Promise<{ result: Result; config: TrainConfig }> {
  const config = resolveConfig(algo, GAME, { totalSteps: steps, seed });
  const outDir = mkdtempSync(join(tmpdir(), `arena-bench-${algo}-`));
  try {
    const s = await runTraining({ config, outDir, resume: false });
    const evalSeconds = (s.profile['evalSeconds'] as number) ?? 0;
    const first = readMetrics(outDir).find((r) => typeof r['eval/return'] === 'number' && r['eval/return'] >= -200);
    const reached = first ? { step: first.global_step as number, seconds: first['time/elapsed_s'] as number } : null;
    const result: Result = { impl: 'arena', algo, steps: s.globalStep, seconds: s.seconds - evalSeconds, evalReturn: s.lastEval['eval/return'] ?? NaN, evalStd: s.lastEval['eval/return_std'] ?? NaN, reached };
    return { result, config };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** SB3's side: the same hyperparameters, on gymnasium's Pendulum-v1. */
const SB3_SCRIPT = String.raw`
import json, sys, time
cfg = json.loads(sys.argv[1])
import gymnasium as gym
import numpy as np
from stable_baselines3 import DDPG, SAC, TD3
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.noise import NormalActionNoise
env = gym.make("Pendulum-v1")
common = dict(learning_rate=cfg["lr"], buffer_size=cfg["bufferSize"], learning_starts=cfg["learningStarts"], batch_size=cfg["minibatchSize"],
              tau=cfg["tau"], gamma=cfg["gamma"], train_freq=(cfg["steps"], "step"), gradient_steps=cfg["gradientSteps"],
              policy_kwargs=dict(net_arch=cfg["hidden"]), seed=cfg["seed"], device="cpu", verbose=0)
if cfg["algo"] == "sac":
    model = SAC("MlpPolicy", env, ent_coef="auto" if cfg["alpha"] is None else cfg["alpha"],
                target_entropy="auto" if cfg["targetEntropy"] is None else cfg["targetEntropy"], **common)
else:
    n = env.action_space.shape[0]
    # the noise is added to the action scaled to [-1, 1], as in Arena
    noise = NormalActionNoise(mean=np.zeros(n), sigma=cfg["actionNoise"] * np.ones(n))
    if cfg["algo"] == "td3":
        model = TD3("MlpPolicy", env, action_noise=noise, policy_delay=cfg["policyDelay"], target_policy_noise=cfg["targetNoise"],
                    target_noise_clip=cfg["targetNoiseClip"], **common)
    else:
        model = DDPG("MlpPolicy", env, action_noise=noise, **common)
t0 = time.perf_counter()
model.learn(total_timesteps=cfg["totalSteps"])
seconds = time.perf_counter() - t0
mean, std = evaluate_policy(model, gym.make("Pendulum-v1"), n_eval_episodes=cfg["evalGames"], deterministic=True)
print(json.dumps({"seconds": seconds, "return": float(mean), "std": float(std)}))
`;

/** Why SB3 cannot run here (null when it can). */
function sb3Unavailable(): string | null {
  const r = spawnSync(python, ['-c', 'import stable_baselines3, gymnasium; print(stable_baselines3.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${python} is not on the PATH (${r.error.message})`;
  if (r.status !== 0) return `${python} cannot import stable_baselines3 and gymnasium (${(r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 160)})`;
  return null;
}

function sb3(algo: OffPolicyAlgo, config: TrainConfig): Result {
  const r = spawnSync(python, ['-c', SB3_SCRIPT, JSON.stringify(config)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`SB3 ${algo} failed: ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; return: number; std: number };
  return { impl: 'sb3', algo, steps: config.totalSteps, seconds: out.seconds, evalReturn: out.return, evalStd: out.std, reached: null };
}

setLogLevel('warn');
await selectBackend('auto');
const machine = machineInfo();
const backend = describeBackend();
console.log(`# Off-policy benchmark: ${GAME}, ${steps.toLocaleString('en-US')} steps, seed ${seed}`);
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; tfjs backend ${backend.name} (${backend.tfBackend})`);
const warning = loadWarning(machine.cores);
if (warning) console.log(`warning: ${warning}`);
const missing = sb3Unavailable();
if (missing) console.log(`Stable-Baselines3: skipped — ${missing}. Install it (pip install stable-baselines3 gymnasium) to run it side by side.`);

const results: Result[] = [];
for (const algo of algos) {
  const { result, config } = await arena(algo);
  results.push(result);
  console.log(`arena ${algo}: return ${result.evalReturn.toFixed(1)} in ${result.seconds.toFixed(0)} s`);
  if (!missing) {
    const theirs = sb3(algo, config);
    results.push(theirs);
    console.log(`sb3 ${algo}: return ${theirs.evalReturn.toFixed(1)} in ${theirs.seconds.toFixed(0)} s`);
  }
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log(
  `\n${markdownTable(
    ['implementation', 'algorithm', 'steps', 'training s', 'final return (10 episodes, deterministic)', '≥ −200 first at'],
    results.map((r) => [
      r.impl === 'arena' ? 'Arena' : 'Stable-Baselines3',
      r.algo.toUpperCase(),
      r.steps.toLocaleString('en-US'),
      fmt(r.seconds, 0),
      `${fmt(r.evalReturn)} ± ${fmt(r.evalStd)}`,
      r.reached ? `step ${r.reached.step.toLocaleString('en-US')} (${fmt(r.reached.seconds, 0)} s)` : r.impl === 'arena' ? 'not reached' : '–',
    ]),
  )}`,
);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`offpolicy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify({ game: GAME, steps, seed, machine, backend, sb3: missing ?? 'ran', results }, null, 2)}\n`);
console.log(`\nresults: ${file.pathname}`);
