import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * The library's default logger. Writes JSON to stderr synchronously through pino's own destination,
 * not a transport: every `pino({ transport })` starts a thread, and worker threads must not each
 * start one. Level comes from TROUPE_LOG_LEVEL (default `warn`, so a library stays quiet).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.TROUPE_LOG_LEVEL ?? 'warn';
  return pino({ name: 'troupe', ...options, level }, pino.destination({ fd: 2, sync: true }));
}

let defaultLogger: Logger | undefined;

/** One lazily created logger per thread for code that has none handed to it. */
export function defaultLoggerFor(): Logger {
  defaultLogger ??= createLogger();
  return defaultLogger;
}
