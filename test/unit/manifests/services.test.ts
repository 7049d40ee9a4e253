// The Services and the PodDisruptionBudget: a headless Service that publishes not-ready pods, a client Service, and
// a policy/v1 budget whose minAvailable is the quorum of the initial size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { clientService, headlessService, podDisruptionBudget } from '../../../manifests/services.js';

const config = (argv: string[]): ManifestsConfig => parseK8sFlags(argv, {}, '/w') as ManifestsConfig;
const labels = { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'kv' };

test('the headless Service: no cluster IP, not-ready pods published, client and peer ports', () => {
  const s = headlessService(config(['--name', 'kv', '--namespace', 'store']));
  assert.deepEqual(s.metadata, { name: 'kv', namespace: 'store', labels });
  assert.equal(s.spec?.clusterIP, 'None');
  assert.equal(s.spec?.publishNotReadyAddresses, true);
  assert.deepEqual(s.spec?.selector, labels);
  assert.deepEqual(s.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [['client', 2379, 'client'], ['peer', 2380, 'peer']]);
});

test('the client Service: a ClusterIP on 2379 for ready pods only', () => {
  const s = clientService(config(['--name', 'kv']));
  assert.equal(s.metadata?.name, 'kv-client');
  assert.equal(s.spec?.type, 'ClusterIP');
  assert.equal(s.spec?.publishNotReadyAddresses, undefined);
  assert.deepEqual(s.spec?.ports?.map((p) => [p.name, p.port]), [['client', 2379]]);
});

for (const [replicas, min] of [[1, 1], [3, 2], [5, 3], [7, 4]] as const) {
  test(`the PodDisruptionBudget of ${replicas} replicas is policy/v1 with minAvailable ${min}`, () => {
    const p = podDisruptionBudget(config(['--name', 'kv', '--replicas', String(replicas)]));
    assert.equal(p.apiVersion, 'policy/v1');
    assert.equal(p.spec?.minAvailable, min);
    assert.deepEqual(p.spec?.selector, { matchLabels: labels });
  });
}
