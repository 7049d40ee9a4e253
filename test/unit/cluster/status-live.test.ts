import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ClusterStatus } from '../../../cluster/status.js';
import { declaredHosts, withHosts } from '../../../cluster/status-hosts.js';
import { buildStatusDoc } from '../../../cluster/status-json.js';
import { createStatusSampler } from '../../../cluster/status-live.js';
import { bundledTopology } from '../../../cluster/topology.js';

const one = (raftIndex: number): ClusterStatus => ({
  rows: [{ endpoint: 'http://127.0.0.1:1', healthy: true, error: undefined, status: { memberId: 'a', clusterId: 'c', version: '3.4.23', dbSize: 1, leader: 'a', raftTerm: 2, raftIndex } }],
  members: [{ id: 'a', name: 'infra1', peerURLs: [], clientURLs: ['http://127.0.0.1:1'], isLearner: false }],
  allHealthy: true,
});

test('sampler: edge views from the components\' metrics, request and raft index rates, bounded history', async (t) => {
  let idx = 100;
  let reqs = 0;
  const proxy = {
    start: async () => {}, close: async () => {},
    describe: () => ({ kind: 'proxy', address: 'http://127.0.0.1:9', detail: 'readwrite, 1 endpoint' }),
    endpoints: () => ['http://127.0.0.1:1'],
    metrics: async () => `etcd_proxy_requests_total{method="GET"} ${reqs}\netcd_proxy_endpoints{state="available"} 1\netcd_proxy_endpoints{state="unavailable"} 1\n`
      + `etcd_proxy_endpoint_requests_total{endpoint="http://127.0.0.1:2"} 3\netcd_proxy_dropped_total{method="GET",proxying_error="zero_endpoints"} 2\n`,
  };
  const s = createStatusSampler({ collect: async () => { idx += 10; reqs += 5; return one(idx); }, edge: () => [proxy], intervalMs: 50, keep: 3 });
  t.after(() => s.close());
  s.start();
  while ((s.current()?.history?.time.length ?? 0) < 3) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 120));
  const doc = s.current();
  assert.ok(doc?.history);
  assert.equal(doc.history.time.length, 3, 'history is bounded by keep');
  for (const v of doc.history.requestsPerSecond) assert.ok(v > 20 && v < 200, `req/s ${v}`);
  for (const v of doc.history.raftIndexPerSecond) assert.ok(v > 40 && v < 400, `index/s ${v}`);
  const e = doc.edge[0];
  assert.equal(e?.kind, 'proxy');
  assert.equal(e?.stats.errorsTotal, 2);
  assert.deepEqual(e?.endpoints.map((x) => [x.url, x.state]), [['http://127.0.0.1:2', 'unavailable'], ['http://127.0.0.1:1', 'available']]);
  await s.close();
  await s.close();
});

test('multi-host view: declared hosts, reached listeners add their edge and process states', async (t) => {
  const server = http.createServer((_q, r) => {
    r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      members: [{ endpoint: 'http://127.0.0.1:1', process: { state: 'restarting', pid: null, restarts: 1 } }],
      edge: [{ kind: 'gateway', address: 'x', detail: '', stats: {}, endpoints: [] }],
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const hosts = declaredHosts(bundledTopology({ basePort: 20000 }), port);
  assert.deepEqual(hosts.map((h) => [h.name, h.member, h.proxy, h.gateway]), [
    ['local', 'infra1', 'http://127.0.0.1:20006', '127.0.0.1:20007'], ['local-2', 'infra2', null, null], ['local-3', 'infra3', null, null]]);
  const unreachable = { ...hosts[0], name: 'gone', metricsUrl: 'http://127.0.0.1:1' } as (typeof hosts)[number];
  const doc = await withHosts(buildStatusDoc(one(5)), [hosts[0] as (typeof hosts)[number], unreachable], 1000);
  assert.deepEqual(doc.hosts?.map((h) => [h.name, h.reached]), [['local', true], ['gone', false]]);
  assert.match(doc.hosts?.[1]?.error ?? '', /./);
  assert.deepEqual(doc.hosts?.[0]?.edge.map((e) => e.kind), ['gateway']);
  assert.deepEqual(doc.members[0]?.process, { state: 'restarting', pid: null, restarts: 1 });
});
