// The native front's v3 JSON ranges over gRPC (proxy/native/grpc.c, rangepb.c) on their own, against a member
// that speaks HTTP/2 (node:http2, the gRPC side) and HTTP/1.1 (the JSON side) on one port, as etcd does: the call
// it makes and the JSON it writes; and every case that must send the request as JSON instead, once (a gRPC error,
// a reset stream, an answer over 256 KB, a field it does not know, a connection that dies with calls in flight, a
// member without HTTP/2, credentials); a client that leaves cancels its call. The answers' bytes against a real
// etcd member: test/e2e/proxy-v3grpc.e2e.test.ts.
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

interface Front {
  create(o: Record<string, unknown>, cb: (type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, string, number, string]>): void;
  stats(h: object): { v3Grpc: [number, number] };
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

// PROXY_FRONT_ADDON: another build of the addon (scripts/asan-gateway.sh's AddressSanitizer build).
const addon = createRequire(import.meta.url)(process.env['PROXY_FRONT_ADDON'] ?? fileURLToPath(new URL('../../../Release/proxy_front.node', import.meta.url))) as Front;

// ---- protobuf, as much as a RangeResponse needs
const varint = (v: bigint): Buffer => {
  const out: number[] = [];
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return Buffer.from(out);
};
const num = (field: number, v: number): Buffer => Buffer.concat([varint(BigInt(field << 3)), varint(BigInt(v))]);
const bytes = (field: number, b: Buffer | string): Buffer => Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(Buffer.byteLength(b))), Buffer.from(b)]);
const frame = (msg: Buffer): Buffer => Buffer.concat([Buffer.from([0, msg.length >>> 24, (msg.length >>> 16) & 255, (msg.length >>> 8) & 255, msg.length & 255]), msg]);
const HEADER = bytes(1, Buffer.concat([num(1, 11), num(2, 22), num(3, 33), num(4, 2)]));
const kv = (key: string, value: Buffer | string): Buffer => bytes(2, Buffer.concat([bytes(1, key), num(2, 5), num(3, 6), num(4, 2), bytes(5, value)]));
const HEADER_JSON = '{"cluster_id":"11","member_id":"22","revision":"33","raft_term":"2"}';

type Behaviour = (stream: http2.ServerHttp2Stream, body: Buffer) => void;

/** Answers a call as a gRPC server: headers, the message, grpc-status in trailers. */
function grpcAnswer(msg: Buffer, status = '0'): Behaviour {
  return (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true, sendDate: false } as http2.ServerStreamResponseOptions);
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status, ...(status === '0' ? {} : { 'grpc-message': 'nope' }) }));
    stream.end(status === '0' ? frame(msg) : undefined);
  };
}

/** A member: HTTP/2 calls go to `call` (null: it answers the HTTP/2 preface with a 400; 'silent': it says nothing
 * on such a connection); every HTTP/1.1 request gets JSON_BODY. */
