// The one /proc scan for etcd processes: every etcd on this host whose --data-dir (or ETCD_DATA_DIR), resolved
// against its cwd, is one of ours, however it was started (by an earlier up, a promote, or by hand).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { flagValue, isEtcdArgv, processAlive, readCmdline, readCwd, readEnviron } from './proc.js';

/** A local etcd process, as found through /proc. */
export interface EtcdProcess {
  readonly pid: number;
  /** Its data dir, absolute. */
  readonly dataDir: string;
  /** Its --listen-client-urls (or ETCD_LISTEN_CLIENT_URLS), without trailing slashes; empty when unset. */
  readonly listenClientUrls: readonly string[];
}

/** Lists the live etcd processes (other than self) whose data dir is one of dataDirs. */
export function findEtcdProcesses(dataDirs: readonly string[], self: number = process.pid): EtcdProcess[] {
  const want = new Set(dataDirs.map((d) => path.resolve(d)));
  let pids: number[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => p !== self); } catch { return []; }
  const out: EtcdProcess[] = [];
  for (const pid of pids) {
    const argv = readCmdline(pid);
    if (!argv || !isEtcdArgv(argv) || !processAlive(pid)) continue;
    // environ is read only when the flag is absent: it is private to its owner and costs a read per process.
    const flag = flagValue(argv, 'data-dir');
    const env = flag === undefined || flagValue(argv, 'listen-client-urls') === undefined ? readEnviron(pid) : {};
    const own = flag ?? env.ETCD_DATA_DIR;
    if (own === undefined) continue;
    const dataDir = path.resolve(readCwd(pid) ?? '/', own);
    if (!want.has(dataDir)) continue;
    const listen = flagValue(argv, 'listen-client-urls') ?? env.ETCD_LISTEN_CLIENT_URLS ?? '';
    out.push({ pid, dataDir, listenClientUrls: listen.split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean) });
  }
  return out;
}
