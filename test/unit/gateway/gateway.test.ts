// Unit tests of gateway/gateway.ts + relay.ts with real TCP echo backends on 127.0.0.1:0: round robin, failover
// on a failed dial, closing at once when nothing is up, half-close, drain on close(), metrics and lifecycle.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { parseGatewayFlags } from '../../../gateway/config.js';
import { createGateway } from '../../../gateway/gateway.js';
import type { GatewayDeps } from '../../../gateway/gateway.js';
import { eventually } from '../../helpers/etcd.js';
import { captureLogger, DATA_PATHS, roundTrip, startEcho } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/ports.js';

for (const dataPath of DATA_PATHS) {
  async function startGateway(t: import('node:test').TestContext, argv: string[], deps: GatewayDeps = {}) {
    const log = captureLogger();
    const gw = createGateway(parseGatewayFlags(['--listen-addr', '127.0.0.1:0', '--endpoints-auto-sync-interval', '0', '--data-path', dataPath, ...argv], {}), { logger: log, ...deps });
    t.after(() => gw.close());
    await gw.start();
    return { gw, log, port: gw.address().port };
  }

  test(`round robin per connection, bytes passed untouched both ways [${dataPath}]`, async (t) => {
    const [a, b] = [await startEcho(t, 'a'), await startEcho(t, 'b')];
    const { port, log } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port},127.0.0.1:${b.port}`]);
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await roundTrip(port, `m${i}`)).data);
    assert.deepEqual(got, ['a:m0', 'b:m1', 'a:m2', 'b:m3']);
    const ready = log.records.find((r) => r.msg === 'ready to proxy client requests');
    assert.ok(ready);
    assert.deepEqual(ready.fields.endpoints, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    assert.equal(ready.fields.listenAddr, `127.0.0.1:${port}`);
  });

  test(`a failed dial marks the endpoint down and the same client goes to the next one [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const dead = await freePort();
    const { gw, port } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port},127.0.0.1:${dead}`, '--retry-delay', '200ms']);
    assert.equal(gw.status().live, 1, 'the start-up probe found the dead endpoint down');
    for (let i = 0; i < 3; i++) assert.equal((await roundTrip(port, 'x')).data, 'a:x');
    await a.close();
    const b = await startEcho(t, 'b', dead);
    await eventually(async () => gw.status().endpoints[1]?.up, 10_000, 50);
    // `a` is dead but still marked up: the next client dials it, fails, and is relayed to `b` without noticing.
    for (let i = 0; i < 3; i++) assert.equal((await roundTrip(port, 'y')).data, 'b:y');
    assert.equal(gw.status().endpoints[0]?.up, false);
    assert.match(await gw.metrics(), new RegExp(`etcd_edge_gateway_dial_failures_total\\{endpoint="127.0.0.1:${a.port}"\\} [1-9]`));
    assert.ok(b.accepted() >= 3, 'the clients reached b (plus the re-probe that revived it)');
  });

  test(`no endpoint up: the client connection is closed at once with nothing written [${dataPath}]`, async (t) => {
    const dead = await freePort();
    const { gw, port } = await startGateway(t, ['--endpoints', `127.0.0.1:${dead}`]);
    const t0 = Date.now();
    const r = await roundTrip(port, 'hello', 5000);
    assert.equal(r.data, '');
    assert.ok(Date.now() - t0 < 3000, 'closed promptly');
    assert.match(await gw.metrics(), /etcd_edge_gateway_no_endpoint_total 1/);
  });

  test(`a member coming back is used by the next client, not after --retry-delay [${dataPath}]`, async (t) => {
    const dead = await freePort();
    const { gw, port } = await startGateway(t, ['--endpoints', `127.0.0.1:${dead}`, '--retry-delay', '1m']);
    assert.equal((await roundTrip(port, 'x')).data, '');
    await startEcho(t, 'late', dead);
    const r = await eventually(async () => (await roundTrip(port, 'x')).data === 'late:x', 5000, 100);
    assert.ok(r);
    assert.equal(gw.status().live, 1);
  });

  test(`half-close: the client ends its side and still reads the reply [${dataPath}]`, async (t) => {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      let body = '';
      s.on('data', (d: Buffer) => { body += d.toString(); });
      // Reply only after the client's FIN, then close: etcd's gateway would have cut the connection first.
      s.on('end', () => setTimeout(() => s.end(`got ${body}`), 50));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const { port, gw } = await startGateway(t, ['--endpoints', `127.0.0.1:${(server.address() as net.AddressInfo).port}`]);
    assert.equal((await roundTrip(port, 'question')).data, 'got question');
    await eventually(async () => gw.status().connections === 0, 5000, 20);
  });

  test(`an error on one side destroys the other; no socket is leaked [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const { port, gw } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port}`]);
    const c = net.connect(port, '127.0.0.1');
    await new Promise((r) => c.once('data', r));
    assert.equal(gw.status().connections, 1);
    c.resetAndDestroy();
    await eventually(async () => gw.status().connections === 0, 5000, 20);
    const c2 = net.connect(port, '127.0.0.1');
    c2.on('error', () => undefined);
    await new Promise((r) => c2.once('data', r));
    await a.close();
    await new Promise((r) => c2.once('close', r));
    await eventually(async () => gw.status().connections === 0, 5000, 20);
  });

  test(`close() stops accepting, lets open connections finish within --drain-timeout, then cuts the rest [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const { port, gw, log } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port}`, '--drain-timeout', '300ms']);
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    await new Promise((r) => c.once('data', r));
    const closedAt = new Promise<number>((r) => c.once('close', () => r(Date.now())));
    const t0 = Date.now();
    const closing = gw.close();
    assert.match((await roundTrip(port, 'late', 2000)).error ?? '', /ECONNREFUSED/, 'no new connection is accepted');
    await closing;
    const dt = (await closedAt) - t0;
    assert.ok(dt >= 250, `open connection kept for the drain timeout (closed after ${dt}ms)`);
    assert.ok(log.records.some((r) => r.msg === 'drain timeout: closing the remaining connections'));
    await gw.close();
  });

  test(`metrics: bytes in each direction, connections, endpoint state, on /metrics and /readyz [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const { gw, port } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port}`, '--listen-metrics-urls', 'http://127.0.0.1:0']);
    await roundTrip(port, '12345');
    const m = gw.metricsAddresses()[0];
    assert.ok(m);
    const text = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
    assert.match(text, /etcd_edge_gateway_bytes_total\{direction="client_to_endpoint"\} 5/);
    assert.match(text, /etcd_edge_gateway_bytes_total\{direction="endpoint_to_client"\} 7/);
    assert.match(text, /etcd_edge_gateway_connections_total 1/);
    assert.match(text, /etcd_edge_gateway_connections_active 0/);
    assert.match(text, new RegExp(`etcd_edge_gateway_endpoint_up\\{endpoint="127.0.0.1:${a.port}"\\} 1`));
    assert.equal((await fetch(`http://127.0.0.1:${m.port}/readyz`)).status, 200);
    await a.close();
    await roundTrip(port, 'x');
    assert.equal((await fetch(`http://127.0.0.1:${m.port}/readyz`)).status, 503);
    assert.equal((await fetch(`http://127.0.0.1:${m.port}/health`)).status, 503, 'the same paths as every metrics listener');
    assert.equal((await fetch(`http://127.0.0.1:${m.port}/livez`)).status, 200);
  });

  test(`lifecycle: a second start throws, close is idempotent and safe before start [${dataPath}]`, async (t) => {
    const gw0 = createGateway(parseGatewayFlags(['--listen-addr', '127.0.0.1:0'], {}));
    await gw0.close();
    await gw0.close();
    const a = await startEcho(t, 'a');
    const { gw } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port}`]);
    await assert.rejects(gw.start(), { code: 'EDGE_ALREADY_STARTED' });
  });

  test(`a busy listen address fails start with EDGE_LISTEN_FAILED and a hint [${dataPath}]`, async (t) => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    t.after(() => busy.close());
    const port = (busy.address() as net.AddressInfo).port;
    const gw = createGateway(parseGatewayFlags(['--listen-addr', `127.0.0.1:${port}`, '--endpoints', '127.0.0.1:1', '--data-path', dataPath], {}));
    t.after(() => gw.close());
    await assert.rejects(gw.start(), (err: { code: string; message: string; hint?: string }) => {
      assert.equal(err.code, 'EDGE_LISTEN_FAILED');
      assert.match(err.message, /address already in use/);
      assert.match(err.hint ?? '', /--listen-addr/);
      return true;
    });
  });

  test(`start rejects an endpoint that resolves to the listen address [${dataPath}]`, async (t) => {
    const gw = createGateway(parseGatewayFlags(['--listen-addr', '127.0.0.1:40123', '--endpoints', 'localhost:40123'], {}),
      { loop: { resolve: async (h) => (h === 'localhost' ? ['::1', '127.0.0.1'] : [h]) } });
    t.after(() => gw.close());
    await assert.rejects(gw.start(), { code: 'EDGE_CONFIG_INVALID', message: /should not resolve to the gateway listen addr: localhost:40123 resolves to 127\.0\.0\.1/ });
  });
  test(`--idle-timeout closes a connection with no byte either way; --max-connections refuses at accept and counts [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const { port, gw, log } = await startGateway(t, ['--endpoints', `127.0.0.1:${a.port}`, '--idle-timeout', '300ms', '--max-connections', '1']);
    assert.equal(gw.status().maxConnections, 1);
    assert.equal(gw.status().dataPath, dataPath);
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    await new Promise((r) => c.once('data', r));
    const r = await roundTrip(port, 'second', 3000);
    assert.equal(r.data, '', 'the second connection is closed at accept');
    await eventually(async () => /etcd_edge_gateway_refused_connections_total 1/.test(await gw.metrics()), 3000, 20);
    await eventually(async () => log.records.some((x) => x.msg.startsWith('connection cap reached')), 3000, 20);
    const t0 = Date.now();
    await new Promise((res) => c.once('close', res));
    assert.ok(Date.now() - t0 < 2000, 'the idle connection was closed');
    await eventually(async () => gw.status().connections === 0, 3000, 20);
    assert.equal((await roundTrip(port, 'x')).data, 'a:x', 'served again once below the cap');
  });
}

test('an addon that cannot load: one warning with the reason, and the JS data path relays', async (t) => {
  const a = await startEcho(t, 'a');
  const log = captureLogger();
  const gw = createGateway(parseGatewayFlags(['--listen-addr', '127.0.0.1:0', '--endpoints-auto-sync-interval', '0', '--endpoints', `127.0.0.1:${a.port}`], {}),
    { logger: log, loadAddon: () => 'cannot load /nowhere/gateway_relay.node: not found' });
  t.after(() => gw.close());
  await gw.start();
  const warns = log.records.filter((r) => r.level === 'warn');
  assert.equal(warns.length, 1);
  assert.equal(warns[0]?.msg, 'native data path unavailable: relaying with the JavaScript data path');
  assert.match(String(warns[0]?.fields.reason), /nowhere/);
  assert.equal(gw.status().dataPath, 'js');
  assert.equal((await roundTrip(gw.address().port, 'm')).data, 'a:m');
});
