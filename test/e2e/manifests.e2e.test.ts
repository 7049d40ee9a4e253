// The built `etcd-edge manifests k8s`: the stream on stdout parses into the five objects, --out writes the files,
// and a bad flag exits 2 with the error on stderr and nothing on stdout.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runBin } from '../helpers/bin.js';
import { tempDir } from '../helpers/etcd.js';

test('manifests k8s prints a YAML stream: Services, PodDisruptionBudget, StatefulSet', async () => {
  const r = await runBin(['manifests', 'k8s', '--name', 'kv', '--replicas', '5']);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['ServiceAccount/kv', 'Role/kv', 'RoleBinding/kv', 'Service/kv', 'Service/kv-client', 'PodDisruptionBudget/kv', 'StatefulSet/kv']);
  assert.equal(r.stderr, '');
});

test('manifests k8s --tls self-signed --out DIR writes one file per object and prints the paths', async (t) => {
  const dir = tempDir(t);
  const r = await runBin(['manifests', 'k8s', '--tls', 'self-signed', '--max-replicas', '3', '--out', path.join(dir, 'm')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 9);
  assert.deepEqual(readdirSync(path.join(dir, 'm')).sort(), ['poddisruptionbudget-etcd.yaml', 'role-etcd.yaml', 'rolebinding-etcd.yaml', 'secret-etcd-client-tls.yaml',
    'secret-etcd-tls.yaml', 'service-etcd-client.yaml', 'service-etcd.yaml', 'serviceaccount-etcd.yaml', 'statefulset-etcd.yaml']);
});

test('a bad flag exits 2 with the error and a hint on stderr', async () => {
  const r = await runBin(['manifests', 'k8s', '--storage', '1GB']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /error: invalid --storage "1GB" \[EDGE_CONFIG_INVALID\]\nhint: /);
});
