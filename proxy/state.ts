// The proxy's state in <data-dir>/proxy/: the `cluster` file etcd's proxy writes ({"PeerURLs":[...]}, 0600,
// tmp + rename after every successful refresh; etcdmain/etcd.go startProxy) and our `pid` file, which lets
// `promote` stop the proxy and keeps two proxies off one data dir.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { writeFileAtomic } from '../host/atomic-file.js';
import { dataDirLayout } from '../host/layout.js';
import { processAlive, readPidFile } from '../host/proc.js';

/** Returns the paths of the proxy's state files under a data dir. */
export function statePaths(dataDir: string): { dir: string; cluster: string; pid: string } {
  return dataDirLayout(dataDir).proxy;
}

/** Reads the persisted peer URLs; undefined when the file is absent or holds no usable list. */
export function readClusterFile(file: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as { PeerURLs?: unknown };
    const urls = Array.isArray(j.PeerURLs) ? j.PeerURLs.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u)) : [];
    return urls.length > 0 ? urls : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the peer URLs, sorted, as etcd does: a temporary file, mode 0600, renamed over the old one. */
export function writeClusterFile(file: string, peers: readonly string[]): void {
  writeFileAtomic(file, JSON.stringify({ PeerURLs: [...peers].sort() }), { mode: 0o600, mkdirMode: 0o700 });
}

/** Claims the pid file for ownPid, refusing when it names another live process. */
export function claimPidFile(file: string, ownPid: number, alive: (pid: number) => boolean = processAlive): void {
  const other = readPidFile(file);
  if (other !== undefined && other !== ownPid && alive(other)) {
    throw new EdgeError('EDGE_DATA_DIR', `another proxy (pid ${other}) is using ${JSON.stringify(path.dirname(path.dirname(file)))}`, {
      hint: `stop it first (kill ${other}), or give this proxy its own --data-dir`,
    });
  }
  try {
    writeFileAtomic(file, `${ownPid}\n`, { mode: 0o644, mkdirMode: 0o700 });
  } catch (cause) {
    throw new EdgeError('EDGE_DATA_DIR', `cannot write the pid file ${JSON.stringify(file)}: ${(cause as Error).message}`, {
      hint: 'check that --data-dir is writable', cause,
    });
  }
}

/** Removes the pid file if it still names ownPid. */
export function releasePidFile(file: string, ownPid: number): void {
  try {
    if (readPidFile(file) === ownPid) rmSync(file, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}
