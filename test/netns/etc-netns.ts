// Per-host resolver files in /etc/netns/<ns>/ (what `ip netns exec` bind-mounts over /etc). /etc/netns itself
// is removed again when the bed family created it and its last entry goes; a lock dir serialises parallel beds.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleepSync } from './sys.js';

const ETC_NETNS = '/etc/netns';
// Shared by every bed on the machine, whatever its run id.
const lockDir = (): string => path.join(os.tmpdir(), 'etcd-edge-netns-bed.lock');
const createdMark = (): string => path.join(os.tmpdir(), 'etcd-edge-netns-bed.created-etc-netns');

function locked<T>(fn: () => T): T {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lockDir());
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A holder killed inside the critical section leaves the lock behind; it is stale after 5 s.
      try { if (Date.now() - statSync(lockDir()).mtimeMs > 5000) rmdirSync(lockDir()); } catch { /* released meanwhile */ }
      if (i > 1000) throw new Error(`cannot take ${lockDir()}`, { cause: err });
      sleepSync(10);
    }
  }
  try {
    return fn();
  } finally {
    rmdirSync(lockDir());
  }
}

/** Writes /etc/netns/<ns>/<file> for each file, creating /etc/netns (and remembering that) when it is missing. */
export function writeEtcNetns(ns: string, files: Readonly<Record<string, string>>): void {
  locked(() => {
    if (!existsSync(ETC_NETNS)) {
      mkdirSync(ETC_NETNS, { mode: 0o755 });
      writeFileSync(createdMark(), `${process.pid}\n`);
    }
    mkdirSync(path.join(ETC_NETNS, ns), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(ETC_NETNS, ns, name), content);
  });
}

/** Removes /etc/netns/<ns>, and /etc/netns too when a bed created it and it is now empty. */
export function removeEtcNetns(ns: string): void {
  locked(() => {
    rmSync(path.join(ETC_NETNS, ns), { recursive: true, force: true });
    if (existsSync(createdMark()) && existsSync(ETC_NETNS) && readdirSync(ETC_NETNS).length === 0) {
      rmdirSync(ETC_NETNS);
      rmSync(createdMark(), { force: true });
    }
  });
}

/** Lists the entries of /etc/netns (none when it does not exist). */
export function etcNetnsEntries(): string[] {
  return existsSync(ETC_NETNS) ? readdirSync(ETC_NETNS) : [];
}

/** Describes /etc/netns when a bed created it and left it behind empty, else undefined. */
export function etcNetnsLeftover(): string | undefined {
  const empty = existsSync(ETC_NETNS) && readdirSync(ETC_NETNS).length === 0;
  return empty && existsSync(createdMark()) ? `${ETC_NETNS} (created by a bed, left empty)` : undefined;
}
