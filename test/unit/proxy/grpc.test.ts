// gRPC through the proxy against fake HTTP/2 members: h2c next to HTTP/1.1 on one port, status and trailers
// passed through, streaming both ways without buffering, failover before the first response byte, grpc-timeout,
// readonly refusals that never reach a member, 415 for non-gRPC HTTP/2, and ALPN h2 on an https listener.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { requireTool } from '../../helpers/etcd.js';
import { createProxy, parseProxyFlags } from '../../../proxy/index.js';
import { chooseAlpn } from '../../../proxy/h2.js';
import { members, request, startProxy, tmp } from './fakes.js';

type Handler = (s: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders) => void;

/** A fake member answering gRPC calls with handler; counts the streams it saw. */
async function h2Member(t: TestContext, handler: Handler, tls?: http2.SecureServerOptions): Promise<{ url: string; streams: () => number; stop: () => Promise<void> }> {
  let n = 0;
  const server = tls ? http2.createSecureServer(tls) : http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  server.on('stream', (s, h) => { n++; s.on('error', () => undefined); handler(s, h); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const stop = (): Promise<void> => new Promise<void>((r) => { for (const s of sessions) s.destroy(); if (server.listening) server.close(() => r()); else r(); });
  t.after(stop);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, streams: () => n, stop };
}

/** Echoes every request message back as it comes, then OK with a custom trailer. */
const echo: Handler = (s) => {
  s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0', 'x-member-trailer': 'kept' }));
  s.on('data', (c: Buffer) => s.write(c));
  s.on('end', () => s.end());
};

interface CallResult { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }

function call(url: string, p: string, body: Buffer, extra: http2.OutgoingHttpHeaders = {}, opts: http2.SecureClientSessionOptions = {}, cancelMs?: number): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const c = http2.connect(url, opts);
    c.on('error', reject);
    const s = c.request({ ':method': 'POST', ':path': p, 'content-type': 'application/grpc', te: 'trailers', ...extra });
    if (cancelMs !== undefined) setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), cancelMs);
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    s.on('response', (h) => { headers = h; });
    s.on('trailers', (h) => { trailers = h; });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', () => { c.close(); resolve({ headers, trailers, body: Buffer.concat(chunks) }); });
    s.on('error', reject);
    s.end(body);
  });
}

/** Both gRPC paths of the readwrite proxy. */
const PATHS = [{ name: 'relay', relay: true, flags: [] }, { name: 'node:http2', relay: false, flags: ['--grpc-relay=false'] }] as const;

const statusOf = (r: CallResult): string | undefined => String(r.trailers['grpc-status'] ?? r.headers['grpc-status']);
const msg = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61]);