const JSON_BODY = '{"from":"json"}';
async function member(call: Behaviour | null | 'silent') {
  const rec = { h2conns: 0, calls: [] as Array<{ headers: http2.IncomingHttpHeaders; body: Buffer }>, json: [] as string[], sessions: new Set<http2.ServerHttp2Session>(), streams: [] as http2.ServerHttp2Stream[] };
  const h2 = http2.createServer();
  h2.on('session', (s) => { rec.sessions.add(s); s.on('error', () => undefined); });
  h2.on('stream', (stream, headers) => {
    rec.streams.push(stream);
    stream.on('error', () => undefined);
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => { const body = Buffer.concat(parts); rec.calls.push({ headers, body }); if (typeof call === 'function') call(stream, body); });
  });
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let sniffed = false;
    s.on('data', function onData(d: Buffer) {
      buf = Buffer.concat([buf, d]);
      if (!sniffed && buf.length >= 3) {
        sniffed = true;
        if (buf.subarray(0, 3).toString() === 'PRI' && call === 'silent') { rec.h2conns++; s.off('data', onData); return; }
        if (buf.subarray(0, 3).toString() === 'PRI' && call !== null) {
          rec.h2conns++;
          // node:http2 reads a net.Socket's handle itself: what was read already goes in through a JS stream.
          s.off('data', onData);
          const d2 = new Duplex({ read() { s.resume(); }, write(chunk, _enc, cb) { s.write(chunk, cb); }, final(cb) { s.end(); cb(); } });
          s.on('data', (more: Buffer) => { if (!d2.push(more)) s.pause(); });
          s.on('end', () => d2.push(null));
          s.on('close', () => d2.destroy());
          d2.on('error', () => undefined);
          d2.push(buf);
          h2.emit('connection', d2);
          return;
        }
        if (buf.subarray(0, 3).toString() === 'PRI') {
          rec.h2conns++;
          s.off('data', onData);
          s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
      }
      for (;;) {
        const text = buf.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) return;
        const len = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (text.length < end + 4 + len) return;
        rec.json.push(text.slice(end + 4, end + 4 + len));
        buf = buf.subarray(end + 4 + len);
        s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: ${JSON_BODY.length}\r\n\r\n${JSON_BODY}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(rec, {
    port,
    async close() {
      for (const s of rec.sessions) s.destroy();
      await new Promise((r) => server.close(r));
      h2.close();
    },
  });
}

async function front(port: number) {
  const events: string[] = [];
  const h = addon.create({
    host: '127.0.0.1', port: 0, backlog: 511, maxConnections: 100, clientTimeoutMs: 5000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 0,
    dialTimeoutMs: 1000, writeTimeoutMs: 5000, readTimeoutMs: 0, maxBodyBytes: 65536, readonly: false, via: '1.1 edge-test', v3Grpc: true,
  }, (type, fd) => { events.push(type); if (fd >= 0) closeSync(fd); });
  addon.setEndpoints(h, [[`http://127.0.0.1:${port}`, '127.0.0.1', port, `127.0.0.1:${port}`]]);
  await new Promise((r) => setTimeout(r, 20));
  let closed = false;
  const totals: [number, number] = [0, 0];
  return {
    port: addon.port(h),
    /** [answered over gRPC, sent again as JSON] so far. */
    grpc(): number[] { const s = addon.stats(h).v3Grpc; totals[0] += s[0]; totals[1] += s[1]; return [...totals]; },
    async close() {
      if (closed) return;
      closed = true;
      addon.close(h, 0);
      for (let i = 0; i < 200 && !events.includes('closed'); i++) await new Promise((r) => setTimeout(r, 20));
      addon.join(h);
    },
  };
}

/** Sends raw requests on one connection and reads until `count` responses' worth of bodies came (or the end). */
function exchange(port: number, raw: string, until: (got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(raw));
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`timed out with ${JSON.stringify(got)}`)); }, 5000);
    s.on('data', (d) => { got += d.toString('latin1'); if (until(got)) { clearTimeout(timer); s.end(); resolve(got); } });
    s.on('error', reject);
    s.on('close', () => { clearTimeout(timer); resolve(got); });
  });
}

