// Single etcd members started directly (not through `up`), for tests that need to start a cluster late, replace
// members one by one or run client auto-TLS: an environment built from scratch, an own process group, a log
// file, a wait for /health, and a stop by PID (SIGTERM, then SIGKILL) registered with t.after.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { isHealthy } from '../../etcd/etcd-client.js';
import { cleanEnv } from './bin.js';
import { eventually, requireTool } from './etcd.js';

/** How to start one member. */
export interface MemberSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `name=http://127.0.0.1:peer,...`, including this member. */
  readonly initialCluster: string;
  readonly state: 'new' | 'existing';
  readonly token?: string;
  /** Serve clients over TLS with a self-signed certificate (etcd --auto-tls). */
  readonly autoTls?: boolean;
}

/** A running member. */
export interface MemberProc {
  readonly name: string;
  readonly pid: number;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  log(): string;
  /** Stops the member by PID; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Returns `name=http://127.0.0.1:peer` for an initial-cluster list. */
export function peerEntry(name: string, peerPort: number): string {
  return `${name}=http://127.0.0.1:${peerPort}`;
}

/** Starts a member and, unless `wait` is false, waits until /health says true. */
export async function startMember(t: TestContext, spec: MemberSpec, opts: { wait?: boolean } = {}): Promise<MemberProc> {
  requireTool('etcd', 'etcd-server');
  const dir = mkdtempSync(path.join(os.tmpdir(), `etcd-${spec.name}-`));
  const clientUrl = `${spec.autoTls ? 'https' : 'http'}://127.0.0.1:${spec.clientPort}`;
  const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
  const logFile = path.join(dir, 'etcd.log');
  const fd = openSync(logFile, 'a');
  const child = spawn('etcd', [
    '--name', spec.name, '--data-dir', path.join(dir, 'data'),
    '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', spec.initialCluster, '--initial-cluster-state', spec.state,
    '--initial-cluster-token', spec.token ?? 'gateway-test', '--logger', 'zap', '--log-outputs', 'stderr',
    ...(spec.autoTls ? ['--auto-tls'] : []),
  ], { env: cleanEnv(), detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`etcd ${spec.name} did not start`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try { process.kill(pid, signal); } catch { return; }
    const t2 = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }, 5000);
    await exited;
    clearTimeout(t2);
  };
  // One hook, so the member is gone before its directory is removed.
  t.after(async () => { await stop('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const m: MemberProc = { name: spec.name, pid, clientUrl, peerUrl, dataDir: path.join(dir, 'data'), log: () => readFileSync(logFile, 'utf8'), stop };
  if (opts.wait !== false) await waitHealthy(m);
  return m;
}

/** Waits until the member answers /health with true. */
export async function waitHealthy(m: MemberProc, timeoutMs = 60_000): Promise<void> {
  await eventually(() => isHealthy(m.clientUrl, { tls: { rejectUnauthorized: false }, timeoutMs: 2000 }), timeoutMs, 200)
    .catch((err: unknown) => { throw new Error(`${m.name} not healthy: ${(err as Error).message}\n${m.log().slice(-2000)}`); });
}
