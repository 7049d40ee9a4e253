// The proxy component with fake members: readonly, loops, member-list rewriting, bad and slow clients, the
// paths it answers itself, state files, and a close() that drains then cuts.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { createProxy, parseProxyFlags } from '../../../proxy/index.js';
import { fakeMember, members, rawExchange, request, startProxy, tmp, wait } from './fakes.js';

test('readonly: v2 non-GET and v3 writes get 501 with an empty body; reads pass', async (t) => {
  let hits = 0;
  const m = await fakeMember(t, (_req, res) => { hits++; res.end('{}'); });
  const p = await startProxy(t, () => [m.url], ['--proxy', 'readonly']);
  const base = p.urls()[0] as string;
  for (const [method, url] of [['PUT', '/v2/keys/a'], ['POST', '/v2/keys/a'], ['DELETE', '/v2/keys/a'], ['HEAD', '/v2/keys/a'],
    ['POST', '/v3/kv/put'], ['POST', '/v3/kv/deleterange'], ['POST', '/v3/kv/txn'], ['POST', '/v3/lease/grant'], ['POST', '/v3/auth/enable'],
    ['POST', '/v3/cluster/member/add'], ['POST', '/v3/maintenance/defragment'], ['POST', '/v3beta/kv/put']] as const) {
    const got = await request(base + url, method === 'PUT' || method === 'POST' ? { method, body: '{}' } : { method });
    assert.equal(got.status, 501, `${method} ${url}`);
    assert.equal(got.body, '');
  }
  assert.equal(hits, 0);
  for (const [method, url] of [['GET', '/v2/keys/a'], ['POST', '/v3/kv/range'], ['POST', '/v3/watch'], ['POST', '/v3/maintenance/status'], ['GET', '/health']] as const) {
    assert.equal((await request(base + url, method === 'POST' ? { method, body: '{}' } : { method })).status, 200, `${method} ${url}`);
  }
});

test('an endpoint equal to the proxy\'s own address is dropped; a request that comes back gets 508', async (t) => {
  const { port: selfPort } = await new Promise<{ port: number }>((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address() as { port: number }; s.close(() => resolve(a)); });
  });
  const self = `http://127.0.0.1:${selfPort}`;
  let bouncer = '';
  // A "member" that sends every request straight back to the proxy, as a member advertising the proxy's URL
  // behind another name would.
  const looping = await fakeMember(t, (req, res) => {
    const r = http.request(bouncer + (req.url ?? '/'), { method: req.method, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    r.on('error', () => { res.writeHead(500); res.end(); });
    req.pipe(r);
  });
  const cfg = parseProxyFlags(['--listen-client-urls', self, '--initial-cluster', 'p=http://127.0.0.1:1', '--data-dir', tmp(t)], {});
  const p = createProxy(cfg, { fetchMembers: () => Promise.resolve(members([self, `http://localhost:${selfPort}`, looping.url])) });
  t.after(() => p.close());
  await p.start();
  bouncer = p.urls()[0] as string;
  assert.deepEqual(p.endpoints(), [looping.url]);
  const got = await request(`${bouncer}/v2/keys/a`);
  assert.equal(got.status, 508);
  assert.match(got.body, /request loop detected/);
});

test('member lists are rewritten to the proxy\'s URL byte-faithfully; off with --proxy-rewrite-member-urls=false', async (t) => {
  const v3 = '{"header":{"cluster_id":"12980550584671451710"},"members":[{"ID":"18233278573876663181","name":"a]\\"clientURLs\\"","peerURLs":["http://[::1]:2380"],"clientURLs":["http://[::1]:2379","http://10.0.0.1:2379"]},{"ID":"5","peerURLs":["http://x:2380"]}]}\n';
  const m = await fakeMember(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(v3), 'X-Accept-Encoding': String(req.headers['accept-encoding']) });
    res.end(v3);
  });
  const on = await startProxy(t, () => [m.url], ['--proxy-advertise-client-urls', 'http://proxy.example:2379']);
  const got = await request(`${on.urls()[0]}/v3/cluster/member/list`, { method: 'POST', body: '{}', headers: { 'Accept-Encoding': 'gzip' } });
  const want = v3.replace('["http://[::1]:2379","http://10.0.0.1:2379"]', '["http://proxy.example:2379"]');
  assert.equal(got.body, want);
  assert.equal(got.headers['content-length'], String(Buffer.byteLength(want)));
  assert.equal(got.headers['x-accept-encoding'], 'undefined');
  const off = await startProxy(t, () => [m.url], ['--proxy-rewrite-member-urls=false']);
  assert.equal((await request(`${off.urls()[0]}/v3/cluster/member/list`, { method: 'POST', body: '{}' })).body, v3);
});

