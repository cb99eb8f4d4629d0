import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { backendSummary, describeBackend, selectBackend } from '../../src/backend.ts';

setLogLevel('silent');
const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasNode = installed('@tensorflow/tfjs-node');
const hasGpu = installed('@tensorflow/tfjs-node-gpu');

describe('selectBackend', () => {
  it('auto picks the best installed backend and is idempotent', async () => {
    expect(describeBackend().name).toBeNull();
    const a = await selectBackend('auto');
    const expected = hasGpu ? 'gpu' : hasNode ? 'node' : 'wasm';
    expect(a.name).toBe(expected);
    const b = await selectBackend('auto');
    expect(b).toBe(a);
    const d = describeBackend();
    expect(d.name).toBe(expected);
    expect(d.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(d.initMs).toBeGreaterThanOrEqual(0);
    if (expected === 'wasm') {
      expect(d.tfBackend).toBe('wasm');
      expect(d.threads).toBe(false);
      expect(typeof d.simd).toBe('boolean');
      expect(d.skipped.some((s) => s.includes('@tensorflow/tfjs-node'))).toBe(true);
      expect(backendSummary()).toMatch(/^wasm \(tfjs \d+\.\d+\.\d+, SIMD (on|off), threads off\)$/);
      // The wasm backend actually computes.
      const x = a.tf.tensor2d([[1, 2], [3, 4]]);
      expect(Array.from(a.tf.matMul(x, x).dataSync())).toEqual([7, 10, 15, 22]);
    }
    // Concurrent calls resolve to the same selection.
    const [c1, c2] = await Promise.all([selectBackend('auto'), selectBackend('auto')]);
    expect(c1).toBe(a);
    expect(c2).toBe(a);
  });

  it.skipIf(hasNode)("a named backend that is not installed gives a one-line install hint", async () => {
    const err = await selectBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('BAD_CONFIG');
    expect((err as Error).message).toBe("backend 'node' needs @tensorflow/tfjs-node: npm install @tensorflow/tfjs-node");
    expect((err as Error).message).not.toContain('\n');
  });

  it.skipIf(hasGpu)("'gpu' without tfjs-node-gpu says how to install it", async () => {
    const err = await selectBackend('gpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^backend 'gpu' needs @tensorflow\/tfjs-node-gpu.*npm install @tensorflow\/tfjs-node-gpu$/);
  });

  it('a failed named selection keeps the active backend; cpu can be named explicitly', async () => {
    const before = await selectBackend('auto');
    const cpu = await selectBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(cpu.tf.getBackend()).toBe('cpu');
    expect(await selectBackend('cpu')).toBe(cpu);
    expect(await selectBackend('auto')).toBe(cpu);
    expect(before.name).not.toBe('cpu');
  });

  it('rejects an unknown name', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu'/);
  });
});
