// What an etcd member's data dir holds, read the same way by `up` (bootstrap flags or not) and `promote`
// (joined before or not).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** What a member's data dir holds: nothing yet, a member with a WAL, or a member/ without a usable WAL. */
export type DataDirState = 'empty' | 'initialized' | 'damaged';

/**
 * Reads a data dir's state. A member/ without WAL files is "damaged": started without bootstrap flags, etcd 3.4
 * would silently bootstrap a new one-member cluster there and log "cluster ID mismatch" forever.
 */
export function dataDirState(dataDir: string): DataDirState {
  if (!existsSync(path.join(dataDir, 'member'))) return 'empty';
  try {
    return readdirSync(path.join(dataDir, 'member', 'wal')).some((f) => f.endsWith('.wal')) ? 'initialized' : 'damaged';
  } catch {
    return 'damaged';
  }
}

/** Tells whether a data dir already holds an initialized member (member/wal with WAL files). */
export function isInitialized(dataDir: string): boolean {
  return dataDirState(dataDir) === 'initialized';
}