test('413 beyond --max-request-bytes, 400 for a malformed request, and the proxy keeps serving', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--max-request-bytes', '1000']);
  const big = await request(`${p.urls()[0]}/v3/kv/put`, { method: 'POST', body: 'x'.repeat(5000) });
  assert.equal(big.status, 413);
  const chunked = await rawExchange(p.address().port, `POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n${'y'.repeat(2000)}\r\n0\r\n\r\n`);
  assert.match(chunked.text, /^HTTP\/1\.1 413 /);
  const bad = await rawExchange(p.address().port, 'GET /x HTTP/1.1\r\nHost a\r\n\r\n');
  assert.match(bad.text, /^HTTP\/1\.1 400 /);
  const absolute = await rawExchange(p.address().port, 'GET http://evil/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(absolute.text, /^HTTP\/1\.1 400 /);
  assert.equal((await request(`${p.urls()[0]}/x`)).status, 200);
});

test('a slow client is cut after --proxy-client-timeout', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--proxy-client-timeout', '300']);
  const t0 = Date.now();
  const slow = await rawExchange(p.address().port, 'POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{"partial', 10_000);
  assert.equal(slow.closedByServer, true);
  assert.ok(Date.now() - t0 < 5000, `closed after ${Date.now() - t0}ms`);
});

test('serves /v2/config/local/proxy and /metrics itself, and /readyz on the metrics listener', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--listen-metrics-urls', 'http://127.0.0.1:0']);
  const cfg = await request(`${p.urls()[0]}/v2/config/local/proxy`);
  assert.equal(cfg.body, `{"endpoints":["${m.url}"]}\n`);
  assert.equal((await request(`${p.urls()[0]}/v2/config/local/proxy`, { method: 'PUT' })).status, 405);
  await request(`${p.urls()[0]}/v2/keys/a`);
  const metrics = (await request(`${p.metricsUrls()[0]}/metrics`)).body;
  assert.match(metrics, /etcd_proxy_requests_total\{method="GET"\} \d+/);
  assert.match(metrics, /etcd_proxy_handled_total\{method="GET",code="200"\} 1/);
  assert.match(metrics, new RegExp(`etcd_proxy_endpoint_requests_total\\{endpoint="${m.url}"\\} 1`));
  assert.match(metrics, /etcd_proxy_endpoints\{state="available"\} 1/);
  assert.match((await request(`${p.urls()[0]}/metrics`)).body, /etcd_proxy_requests_total/);
  assert.equal((await request(`${p.metricsUrls()[0]}/readyz`)).status, 200);
  assert.equal((await request(`${p.metricsUrls()[0]}/livez`)).status, 200);
  assert.equal((await request(`${p.metricsUrls()[0]}/health`)).body, '{"health":"true"}\n', 'the same paths as every metrics listener');
});

