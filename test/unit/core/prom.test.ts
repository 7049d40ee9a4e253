// prom-client on demand: a lazy registry loads it at the first get(), applies queued registrations then, and
// later ones at once; the proxy's metrics and the shared metrics listener do not load it before a scrape.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLazyRegistry } from '../../../core/prom.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('registrations wait for the registry and run once, in order; later ones run at once', async () => {
  const lazy = createLazyRegistry(false);
  const seen: string[] = [];
  const push = (s: string): void => { seen.push(s); };
  lazy.add((registry, prom) => { push('a'); new prom.Counter({ name: 'a_total', help: 'a', registers: [registry] }); });
  lazy.add(() => push('b'));
  assert.equal(lazy.built(), false);
  assert.deepEqual(seen, []);
  const r = lazy.get();
  assert.equal(lazy.get(), r);
  assert.deepEqual(seen, ['a', 'b']);
  lazy.add((registry, prom) => { push('c'); new prom.Gauge({ name: 'c', help: 'c', registers: [registry], collect() { this.set(7); } }); });
  assert.deepEqual(seen, ['a', 'b', 'c']);
  const text = await r.metrics();
  assert.match(text, /^a_total 0$/m);
  assert.match(text, /^c 7$/m);
  assert.doesNotMatch(text, /process_cpu/, 'no default metrics when not asked for');
  assert.match(await createLazyRegistry().get().metrics(), /^process_cpu_user_seconds_total /m);
});

test('the proxy metrics and the metrics listener leave prom-client unloaded until a scrape', () => {
  // A fresh process: creating the proxy's metrics (with an extension, as the cap and gRPC metrics do) and a
  // metrics listener must not load prom-client; reading the registry does.
  const script = `
    const loaded = () => Object.keys(require.cache).some((k) => k.includes('/prom-client/'));
    (async () => {
      const m = await import(${JSON.stringify(path.join(BUILD, 'proxy/metrics.js'))});
      const s = await import(${JSON.stringify(path.join(BUILD, 'core/metrics-server.js'))});
      const metrics = m.createMetrics();
      metrics.extend((registry, prom) => new prom.Gauge({ name: 'x', help: 'x', registers: [registry] }));
      metrics.requested('GET');
      s.withMetricsListener({ start: async () => {}, close: async () => {} }, { listen: [{ host: '127.0.0.1', port: 0 }] });
      const before = loaded();
      const text = await metrics.registry.metrics();
      console.log(JSON.stringify({ before, after: loaded(), x: /^x 0$/m.test(text), reqs: /etcd_proxy_requests_total\\{method="GET"\\} 1/.test(text) }));
    })();`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, boolean>;
  assert.deepEqual(out, { before: false, after: true, x: true, reqs: true });
});
