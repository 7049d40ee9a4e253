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

/** Runs one exchange to completion. */
function exchange(pool: UpstreamPool, req: UpstreamRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    pool.request(req, { head: (s) => { status = s; }, data: (c) => { body += c.toString(); return true; }, end: () => resolve({ status, body }), fail: reject });
  });
}

test('--proxy-write-timeout: a member that never reads a large body fails the exchange after the write timeout; a small body is answered', { timeout: 15_000 }, async (t) => {
  const stalled = await listen((s) => s.pause());
  t.after(() => stalled.close());
  const pool = new UpstreamPool({ hostname: '127.0.0.1', port: stalled.port, dialTimeoutMs: 1000 });
  t.after(() => pool.destroy());
  const body = Buffer.alloc(64 * 1024 * 1024, 0x61);
  const post: UpstreamRequest = { head: `POST /v3/kv/put HTTP/1.1\r\nHost: m\r\nContent-Length: ${body.length}\r\n\r\n`, body, noBody: false, readTimeoutMs: 0, writeTimeoutMs: 300 };
  const t0 = Date.now();
  const err = await exchange(pool, post).then(() => undefined, (e: NodeJS.ErrnoException) => e);
  const took = Date.now() - t0;
  assert.equal(err?.code, 'ETIMEDOUT');
  assert.match(err?.message ?? '', /^write timeout after 300ms$/);
  assert.ok(took >= 290 && took < 5000, `failed after ${took}ms`);

  const member = await listen((s) => s.on('data', (c: Buffer) => { if (c.includes('\r\n\r\n')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); }));
  t.after(() => member.close());
  const ok = new UpstreamPool({ hostname: '127.0.0.1', port: member.port, dialTimeoutMs: 1000 });
  t.after(() => ok.destroy());
  const small = Buffer.from('{"key":"YQ=="}');
  const got = await exchange(ok, { ...post, head: `POST /v3/kv/range HTTP/1.1\r\nHost: m\r\nContent-Length: ${small.length}\r\n\r\n`, body: small, writeTimeoutMs: 50 });
  assert.deepEqual(got, { status: 200, body: 'ok' });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(ok.idleCount(), 1, 'the connection outlived the write timeout, idle in the pool');
});

test('idle connections: kept across a read timeout, closed by the sweep after 4 to 5 sweeps', { timeout: 10_000 }, async (t) => {
  const closedAt: number[] = [];
  const member = await listen((s) => {
    s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    s.on('close', () => closedAt.push(Date.now()));
  });
  t.after(() => member.close());
  const sweep = 100;
  const pool = new UpstreamPool({ hostname: '127.0.0.1', port: member.port, dialTimeoutMs: 1000, idleSweepMs: sweep });
  t.after(() => pool.destroy());
  const req = { ...GET, readTimeoutMs: 50 };
  assert.deepEqual(await exchange(pool, req), { status: 200, body: 'ok' });
  // Idle for three read timeouts: still there, and reused.
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(await exchange(pool, req), { status: 200, body: 'ok' });
  assert.equal(member.sockets.length, 1, 'the idle connection was reused');
  const idleFrom = Date.now();
  for (let i = 0; i < 100 && closedAt.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const idle = (closedAt[0] ?? Infinity) - idleFrom;
  assert.ok(idle >= 4 * sweep - 20 && idle < 5 * sweep + 400, `closed after ${idle}ms idle`);
  assert.equal(pool.idleCount(), 0);
});
