import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../core/log.ts';
import { MetricsSink, readMetrics, readMetricsDetailed } from '../../src/metrics.ts';
import { tempDirs } from '../support/temp-dirs.ts';

setLogLevel('silent');
const tmp = tempDirs('arena-metrics-');
let run: string;
beforeEach(() => {
  run = tmp();
});

describe('metrics.jsonl', () => {
  it('appends one JSON object per line and reads them back', () => {
    const sink = new MetricsSink(run);
    sink.write({ global_step: 128, 'charts/episodic_return': 9.5 });
    sink.write({ global_step: 256, 'losses/value_loss': 0.25, 'losses/approx_kl': Number.NaN, 'charts/SPS': Infinity });
    sink.close();
    const text = readFileSync(join(run, 'metrics.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(2);
    const rows = readMetrics(run);
    expect(rows).toHaveLength(2);
    expect(rows[0]!['charts/episodic_return']).toBe(9.5);
    expect(typeof rows[0]!['time']).toBe('number');
    expect(rows[1]!['losses/approx_kl']).toBeNull();
    expect(rows[1]!['charts/SPS']).toBeNull();
    expect(readMetrics(join(run, 'metrics.jsonl'))).toEqual(rows);
  });

  it('skips a torn last line, and a reopened sink starts on a fresh line', () => {
    const sink = new MetricsSink(run, { timestamp: false });
    sink.write({ global_step: 1, a: 1 });
    sink.write({ global_step: 2, a: 2 });
    sink.close();
    appendFileSync(join(run, 'metrics.jsonl'), '{"global_step": 3, "a": 3, "b');
    const torn = readMetricsDetailed(run);
    expect(torn.rows).toEqual([{ global_step: 1, a: 1 }, { global_step: 2, a: 2 }]);
    expect(torn.skipped).toBe(1);

    const again = new MetricsSink(run, { timestamp: false });
    again.write({ global_step: 4, a: 4 });
    again.close();
    const after = readMetricsDetailed(run);
    expect(after.rows).toEqual([{ global_step: 1, a: 1 }, { global_step: 2, a: 2 }, { global_step: 4, a: 4 }]);
    expect(after.skipped).toBe(1);
  });

  it('a missing file is a NO_METRICS error and a closed sink refuses writes', () => {
    expect(() => readMetrics(run)).toThrow(/no metrics file/);
    const sink = new MetricsSink(run);
    sink.close();
    sink.close();
    expect(() => sink.write({ a: 1 })).toThrow(/closed/);
  });
});
