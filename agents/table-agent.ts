/**
 * A tabular policy as an agent — e.g. a run's average policy (src/eval/average-policy.ts): it reads
 * the action probabilities at the seat's information state and samples them with its own seeded RNG,
 * or, when deterministic, takes the first most probable legal action. `actionProbabilities` reports
 * exactly the distribution `act` draws from, so exact evaluation (exploitability, policy tables)
 * sees the same policy that plays.
 */
import { Rng, type Agent, type GameInfo, type GameState, type Seat } from '../core/index.ts';
import type { PolicyFn } from '../src/eval/exploitability.ts';

export class TablePolicyAgent implements Agent {
  readonly name: string;
  private readonly policy: PolicyFn;
  private readonly deterministic: boolean;
  private readonly rng: Rng;
  private readonly probs: Float64Array;

  /** `policy` writes the table's probabilities at the seat's information state (0 for illegal actions, summing to 1). */
  constructor(opts: { name: string; policy: PolicyFn; info: GameInfo; deterministic?: boolean; seed?: number }) {
    this.name = opts.name;
    this.policy = opts.policy;
    this.deterministic = opts.deterministic ?? false;
    this.rng = new Rng(opts.seed ?? 0);
    this.probs = new Float64Array(opts.info.actions);
  }

  reset(seed: number): void {
    this.rng.seed(seed);
  }

  act(state: GameState, seat: Seat): number {
    this.probs.fill(0);
    this.policy(state, seat, this.probs);
    if (this.deterministic) return greedy(this.probs);
    const a = this.rng.categorical(this.probs);
    if (a < 0) throw new Error(`${this.name}: no action with positive probability for seat ${seat}`);
    return a;
  }

  /** The table's probabilities; a deterministic agent puts 1 on the action `act` takes. */
  actionProbabilities(state: GameState, seat: Seat, out: Float64Array): void {
    const n = this.probs.length;
    out.fill(0, 0, n);
    this.policy(state, seat, out);
    if (!this.deterministic) return;
    const best = greedy(out.subarray(0, n));
    out.fill(0, 0, n);
    out[best] = 1;
  }
}

/** The first action of largest probability (illegal actions have probability 0). */
function greedy(p: Float64Array): number {
  let best = 0;
  for (let a = 1; a < p.length; a++) if (p[a]! > p[best]!) best = a;
  return best;
}
