// Run identity of the network-namespace bed: a unique `ee9-<random>` prefix per run, an owner file naming the
// test process, the sweep of namespaces and state dirs left by aborted runs, and the "nothing left" check.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { etcNetnsEntries, etcNetnsLeftover, removeEtcNetns } from './etc-netns.js';
import { alive, listNetns, nsPids, procStat, signal, sleepSync, tryRun } from './sys.js';

/** The prefix family of every bed name: namespaces `ee9-<id>-<host>`, state dirs `<tmp>/ee9-<id>`. */
export const FAMILY = 'ee9';
const RUN_RE = new RegExp(`^(${FAMILY}-[a-z0-9]{6})(?:-|$)`);

/** Makes a new run id such as `ee9-k3x9q2`. */
export function newRunId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${FAMILY}-${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Returns the state dir of a run: on the disk-backed temp dir, because members preallocate 128 MB of WAL. */
export function runDir(id: string): string {
  return path.join(os.tmpdir(), id);
}

/** Records this process as the owner of a run, before any namespace of it exists. */
export function writeOwner(id: string): void {
  const s = procStat(process.pid);
  writeFileSync(path.join(runDir(id), 'owner'), `${process.pid} ${s?.startTime ?? ''}\n`);
}

function ownerAlive(id: string): boolean {
  try {
    const [pid, start] = readFileSync(path.join(runDir(id), 'owner'), 'utf8').trim().split(' ');
    return alive(Number(pid), start);
  } catch {
    return false;
  }
}

/** Removes one namespace: kills what runs in it by PID, deletes it and its /etc/netns entry. */
export function removeNamespace(ns: string): void {
  for (let i = 0; i < 50; i++) {
    const pids = nsPids(ns);
    if (pids.length === 0) break;
    for (const p of pids) signal(p, 'SIGKILL');
    sleepSync(100);
  }
  tryRun('ip', ['netns', 'del', ns]);
  removeEtcNetns(ns);
}

/** Cleans up after aborted earlier runs of the family whose owner process is gone; returns what it removed. */
export function sweepStaleRuns(): string[] {
  const removed: string[] = [];
  const runs = new Set<string>();
  for (const ns of listNetns()) { const m = RUN_RE.exec(ns); if (m?.[1]) runs.add(m[1]); }
  const etcNetns = etcNetnsEntries();
  for (const e of etcNetns) { const m = RUN_RE.exec(e); if (m?.[1]) runs.add(m[1]); }
  for (const e of readdirSync(os.tmpdir())) { const m = RUN_RE.exec(e); if (m?.[1] && m[1] === e) runs.add(m[1]); }
  for (const id of runs) {
    if (ownerAlive(id)) continue;
    // Host namespaces first, the switch last, so no veth end outlives its bridge for long.
    const mine = listNetns().filter((ns) => ns.startsWith(`${id}-`)).sort((a, b) => Number(a.endsWith('-sw')) - Number(b.endsWith('-sw')));
    for (const ns of mine) { removeNamespace(ns); removed.push(ns); }
    for (const e of etcNetns.filter((x) => x.startsWith(`${id}-`) && !mine.includes(x))) { removeEtcNetns(e); removed.push(`/etc/netns/${e}`); }
    rmSync(runDir(id), { recursive: true, force: true });
    removed.push(runDir(id));
  }
  return removed;
}

/** Lists what a run left behind: namespaces, /etc/netns entries, its state dir, changed root links. */
export function leftovers(id: string, rootLinksBefore: readonly string[], rootLinksNow: readonly string[]): string[] {
  const out: string[] = [];
  for (const ns of listNetns()) if (ns.startsWith(`${id}-`)) out.push(`namespace ${ns}`);
  for (const e of etcNetnsEntries()) if (e.startsWith(`${id}-`)) out.push(`/etc/netns/${e}`);
  const etc = etcNetnsLeftover();
  if (etc) out.push(etc);
  if (existsSync(runDir(id))) out.push(`state dir ${runDir(id)}`);
  return [...out, ...linkChanges(rootLinksBefore, rootLinksNow)];
}

/** Compares two root-namespace link lists. */
export function linkChanges(before: readonly string[], now: readonly string[]): string[] {
  const b = new Set(before);
  const n = new Set(now);
  return [...now.filter((l) => !b.has(l)).map((l) => `new root-namespace link ${l}`), ...before.filter((l) => !n.has(l)).map((l) => `missing root-namespace link ${l}`)];
}
