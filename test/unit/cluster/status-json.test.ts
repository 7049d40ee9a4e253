import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterStatus } from '../../../cluster/status.js';
import { STATUS_SCHEMA, buildStatusDoc, renderStatusDoc } from '../../../cluster/status-json.js';
import { bundledMetricsUrl, exposureWarning, upMetricsListen } from '../../../cluster/up-metrics.js';

const st = (id: string, leader: string, idx: number) => ({ memberId: id, clusterId: 'c1', version: '3.4.23', dbSize: 20480, leader, raftTerm: 2, raftIndex: idx, raftAppliedIndex: idx, isLearner: false, errors: [] });
const status: ClusterStatus = {
  rows: [
    { endpoint: 'http://127.0.0.1:1', status: st('a1', 'b2', 10), healthy: true, error: undefined },
    { endpoint: 'http://127.0.0.1:2', status: st('b2', 'b2', 12345), healthy: true, error: undefined },
    { endpoint: 'http://127.0.0.1:3', status: undefined, healthy: false, error: 'timeout after 800ms' },
  ],
  members: [
    { id: 'a1', name: 'infra1', peerURLs: [], clientURLs: ['http://127.0.0.1:1'], isLearner: false },
    { id: 'b2', name: 'infra2', peerURLs: [], clientURLs: ['http://127.0.0.1:2'], isLearner: false },
    { id: 'c3', name: 'infra3', peerURLs: [], clientURLs: ['http://127.0.0.1:3'], isLearner: true },
  ],
  allHealthy: false,
};

test('the document: schema, names from the member list, leader, learner, errors, process view', () => {
  const doc = buildStatusDoc(status, { now: new Date(0), processOf: (ep) => (ep.endsWith(':3') ? { state: 'restarting', pid: null, restarts: 2 } : undefined) });
  assert.equal(doc.schema, STATUS_SCHEMA);
  assert.equal(doc.time, '1970-01-01T00:00:00.000Z');
  assert.equal(doc.leader, 'b2');
  assert.equal(doc.clusterId, 'c1');
  assert.deepEqual(doc.members.map((m) => [m.name, m.isLeader, m.isLearner, m.health]), [['infra1', false, false, 'healthy'], ['infra2', true, false, 'healthy'], ['infra3', false, true, 'unhealthy']]);
  assert.deepEqual(doc.members[2]?.process, { state: 'restarting', pid: null, restarts: 2 });
  assert.equal(doc.members[2]?.error, 'timeout after 800ms');
  assert.deepEqual(JSON.parse(renderStatusDoc(doc, 'json')), JSON.parse(JSON.stringify(doc)));
});

test('-w table: etcdctl columns plus HEALTH, numbers right-aligned', () => {
  const out = renderStatusDoc(buildStatusDoc(status), 'table');
  assert.match(out, /│ ENDPOINT +│ ID +│ VERSION +│ DB SIZE +│ IS LEADER +│ IS LEARNER +│ RAFT TERM +│ RAFT INDEX +│ RAFT APPLIED INDEX +│ ERRORS +│ HEALTH +│/);
  assert.match(out, /│ http:\/\/127\.0\.0\.1:2 │ b2 +│ 3\.4\.23 +│ +20 kB │ true +│ false +│ +2 │ +12345 │ +12345 │ +│ healthy +│/);
  assert.match(out, /│ http:\/\/127\.0\.0\.1:3 │ c3 .*│ unhealthy: timeout after 800ms │/);
});

test('-w simple and -w fields', () => {
  const doc = buildStatusDoc(status);
  const simple = renderStatusDoc(doc, 'simple').split('\n');
  assert.equal(simple.length, 3);
  assert.equal(simple[1], 'http://127.0.0.1:2, b2, 3.4.23, 20 kB, true, false, 2, 12345, 12345, , healthy');
  const fields = renderStatusDoc(doc, 'fields');
  assert.match(fields, /^"Endpoint" : "http:\/\/127\.0\.0\.1:1"\n"ClusterID" : c1\n"MemberID" : a1\n/);
  assert.equal((fields.match(/^"RaftAppliedIndex" : /gm) ?? []).length, 3);
});

test('up --listen-metrics-urls: 2381 in the bundled layout, base-port + 8, none for a topology, the flag wins', () => {
  assert.equal(bundledMetricsUrl(undefined), 'http://127.0.0.1:2381');
  assert.deepEqual(upMetricsListen(undefined, { bundled: true, basePort: 20000 }), [{ host: '127.0.0.1', port: 20008 }]);
  assert.deepEqual(upMetricsListen(undefined, { bundled: true, basePort: undefined }), [{ host: '127.0.0.1', port: 2381 }]);
  assert.deepEqual(upMetricsListen([], { bundled: true, basePort: undefined }), []);
  assert.deepEqual(upMetricsListen(undefined, { bundled: false, basePort: undefined }), []);
  assert.deepEqual(upMetricsListen(['http://127.0.0.1:9999'], { bundled: true, basePort: 1 }), [{ host: '127.0.0.1', port: 9999 }]);
  assert.equal(exposureWarning([{ host: '127.0.0.1', port: 1 }], true), undefined);
  assert.equal(exposureWarning([{ host: '0.0.0.0', port: 1 }], false), undefined);
  assert.match(exposureWarning([{ host: '0.0.0.0', port: 1 }], true) ?? '', /without client authentication/);
});
