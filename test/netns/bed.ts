// The network-namespace test bed: hosts as namespaces joined by two bridges in a switch namespace (private
// 10.231.0.0/24, public 10.232.0.0/24), nothing in the root namespace, and a teardown that leaves nothing behind.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon } from './daemon.js';
import { writeEtcNetns } from './etc-netns.js';
import type { Daemon } from './daemon.js';
import { leftovers, linkChanges, newRunId, removeNamespace, runDir, sweepStaleRuns, writeOwner } from './runs.js';
import { alive, nsPids, procCmdline, requireRootAndTools, rootLinks, run, signal, sleepSync } from './sys.js';

/** The built CLI, resolved relative to this built file (build/test/netns → build/bin): never a global install. */
export const ETCD_EDGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/etcd-edge.js');

/** One machine of the bed. */
export interface HostSpec {
  readonly name: string;
  /** Address on the private cluster network 10.231.0.0/24 (eth0). */
  readonly private?: string;
  /** Address on the public network 10.232.0.0/24 (eth1). */
  readonly public?: string;
  /** The nameserver of this host's resolv.conf (default: none reachable). */
  readonly nameserver?: string;
}

/** The result of a command run in a host. */
export interface ExecResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/** A running bed. */
export interface Bed {
  readonly id: string;
  /** The run's state dir (logs, pid files, data dirs, keys); removed by close(). */
  readonly dir: string;
  /** What the start-up sweep removed from aborted earlier runs (namespaces, /etc/netns entries, state dirs). */
  readonly swept: readonly string[];
  /** The namespace name of a host. */
  ns(host: string): string;
  /** Runs a command to completion inside a host (through `ip netns exec`, so with its resolv.conf). */
  exec(host: string, cmd: string, args: readonly string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<ExecResult>;
  /** Runs a command to completion inside the switch namespace (for checks). */
  execSwitch(cmd: string, args: readonly string[]): Promise<ExecResult>;
  /** Starts a daemon inside a host; it is stopped by close(). */
  start(host: string, name: string, cmd: string, args: readonly string[], opts?: { env?: Record<string, string> }): Promise<Daemon>;
  /** Starts `node build/bin/etcd-edge.js ARGS` inside a host and waits for its ready line. */
  edge(host: string, name: string, args: readonly string[], ready: RegExp, timeoutMs?: number): Promise<Daemon>;
  /**
   * Kills every process of a host with SIGKILL, as if the machine died: the daemons' children first, so their
   * parents reap them, then the daemons. Resolves with the command lines killed, once the namespace is empty.
   */
  crash(host: string): Promise<string[][]>;
  /** The processes running in a host now (daemons and their children), with their command lines. */
  processes(host: string): { pid: number; argv: string[] }[];
  /** The daemons started so far, in start order. */
  daemons(): readonly Daemon[];
  /** Stops every process, deletes every namespace, /etc/netns entry and the state dir; idempotent, synchronous. */
  close(): void;
  /** What is left behind after close() (empty when the teardown was complete). */
  leftovers(): string[];
  /** Links added to or removed from the root namespace since the bed was created (empty: untouched). */
  rootLinkChanges(): string[];
  /** Registers extra teardown work (run after the daemons stop, before the namespaces go). */
  onClose(fn: () => void): void;
  /** Prints the tail of every daemon's log to stderr (for failures). */
  dumpLogs(lines?: number): void;
}

const TOOLS = [
  { bin: 'ip', deb: 'iproute2' }, { bin: 'setsid', deb: 'util-linux' }, { bin: 'etcd', deb: 'etcd-server' },
  { bin: 'etcdctl', deb: 'etcd-client' }, { bin: 'curl', deb: 'curl' }, { bin: 'dig', deb: 'bind9-dnsutils' },
  { bin: 'ssh-keygen', deb: 'openssh-client' },
];

/** The clean environment of every process in the bed. */
export function bedEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: path.join(dir, 'home'), LANG: 'C.UTF-8', ...extra };
}

