import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { MetricsSink } from '../../src/metrics.ts';
import { plotRun, plotRuns, smooth } from '../../src/plot/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const tmp = tempDirs('arena-plot-');
let root: string;

function writeRun(dir: string, scale: number): void {
  const sink = new MetricsSink(dir);
  let step = 0;
  for (let u = 0; u < 12; u++) {
    for (let e = 0; e < 4; e++) {
      step += 32;
      sink.write({ global_step: step, 'charts/episodic_return': scale * u + (e % 2), 'charts/episodic_length': 20 + u });
    }
    sink.write({
      global_step: step,
      'losses/value_loss': 10 / (u + 1),
      'losses/policy_loss': -0.01 * u,
      'losses/entropy': 0.69 - 0.01 * u,
      'losses/approx_kl': 0.001 * u,
      'losses/clipfrac': 0.02 * u,
      'losses/explained_variance': u / 12,
      'charts/learning_rate': 3e-4 * (1 - u / 12),
      'charts/SPS': 1000 + u,
    });
  }
  sink.close();
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

beforeAll(() => {
  root = tmp();
  writeRun(join(root, 'a'), 1);
  writeRun(join(root, 'b'), 0.5);
});

describe('plot', () => {
  it('plotRun writes a self-contained HTML page and a PNG', async () => {
    const res = await plotRun(join(root, 'a'));
    expect(res.html).toBe(join(root, 'a', 'plots', 'learning-curves.html'));
    expect(res.png).toBe(join(root, 'a', 'plots', 'learning-curves.png'));
    expect(res.keys[0]).toBe('charts/episodic_return');
    for (const k of ['losses/value_loss', 'losses/entropy', 'losses/approx_kl', 'losses/clipfrac', 'losses/explained_variance', 'charts/learning_rate', 'charts/SPS']) {
      expect(res.keys).toContain(k);
    }
    expect(res.keys).not.toContain('global_step');
    expect(res.keys).not.toContain('time');
    const html = readFileSync(res.html, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('losses/approx_kl');
    expect(html).toContain('Episodic return');
    expect(html).not.toMatch(/<script|<link|src=/);
    const { width, height } = pngSize(res.png);
    expect(width).toBeGreaterThan(1000);
    expect(height).toBeGreaterThan(1000);
  });

  it('plotRuns draws several runs on one chart with a legend', async () => {
    const out = join(root, 'cmp', 'mappo-vs-ippo.html');
    const res = await plotRuns([{ label: 'MAPPO', dir: join(root, 'a') }, { label: 'IPPO', dir: join(root, 'b') }], out, { svg: true });
    expect(res.html).toBe(join(root, 'cmp', 'mappo-vs-ippo.html'));
    expect(existsSync(res.png)).toBe(true);
    const svg = readFileSync(res.svg!, 'utf8');
    expect(svg).toContain('>MAPPO<');
    expect(svg).toContain('>IPPO<');
    await expect(plotRuns([{ label: 'x', dir: join(root, 'a') }, { label: 'x', dir: join(root, 'b') }], out)).rejects.toThrow(/used twice/);
  });

  it('a run without numeric metrics is a NO_METRICS error', async () => {
    const dir = join(root, 'empty');
    new MetricsSink(dir).close();
    writeFileSync(join(dir, 'metrics.jsonl'), '{"note":"started"}\n');
    await expect(plotRun(dir)).rejects.toMatchObject({ code: 'NO_METRICS' });
  });

  it('smooth is a debiased EMA', () => {
    const pts = [1, 2, 3].map((value, i) => ({ step: i, value }));
    expect(smooth(pts, 0).map((p) => p.value)).toEqual([1, 2, 3]);
    const s = smooth(pts, 0.5).map((p) => p.value);
    // k=1: 0.5*1/(1-0.5)=1; k=2: (0.25+1)/(0.75)=5/3; k=3: (0.625+1.5)/(0.875)=17/7
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(5 / 3, 12);
    expect(s[2]).toBeCloseTo(17 / 7, 12);
  });
});
