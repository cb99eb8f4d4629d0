/**
 * The line `arena train` prints after a run says what to run next; a match it suggests names an
 * opponent that plays the run's game (it once named grid soccer's `heuristic` after every run that was
 * neither single-agent nor a league, an AlphaZero Connect Four hour included).
 */
import { describe, expect, it } from 'vitest';
import { createBot } from '../../agents/bots.ts';
import { getGame } from '../../games/index.ts';
import { nextStepHint } from '../../src/cli/commands/train.ts';
import { resolveConfig, type Algo } from '../../src/train/config.ts';
import { trainingMode } from '../../src/train/loop.ts';

describe('arena train: the next step it prints', () => {
  it.each([
    ['alphazero', 'connect-four-v3', {}, 'play it: npx arena match --game connect-four --agents runs/x,alphabeta:3 --games 100'],
    ['alphazero', 'tic-tac-toe-v1', {}, 'play it: npx arena match --game tic-tac-toe --agents runs/x,minimax --games 100'],
    ['mappo', 'grid-soccer-v1', {}, 'play it: npx arena match --game grid-soccer --agents runs/x,heuristic --games 100'],
    ['ppo', 'connect-four-v3', { league: true }, 'league: npx arena league status runs/x'],
    ['ppo', 'cartpole-v1', {}, 'evaluate: npx arena eval --agent runs/x --game cartpole'],
    ['sac', 'pendulum-v1', {}, "plot: npx arena plot runs/x; the run's own evaluations are eval/return in metrics.jsonl"],
  ] as const)('%s on %s %j', (algo, game, layer, want) => {
    const config = resolveConfig(algo as Algo, game, layer);
    const hint = nextStepHint(config, trainingMode(config, getGame(game).info), 'runs/x');
    expect(hint).toBe(want);
    const opponent = /--agents runs\/x,(\S+)/.exec(hint)?.[1];
    if (opponent) expect(() => createBot(opponent, getGame(game).info, 0).dispose?.()).not.toThrow();
  });
});
