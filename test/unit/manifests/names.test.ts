// Derived names: objects, labels, the pods' stable DNS names, the client Service's names, and quorum sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namesFor, quorum } from '../../../manifests/names.js';

test('the names of a cluster', () => {
  const n = namesFor({ name: 'kv', namespace: 'store', clusterDomain: 'cluster.local' });
  assert.deepEqual([n.statefulSet, n.headless, n.client, n.pdb, n.tlsSecret, n.clientTlsSecret, n.token],
    ['kv', 'kv', 'kv-client', 'kv', 'kv-tls', 'kv-client-tls', 'kv-store']);
  assert.equal(n.pod(4), 'kv-4');
  assert.equal(n.podHost(4), 'kv-4.kv.store.svc.cluster.local');
  assert.deepEqual(n.clientHosts(), ['kv-client', 'kv-client.store', 'kv-client.store.svc', 'kv-client.store.svc.cluster.local']);
  assert.deepEqual(n.labels, { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'kv' });
});

for (const [n, q] of [[1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [6, 4], [7, 4]] as const) {
  test(`the quorum of ${n} members is ${q}`, () => assert.equal(quorum(n), q));
}
