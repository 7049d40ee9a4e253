// The proxy's native front on its own (the addon, without node:http behind it): what it forwards and how, what
// it hands off and with which bytes, member failures (a fail event, then the hand-off), a stale pooled connection
// closed by the member, the 408 for a slow request, Connection: close, the shared cap, pipelining, a slow reader of a
// large response, the counters, and the drain at close.
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

interface Front {
  create(o: Record<string, unknown>, cb: (type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, string, number, string]>): void;
  setOthers(h: object, n: number): void;
  active(h: object): number;
  stats(h: object): { requests: Array<[string, number]>; handled: Array<[string, number, number]>; served: Array<[string, number]>; refused: number; handedOff: number; durations: Array<[string, number[], number, number]> };
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

// PROXY_FRONT_ADDON: another build of the addon (scripts/asan-gateway.sh's AddressSanitizer build).
const addon = createRequire(import.meta.url)(process.env['PROXY_FRONT_ADDON'] ?? fileURLToPath(new URL('../../../Release/proxy_front.node', import.meta.url))) as Front;

interface Ev { type: string; data: string; detail: string; num: number }

/** A member that records what it receives; `answer` writes the raw response for one request head. */
async function member(answer: (head: string, s: net.Socket) => void): Promise<{ server: net.Server; port: number; heads: string[]; conns: number }> {
  const rec = { heads: [] as string[], conns: 0 };
  const server = net.createServer((s) => {
    rec.conns++;
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.slice(0, end + 4);
        const len = /\r\ncontent-length: (\d+)/i.exec(head);
        const total = end + 4 + (len ? Number(len[1]) : 0);
        if (buf.length < total) return;
        rec.heads.push(buf.slice(0, total));
        buf = buf.slice(total);
        answer(head, s);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(rec, { server, port: (server.address() as net.AddressInfo).port });
}

function ok(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

async function front(opts: Record<string, unknown> = {}) {
  const events: Ev[] = [];
  const h = addon.create({
    host: '127.0.0.1', port: 0, backlog: 511, maxConnections: 100, clientTimeoutMs: 5000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 0,
    dialTimeoutMs: 1000, writeTimeoutMs: 5000, readTimeoutMs: 0, maxBodyBytes: 65536, readonly: false, via: '1.1 edge-test', ...opts,
  }, (type, fd, data, detail, num) => {
    events.push({ type, data: data?.toString('latin1') ?? '', detail, num });
    if (fd >= 0) closeSync(fd);
  });
  let closed = false;
  return {
    h, events, port: addon.port(h),
    endpoints: (ports: number[]) => addon.setEndpoints(h, ports.map((p) => [`http://127.0.0.1:${p}`, '127.0.0.1', p, `127.0.0.1:${p}`])),
    async close(drainMs = 0) {
      if (closed) return;
      closed = true;
      addon.close(h, drainMs);
      for (let i = 0; i < 200 && !events.some((e) => e.type === 'closed'); i++) await new Promise((r) => setTimeout(r, 20));
      addon.join(h);
    },
  };
}

/** Sends raw bytes; resolves with everything read until the server closes or `until` matches. */
function raw(port: number, send: string, until?: (got: string) => boolean, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => { clearTimeout(t); s.destroy(); resolve(got); };
    const t = setTimeout(done, ms);
    s.on('data', (d) => { got += d.toString('latin1'); if (until?.(got)) done(); });
    s.on('error', done);
    s.on('close', done);
    s.write(send);
  });
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

/** Waits until cond holds (events come from the front's thread: slower under AddressSanitizer and load), up to 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
}

const handoffs = (evs: readonly Ev[]): string[] => evs.filter((e) => e.type === 'handoff').map((e) => e.data);

test('forwards a v2 GET as node:http\'s side does, and keeps both connections alive', async () => {
  const m = await member((_h, s) => s.write(ok('{"a":1}')));
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const req = 'GET /v2/keys/foo?recursive=true HTTP/1.1\r\nHost: example\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\nKeep-Alive: 5\r\n\r\n';
    const got = await raw(f.port, req + req, (g) => g.split('{"a":1}').length === 3);
    assert.equal(got.split('HTTP/1.1 200 OK\r\n').length, 3, got);
    assert.match(got, /Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n/);
    assert.match(got, /Date: Thu, 01 Jan 2026/);
    assert.equal(m.heads[0], 'GET /v2/keys/foo?recursive=true HTTP/1.1\r\nHost: example\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\nVia: 1.1 edge-test\r\n\r\n');
    assert.equal(m.conns, 1, 'one member connection serves both requests');
    const st = addon.stats(f.h);
    assert.deepEqual(st.requests, [['GET', 2]]);
    assert.deepEqual(st.handled, [['GET', 200, 2]]);
    assert.deepEqual(st.served, [[`http://127.0.0.1:${m.port}`, 2]]);
    assert.equal(st.durations[0]?.[3], 2);
    assert.deepEqual(addon.stats(f.h).requests, [], 'stats are deltas');
  } finally { await f.close(); m.server.close(); }
});

test('a PUT gets its body and Content-Length; a chunked answer is re-chunked, a HEAD gets no body', async () => {
  const m = await member((head, s) => {
    if (head.startsWith('HEAD')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n');
    else s.write('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n');
  });
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const put = await raw(f.port, 'PUT /v2/keys/k HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nvalue=bar', (g) => g.endsWith('0\r\n\r\n'));
    assert.match(put, /^HTTP\/1\.1 201 Created\r\n/);
    assert.match(put, /Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n$/);
    assert.doesNotMatch(put, /X-Trailer/);
    assert.equal(m.heads[0], 'PUT /v2/keys/k HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 127.0.0.1\r\nVia: 1.1 edge-test\r\nContent-Length: 9\r\n\r\nvalue=bar');
    const head = await raw(f.port, 'HEAD /v2/keys/k HTTP/1.1\r\n\r\n', (g) => g.includes('\r\n\r\n'));
    assert.match(head, /Content-Length: 42\r\n/);
    assert.doesNotMatch(head, /Transfer-Encoding/);
    assert.match(m.heads[1] ?? '', /\r\nHost: 127\.0\.0\.1:\d+\r\n\r\n$/, 'a request without Host gets the endpoint\'s');
  } finally { await f.close(); m.server.close(); }
});

test('what the front does not serve is handed off at a request boundary, with the bytes not answered', async () => {
  const m = await member((_h, s) => s.write(ok('{}')));
  const f = await front({ readonly: true });
  try {
    f.endpoints([m.port]);
    await settle();
    const cases = [
      'GET /v2/members HTTP/1.1\r\n\r\n', 'GET /v2/keys/foo?wait=true HTTP/1.1\r\n\r\n', 'PUT /v2/keys/foo HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
      'GET /v2/keys/foo HTTP/1.0\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET /metrics HTTP/1.1\r\n\r\n', 'POST /v3/kv/put HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}',
      'GET /v2/keys/a HTTP/1.1\r\nVia: 1.1 other\r\n\r\n', 'GET /v2/keys/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'G@T / HTTP/1.1\r\n\r\n',
    ];
    for (const c of cases) await raw(f.port, c, () => false, 300);
    await until(() => handoffs(f.events).length >= cases.length);
    const handed = handoffs(f.events);
    assert.deepEqual(handed, cases);
    // A served request first, then one to hand off: the hand-off starts after the answered one.
    const both = 'GET /v2/keys/a HTTP/1.1\r\n\r\nGET /v2/members HTTP/1.1\r\n\r\n';
    const got = await raw(f.port, both, () => false, 300);
    assert.match(got, /^HTTP\/1\.1 200 OK/);
    await until(() => handoffs(f.events).length > cases.length);
    assert.equal(handoffs(f.events).at(-1), 'GET /v2/members HTTP/1.1\r\n\r\n');
  } finally { await f.close(); m.server.close(); }
});

test('a member that refuses: a fail event, then the request is handed off', async () => {
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const f = await front();
  try {
    f.endpoints([port]);
    await settle();
    await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', () => false, 300);
    await until(() => f.events.length >= 2);
    assert.deepEqual(f.events.map((e) => e.type), ['fail', 'handoff']);
    assert.equal(f.events[0]?.detail.split('\n')[0], `http://127.0.0.1:${port}`);
    assert.match(f.events[0]?.detail ?? '', /refused/);
    // The failed endpoint is left out until it is listed again: no second dial, straight to node:http.
    await raw(f.port, 'GET /v2/keys/b HTTP/1.1\r\n\r\n', () => false, 300);
    await until(() => f.events.length >= 3);
    assert.deepEqual(f.events.map((e) => e.type), ['fail', 'handoff', 'handoff']);
  } finally { await f.close(); }
});

test('a pooled connection the member closed is not used again, and the endpoint is not failed', async () => {
  let n = 0;
  const m = await member((_h, s) => {
    n++;
    s.write(ok(`{"n":${n}}`));
    if (n === 1) setTimeout(() => s.resetAndDestroy(), 10); // after the response: the pooled connection is stale
  });
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    assert.match(await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', (g) => g.includes('{"n":1}')), /\{"n":1\}/);
    await new Promise((r) => setTimeout(r, 80));
    assert.match(await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', (g) => g.includes('{"n":2}')), /\{"n":2\}/);
    assert.deepEqual(f.events.filter((e) => e.type !== 'closed'), []);
  } finally { await f.close(); m.server.close(); }
});

test('a request not complete within the client timeout gets 408; Connection: close is honoured', async () => {
  const m = await member((_h, s) => s.write(ok('{}')));
  const f = await front({ clientTimeoutMs: 300 });
  try {
    f.endpoints([m.port]);
    await settle();
    const slow = await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\nHost:', undefined, 2000);
    assert.equal(slow, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    const closing = await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\nConnection: close\r\n\r\n', undefined, 2000);
    assert.match(closing, /Connection: close\r\n/);
    assert.match(closing, /\{\}$/, 'the server closed after the response');
  } finally { await f.close(); m.server.close(); }
});

test('the cap counts what node:http holds too; connections over it are closed and counted', async () => {
  const m = await member((_h, s) => s.write(ok('{}')));
  const f = await front({ maxConnections: 2 });
  try {
    f.endpoints([m.port]);
    addon.setOthers(f.h, 1);
    const held = net.connect(f.port, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    await until(() => addon.active(f.h) === 1);
    assert.equal(addon.active(f.h), 1);
    const over = await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', undefined, 1000);
    assert.equal(over, '');
    assert.equal(addon.stats(f.h).refused, 1);
    held.destroy();
    addon.setOthers(f.h, 0);
    await settle();
    assert.match(await raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', (g) => g.endsWith('{}')), /200 OK/);
  } finally { await f.close(); m.server.close(); }
});

test('a slow reader gets every byte of a large response', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const m = await member((_h, s) => s.write(ok(big)));
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const got = await new Promise<number>((resolve) => {
      const s = net.connect(f.port, '127.0.0.1');
      let n = 0;
      s.on('data', (d) => { n += d.length; s.pause(); setTimeout(() => s.resume(), 2); if (n >= big.length) { s.destroy(); resolve(n); } });
      s.write('GET /v2/keys/big HTTP/1.1\r\n\r\n');
    });
    assert.ok(got >= big.length);
  } finally { await f.close(); m.server.close(); }
});

test('close lets an exchange in flight finish (with Connection: close), then reports closed', async () => {
  const m = await member((_h, s) => setTimeout(() => s.write(ok('{"late":1}')), 200));
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const pending = raw(f.port, 'GET /v2/keys/a HTTP/1.1\r\n\r\n', undefined, 3000);
    await new Promise((r) => setTimeout(r, 50));
    await f.close(2000);
    const got = await pending;
    assert.match(got, /Connection: close\r\n/);
    assert.match(got, /\{"late":1\}$/);
    assert.equal(addon.active(f.h), 0);
    await assert.rejects(new Promise((resolve, reject) => net.connect(f.port, '127.0.0.1').on('connect', resolve).on('error', reject)));
  } finally { await f.close(); m.server.close(); }
});

test('an endless head or a body over maxBodyBytes is handed off early, without buffering it all', async () => {
  const m = await member((_h, s) => s.write(ok('{}')));
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    await raw(f.port, `GET /v2/keys/a HTTP/1.1\r\nX-Long: ${'a'.repeat(1024 * 1024)}`, () => false, 500);
    await raw(f.port, `PUT /v2/keys/b HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n${'b'.repeat(300 * 1024)}`, () => false, 500);
    await until(() => handoffs(f.events).length >= 2);
    const [head, body] = f.events.filter((e) => e.type === 'handoff').map((e) => e.data);
    assert.ok(head?.startsWith('GET /v2/keys/a HTTP/1.1\r\nX-Long: aaa') && head.length < 128 * 1024, `head hand-off of ${head?.length} bytes`);
    assert.ok(body?.startsWith('PUT /v2/keys/b HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n') && body.length < 128 * 1024, `body hand-off of ${body?.length} bytes`);
    assert.equal(m.heads.length, 0);
  } finally { await f.close(); m.server.close(); }
});

test('a close-delimited answer ends its chunked body and keeps the client connection', async () => {
  const m = await member((head, s) => {
    if (head.includes('/close')) { s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-eof'); return; }
    s.write(ok('{"next":1}'));
  });
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const got = await raw(f.port, 'GET /v2/keys/close HTTP/1.1\r\n\r\nGET /v2/keys/next HTTP/1.1\r\n\r\n', (g) => g.includes('{"next":1}'));
    assert.match(got, /Transfer-Encoding: chunked\r\n\r\n9\r\nuntil-eof\r\n0\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.match(got, /\{"next":1\}$/);
  } finally { await f.close(); m.server.close(); }
});

test('what node:http would refuse goes to node:http: a space in a header name, a complete head over 16 KB', async () => {
  const m = await member((_h, s) => s.write(ok('{}')));
  const f = await front();
  try {
    f.endpoints([m.port]);
    await settle();
    const spaced = 'GET /v2/keys/a HTTP/1.1\r\nX Bad: 1\r\n\r\n';
    const big = `GET /v2/keys/a HTTP/1.1\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`;
    await raw(f.port, spaced, () => false, 300);
    await raw(f.port, big, () => false, 300);
    await until(() => handoffs(f.events).length >= 2);
    assert.deepEqual(f.events.filter((e) => e.type === 'handoff').map((e) => e.data), [spaced, big]);
    assert.equal(m.heads.length, 0);
  } finally { await f.close(); m.server.close(); }
});
