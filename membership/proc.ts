// Processes we did not start in this command but must stop (the user's own etcd-edge proxy, a promote that
// supervises a member): identified through /proc before any signal, signalled by PID only, waited for.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/** Tells whether a process exists and is not a zombie waiting to be reaped. */
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

/** Tells whether an argv runs etcd (the binary's basename is etcd). */
export function isEtcdArgv(argv: readonly string[] | undefined): boolean {
  return argv !== undefined && argv.length > 0 && path.basename(argv[0] ?? '') === 'etcd';
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

/** A local etcd process, as found through /proc. */
export interface LocalEtcd {
  readonly pid: number;
  /** Its --listen-client-urls (or ETCD_LISTEN_CLIENT_URLS); empty when unset. */
  readonly listenClientUrls: readonly string[];
}

/** Finds the etcd processes whose --data-dir (or ETCD_DATA_DIR) is dataDir, however they were started. */
export function findEtcdByDataDir(dataDir: string): LocalEtcd[] {
  const want = path.resolve(dataDir);
  const out: LocalEtcd[] = [];
  let pids: string[] = [];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return out; }
  for (const d of pids) {
    const pid = Number(d);
    const argv = readCmdline(pid);
    if (!isEtcdArgv(argv) || !argv || !processAlive(pid)) continue;
    const env = readEnviron(pid);
    const own = flagValue(argv, 'data-dir') ?? env.ETCD_DATA_DIR;
    if (own === undefined || path.resolve(readCwd(pid) ?? '/', own) !== want) continue;
    const listen = flagValue(argv, 'listen-client-urls') ?? env.ETCD_LISTEN_CLIENT_URLS ?? '';
    out.push({ pid, listenClientUrls: listen.split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean) });
  }
  return out;
}
