// The StatefulSet: Parallel pods, identity from the Downward API, the escaped member script and the verbatim preStop
// hook, probes on the right port per TLS mode, a non-root read-only container, anti-affinity and the claim template.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { livenessScript } from '../../../manifests/probes.js';
import { memberScript } from '../../../manifests/script.js';
import { preStopScript } from '../../../manifests/prestop.js';
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
    INITIAL_CLUSTER_SIZE: '3', DATA_DIR: '/var/run/etcd/data', TOOLS_DIR: '/tools', SERVICEACCOUNT_DIR: '/var/run/secrets/kubernetes.io/serviceaccount',
  });
});

for (const tls of [false, true]) {
  test(`the command is the tools volume's sh -c with the member script after expansion, preStop is sh -c verbatim (tls ${tls})`, () => {
    const s = statefulSet(config(tls ? ['--tls', 'self-signed'] : []));
    const env = podEnv(s, { name: 'etcd-0', namespace: 'default', ip: '10.1.2.3' });
    assert.deepEqual(containerCommand(s, env), ['/tools/sh', '-c', memberScript({ tls })]);
    assert.deepEqual(preStopCommand(s), ['/tools/sh', '-c', preStopScript({ tls })]);
  });
}

const probeCases: { name: string; argv: string[]; live: unknown; ready: string; port: string }[] = [
  { name: 'the default 3.6 image: /livez and /readyz', argv: [], live: { httpGet: { path: '/livez', port: 'client', scheme: 'HTTP' } }, ready: '/readyz', port: 'client' },
  { name: 'a 3.6 image with TLS: on the plain metrics port', argv: ['--tls', 'self-signed'], live: { httpGet: { path: '/livez', port: 'metrics', scheme: 'HTTP' } }, ready: '/readyz', port: 'metrics' },
  { name: 'a 3.4 image: a serializable read, readiness on /health', argv: ['--image', 'registry.example/etcd:3.4.23'], live: { exec: { command: ['/tools/sh', '-c', livenessScript({ tls: false })] } }, ready: '/health', port: 'client' },
  { name: 'a 3.5 image with TLS', argv: ['--image', 'quay.io/coreos/etcd:v3.5.21', '--tls', 'self-signed'], live: { exec: { command: ['/tools/sh', '-c', livenessScript({ tls: true })] } }, ready: '/health', port: 'metrics' },
];
for (const p of probeCases) {
  test(`probes for ${p.name}; startup uses the liveness check`, () => {
    const c = statefulSet(config(p.argv)).spec?.template.spec?.containers[0];
    const strip = (x: object | undefined): unknown => Object.fromEntries(Object.entries(x ?? {}).filter(([k]) => k === 'httpGet' || k === 'exec'));
    assert.deepEqual(strip(c?.livenessProbe), p.live);
    assert.deepEqual(strip(c?.startupProbe), p.live);
    assert.deepEqual(c?.readinessProbe?.httpGet, { path: p.ready, port: p.port, scheme: 'HTTP' });
    assert.deepEqual([c?.livenessProbe?.periodSeconds, c?.livenessProbe?.failureThreshold], [10, 8]);
    assert.ok(c?.ports?.some((x) => x.name === p.port), `a container port named ${p.port}`);
  });
}

test('the liveness script is a serializable read on the local member, with the pod certificate under TLS', () => {
  assert.match(livenessScript({ tls: false }), /etcdctl --endpoints=http:\/\/127\.0\.0\.1:2379 .* get --consistency=s /s);
  assert.match(livenessScript({ tls: true }), /--endpoints=https:\/\/127\.0\.0\.1:2379 .*--cert="\$TLS_DIR\/\$POD_NAME\.crt"/s);
  assert.doesNotMatch(livenessScript({ tls: true }), /\$\$|\$\(/, 'nothing the kubelet\'s $(VAR) expansion of exec probes would change');
});

test('init containers: busybox copies itself as sh, rm and sleep into the tools volume, then the kubectl image copies kubectl with it', () => {
  const pod = statefulSet(config(['--tools-image', 'm/busybox:1', '--kubectl-image', 'm/kubectl:1'])).spec?.template.spec;
  assert.deepEqual(pod?.initContainers?.map((c) => [c.name, c.image, c.command?.[0]]), [['tools', 'm/busybox:1', '/bin/busybox'], ['kubectl', 'm/kubectl:1', '/tools/busybox']]);
  assert.deepEqual(pod?.initContainers?.[1]?.command, ['/tools/busybox', 'cp', '/bin/kubectl', '/tools/kubectl']);
  assert.match(pod?.initContainers?.[0]?.command?.[3] ?? '', /cp \/bin\/busybox "\$TOOLS_DIR\/busybox"\nfor applet in sh rm sleep; do ln -sf busybox/);
  assert.deepEqual(pod?.volumes?.find((v) => v.name === 'tools'), { name: 'tools', emptyDir: { sizeLimit: '128Mi' } });
  assert.deepEqual(pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'tools'), { name: 'tools', mountPath: '/tools', readOnly: true });
  for (const ic of pod?.initContainers ?? []) assert.equal(ic.securityContext?.readOnlyRootFilesystem, true);
});

test('the pods use the ServiceAccount (its token mounted) and get 120 s to leave and hand over leadership', () => {
  const pod = statefulSet(config(['--name', 'kv'])).spec?.template.spec;
  assert.deepEqual([pod?.serviceAccountName, pod?.automountServiceAccountToken, pod?.terminationGracePeriodSeconds], ['kv', true, 120]);
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

test('pods spread over zones (topology spread) and nodes (anti-affinity), both soft', () => {
  const pod = statefulSet(config(['--name', 'kv'])).spec?.template.spec;
  assert.deepEqual(pod?.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'kv' } } }]);
  const a = pod?.affinity?.podAntiAffinity;
  const term = a?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
  assert.equal(term?.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(term?.labelSelector?.matchLabels, { 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': 'kv' });
});

test('TLS: the pod Secret is mounted read-only at TLS_DIR; without TLS there is no volume', () => {
  const s = statefulSet(config(['--name', 'kv', '--tls', 'self-signed']));
  const pod = s.spec?.template.spec;
  assert.deepEqual(pod?.volumes?.find((v) => v.name === 'tls'), { name: 'tls', secret: { secretName: 'kv-tls', defaultMode: 0o440 } });
  assert.deepEqual(pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'tls'), { name: 'tls', mountPath: '/etc/etcd/tls', readOnly: true });
  assert.equal(podEnv(s, { name: 'kv-0', namespace: 'default', ip: '10.0.0.1' }).TLS_DIR, '/etc/etcd/tls');
  assert.deepEqual(statefulSet(config([])).spec?.template.spec?.volumes?.map((v) => v.name), ['tools']);
});
