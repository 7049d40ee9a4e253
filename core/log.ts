// Structured logging on stderr (stdout stays free for command output), behind a small interface so components
// default to a no-op logger, as etcd's components default to zap.NewNop(). Like etcd's zap: JSON lines when stderr
// is not a terminal (or with --log-format json), human console lines (time, level, logger, message, fields) on one.
import { writeSync } from 'node:fs';
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

/** The formats a user may choose with --log-format. */
export const LOG_FORMATS = ['json', 'console'] as const;
/** One of LOG_FORMATS. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Options of createLogger. */
export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly name?: string;
  /** Default: console when stderr is a terminal, json otherwise. */
  readonly format?: LogFormat;
  /** Where console lines go (tests); default: fd 2, synchronously. */
  readonly write?: (line: string) => void;
}

/** Creates a pino logger writing JSON or console lines synchronously to stderr. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stderr.isTTY ? 'console' : 'json');
  const write = opts.write ?? ((line: string) => { writeSync(2, line); });
  const dest = format === 'console' ? { write: (json: string) => write(consoleLine(json)) }
    : opts.write ? { write } : pino.destination({ dest: 2, sync: true });
  const base = pino(
    {
      level: opts.level ?? 'info',
      base: opts.name === undefined ? { pid: process.pid } : { pid: process.pid, name: opts.name },
      redact: { paths: ['*.authorization', '*.password', '*.privateKey', '*.passphrase'], censor: '[redacted]' },
    },
    dest,
  );
  return wrap(base);
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Turns one pino JSON line into a console line as zap's console encoder writes it: ISO time, level, logger
 * (name/component), message, then the remaining fields as one JSON object. Anything unparsable passes unchanged.
 */
export function consoleLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, msg, name, component, pid: _pid, ...fields } = rec;
  const logger = [name, component].filter((x) => typeof x === 'string' && x !== '').join('/');
  const parts = [
    typeof time === 'number' ? new Date(time).toISOString() : String(time ?? ''),
    LEVEL_NAMES[Number(level)] ?? String(level),
    ...(logger ? [logger] : []),
    String(msg ?? ''),
    ...(Object.keys(fields).length ? [JSON.stringify(fields)] : []),
  ];
  return parts.join('\t') + '\n';
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
