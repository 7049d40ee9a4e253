// Certificate profiles as issued: usages, basic constraints, SANs split IP vs DNS, serial size, validity, key and
// signature algorithms, and chain verification with node:crypto.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createCa } from '../../../certs/ca.js';
import { parseHosts } from '../../../certs/hosts.js';
import { issueCertificate, randomSerialHex } from '../../../certs/issue.js';
import type { Issuer } from '../../../certs/issue.js';
import { AUTO_TLS_KEY, loadPrivateKey, RSA_KEY } from '../../../certs/keys.js';
import { BACKDATE_MS, describeUsages, PROFILES } from '../../../certs/profiles.js';
import type { ProfileName } from '../../../certs/profiles.js';
import { x509 } from '../../../certs/x509.js';

const SERVER = '1.3.6.1.5.5.7.3.1';
const CLIENT = '1.3.6.1.5.5.7.3.2';
const DAY = 86_400_000;
const hosts = parseHosts(['127.0.0.1', '::1', 'localhost', 'infra1.example.com']);

async function testCa(): Promise<Issuer> {
  const ca = await createCa({ commonName: 'test CA' });
  return { cert: ca.cert, key: await loadPrivateKey(ca.keyPem, 'ca.key') };
}

const cases: { profile: ProfileName; eku: string[]; ku: string[]; sans: boolean; subject: string }[] = [
  { profile: 'member', eku: [SERVER, CLIENT], ku: ['digitalSignature', 'keyEncipherment'], sans: true, subject: 'CN=infra1' },
  { profile: 'peer', eku: [SERVER, CLIENT], ku: ['digitalSignature', 'keyEncipherment'], sans: true, subject: 'CN=infra1' },
  { profile: 'client', eku: [CLIENT], ku: ['digitalSignature', 'keyEncipherment'], sans: false, subject: 'CN=infra1' },
  { profile: 'auto', eku: [SERVER], ku: ['digitalSignature', 'keyEncipherment'], sans: true, subject: 'O=etcd' },
];
for (const c of cases) {
  test(`profile ${c.profile}: usages, SANs, subject and a verifiable signature`, async () => {
    const issuer = c.profile === 'auto' ? undefined : await testCa();
    const i = await issueCertificate({ profile: c.profile, commonName: 'infra1', hosts, ...(issuer ? { issuer } : {}), ...(c.profile === 'auto' ? { key: AUTO_TLS_KEY } : {}) });
    const node = new X509Certificate(i.certPem);
    assert.deepEqual(node.keyUsage, c.eku);
    assert.equal(node.ca, false);
    assert.equal(node.subject, c.subject);
    const ku = i.cert.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.critical, true);
    assert.deepEqual(describeUsages(ku?.usages ?? 0, []).keyUsage, c.ku);
    assert.equal(node.subjectAltName, c.sans ? 'DNS:localhost, DNS:infra1.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' : undefined);
    const signer = issuer ? new X509Certificate(issuer.cert.toString('pem')) : node;
    assert.ok(node.verify(signer.publicKey), 'signature verifies with the issuer key');
    assert.ok(createPublicKey(createPrivateKey(i.keyPem)).export({ format: 'pem', type: 'spki' }) === node.publicKey.export({ format: 'pem', type: 'spki' }));
    if (issuer) assert.ok(node.checkIssued(signer));
  });
}

test('the CA is a critical CA:TRUE with keyCertSign and key identifiers', async () => {
  const ca = await createCa({ commonName: 'My CA', days: 10 });
  const bc = ca.cert.getExtension(x509.BasicConstraintsExtension);
  assert.equal(bc?.ca, true);
  assert.equal(bc?.critical, true);
  assert.deepEqual(describeUsages(ca.cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0, []).keyUsage, ['digitalSignature', 'keyCertSign', 'cRLSign']);
  assert.ok(ca.cert.getExtension(x509.SubjectKeyIdentifierExtension));
  assert.equal(new X509Certificate(ca.certPem).subject, 'CN=My CA');
  assert.equal(PROFILES.ca.defaultDays, 3650);
});

test('auto matches etcd SelfCert: P-521, SHA-512, SEC1 key, 365 days from now exactly, no key identifiers', async () => {
  const now = new Date('2030-01-02T03:04:05Z');
  const i = await issueCertificate({ profile: 'auto', hosts, key: AUTO_TLS_KEY, now });
  assert.match(i.keyPem, /^-----BEGIN EC PRIVATE KEY-----/);
  const node = new X509Certificate(i.certPem);
  assert.equal(node.publicKey.asymmetricKeyDetails?.namedCurve, 'secp521r1');
  assert.deepEqual(i.cert.signatureAlgorithm, { name: 'ECDSA', hash: { name: 'SHA-512' } });
  assert.equal(i.cert.notBefore.getTime(), now.getTime());
  assert.equal(i.cert.notAfter.getTime() - now.getTime(), 365 * DAY);
  assert.equal(i.cert.getExtension(x509.SubjectKeyIdentifierExtension), null);
  assert.equal(i.cert.issuer, 'O=etcd');
});

test('CA-issued defaults: ECDSA P-256 with SHA-256, PKCS#8 key, backdated 5 minutes, --days honoured', async () => {
  const issuer = await testCa();
  const now = new Date();
  const i = await issueCertificate({ profile: 'member', commonName: 'm', hosts, issuer, days: 30, now });
  assert.match(i.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(new X509Certificate(i.certPem).publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.deepEqual(i.cert.signatureAlgorithm, { name: 'ECDSA', hash: { name: 'SHA-256' } });
  assert.ok(Math.abs(now.getTime() - BACKDATE_MS - i.cert.notBefore.getTime()) < 1000);
  assert.ok(Math.abs(i.cert.notAfter.getTime() - now.getTime() - 30 * DAY) < 1000);
  const aki = i.cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.equal(aki?.keyId, issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
});

test('--key-type rsa makes an RSA 2048 key, and an RSA CA signs with sha256WithRSAEncryption', async () => {
  const ca = await createCa({ key: RSA_KEY });
  const issuer = { cert: ca.cert, key: await loadPrivateKey(ca.keyPem, 'ca.key') };
  const i = await issueCertificate({ profile: 'client', commonName: 'root', issuer, key: RSA_KEY });
  const node = new X509Certificate(i.certPem);
  assert.equal(node.publicKey.asymmetricKeyType, 'rsa');
  assert.equal(node.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.deepEqual(i.cert.signatureAlgorithm, { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
  assert.ok(node.verify(new X509Certificate(ca.certPem).publicKey));
});

test('a leaf never outlives its CA', async () => {
  const ca = await createCa({ days: 10 });
  const issuer = { cert: ca.cert, key: await loadPrivateKey(ca.keyPem, 'ca.key') };
  const i = await issueCertificate({ profile: 'client', commonName: 'c', issuer, days: 365 });
  assert.equal(i.cert.notAfter.getTime(), ca.cert.notAfter.getTime());
});

test('serials are random, non-zero and below 2^128', async () => {
  const seen = new Set<string>();
  for (let n = 0; n < 200; n++) {
    const s = randomSerialHex();
    assert.equal(s.length, 32);
    assert.ok(BigInt(`0x${s}`) > 0n && BigInt(`0x${s}`) < 2n ** 128n);
    seen.add(s);
  }
  assert.equal(seen.size, 200);
  const i = await issueCertificate({ profile: 'auto', hosts, key: AUTO_TLS_KEY });
  const serial = BigInt(`0x${new X509Certificate(i.certPem).serialNumber}`);
  assert.ok(serial > 0n && serial < 2n ** 128n);
});
