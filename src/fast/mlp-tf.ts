/**
 * The tfjs side of the flat-parameter MLPs of mlp.ts: the layout of an `ActorCritic`'s variables, and
 * an engine that copies them into and out of its flat parameters. The learner and the main-thread forward
 * pass use it; rollout workers, which never hold a tfjs policy, use mlp.ts alone.
 */
import * as tf from '@tensorflow/tfjs';
import { ActorCritic } from '../../agents/policy.ts';
import { ConfigError } from '../../core/index.ts';
import { MlpEngine, paramLayout, type ParamLayout } from './mlp.ts';

/**
 * Why `policy` cannot run on the fast path (null when it can): it must be an `ActorCritic` whose
 * variables have exactly the shapes its spec implies (dense layers with a tanh or relu activation,
 * after an optional conv trunk).
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

/** The flat layout of a policy's trainable variables (named after them); throws ConfigError for unsupported shapes. */
export function layoutOf(policy: ActorCritic): ParamLayout {
  const layout = paramLayout(policy.spec);
  const vars = policy.trainableVariables();
  if (vars.length !== layout.variables.length) throw new ConfigError(`the policy has ${vars.length} variables; its spec implies ${layout.variables.length}`);
  const variables = layout.variables.map((v, i) => {
    const t = vars[i]!;
    if (t.shape.join() !== v.shape.join()) throw new ConfigError(`variable ${t.name} has shape [${t.shape.join(',')}]; the spec implies [${v.shape.join(',')}]`);
    if (t.dtype !== 'float32') throw new ConfigError(`variable ${t.name} must be float32`);
    return { ...v, name: t.name };
  });
  return { ...layout, variables };
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
