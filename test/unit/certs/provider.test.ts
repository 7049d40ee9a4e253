// The TlsProvider behind `up --tls`: self-signed makes a CA, per-member client and peer certs and a client cert
// under <state-dir>/pki, reuses them while they fit, reissues one whose hosts changed or that nears expiry;
// auto asks etcd for --auto-tls and tells our clients to skip verification.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createTlsProvider, sanHostsOf } from '../../../certs/provider.js';
import type { TlsMemberRequest } from '../../../core/edge.js';
import { tempDir } from '../../helpers/etcd.js';

const members: TlsMemberRequest[] = [
  { name: 'infra1', clientHosts: ['127.0.0.1', 'localhost'], peerHosts: ['127.0.0.1'] },
  { name: 'infra2', clientHosts: ['0.0.0.0', '10.0.0.2'], peerHosts: ['infra2.example.com'] },
];
const read = (p: string | undefined): string => readFileSync(p ?? '', 'utf8');

test('self-signed: a CA, member and peer certs with their own SANs, a client cert, and the flags for up', async (t) => {
  const stateDir = tempDir(t);
  const tls = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members });
  const m1 = tls.member('infra1');
  assert.equal(m1.mode, 'self-signed');
  assert.equal(m1.trustedCaFile, path.join(stateDir, 'pki', 'ca.crt'));
  assert.equal(m1.certFile, path.join(stateDir, 'pki', 'members', 'infra1.crt'));
  assert.equal(m1.peerKeyFile, path.join(stateDir, 'pki', 'members', 'infra1-peer.key'));
  const ca = new X509Certificate(read(m1.trustedCaFile));
  for (const f of [m1.certFile, m1.peerCertFile, tls.client.certFile]) assert.ok(new X509Certificate(read(f)).verify(ca.publicKey));
  assert.equal(new X509Certificate(read(m1.certFile)).subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
  assert.equal(new X509Certificate(read(m1.peerCertFile)).subjectAltName, 'IP Address:127.0.0.1');
  const m2 = tls.member('infra2');
  assert.equal(new X509Certificate(read(m2.certFile)).subjectAltName, 'IP Address:10.0.0.2', '0.0.0.0 is not a SAN');
  assert.equal(new X509Certificate(read(m2.peerCertFile)).subjectAltName, 'DNS:infra2.example.com');
  for (const k of [m1.keyFile, m1.peerKeyFile, m2.keyFile, tls.client.keyFile, path.join(stateDir, 'pki', 'ca.key')]) assert.equal(statSync(k ?? '').mode & 0o777, 0o600);
  assert.equal(new X509Certificate(read(tls.client.certFile)).subject, 'CN=client');
  assert.deepEqual(tls.edgePeerFlags, { 'peer-cert-file': tls.client.certFile, 'peer-key-file': tls.client.keyFile, 'peer-trusted-ca-file': m1.trustedCaFile });
  assert.equal(tls.connectFlags, `--cacert=${m1.trustedCaFile} --cert=${tls.client.certFile} --key=${tls.client.keyFile}`);
  assert.throws(() => tls.member('infra9'), { code: 'EDGE_INTERNAL' });
});

test('self-signed: a restart reuses every file; changed hosts or near expiry reissue only what no longer fits', async (t) => {
  const stateDir = tempDir(t);
  const first = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members });
  const files = [first.member('infra1').certFile, first.member('infra1').peerCertFile, first.member('infra2').certFile, first.client.certFile, first.member('infra1').trustedCaFile];
  const before = files.map(read);
  const again = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members });
  assert.deepEqual([again.member('infra1').certFile, again.member('infra1').peerCertFile, again.member('infra2').certFile, again.client.certFile, again.member('infra1').trustedCaFile].map(read), before);

  const moved = [{ ...members[0] as TlsMemberRequest, clientHosts: ['127.0.0.1', '10.1.1.1'] }, members[1] as TlsMemberRequest];
  await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members: moved });
  const after = files.map(read);
  assert.notEqual(after[0], before[0], 'infra1 client cert reissued for the new host');
  assert.match(new X509Certificate(after[0] ?? '').subjectAltName ?? '', /IP Address:10\.1\.1\.1/);
  assert.deepEqual(after.slice(1), before.slice(1), 'the rest kept');

  const later = new Date(Date.now() + 340 * 86_400_000);
  await createTlsProvider({ now: () => later }).prepare({ mode: 'self-signed', stateDir, members: moved });
  const renewed = files.map(read);
  assert.notEqual(renewed[1], before[1], 'a leaf with under 30 days left is reissued');
  assert.equal(renewed[4], before[4], 'the CA is kept');
});

test('self-signed: a half CA is refused rather than replaced', async (t) => {
  const stateDir = tempDir(t);
  await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members });
  rmSync(path.join(stateDir, 'pki', 'ca.key'));
  await assert.rejects(createTlsProvider().prepare({ mode: 'self-signed', stateDir, members }), /missing CA/);
});

