// The status listener of `up` and `status --serve` starts (and samples) without loading prom-client; the first
// /metrics scrape loads it and shows Node's process metrics and the member gauges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFresh } from '../../helpers/fresh-process.js';

test('a started status listener leaves prom-client unloaded until the first scrape', () => {
  const out = runFresh(`
    const { createStatusListener } = await build('cluster/status-serve.js');
    let samples = 0;
    const row = { endpoint: 'http://127.0.0.1:1', healthy: true, error: undefined, status: { memberId: 'a', clusterId: 'c', version: '3.4.23', dbSize: 1, leader: 'a', raftTerm: 2, raftIndex: 7 } };
    const collect = async () => { samples++; return { rows: [row], members: [{ id: 'a', name: 'infra1', peerURLs: [], clientURLs: ['http://127.0.0.1:1'], isLearner: false }], allHealthy: true }; };
    const processes = () => [{ name: 'infra1', endpoint: 'http://127.0.0.1:1', state: 'running', pid: 4242, restarts: 2 }];
    const listener = createStatusListener({ listen: [{ host: '127.0.0.1', port: 0 }], collect, processes, intervalMs: 20 });
    try {
      await listener.start();
      const base = listener.urls()[0];
      while (samples < 3) await new Promise((r) => setTimeout(r, 10));
      const status = (await fetch(base + '/api/status')).status;
      const before = promLoaded();
      const text = await (await fetch(base + '/metrics')).text();
      report({ status, before, after: promLoaded(),
        running: /^etcd_edge_member_running\\{member="infra1",state="running"\\} 1$/m.test(text),
        restarts: /^etcd_edge_member_restarts\\{member="infra1"\\} 2$/m.test(text),
        process: /^process_cpu_user_seconds_total /m.test(text) });
    } finally {
      await listener.close();
    }`);
  assert.deepEqual(out, { status: 200, before: false, after: true, running: true, restarts: true, process: true });
});
