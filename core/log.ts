/**
 * The one logger. Library code logs through it (never `console`); the CLI sets the level and may
 * redirect the sink. Log lines go to stderr so stdout stays clean for `--json` output.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogSink = (level: LogLevel, message: string) => void;

let threshold: LogLevel = (process.env['ARENA_LOG'] as LogLevel | undefined) ?? 'info';
let sink: LogSink = (level, message) => {
  const line = level === 'info' ? message : `${level}: ${message}`;
  process.stderr.write(`${line}\n`);
};

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function setLogSink(next: LogSink): void {
  sink = next;
}

function emit(level: LogLevel, message: string): void {
  if (ORDER[level] >= ORDER[threshold] && threshold !== 'silent') sink(level, message);
}

export const log = {
  debug: (message: string) => emit('debug', message),
  info: (message: string) => emit('info', message),
  warn: (message: string) => emit('warn', message),
  error: (message: string) => emit('error', message),
};
