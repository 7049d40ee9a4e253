// <data-dir>/up.json (host state): what a running `etcd-edge up` runs on this host (its members and edge components), so other
// commands can tell whether stopping that up would stop only what they mean to stop (promote and a proxy-role host).
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { dataDirLayout } from './layout.js';

/** The record, as JSON. */
export interface UpRecord {
  readonly pid: number;
  readonly host: string | undefined;
  readonly members: readonly string[];
  readonly edge: readonly { readonly kind: string; readonly address: string }[];
}

/** The record's path under up's --data-dir. */
export function upRecordPath(stateDir: string): string {
  return dataDirLayout(stateDir).upRecord;
}

/** Writes the record atomically (tmp + rename). */
export function writeUpRecord(stateDir: string, rec: UpRecord): void {
  const file = upRecordPath(stateDir);
  // An up that runs only edge components has created no member dir under stateDir yet.
  writeFileAtomic(file, JSON.stringify(rec) + '\n', { mode: 0o644, mkdirMode: 0o700 });
}

/** Reads the record; undefined when absent or malformed. */
export function readUpRecord(stateDir: string): UpRecord | undefined {
  try {
    const j = JSON.parse(readFileSync(upRecordPath(stateDir), 'utf8')) as Partial<UpRecord>;
    if (typeof j.pid !== 'number' || !Array.isArray(j.members) || !Array.isArray(j.edge)) return undefined;
    return { pid: j.pid, host: typeof j.host === 'string' ? j.host : undefined, members: j.members.map(String), edge: j.edge.map((e) => ({ kind: String(e.kind), address: String(e.address) })) };
  } catch {
    return undefined;
  }
}

/** Removes the record if it is still pid's. */
export function removeUpRecord(stateDir: string, pid: number): void {
  if (readUpRecord(stateDir)?.pid === pid) rmSync(upRecordPath(stateDir), { force: true });
}
