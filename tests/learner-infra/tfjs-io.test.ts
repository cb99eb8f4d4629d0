import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { selectBackend } from '../../src/backend.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/store.ts';
import { dirLoadHandler, modelFromFiles, modelToFiles, packTensors, unpackTensors } from '../../src/checkpoint/tfjs-io.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const tmp = tempDirs('arena-tfio-');
let run: string;
beforeAll(async () => {
  await selectBackend('cpu');
  run = tmp();
});

function makeModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 16, activation: 'tanh', inputShape: [6], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }));
  model.compile({ optimizer: tf.train.adam(3e-4), loss: 'meanSquaredError' });
  return model;
}

const input = () => tf.tensor2d(Array.from({ length: 18 }, (_, i) => Math.sin(i)), [3, 6]);
const predict = (m: tf.LayersModel) => Array.from((m.predict(input()) as tf.Tensor).dataSync());

describe('tfjs model files', () => {
  it('modelToFiles writes standard model.json + weights.bin that load back with identical predictions', async () => {
    const model = makeModel();
    const files = await modelToFiles(model, 'policy/');
    expect(Object.keys(files).sort()).toEqual(['policy/model.json', 'policy/weights.bin']);
    const json = JSON.parse(files['policy/model.json'] as string);
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect((files['policy/weights.bin'] as Uint8Array).byteLength).toBe((6 * 16 + 16 + 16 * 4 + 4) * 4);

    const back = await modelFromFiles(files['policy/model.json'] as string, files['policy/weights.bin'] as Uint8Array);
    expect(predict(back)).toEqual(predict(model));

    // A file-name prefix keeps the weights path relative to model.json.
    const flat = await modelToFiles(model, 'value-');
    expect(JSON.parse(flat['value-model.json'] as string).weightsManifest[0].paths).toEqual(['value-weights.bin']);
  });

  it('a checkpoint folder loads with tf.loadLayersModel through a disk IO handler', async () => {
    const model = makeModel();
    const saved = await saveCheckpoint(run, { ...(await modelToFiles(model, 'policy/')), 'opt.msgpack': packTensors({ lr: 3e-4 }) }, { step: 1 });
    const fromDisk = await tf.loadLayersModel(dirLoadHandler(join(saved.dir, 'policy', 'model.json')));
    expect(predict(fromDisk)).toEqual(predict(model));

    const loaded = await loadCheckpoint(run);
    const viaStore = await modelFromFiles(loaded.files.get('policy/model.json')!, loaded.files.get('policy/weights.bin')!);
    expect(predict(viaStore)).toEqual(predict(model));
  });

  it('weights of the wrong length are a CheckpointError', async () => {
    const files = await modelToFiles(makeModel());
    const bin = (files['weights.bin'] as Uint8Array).subarray(0, 100);
    await expect(modelFromFiles(files['model.json'] as string, bin, 'x/model.json')).rejects.toThrow(CheckpointError);
    await expect(modelFromFiles('{"nope":1}', bin)).rejects.toThrow(/not a tfjs Layers model.json/);
  });
});

describe('packTensors', () => {
  it('round-trips tensors, typed arrays and plain values', () => {
    const t = tf.tensor2d([[1.5, -2, 3], [4, 5, 6.25]]);
    const i = tf.tensor1d([1, -2, 3], 'int32');
    const b = tf.tensor1d([1, 0, 1], 'bool');
    const f = new Float32Array([0.1, 0.2, 0.3]);
    const packed = packTensors({ t, i, b, f, ints: new Int32Array([7, -8]), meta: { step: 12, name: 'adam', betas: [0.9, 0.999] }, none: null });
    expect(packed).toBeInstanceOf(Uint8Array);
    // A second pack must not overwrite the first (msgpackr reuses its scratch buffer).
    const other = packTensors({ x: new Float32Array(1000).fill(9) });
    const out = unpackTensors(packed);
    expect(other.byteLength).toBeGreaterThan(4000);
    const t2 = out['t'] as tf.Tensor;
    expect(t2).toBeInstanceOf(tf.Tensor);
    expect(t2.shape).toEqual([2, 3]);
    expect(t2.dtype).toBe('float32');
    expect(Array.from(t2.dataSync())).toEqual([1.5, -2, 3, 4, 5, 6.25]);
    expect((out['i'] as tf.Tensor).dtype).toBe('int32');
    expect(Array.from((out['i'] as tf.Tensor).dataSync())).toEqual([1, -2, 3]);
    expect((out['b'] as tf.Tensor).dtype).toBe('bool');
    expect(Array.from((out['b'] as tf.Tensor).dataSync())).toEqual([1, 0, 1]);
    expect(out['f']).toBeInstanceOf(Float32Array);
    expect(out['f']).toEqual(f);
    expect(out['ints']).toEqual(new Int32Array([7, -8]));
    expect(out['meta']).toEqual({ step: 12, name: 'adam', betas: [0.9, 0.999] });
    expect(out['none']).toBeNull();
  });

  it('garbage bytes are a CheckpointError naming the file', () => {
    expect(() => unpackTensors(new Uint8Array([0xc1, 0xc1, 0xc1]), 'opt.msgpack')).toThrow(/^opt\.msgpack: /);
    expect(() => unpackTensors(packTensors({}).subarray(0, 3), 'opt.msgpack')).toThrow(CheckpointError);
  });
});
