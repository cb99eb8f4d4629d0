import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { MetricsSink } from '../../src/metrics.ts';
import { flatAxis, plotRun } from '../../src/plot/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const root = tempDirs('arena-plot-axis-')();

describe('plot axes of constant series', () => {
  it('a (near-)constant series gets a flat line at its rounded value; a varying one keeps its data', () => {
    expect(flatAxis([0.2000000000000039, 0.2, 0.19999999999999998])).toEqual({ value: 0.2, domain: [0.19, 0.21000000000000002] });
    expect(flatAxis([64, 64])).toEqual({ value: 64, domain: [60.8, 67.2] });
    expect(flatAxis([0, 0])).toEqual({ value: 0, domain: [-1, 1] });
    expect(flatAxis([0.5, 0.5 + 1e-9])?.value).toBe(0.5);
    expect(flatAxis([0.5, 0.51])).toBeNull();
    expect(flatAxis([0, 1e-12])).toBeNull();
  });

  it('arena plot labels a constant clip coefficient 0.2, not 0.2000000000000039', async () => {
    const dir = join(root, 'run');
    const sink = new MetricsSink(dir);
    for (let u = 0; u < 20; u++) {
      sink.write({ global_step: 100 * (u + 1), 'charts/clip_coef': u % 2 ? 0.2000000000000039 : 0.2, 'charts/envs': 64, 'losses/value_loss': 1 / (u + 1) });
    }
    sink.close();
    const r = await plotRun(dir, { svg: true });
    expect(r.keys).toEqual(expect.arrayContaining(['charts/clip_coef', 'charts/envs', 'losses/value_loss']));
    const labels = [...readFileSync(r.svg!, 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(labels).toContain('0.200');
    expect(labels).toContain('64');
    // no label carries float noise (more than 6 significant digits)
    for (const l of labels) expect(l.replace(/[^0-9]/g, '').replace(/^0+/, '').length, l).toBeLessThanOrEqual(6);
  });
});
