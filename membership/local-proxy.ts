// This host's etcd-edge proxy, found through its pid file <data-dir>/proxy/pid: checked to really be an
// `etcd-edge proxy` of that data dir (or the proxy a `demote` runs in its own process, restarted from its
// flags record), recorded (argv, cwd, ETCD_* env) so it can be restarted as it was, stopped with SIGTERM, and
// its state dir moved aside (and back) so the host can switch roles.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { sleep } from '../core/lifecycle.js';
import { ETCD_EDGE_BIN, listenUrlsOf, proxyArgv, readProxyFlags } from './proxy-flags.js';
import type { ProxyFlagsRecord } from './proxy-flags.js';
import { archiveDir, dataDirLayout, etcdEdgeSubcommand, flagValue, processAlive, readCmdline, readCwd, readEnviron, readPidFile, readUpRecord, restoreDir, signalPid, waitGone } from '../host/index.js';

/** A running proxy as found, with what it takes to start it again. */
export interface ProxyRecord {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly listenUrls: readonly string[];
  /** It runs inside an `etcd-edge promote`, next to that promote's member: never to be stopped by another promote. */
  readonly insidePromote?: boolean;
}

/** Returns the proxy's state dir, pid and cluster files under a data dir (the layout the proxy itself uses). */
export function proxyPaths(dataDir: string): { dir: string; pid: string; cluster: string; flags: string } {
  return dataDirLayout(dataDir).proxy;
}

/** Keeps the variables an etcd-edge proxy reads (ETCD_*) and the few a process needs. */
export function proxyEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('ETCD_') || ['PATH', 'HOME', 'LANG', 'TZ'].includes(k)) out[k] = v;
  return out;
}

/** The live process holding <data-dir>/proxy/pid (a proxy, or an up, promote or demote running one), if any. */
export function proxyDirHolder(dataDir: string): { pid: number; what: string } | undefined {
  const pid = readPidFile(proxyPaths(dataDir).pid);
  if (pid === undefined || !processAlive(pid)) return undefined;
  const sub = etcdEdgeSubcommand(readCmdline(pid) ?? []);
  return { pid, what: sub ? `etcd-edge ${sub}` : 'a process' };
}

/**
 * The proxy of dataDir runs inside `etcd-edge up` (a role: proxy host). Stopping that up is stopping the proxy
 * only when up.json says it runs nothing else; restarting it on a rollback reruns the same up.
 */
export function upRunningOnlyTheProxy(dataDir: string, pid: number, argv: readonly string[]): ProxyRecord {
  const rec = readUpRecord(dataDir);
  const others = rec ? [...rec.members.map((m) => `member ${m}`), ...rec.edge.filter((e) => e.kind !== 'proxy').map((e) => `${e.kind} ${e.address}`)] : [];
  const proxies = rec?.edge.filter((e) => e.kind === 'proxy') ?? [];
  if (!rec || rec.pid !== pid || others.length > 0 || proxies.length !== 1) {
    throw new EdgeError('EDGE_MEMBERSHIP', `the proxy of ${JSON.stringify(dataDir)} runs inside etcd-edge up (pid ${pid})${others.length ? `, which also runs ${others.join(', ')}` : ''}`, {
      hint: 'stopping it would stop the rest too: run the proxy on its own (etcd-edge proxy, as etcd-edge plan prints it), or give this host role: proxy with nothing else in the topology',
    });
  }
  return Object.freeze({ pid, argv, cwd: readCwd(pid) ?? '/', env: proxyEnv(readEnviron(pid)), listenUrls: [proxies[0]?.address ?? ''] });
}

/**
 * The proxy of dataDir runs inside `etcd-edge promote` or `demote` (process pid, its subcommand sub), from the
 * flags in rec. A demote runs nothing else any more: stopping it (SIGTERM, it then exits 0) stops the proxy, and
 * a rollback starts a standalone `etcd-edge proxy` with the same flags. A promote also runs its member: recorded
 * as insidePromote, which refuseInsidePromote turns down before a join would stop it.
 */
export function hostedProxy(dataDir: string, pid: number, sub: 'promote' | 'demote', rec: ProxyFlagsRecord | undefined, env: Readonly<Record<string, string>>): ProxyRecord {
  const own = rec?.pid === pid ? rec : undefined;
  if (sub === 'promote') return Object.freeze({ pid, argv: [], cwd: '/', env: {}, listenUrls: own ? listenUrlsOf(own.flags) : [], insidePromote: true });
  const file = dataDirLayout(dataDir).proxy.flags;
  if (!own) {
    throw new EdgeError('EDGE_MEMBERSHIP', `the proxy of ${JSON.stringify(dataDir)} runs inside etcd-edge demote (pid ${pid}), but ${file} does not record its flags`, {
      hint: `stop that demote (Ctrl-C, or kill -TERM ${pid}), start the proxy with etcd-edge proxy --data-dir ${dataDir} ..., then run promote again`,
    });
  }
  const keep: Record<string, string> = { PATH: env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...(env.HOME ? { HOME: env.HOME } : {}) };
  return Object.freeze({ pid, argv: [process.execPath, ETCD_EDGE_BIN, 'proxy', ...proxyArgv(own.flags)], cwd: '/', env: keep, listenUrls: listenUrlsOf(own.flags) });
}

