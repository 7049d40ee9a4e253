import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetricsServer, withMetricsListener } from '../../../core/metrics-server.js';
import { parseMetricsUrls } from '../../../core/net.js';

test('serves /metrics, /livez, /readyz (200 or 503 with the reason), /health (etcd JSON), extra routes, 404 and 405', async (t) => {
  let why: string | undefined = 'members not healthy';
  const s = createMetricsServer({
    listen: [{ host: '127.0.0.1', port: 0 }], metrics: async () => 'x_total 1\n', notReady: () => why,
    routes: { '/': (_q, r) => { r.writeHead(200, { 'content-type': 'text/html' }).end('<p>page</p>'); } },
  });
  t.after(() => s.close());
  await s.start();
  const base = s.urls()[0] ?? '';
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const cases: [string, number, RegExp][] = [['/metrics', 200, /^x_total 1/], ['/livez', 200, /^ok/], ['/readyz', 503, /members not healthy/], ['/health', 503, /^\{"health":"false"\}\n$/], ['/', 200, /page/], ['/nope', 404, /not found/]];
  for (const [p, code, body] of cases) {
    const r = await fetch(base + p);
    assert.equal(r.status, code, p);
    assert.match(await r.text(), body, p);
  }
  why = undefined;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { health: 'true' });
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  await s.close();
  await s.close();
});

test('a listener that cannot bind its second address releases the first and rejects with EDGE_LISTEN_FAILED', async (t) => {
  const busy = createMetricsServer({ listen: [{ host: '127.0.0.1', port: 0 }], metrics: async () => '', notReady: () => undefined });
  t.after(() => busy.close());
  await busy.start();
  const taken = busy.addresses()[0]?.port ?? 0;
  const s = createMetricsServer({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: taken }], metrics: async () => '', notReady: () => undefined });
  t.after(() => s.close());
  await assert.rejects(s.start(), (e: { code?: string }) => e.code === 'EDGE_LISTEN_FAILED');
  const first = s.addresses()[0]?.port ?? 0;
  assert.ok(first > 0);
  await assert.rejects(fetch(`http://127.0.0.1:${first}/livez`), 'the first address is released');
});

test('parseMetricsUrls takes http://host:port and rejects the rest with EDGE_CONFIG_INVALID', () => {
  assert.deepEqual(parseMetricsUrls(['http://127.0.0.1:2381', 'http://[::1]:9']), [{ host: '127.0.0.1', port: 2381 }, { host: '::1', port: 9 }]);
  for (const bad of ['https://127.0.0.1:2381', '127.0.0.1:2381', 'http://127.0.0.1', 'http://127.0.0.1:1/x']) {
    assert.throws(() => parseMetricsUrls([bad]), (e: { code?: string }) => e.code === 'EDGE_CONFIG_INVALID', bad);
  }
});

test('withMetricsListener starts the component first, serves its metrics with the process metrics, closes both', async () => {
  const order: string[] = [];
  const comp = { start: async () => { order.push('start'); }, close: async () => { order.push('close'); } };
  const probe = createMetricsServer({ listen: [{ host: '127.0.0.1', port: 0 }], metrics: async () => '', notReady: () => undefined });
  await probe.start();
  const port = probe.addresses()[0]?.port ?? 0;
  await probe.close();
  const c = withMetricsListener(comp, { listen: [{ host: '127.0.0.1', port }], metrics: async () => '# TYPE mine_total counter\nmine_total 5\n' });
  await c.start();
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, /^mine_total 5$/m);
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  } finally {
    await c.close();
  }
  assert.deepEqual(order, ['start', 'close']);
  assert.equal(withMetricsListener(comp, { listen: [] }), comp);
});
