/**
 * The weights of a dense tfjs Layers model (model.json + weights.bin, as tfjs-io.ts writes them) read
 * without tfjs: what a process that only plays a network needs (agents/offpolicy-agent.ts), where
 * loading tfjs would cost its start-up and memory. The model must be a stack of Dense layers with
 * unquantized float32 weights, the kernel [in, out] row-major before the bias of each layer — the
 * order and layout tfjs itself stores them in, which the fast path's kernels read (src/fast/mlp.ts).
 */
import { CheckpointError } from '../../core/errors.ts';

/** One Dense layer: kernel [inSize × outSize] row-major, bias [outSize]. */
export interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** A dense network as stored: its layers in order and each layer's activation (tfjs names: relu, tanh, linear…). */
export interface DenseModel {
  readonly layers: readonly DenseLayer[];
  readonly activations: readonly string[];
}

interface WeightSpec {
  readonly name?: unknown;
  readonly shape?: unknown;
  readonly dtype?: unknown;
  readonly quantization?: unknown;
}

function parseJson(json: string | Uint8Array, file: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(typeof json === 'string' ? json : new TextDecoder().decode(json));
    if (v !== null && typeof v === 'object') return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CheckpointError(file, 'is not valid JSON');
}

/**
 * Reads a dense network from its model.json (text or bytes) and weights.bin; `file` names model.json
 * in errors. Throws a CheckpointError for anything that is not a stack of float32 Dense layers whose
 * sizes chain, or for weights whose byte length the manifest does not describe.
 */
export function readDenseModel(json: string | Uint8Array, bin: Uint8Array, file: string): DenseModel {
  const m = parseJson(json, file);
  const topology = m['modelTopology'] as { config?: { layers?: unknown } } | undefined;
  const manifest = m['weightsManifest'];
  const layerConfigs = topology?.config?.layers;
  if (!Array.isArray(layerConfigs) || !Array.isArray(manifest)) throw new CheckpointError(file, 'is not a tfjs Layers model.json (needs modelTopology with layers and weightsManifest)');
  const activations: string[] = [];
  for (const l of layerConfigs as { class_name?: unknown; config?: { activation?: unknown; use_bias?: unknown } }[]) {
    if (l?.class_name !== 'Dense') throw new CheckpointError(file, `has a ${String(l?.class_name)} layer; only dense networks are supported`);
    if (l.config?.use_bias === false) throw new CheckpointError(file, 'has a Dense layer without bias; not supported');
    activations.push(String(l.config?.activation ?? 'linear'));
  }
  const specs = (manifest as { weights?: unknown }[]).flatMap((g) => (Array.isArray(g?.weights) ? (g.weights as WeightSpec[]) : []));
  if (specs.length !== 2 * activations.length) throw new CheckpointError(file, `lists ${specs.length} weights for ${activations.length} Dense layers (expected a kernel and a bias each)`);
  let offset = 0;
  const arrays: { shape: number[]; data: Float32Array }[] = [];
  for (const s of specs) {
    const shape = s.shape;
    if (s.dtype !== 'float32' || s.quantization !== undefined || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new CheckpointError(file, `weight ${String(s.name)} is not an unquantized float32 array of positive dimensions`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (offset + 4 * count > bin.byteLength) throw new CheckpointError(file, `weights are ${bin.byteLength} bytes but the manifest describes more (at ${String(s.name)})`);
    // a copy: aligned whatever the buffer's offset, and independent of the checkpoint's bytes
    arrays.push({ shape: shape as number[], data: new Float32Array(bin.slice(offset, offset + 4 * count).buffer) });
    offset += 4 * count;
  }
  if (offset !== bin.byteLength) throw new CheckpointError(file, `weights are ${bin.byteLength} bytes but the manifest describes ${offset}`);
  const layers: DenseLayer[] = [];
  for (let i = 0; i < activations.length; i++) {
    const k = arrays[2 * i]!;
    const b = arrays[2 * i + 1]!;
    const [inSize, outSize] = k.shape as [number, number];
    const chains = i === 0 || inSize === layers[i - 1]!.outSize;
    const named = String(specs[2 * i]!.name).endsWith('kernel') && String(specs[2 * i + 1]!.name).endsWith('bias');
    if (!named || k.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== outSize || !chains) {
      throw new CheckpointError(file, `layer ${i} has kernel [${k.shape.join(', ')}] and bias [${b.shape.join(', ')}], which do not make a chain of Dense layers (kernel, then bias)`);
    }
    layers.push({ inSize, outSize, kernel: k.data, bias: b.data });
  }
  return { layers, activations };
}
