// Requests the proxy never forwards get an answer the client can read: 413 to a client that writes a large body
// at once and reads only afterwards, 400 to a request line without a version, 405 to CONNECT and other methods.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { fakeMember, rawExchange, request, startProxy } from './fakes.js';

/** Writes head and body in one go without reading, then reads everything until the server closes. */
function writeAllThenRead(port: number, head: string, body: Buffer): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    s.pause();
    s.on('connect', () => {
      s.write(Buffer.concat([Buffer.from(head), body]), () => { s.resume(); });
    });
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ text, error: e.code ?? e.message }));
    s.on('close', () => resolve({ text }));
    setTimeout(() => s.destroy(), 10_000).unref();
  });
}

test('a 2.67 MB body written at once without Expect reads a 413, not a reset; the proxy keeps serving', async (t) => {
  let hits = 0;
  const m = await fakeMember(t, (_req, res) => { hits++; res.end('{}'); });
  const p = await startProxy(t, () => [m.url]);
  const body = Buffer.from(JSON.stringify({ key: 'Zm9v', value: Buffer.alloc(2_000_000, 1).toString('base64') }));
  assert.ok(body.length > 2_600_000 && body.length < 2_700_000, String(body.length));
  const head = `POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const got = await writeAllThenRead(p.address().port, head, body);
  assert.match(got.text, /^HTTP\/1\.1 413 /, `got ${JSON.stringify(got.text.slice(0, 80))} ${got.error ?? ''}`);
  assert.match(got.text, /request body larger than 1572864 bytes/);
  assert.equal(got.error, undefined, 'no reset');
  assert.equal(hits, 0);
  assert.equal((await request(`${p.urls()[0]}/v2/keys/x`)).status, 200);
});

test('a 413 stops draining after the linger bound, so an endless body cannot hold the connection', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--max-request-bytes', '1000']);
  const s = net.connect(p.address().port, '127.0.0.1');
  t.after(() => s.destroy());
  let text = '';
  s.on('data', (d) => { text += d.toString('latin1'); });
  s.on('error', () => {});
  s.write('POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = `400\r\n${'z'.repeat(1024)}\r\n`;
  const pump = setInterval(() => { if (!s.destroyed) s.write(chunk); }, 5);
  t.after(() => clearInterval(pump));
  const closed = await new Promise<boolean>((r) => { s.on('close', () => r(true)); setTimeout(() => r(false), 9000).unref(); });
  assert.match(text, /^HTTP\/1\.1 413 /);
  assert.equal(closed, true, 'the server closed the connection');
});

const cases: { name: string; raw: string; status: number; body: RegExp; allow?: boolean }[] = [
  { name: 'a request line without an HTTP version', raw: 'GET /v2/keys/foo\r\n\r\n', status: 400, body: /no HTTP version/ },
  { name: 'CONNECT', raw: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', status: 405, body: /method CONNECT is not forwarded/, allow: true },
  { name: 'TRACE', raw: 'TRACE /v2/keys/foo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', status: 405, body: /method TRACE is not forwarded/, allow: true },
  { name: 'PATCH', raw: 'PATCH /v2/keys/foo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', status: 405, body: /method PATCH is not forwarded/, allow: true },
];

for (const c of cases) {
  test(`${c.name} gets ${c.status} with a body and never reaches a member`, async (t) => {
    let hits = 0;
    const m = await fakeMember(t, (_req, res) => { hits++; res.end('{}'); });
    const p = await startProxy(t, () => [m.url]);
    const got = await rawExchange(p.address().port, c.raw);
    assert.match(got.text, new RegExp(`^HTTP/1\\.1 ${c.status} `));
    assert.match(got.text, c.body);
    if (c.allow) assert.match(got.text, /\r\nAllow: GET, HEAD, PUT, POST, DELETE, OPTIONS\r\n/i);
    assert.equal(hits, 0);
    const metrics = await request(`${p.urls()[0]}/metrics`);
    assert.match(metrics.body, new RegExp(`etcd_proxy_dropped_total\\{method="[A-Z]+",proxying_error="${c.status === 400 ? 'bad_request' : 'method_not_allowed'}"\\} 1`));
  });
}
