/**
 * Where server-side agents think: worker threads (agent-worker.ts), so that an agent searching for
 * seconds — or one that never returns — holds up no room but its own. Each thread is a one-thread
 * Piscina pool (a *lane*) and the pool keeps its own queue, because an agent belongs to a thread:
 *
 * 1. An agent is added once (its recipe and seed) and gets a key. Its first move builds it on the idle
 *    lane with the fewest agents; that lane is its home, and its thread keeps the built agent.
 * 2. A move goes to the agent's home when the home is idle. When the home is busy (another room's agent
 *    is thinking there) and another lane is idle, the agent moves there and is rebuilt from its recipe:
 *    a room never waits behind another room's agent while a thread is free. Moves of one agent never
 *    overlap (a stale one still thinking delays its own agent's next move only).
 * 3. A move has a deadline, counted from the moment its thread starts on it: past it the task is
 *    aborted, which terminates the thread (Piscina), and the move fails with AgentDeadlineError. A
 *    thread that dies (deadline or crash) forgets its agents; a fresh thread replaces it, warmed up
 *    (started and its modules loaded) before it takes a move, so start-up never counts against a move.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { ArenaError, ConfigError, WorkerError } from '../core/index.ts';
import { log } from '../core/log.ts';
import type { AgentRecipe, AgentTask, MoveResult, MoveTask } from './agent-worker.ts';

/** Default per-move deadline of server-side agents, ms. */
export const DEFAULT_AGENT_DEADLINE_MS = 10_000;

/** Default number of agent threads: one per core but one (the rooms' own), at least one. */
export function defaultAgentThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** How long a fresh thread may take to start and load its modules before the lane is given up. */
const START_TIMEOUT_MS = 60_000;

export interface AgentPoolOptions {
  /** Worker threads (lanes), ≥ 1. */
  readonly threads: number;
  /** Longest a move may think, ms: past it the move fails and its thread is replaced. */
  readonly deadlineMs: number;
}

/** A move that did not come back within the deadline. */
export class AgentDeadlineError extends ArenaError {
  constructor(deadlineMs: number, tookMs?: number) {
    const what = tookMs === undefined ? 'no move within' : `took ${Math.round(tookMs)} ms to move, over`;
    super('AGENT_DEADLINE', `${what} the server's agent deadline of ${deadlineMs} ms`);
  }
}

/** Checks the pool's settings (one-line errors for the CLI and createArenaServer). */
export function checkAgentPoolOptions(opts: { threads: number; deadlineMs: number }): void {
  if (!Number.isInteger(opts.threads) || opts.threads < 0 || opts.threads > 1024) {
    throw new ConfigError(`agent threads must be an integer in [0, 1024] (0: agents think on the rooms' thread), got ${opts.threads}`);
  }
  if (!Number.isInteger(opts.deadlineMs) || opts.deadlineMs < 1 || opts.deadlineMs > 3_600_000) {
    throw new ConfigError(`the agent deadline must be a whole number of milliseconds in [1, 3600000], got ${opts.deadlineMs}`);
  }
}

/** A move as a room asks for it: the task without the pool's bookkeeping. */
export type MoveRequest = Omit<MoveTask, 'kind' | 'key' | 'drop' | 'build'>;

interface Lane {
  readonly index: number;
  readonly piscina: Piscina;
  /** `starting`: warming up; `broken`: its thread could not start (it takes nothing more). */
  state: 'starting' | 'idle' | 'busy' | 'broken';
  /** Agents built in its current thread. */
  readonly built: Set<string>;
  /** Agents its thread may forget, sent with its next move. */
  drop: string[];
  /** Agents whose home it is. */
  homes: number;
  /** Settles when its current thread has started (or failed to). */
  started: Promise<void>;
  /** Why its thread could not start (state `broken`). */
  failure: string;
}

interface PooledAgent {
  readonly recipe: AgentRecipe;
  readonly seed: number;
  /** The lane whose thread holds it (null: none does). */
  home: number | null;
  /** Built on some thread before (a new build is a rebuild). */
  everBuilt: boolean;
  /** A move of it is on a thread now. */
  running: boolean;
}

interface Pending {
  readonly key: string;
  readonly request: MoveRequest;
  resolve(action: number | number[]): void;
  reject(err: Error): void;
}

export class AgentPool {
  readonly threads: number;
  readonly deadlineMs: number;
  /** Created with the first agent. */
  private lanes: Lane[] = [];
  private readonly agents = new Map<string, PooledAgent>();
  private readonly queue: Pending[] = [];
  private nextKey = 0;
  private destroyed = false;

  constructor(opts: AgentPoolOptions) {
    checkAgentPoolOptions(opts);
    if (opts.threads < 1) throw new ConfigError('an agent pool needs at least one thread');
    this.threads = opts.threads;
    this.deadlineMs = opts.deadlineMs;
  }

  /** Starts every thread now (else the first agent does) and resolves once each has started or failed to. */
  async warmUp(): Promise<void> {
    this.startLanes();
    await Promise.all(this.lanes.map((l) => l.started));
  }

  /** Registers an agent; its first move builds it on a thread. Returns its key. */
  add(recipe: AgentRecipe, seed: number): string {
    this.startLanes();
    const key = `a${this.nextKey++}`;
    this.agents.set(key, { recipe, seed, home: null, everBuilt: false, running: false });
    return key;
  }

