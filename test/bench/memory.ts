// Memory per subcommand, measured by the bench before any load: "load" is the peak RSS of `etcd-edge <command>
// --help` (wait4's ru_maxrss through /usr/bin/time), which loads the command's modules and nothing else; "idle" is
// VmRSS a few seconds after the ready line, for the bench's own targets (ours and the anchors) and for
// `discovery serve` and `dns serve`, started for the purpose against the bench cluster.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, BIN_NODE_FLAGS, cleanEnv } from '../helpers/bin.js';
import type { BenchCluster } from './cluster.js';
import type { TargetId } from './plan.js';
import { parseStatusKb } from './procfs.js';
import type { BenchProc, ProcSet } from './procs.js';
import type { Target } from './targets.js';

/** The subcommands whose load cost the bench reports, as argv. */
export const LOAD_COMMANDS: readonly (readonly string[])[] = [
  ['proxy'], ['gateway', 'start'], ['discovery', 'serve'], ['dns', 'serve'], ['tunnel'], ['up'], ['status'], ['member', 'list'], ['certs', 'ca'],
];

/** Idle RSS of a process, and what it is. */
export interface IdleRss {
  /** A subcommand (`proxy`, `discovery serve`) or a bench target. */
  readonly what: string;
  readonly target?: TargetId;
  readonly idleMb: number | undefined;
  /** VmHWM at that moment: the peak since start, for the processes the bench puts no load on. */
  readonly startPeakMb: number | undefined;
}

/** What the memory pass measured. */
export interface MemoryReport {
  /** Peak RSS of `<command> --help`, in MB, by command. */
  readonly load: readonly { readonly command: string; readonly mb: number | undefined }[];
  /** Peak RSS of Node itself with the same flags, running nothing. */
  readonly bareNodeMb: number | undefined;
  readonly idle: readonly IdleRss[];
  /** How long after the ready line idle RSS was read. */
  readonly settleS: number;
}

/** Parses the last line of /usr/bin/time -f %M output (kB) into MB; undefined when it is not a number. */
export function parseMaxRssKb(stderr: string): number | undefined {
  const last = stderr.trim().split('\n').pop()?.trim() ?? '';
  return /^\d+$/.test(last) ? Number(last) / 1024 : undefined;
}

function maxRss(nodeArgs: readonly string[]): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('/usr/bin/time', ['-f', '%M', process.execPath, ...BIN_NODE_FLAGS, ...nodeArgs], { env: cleanEnv(), timeout: 30_000 },
      (err, _stdout, stderr) => resolve(err ? undefined : parseMaxRssKb(stderr)));
  });
}

function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = parseStatusKb(readFileSync(`/proc/${pid}/status`, 'latin1'), field);
    return kb === undefined ? undefined : kb / 1024;
  } catch {
    return undefined;
  }
}

const DNS_TOPOLOGY = `cluster-token: bench
bootstrap: dns
discovery-srv: bench.test
hosts:
  infra0:
    address: 127.0.0.1
    member:
      initial-advertise-peer-urls: http://infra0.bench.test:2380
      advertise-client-urls: http://infra0.bench.test:2379
`;

/** Measures load and idle RSS; ports are two free ports for discovery serve and dns serve. */
export async function measureMemory(o: {
  procs: ProcSet; cluster: BenchCluster; workDir: string; targets: readonly Target[]; ports: readonly [number, number]; settleS?: number;
}): Promise<MemoryReport> {
  const settleS = o.settleS ?? 4;
  const load: { command: string; mb: number | undefined }[] = [];
  for (const argv of LOAD_COMMANDS) load.push({ command: argv.join(' '), mb: await maxRss([BIN, ...argv, '--help']) });
  const bareNodeMb = await maxRss(['-e', '']);
  const topology = path.join(o.workDir, 'bench-dns.yaml');
  writeFileSync(topology, DNS_TOPOLOGY);
  const extra: { what: string; proc: BenchProc }[] = [
    { what: 'discovery serve', proc: o.procs.start('etcd-edge discovery serve', process.execPath, [...BIN_NODE_FLAGS, BIN, 'discovery', 'serve',
      '--listen-addr', `127.0.0.1:${o.ports[0]}`, '--endpoints', o.cluster.clientUrl(0)]) },
    { what: 'dns serve', proc: o.procs.start('etcd-edge dns serve', process.execPath, [...BIN_NODE_FLAGS, BIN, 'dns', 'serve',
      '--listen-addr', `127.0.0.1:${o.ports[1]}`, '-f', topology]) },
  ];
  await Promise.all([
    extra[0]?.proc.waitFor(/discovery service ready/, 30_000),
    extra[1]?.proc.waitFor(/dns server ready/, 30_000),
  ]);
  await new Promise((r) => setTimeout(r, settleS * 1000));
  const idle: IdleRss[] = [
    ...o.targets.filter((t) => t.proc !== undefined).map((t) => ({ what: t.id, target: t.id, idleMb: statusMb(t.proc?.pid, 'VmRSS'), startPeakMb: statusMb(t.proc?.pid, 'VmHWM') })),
    ...extra.map((e) => ({ what: e.what, idleMb: statusMb(e.proc.pid, 'VmRSS'), startPeakMb: statusMb(e.proc.pid, 'VmHWM') })),
  ];
  for (const e of extra) await e.proc.stop();
  return { load, bareNodeMb, idle, settleS };
}
