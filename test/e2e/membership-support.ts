// Shared by the membership e2e tests: a cleanup stack run in reverse (node:test runs t.after hooks in
// registration order), proxies started like a user would, a writer loop that records acknowledged writes,
// and member lists and keys read back with the real etcdctl.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { kvPut } from '../../etcd/etcd-client.js';
import { spawnBin } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { etcdctl } from '../helpers/etcd.js';

/** Cleanups run last-in first-out in one t.after, so processes stop before the dirs they use go. */
export function cleanupStack(t: TestContext): { push(fn: () => unknown): void } {
  const fns: (() => unknown)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of fns.reverse()) {
      try { await fn(); } catch (err) { errors.push(err); }
    }
    if (errors.length) throw errors[0];
  });
  return { push: (fn) => { fns.push(fn); } };
}

/** Makes a temp dir removed by the stack. */
export function tempDirIn(stack: { push(fn: () => unknown): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'etcd-edge-membership-'));
  stack.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Returns http://127.0.0.1:port. */
export const url = (port: number): string => `http://127.0.0.1:${port}`;

/** Starts `etcd-edge proxy` and waits for its ready line; stopped by the stack (no-op if promote stopped it). */
export async function startProxy(stack: { push(fn: () => unknown): void }, o: { port: number; peers: string; dataDir: string }): Promise<BinProcess> {
  const p = spawnBin(['proxy', '--listen-client-urls', url(o.port), '--initial-cluster', o.peers, '--data-dir', o.dataDir, '--proxy-refresh-interval', '2s']);
  stack.push(() => p.stop());
  await p.waitFor(/"msg":"ready to proxy client requests"/, 30_000);
  return p;
}

/** Kills, by the pid its pid file names, a process a test started indirectly (a proxy restarted detached). */
export function killPid(pid: number): void {
  try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
}

/** A writer loop over one or more URLs; stop() returns the keys etcd acknowledged. */
export function startWriter(urls: readonly string[], prefix: string): { acked(): number; stop(): Promise<{ acked: string[]; failed: number }> } {
  let running = true;
  const acked: string[] = [];
  let failed = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const key = `${prefix}${i}`;
      try {
        await kvPut(urls[i % urls.length] ?? '', key, `v${i}`, { timeoutMs: 3000 });
        acked.push(key);
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return { acked: () => acked.length, stop: async () => { running = false; await loop; return { acked, failed }; } };
}

/** Reads every key under a prefix with etcdctl. */
export async function keysUnder(endpoint: string, prefix: string): Promise<Set<string>> {
  const r = await etcdctl(['--endpoints', endpoint, 'get', prefix, '--prefix', '--keys-only']);
  if (r.code !== 0) throw new Error(`etcdctl get failed: ${r.stderr}`);
  return new Set(r.stdout.split('\n').filter((l) => l !== ''));
}

/** One row of `etcdctl member list` (simple). */
export interface ListedMember { id: string; status: string; name: string; peers: string; clients: string; learner: boolean }

/** Runs `etcdctl member list` and parses it. */
export async function listMembers(endpoint: string): Promise<ListedMember[]> {
  const r = await etcdctl(['--endpoints', endpoint, 'member', 'list']);
  if (r.code !== 0) throw new Error(`etcdctl member list failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => {
    const [id = '', status = '', name = '', peers = '', clients = '', learner = ''] = l.split(', ');
    return { id, status, name, peers, clients, learner: learner === 'true' };
  });
}

/** Returns the fake etcd script body: real `--version`, then an immediate failure (the injected fault). */
export const FAILING_ETCD = `#!/bin/sh
if [ "$1" = "--version" ]; then exec etcd --version; fi
echo "injected failure: this etcd exits at once" >&2
exit 3
`;
