// The JavaScript side of the proxy's native front: which listeners it serves (--data-path), hand-offs adopted into
// a node:http server that never listened (bytes read by the front parsed first, timeouts still checked), the h2c
// route, the counters absorbed into the metrics, and the wiring of a fake addon's events into the director and cap.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createMetrics } from '../../../proxy/metrics.js';
import { createNativeFront, loadFront } from '../../../proxy/native-front.js';
import type { FrontAddon, FrontStats } from '../../../proxy/native-front.js';
import { nativeFrontBlocker } from '../../../proxy/config.js';
import { createConnectionCap } from '../../../core/conn-cap.js';
import { noopLogger } from '../../../core/log.js';
import { parseProxyFlags } from '../../../proxy/index.js';
import { fakeMember, startProxy, wait } from './fakes.js';

const cfgOf = (argv: string[]) => parseProxyFlags(['--initial-cluster', 'p=http://127.0.0.1:1', ...argv], {});

test('data paths: what keeps the native front off, and a missing addon', () => {
  assert.equal(nativeFrontBlocker(cfgOf([])), undefined);
  assert.equal(nativeFrontBlocker(cfgOf(['--listen-client-urls', 'http://127.0.0.1:1,https://127.0.0.1:2', '--cert-file', 'c', '--key-file', 'k'])), undefined);
  assert.match(nativeFrontBlocker(cfgOf(['--peer-auto-tls'])) ?? '', /TLS/);
  assert.match(nativeFrontBlocker(cfgOf(['--access-log', 'info'])) ?? '', /access log/);
  assert.equal(nativeFrontBlocker(cfgOf(['--access-log', 'info', '--log-level', 'silent'])), undefined, 'a silenced access log logs nothing');
  assert.match(nativeFrontBlocker(cfgOf(['--listen-client-urls', 'https://127.0.0.1:2', '--cert-file', 'c', '--key-file', 'k'])) ?? '', /https/);
  assert.match(String(loadFront('/nonexistent/proxy_front.node')), /cannot load \/nonexistent\/proxy_front.node/);
});

test('metrics absorb the front\'s counters: requests, codes, drops, durations as cumulative buckets, endpoints', async () => {
  const m = createMetrics();
  let pulls = 0;
  m.beforeScrape(() => {
    pulls++;
    m.absorb({
      requests: [['GET', 3], ['PATCHY', 1]], handled: [['GET', 200, 2]], dropped: [['GET', 'client_gone', 1]],
      durations: [['GET', [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5, 3]], served: [['http://m:1', 2]],
    });
  });
  const text = await m.registry.metrics();
  assert.equal(pulls, 1);
  assert.match(text, /etcd_proxy_requests_total\{method="GET"\} 3\n/);
  assert.match(text, /etcd_proxy_requests_total\{method="OTHER"\} 1\n/);
  assert.match(text, /etcd_proxy_handled_total\{method="GET",code="200"\} 2\n/);
  assert.match(text, /etcd_proxy_dropped_total\{method="GET",proxying_error="client_gone"\} 1\n/);
  assert.match(text, /etcd_proxy_handling_duration_seconds_bucket\{le="0.002",method="GET"\} 2\n/);
  assert.match(text, /etcd_proxy_handling_duration_seconds_bucket\{le="\+Inf",method="GET"\} 3\n/);
  assert.match(text, /etcd_proxy_handling_duration_seconds_count\{method="GET"\} 3\n/);
  assert.match(text, /etcd_proxy_endpoint_requests_total\{endpoint="http:\/\/m:1"\} 2\n/);
  await m.registry.metrics();
  assert.equal(pulls, 2, 'pulled at every scrape');
});

/** A real front with no endpoint (so it hands every request off to server). */
async function realFront(t: TestContext, server: http.Server, admit?: (s: net.Socket) => void): Promise<number> {
  const addon = loadFront();
  assert.equal(typeof addon, 'object', String(addon));
  const f = createNativeFront(addon as FrontAddon, {
    clientTimeoutMs: 5000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 0, dialTimeoutMs: 1000, writeTimeoutMs: 1000, readTimeoutMs: 0,
    maxBodyBytes: 1 << 16, maxConnections: 100, readonly: false, via: '1.1 test',
    onFail: () => undefined, onRefused: () => undefined, onTried: () => undefined, ...(admit ? { admit } : {}),
  });
  t.after(() => f.close(0));
  const a = await f.listen({ host: '127.0.0.1', port: 0 }, '--listen-client-urls', server);
  return a.port;
}

/** Writes data and reads until `until` matches what came back, or the server closes. */
function exchange(port: number, data: string | Buffer, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`timed out; got ${JSON.stringify(text)}`)); }, 5000);
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(text); };
    s.on('data', (c) => { text += c.toString('latin1'); if (until.test(text)) done(); });
    s.on('close', done);
    s.on('error', () => undefined);
    s.write(data);
  });
}

