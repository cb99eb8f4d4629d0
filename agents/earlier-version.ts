/**
 * A network trained on an earlier version of a game playing the current one (`GameInfo.earlierVersions`:
 * the same rules and snapshots, observed differently — connect-four-v1's two piece planes or
 * connect-four-v2's five, against connect-four-v3's nine). The agent was built for the earlier version; each position it is asked about
 * is rebuilt as that version's state from its snapshot, so the network, its search and its symmetries
 * all see exactly what they saw in training. A Connect Four position replays in microseconds; nothing
 * is kept between calls but the inner agent's own state (a kept search tree follows the game as before).
 */
import { AgentMismatchError, isEarlierVersion, type Agent, type Game, type GameInfo, type GameState, type Seat } from '../core/index.ts';

export class EarlierVersionAgent implements Agent {
  readonly name: string;
  /** The agent built for the earlier version. */
  readonly inner: Agent;
  /** The earlier version it was trained on. */
  readonly earlier: Game;

  constructor(inner: Agent, earlier: Game, current: GameInfo) {
    if (!isEarlierVersion(current, earlier.info.id)) {
      throw new AgentMismatchError(`${current.id} does not list ${earlier.info.id} among its earlier versions (${current.earlierVersions?.join(', ') || 'none'})`);
    }
    this.name = inner.name;
    this.inner = inner;
    this.earlier = earlier;
    if (inner.actionProbabilities) this.actionProbabilities = (state, seat, out) => inner.actionProbabilities!(this.convert(state), seat, out);
    if (inner.actContinuous) this.actContinuous = (state, seat, out) => inner.actContinuous!(this.convert(state), seat, out);
  }

  actionProbabilities?: (state: GameState, seat: Seat, out: Float64Array) => void;
  actContinuous?: (state: GameState, seat: Seat, out: Float32Array | Float64Array) => void;

  /** `state` as the earlier version's state: its snapshot, relabelled with the earlier id, restored. */
  private convert(state: GameState): GameState {
    return this.earlier.restore({ ...state.serialize(), game: this.earlier.info.id });
  }

  act(state: GameState, seat: Seat): number {
    return this.inner.act(this.convert(state), seat);
  }

  reset(seed: number): void {
    this.inner.reset?.(seed);
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