for (const via of PATHS) {
  test(`${via.name}: a unary call passes through with its status and trailers; HTTP/1.1 still works on the same port`, async (t) => {
    const m = await h2Member(t, echo);
    const p = await startProxy(t, () => [m.url], via.flags);
    const r = await call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg);
    assert.deepEqual(r.body, msg);
    assert.equal(statusOf(r), '0');
    assert.equal(r.trailers['x-member-trailer'], 'kept');
    const h1 = await request(`${p.urls()[0]}/v2/config/local/proxy`);
    assert.equal(h1.status, 200);
    assert.match(h1.body, /endpoints/);
    const plain = await new Promise<number>((resolve) => {
      const c = http2.connect(p.urls()[0] as string);
      const s = c.request({ ':path': '/v2/keys/a' });
      s.on('response', (h) => { resolve(Number(h[':status'])); s.resume(); c.close(); });
      s.end();
    });
    // node:http2 answers HTTP/2 that is not gRPC itself; the relay leaves every request to the member (etcd's
    // gRPC server refuses it there), and this fake member echoes it.
    assert.equal(plain, via.relay ? 200 : 415, 'HTTP/2 without gRPC: refused by node:http2, the member\'s answer through the relay');
  });

  test(`${via.name}: a stream is flushed both ways: each message is echoed before the next one is sent`, async (t) => {
    const m = await h2Member(t, echo);
    const p = await startProxy(t, () => [m.url], via.flags);
    const c = http2.connect(p.urls()[0] as string);
    t.after(() => c.close());
    const s = c.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
    const next = (): Promise<Buffer> => new Promise((r) => s.once('data', (d: Buffer) => r(d)));
    for (const i of [1, 2, 3]) {
      const chunk = Buffer.from([0, 0, 0, 0, 1, i]);
      const got = next();
      s.write(chunk);
      assert.deepEqual(await got, chunk);
    }
    s.end();
    await new Promise((r) => s.on('close', r));
  });

  test(`${via.name}: failover: a dead member is skipped before the first response byte`, async (t) => {
    const m = await h2Member(t, echo);
    const dead = 'http://127.0.0.1:1';
    const p = await startProxy(t, () => [dead, m.url], via.flags, { order: (u) => [...u].sort((a) => (a === dead ? -1 : 1)) });
    const r = await call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg);
    assert.equal(statusOf(r), '0');
    assert.deepEqual(r.body, msg);
    assert.deepEqual(p.endpoints(), [m.url], 'the dead member is marked unavailable');
  });

  test(`${via.name}: a member lost between calls: the next call goes to another member`, async (t) => {
    const a = await h2Member(t, echo);
    const b = await h2Member(t, echo);
    const p = await startProxy(t, () => [a.url, b.url], via.flags, { order: (u) => [...u].sort((x) => (x === a.url ? -1 : 1)) });
    const url = p.urls()[0] as string;
    assert.equal(statusOf(await call(url, '/etcdserverpb.KV/Range', msg)), '0');
    assert.deepEqual([a.streams(), b.streams()], [1, 0]);
    await a.stop();
    const r = await call(url, '/etcdserverpb.KV/Range', msg);
    assert.equal(statusOf(r), '0');
    assert.deepEqual(r.body, msg);
    assert.deepEqual([a.streams(), b.streams()], [1, 1]);
  });

  test(`${via.name}: a member lost mid-call: the call ends and counts as UNAVAILABLE`, async (t) => {
    let opened!: () => void;
    const open = new Promise<void>((r) => { opened = r; });
    const m = await h2Member(t, () => opened());
    const p = await startProxy(t, () => [m.url], via.flags);
    const pending = call(p.urls()[0] as string, '/etcdserverpb.Watch/Watch', msg).then(statusOf, (err: Error) => err.message);
    await open;
    await m.stop();
    const t0 = Date.now();
    // node:http2 answers UNAVAILABLE; the relay closes the client's connection (the client reconnects).
    const outcome = await pending;
    assert.ok(Date.now() - t0 < 3000);
    if (!via.relay) assert.equal(outcome, '14');
    assert.match(await p.metrics?.() ?? '', /etcd_proxy_grpc_handled_total\{grpc_service="etcdserverpb.Watch",grpc_method="Watch",grpc_code="14"\} 1/);
  });

  test(`${via.name}: close lets a call in flight finish, then ends the connection`, async (t) => {
    const slow: Handler = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.resume();
      setTimeout(() => s.end(msg), 150);
    };
    const m = await h2Member(t, slow);
    const p = await startProxy(t, () => [m.url], [...via.flags, '--proxy-shutdown-timeout', '2000']);
    const pending = call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await p.close();
    const r = await pending;
    assert.equal(statusOf(r), '0');
    assert.deepEqual(r.body, msg);
    assert.ok(Date.now() - t0 < 1500, 'closed once the call was done, before the shutdown timeout');
  });

  test(`${via.name}: no member reachable: UNAVAILABLE from the proxy itself`, async (t) => {
    const p = await startProxy(t, () => ['http://127.0.0.1:1'], via.flags);
    const r = await call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg);
    assert.equal(statusOf(r), '14');
    assert.match(decodeURIComponent(String(r.headers['grpc-message'] ?? r.trailers['grpc-message'])), /etcd-edge proxy/);
  });

  test(`${via.name}: grpc-timeout: a member that never answers gives DEADLINE_EXCEEDED at the deadline`, async (t) => {
    let seen: string | undefined;
    const m = await h2Member(t, (_s, h) => { seen = String(h['grpc-timeout']); });
    const p = await startProxy(t, () => [m.url], via.flags);
    const t0 = Date.now();
    // Through the relay the member itself enforces the deadline (etcd does); this fake one only records it.
    const r = await call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg, { 'grpc-timeout': '300m' }, {}, via.relay ? 300 : undefined);
    if (!via.relay) assert.equal(statusOf(r), '4');
    assert.equal(seen, '300m', 'the member got the deadline');
    assert.ok(Date.now() - t0 < 3000);
  });
}