test('a hand-off is served by a node:http server that never listened: the bytes the front read first, then the socket', async (t) => {
  const seen: string[] = [];
  const server = http.createServer({ requestTimeout: 300, headersTimeout: 300, connectionsCheckingInterval: 50 }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end(`answered ${req.url}`);
  });
  server.emit('listening'); // node:http's timeout checks start on 'listening'
  t.after(() => { server.closeAllConnections(); server.close(); });
  let handoffs = 0;
  server.on('connection', () => { handoffs++; });
  const port = await realFront(t, server);
  // Two pipelined requests, then (on the same connection) a third after the answers: all node:http's, in order.
  const two = await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /v2/keys/b HTTP/1.1\r\nHost: a\r\n\r\n', /answered \/v2\/keys\/b/);
  assert.match(two, /^HTTP\/1\.1 200 OK[\s\S]*answered \/metrics[\s\S]*HTTP\/1\.1 200 OK[\s\S]*answered \/v2\/keys\/b$/);
  assert.deepEqual(seen, ['GET /metrics', 'GET /v2/keys/b']);
  assert.equal(handoffs, 1);
  // A request that never completes after the handed-off one: node:http's request timeout (checked because of
  // 'listening') answers 408.
  const slow = await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /v2/keys/c HTTP/1.1\r\nHost: a\r\n', /408/);
  assert.match(slow, /answered \/metrics[\s\S]*HTTP\/1\.1 408/);
});

