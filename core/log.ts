// Structured logging: pino JSON lines on stderr (stdout stays free for command output), behind a small interface
// so components default to a no-op logger, as etcd's components default to zap.NewNop().
import { pino } from 'pino';

/** The logging surface every component takes; messages are constant strings, variables go in fields. */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: object): Logger;
}

/** The levels a user may choose with --log-level. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Creates a pino logger writing JSON lines synchronously to stderr. */
export function createLogger(opts: { level?: LogLevel; name?: string } = {}): Logger {
  const base = pino(
    {
      level: opts.level ?? 'info',
      base: opts.name === undefined ? { pid: process.pid } : { pid: process.pid, name: opts.name },
      redact: { paths: ['*.authorization', '*.password', '*.privateKey', '*.passphrase'], censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: true }),
  );
  return wrap(base);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (f, m) => p.debug(f, m),
    info: (f, m) => p.info(f, m),
    warn: (f, m) => p.warn(f, m),
    error: (f, m) => p.error(f, m),
    child: (b) => wrap(p.child(b)),
  };
}

/** Returns a logger that drops everything: the default for components and unit tests. */
export function noopLogger(): Logger {
  const nop: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => nop,
  };
  return nop;
}

/** Serialises an error into log fields without stack noise. */
export function errFields(err: unknown): { error: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { error: err.message, code } : { error: err.message };
  }
  return { error: String(err) };
}
