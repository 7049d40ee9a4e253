// Real etcd for tests: a bundled cluster started through `etcd-edge up` on ports chosen at run time, etcdctl
// (v3 and ETCDCTL_API=2) runs, and temp dirs removed afterwards. A missing tool fails the test with the
// Debian package to install, never a silent skip.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { spawnBin, cleanEnv } from './bin.js';
import type { BinProcess } from './bin.js';
import { freePorts } from './ports.js';

/** Fails with a clear message when a tool is missing. */
export function requireTool(tool: string, debPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed: apt-get install -y ${debPackage} (the README's setup command does this)`);
  }
}

/** Makes a temp dir removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'etcd-edge-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Result of an etcdctl run. */
export interface CtlResult { code: number; stdout: string; stderr: string }

/** Runs etcdctl with the given API version (3 by default) and a clean environment. */
export function etcdctl(args: readonly string[], opts: { api?: 2 | 3; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile('etcdctl', [...args], {
      env: cleanEnv({ ETCDCTL_API: String(opts.api ?? 3), ...opts.env }), timeout: opts.timeoutMs ?? 20_000,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running bundled cluster. */
export interface TestCluster {
  readonly basePort: number;
  readonly dataDir: string;
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
  readonly proxyUrl: string;
  readonly gatewayAddr: string;
  readonly proc: BinProcess;
  /** The PID last logged for a member (changes after a restart). */
  memberPid(name: string): number | undefined;
  stop(): Promise<number>;
}

/** Starts `etcd-edge up --base-port P` in a temp data dir and waits for its ready line; stopped after the test. */
export async function startBundledCluster(t: TestContext, opts: { edge?: boolean; extraArgs?: readonly string[]; dataDir?: string; basePort?: number } = {}): Promise<TestCluster> {
  requireTool('etcd', 'etcd-server');
  const basePort = opts.basePort ?? await freePorts(9);
  const dataDir = opts.dataDir ?? tempDir(t);
  const proc = spawnBin(['up', '--base-port', String(basePort), `--edge=${opts.edge === true}`, '--data-dir', dataDir, ...(opts.extraArgs ?? [])], { env: cleanEnv() });
  t.after(() => proc.stop('SIGTERM'));
  await proc.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  return {
    basePort, dataDir, proc,
    clientUrls: [0, 1, 2].map((i) => `http://127.0.0.1:${basePort + i}`),
    peerUrls: [3, 4, 5].map((i) => `http://127.0.0.1:${basePort + i}`),
    proxyUrl: `http://127.0.0.1:${basePort + 6}`,
    gatewayAddr: `127.0.0.1:${basePort + 7}`,
    memberPid(name) {
      const re = new RegExp(`"member":"${name}","memberPid":(\\d+)`, 'g');
      const all = [...proc.stderr().matchAll(re)];
      const last = all[all.length - 1];
      return last ? Number(last[1]) : undefined;
    },
    stop: () => proc.stop('SIGTERM'),
  };
}

/** Polls fn until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, stepMs = 200): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met after ${timeoutMs}ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface Leader { endpoint: string; clusterId: string }

/**
 * The leader once every endpoint answers and all agree on it. Right after a member was paused or killed, an
 * election can be in flight and no member claims the lead for a moment, so this waits rather than reading once.
 */
export async function settledLeader(endpoints: readonly string[], timeoutMs = 20_000): Promise<Leader> {
  return eventually(async () => {
    const r = await etcdctl(['--endpoints', endpoints.join(','), '--command-timeout', '2s', 'endpoint', 'status', '-w', 'json']);
    if (r.code !== 0) throw new Error(`endpoint status: ${r.stderr.trim()}`);
    const rows = JSON.parse(r.stdout.replace(/"(cluster_id|member_id|leader)":(\d+)/g, '"$1":"$2"')) as { Endpoint: string; Status: { header: { cluster_id: string; member_id: string }; leader: string } }[];
    const leaders = new Set(rows.map((x) => x.Status.leader));
    const lead = rows.find((x) => x.Status.leader === x.Status.header.member_id);
    if (rows.length !== endpoints.length || leaders.size !== 1 || !lead) throw new Error(`no agreed leader yet: ${JSON.stringify(rows.map((x) => [x.Endpoint, x.Status.leader]))}`);
    return { endpoint: lead.Endpoint, clusterId: lead.Status.header.cluster_id };
  }, timeoutMs);
}