test('a hand-off is admitted under the shared cap even when the front accepted others meanwhile', async (t) => {
  const server = http.createServer((req, res) => res.end(`answered ${req.url}`));
  server.emit('listening');
  t.after(() => { server.closeAllConnections(); server.close(); });
  const cap = createConnectionCap({ max: 1, idleTimeoutMs: 0, logger: noopLogger() });
  t.after(() => cap.close());
  cap.attach(server);
  cap.link({ active: () => 1, setOthers: () => undefined }); // the front already holds the whole cap again
  const port = await realFront(t, server, (s) => cap.admit(s));
  assert.match(await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n', /answered/), /answered \/metrics$/);
  assert.equal(cap.refused(), 0);
});

/** A fake addon: records the calls, lets the test fire events. */
function fakeAddon() {
  const calls = { setEndpoints: [] as Array<Array<[string, string, number, string]>>, others: [] as number[], close: [] as number[], joined: 0, created: [] as Array<Record<string, unknown>> };
  let emit: ((type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void) | undefined;
  let stats: FrontStats = { requests: [], handled: [], dropped: [], durations: [], served: [], accepted: 0, refused: 0, handedOff: 0 };
  const addon: FrontAddon = {
    create(opts, onEvent) { calls.created.push(opts); emit = onEvent; return {}; },
    port: () => 40999,
    setEndpoints(_h, eps) { calls.setEndpoints.push(eps); },
    setOthers(_h, n) { calls.others.push(n); },
    active: () => 2,
    stats() { const s = stats; stats = { ...s, requests: [], handled: [], served: [] }; return s; },
    close(_h, ms) { calls.close.push(ms); setImmediate(() => emit?.('closed', -1, undefined, '', 0)); },
    join() { calls.joined++; },
  };
  return { addon, calls, fire: (type: string, detail = '', num = 0) => emit?.(type, -1, undefined, detail, num), setStats: (s: Partial<FrontStats>) => { stats = { ...stats, ...s }; } };
}

test('fake addon: endpoints pushed resolved and in order, fail → ejected, refused and stats → metrics, cap shared, drained at close', async (t) => {
  const a = await fakeMember(t);
  const b = await fakeMember(t);
  const bByName = b.url.replace('127.0.0.1', 'localhost');
  const f = fakeAddon();
  const p = await startProxy(t, () => [a.url, bByName], ['--proxy-failure-wait', '60000', '--max-connections', '50'], { loadFront: () => f.addon, order: (u) => u });
  assert.equal(f.calls.created.length, 1);
  assert.equal(f.calls.created[0]?.['maxConnections'], 50);
  assert.match(String(f.calls.created[0]?.['via']), /^1\.1 etcd-edge-/);
  assert.deepEqual(p.urls(), ['http://127.0.0.1:40999']);
  for (let i = 0; i < 50 && f.calls.setEndpoints.length === 0; i++) await wait(10);
  const first = f.calls.setEndpoints.at(-1) ?? [];
  const bPort = Number(new URL(b.url).port);
  assert.deepEqual(first[0], [a.url, '127.0.0.1', Number(new URL(a.url).port), new URL(a.url).host]);
  assert.equal(first[1]?.[0], bByName);
  assert.ok(net.isIP(first[1]?.[1] ?? ''), 'the host name is resolved to an IP');
  assert.deepEqual(first[1]?.slice(2), [bPort, `localhost:${bPort}`]);
  f.fire('fail', `${a.url}\nconnection refused`);
  assert.deepEqual(p.endpoints(), [bByName]);
  for (let i = 0; i < 50 && (f.calls.setEndpoints.at(-1)?.length ?? 0) !== 1; i++) await wait(10);
  assert.deepEqual(f.calls.setEndpoints.at(-1)?.map((e) => e[0]), [bByName], 'the ejected endpoint is no longer pushed');
  f.fire('refused', '', 3);
  f.setStats({ requests: [['GET', 7]], handled: [['GET', 200, 7]], served: [[bByName, 7]] });
  assert.ok(p.metrics);
  const text = await p.metrics();
  assert.match(text, /etcd_edge_proxy_refused_connections_total 3\n/);
  assert.match(text, /etcd_edge_proxy_connections 2\n/, 'the front\'s connections count in');
  assert.match(text, /etcd_proxy_requests_total\{method="GET"\} 7\n/);
  assert.ok(text.includes(`etcd_proxy_endpoint_requests_total{endpoint="${bByName}"} 7\n`));
  await p.close();
  assert.deepEqual(f.calls.close, [300], 'drained for --proxy-shutdown-timeout');
  assert.equal(f.calls.joined, 1);
});

test('--data-path native with an addon that does not load is a configuration error; unset, node:http serves', async (t) => {
  const m = await fakeMember(t);
  await assert.rejects(startProxy(t, () => [m.url], ['--data-path', 'native'], { loadFront: () => 'cannot load x.node: gone' }),
    (e: { code?: string; message: string; hint?: string }) => e.code === 'EDGE_CONFIG_INVALID' && /--data-path native: cannot load x.node/.test(e.message) && /--data-path js/.test(e.hint ?? ''));
  const p = await startProxy(t, () => [m.url], [], { loadFront: () => 'cannot load x.node: gone' });
  const res = await fetch(`${p.urls()[0]}/v2/keys/a`);
  assert.equal(await res.text(), 'ok GET /v2/keys/a');
});

test('what JavaScript holds, told before the front is bound, reaches the addon when it binds', async () => {
  const f = fakeAddon();
  const front = createNativeFront(f.addon, {
    clientTimeoutMs: 5000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 0, dialTimeoutMs: 1000, writeTimeoutMs: 1000, readTimeoutMs: 0,
    maxBodyBytes: 1 << 16, maxConnections: 10, readonly: false, via: '1.1 test', onFail: () => undefined, onRefused: () => undefined, onTried: () => undefined,
  });
  front.setOthers(3);
  assert.deepEqual(f.calls.others, []);
  await front.listen({ host: '127.0.0.1', port: 0 }, '--listen-client-urls', http.createServer());
  assert.deepEqual(f.calls.others, [3]);
  front.setOthers(2);
  assert.deepEqual(f.calls.others, [3, 2]);
  await front.close(0);
  assert.equal(f.calls.joined, 1);
});

test('endpoint names are resolved for the addon, reused while fresh, and one that fails is left out', async () => {
  const f = fakeAddon();
  const asked: string[] = [];
  const front = createNativeFront(f.addon, {
    clientTimeoutMs: 5000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 0, dialTimeoutMs: 1000, writeTimeoutMs: 1000, readTimeoutMs: 0,
    maxBodyBytes: 1 << 16, maxConnections: 10, readonly: false, via: '1.1 test', onFail: () => undefined, onRefused: () => undefined, onTried: () => undefined,
    resolve: async (name) => { asked.push(name); if (name === 'gone.invalid') throw new Error('ENOTFOUND'); return '10.0.0.7'; },
  });
  await front.listen({ host: '127.0.0.1', port: 0 }, '--listen-client-urls', http.createServer());
  const eps = [
    { url: 'http://m1.example:2379', host: 'm1.example:2379', hostname: 'm1.example', port: 2379 },
    { url: 'http://10.0.0.8:2379', host: '10.0.0.8:2379', hostname: '10.0.0.8', port: 2379 },
    { url: 'http://gone.invalid:2379', host: 'gone.invalid:2379', hostname: 'gone.invalid', port: 2379 },
  ];
  front.setEndpoints(eps);
  await wait(20);
  assert.deepEqual(f.calls.setEndpoints.at(-1), [['http://m1.example:2379', '10.0.0.7', 2379, 'm1.example:2379'], ['http://10.0.0.8:2379', '10.0.0.8', 2379, '10.0.0.8:2379']]);
  front.setEndpoints(eps.slice(0, 2));
  await wait(20);
  assert.equal(f.calls.setEndpoints.length, 2);
  assert.deepEqual(asked, ['m1.example', 'gone.invalid'], 'an IP is not looked up; a fresh answer is reused');
  await front.close(0);
});
