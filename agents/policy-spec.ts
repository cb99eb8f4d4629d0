/**
 * What a policy is, without TensorFlow.js: its spec (sizes, head, hidden layers, conv trunk) and the
 * rules that read it. `agents/policy.ts` builds the tfjs networks from it; the fast path
 * (`src/fast/mlp.ts`) and the rollout workers, which must not load tfjs, lay out the same networks
 * from the same rules.
 */

export type Activation = 'tanh' | 'relu';

export interface PolicySpec {
  /** Actor input size (a seat's observation). */
  readonly obsSize: number;
  /** Critic input size: equals obsSize for a local critic, the global-state size for a centralized one. */
  readonly criticInputSize: number;
  /** 'categorical' (discrete, `actions` choices) or 'gaussian' (continuous, `actions` dimensions). */
  readonly head: 'categorical' | 'gaussian';
  readonly actions: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** Initial log standard deviation of the Gaussian head: every component's, or one per action component. */
  readonly initLogStd?: number | readonly number[];
  /** A convolutional trunk before the dense layers of both networks, or of the actor's alone (absent: plain MLPs). */
  readonly conv?: ConvSpec;
  /** The Gaussian head acts in this frame of the game's (`Game.actionFrames`, e.g. duel's 'opponent'); absent: the game's own actions. */
  readonly actionFrame?: string;
}

/** The convolutional trunk of a policy (its layers are described in agents/policy.ts' file comment). */
export interface ConvSpec {
  /** The observation as [planes, rows, cols], plane-major (GameInfo.observationShape). */
  readonly shape: readonly [number, number, number];
  /** Output channels of every 3×3 convolution. */
  readonly channels: number;
  /** Residual blocks after the first convolution. */
  readonly resBlocks: number;
  /** Channels of a 1×1 convolution (ReLU) after the tower, before the dense layers; 0 or absent: none. */
  readonly reduce?: number;
  /** The actor alone has the trunk; the critic is a plain MLP on the flat input (absent: both have one). */
  readonly actorOnly?: boolean;
  /**
   * The actor's move head reads the board by columns: each column's logit comes from the trunk
   * features of that column and of the `reach` columns on either side (zero beyond the board's edge),
   * through the same weights for every column (absent: the dense layers read the whole flattened
   * trunk). For games whose moves are the board's columns (Connect Four, whose fours reach 3 columns
   * from a piece): "a piece dropped here completes a four" is learned once, not once per column.
   */
  readonly columnHead?: ColumnHeadSpec;
}

export interface ColumnHeadSpec {
  /** Columns on either side of a column that its logit reads (0: the column alone). */
  readonly reach: number;
}

/** The conv trunk of one of the policy's networks (undefined: that network is a plain MLP). */
export function netConv(spec: PolicySpec, net: 'actor' | 'critic'): ConvSpec | undefined {
  return net === 'critic' && spec.conv?.actorOnly === true ? undefined : spec.conv;
}

/** The column move head of one of the policy's networks (the actor alone can have one). */
export function columnHead(spec: PolicySpec, net: 'actor' | 'critic'): ColumnHeadSpec | undefined {
  return net === 'actor' ? spec.conv?.columnHead : undefined;
}

/** Number of convolution layers of a trunk: the first, two per residual block, and the 1×1 reduction if any. */
export function convLayerCount(conv: ConvSpec): number {
  return 1 + 2 * conv.resBlocks + (conv.reduce ? 1 : 0);
}
