/**
 * The agent pool with real worker threads: an agent keeps its state on its thread from move to move,
 * moves to a free thread (rebuilt) rather than wait behind another agent, and a move past the deadline
 * fails with AgentDeadlineError while the pool goes on with a fresh thread. Checkpoint agents reach the
 * workers as snapshot bytes and play there exactly as the snapshot does in this thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotAgent } from '../../src/selfplay/snapshot-agent.ts';
import { encodeSnapshot } from '../../src/selfplay/snapshot.ts';
import { ActorCritic } from '../../agents/policy.ts';
import { MctsAgent } from '../../agents/mcts.ts';
import { SymmetricGreedyAgent } from '../../agents/symmetric-greedy.ts';
import { getGame } from '../../games/index.ts';
import { AgentDeadlineError, AgentPool, checkAgentPoolOptions, type MoveRequest } from '../../servers/agent-pool.ts';
import type { AgentRecipe } from '../../servers/agent-worker.ts';
import { selectBackend } from '../../src/backend.ts';

const ttt = getGame('tic-tac-toe');
const FIXTURES = new URL('./fixtures/worker-agents.ts', import.meta.url).href;
const moduleAgent = (name: string): AgentRecipe => ({ kind: 'module', url: FIXTURES, export: name });

let pool: AgentPool | null = null;

afterEach(async () => {
  await pool?.destroy();
  pool = null;
});

/** A move request at the empty tic-tac-toe board, in game `game`. */
function at(game = 1, state = ttt.newState(0)): MoveRequest {
  return { game: ttt.info.id, reset: { number: game, seed: 7 }, state: state.serialize(), seat: state.currentSeat() };
}

/** The probe's answer (an action id: tic-tac-toe is discrete): the thread it ran on and its moves since its last reset. */
const probed = (answer: number | number[]) => ({ thread: Math.floor(Number(answer) / 1000), moves: Number(answer) % 1000 });

