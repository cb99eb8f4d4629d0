/**
 * The tfjs side of the flat-parameter MLPs of mlp.ts: the layout of an `ActorCritic`'s variables, and
 * an engine that copies them into and out of its flat parameters. The learner and the main-thread forward
 * pass use it; rollout workers, which never hold a tfjs policy, use mlp.ts alone.
 */
import * as tf from '@tensorflow/tfjs';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';
import { ACT_RELU, ACT_TANH } from './kernels.ts';
import { MlpEngine, type DenseLayout, type NetLayout, type ParamLayout } from './mlp.ts';

/**
 * Why `policy` cannot run on the fast path (null when it can): it must be an `ActorCritic` whose
 * networks are Dense layers with kernel and bias, chained, with a tanh or relu activation.
 */
export function unsupportedReason(policy: unknown): string | null {
  if (!(policy instanceof ActorCritic)) return 'the policy is not an ActorCritic';
  try {
    layoutOf(policy);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The flat layout of a policy's trainable variables; throws ConfigError for unsupported shapes. */
export function layoutOf(policy: ActorCritic): ParamLayout {
  const { spec } = policy;
  const activation = spec.activation === 'tanh' ? ACT_TANH : spec.activation === 'relu' ? ACT_RELU : null;
  if (activation === null) throw new ConfigError(`activation '${String(spec.activation)}' is not supported by the fast learner`);
  const vars = policy.trainableVariables();
  const criticCount = policy.criticVariables().length;
  const actorCount = policy.actorVariables().length - (policy.logStd ? 1 : 0);
  if (actorCount + criticCount + (policy.logStd ? 1 : 0) !== vars.length || actorCount % 2 || criticCount % 2) {
    throw new ConfigError('the policy variables are not kernel/bias pairs');
  }
  const variables: { offset: number; size: number; shape: number[]; name: string }[] = [];
  let offset = 0;
  const net = (first: number, count: number, inSize: number, outSize: number, what: string): NetLayout => {
    const layers: DenseLayout[] = [];
    let width = inSize;
    for (let i = first; i < first + count; i += 2) {
      const kernel = vars[i]!;
      const bias = vars[i + 1]!;
      const [rows, cols] = kernel.shape;
      if (kernel.shape.length !== 2 || bias.shape.length !== 1 || rows !== width || bias.shape[0] !== cols) {
        throw new ConfigError(`${what} layer ${(i - first) / 2} has shapes [${kernel.shape.join(',')}] / [${bias.shape.join(',')}]; expected a Dense layer from ${width} inputs`);
      }
      if (kernel.dtype !== 'float32' || bias.dtype !== 'float32') throw new ConfigError(`${what} variables must be float32`);
      const w = offset;
      variables.push({ offset, size: rows * cols!, shape: [rows, cols!], name: kernel.name });
      offset += rows * cols!;
      const b = offset;
      variables.push({ offset, size: cols!, shape: [cols!], name: bias.name });
      offset += cols!;
      layers.push({ inSize: rows, outSize: cols!, w, b });
      width = cols!;
    }
    if (layers.length === 0 || width !== outSize) throw new ConfigError(`${what} network ends with ${width} outputs, expected ${outSize}`);
    return { layers, inSize, outSize };
  };
  const actor = net(0, actorCount, spec.obsSize, spec.actions, 'actor');
  const critic = net(actorCount, criticCount, spec.criticInputSize, 1, 'critic');
  let logStd = -1;
  if (policy.logStd) {
    if (policy.logStd.size !== spec.actions) throw new ConfigError('log-std size differs from the action count');
    logStd = offset;
    variables.push({ offset, size: spec.actions, shape: [spec.actions], name: policy.logStd.name });
    offset += spec.actions;
  }
  return { actor, critic, logStd, size: offset, variables, activation, head: spec.head, actions: spec.actions };
}

/** An `MlpEngine` whose parameters mirror a tfjs `ActorCritic`: copies its variables in and out. */
export class PolicyMlpEngine extends MlpEngine {
  /** Copies the policy's variables into the flat parameters. */
  loadFrom(policy: ActorCritic): void {
    const vars = policy.trainableVariables();
    const h = this.k.f32;
    this.layout.variables.forEach((v, i) => {
      const data = vars[i]!.dataSync() as Float32Array;
      if (data.length !== v.size) throw new ConfigError(`variable ${v.name} changed size`);
      h.set(data, this.params + v.offset);
    });
  }

  /** Writes the flat parameters back into the policy's variables. */
  storeTo(policy: ActorCritic): void {
    const vars = policy.trainableVariables();
    const h = this.k.f32;
    tf.tidy(() => {
      this.layout.variables.forEach((v, i) => {
        // slice: tfjs may keep the array it is given, so it must not alias the heap
        vars[i]!.assign(tf.tensor(h.slice(this.params + v.offset, this.params + v.offset + v.size), v.shape as number[], 'float32'));
      });
    });
  }
}
