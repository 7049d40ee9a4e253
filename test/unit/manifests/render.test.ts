// YAML output: one multi-document stream that parses back to the very objects (scripts as literal blocks, so the
// applied text is the generated one), and --out files named <kind>-<name>.yaml with Secrets 0600.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildManifests } from '../../../manifests/cli.js';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { fileNameOf, renderStream, writeObjects } from '../../../manifests/render.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-render-'));
after(() => rmSync(root, { recursive: true, force: true }));
const config = (argv: string[]): ManifestsConfig => parseK8sFlags(argv, {}, root) as ManifestsConfig;

for (const tls of [false, true]) {
  test(`the stream parses back to the same objects, in apply order (tls ${tls})`, async () => {
    const objects = await buildManifests(config(tls ? ['--tls', 'self-signed', '--max-replicas', '3'] : []));
    const text = renderStream(objects);
    const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    assert.deepEqual(docs, JSON.parse(JSON.stringify(objects)));
    assert.deepEqual(objects.map((o) => o.kind), [...(tls ? ['Secret', 'Secret'] : []), 'ServiceAccount', 'Role', 'RoleBinding', 'Service', 'Service', 'PodDisruptionBudget', 'StatefulSet']);
    assert.match(text, /^ {12}- \|\n {14}# etcd member start script/m, 'the member script is a literal block');
    assert.doesNotMatch(text, /^.{1,}\\n.*etcd member start script/m, 'not a quoted one-line string');
  });
}

test('--out writes <kind>-<name>.yaml per object; Secrets 0600 even over an existing 0644 file', async () => {
  const objects = await buildManifests(config(['--name', 'kv', '--tls', 'self-signed', '--max-replicas', '3']));
  const dir = path.join(root, 'out');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'secret-kv-tls.yaml'), 'old', { mode: 0o644 });
  const paths = await writeObjects(dir, objects);
  assert.deepEqual(paths.map((p) => path.basename(p)), ['secret-kv-tls.yaml', 'secret-kv-client-tls.yaml', 'serviceaccount-kv.yaml', 'role-kv.yaml', 'rolebinding-kv.yaml', 'service-kv.yaml', 'service-kv-client.yaml',
    'poddisruptionbudget-kv.yaml', 'statefulset-kv.yaml']);
  for (const p of paths) {
    const mode = statSync(p).mode & 0o777;
    assert.equal(mode, path.basename(p).startsWith('secret-') ? 0o600 : 0o644, p);
  }
  assert.match(readFileSync(path.join(dir, 'secret-kv-tls.yaml'), 'utf8'), /^apiVersion: v1\nkind: Secret\n/);
  assert.equal(fileNameOf({ apiVersion: 'v1', kind: 'Service' }), 'service-unnamed.yaml');
});

test('--out into a path that is a file is a config error', async () => {
  const file = path.join(root, 'a-file');
  writeFileSync(file, '');
  await assert.rejects(writeObjects(file, []), (err: Error & { code?: string }) => err.code === 'EDGE_CONFIG_INVALID');
});
