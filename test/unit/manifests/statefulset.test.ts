// The StatefulSet: Parallel pods, identity from the Downward API, the escaped member script and the verbatim preStop
// hook, probes on the right port per TLS mode, a non-root read-only container, anti-affinity and the claim template.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { memberScript, preStopScript } from '../../../manifests/script.js';
import { statefulSet } from '../../../manifests/statefulset.js';
import { containerCommand, podEnv, preStopCommand } from '../../helpers/kubelet.js';

const config = (argv: string[]): ManifestsConfig => parseK8sFlags(argv, {}, '/w') as ManifestsConfig;

test('spec: Parallel pods, the headless Service, replicas, selector and the volume claim template', () => {
  const s = statefulSet(config(['--name', 'kv', '--replicas', '5', '--storage', '8Gi']));
  assert.equal(s.spec?.podManagementPolicy, 'Parallel');
  assert.equal(s.spec?.serviceName, 'kv');
  assert.equal(s.spec?.replicas, 5);
  assert.deepEqual(s.spec?.selector.matchLabels, s.spec?.template.metadata?.labels);
  assert.deepEqual(s.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests, { storage: '8Gi' });
  assert.deepEqual(s.spec?.volumeClaimTemplates?.[0]?.spec?.accessModes, ['ReadWriteOnce']);
});

test('the environment a kubelet gives pod kv-4: Downward API identity, the initial size, the data dir', () => {
  const s = statefulSet(config(['--name', 'kv', '--namespace', 'store', '--replicas', '3']));
  assert.deepEqual(podEnv(s, { name: 'kv-4', namespace: 'store', ip: '10.1.2.3' }), {
    HOSTNAME: 'kv-4', POD_NAME: 'kv-4', POD_NAMESPACE: 'store', POD_IP: '10.1.2.3', SERVICE_NAME: 'kv', CLUSTER_DOMAIN: 'cluster.local',
    INITIAL_CLUSTER_SIZE: '3', DATA_DIR: '/var/run/etcd/data',
  });
});

for (const tls of [false, true]) {
  test(`the command is sh -c with the member script after expansion, preStop is sh -c verbatim (tls ${tls})`, () => {
    const s = statefulSet(config(tls ? ['--tls', 'self-signed'] : []));
    const env = podEnv(s, { name: 'etcd-0', namespace: 'default', ip: '10.1.2.3' });
    assert.deepEqual(containerCommand(s, env), ['/bin/sh', '-c', memberScript({ tls })]);
    assert.deepEqual(preStopCommand(s), ['/bin/sh', '-c', preStopScript({ tls })]);
  });
}

test('probes: /health on the client port without TLS, on the plain metrics port 2381 with TLS', () => {
  for (const [argv, port] of [[[], 'client'], [['--tls', 'self-signed'], 'metrics']] as const) {
    const c = statefulSet(config([...argv])).spec?.template.spec?.containers[0];
    for (const p of [c?.readinessProbe, c?.livenessProbe, c?.startupProbe]) assert.deepEqual(p?.httpGet, { path: '/health', port, scheme: 'HTTP' });
    assert.ok(c?.ports?.some((x) => x.name === port), `a container port named ${port}`);
  }
  const c = statefulSet(config(['--tls', 'self-signed'])).spec?.template.spec?.containers[0];
  assert.deepEqual(c?.ports?.find((x) => x.name === 'metrics')?.containerPort, 2381);
});

test('security: non-root, read-only root, no privilege escalation, every capability dropped, fsGroup for the volume', () => {
  const pod = statefulSet(config([])).spec?.template.spec;
  const c = pod?.containers[0];
  assert.deepEqual(c?.securityContext, {
    runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
  });
  assert.equal(pod?.securityContext?.fsGroup, 1001);
  assert.equal(pod?.securityContext?.runAsNonRoot, true);
  assert.equal(pod?.enableServiceLinks, false, 'no ETCD_* service link variables, which etcd would read as flags');
  assert.ok(c?.resources?.requests && c.resources.limits?.memory);
  assert.equal(c?.resources?.limits?.cpu, undefined, 'no CPU limit');
});

test('anti-affinity spreads the pods over nodes', () => {
  const a = statefulSet(config(['--name', 'kv'])).spec?.template.spec?.affinity?.podAntiAffinity;
  const term = a?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
  assert.equal(term?.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(term?.labelSelector?.matchLabels, { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'kv' });
});

test('TLS: the pod Secret is mounted read-only at TLS_DIR; without TLS there is no volume', () => {
  const s = statefulSet(config(['--name', 'kv', '--tls', 'self-signed']));
  const pod = s.spec?.template.spec;
  assert.deepEqual(pod?.volumes, [{ name: 'tls', secret: { secretName: 'kv-tls', defaultMode: 0o440 } }]);
  assert.deepEqual(pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'tls'), { name: 'tls', mountPath: '/etc/etcd/tls', readOnly: true });
  assert.equal(podEnv(s, { name: 'kv-0', namespace: 'default', ip: '10.0.0.1' }).TLS_DIR, '/etc/etcd/tls');
  assert.equal(statefulSet(config([])).spec?.template.spec?.volumes, undefined);
});
