// The member's pid file, <data-dir>/<name>.pid, written by `promote` next to the member's data dir: which
// etcd-edge process supervises the member, the etcd pid, and the URLs `demote` needs to find the cluster.
import { readFileSync, rmSync } from 'node:fs';
import { etcdEdgeSubcommand, processAlive, readCmdline, writeFileAtomic } from '../host/index.js';

/** What the pid file holds (JSON). */
export interface MemberPidRecord {
  /** The supervising `etcd-edge promote` process. */
  readonly pid: number;
  /** The etcd process it runs (changes after a restart). */
  readonly etcdPid: number;
  readonly name: string;
  readonly clientUrls: readonly string[];
  /** The client URLs etcd binds: where local clients connect, and where a replacing proxy should listen. */
  readonly listenClientUrls: readonly string[];
  readonly peerUrls: readonly string[];
  /** Client URLs of the other members when it was written. */
  readonly endpoints: readonly string[];
}

/** Writes the pid file atomically (tmp + rename), mode 0644. */
export function writeMemberPid(file: string, rec: MemberPidRecord): void {
  writeFileAtomic(file, JSON.stringify(rec) + '\n', { mode: 0o644, mkdirMode: 0o700 });
}

/** Reads the pid file; undefined when it is absent or not ours. */
export function readMemberPid(file: string): MemberPidRecord | undefined {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<MemberPidRecord>;
    if (typeof j.pid !== 'number' || typeof j.etcdPid !== 'number' || typeof j.name !== 'string') return undefined;
    const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { pid: j.pid, etcdPid: j.etcdPid, name: j.name, clientUrls: strs(j.clientUrls), listenClientUrls: strs(j.listenClientUrls), peerUrls: strs(j.peerUrls), endpoints: strs(j.endpoints) };
  } catch {
    return undefined;
  }
}

/** Removes the pid file if it still names ownPid. */
export function removeMemberPid(file: string, ownPid: number): void {
  if (readMemberPid(file)?.pid === ownPid) rmSync(file, { force: true });
}

/** The live `etcd-edge promote` the pid file names, checked through /proc; undefined otherwise. */
export function promoteSupervisor(rec: MemberPidRecord | undefined): number | undefined {
  if (!rec || !processAlive(rec.pid)) return undefined;
  return etcdEdgeSubcommand(readCmdline(rec.pid) ?? []) === 'promote' ? rec.pid : undefined;
}