/** Throws when the proxy to stop runs inside another promote: stopping it would stop that promote's member too. */
export function refuseInsidePromote(dataDir: string, rec: ProxyRecord | undefined): void {
  if (!rec?.insidePromote) return;
  throw new EdgeError('EDGE_MEMBERSHIP', `the proxy of ${JSON.stringify(dataDir)} runs inside etcd-edge promote (pid ${rec.pid}), which also runs a member`, {
    hint: 'stopping it would stop that member too: pass another --data-dir, or stop that promote (or demote its member) first',
  });
}

/** Finds the running proxy of dataDir; undefined when none runs; throws when the pid file names something else. */
export function findLocalProxy(dataDir: string): ProxyRecord | undefined {
  const file = proxyPaths(dataDir).pid;
  const pid = readPidFile(file);
  if (pid === undefined || !processAlive(pid)) return undefined;
  const argv = readCmdline(pid) ?? [];
  const sub = etcdEdgeSubcommand(argv);
  if (sub === 'up') return upRunningOnlyTheProxy(dataDir, pid, argv);
  if (sub === 'promote' || sub === 'demote') return hostedProxy(dataDir, pid, sub, readProxyFlags(dataDir), readEnviron(pid));
  if (sub !== 'proxy') {
    throw new EdgeError('EDGE_MEMBERSHIP', `${file} names pid ${pid}, which is not an etcd-edge proxy (${JSON.stringify(argv.slice(0, 3).join(' '))})`, {
      hint: `if no proxy runs on this data dir, remove the stale ${file}`,
    });
  }
  const cwd = readCwd(pid) ?? '/';
  const env = proxyEnv(readEnviron(pid));
  const own = path.resolve(cwd, flagValue(argv, 'data-dir') ?? env.ETCD_DATA_DIR ?? 'default.etcd');
  if (own !== path.resolve(dataDir)) {
    throw new EdgeError('EDGE_MEMBERSHIP', `pid ${pid} is the etcd-edge proxy of ${JSON.stringify(own)}, not of ${JSON.stringify(dataDir)}`, {
      hint: `pass --data-dir ${own} if that is the proxy to promote`,
    });
  }
  const listen = flagValue(argv, 'listen-client-urls') ?? env.ETCD_LISTEN_CLIENT_URLS ?? 'http://127.0.0.1:2379';
  return Object.freeze({ pid, argv, cwd, env, listenUrls: listen.split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean) });
}

/** Sends SIGTERM and waits for the proxy to exit, or throws EDGE_TIMEOUT. */
export async function stopLocalProxy(rec: ProxyRecord, timeoutMs: number): Promise<void> {
  signalPid(rec.pid, 'SIGTERM');
  if (!(await waitGone(rec.pid, timeoutMs))) {
    throw new EdgeError('EDGE_TIMEOUT', `the proxy (pid ${rec.pid}) did not exit within ${timeoutMs}ms of SIGTERM`, {
      hint: 'it may be draining long requests; raise --proxy-stop-timeout or stop it yourself, then run promote again',
    });
  }
}

/** Moves <data-dir>/proxy to <data-dir>/proxy.promoted-<stamp>; returns the new path, or undefined if there was none. */
export function moveProxyState(dataDir: string, stamp: string): string | undefined {
  return archiveDir(proxyPaths(dataDir).dir, `promoted-${stamp}`);
}

/** Moves an archived proxy state back to <data-dir>/proxy. */
export function restoreProxyState(dataDir: string, archived: string): void {
  restoreDir(archived, proxyPaths(dataDir).dir);
}

function canConnect(url: string): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const s = net.connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port: Number(u.port) });
    s.setTimeout(1000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

/**
 * Starts the recorded proxy again, detached (its own session, outliving this command), output appended to
 * logFile; resolves with its pid once it accepts connections, or throws if it exits or times out.
 */
export async function restartProxy(rec: ProxyRecord, logFile: string, timeoutMs: number): Promise<number> {
  mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a', 0o600);
  const [cmd, ...args] = rec.argv;
  let child;
  try {
    child = spawn(cmd ?? process.execPath, args, { cwd: rec.cwd, env: { ...rec.env }, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new EdgeError('EDGE_INTERNAL', `could not start ${JSON.stringify(rec.argv.join(' '))}`, { hint: `see ${logFile}` });
  const t0 = Date.now();
  for (;;) {
    if (!processAlive(pid)) throw new EdgeError('EDGE_MEMBERSHIP', `the restarted proxy (pid ${pid}) exited`, { hint: `see ${logFile}` });
    if (await canConnect(rec.listenUrls[0] ?? 'http://127.0.0.1:2379')) return pid;
    if (Date.now() - t0 > timeoutMs) throw new EdgeError('EDGE_TIMEOUT', `the restarted proxy (pid ${pid}) does not accept connections`, { hint: `see ${logFile}` });
    await sleep(200);
  }
}