function setupHost(ns: string, sw: string, h: HostSpec): void {
  run('ip', ['netns', 'add', ns]);
  // IPv6 off before any interface exists (no link-local, DAD or MLD traffic); no forwarding between networks.
  run('ip', ['netns', 'exec', ns, 'sh', '-c',
    'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 >/proc/sys/net/ipv4/ip_forward']);
  run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const legs: [string, string, string | undefined][] = [['p', 'eth0', h.private], ['u', 'eth1', h.public]];
  for (const [net, dev, ip] of legs) {
    if (ip === undefined) continue;
    const port = `${net}-${h.name}`.slice(0, 15);
    // One end directly in the switch, the other directly in the host: nothing is created in the root namespace.
    run('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', dev, 'netns', ns]);
    run('ip', ['-n', sw, 'link', 'set', port, 'master', net === 'p' ? 'brpriv' : 'brpub', 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
    run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  writeEtcNetns(ns, {
    'resolv.conf': h.nameserver === undefined
      ? '# no DNS server in this bed: lookups fail at once on loopback\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n'
      : `nameserver ${h.nameserver}\noptions timeout:1 attempts:2\n`,
    hosts: `127.0.0.1 localhost\n${h.private ?? h.public ?? '127.0.0.1'} ${h.name}\n`,
  });
}

function setupSwitch(sw: string): void {
  run('ip', ['netns', 'add', sw]);
  run('ip', ['netns', 'exec', sw, 'sh', '-c',
    'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 >/proc/sys/net/ipv4/ip_forward']);
  for (const br of ['brpriv', 'brpub']) {
    // No IP and no physical port: the bridges only join the hosts' veths.
    run('ip', ['-n', sw, 'link', 'add', br, 'type', 'bridge']);
    run('ip', ['-n', sw, 'link', 'set', br, 'up']);
  }
}

/** The mutable state of one bed, owned by createBed's closures. */
interface BedState {
  readonly id: string;
  readonly dir: string;
  readonly hosts: readonly HostSpec[];
  readonly sw: string;
  readonly started: Daemon[];
  readonly cleanups: (() => void)[];
  closed: boolean;
}

/**
 * Returns the bed's idempotent teardown, also registered for process exit and for SIGINT/SIGTERM: the daemons
 * have their own sessions and would outlive an interrupted run, so the signal is raised again only afterwards.
 */
function teardownFor(s: BedState): () => void {
  const onSignal = (sig: NodeJS.Signals): void => { close(); process.kill(process.pid, sig); };
  const close = (): void => {
    if (s.closed) return;
    s.closed = true;
    process.off('exit', close);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const namespaces = s.hosts.map((h) => `${s.id}-${h.name}`);
    stopAll(s.started, namespaces);
    for (const c of s.cleanups.reverse()) c();
    for (const n of namespaces) removeNamespace(n);
    removeNamespace(s.sw);
    rmSync(s.dir, { recursive: true, force: true });
  };
  process.once('exit', close);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return close;
}

/** Creates the bed: sweeps aborted runs of the family, then builds the switch and the hosts. */
export function createBed(hosts: readonly HostSpec[]): Bed {
  requireRootAndTools(TOOLS);
  const swept = sweepStaleRuns();
  const id = newRunId();
  const dir = runDir(id);
  mkdirSync(path.join(dir, 'home'), { recursive: true, mode: 0o700 });
  writeOwner(id);
  const linksBefore = rootLinks();
  const s: BedState = { id, dir, hosts, sw: `${id}-sw`, started: [], cleanups: [], closed: false };
  const close = teardownFor(s);
  const ns = (h: string): string => {
    if (!hosts.some((x) => x.name === h)) throw new Error(`no host ${h} in this bed`);
    return `${id}-${h}`;
  };
  try {
    setupSwitch(s.sw);
    for (const h of hosts) setupHost(ns(h.name), s.sw, h);
  } catch (err) {
    close();
    throw err;
  }
  const bed: Bed = {
    id, dir, ns, swept, close,
    exec: (host, cmd, args, opts = {}) => execIn(ns(host), cmd, args, { env: bedEnv(dir, opts.env), timeoutMs: opts.timeoutMs ?? 20_000, cwd: dir }),
    execSwitch: (cmd, args) => execIn(s.sw, cmd, args, { env: bedEnv(dir), timeoutMs: 20_000, cwd: dir }),
    async start(host, name, cmd, args, opts = {}) {
      if (s.closed) throw new Error('the bed is closed');
      const d = await startDaemon({ ns: ns(host), host, name, dir, cmd, args, env: bedEnv(dir, opts.env) });
      s.started.push(d);
      return d;
    },
    async edge(host, name, args, ready, timeoutMs = 60_000) {
      const d = await bed.start(host, name, process.execPath, [ETCD_EDGE, ...args]);
      await d.waitFor(ready, timeoutMs);
      return d;
    },
    crash: (host) => crash(ns(host), s.started.filter((d) => d.host === host)),
    processes: (host) => nsPids(ns(host)).map((pid) => ({ pid, argv: procCmdline(pid) })),
    daemons: () => [...s.started],
    leftovers: () => leftovers(id, linksBefore, rootLinks()),
    rootLinkChanges: () => linkChanges(linksBefore, rootLinks()),
    onClose: (fn) => { s.cleanups.push(fn); },
    dumpLogs(lines = 40) {
      for (const d of s.started) process.stderr.write(`\n----- ${d.host}/${d.name} (pid ${d.pid}) -----\n${d.log().split('\n').slice(-lines).join('\n')}\n`);
    },
  };
  return bed;
}

function execIn(ns: string, cmd: string, args: readonly string[], o: { env: Record<string, string>; timeoutMs: number; cwd: string }): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, cmd, ...args], { env: o.env, timeout: o.timeoutMs, cwd: o.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 124) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function crash(ns: string, daemons: readonly Daemon[]): Promise<string[][]> {
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const own = new Set(daemons.map((d) => d.pid));
  const killed = new Map<number, string[]>();
  const kill = (p: number): void => { if (!killed.has(p)) killed.set(p, procCmdline(p)); signal(p, 'SIGKILL'); };
  const kids = nsPids(ns).filter((p) => !own.has(p));
  kids.forEach(kill);
  for (let i = 0; i < 100 && kids.some((p) => alive(p)); i++) await pause(10);
  for (const d of daemons) if (d.running()) kill(d.pid);
  for (let i = 0; i < 100; i++) {
    const left = nsPids(ns);
    if (left.length === 0) return [...killed.values()];
    // A supervisor that restarted its member before it was killed leaves that member behind: kill it too.
    left.forEach(kill);
    await pause(50);
  }
  throw new Error(`processes still run in ${ns}: ${nsPids(ns).join(' ')}`);
}

/**
 * Stops the daemons: SIGTERM in reverse start order, up to 2 s to exit (an etcd leader stopping while its
 * followers stop can hang in leadership transfer, gotcha 12), then SIGKILL to the daemons' own children first
 * (their parents reap them), then to the daemons, then a sweep of `ip netns pids` until every namespace is empty.
 */
function stopAll(daemons: readonly Daemon[], namespaces: readonly string[]): void {
  const mine = [...daemons].reverse();
  for (const d of mine) d.kill('SIGTERM');
  for (let i = 0; i < 20 && mine.some((d) => d.running()); i++) sleepSync(100);
  const own = new Set(mine.map((d) => d.pid));
  const others = (): number[] => namespaces.flatMap((n) => nsPids(n)).filter((p) => !own.has(p));
  for (const p of others()) signal(p, 'SIGKILL');
  for (let i = 0; i < 10 && others().length > 0; i++) sleepSync(50);
  for (const d of mine) d.kill('SIGKILL');
  for (let i = 0; i < 50; i++) {
    const left = namespaces.flatMap((n) => nsPids(n));
    if (left.length === 0) break;
    for (const p of left) if (alive(p)) signal(p, 'SIGKILL');
    sleepSync(100);
  }
}
