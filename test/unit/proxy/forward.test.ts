// The forwarder against fake members: failover, 502/503 bodies, streaming, client and upstream deaths, headers.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { fakeMember, rawExchange, request, startProxy, wait } from './fakes.js';

test('forwards method, path, query and body, and answers from a live member', async (t) => {
  const m = await fakeMember(t, (req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => { res.writeHead(201, { 'X-Echo': 'yes' }); res.end(`${req.method} ${req.url} ${b}`); });
  });
  const p = await startProxy(t, () => [m.url]);
  const got = await request(`${p.urls()[0]}/v2/keys/a?x=1`, { method: 'PUT', body: 'value=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(got.status, 201);
  assert.equal(got.body, 'PUT /v2/keys/a?x=1 value=b');
  assert.equal(got.headers['x-echo'], 'yes');
});

test('503 with etcd\'s body when no endpoint is known', async (t) => {
  const p = await startProxy(t, () => []);
  const got = await request(`${p.urls()[0]}/v2/keys/a`);
  assert.equal(got.status, 503);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.body, '{"message":"httpproxy: zero endpoints currently available"}');
});

test('a dead endpoint is skipped, ejected, and the request is retried with its body on a live one', async (t) => {
  const dead = await fakeMember(t);
  await dead.close();
  const seen: string[] = [];
  const live = await fakeMember(t, (req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => { seen.push(b); res.end('live'); });
  });
  const p = await startProxy(t, () => [dead.url, live.url], ['--proxy-refresh-interval', '60000'], { order: (u) => [dead.url, ...u.filter((x) => x !== dead.url)] });
  for (let i = 0; i < 4; i++) {
    const got = await request(`${p.urls()[0]}/v3/kv/put`, { method: 'POST', body: `{"n":${i}}` });
    assert.equal(got.status, 200);
    assert.equal(got.body, 'live');
  }
  assert.deepEqual(seen, ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
  assert.deepEqual(p.endpoints(), [live.url]);
});

test('502 naming how many endpoints failed when all are dead, then 503 while they are ejected', async (t) => {
  const a = await fakeMember(t);
  const b = await fakeMember(t);
  await a.close();
  await b.close();
  const p = await startProxy(t, () => [a.url, b.url], ['--proxy-failure-wait', '60000', '--proxy-refresh-interval', '60000']);
  const first = await request(`${p.urls()[0]}/v2/keys/a`);
  assert.equal(first.status, 502);
  assert.equal(first.body, '{"message":"httpproxy: unable to get response from 2 endpoint(s)"}');
  const second = await request(`${p.urls()[0]}/v2/keys/a`);
  assert.equal(second.status, 503);
});

test('upstream 5xx and 3xx pass through without ejecting the endpoint', async (t) => {
  const m = await fakeMember(t, (req, res) => {
    if (req.url === '/redirect') { res.writeHead(307, { Location: 'http://127.0.0.1:9/x' }); res.end(); return; }
    res.writeHead(500); res.end('boom');
  });
  const p = await startProxy(t, () => [m.url]);
  assert.equal((await request(`${p.urls()[0]}/x`)).status, 500);
  const r = await request(`${p.urls()[0]}/redirect`);
  assert.equal(r.status, 307);
  assert.equal(r.headers.location, 'http://127.0.0.1:9/x');
  assert.deepEqual(p.endpoints(), [m.url]);
});

test('strips hop-by-hop and Connection-named headers, appends X-Forwarded-For and Via, keeps Host', async (t) => {
  let headers: http.IncomingHttpHeaders = {};
  const m = await fakeMember(t, (req, res) => { headers = req.headers; res.writeHead(200, { 'X-Hop': 'bad', Connection: 'X-Hop' }); res.end(); });
  const p = await startProxy(t, () => [m.url]);
  // Raw bytes: Node's own client refuses to send a Trailer header, which is exactly what crashes naive proxies.
  const got = await rawExchange(p.address().port, 'GET /x HTTP/1.1\r\nHost: myhost.example:1234\r\nConnection: close, X-Foo\r\nX-Foo: 1\r\n'
    + 'X-Bar: 2\r\nX-Forwarded-For: 10.0.0.1\r\nProxy-Authorization: secret\r\nTE: trailers\r\nTrailer: X-T\r\n\r\n');
  assert.match(got.text, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(got.text, /x-hop/i);
  assert.equal(headers.host, 'myhost.example:1234');
  assert.equal(headers['x-foo'], undefined);
  assert.equal(headers['x-bar'], '2');
  assert.equal(headers['proxy-authorization'], undefined);
  assert.equal(headers.te, undefined);
  assert.equal(headers.trailer, undefined);
  assert.equal(headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.match(String(headers.via), /^1\.1 etcd-edge-[0-9a-f]{12}$/);
});

test('streams chunks to the client as they arrive (watch events are not held back)', async (t) => {
  let release: () => void = () => undefined;
  const m = await fakeMember(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"event":1}\n');
    release = () => { res.write('{"event":2}\n'); res.end(); };
  });
  const p = await startProxy(t, () => [m.url]);
  const chunks: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    http.request(`${p.urls()[0]}/v3/watch`, { method: 'POST', agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => { chunks.push(c); if (chunks.length === 1) release(); });
      res.on('end', resolve);
    }).on('error', reject).end('{"create_request":{"key":"YQ=="}}');
  });
  await done;
  assert.deepEqual(chunks, ['{"event":1}\n', '{"event":2}\n']);
});

