/**
 * Progress for long-running commands: a bar with rate and ETA on a terminal (cli-progress),
 * plain lines at most every few seconds otherwise (CI logs, pipes). Both go to stderr.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

/**
 * Units per second since the first update (not since 0, so a resumed run that starts part-way
 * reports its own rate and ETA).
 */
function rateSinceFirst(): (done: number) => number {
  let base: { done: number; at: number } | null = null;
  return (done) => {
    const now = Date.now();
    base ??= { done, at: now };
    const secs = (now - base.at) / 1000;
    return secs > 0 ? (done - base.done) / secs : 0;
  };
}

export function createProgress(label: string, total: number, unit = 'it'): Progress {
  const rateOf = rateSinceFirst();
  if (process.stderr.isTTY && process.env['CI'] === undefined) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {detail}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0', detail: '' });
    return {
      update(done, detail = '') {
        bar.update(done, { rate: rateOf(done).toFixed(1), detail });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(done, detail = '') {
      const now = Date.now();
      const rate = rateOf(done);
      if (now - last < 5000 && done < total) return;
      last = now;
      const eta = rate > 0 ? `${((total - done) / rate).toFixed(0)}s` : '–';
      process.stderr.write(
        `${label}: ${done}/${total} ${unit} (${((100 * done) / total).toFixed(0)}%) ${rate.toFixed(1)} ${unit}/s ETA ${eta} ${detail}\n`,
      );
    },
    stop() {},
  };
}