describe('agent pool', () => {
  it('an agent keeps its state on its thread from move to move, and is reset for each game', async () => {
    pool = new AgentPool({ threads: 2, deadlineMs: 10_000 });
    const a = pool.add(moduleAgent('probe'), 1);
    const first = probed(await pool.move(a, at()));
    expect(first.moves).toBe(0);
    expect(first.thread).toBeGreaterThan(0); // a worker thread, not this one (threadId 0 is the main thread)
    expect(probed(await pool.move(a, at()))).toEqual({ thread: first.thread, moves: 1 });
    expect(probed(await pool.move(a, at()))).toEqual({ thread: first.thread, moves: 2 });
    expect(probed(await pool.move(a, at(2)))).toEqual({ thread: first.thread, moves: 0 });
  });

  it('an agent whose thread is busy moves to a free one (rebuilt there) instead of waiting', async () => {
    pool = new AgentPool({ threads: 2, deadlineMs: 10_000 });
    await pool.warmUp();
    const a = pool.add(moduleAgent('probe'), 1);
    const other = pool.add(moduleAgent('napper'), 2);
    const blocker = pool.add(moduleAgent('napper'), 3);
    const home = probed(await pool.move(a, at())).thread; // the first lane (both idle, neither has agents)
    const otherThread = probed(await pool.move(other, at())).thread; // the lane without agents
    expect(otherThread).not.toBe(home);
    // both lanes hold one agent: the blocker goes to the first, a's home, and naps there for 1 s
    const order: string[] = [];
    const blocked = pool.move(blocker, at()).then((x) => (order.push('blocker'), probed(x).thread));
    const moved = pool.move(a, at()).then((x) => (order.push('a'), probed(x)));
    expect(await moved).toEqual({ thread: otherThread, moves: 0 }); // rebuilt on the free thread
    expect(await blocked).toBe(home);
    expect(order).toEqual(['a', 'blocker']);
    // its new home keeps it from now on
    expect(probed(await pool.move(a, at()))).toEqual({ thread: otherThread, moves: 1 });
  });

  it('a move past the deadline fails with AgentDeadlineError; a fresh thread takes over and agents are rebuilt', async () => {
    pool = new AgentPool({ threads: 1, deadlineMs: 2000 }); // counted from dispatch: it includes building the agent in a fresh thread
    const a = pool.add(moduleAgent('probe'), 1);
    const hung = pool.add(moduleAgent('hanger'), 2);
    const before = probed(await pool.move(a, at()));
    await expect(pool.move(hung, at())).rejects.toThrow(AgentDeadlineError);
    await expect(pool.move(hung, at())).rejects.toThrow(/no move within the server's agent deadline of 2000 ms/);
    const after = probed(await pool.move(a, at()));
    expect(after.thread).not.toBe(before.thread);
    expect(after.moves).toBe(0);
  });

  it("an agent's own error comes back as its message; a thread that exits is replaced", async () => {
    pool = new AgentPool({ threads: 1, deadlineMs: 10_000 });
    await expect(pool.move(pool.add(moduleAgent('thrower'), 1), at())).rejects.toThrow('boom in a thread');
    await expect(pool.move(pool.add(moduleAgent('exiter'), 1), at())).rejects.toThrow(/the agent's thread died/);
    await expect(pool.move(pool.add(moduleAgent('nobody'), 1), at())).rejects.toThrow(/exports no custom agent named 'nobody'/);
    const bot = pool.add({ kind: 'bot', spec: 'minimax' }, 1);
    const s = ttt.newState(0);
    for (const a of [0, 4, 8]) s.apply(a);
    expect([1, 3, 5, 7]).toContain(await pool.move(bot, at(1, s))); // X holds two corners: only an edge saves O
  });

  it('a trained policy plays in a worker from its snapshot bytes, as the same snapshot plays here', async () => {
    await selectBackend('wasm');
    const policy = new ActorCritic({ obsSize: ttt.info.observationSize, criticInputSize: ttt.info.observationSize, head: 'categorical', actions: ttt.info.actions, hidden: [16], activation: 'tanh' }, 3);
    const bytes = encodeSnapshot({ game: ttt.info.id, spec: policy.spec, weights: policy.getWeights(), obsRms: null });
    policy.dispose();
    pool = new AgentPool({ threads: 1, deadlineMs: 10_000 });
    const greedy = pool.add({ kind: 'snapshot', name: 'greedy', bytes, deterministic: true, search: null }, 5);
    const search = pool.add({ kind: 'snapshot', name: 'search', bytes, deterministic: false, search: { simulations: 30, cPuct: 1.25, treeReuse: false, fpuReduction: null } }, 5);
    const here = new SnapshotAgent({ name: 'here', blob: bytes, info: ttt.info, seed: 5, deterministic: true });
    const s = ttt.newState(0);
    for (const a of [4, 0]) {
      expect(await pool.move(greedy, at(1, s))).toBe(here.act(s, s.currentSeat()));
      s.apply(a);
    }
    const searched = await pool.move(search, at(1, s));
    expect(s.legalActions(s.currentSeat())).toContain(searched);
    // search that keeps its tree between moves (mcts:…:reuse) plays as the same search here, move after move
    const kept = pool.add({ kind: 'snapshot', name: 'kept', bytes, deterministic: false, search: { simulations: 30, cPuct: 1.25, treeReuse: true, fpuReduction: 0.5 } }, 5);
    const keptHere = new MctsAgent({ name: 'kept here', info: ttt.info, evaluator: new SnapshotAgent({ name: 'p', blob: bytes, info: ttt.info, seed: 5, deterministic: false }), simulations: 30, cPuct: 1.25, seed: 5, treeReuse: true, fpuReduction: 0.5 });
    keptHere.reset(7);
    const g = ttt.newState(0);
    for (const reply of [0, 2]) {
      const move = await pool.move(kept, at(2, g));
      expect(move).toBe(keptHere.act(g, g.currentSeat()));
      g.apply(move as number);
      g.apply(g.legalActions(g.currentSeat()).includes(reply) ? reply : g.legalActions(g.currentSeat())[0]!);
    }
    keptHere.dispose();
    // symmetric: (the policy averaged over the board's eight symmetries) plays as the same average here
    const sym = pool.add({ kind: 'snapshot', name: 'symmetric', bytes, deterministic: true, search: null, symmetric: true }, 5);
    const symHere = new SymmetricGreedyAgent({ name: 'symmetric here', info: ttt.info, evaluator: new SnapshotAgent({ name: 'p', blob: bytes, info: ttt.info, seed: 5, deterministic: true }), seed: 5 });
    symHere.reset(7); // as the pool resets it for game 3 (exact ties, such as the corners of an empty board, are drawn)
    const t = ttt.newState(0);
    for (const reply of [0, 2, 6]) {
      const move = await pool.move(sym, at(3, t));
      expect(move).toBe(symHere.act(t, t.currentSeat()));
      t.apply(move as number);
      t.apply(t.legalActions(t.currentSeat()).includes(reply) ? reply : t.legalActions(t.currentSeat())[0]!);
    }
    symHere.dispose();
  });

  it('refuses bad settings with one line', () => {
    expect(() => checkAgentPoolOptions({ threads: -1, deadlineMs: 100 })).toThrow(/agent threads must be an integer in \[0, 1024\]/);
    expect(() => checkAgentPoolOptions({ threads: 1, deadlineMs: 0 })).toThrow(/agent deadline must be a whole number of milliseconds/);
    expect(() => checkAgentPoolOptions({ threads: 1, deadlineMs: 2.5 })).toThrow(/got 2.5/);
  });
});
