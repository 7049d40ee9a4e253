// proxy/upstream.ts against real loopback sockets: a member whose TLS handshake never completes (a TCP server
// that accepts and stays silent) fails the exchange with the dial timeout, not before it and not never; a plain
// member that answers is served on the same pool type.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { UpstreamPool } from '../../../proxy/upstream.js';
import type { UpstreamRequest } from '../../../proxy/upstream.js';

const GET: UpstreamRequest = { head: 'GET /version HTTP/1.1\r\nHost: m\r\n\r\n', body: undefined, noBody: false, readTimeoutMs: 5000, writeTimeoutMs: 5000 };

function listen(onConn: (s: net.Socket) => void): Promise<{ port: number; close(): void; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => { sockets.push(s); onConn(s); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port, sockets,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

test('--proxy-dial-timeout: a member that accepts TCP but never completes the TLS handshake fails the exchange after the dial timeout', { timeout: 10_000 }, async (t) => {
  const silent = await listen(() => undefined);
  t.after(() => silent.close());
  const pool = new UpstreamPool({ hostname: '127.0.0.1', port: silent.port, tls: { rejectUnauthorized: false }, dialTimeoutMs: 300 });
  t.after(() => pool.destroy());
  const t0 = Date.now();
  const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
    pool.request(GET, { head: () => reject(new Error('a head from a silent member')), data: () => true, end: () => reject(new Error('an end from a silent member')), fail: (e) => resolve(e) });
  });
  const took = Date.now() - t0;
  assert.equal(err.code, 'ETIMEDOUT');
  assert.match(err.message, /^dial timeout after 300ms$/);
  assert.ok(took >= 290 && took < 3000, `failed after ${took}ms`);
  assert.equal(silent.sockets.length, 1, 'the TCP connection itself was made');
});

test('a member that answers is served, and the connection is kept for the next exchange', { timeout: 10_000 }, async (t) => {
  const member = await listen((s) => s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')));
  t.after(() => member.close());
  const pool = new UpstreamPool({ hostname: '127.0.0.1', port: member.port, dialTimeoutMs: 300 });
  t.after(() => pool.destroy());
  for (let i = 0; i < 2; i++) {
    const got = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      let status = 0;
      let body = '';
      pool.request(GET, { head: (s) => { status = s; }, data: (c) => { body += c.toString(); return true; }, end: () => resolve({ status, body }), fail: reject });
    });
    assert.deepEqual(got, { status: 200, body: 'ok' });
  }
  assert.equal(member.sockets.length, 1, 'one keep-alive connection served both');
});
