// Processes on this host, read through /proc: the one liveness rule (a zombie counts as gone), argv, cwd and
// environment, signalling by PID only, and waiting for a process to go. Used by every command that must find,
// stop or wait for a process it did not start itself (a proxy, a promote, members of an earlier up).
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../core/lifecycle.js';

/** Reads /proc/<pid>/cmdline as argv; undefined when the process is gone or unreadable. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => !(s === '' && i === a.length - 1));
  } catch {
    return undefined;
  }
}

/** Reads a plain pid file (a positive integer and a newline); undefined when absent or not a pid. */
export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a process's working directory. */
export function readCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Reads a process's environment (only ours: /proc/<pid>/environ is private to its owner). */
export function readEnviron(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = kv.indexOf('=');
      if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  } catch {
    // unreadable: restart with a minimal environment
  }
  return out;
}

/**
 * Tells whether a process exists and is not a zombie waiting to be reaped: the one liveness rule. EPERM means it
 * exists but belongs to someone else; a zombie has exited already, whoever reaps it.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Returns the etcd-edge subcommand of an argv (`proxy`, `promote`, `up` …), or undefined for another program. */
export function etcdEdgeSubcommand(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => /^etcd-edge(\.js)?$/.test(path.basename(a)));
  return i === -1 ? undefined : argv[i + 1];
}

/** Tells whether an argv runs etcd: the binary's basename contains etcd (a renamed --etcd-bin too), but is not etcdctl or etcdutl. */
export function isEtcdArgv(argv: readonly string[] | undefined): boolean {
  const base = path.basename(argv?.[0] ?? '');
  return base.includes('etcd') && !/^etcd(ctl|utl)$/.test(base) && !/^etcd-edge(\.js)?$/.test(base);
}

/** Sends a signal by PID, ignoring a process that is already gone. */
export function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Waits until the process is gone; resolves false after timeoutMs. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (processAlive(pid)) {
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(100);
  }
  return true;
}

/** Finds a flag's value in an argv (`--name value` or `--name=value`); the last one wins, as in etcd. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === `--${name}` || a === `-${name}`) v = argv[i + 1];
    else if (a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`)) v = a.slice(a.indexOf('=') + 1);
  }
  return v;
}