  /** The agent's move (an action id, or a vector in a continuous game); rejects with AgentDeadlineError past the deadline, or with the agent's own error. */
  move(key: string, request: MoveRequest): Promise<number | number[]> {
    if (this.destroyed) return Promise.reject(new WorkerError('the agent pool is closed'));
    if (!this.agents.has(key)) return Promise.reject(new WorkerError(`agent ${key} is not in the pool`));
    return new Promise<number | number[]>((resolve, reject) => {
      this.queue.push({ key, request, resolve, reject });
      this.pump();
    });
  }

  /** Forgets an agent: its queued moves fail, and every thread that built it drops it with its next move. */
  remove(key: string): void {
    const agent = this.agents.get(key);
    if (!agent) return;
    this.setHome(agent, null);
    this.agents.delete(key);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.key !== key) continue;
      this.queue.splice(i, 1)[0]!.reject(new WorkerError(`agent ${key} was removed`));
    }
    for (const lane of this.lanes) {
      if (lane.built.delete(key)) lane.drop.push(key);
    }
  }

  /** Agents registered (for tests and statistics). */
  get size(): number {
    return this.agents.size;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.queue.splice(0)) p.reject(new WorkerError('the agent pool is closed'));
    await Promise.all(this.lanes.map((l) => l.piscina.destroy()));
  }

  private startLanes(): void {
    if (this.destroyed) throw new WorkerError('the agent pool is closed');
    if (this.lanes.length === 0) this.lanes = Array.from({ length: this.threads }, (_, i) => this.startLane(i));
  }

  private startLane(index: number): Lane {
    const piscina = new Piscina({
      filename: new URL('./agent-worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
    });
    const lane: Lane = { index, piscina, state: 'starting', built: new Set(), drop: [], homes: 0, started: Promise.resolve(), failure: '' };
    this.warm(lane);
    return lane;
  }

  /** Waits until the lane's (new) thread answers, then lets it take moves. */
  private warm(lane: Lane): void {
    lane.state = 'starting';
    const task: AgentTask = { kind: 'start' };
    lane.started = lane.piscina.run(task, { signal: AbortSignal.timeout(START_TIMEOUT_MS) }).then(
      () => {
        if (this.destroyed) return;
        lane.state = 'idle';
        this.pump();
      },
      (err: unknown) => {
        if (this.destroyed) return;
        lane.state = 'broken';
        lane.failure = (err as Error).message;
        log.error(`agent thread ${lane.index} could not start: ${lane.failure}`);
        this.pump();
      },
    );
  }

  /** Sends queued moves to idle lanes, oldest first (see the file comment, step 2). */
  private pump(): void {
    if (this.lanes.length > 0 && this.lanes.every((l) => l.state === 'broken')) {
      for (const p of this.queue.splice(0)) p.reject(new WorkerError(`no agent thread could start: ${this.lanes[0]!.failure}`));
      return;
    }
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i]!;
      const agent = this.agents.get(p.key)!;
      const lane = agent.running ? null : this.laneFor(agent);
      if (!lane) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.dispatch(lane, p, agent);
    }
  }

  private laneFor(agent: PooledAgent): Lane | null {
    const home = agent.home === null ? null : this.lanes[agent.home]!;
    if (home?.state === 'idle') return home;
    let best: Lane | null = null;
    for (const lane of this.lanes) if (lane.state === 'idle' && (!best || lane.homes < best.homes)) best = lane;
    return best;
  }

  private setHome(agent: PooledAgent, lane: number | null): void {
    if (agent.home !== null) this.lanes[agent.home]!.homes--;
    agent.home = lane;
    if (lane !== null) this.lanes[lane]!.homes++;
  }

  private dispatch(lane: Lane, p: Pending, agent: PooledAgent): void {
    const { key } = p;
    const oldHome = agent.home;
    if (oldHome !== null && oldHome !== lane.index) {
      const old = this.lanes[oldHome]!;
      if (old.built.delete(key)) old.drop.push(key);
    }
    const build = lane.built.has(key) ? null : { recipe: agent.recipe, seed: agent.seed, rebuilt: agent.everBuilt };
    this.setHome(agent, lane.index);
    agent.everBuilt = true;
    agent.running = true;
    lane.built.add(key);
    lane.state = 'busy';
    const task: AgentTask = { kind: 'move', key, drop: lane.drop, build, ...p.request };
    lane.drop = [];
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.deadlineMs);
    lane.piscina.run(task, { signal: abort.signal }).then(
      (result: MoveResult) => {
        clearTimeout(timer);
        agent.running = false;
        lane.state = 'idle';
        if (result.ok) p.resolve(result.action);
        else {
          lane.built.delete(key); // the worker forgot it
          p.reject(new Error(result.error));
        }
        this.pump();
      },
      (err: unknown) => {
        clearTimeout(timer);
        agent.running = false;
        if (this.destroyed) return p.reject(new WorkerError('the agent pool is closed'));
        // the thread is gone (terminated at the deadline, or crashed): so are the agents it held
        lane.built.clear();
        lane.drop = [];
        for (const a of this.agents.values()) if (a.home === lane.index) this.setHome(a, null);
        p.reject(abort.signal.aborted ? new AgentDeadlineError(this.deadlineMs) : new WorkerError(`the agent's thread died: ${(err as Error).message}`, { cause: err }));
        this.warm(lane);
        this.pump();
      },
    );
  }
}
