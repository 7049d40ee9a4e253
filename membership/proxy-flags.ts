// The flags of a local proxy that runs inside promote or demote (built in-process from the `proxy` subcommand's
// flag names, as a topology's proxy: section), recorded in <data-dir>/proxy/flags.json next to the proxy's pid
// file. That pid file names the promote/demote process, so a later promote reads this record (not an argv) to
// restart the same proxy on its own after a rollback.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDirLayout, writeFileAtomic } from '../host/index.js';

/** A proxy's flags by the `proxy` subcommand's names (without dashes); true for a bare boolean flag. */
export type ProxyFlags = Readonly<Record<string, string | true>>;

/** What <data-dir>/proxy/flags.json holds: the process that runs the proxy and its flags. */
export interface ProxyFlagsRecord {
  readonly pid: number;
  readonly flags: ProxyFlags;
}

/** The etcd-edge entry point this build runs from (what a restarted standalone proxy runs). */
export const ETCD_EDGE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/etcd-edge.js');

/** Records the flags of the proxy that process pid runs (atomically, 0600). */
export function writeProxyFlags(dataDir: string, pid: number, flags: ProxyFlags): void {
  writeFileAtomic(dataDirLayout(dataDir).proxy.flags, `${JSON.stringify({ pid, flags })}\n`, { mode: 0o600, mkdirMode: 0o700 });
}

/** Reads the record; undefined when there is none or it is not one (a torn or foreign file). */
export function readProxyFlags(dataDir: string): ProxyFlagsRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(dataDirLayout(dataDir).proxy.flags, 'utf8'));
  } catch {
    return undefined;
  }
  const r = raw as { pid?: unknown; flags?: unknown };
  if (!Number.isInteger(r.pid) || typeof r.flags !== 'object' || r.flags === null || Array.isArray(r.flags)) return undefined;
  const flags = r.flags as Record<string, unknown>;
  if (!Object.values(flags).every((v) => typeof v === 'string' || v === true)) return undefined;
  return Object.freeze({ pid: r.pid as number, flags: Object.freeze({ ...flags }) as ProxyFlags });
}

/** Removes the record if it still names pid. */
export function removeProxyFlags(dataDir: string, pid: number): void {
  if (readProxyFlags(dataDir)?.pid === pid) rmSync(dataDirLayout(dataDir).proxy.flags, { force: true });
}

/** The argv after `etcd-edge proxy` for the same flags: `--name=value`, bare `--name` for true. */
export function proxyArgv(flags: ProxyFlags): string[] {
  return Object.entries(flags).map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`));
}

/** The listen URLs of a proxy's flags (its default when none is given). */
export function listenUrlsOf(flags: ProxyFlags): string[] {
  const v = flags['listen-client-urls'];
  return (typeof v === 'string' ? v : 'http://127.0.0.1:2379').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean);
}
