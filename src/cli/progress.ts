/**
 * Progress for long-running commands: a bar with rate and ETA on a terminal (cli-progress),
 * plain lines at most every few seconds otherwise (CI logs, pipes). Both go to stderr.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export function createProgress(label: string, total: number, unit = 'it'): Progress {
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
    const start = Date.now();
    bar.start(total, 0, { rate: '0', detail: '' });
    return {
      update(done, detail = '') {
        const secs = (Date.now() - start) / 1000;
        bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : '0', detail });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const start = Date.now();
  let last = 0;
  return {
    update(done, detail = '') {
      const now = Date.now();
      if (now - last < 5000 && done < total) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      process.stderr.write(
        `${label}: ${done}/${total} ${unit} (${((100 * done) / total).toFixed(0)}%) ${rate.toFixed(1)} ${unit}/s ETA ${eta.toFixed(0)}s ${detail}\n`,
      );
    },
    stop() {},
  };
}