test('follows the member list, keeps the last endpoints when the peers fail, and persists the peers', async (t) => {
  const a = await fakeMember(t);
  const b = await fakeMember(t);
  let current: string[] | Error = [a.url];
  const dataDir = tmp(t);
  const cfg = parseProxyFlags(['--listen-client-urls', 'http://127.0.0.1:0', '--initial-cluster', 'p=http://127.0.0.1:1', '--data-dir', dataDir, '--proxy-refresh-interval', '50'], {});
  const p = createProxy(cfg, { fetchMembers: () => (current instanceof Error ? Promise.reject(current) : Promise.resolve(members(current))) });
  t.after(() => p.close());
  await p.start();
  assert.deepEqual(p.endpoints(), [a.url]);
  const file = path.join(dataDir, 'proxy', 'cluster');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { PeerURLs: ['http://127.0.0.1:1000'] });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  current = [b.url];
  for (let i = 0; i < 40 && p.endpoints()[0] !== b.url; i++) await wait(25);
  assert.deepEqual(p.endpoints(), [b.url]);
  current = new Error('peers down');
  await wait(200);
  assert.deepEqual(p.endpoints(), [b.url]);
  assert.equal((await request(`${p.urls()[0]}/x`)).status, 200);
});

test('refuses a data dir whose pid file names another live process, and releases its own on close', async (t) => {
  const dataDir = tmp(t);
  mkdirSync(path.join(dataDir, 'proxy'), { recursive: true });
  writeFileSync(path.join(dataDir, 'proxy', 'pid'), '4242\n');
  const cfg = parseProxyFlags(['--listen-client-urls', 'http://127.0.0.1:0', '--data-dir', dataDir], {});
  const busy = createProxy(cfg, { isAlive: () => true, fetchMembers: () => Promise.resolve([]) });
  await assert.rejects(busy.start(), (e: { code?: string; message: string }) => e.code === 'EDGE_DATA_DIR' && /pid 4242/.test(e.message));
  await busy.close();
  const ok = createProxy(cfg, { isAlive: () => false, fetchMembers: () => Promise.resolve([]) });
  await ok.start();
  assert.equal(readFileSync(path.join(dataDir, 'proxy', 'pid'), 'utf8').trim(), String(process.pid));
  await ok.close();
  assert.throws(() => statSync(path.join(dataDir, 'proxy', 'pid')));
});

test('close() lets an open request finish, then cuts a watch after the drain timeout', async (t) => {
  const m = await fakeMember(t, (req, res) => {
    if (req.url?.includes('wait=true')) { res.writeHead(200); res.write('{"created":true}'); return; }
    setTimeout(() => res.end('finished'), 150);
  });
  const p = await startProxy(t, () => [m.url]);
  const base = p.urls()[0] as string;
  const watchEnded = new Promise<string>((resolve) => {
    http.get(`${base}/v2/keys/a?wait=true`, { agent: false }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve('end'));
      res.on('error', () => resolve('cut'));
      res.on('aborted', () => resolve('cut'));
    }).on('error', () => resolve('cut'));
  });
  await wait(100);
  const slow = request(`${base}/slow`);
  await wait(30);
  const t0 = Date.now();
  await p.close();
  assert.equal((await slow).body, 'finished');
  assert.equal(await watchEnded, 'cut');
  assert.ok(Date.now() - t0 < 3000);
  await assert.rejects(request(`${base}/x`));
});

test('--access-log writes one pino-http line per request, credentials redacted; off by default', async (t) => {
  const m = await fakeMember(t);
  const lines: string[] = [];
  const dest = { write: (s: string): void => { lines.push(s); } };
  const p = await startProxy(t, () => [m.url], ['--access-log', 'info'], { accessLogDestination: dest });
  await request(`${p.urls()[0]}/v2/keys/logged`, { headers: { Authorization: 'Bearer secret' } });
  await wait(20);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] as string) as { level: number; msg: string; req: { url: string; headers: Record<string, string> }; res: { statusCode: number } };
  assert.equal(line.level, 30);
  assert.equal(line.msg, 'request completed');
  assert.equal(line.req.url, '/v2/keys/logged');
  assert.equal(line.req.headers.authorization, '[redacted]');
  assert.equal(line.res.statusCode, 200);
  const quiet: string[] = [];
  const q = await startProxy(t, () => [m.url], [], { accessLogDestination: { write: (s: string): void => { quiet.push(s); } } });
  await request(`${q.urls()[0]}/v2/keys/x`);
  assert.deepEqual(quiet, []);
});