test('readonly: writes get PERMISSION_DENIED without reaching a member; reads pass', async (t) => {
  const m = await h2Member(t, echo);
  const p = await startProxy(t, () => [m.url], ['--proxy', 'readonly']);
  const url = p.urls()[0] as string;
  const denied = await call(url, '/etcdserverpb.KV/Put', msg);
  assert.equal(statusOf(denied), '7');
  assert.match(decodeURIComponent(String(denied.headers['grpc-message'])), /readonly proxy/);
  const txnPut = Buffer.from('000000001b0a0810031a01613a0131120812060a01611201321a050a030a0161', 'hex');
  assert.equal(statusOf(await call(url, '/etcdserverpb.KV/Txn', txnPut)), '7');
  assert.equal(m.streams(), 0, 'no refused call reached the member');
  assert.equal(statusOf(await call(url, '/etcdserverpb.KV/Range', msg)), '0');
  assert.equal(m.streams(), 1);
});

for (const via of PATHS) test(`${via.name}: https listener: ALPN h2 carries gRPC, to a member over https with the peer certificate`, async (t) => {
  requireTool('openssl', 'openssl');
  const dir = tmp(t);
  const f = (n: string): string => path.join(dir, n);
  const ossl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=grpc-test-ca', '-days', '1');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  ossl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.crt'), '-days', '1', '-extfile', f('ext.cnf'));
  const pem = (n: string): Buffer => readFileSync(f(n));
  const m = await h2Member(t, echo, { cert: pem('leaf.crt'), key: pem('leaf.key'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true });
  const cfg = parseProxyFlags(['--listen-client-urls', 'https://127.0.0.1:0', '--cert-file', f('leaf.crt'), '--key-file', f('leaf.key'),
    '--peer-cert-file', f('leaf.crt'), '--peer-key-file', f('leaf.key'), '--peer-trusted-ca-file', f('ca.crt'), '--data-dir', dir,
    '--initial-cluster', 'p=https://127.0.0.1:1', '--proxy-shutdown-timeout', '300', ...via.flags], {});
  const p = createProxy(cfg, { fetchMembers: () => Promise.resolve(members([m.url])) });
  t.after(() => p.close());
  await p.start();
  const r = await call(p.urls()[0] as string, '/etcdserverpb.KV/Range', msg, {}, { ca: pem('ca.crt') });
  assert.equal(statusOf(r), '0');
  assert.deepEqual(r.body, msg);
  assert.equal(m.streams(), 1);
});

for (const c of [
  { offered: ['h2'], want: 'h2' },
  { offered: ['h2', 'http/1.1'], want: 'http/1.1' },
  { offered: ['http/1.1'], want: 'http/1.1' },
  { offered: ['spdy/3'], want: undefined },
]) {
  test(`https ALPN: a client offering ${JSON.stringify(c.offered)} gets ${String(c.want)}`, () => assert.equal(chooseAlpn(c.offered), c.want));
}
