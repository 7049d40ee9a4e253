// The TLS Secrets: a CA certificate (never its key) and one certificate per ordinal up to --max-replicas, each
// naming the pod's DNS names and the client Service's, serving and dialing; a client pair; --ca reuses a CA.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createCa } from '../../../certs/index.js';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { podSans, tlsSecrets } from '../../../manifests/secrets.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));
const config = (argv: string[]): ManifestsConfig => parseK8sFlags(['--tls', 'self-signed', ...argv], {}, root) as ManifestsConfig;
const pem = (data: Record<string, string> | undefined, key: string): string => Buffer.from(data?.[key] ?? '', 'base64').toString('utf8');

test('the pod Secret: ca.crt and NAME-i.crt/.key for every ordinal below --max-replicas, nothing else', async () => {
  const [pods, client] = await tlsSecrets(config(['--name', 'kv', '--namespace', 'store', '--max-replicas', '4']));
  assert.equal(pods?.metadata?.name, 'kv-tls');
  assert.equal(pods?.type, 'Opaque');
  assert.deepEqual(Object.keys(pods?.data ?? {}).sort(), ['ca.crt', 'kv-0.crt', 'kv-0.key', 'kv-1.crt', 'kv-1.key', 'kv-2.crt', 'kv-2.key', 'kv-3.crt', 'kv-3.key']);
  assert.equal(client?.metadata?.name, 'kv-client-tls');
  assert.equal(client?.type, 'kubernetes.io/tls');
  assert.deepEqual(Object.keys(client?.data ?? {}).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
  for (const s of [pods, client]) for (const v of Object.values(s?.data ?? {})) assert.doesNotMatch(Buffer.from(v, 'base64').toString(), /etcd CA[\s\S]*PRIVATE KEY/);
});

test('every pod certificate is signed by the CA, serves and dials, and names the pod and the client Service', async () => {
  const [pods, client] = await tlsSecrets(config(['--name', 'kv', '--namespace', 'store', '--max-replicas', '3']));
  const ca = new X509Certificate(pem(pods?.data, 'ca.crt'));
  assert.ok(ca.ca);
  for (const i of [0, 1, 2]) {
    const cert = new X509Certificate(pem(pods?.data, `kv-${i}.crt`));
    assert.ok(cert.verify(ca.publicKey), `kv-${i} is signed by the CA`);
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(pem(pods?.data, `kv-${i}.key`))));
    for (const h of [`kv-${i}.kv.store.svc.cluster.local`, `kv-${i}.kv.store.svc`, `kv-${i}.kv`, 'kv-client', 'kv-client.store.svc.cluster.local', 'localhost']) {
      assert.equal(cert.checkHost(h), h, `kv-${i} names ${h}`);
    }
    assert.equal(cert.checkHost(`kv-${(i + 1) % 3}.kv.store.svc.cluster.local`), undefined, 'not another pod');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.deepEqual([...(cert.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'serverAuth and clientAuth');
  }
  const c = new X509Certificate(pem(client?.data, 'tls.crt'));
  assert.ok(c.verify(ca.publicKey));
  assert.deepEqual([...(c.keyUsage ?? [])], ['1.3.6.1.5.5.7.3.2'], 'clientAuth only');
  assert.equal(pem(client?.data, 'ca.crt'), pem(pods?.data, 'ca.crt'));
});

test('each run makes a new CA; --ca signs with the given one', async () => {
  const a = (await tlsSecrets(config(['--max-replicas', '3'])))[0];
  const b = (await tlsSecrets(config(['--max-replicas', '3'])))[0];
  assert.notEqual(pem(a?.data, 'ca.crt'), pem(b?.data, 'ca.crt'));
  const dir = path.join(root, 'pki');
  const made = await createCa({ commonName: 'mine' });
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ca.crt'), made.certPem);
  writeFileSync(path.join(dir, 'ca.key'), made.keyPem, { mode: 0o600 });
  const [pods] = await tlsSecrets(config(['--max-replicas', '3', '--ca', 'pki']));
  assert.equal(pem(pods?.data, 'ca.crt'), made.certPem);
  assert.ok(new X509Certificate(pem(pods?.data, 'etcd-2.crt')).verify(new X509Certificate(made.certPem).publicKey));
});

test('a missing --ca directory is a usage error naming the command that makes one', async () => {
  await assert.rejects(tlsSecrets(config(['--ca', 'nowhere'])), (err: Error & { code?: string; hint?: string }) =>
    err.code === 'EDGE_CONFIG_INVALID' && /etcd-edge certs ca/.test(err.hint ?? ''));
});

test('the SANs of a pod', () => {
  assert.deepEqual(podSans(config(['--name', 'kv', '--namespace', 'store']), 1), {
    dns: ['kv-1.kv.store.svc.cluster.local', 'kv-1.kv.store.svc', 'kv-1.kv.store', 'kv-1.kv', 'kv-client', 'kv-client.store', 'kv-client.store.svc',
      'kv-client.store.svc.cluster.local', 'localhost'],
    ips: ['127.0.0.1'],
  });
});
