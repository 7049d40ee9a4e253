// `manifests k8s` flag parsing: defaults, flags and ETCD_EDGE_MANIFESTS_* variables, paths against cwd, and bad
// input as usage errors (exit 2) with hints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor, isEdgeError } from '../../../core/errors.js';
import { DEFAULT_IMAGE, k8sHelp, parseK8sFlags } from '../../../manifests/config.js';
import { DEFAULT_KUBECTL_IMAGE, DEFAULT_TOOLS_IMAGE } from '../../../manifests/images.js';

test('defaults: etcd in default, 3 replicas, the default image, 1Gi, no TLS, stdout', () => {
  const c = parseK8sFlags([], {}, '/w');
  assert.deepEqual(c, {
    name: 'etcd', namespace: 'default', replicas: 3, image: DEFAULT_IMAGE, toolsImage: DEFAULT_TOOLS_IMAGE, kubectlImage: DEFAULT_KUBECTL_IMAGE,
    storage: '1Gi', tls: 'none', maxReplicas: 7,
    ca: undefined, clusterDomain: 'cluster.local', out: undefined,
  });
  assert.ok(Object.isFrozen(c));
});

test('flags, and paths resolved against cwd', () => {
  const c = parseK8sFlags(['--name', 'kv', '--namespace', 'store', '--replicas', '5', '--image', 'registry.example/etcd:3.5', '--storage', '8Gi',
    '--tls', 'self-signed', '--max-replicas', '9', '--ca', 'pki', '--cluster-domain', 'corp.local.', '--out', 'out',
    '--tools-image', 'mirror.example/busybox:1.37.0', '--kubectl-image', 'mirror.example/kubectl:v1.34.1'], {}, '/w');
  assert.deepEqual(c, {
    name: 'kv', namespace: 'store', replicas: 5, image: 'registry.example/etcd:3.5', toolsImage: 'mirror.example/busybox:1.37.0',
    kubectlImage: 'mirror.example/kubectl:v1.34.1', storage: '8Gi', tls: 'self-signed', maxReplicas: 9,
    ca: '/w/pki', clusterDomain: 'corp.local', out: '/w/out',
  });
});

test('the environment, and --max-replicas defaulting to --replicas when that is larger than 7', () => {
  const c = parseK8sFlags([], { ETCD_EDGE_MANIFESTS_REPLICAS: '9', ETCD_EDGE_MANIFESTS_TLS: 'self-signed', ETCD_EDGE_MANIFESTS_OUT: '/m' }, '/w');
  assert.equal(c?.replicas, 9);
  assert.equal(c?.maxReplicas, 9);
  assert.equal(c?.out, '/m');
});

test('--help returns no config; the help names every variable', () => {
  assert.equal(parseK8sFlags(['--help'], {}, '/w'), undefined);
  for (const v of ['ETCD_EDGE_NAME', 'ETCD_EDGE_REPLICAS', 'ETCD_EDGE_TLS', 'ETCD_EDGE_OUT']) assert.ok(k8sHelp().includes(v), v);
});

const bad: { name: string; argv: string[]; env?: Record<string, string>; re: RegExp }[] = [
  { name: 'an upper-case name', argv: ['--name', 'Etcd'], re: /invalid --name/ },
  { name: 'a name starting with a digit', argv: ['--name', '1etcd'], re: /invalid --name/ },
  { name: 'a name too long for the Services', argv: ['--name', 'e'.repeat(53)], re: /invalid --name/ },
  { name: 'a namespace with a dot', argv: ['--namespace', 'a.b'], re: /invalid --namespace/ },
  { name: 'zero replicas', argv: ['--replicas', '0'], re: /invalid --replicas/ },
  { name: 'replicas not a number', argv: ['--replicas', 'three'], re: /invalid value/ },
  { name: 'max-replicas below replicas', argv: ['--replicas', '5', '--tls', 'self-signed', '--max-replicas', '3'], re: /invalid --max-replicas/ },
  { name: 'max-replicas without TLS', argv: ['--max-replicas', '9'], re: /only apply to --tls self-signed/ },
  { name: 'a CA without TLS', argv: ['--ca', 'pki'], re: /only apply to --tls self-signed/ },
  { name: 'a storage size without a unit suffix Kubernetes knows', argv: ['--storage', '1GB'], re: /invalid --storage/ },
  { name: 'an image with a space', argv: ['--image', 'a b'], re: /invalid --image/ },
  { name: 'an empty tools image', argv: ['--tools-image', ''], re: /invalid --tools-image/ },
  { name: 'an unknown TLS mode', argv: ['--tls', 'auto'], re: /invalid value/ },
  { name: 'a bad cluster domain', argv: ['--cluster-domain', 'a..b'], re: /invalid --cluster-domain/ },
  { name: 'an unknown flag', argv: ['--size', '3'], re: /not defined/ },
  { name: 'flag and env both set', argv: ['--name', 'a'], env: { ETCD_EDGE_MANIFESTS_NAME: 'b' }, re: /conflicting/ },
];
for (const c of bad) {
  test(`refused with exit 2 and a hint: ${c.name}`, () => {
    assert.throws(() => parseK8sFlags(c.argv, c.env ?? {}, '/w'), (err: unknown) =>
      isEdgeError(err) && exitCodeFor(err) === 2 && c.re.test(err.message) && Boolean(err.hint));
  });
}
