// What a subcommand's main() gets from bin/: argv, env, cwd, the two output streams and an AbortSignal fired
// by SIGINT/SIGTERM. main() returns an exit code; only bin/ exits the process or touches signals.
import type { Writable } from 'node:stream';
import { EdgeError } from './errors.js';
import type { Component } from './lifecycle.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, noopLogger } from './log.js';
import type { Logger, LogFormat, LogLevel } from './log.js';
import type { ParsedFlags } from './flags.js';

/** The process surface handed to a subcommand. */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly signal: AbortSignal;
}

/** A subcommand entry point. */
export type CliMain = (io: CliIo) => Promise<number>;

/** The --log-level and --log-format flags every command that logs takes. */
export const LOG_LEVEL_FLAG = {
  'log-level': { kind: 'string', describe: 'level of the logs on stderr', default: 'info', choices: LOG_LEVELS, env: 'ETCD_EDGE_LOG_LEVEL' },
  'log-format': {
    kind: 'string', choices: LOG_FORMATS, env: 'ETCD_EDGE_LOG_FORMAT',
    describe: 'format of the logs on stderr: console (human lines: time, level, message, fields) or json (one object a line); default: console when stderr is a terminal, json otherwise',
  },
} as const;

/** Creates the stderr logger for a command from its parsed --log-level and --log-format, and reports env warnings on it. */
export function commandLogger(flags: ParsedFlags, name: string): Logger {
  const level = (flags.str('log-level') ?? 'info') as LogLevel;
  const format = flags.str('log-format') as LogFormat | undefined;
  const log = level === 'silent' ? noopLogger() : createLogger({ level, name, ...(format ? { format } : {}) });
  for (const w of flags.warnings) log.warn({ warning: w }, 'configuration warning');
  return log;
}

/** Prints configuration warnings (unknown or deprecated environment variables) on stderr: commands that do not log. */
export function printWarnings(out: Writable, warnings: readonly string[]): void {
  for (const w of warnings) println(out, `warning: ${w}`);
}

/** Resolves when the signal fires (immediately if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Starts a component, runs it until the signal fires, then closes it: the life of every long-running bin. */
export async function runUntilAborted(c: Component, signal: AbortSignal): Promise<number> {
  try {
    await c.start({ signal });
  } catch (err) {
    await c.close();
    if (signal.aborted && (err as EdgeError).code === 'EDGE_ABORTED') return 0;
    throw err;
  }
  await aborted(signal);
  await c.close();
  return 0;
}

/** Writes a line to a stream. */
export function println(out: Writable, line = ''): void {
  out.write(line + '\n');
}

/** Quotes one shell word when needed, so printed commands can be pasted into a shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Renders an argv as one shell command line. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
