// The bundled layout's memory of membership changes: <data-dir>/removed-members.json names the members the cluster
// removed (demote, or `member remove`) while `up` ran them. A restarted bundled `up` starts what the cluster now is:
// a removed member whose data dir is gone stays stopped; one with data again (promote brought it back) starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDirLayout, isInitialized } from '../host/index.js';
import { writeFileAtomic } from '../host/index.js';
import type { Topology } from './topology.js';

/** The record's path under up's --data-dir. */
export function removedMembersPath(stateDir: string): string {
  return dataDirLayout(stateDir).removedMembers;
}

/** Reads the names of removed members; empty when the file is absent or malformed. */
export function readRemovedMembers(stateDir: string): string[] {
  try {
    const j = JSON.parse(readFileSync(removedMembersPath(stateDir), 'utf8')) as { removed?: unknown };
    return Array.isArray(j.removed) ? j.removed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Writes the names atomically (tmp + rename). */
export function writeRemovedMembers(stateDir: string, names: readonly string[]): void {
  const file = removedMembersPath(stateDir);
  writeFileAtomic(file, JSON.stringify({ removed: [...new Set(names)].sort() }) + '\n', { mode: 0o644, mkdirMode: 0o700 });
}

/** Records that the cluster removed a member up ran. */
export function markRemoved(stateDir: string, name: string): void {
  writeRemovedMembers(stateDir, [...readRemovedMembers(stateDir), name]);
}

/**
 * Applies the record to the bundled topology: a removed member without data becomes a standby (not started); a
 * removed member whose data dir is initialized again was promoted back and runs, and leaves the record.
 */
export function applyRemovedMembers(t: Topology, stateDir: string): { topology: Topology; notes: string[] } {
  const removed = readRemovedMembers(stateDir);
  if (removed.length === 0) return { topology: t, notes: [] };
  const notes: string[] = [];
  const back: string[] = [];
  const hosts = t.hosts.map((h) => {
    const m = h.member;
    if (!m || !removed.includes(m.name)) return h;
    if (isInitialized(dataDirLayout(path.resolve(stateDir)).memberDataDir(m.name, m.dataDir))) { back.push(m.name); return h; }
    notes.push(`member ${m.name} was removed from the cluster (demoted) and has no data dir: not starting it; etcd-edge promote --name ${m.name} --data-dir ${stateDir} brings it back`);
    return { ...h, role: 'proxy' as const, member: undefined, standby: m };
  });
  if (back.length > 0) writeRemovedMembers(stateDir, removed.filter((n) => !back.includes(n)));
  return { topology: Object.freeze({ ...t, hosts }), notes };
}
