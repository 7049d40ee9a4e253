// The -L listener: connections are reset at once while there is no SSH connection, carried (and counted) while
// there is one, and closed by dropAll() when the connection drops. The SSH client is a fake whose forwardOut
// dials a local echo server, so the channel is a real socket.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { Client } from 'ssh2';
import { createConnectionCap } from '../../../core/conn-cap.js';
import { noopLogger } from '../../../core/log.js';
import { parseForwardSpec } from '../../../tunnel/forward-spec.js';
import { createLocalForward } from '../../../tunnel/local-forward.js';
import { createTunnelMetrics } from '../../../tunnel/metrics.js';

async function echoServer(t: { after(fn: () => unknown): void }): Promise<number> {
  const socks = new Set<net.Socket>();
  const server = net.createServer((s) => { socks.add(s); s.on('error', () => undefined); s.pipe(s); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => { for (const s of socks) s.destroy(); server.close(); });
  return (server.address() as net.AddressInfo).port;
}

function fakeClient(): Client {
  return {
    forwardOut(_srcIP: string, _srcPort: number, dstIP: string, dstPort: number, cb: (err: Error | undefined, ch: unknown) => void) {
      const ch = net.connect({ host: dstIP, port: dstPort });
      ch.once('connect', () => cb(undefined, ch));
      ch.once('error', (err) => cb(err, undefined));
      return this;
    },
  } as unknown as Client;
}

function roundTrip(port: number, payload: string): Promise<{ data: string; error?: string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.on('data', (c: Buffer) => { data += c.toString(); if (data === payload) resolve({ data, closed }); });
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ data, error: err.code ?? err.message, closed }));
    s.on('connect', () => s.write(payload));
    s.on('close', () => resolve({ data, closed }));
  });
}

test('while disconnected, connections are reset at once and counted as refused', async (t) => {
  const metrics = createTunnelMetrics();
  const fwd = createLocalForward(parseForwardSpec('L', '0:127.0.0.1:9'), { client: () => undefined, metrics, log: noopLogger() });
  t.after(() => fwd.close(100));
  const { port } = await fwd.listen();
  const t0 = Date.now();
  const r = await roundTrip(port, 'hello');
  assert.equal(r.data, '');
  assert.equal(r.error, 'ECONNRESET');
  assert.ok(Date.now() - t0 < 2000, 'not left hanging');
  assert.equal((await metrics.refusedConnections.get()).values[0]?.value, 1);
});

test('while connected, bytes flow and are counted; dropAll closes connections in flight', async (t) => {
  const target = await echoServer(t);
  const metrics = createTunnelMetrics();
  const fwd = createLocalForward(parseForwardSpec('L', `0:127.0.0.1:${target}`), { client: fakeClient, metrics, log: noopLogger() });
  t.after(() => fwd.close(100));
  const { address, port } = await fwd.listen();
  assert.equal(address, '127.0.0.1');
  const r = await roundTrip(port, 'hello tunnel');
  assert.equal(r.data, 'hello tunnel');
  assert.deepEqual(fwd.stats(), { connections: 1, active: 1, sentBytes: 12, receivedBytes: 12 });
  fwd.dropAll();
  await r.closed;
  assert.equal(fwd.stats().active, 0);
  await fwd.close(100);
  assert.equal((await roundTrip(port, 'x')).error, 'ECONNREFUSED', 'close() stops listening');
});

test('over the connection cap a connection is closed at accept, counted, and opens no channel; the slot frees on close', async (t) => {
  const target = await echoServer(t);
  const metrics = createTunnelMetrics();
  let channels = 0;
  const client = fakeClient();
  const counting = { forwardOut: (...a: Parameters<Client['forwardOut']>) => { channels++; return client.forwardOut(...a); } } as unknown as Client;
  const cap = createConnectionCap({ max: 1, idleTimeoutMs: 0, logger: noopLogger() });
  t.after(() => cap.close());
  const fwd = createLocalForward(parseForwardSpec('L', `0:127.0.0.1:${target}`), { client: () => counting, metrics, log: noopLogger(), cap: () => cap });
  t.after(() => fwd.close(100));
  const { port } = await fwd.listen();
  const first = await roundTrip(port, 'one');
  assert.equal(first.data, 'one');
  const second = await roundTrip(port, 'two');
  assert.equal(second.data, '', 'the second connection is closed at once');
  assert.equal(channels, 1, 'no channel for the refused connection');
  assert.equal(cap.refused(), 1);
  assert.equal((await metrics.refusedConnections.get()).values[0]?.value, 1);
  fwd.dropAll();
  await first.closed;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await roundTrip(port, 'three')).data, 'three');
});
