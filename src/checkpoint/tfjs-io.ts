/**
 * tfjs models and tensors to and from bytes, without tfjs-node.
 *
 * Models use the standard tfjs Layers format (the one `model.save('file://…')` and the Python
 * converter write): `model.json` holds the topology, the training config and a `weightsManifest`
 * whose `paths` are relative to model.json, and `weights.bin` holds the weights. A checkpoint folder
 * written through the checkpoint store can therefore be served as-is and opened in a browser with
 * `tf.loadLayersModel('…/model.json')`.
 *
 * Other arrays (optimizer moments, observation normalisers, RNG state…) go through
 * `packTensors` / `unpackTensors`: msgpack with msgpackr's typed-array extension, so Float32Arrays
 * travel as raw bytes instead of number lists.
 */
import * as tf from '@tensorflow/tfjs';
import { Packr } from 'msgpackr';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { CheckpointError, ConfigError } from '../../core/errors.ts';

type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/** A value that `packTensors` accepts: a tensor, a typed array, or plain JSON-like data. */
export type PackValue = tf.Tensor | TypedArray | number | string | boolean | null | PackValue[] | { [key: string]: PackValue };

/** The model.json/weights.bin pair of one model, keyed by file name. */
export type ModelFiles = Record<string, string | Uint8Array>;

const TENSORS_FORMAT = 'arena-tensors';
const TENSORS_VERSION = 1;

function packr(): Packr {
  // Plain maps (no msgpackr records) keep the bytes readable by any msgpack decoder; moreTypes
  // encodes typed arrays as raw little-endian bytes.
  return new Packr({ moreTypes: true, useRecords: false });
}

/** The weights file name as model.json must reference it: relative to model.json's own folder. */
function relativeWeightsName(prefix: string): string {
  const slash = prefix.lastIndexOf('/');
  return `${slash >= 0 ? prefix.slice(slash + 1) : prefix}weights.bin`;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Serialises a LayersModel to `{ [prefix+'model.json']: string, [prefix+'weights.bin']: Uint8Array }`.
 * `prefix` may name a sub-folder ('policy/') or a file-name prefix ('policy-').
 */
export async function modelToFiles(model: tf.LayersModel, prefix = ''): Promise<ModelFiles> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: false },
  );
  const artifacts = captured as tf.io.ModelArtifacts | null;
  if (!artifacts || !artifacts.modelTopology || !artifacts.weightSpecs) {
    throw new ConfigError('model.save produced no topology or weights; only tf.LayersModel is supported');
  }
  const data = artifacts.weightData;
  const weights = data === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]));
  const weightsName = relativeWeightsName(prefix);
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig) json['trainingConfig'] = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) json['userDefinedMetadata'] = artifacts.userDefinedMetadata;
  if (artifacts.signature) json['signature'] = artifacts.signature;
  return { [`${prefix}model.json`]: JSON.stringify(json), [`${prefix}weights.bin`]: weights };
}

function parseModelJson(json: string | Uint8Array | object, name: string): tf.io.ModelJSON {
  let obj: unknown = json;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
    try {
      obj = JSON.parse(text);
    } catch {
      throw new CheckpointError(name, 'is not valid JSON');
    }
  }
  const m = obj as Partial<tf.io.ModelJSON> | null;
  if (!m || typeof m !== 'object' || !m.modelTopology || !Array.isArray(m.weightsManifest)) {
    throw new CheckpointError(name, 'is not a tfjs Layers model.json (needs modelTopology and weightsManifest)');
  }
  return m as tf.io.ModelJSON;
}

/** Byte length the weight specs describe, or null when it cannot be known up front (string weights). */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const s of specs) {
    const count = s.shape.reduce((a, b) => a * b, 1);
    let width: number;
    if (s.quantization) width = s.quantization.dtype === 'uint8' ? 1 : 2;
    else if (s.dtype === 'float32' || s.dtype === 'int32') width = 4;
    else if (s.dtype === 'bool') width = 1;
    else if (s.dtype === 'complex64') width = 8;
    else return null;
    total += count * width;
  }
  return total;
}

/** Rebuilds a LayersModel from model.json text (or object) and the weights.bin bytes. */
export async function modelFromFiles(json: string | Uint8Array | object, bin: Uint8Array, name = 'model.json'): Promise<tf.LayersModel> {
  const modelJson = parseModelJson(json, name);
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const expected = expectedWeightBytes(weightSpecs);
  if (expected !== null && bin.byteLength !== expected) {
    throw new CheckpointError(name, `weights are ${bin.byteLength} bytes but the manifest describes ${expected}`);
  }
  const handler = tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData: toArrayBuffer(bin),
    ...(modelJson.trainingConfig ? { trainingConfig: modelJson.trainingConfig } : {}),
    ...(modelJson.userDefinedMetadata ? { userDefinedMetadata: modelJson.userDefinedMetadata } : {}),
  });
  return tf.loadLayersModel(handler);
}