const range = (body: string, extra = ''): string => `POST /v3/kv/range HTTP/1.1\r\nHost: f\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
const bodyOf = (res: string): string => res.slice(res.indexOf('\r\n\r\n') + 4);

test('a range goes as a gRPC call and comes back as the gateway writes it, on one HTTP/2 connection', async (t) => {
  const m = await member(grpcAnswer(Buffer.concat([HEADER, kv('foo', 'bar'), num(4, 1)])));
  const f = await front(m.port);
  t.after(async () => { await f.close(); await m.close(); });
  const want = `{"header":${HEADER_JSON},"kvs":[{"key":"Zm9v","create_revision":"5","mod_revision":"6","version":"2","value":"YmFy"}],"count":"1"}`;
  const body = ' {"key":"Zm9v", "range_end":"Zm9w","limit":"2","serializable":true,"keysOnly":false}';
  const res = await exchange(f.port, range(body) + range('{"key":"Zm9v"}'), (g) => g.split(want).length === 3);
  assert.equal(res.split(want).length, 3, `${res} h2conns=${m.h2conns} calls=${m.calls.length} json=${JSON.stringify(m.json)}`);
  assert.match(res, new RegExp(`^HTTP/1.1 200 OK\r\nAccess-Control-Allow-Headers: accept, content-type, authorization\r\nAccess-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\nAccess-Control-Allow-Origin: \\*\r\nContent-Type: application/json\r\nGrpc-Metadata-Content-Type: application/grpc\r\nDate: [^\r]+ GMT\r\nContent-Length: ${want.length}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n`));
  assert.equal(m.h2conns, 1);
  assert.equal(m.calls.length, 2);
  const call = m.calls[0] as { headers: http2.IncomingHttpHeaders; body: Buffer };
  assert.equal(call.headers[':path'], '/etcdserverpb.KV/Range');
  assert.equal(call.headers['content-type'], 'application/grpc');
  assert.equal(call.headers[':authority'], `127.0.0.1:${m.port}`);
  assert.deepEqual(call.body, frame(Buffer.concat([bytes(1, 'foo'), bytes(2, 'fop'), num(3, 2), num(7, 1)])));
  assert.deepEqual(m.json, []);
  assert.deepEqual(f.grpc(), [2, 0]);
});

test('an answer over 2,048 bytes is chunked, as Go writes it; an empty range has the header only', async (t) => {
  const m = await member((stream, body) => grpcAnswer(body.includes(Buffer.from('big')) ? Buffer.concat([HEADER, kv('big', 'x'.repeat(3000)), num(3, 1), num(4, 7)]) : HEADER)(stream, body));
  const f = await front(m.port);
  t.after(async () => { await f.close(); await m.close(); });
  const big = await exchange(f.port, range(`{"key":"${Buffer.from('big').toString('base64')}"}`, 'Connection: close\r\n'), () => false);
  const json = `{"header":${HEADER_JSON},"kvs":[{"key":"Ymln","create_revision":"5","mod_revision":"6","version":"2","value":"${Buffer.from('x'.repeat(3000)).toString('base64')}"}],"more":true,"count":"7"}`;
  assert.match(big, /\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n/);
  assert.equal(bodyOf(big), `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`);
  const empty = await exchange(f.port, range('{"key":"eA=="}', 'Connection: close\r\n'), () => false);
  assert.equal(bodyOf(empty), `{"header":${HEADER_JSON}}`);
});

test('a gRPC error, a reset stream, an answer over 256 KB, an unknown field or header: the request goes as JSON, once', async (t) => {
  const cases: Array<[string, Behaviour]> = [
    ['grpc error', grpcAnswer(HEADER, '11')],
    ['reset', (stream) => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)],
    ['too big', grpcAnswer(Buffer.concat([HEADER, kv('k', Buffer.alloc(300 * 1024, 0x61))]))],
    ['unknown field', grpcAnswer(Buffer.concat([HEADER, num(9, 1)]))],
    // A response header the gateway would pass on as Grpc-Metadata-*: node:http2 adds a date unless told not to.
    ['other header', (stream) => { stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true }); stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' })); stream.end(frame(HEADER)); }],
    ['unknown kv field', grpcAnswer(Buffer.concat([HEADER, bytes(2, Buffer.concat([bytes(1, 'k'), num(7, 1)]))]))],
    ['truncated message', (stream) => { stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true, sendDate: false } as http2.ServerStreamResponseOptions); stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' })); stream.end(frame(HEADER).subarray(0, 6)); }],
  ];
  for (const [name, behaviour] of cases) {
    const m = await member(behaviour);
    const f = await front(m.port);
    try {
      const res = await exchange(f.port, range('{"key":"Zm9v"}'), (g) => g.endsWith(JSON_BODY));
      assert.equal(bodyOf(res), JSON_BODY, name);
      assert.deepEqual(m.json, ['{"key":"Zm9v"}'], `${name}: the member got the JSON request once`);
      assert.equal(m.calls.length, 1, name);
      assert.deepEqual(f.grpc(), [0, 1], name);
    } finally {
      await f.close();
      await m.close();
    }
  }
});

test('a connection that dies with calls in flight: each goes as JSON; the next range dials again', async (t) => {
  let hold: http2.ServerHttp2Stream[] = [];
  const m = await member((stream) => { hold.push(stream); });
  const f = await front(m.port);
  t.after(async () => { await f.close(); await m.close(); });
  const pending = [0, 1, 2].map(() => exchange(f.port, range('{"key":"Zm9v"}'), (g) => g.endsWith(JSON_BODY)));
  for (let i = 0; i < 100 && hold.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(hold.length, 3);
  for (const s of m.sessions) s.destroy();
  for (const res of await Promise.all(pending)) assert.equal(bodyOf(res), JSON_BODY);
  assert.equal(m.json.length, 3);
  hold = [];
  const again = exchange(f.port, range('{"key":"Zm9v"}'), (g) => g.endsWith('}}'));
  for (let i = 0; i < 100 && hold.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(m.h2conns, 2);
  const last = hold[0];
  assert.ok(last);
  grpcAnswer(HEADER)(last, Buffer.alloc(0));
  assert.equal(bodyOf(await again), `{"header":${HEADER_JSON}}`);
});

test('a client that leaves cancels its call (RST_STREAM CANCEL)', async (t) => {
  const held: http2.ServerHttp2Stream[] = [];
  const m = await member((stream) => { held.push(stream); });
  const f = await front(m.port);
  t.after(async () => { await f.close(); await m.close(); });
  const s = net.connect(f.port, '127.0.0.1', () => s.write(range('{"key":"Zm9v"}')));
  for (let i = 0; i < 100 && held.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
  const stream = held[0] as http2.ServerHttp2Stream;
  const closed = new Promise<number>((r) => stream.on('close', () => r(stream.rstCode)));
  s.destroy();
  assert.equal(await closed, http2.constants.NGHTTP2_CANCEL);
  assert.deepEqual(m.json, []);
});

test('a member without HTTP/2 is asked once, then gets JSON; credentials or metadata go as JSON', async (t) => {
  for (const kind of [null, 'silent'] as const) {
    const m = await member(kind);
    const f = await front(m.port);
    try {
      // A silent member is given up on after the dial timeout (1 s here).
      for (let i = 0; i < 3; i++) assert.equal(bodyOf(await exchange(f.port, range('{"key":"Zm9v"}'), (g) => g.endsWith(JSON_BODY))), JSON_BODY, String(kind));
      assert.equal(m.h2conns, 1, `${String(kind)}: one HTTP/2 attempt`);
      assert.equal(m.json.length, 3);
    } finally {
      await f.close();
      await m.close();
    }
  }
  const m2 = await member(grpcAnswer(HEADER));
  const f2 = await front(m2.port);
  t.after(async () => { await f2.close(); await m2.close(); });
  for (const extra of ['Authorization: tok\r\n', 'Grpc-Metadata-Foo: 1\r\n', 'Grpc-Timeout: 1S\r\n']) {
    assert.equal(bodyOf(await exchange(f2.port, range('{"key":"Zm9v"}', extra), (g) => g.endsWith(JSON_BODY))), JSON_BODY, extra);
  }
  for (const path of ['/v3/kv/range?x=1', '/v3/kv/rangex']) {
    await exchange(f2.port, `POST ${path} HTTP/1.1\r\nHost: f\r\nContent-Length: 14\r\n\r\n{"key":"Zm9v"}`, (g) => g.endsWith(JSON_BODY));
  }
  assert.equal(m2.h2conns, 0);
  assert.equal(m2.json.length, 4, 'the query one as JSON; the other route is handed off');
});
