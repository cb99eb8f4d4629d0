/**
 * Off-policy runs (SAC, TD3) as agents: a run folder, a ckpt-NNNNNN folder and `greedy:<run>` resolve
 * to an OffPolicyAgent whose action is the checkpoint's tfjs actor's (tanh of SAC's mean, μ(s) of TD3,
 * scaled to the box), computed without tfjs; `arena eval` plays it in a process that loads no tfjs and
 * reproduces the trainer's own `eval/return`; another game, a discrete game or a corrupt checkpoint is
 * refused in one line. Gaussian PPO checkpoints on pendulum resolve and play as before.
 */
import { cpSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/index.ts';
import { OffPolicyAgent, SAC_LOG_STD_RANGE, unitToBox } from '../../agents/offpolicy-agent.ts';
import { PolicyAgent } from '../../agents/policy-agent.ts';
import { AgentMismatchError, ArenaError, CheckpointError, Rng, type GameState } from '../../core/index.ts';
import { setLogLevel } from '../../core/log.ts';
import { duel } from '../../games/duel.ts';
import { createBot } from '../../agents/bots.ts';
import { pendulum } from '../../games/pendulum.ts';
import { ticTacToe } from '../../games/tic-tac-toe.ts';
import { LOG_STD_MAX, LOG_STD_MIN } from '../../src/algorithms/sac.ts';
import { selectBackend } from '../../src/backend.ts';
import { readDenseModel } from '../../src/checkpoint/dense-weights.ts';
import { evaluateAgent } from '../../src/eval/evaluate.ts';
import { playSeries } from '../../src/eval/match.ts';
import { readMetrics } from '../../src/metrics.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { runTraining, type TrainSummary } from '../../src/train/loop.ts';
import { loadOffPolicyCheckpoint } from '../../src/train/offpolicy-checkpoint.ts';
import { savePolicyCheckpoint } from '../../src/train/policy-checkpoint.ts';
import { TrainingRun } from '../../src/train/run.ts';
import { arena } from '../cli/helpers.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const info = pendulum.info;
const A = info.actions;
const tempRoot = tempDirs('arena-offpolicy-agent-');
let root = '';
const runs: Record<'sac' | 'td3', { dir: string; summary: TrainSummary }> = {} as never;

/** A tiny run of `algo` on pendulum: 200 steps, trained after 50, evaluated at the first and the last update, checkpointed at the end. */
async function tinyRun(algo: 'sac' | 'td3'): Promise<{ dir: string; summary: TrainSummary }> {
  const dir = join(root, algo);
  const config = resolveConfig(algo, 'pendulum-v1', { hidden: [16, 16], minibatchSize: 32, learningStarts: 50, totalSteps: 200, evalEvery: 200, evalGames: 2, checkpointEvery: 200, seed: 5 });
  return { dir, summary: await runTraining({ config, outDir: dir, resume: false }) };
}

/** Pendulum positions after a few random torques, from several seeds. */
function positions(): GameState[] {
  const rng = new Rng(9);
  return Array.from({ length: 6 }, (_, i) => {
    const s = pendulum.newState(100 + i);
    for (let t = 0; t < 3 * i; t++) s.applyContinuous([rng.uniform(-2, 2)]);
    return s;
  });
}

/** The tfjs actor's raw outputs for `state`'s observation. */
function tfjsActor(actor: { forward(x: tf.Tensor2D): tf.Tensor2D }, state: GameState): Float32Array {
  const obs = new Float32Array(info.observationSize);
  state.observe(0, obs);
  return tf.tidy(() => actor.forward(tf.tensor2d(obs, [1, obs.length])).dataSync() as Float32Array);
}

/** [−1, 1] → pendulum's box [−2, 2]. */
const toBox = (a: number) => info.actionSpace!.low[0]! + 0.5 * (a + 1) * (info.actionSpace!.high[0]! - info.actionSpace!.low[0]!);

beforeAll(async () => {
  root = tempRoot();
  setLogLevel('warn');
  await selectBackend('wasm');
  runs.sac = await tinyRun('sac');
  runs.td3 = await tinyRun('td3');
}, 60_000);

describe('off-policy checkpoints as agents', () => {
  it('SAC: the run folder, a ckpt folder and greedy:<run> play tanh of the tfjs actor mean, scaled to the box', async () => {
    const { dir } = runs.sac;
    const loaded = await loadOffPolicyCheckpoint(dir);
    const ckptDir = loaded.checkpoint.dir;
    const agents = [await createAgent(dir, info, 0, { deterministic: true }), await createAgent(`greedy:${dir}`, info, 0), await createAgent(ckptDir, info, 0, { deterministic: true })];
    for (const a of agents) expect(a).toBeInstanceOf(OffPolicyAgent);
    const out = new Float64Array(A);
    let moved = 0;
    for (const state of positions()) {
      const head = tfjsActor(loaded.networks['actor']!, state);
      const expected = toBox(Math.tanh(head[0]!));
      if (Math.abs(expected) > 1e-3) moved++;
      for (const a of agents) {
        a.actContinuous!(state, 0, out);
        expect(Math.abs(out[0]! - expected)).toBeLessThan(1e-5);
      }
    }
    expect(moved).toBeGreaterThan(0); // the comparison is not between zeros
    for (const n of Object.values(loaded.networks)) n.dispose();
  });

  it('SAC without greedy samples tanh(mean + σ·ε), ε from the seeded RNG, log σ clamped as in training', async () => {
    const { dir } = runs.sac;
    const loaded = await loadOffPolicyCheckpoint(dir);
    const agent = await createAgent(dir, info, 0);
    const out = new Float64Array(A);
    const state = positions()[3]!;
    const head = tfjsActor(loaded.networks['actor']!, state);
    agent.reset!(77);
    const rng = new Rng(77);
    for (let k = 0; k < 3; k++) {
      agent.actContinuous!(state, 0, out);
      const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, head[1]!));
      const expected = toBox(Math.tanh(head[0]! + Math.exp(logStd) * rng.normal()));
      expect(Math.abs(out[0]! - expected)).toBeLessThan(1e-5);
    }
    expect(Math.abs(out[0]! - toBox(Math.tanh(head[0]!)))).toBeGreaterThan(1e-4); // a sample, not the mean
    expect(SAC_LOG_STD_RANGE).toEqual([LOG_STD_MIN, LOG_STD_MAX]);
    for (const n of Object.values(loaded.networks)) n.dispose();
  });

  it('TD3: μ(s) = tanh(actor(s)) scaled to the box, sampling or not', async () => {
    const { dir } = runs.td3;
    const loaded = await loadOffPolicyCheckpoint(dir);
    const agents = [await createAgent(dir, info, 0), await createAgent(`greedy:${dir}`, info, 0)];
    const out = new Float64Array(A);
    for (const state of positions()) {
      const expected = toBox(Math.tanh(tfjsActor(loaded.networks['actor']!, state)[0]!));
      for (const a of agents) {
        a.actContinuous!(state, 0, out);
        expect(Math.abs(out[0]! - expected)).toBeLessThan(1e-5);
      }
    }
    for (const n of Object.values(loaded.networks)) n.dispose();
  });

  it("evaluation: the checkpoint's agent reproduces the trainer's eval/return (one evaluation path)", async () => {
    for (const algo of ['sac', 'td3'] as const) {
      const { dir, summary } = runs[algo];
      const agent = await createAgent(dir, info, 0, { deterministic: true });
      // the trainer's last evaluation (at the last update: the checkpointed weights), with its seed and episode count
      const evaluations = readMetrics(dir).filter((row) => row['eval/return'] !== undefined);
      expect(evaluations.at(-1)!.update).toBe(summary.updates);
      const r = evaluateAgent({ game: pendulum, agent, episodes: 2, seed: (5 * 7919 + 1_000_003 * evaluations.length) >>> 0 });
      expect(r.meanLength).toBe(200);
      expect(summary.lastEval['eval/episodes']).toBe(2);
      expect(summary.lastEval['eval/length']).toBe(200);
      expect(r.meanReturn).toBeLessThan(0);
      expect(r.meanReturn).toBeCloseTo(summary.lastEval['eval/return']!, 6);
    }
  });

  it('`arena eval` plays a SAC run in a process that loads no tfjs', () => {
    const hook = { NODE_OPTIONS: `--import=${pathToFileURL(join(import.meta.dirname, '..', 'cli', 'forbid-tfjs.ts')).href}` };
    const r = arena(['eval', '--game', 'pendulum', '--agent', runs.sac.dir, '--episodes', '2', '--seed', '3', '--json'], { env: hook });
    expect(r.stderr).not.toMatch(/tfjs loaded/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { meanReturn: number; episodes: number; game: string };
    expect(json).toMatchObject({ episodes: 2, game: 'pendulum-v1' });
    expect(json.meanReturn).toBeLessThan(0);
  }, 60_000);

  it('plays a two-seat simultaneous continuous game (duel) through Match, each seat from its own view', () => {
    const O = duel.info.observationSize;
    const D = duel.info.actions;
    const rng = new Rng(1);
    const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
    const weights = [rand(O * 8), rand(8), rand(8 * 2 * D), rand(2 * D), rand((O + D) * 8), rand(8), rand(8), rand(1)];
    const agent = new OffPolicyAgent({ name: 'sac-duel', nets: { algo: 'sac', obsSize: O, actionDims: D, hidden: [8], activation: 'tanh', weights }, info: duel.info, deterministic: true });
    const r = playSeries({ game: duel, agents: [agent, createBot('duel-scripted', duel.info, 2)], games: 2, seed: 4 });
    expect(r.games).toBe(2);
    const state = duel.newState(1);
    const a0 = new Float64Array(D);
    const a1 = new Float64Array(D);
    agent.actContinuous(state, 0, a0);
    agent.actContinuous(state, 1, a1);
    for (const v of [...a0, ...a1]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect([...a0]).not.toEqual([...a1]); // seats observe differently
  });

  it('refuses another game, a discrete game and a corrupt checkpoint in one line', async () => {
    const { dir } = runs.sac;
    const oneLine = async (p: Promise<unknown>, cls: typeof ArenaError, pattern: RegExp) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toContain('\n');
    };
    await oneLine(createAgent(dir, duel.info, 0), AgentMismatchError, /checkpoint '.*sac' \(sac\) was trained on pendulum-v1, not duel-v3/);
    await oneLine(createAgent(`greedy:${dir}`, ticTacToe.info, 0), AgentMismatchError, /was trained on pendulum-v1, not tic-tac-toe-v1/);
    const nets = { algo: 'td3' as const, obsSize: 3, actionDims: 1, hidden: [], activation: 'relu' as const, weights: [new Float32Array(3), new Float32Array(1), new Float32Array(4), new Float32Array(1)] };
    expect(() => new OffPolicyAgent({ name: 'x', nets, info: ticTacToe.info })).toThrow(/plays continuous-action games only; tic-tac-toe-v1 has discrete actions/);
    expect(() => new OffPolicyAgent({ name: 'x', nets, info: duel.info })).toThrow(AgentMismatchError);

    // a truncated actor: the store names the file and suggests nothing older (one checkpoint in this run)
    const broken = join(root, 'broken');
    cpSync(dir, broken, { recursive: true });
    const ckpt = (await loadOffPolicyCheckpoint(broken)).checkpoint.dir;
    truncateSync(join(ckpt, 'actor', 'weights.bin'), 100);
    await oneLine(createAgent(broken, info, 0), CheckpointError, /actor\/weights\.bin: truncated: 100 bytes, manifest says \d+/);
    const r = arena(['eval', '--game', 'pendulum', '--agent', broken, '--episodes', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^arena: .*actor\/weights\.bin: truncated/);
  }, 60_000);

  it('readDenseModel refuses what is not a chain of float32 Dense layers', () => {
    const dir = join(runs.td3.dir, 'checkpoints');
    const ckpt = JSON.parse(readFileSync(join(dir, 'latest'), 'utf8')).checkpoint as string;
    const json = readFileSync(join(dir, ckpt, 'actor', 'model.json'), 'utf8');
    const bin = new Uint8Array(readFileSync(join(dir, ckpt, 'actor', 'weights.bin')));
    const model = readDenseModel(json, bin, 'actor/model.json');
    expect(model.layers.map((l) => [l.inSize, l.outSize])).toEqual([[3, 16], [16, 16], [16, 1]]);
    expect(model.activations).toEqual(['relu', 'relu', 'linear']);
    expect(() => readDenseModel(json, bin.subarray(4), 'actor/model.json')).toThrow(/actor\/model\.json: weights are \d+ bytes but the manifest describes more/);
    expect(() => readDenseModel(json.replace('"Dense"', '"Conv2D"'), bin, 'actor/model.json')).toThrow(/has a Conv2D layer; only dense networks/);
    expect(() => readDenseModel('{', bin, 'actor/model.json')).toThrow(/is not valid JSON/);
  });

  it('the box map is linear per dimension', () => {
    const out = new Float64Array(4);
    unitToBox([-1, 1, 0, 0.5], 2, [-2, 0], [2, 10], out);
    expect([...out]).toEqual([-2, 10, 0, 7.5]);
  });
});

describe('Gaussian PPO checkpoints on pendulum', () => {
  it('resolve to a PolicyAgent that plays its mean greedily and evaluates', async () => {
    const dir = join(root, 'ppo');
    const config = resolveConfig('ppo', 'pendulum-v1', { envs: 2, steps: 64, minibatchSize: 64, epochs: 1, hidden: [8], totalSteps: 128, seed: 2 });
    const run = new TrainingRun(config);
    run.step();
    await savePolicyCheckpoint(dir, { policy: run.policy, optimizer: null, state: { config, update: run.update, globalStep: run.globalStep, obsRms: run.obsRms?.toJSON() ?? null, rng: run.rng.getState(), elapsedSeconds: 1 } });
    const agent = await createAgent(`greedy:${dir}`, info, 0);
    expect(agent).toBeInstanceOf(PolicyAgent);
    const state = positions()[2]!;
    const out = new Float64Array(A);
    agent.actContinuous!(state, 0, out);
    const obs = new Float32Array(info.observationSize);
    state.observe(0, obs);
    run.obsRms?.normalize(obs, 1);
    const mean = tf.tidy(() => run.policy.actorForward(tf.tensor2d(obs, [1, obs.length])).dataSync()[0]!);
    expect(Math.abs(out[0]! - mean)).toBeLessThan(1e-5);
    expect(evaluateAgent({ game: pendulum, agent, episodes: 1, seed: 0 }).meanLength).toBe(200);
    agent.dispose?.();
    run.dispose();
  });
});
