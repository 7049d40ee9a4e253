// Support for the proxy e2e tests: start `etcd-edge proxy` and wait for its ready line, read its metrics, run
// curl, and run extra etcd members with an environment built from scratch.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { openSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { spawnBin, cleanEnv } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { tempDir } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';

/** A running proxy process. */
export interface ProxyProc {
  readonly url: string;
  readonly metricsUrl: string;
  readonly dataDir: string;
  readonly proc: BinProcess;
}

/** Starts `etcd-edge proxy` on fresh ports; SIGTERMed after the test, which must exit 0. */
export async function startProxyBin(t: TestContext, args: readonly string[], env: Record<string, string> = {}): Promise<ProxyProc> {
  const port = await freePort();
  const mport = await freePort();
  const dataDir = tempDir(t, 'proxy-e2e-');
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnBin(['proxy', '--listen-client-urls', url, '--listen-metrics-urls', `http://127.0.0.1:${mport}`, '--data-dir', dataDir,
    '--proxy-shutdown-timeout', '1000', ...args], { env: cleanEnv(env) });
  t.after(async () => { assert.equal(await proc.stop('SIGTERM'), 0, `proxy exit code\n${proc.stderr().slice(-2000)}`); });
  await proc.waitFor(/"msg":"ready to proxy client requests"/, 30_000);
  return { url, metricsUrl: `http://127.0.0.1:${mport}`, dataDir, proc };
}

/** Reads etcd_proxy_endpoint_requests_total per endpoint from a metrics URL. */
export async function servedBy(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^etcd_proxy_endpoint_requests_total\{endpoint="([^"]+)"\} (\d+)/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
}

/** Runs curl to completion. */
export function curl(args: readonly string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const c = spawn('curl', ['-s', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('exit', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout }); });
  });
}

/** A long-running curl whose output is read while it runs. */
export function curlStream(t: TestContext, args: readonly string[]): { child: ChildProcess; output(): string } {
  const c = spawn('curl', ['-sN', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  t.after(() => { if (c.exitCode === null) c.kill('SIGKILL'); });
  return { child: c, output: () => out };
}

/** Base64 of a string, as the v3 JSON API wants keys and values. */
export const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** An etcd member of a cluster the test runs itself (unsupervised), started with an environment built from scratch. */
export async function startMember(t: TestContext, opts: { name: string; peerPort: number; clientPort: number; initialCluster: string; state: 'new' | 'existing' }): Promise<ChildProcess> {
  const dir = tempDir(t, `proxy-e2e-${opts.name}-`);
  const log = openSync(path.join(dir, 'etcd.log'), 'a');
  const peer = `http://127.0.0.1:${opts.peerPort}`;
  const client = `http://127.0.0.1:${opts.clientPort}`;
  const child = spawn('etcd', [`--name=${opts.name}`, `--data-dir=${path.join(dir, 'data')}`, `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`, `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--initial-cluster=${opts.initialCluster}`, `--initial-cluster-state=${opts.state}`, '--initial-cluster-token=proxy-roll', '--enable-v2=true'], { env: cleanEnv(), stdio: ['ignore', log, log] });
  t.after(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  }));
  return child;
}

