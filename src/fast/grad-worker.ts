/**
 * A gradient thread (grad-threads.ts): waits for a step, computes the gradient of its share of the
 * minibatch on its own engine at the learner's parameters, hands back its gradient and partial sums.
 * No tfjs: a plain `MlpEngine` on this thread's own kernels.
 */
import { workerData } from 'node:worker_threads';
import { createKernels } from './kernels.ts';
import { MlpEngine } from './mlp.ts';
import { RowGradient } from './ppo-grad.ts';
import { ARG_CLIP, ARG_ENT, ARG_MAGNET, ARG_SEARCH, ARG_W, awaitRows, CMD, CMD_STOP, COUNT, DONE, fixedViews, GEN, SEQ, type HelperData } from './grad-threads.ts';

const data = workerData as HelperData;
const t = data.index;
const f = fixedViews(data.shapes, data.fixed);
const engine = new MlpEngine(createKernels(data.kernels), data.layout, true);
const grad = new RowGradient(engine, data.layout, data.settings);
let rows: ReturnType<typeof awaitRows> | null = null;
let gen = 0;
let seen = 0;

/** The step loop. It runs after this module has finished evaluating (terminating a thread still inside its top-level module code crashed V8). */
function serve(): void {
for (;;) {
  Atomics.wait(f.ctrl, SEQ, seen);
  const seq = Atomics.load(f.ctrl, SEQ);
  if (seq === seen) continue;
  seen = seq;
  if (Atomics.load(f.ctrl, CMD) === CMD_STOP) break;
  try {
    const want = Atomics.load(f.ctrl, GEN);
    if (want !== gen) {
      rows = awaitRows(data.port, want, data.shapes.helpers);
      gen = want;
    }
    const n = Atomics.load(f.ctrl, COUNT + t);
    if (n > 0 && rows) {
      engine.ensureRows(n);
      engine.k.f32.set(f.params, engine.params);
      const buf = { ...rows.data, magnetLogp: f.args[ARG_MAGNET] ? rows.data.magnet : null, searchPolicy: f.args[ARG_SEARCH] ? rows.data.search : null };
      grad.compute(buf, rows.idx[t]!.subarray(0, n), rows.adv[t]!, f.args[ARG_W]!, f.args[ARG_CLIP]!, f.args[ARG_ENT]!, f.partials[t]!);
      f.grads[t]!.set(engine.k.f32.subarray(engine.grads, engine.grads + data.shapes.size));
    }
    Atomics.store(f.ctrl, DONE + t, seq);
  } catch (err) {
    data.port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    Atomics.store(f.ctrl, DONE + t, -seq);
  }
  Atomics.notify(f.ctrl, DONE + t);
}
data.port.close();
}

setImmediate(serve);
