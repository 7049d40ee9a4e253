// The proxy's connection cap and idle timeout, on real sockets: over the cap a connection is closed at accept
// and counted; the cap frees as connections close; idle connections are swept only when asked for.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { fakeMember, request, startProxy, wait } from './fakes.js';

function openIdle(t: TestContext, port: number, n: number): Promise<{ sockets: net.Socket[]; closed: () => number }> {
  let closed = 0;
  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  return Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve());
    s.on('error', () => resolve());
    s.on('close', () => { closed++; });
    sockets.push(s);
  }))).then(() => ({ sockets, closed: () => closed }));
}

test('over --max-connections a new connection is closed at accept, counted, and the cap frees as they close', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--max-connections', '3', '--listen-metrics-urls', 'http://127.0.0.1:0']);
  const idle = await openIdle(t, p.address().port, 5);
  await wait(200);
  assert.equal(idle.closed(), 2, 'two over the cap were closed');
  const metrics = await request(`${p.metricsUrls()[0]}/metrics`);
  assert.match(metrics.body, /^etcd_edge_proxy_refused_connections_total 2$/m);
  assert.match(metrics.body, /^etcd_edge_proxy_connections 3$/m);
  assert.match(metrics.body, /^etcd_edge_proxy_max_connections 3$/m);
  idle.sockets.forEach((s) => s.destroy());
  await wait(100);
  assert.equal((await request(`${p.urls()[0]}/v2/keys/a`, { agent: false })).status, 200);
});

test('--idle-timeout closes a silent connection; without it the connection stays', async (t) => {
  const m = await fakeMember(t);
  const timed = await startProxy(t, () => [m.url], ['--idle-timeout', '200ms']);
  const open = await startProxy(t, () => [m.url]);
  const a = await openIdle(t, timed.address().port, 1);
  const b = await openIdle(t, open.address().port, 1);
  await wait(1200);
  assert.equal(a.closed(), 1, 'idle connection closed');
  assert.equal(b.closed(), 0, 'no idle timeout by default');
});

test('a derived cap comes from the open-file limit and keeps the reserve', async (t) => {
  const m = await fakeMember(t);
  const p = await startProxy(t, () => [m.url], ['--listen-metrics-urls', 'http://127.0.0.1:0'], { listeners: 2 });
  const text = (await request(`${p.metricsUrls()[0]}/metrics`)).body;
  const max = Number(/^etcd_edge_proxy_max_connections (\d+)$/m.exec(text)?.[1]);
  const soft = Number(/^Max open files\s+(\d+)/m.exec((await import('node:fs')).readFileSync('/proc/self/limits', 'utf8'))?.[1]);
  assert.ok(max > 0 && max * 2 * 2 <= soft - 64, `max ${max} for soft ${soft}`);
});
