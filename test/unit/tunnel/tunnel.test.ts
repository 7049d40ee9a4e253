// The tunnel's supervisor (tunnel/tunnel.ts) driven by a fake SSH connect: retry with backoff before the first
// success, fatal errors end start(), a dropped connection is re-established and counted, close() ends a backoff.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Client } from 'ssh2';
import { EdgeError } from '../../../core/errors.js';
import { parseTunnelFlags } from '../../../tunnel/config.js';
import type { TunnelConfig } from '../../../tunnel/config.js';
import { createTunnel } from '../../../tunnel/tunnel.js';
import type { Tunnel } from '../../../tunnel/tunnel.js';
import { eventually } from '../../helpers/etcd.js';

const FP = 'SHA256:' + 'A'.repeat(43);

/** A connected ssh2 Client as the supervisor sees it: 'close' when the connection drops or end() is called. */
class FakeClient extends EventEmitter {
  drop(): void { this.emit('close'); }
  end(): this { setImmediate(() => this.emit('close')); return this; }
}

type Step = 'ok' | EdgeError;

function tunnelWith(t: TestContext, steps: Step[], tune: Partial<TunnelConfig> = {}): { tunnel: Tunnel; calls: () => number; clients: FakeClient[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-sup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = path.join(dir, 'id_rsa');
  writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey, { mode: 0o600 });
  const { config } = parseTunnelFlags(['--ssh', 'u@127.0.0.1:22', '--identity', key, '--host-key-fingerprint', FP, '-L', '127.0.0.1:0:127.0.0.1:1',
    '--listen-metrics-urls', 'http://127.0.0.1:0'], {});
  assert.ok(config);
  let calls = 0;
  const clients: FakeClient[] = [];
  const tunnel = createTunnel({ ...config, reconnectInitialDelayMs: 10, reconnectMaxDelayMs: 40, ...tune }, {
    connect: async () => {
      const step = steps[Math.min(calls++, steps.length - 1)] ?? 'ok';
      if (step !== 'ok') throw step;
      const c = new FakeClient();
      clients.push(c);
      return c as unknown as Client;
    },
  });
  t.after(() => tunnel.close());
  return { tunnel, calls: () => calls, clients };
}

const refused = (): EdgeError => new EdgeError('EDGE_SSH_CONNECT', 'connect ECONNREFUSED 127.0.0.1:22');
const denied = (): EdgeError => new EdgeError('EDGE_SSH_AUTH', 'all configured authentication methods failed');

async function health(tunnel: Tunnel): Promise<number> {
  return (await fetch(`http://127.0.0.1:${tunnel.metricsAddresses()[0]?.port ?? 0}/health`)).status;
}

test('retries transient connect failures with backoff, then is ready and healthy', async (t) => {
  const { tunnel, calls } = tunnelWith(t, [refused(), refused(), 'ok']);
  await tunnel.start();
  assert.equal(calls(), 3);
  const s = tunnel.status();
  assert.equal(s.state, 'connected');
  assert.equal(s.reconnects, 0, 'failures before the first success are not reconnects');
  assert.equal(s.lastError?.code, 'EDGE_SSH_CONNECT');
  assert.equal(await health(tunnel), 200);
});

const fatal: { name: string; err: () => EdgeError }[] = [
  { name: 'authentication', err: denied },
  { name: 'host key mismatch', err: () => new EdgeError('EDGE_SSH_HOSTKEY_MISMATCH', 'host key mismatch') },
];
for (const c of fatal) {
  test(`a ${c.name} failure before the first success ends start() without retrying`, async (t) => {
    const { tunnel, calls } = tunnelWith(t, [c.err(), 'ok']);
    const code = c.err().code;
    await assert.rejects(tunnel.start(), (e: { code?: string }) => e.code === code);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls(), 1);
  });
}

test('a dropped connection is re-established, even past an auth failure, and counted once', async (t) => {
  const { tunnel, calls, clients } = tunnelWith(t, ['ok', denied(), 'ok']);
  await tunnel.start();
  clients[0]?.drop();
  await eventually(async () => tunnel.status().reconnects === 1 && tunnel.status().state === 'connected', 5000, 10);
  assert.equal(calls(), 3);
  assert.equal(clients.length, 2);
  assert.match(await tunnel.registry.metrics(), /^etcd_edge_tunnel_reconnects_total 1$/m);
  assert.equal(tunnel.status().lastError?.code, 'EDGE_SSH_AUTH');
  assert.equal(await health(tunnel), 200);
});

test('close() during a backoff ends the loop at once; start() rejects EDGE_ABORTED', async (t) => {
  const { tunnel, calls } = tunnelWith(t, [refused()], { reconnectInitialDelayMs: 60_000, reconnectMaxDelayMs: 60_000 });
  const started = tunnel.start();
  started.catch(() => undefined);
  await eventually(async () => calls() === 1, 5000, 10);
  assert.equal(await health(tunnel), 503, 'not healthy before a connection');
  const t0 = Date.now();
  await tunnel.close();
  assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0}ms`);
  await assert.rejects(started, (e: { code?: string }) => e.code === 'EDGE_ABORTED');
  assert.equal(calls(), 1);
  assert.equal(tunnel.status().state, 'closed');
});
