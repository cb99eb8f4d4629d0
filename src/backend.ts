/**
 * TensorFlow.js backend selection for the learners.
 *
 * Preference order for `auto` (fastest first):
 *   1. `@tensorflow/tfjs-node-gpu` — libtensorflow with CUDA (tfjs backend name 'tensorflow');
 *   2. `@tensorflow/tfjs-node`     — libtensorflow on the CPU (also 'tensorflow');
 *   3. `@tensorflow/tfjs-backend-wasm` — XNNPACK compiled to WebAssembly, SIMD on, threads off
 *      (the threaded build needs SharedArrayBuffer workers that Node does not give it);
 *   4. 'cpu' — the pure-JS reference backend that ships with @tensorflow/tfjs.
 *
 * The two tfjs-node packages are optional and deliberately NOT dependencies: their install step
 * downloads libtensorflow, which fails on machines without network access. They are loaded with a
 * dynamic `import()` so that Arena works without them and gets faster when a user installs one.
 *
 * Callers must do their tensor work with the `tf` this returns: when tfjs-node is installed with its
 * own copy of tfjs-core, only that copy has the 'tensorflow' backend registered.
 */
import type * as TF from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors.ts';
import { log } from '../core/log.ts';

export type BackendName = 'auto' | 'gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'gpu', 'node', 'wasm', 'cpu'];

type Tf = typeof TF;

export interface SelectedBackend {
  /** Arena's name for what was selected: 'gpu' | 'node' | 'wasm' | 'cpu'. */
  name: string;
  tf: Tf;
}

export interface BackendDescription {
  /** Arena's name ('gpu', 'node', 'wasm', 'cpu'), or null when none was selected yet. */
  name: string | null;
  /** The tfjs backend name actually active (`tf.getBackend()`: 'tensorflow', 'wasm', 'cpu'…). */
  tfBackend: string | null;
  /** Version of @tensorflow/tfjs (tfjs-core's for the tf in use). */
  tfjsVersion: string;
  /** WASM only: whether the SIMD build runs; null where it does not apply or is unknown. */
  simd: boolean | null;
  /** WASM only: whether the multi-threaded build runs; null where it does not apply. */
  threads: boolean | null;
  /** Milliseconds spent loading and initialising the backend (import + setBackend + ready). */
  initMs: number;
  /** The preference the caller asked for. */
  requested: BackendName | null;
  /** One line per backend tried before the one that was selected, saying why it was skipped. */
  skipped: string[];
}

const INSTALL_HINT: Record<'gpu' | 'node' | 'wasm', string> = {
  gpu: "backend 'gpu' needs @tensorflow/tfjs-node-gpu (and CUDA): npm install @tensorflow/tfjs-node-gpu",
  node: "backend 'node' needs @tensorflow/tfjs-node: npm install @tensorflow/tfjs-node",
  wasm: "backend 'wasm' needs @tensorflow/tfjs-backend-wasm: npm install @tensorflow/tfjs-backend-wasm",
};

interface Active {
  selected: SelectedBackend;
  description: BackendDescription;
}

let active: Active | null = null;
/** Serialises selections so two concurrent calls do not race on tfjs's global engine. */
let pending: Promise<unknown> = Promise.resolve();

class Unavailable extends Error {}

/** Message of an import / init failure, on one line. */
function why(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

function isNotInstalled(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function importTfjs(): Promise<Tf> {
  const mod = (await import('@tensorflow/tfjs')) as Tf & { default?: Tf };
  return mod.default ?? mod;
}

/** Loads one of the tfjs-node packages; returns its tf namespace with the 'tensorflow' backend active. */
async function tryTfjsNode(pkg: string): Promise<Tf> {
  let mod: Tf & { default?: Tf };
  try {
    // A variable specifier keeps TypeScript from resolving a package that is optional by design.
    mod = (await import(pkg)) as Tf & { default?: Tf };
  } catch (err) {
    throw new Unavailable(isNotInstalled(err) ? `${pkg} is not installed` : `${pkg} failed to load: ${why(err)}`);
  }
  const tf = mod.default ?? mod;
  if (typeof tf.setBackend !== 'function') throw new Unavailable(`${pkg} did not export a tfjs namespace`);
  const ok = await tf.setBackend('tensorflow');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'tensorflow') throw new Unavailable(`${pkg} loaded but its 'tensorflow' backend did not start`);
  // Warn when tfjs-node brought its own tfjs-core: tensors from the two copies do not mix.
  try {
    const plain = await importTfjs();
    // Two copies share tfjs's global engine but not their classes: `instanceof tf.Tensor` breaks.
    if (plain.Tensor !== tf.Tensor) {
      log.warn(`${pkg} uses its own copy of @tensorflow/tfjs-core (${tf.version_core} vs ${plain.version_core}); use the tf returned by selectBackend`);
    }
  } catch {
    // @tensorflow/tfjs itself missing is reported elsewhere.
  }
  return tf;
}

async function tryWasm(tf: Tf): Promise<{ simd: boolean | null; threads: boolean | null }> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new Unavailable(
      isNotInstalled(err) ? '@tensorflow/tfjs-backend-wasm is not installed' : `@tensorflow/tfjs-backend-wasm failed to load: ${why(err)}`,
    );
  }
  // Threads need cross-origin-isolated workers (browsers only); in Node the threaded build hangs or fails.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } catch (err) {
    throw new Unavailable(`wasm backend failed to initialise: ${why(err)}`);
  }
  if (!ok || tf.getBackend() !== 'wasm') throw new Unavailable('wasm backend failed to initialise');
  let simd: boolean | null = null;
  try {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  } catch {
    simd = null;
  }
  return { simd, threads: false };
}

