// The discovery service starts and answers requests without loading prom-client; the first /metrics scrape loads
// it and shows the requests counted before it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePorts } from '../../helpers/ports.js';
import { runFresh } from '../../helpers/fresh-process.js';

test('a started discovery service leaves prom-client unloaded until the first scrape', async () => {
  // A store nobody listens on: start() only warns, and / and /metrics do not touch the store.
  const listen = await freePorts(2);
  const store = `http://127.0.0.1:${listen + 1}`;
  const out = runFresh(`
    const { parseDiscoveryServeFlags } = await build('discovery/config.js');
    const { createDiscoveryService } = await build('discovery/service.js');
    const { config } = parseDiscoveryServeFlags(['--listen-addr', '127.0.0.1:${listen}', '--endpoints', ${JSON.stringify(store)}, '--request-timeout', '1s'], {});
    const svc = createDiscoveryService(config);
    try {
      await svc.start();
      const base = 'http://127.0.0.1:' + svc.address().port;
      const home = (await fetch(base + '/')).status;
      const before = promLoaded();
      const res = await fetch(base + '/metrics');
      const text = await res.text();
      report({ home, before, after: promLoaded(), type: res.headers.get('content-type'),
        requests: /^etcd_edge_discovery_requests_total\\{route="home",method="GET",code="200"\\} 1$/m.test(text),
        waiting: /^etcd_edge_discovery_waiting_requests 0$/m.test(text),
        tokens: /^etcd_edge_discovery_tokens_created_total 0$/m.test(text) });
    } finally {
      await svc.close();
    }`);
  assert.deepEqual(out, { home: 200, before: false, after: true, type: 'text/plain; version=0.0.4; charset=utf-8', requests: true, waiting: true, tokens: true });
});
