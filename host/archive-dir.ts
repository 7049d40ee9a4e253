// Directories set aside instead of deleted: a demoted member's data dir (<name>.etcd.demoted-<stamp>) and a
// promoted proxy's state (proxy.promoted-<stamp>), moved by one rename so nothing is lost and a rollback can
// move them back.
import { existsSync, renameSync } from 'node:fs';
import { EdgeError } from '../core/errors.js';

/** Renames dir to `<dir>.<suffix>`; returns the new path, or undefined when dir does not exist. */
export function archiveDir(dir: string, suffix: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const to = `${dir}.${suffix}`;
  if (existsSync(to)) throw new EdgeError('EDGE_DATA_DIR', `${to} already exists; ${dir} was not moved`, { hint: 'move one of them away by hand' });
  renameSync(dir, to);
  return to;
}

/** Moves an archived directory back to dir; throws when dir exists again. */
export function restoreDir(archived: string, dir: string): void {
  if (existsSync(dir)) throw new EdgeError('EDGE_DATA_DIR', `${dir} exists again; cannot restore ${archived} over it`, { hint: 'move one of them away by hand' });
  renameSync(archived, dir);
}