test('a client that disconnects closes its upstream request', async (t) => {
  let upstreamClosed = false;
  let started: () => void = () => undefined;
  const reached = new Promise<void>((r) => { started = r; });
  const m = await fakeMember(t, (req, res) => {
    res.writeHead(200);
    res.write('{"created":true}\n');
    req.socket.on('close', () => { upstreamClosed = true; });
    started();
  });
  const p = await startProxy(t, () => [m.url]);
  const r = http.request(`${p.urls()[0]}/v2/keys/a?wait=true`, { agent: false }, (res) => { res.once('data', () => r.destroy()); });
  r.on('error', () => undefined);
  r.end();
  await reached;
  for (let i = 0; i < 50 && !upstreamClosed; i++) await wait(50);
  assert.equal(upstreamClosed, true);
});

test('an upstream that dies mid-response ends the client response', async (t) => {
  const m = await fakeMember(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('x'.repeat(1024));
    setTimeout(() => res.socket?.destroy(), 50);
  });
  const p = await startProxy(t, () => [m.url]);
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('hung'), 5000);
    http.request(`${p.urls()[0]}/v3/kv/range`, { method: 'POST', agent: false }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => { clearTimeout(timer); resolve('ended'); });
      res.on('error', () => { clearTimeout(timer); resolve('aborted'); });
      res.on('aborted', () => { clearTimeout(timer); resolve('aborted'); });
    }).on('error', () => { clearTimeout(timer); resolve('aborted'); }).end('{}');
  });
  assert.equal(outcome, 'aborted');
});

test('a proxy-read-timeout ejects a silent member and fails over, but never applies to watches', async (t) => {
  const silent = await fakeMember(t, (req, res) => { if (req.url?.startsWith('/v2/keys/w')) setTimeout(() => res.end('late'), 700); });
  const p = await startProxy(t, () => [silent.url], ['--proxy-read-timeout', '300', '--proxy-failure-wait', '60000', '--proxy-refresh-interval', '60000']);
  const watch = await request(`${p.urls()[0]}/v2/keys/w?wait=true`);
  assert.equal(watch.body, 'late');
  const got = await request(`${p.urls()[0]}/v3/kv/range`, { method: 'POST', body: '{}' });
  assert.equal(got.status, 502);
});

test('--proxy-dial-timeout: a member that accepts TCP but never finishes the TLS handshake is ejected after the timeout, and the request is served by another', { timeout: 15_000 }, async (t) => {
  const sockets = new Set<net.Socket>();
  const stuck = net.createServer((sock) => { sockets.add(sock); sock.on('error', () => undefined); });
  await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { sockets.forEach((x) => x.destroy()); stuck.close(() => r()); }));
  const stuckUrl = `https://127.0.0.1:${(stuck.address() as net.AddressInfo).port}`;
  const live = await fakeMember(t, (_req, res) => res.end('live'));
  const p = await startProxy(t, () => [stuckUrl, live.url], ['--proxy-dial-timeout', '300', '--proxy-failure-wait', '60000', '--proxy-refresh-interval', '60000'],
    { order: (u) => [stuckUrl, ...u.filter((x) => x !== stuckUrl)] });
  const t0 = Date.now();
  const got = await request(`${p.urls()[0]}/v2/keys/a`);
  assert.deepEqual([got.status, got.body], [200, 'live']);
  assert.ok(Date.now() - t0 >= 290, 'it waited for the dial timeout first');
  assert.equal(sockets.size, 1, 'the stuck member was dialled');
  assert.deepEqual(p.endpoints(), [live.url], 'and ejected');
});

test('a kept-alive connection the member drops is retried once on the same member, which is not ejected', async (t) => {
  // A raw member that answers the first request on each connection and drops the connection on the second.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let n = 0;
    s.on('data', () => {
      n++;
      if (n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else s.destroy();
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const p = await startProxy(t, () => [url], ['--proxy-refresh-interval', '60000']);
  for (let i = 0; i < 3; i++) {
    const got = await request(`${p.urls()[0]}/v2/keys/a`);
    assert.deepEqual([got.status, got.body], [200, 'ok']);
  }
  assert.deepEqual(p.endpoints(), [url]);
});

test('a slow reader holds the member back instead of buffering the whole response', async (t) => {
  let written = 0;
  const m = await fakeMember(t, (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = (): void => {
      while (written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  });
  const p = await startProxy(t, () => [m.url]);
  const r = http.request(`${p.urls()[0]}/v3/watch`, { method: 'POST', agent: false }, (res) => res.pause());
  r.on('error', () => undefined);
  r.end('{}');
  await wait(1000);
  assert.ok(written < 16 * 1024 * 1024, `member wrote ${written} bytes to a client that reads nothing`);
  r.destroy();
});

test('watches outlive --proxy-client-timeout while silent; other exchanges do not', async (t) => {
  const m = await fakeMember(t, (req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('event'), 1200));
  });
  const p = await startProxy(t, () => [m.url], ['--proxy-client-timeout', '300']);
  assert.equal((await request(`${p.urls()[0]}/v2/keys/a?wait=true`)).body, 'event');
  assert.equal((await request(`${p.urls()[0]}/v3/watch`, { method: 'POST', body: '{"create_request":{}}' })).body, 'event');
  await assert.rejects(request(`${p.urls()[0]}/v2/keys/a`), 'a silent non-watch exchange is cut');
});