async function tryCpu(tf: Tf): Promise<void> {
  const ok = await tf.setBackend('cpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'cpu') throw new Unavailable("tfjs 'cpu' backend failed to initialise");
  // tfjs-backend-cpu prints a multi-line "install our node backend" banner to the console on its first
  // tensor in Node. The choice was deliberate and is logged above, so mark the banner as shown.
  const backend = tf.backend() as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

async function attempt(name: Exclude<BackendName, 'auto'>, requested: BackendName, skipped: string[]): Promise<Active> {
  const t0 = performance.now();
  let tf: Tf;
  let simd: boolean | null = null;
  let threads: boolean | null = null;
  if (name === 'gpu') tf = await tryTfjsNode('@tensorflow/tfjs-node-gpu');
  else if (name === 'node') tf = await tryTfjsNode('@tensorflow/tfjs-node');
  else {
    tf = await importTfjs();
    if (name === 'wasm') ({ simd, threads } = await tryWasm(tf));
    else await tryCpu(tf);
  }
  const initMs = performance.now() - t0;
  const description: BackendDescription = {
    name,
    tfBackend: tf.getBackend(),
    tfjsVersion: tf.version_core,
    simd,
    threads,
    initMs,
    requested,
    skipped: [...skipped],
  };
  return { selected: { name, tf }, description };
}

async function select(pref: BackendName): Promise<SelectedBackend> {
  if (!BACKEND_NAMES.includes(pref)) {
    throw new ConfigError(`unknown backend '${String(pref)}'; known: ${BACKEND_NAMES.join(', ')}`);
  }
  if (active && (pref === 'auto' || pref === active.selected.name)) return active.selected;

  const order: Exclude<BackendName, 'auto'>[] = pref === 'auto' ? ['gpu', 'node', 'wasm', 'cpu'] : [pref];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      active = await attempt(name, pref, skipped);
      const d = active.description;
      const extra = name === 'wasm' ? `, SIMD ${d.simd === null ? 'unknown' : d.simd ? 'on' : 'off'}, threads off` : '';
      log.info(`tfjs backend: ${name} (tf '${d.tfBackend}', tfjs ${d.tfjsVersion}${extra}; init ${d.initMs.toFixed(0)} ms)`);
      for (const s of skipped) log.debug(`tfjs backend skipped: ${s}`);
      return active.selected;
    } catch (err) {
      if (pref !== 'auto') {
        if (err instanceof Unavailable && name !== 'cpu') {
          const hint = INSTALL_HINT[name];
          throw new ConfigError(err.message.endsWith('is not installed') ? hint : `${hint} (${err.message})`, { cause: err });
        }
        throw new ConfigError(`backend '${name}' failed to start: ${why(err)}`, { cause: err });
      }
      skipped.push(`${name}: ${why(err)}`);
    }
  }
  throw new ConfigError(`no tfjs backend could start (${skipped.join('; ')})`);
}

/**
 * Selects (once) and initialises a tfjs backend. Idempotent: a second call with the same preference,
 * or with 'auto' after any selection, returns the same object without re-initialising. A named
 * backend that is not installed throws a one-line `ConfigError` that says how to install it.
 */
export function selectBackend(pref: BackendName = 'auto'): Promise<SelectedBackend> {
  const run = pending.then(() => select(pref));
  pending = run.catch(() => undefined);
  return run;
}

/** What was selected, for reports and `--json` output. Call after `selectBackend`. */
export function describeBackend(): BackendDescription {
  if (active) return { ...active.description, skipped: [...active.description.skipped] };
  return { name: null, tfBackend: null, tfjsVersion: 'unknown', simd: null, threads: null, initMs: 0, requested: null, skipped: [] };
}

/** One human line for logs and reports, e.g. `wasm (tfjs 4.22.0, SIMD on, threads off)`. */
export function backendSummary(): string {
  const d = describeBackend();
  if (!d.name) return 'no backend selected';
  const parts = [`tfjs ${d.tfjsVersion}`];
  if (d.simd !== null) parts.push(`SIMD ${d.simd ? 'on' : 'off'}`);
  if (d.threads !== null) parts.push(`threads ${d.threads ? 'on' : 'off'}`);
  return `${d.name} (${parts.join(', ')})`;
}