/**
 * A tfjs IOHandler that loads `model.json` and the weight files it lists from the local disk
 * (no `file://` router, so it works with any backend, tfjs-node or not):
 * `tf.loadLayersModel(dirLoadHandler('runs/x/checkpoints/ckpt-000003/policy/model.json'))`.
 */
export function dirLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      let text: string;
      try {
        text = await readFile(modelJsonPath, 'utf8');
      } catch (err) {
        throw new CheckpointError(modelJsonPath, `cannot be read: ${(err as Error).message}`, { cause: err });
      }
      const modelJson = parseModelJson(text, modelJsonPath);
      const base = dirname(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Uint8Array[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const rel = normalize(p);
            if (isAbsolute(rel) || rel.startsWith('..')) throw new CheckpointError(modelJsonPath, `weights path '${p}' leaves the model folder`);
            const file = join(base, rel);
            try {
              parts.push(new Uint8Array(await readFile(file)));
            } catch (err) {
              throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`, { cause: err });
            }
          }
          specs.push(...group.weights);
        }
        const total = parts.reduce((n, p) => n + p.byteLength, 0);
        const all = new Uint8Array(total);
        let off = 0;
        for (const p of parts) {
          all.set(p, off);
          off += p.byteLength;
        }
        return [specs, all.buffer];
      });
    },
  };
}

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Duck-typed so tensors from another tfjs-core copy (e.g. tfjs-node's own) are recognised too. */
function isTensor(v: unknown): v is tf.Tensor {
  if (v instanceof tf.Tensor) return true;
  const t = v as { dataSync?: unknown; shape?: unknown; dtype?: unknown } | null;
  return t !== null && typeof t === 'object' && typeof t.dataSync === 'function' && Array.isArray(t.shape) && typeof t.dtype === 'string';
}

function encodeValue(v: PackValue, path: string): unknown {
  if (isTensor(v)) {
    if (v.isDisposed) throw new ConfigError(`packTensors: tensor '${path}' is disposed`);
    if (v.dtype !== 'float32' && v.dtype !== 'int32' && v.dtype !== 'bool') {
      throw new ConfigError(`packTensors: tensor '${path}' has dtype ${v.dtype}; only float32, int32 and bool are supported`);
    }
    const data = v.dataSync();
    const typed = v.dtype === 'bool' ? Uint8Array.from(data as ArrayLike<number>) : (data as Float32Array | Int32Array);
    return { $t: v.dtype, shape: v.shape, data: typed };
  }
  if (isTypedArray(v)) return v;
  if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x, `${path}.${k}`);
    if ('$t' in out) throw new ConfigError(`packTensors: key '$t' is reserved (at '${path}')`);
    return out;
  }
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  throw new ConfigError(`packTensors: value at '${path}' is a ${typeof v}, which cannot be packed`);
}

function decodeValue(v: unknown): PackValue {
  if (isTypedArray(v)) return v;
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['$t'] === 'string') {
      const dtype = o['$t'] as 'float32' | 'int32' | 'bool';
      const shape = o['shape'] as number[];
      const data = o['data'] as TypedArray;
      return tf.tensor(data as Float32Array, shape, dtype);
    }
    const out: Record<string, PackValue> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  return v as PackValue;
}

/**
 * Packs named tensors, typed arrays and plain data into one msgpack buffer (a fresh copy, safe to
 * keep). Tensors come back from `unpackTensors` as tensors, typed arrays as the same typed array type.
 */
export function packTensors(named: Record<string, PackValue>): Uint8Array {
  const entries: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(named)) entries[k] = encodeValue(v, k);
  const buf = packr().pack({ format: TENSORS_FORMAT, version: TENSORS_VERSION, entries });
  // Packr may return a view of its reusable scratch buffer: copy before the next pack overwrites it.
  return new Uint8Array(buf);
}

/**
 * Inverse of `packTensors`. Tensors are created in the current tfjs backend; the caller owns (and
 * disposes) them. `name` is used in error messages (e.g. the checkpoint file).
 */
export function unpackTensors(bytes: Uint8Array, name = 'tensors'): Record<string, PackValue> {
  let decoded: unknown;
  try {
    decoded = packr().unpack(bytes);
  } catch (err) {
    throw new CheckpointError(name, `is not valid msgpack: ${(err as Error).message}`, { cause: err });
  }
  const d = decoded as { format?: unknown; version?: unknown; entries?: unknown } | null;
  if (!d || typeof d !== 'object' || d.format !== TENSORS_FORMAT || !d.entries || typeof d.entries !== 'object') {
    throw new CheckpointError(name, `is not an ${TENSORS_FORMAT} buffer`);
  }
  if (d.version !== TENSORS_VERSION) throw new CheckpointError(name, `${TENSORS_FORMAT} version ${String(d.version)} is not supported`);
  const out: Record<string, PackValue> = {};
  for (const [k, v] of Object.entries(d.entries as Record<string, unknown>)) out[k] = decodeValue(v);
  return out;
}
