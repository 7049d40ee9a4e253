// `etcd-edge manifests`: k8s writes the YAML stream to stdout (or the file paths with --out), help goes to stdout,
// and a missing or unknown subcommand is a usage error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import type { CliIo } from '../../../core/cli.js';
import { manifestsMain } from '../../../manifests/cli.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function io(argv: string[], env: Record<string, string> = {}): CliIo & { out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => { out += c.toString(); });
  return { argv, env, cwd: root, stdout, stderr: new PassThrough(), signal: new AbortController().signal, out: () => out };
}

test('manifests k8s prints the objects as one YAML stream', async () => {
  const x = io(['k8s', '--replicas', '5']);
  assert.equal(await manifestsMain(x), 0);
  assert.equal(x.out().match(/^---$/gm)?.length, 7);
  assert.match(x.out(), /kind: StatefulSet[\s\S]*replicas: 5/);
  assert.match(x.out(), /kind: PodDisruptionBudget[\s\S]*minAvailable: 3/);
});

test('manifests k8s --out prints one path per file written', async () => {
  const x = io(['k8s', '--out', 'm'], { ETCD_EDGE_MANIFESTS_NAME: 'kv' });
  assert.equal(await manifestsMain(x), 0);
  assert.deepEqual(x.out().trim().split('\n'), ['serviceaccount-kv', 'role-kv', 'rolebinding-kv', 'service-kv', 'service-kv-client', 'poddisruptionbudget-kv', 'statefulset-kv'].map((f) => path.join(root, 'm', `${f}.yaml`)));
});

test('help: manifests --help and manifests k8s --help exit 0; bare manifests exits 2', async () => {
  const a = io(['--help']);
  assert.equal(await manifestsMain(a), 0);
  assert.match(a.out(), /manifests k8s/);
  const b = io(['k8s', '--help']);
  assert.equal(await manifestsMain(b), 0);
  assert.match(b.out(), /--replicas \[ETCD_EDGE_REPLICAS\]/);
  assert.equal(await manifestsMain(io([])), 2);
});

test('an unknown subcommand is a usage error with a hint', async () => {
  await assert.rejects(manifestsMain(io(['helm'])), (err: { code: string; message: string; hint: string }) =>
    err.code === 'EDGE_USAGE' && /unknown manifests subcommand "helm"/.test(err.message) && /manifests k8s/.test(err.hint));
});
