// The watchdog of one `up`: a small process that outlives up when up is SIGKILLed and then stops the members in
// order (followers first, the leader last), so the leader need not stall ~7 s in a leadership transfer to
// followers that are stopping too. up runs it under `setpriv --pdeathsig USR2`; members get USR2 (which etcd
// ignores) as their parent-death signal while the watchdog runs, TERM otherwise.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpointStatus } from '../etcd/index.js';
import { hasSetpriv } from '../host/index.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsFiles } from '../core/tls.js';
import { processAlive } from '../host/index.js';
import { findLeftovers } from './leftovers.js';

/** The built watchdog entry point. */
export const WATCHDOG_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/etcd-edge-watchdog.js');

/** What the watchdog needs to find, rank and stop the members. */
export interface WatchdogSpec {
  readonly members: readonly { readonly name: string; readonly dataDir: string; readonly healthUrl: string }[];
  readonly tls?: ClientTlsFiles;
  /** Appended with one line per step (the watchdog has no terminal). */
  readonly logFile: string;
  /** How long each stop (followers, then leader) may take before SIGKILL. */
  readonly graceMs: number;
  /** The up it watches: a watchdog that finds another parent at start (up died first) stops the members at once. */
  readonly upPid: number;
}

/** The line the watchdog prints on stdout once its signal handlers are in place. */
export const WATCHDOG_READY = 'watchdog ready';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stopPids(pids: readonly number[], graceMs: number): Promise<boolean> {
  for (const p of pids) { try { process.kill(p, 'SIGTERM'); } catch { /* gone */ } }
  const t0 = Date.now();
  while (pids.some(processAlive) && Date.now() - t0 < graceMs) await sleep(50);
  const left = pids.filter(processAlive);
  for (const p of left) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  return left.length === 0;
}

/** Stops the members of spec in order: followers first, then the leader; returns the time it took. */
export async function stopMembersInOrder(spec: WatchdogSpec): Promise<number> {
  const t0 = Date.now();
  const note = (msg: string): void => { try { appendFileSync(spec.logFile, `${new Date().toISOString()} ${msg}\n`); } catch { /* no log */ } };
  const tls = spec.tls ? loadClientTls(spec.tls) : undefined;
  const found = findLeftovers(spec.members.map((m) => m.dataDir));
  const ranked = await Promise.all(spec.members.map(async (m) => {
    const st = await endpointStatus(m.healthUrl, { timeoutMs: 1000, ...(tls ? { tls } : {}) }).catch(() => undefined);
    return { name: m.name, leader: st !== undefined && st.leader === st.memberId, pids: found.filter((f) => f.dataDir === path.resolve(m.dataDir)).map((f) => f.pid) };
  }));
  const followers = ranked.filter((r) => !r.leader);
  const leaders = ranked.filter((r) => r.leader);
  note(`up is gone: stopping followers ${JSON.stringify(followers.map((f) => f.name))}, then leader ${JSON.stringify(leaders.map((l) => l.name))}`);
  await stopPids(followers.flatMap((f) => f.pids), spec.graceMs);
  await stopPids(leaders.flatMap((l) => l.pids), spec.graceMs);
  note(`members stopped in ${Date.now() - t0} ms`);
  return Date.now() - t0;
}

/** A running watchdog. */
export interface Watchdog {
  readonly pid: number | undefined;
  /** Ends the watchdog (up stopped the members itself). */
  stop(): void;
}

// Resolves true once the watchdog has printed its ready line (its handlers are installed), false otherwise.
function launch(spec: WatchdogSpec): { child: ChildProcess; ready: Promise<boolean> } {
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'USR2', '--', process.execPath, WATCHDOG_BIN, JSON.stringify(spec)],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  child.unref();
  const ready = new Promise<boolean>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(false), 10_000);
    const done = (ok: boolean): void => { clearTimeout(timer); child.stdout?.destroy(); resolve(ok); };
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes(WATCHDOG_READY)) done(true); });
    child.once('error', () => done(false));
    child.once('exit', () => done(false));
  });
  return { child, ready };
}

/**
 * Starts the watchdog under `setpriv --pdeathsig USR2` and waits until it is ready, restarting it should it die
 * while up runs; resolves undefined without setpriv or when it does not start (members then keep TERM).
 */
export async function startWatchdog(spec: WatchdogSpec, log: Logger): Promise<Watchdog | undefined> {
  if (!hasSetpriv()) return undefined;
  let stopped = false;
  let current = launch(spec);
  if (!(await current.ready)) {
    current.child.kill('SIGKILL');
    log.warn({}, 'watchdog did not start; members stop together if up is killed');
    return undefined;
  }
  const watch = (c: ChildProcess): void => {
    c.once('exit', (code, signal) => {
      if (stopped) return;
      log.warn({ code, signal }, 'watchdog exited; restarting it');
      current = launch(spec);
      watch(current.child);
    });
  };
  watch(current.child);
  return {
    get pid() { return current.child.pid; },
    stop() {
      stopped = true;
      try { current.child.kill('SIGTERM'); } catch { /* gone */ }
    },
  };
}

/** Builds the watchdog's spec for up's members (its log next to theirs). */
export function watchdogSpecFor(members: readonly { name: string; dataDir: string; healthUrl: string; logFile: string }[], tls: ClientTlsFiles | undefined): WatchdogSpec {
  return {
    members: members.map((m) => ({ name: m.name, dataDir: m.dataDir, healthUrl: m.healthUrl })), ...(tls ? { tls } : {}),
    logFile: path.join(path.dirname(members[0]?.logFile ?? '.'), 'watchdog.log'), graceMs: 10_000, upPid: process.pid,
  };
}

/** Tells whether a watchdog (of any up) watches one of dataDirs now, by the spec on its command line. */
export function watchdogRunningFor(dataDirs: readonly string[]): boolean {
  let pids: string[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return false; }
  const base = path.basename(WATCHDOG_BIN);
  return pids.some((pid) => {
    let argv: string[];
    try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return false; }
    if (!argv.some((a) => a.endsWith(base))) return false;
    try {
      const spec = JSON.parse(argv[argv.length - 2] ?? argv[argv.length - 1] ?? '{}') as Partial<WatchdogSpec>;
      return (spec.members ?? []).some((m) => dataDirs.includes(path.resolve(m.dataDir)));
    } catch {
      return false;
    }
  });
}
