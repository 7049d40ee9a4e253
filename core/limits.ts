// Descriptor limits shared by every listener of a process: the soft open-file limit raised to the hard one at
// start, and a connection cap derived from it that keeps a reserve for the control plane (probes, sync, /metrics).
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';

/** The process's open-file limit, as read (and possibly raised) at start. */
export interface NofileLimit {
  /** The soft limit in force now. */
  readonly soft: number;
  /** The hard limit. */
  readonly hard: number;
  /** The soft limit before it was raised (equal to soft when nothing changed). */
  readonly before: number;
}

/** Descriptors always left to the control plane and the other components of the process. */
export const MIN_FD_RESERVE = 64;

/** Parses the "Max open files" line of a /proc/PID/limits text; "unlimited" reads as Infinity. */
export function parseNofile(limitsText: string): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  const num = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? Infinity : Number(s));
  if (!m) return { soft: Infinity, hard: Infinity };
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** Reads this process's open-file limit from /proc/self/limits. */
export function readNofileLimit(): { soft: number; hard: number } {
  try {
    return parseNofile(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return { soft: Infinity, hard: Infinity };
  }
}

/**
 * Raises the soft open-file limit to the hard one (util-linux `prlimit` on this pid; Node has no setrlimit)
 * and returns the figures. Failure to raise is not an error: the limit in force is returned.
 */
export function raiseNofileLimit(pid: number = process.pid): NofileLimit {
  const cur = readNofileLimit();
  if (cur.soft >= cur.hard || !Number.isFinite(cur.hard)) return { soft: cur.soft, hard: cur.hard, before: cur.soft };
  try {
    // node:child_process is loaded only when the limit must be raised (about 1 MB of resident memory otherwise).
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${cur.hard}:${cur.hard}`], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return { soft: cur.soft, hard: cur.hard, before: cur.soft };
  }
  const now = readNofileLimit();
  return { soft: now.soft, hard: now.hard, before: cur.soft };
}

/** Counts the descriptors this process has open now. */
export function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** What a connection cap is derived from. */
export interface CapInput {
  /** The soft open-file limit in force. */
  readonly nofile: number;
  /** Descriptors one client connection holds at most (2 for an L4 relay: client and member). */
  readonly fdsPerConnection: number;
  /** How many capped listeners share the process's descriptors (up runs a proxy and a gateway: 2). */
  readonly listeners?: number;
  /** Descriptors kept back for everything else; default max(64, nofile / 8). */
  readonly reserve?: number;
}

/**
 * Derives a connection cap (`--max-connections 0`) from the open-file limit: what is left after the reserve,
 * split between the listeners of the process and divided by the descriptors a connection needs; at least 1.
 */
export function deriveMaxConnections(c: CapInput): number {
  const nofile = Number.isFinite(c.nofile) ? c.nofile : 1_048_576;
  const reserve = c.reserve ?? Math.max(MIN_FD_RESERVE, Math.floor(nofile / 8));
  const listeners = Math.max(1, c.listeners ?? 1);
  const per = Math.max(1, c.fdsPerConnection);
  return Math.max(1, Math.floor((nofile - reserve) / listeners / per));
}

/** Returns a function that answers true at most once per interval (rate-limited warnings). */
export function everyMs(intervalMs: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}