test('auto: members get etcd auto-TLS, our clients skip verification, the edge gets its own auto-TLS pair', async (t) => {
  const stateDir = tempDir(t);
  const tls = await createTlsProvider().prepare({ mode: 'auto', stateDir, members });
  assert.deepEqual(tls.member('infra1'), { mode: 'auto' });
  assert.deepEqual(tls.client, { insecureSkipVerify: true });
  assert.deepEqual(tls.edgePeerFlags, { 'peer-auto-tls': 'true' });
  assert.equal(tls.connectFlags, '--insecure-skip-tls-verify --insecure-transport=false');
  assert.equal(tls.curlFlags, '--insecure');
  const edgeDir = path.join(stateDir, 'pki', 'edge-auto');
  assert.deepEqual(tls.edgeServerFlags, { 'cert-file': path.join(edgeDir, 'cert.pem'), 'key-file': path.join(edgeDir, 'key.pem') });
  assert.equal(existsSync(path.join(edgeDir, 'cert.pem')), true);
  assert.equal(existsSync(path.join(stateDir, 'pki', 'ca.crt')), false, 'auto makes no CA');
});

test('self-signed: the edge serves with a CA-issued server cert for its hosts and checks client certs', async (t) => {
  const stateDir = tempDir(t);
  const tls = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members, edgeHosts: ['10.0.1.10'] });
  const pki = path.join(stateDir, 'pki');
  assert.deepEqual(tls.edgeServerFlags, {
    'cert-file': path.join(pki, 'edge.crt'), 'key-file': path.join(pki, 'edge.key'), 'trusted-ca-file': path.join(pki, 'ca.crt'), 'client-cert-auth': 'true',
  });
  const cert = new X509Certificate(readFileSync(path.join(pki, 'edge.crt')));
  assert.ok(cert.checkIP('10.0.1.10') && cert.checkIP('127.0.0.1') && cert.checkHost('localhost'), cert.subjectAltName);
  assert.ok(cert.checkIssued(new X509Certificate(readFileSync(path.join(pki, 'ca.crt')))));
});

test('sanHostsOf drops unspecified addresses and falls back to loopback', () => {
  assert.deepEqual(sanHostsOf(['0.0.0.0', '[::]']), { dns: ['localhost'], ips: ['127.0.0.1'] });
  assert.deepEqual(sanHostsOf(['::', 'etcd.local']), { dns: ['etcd.local'], ips: [] });
});

test('self-signed with the cluster\'s one CA (caDir): certificates issued from it, no CA of its own; ca.crt alone uses those already issued', async (t) => {
  const shared = tempDir(t);
  const first = tempDir(t);
  // Any up with a CA of its own makes one; its files stand in for `etcd-edge certs ca --out DIR` here.
  await createTlsProvider().prepare({ mode: 'self-signed', stateDir: first, members: [] });
  const { copyFileSync, mkdirSync } = await import('node:fs');
  for (const f of ['ca.crt', 'ca.key']) copyFileSync(path.join(first, 'pki', f), path.join(shared, f));
  const stateDir = tempDir(t);
  const tls = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members, caDir: shared });
  assert.equal(tls.member('infra1').trustedCaFile, path.join(shared, 'ca.crt'));
  assert.equal(existsSync(path.join(stateDir, 'pki', 'ca.crt')), false, 'no CA of its own');
  const ca = new X509Certificate(read(path.join(shared, 'ca.crt')));
  for (const f of [tls.member('infra2').certFile, tls.member('infra2').peerCertFile, tls.client.certFile]) assert.ok(new X509Certificate(read(f)).verify(ca.publicKey));

  // A host holding only ca.crt: what was issued for it is used; a missing certificate is named, with the way out.
  const certOnly = tempDir(t);
  copyFileSync(path.join(shared, 'ca.crt'), path.join(certOnly, 'ca.crt'));
  const again = await createTlsProvider().prepare({ mode: 'self-signed', stateDir, members, caDir: certOnly });
  assert.equal(again.member('infra1').certFile, tls.member('infra1').certFile);
  const bare = tempDir(t);
  mkdirSync(path.join(bare, 'pki'), { recursive: true });
  await assert.rejects(createTlsProvider().prepare({ mode: 'self-signed', stateDir: bare, members, caDir: certOnly }),
    { code: 'EDGE_CERT', message: /no usable certificate ".*infra1\.crt" signed by the CA in .*, which has no ca\.key to issue one here/ });
  await assert.rejects(createTlsProvider().prepare({ mode: 'self-signed', stateDir: bare, members, caDir: bare }),
    { code: 'EDGE_CONFIG_INVALID', message: /missing CA: ".*ca\.crt" does not exist/ });
});
