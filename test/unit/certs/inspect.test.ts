// inspect: the report's fields, and the verdict: ok for a valid CA-issued or self-signed cert, not ok for an
// expired one, one from another CA, or one with no CA to check against.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createCa, loadCa } from '../../../certs/ca.js';
import { writeFiles } from '../../../certs/files.js';
import { parseHosts } from '../../../certs/hosts.js';
import { inspectCertificate, renderReport, reportOk } from '../../../certs/inspect.js';
import { issueCertificate } from '../../../certs/issue.js';
import { AUTO_TLS_KEY } from '../../../certs/keys.js';
import { tempDir } from '../../helpers/etcd.js';

async function caIn(dir: string): Promise<Awaited<ReturnType<typeof loadCa>>> {
  const ca = await createCa();
  await writeFiles(dir, [{ name: 'ca.crt', content: ca.certPem, secret: false }, { name: 'ca.key', content: ca.keyPem, secret: true }], { force: false });
  return loadCa(dir);
}

test('a valid member cert: fields and verdict ok, with --ca or with ca.crt beside it', async (t) => {
  const dir = tempDir(t);
  const issuer = await caIn(dir);
  const i = await issueCertificate({ profile: 'member', commonName: 'infra1', hosts: parseHosts(['127.0.0.1', 'localhost']), issuer });
  writeFileSync(path.join(dir, 'infra1.crt'), i.certPem);
  const r = await inspectCertificate({ file: path.join(dir, 'infra1.crt') });
  assert.equal(r.subject, 'CN=infra1');
  assert.deepEqual(r.sans, ['DNS:localhost', 'IP:127.0.0.1']);
  assert.deepEqual(r.extKeyUsage, ['serverAuth', 'clientAuth']);
  assert.equal(r.key, 'ECDSA P-256');
  assert.equal(r.chain, 'ok');
  assert.ok(reportOk(r));
  assert.match(renderReport(r), /verdict:\s+ok/);
  assert.equal((await inspectCertificate({ file: path.join(dir, 'infra1.crt'), ca: dir })).chain, 'ok');
});

test('an expired cert is not ok', async (t) => {
  const dir = tempDir(t);
  const issuer = await caIn(dir);
  const i = await issueCertificate({ profile: 'client', commonName: 'old', issuer, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
  writeFileSync(path.join(dir, 'old.crt'), i.certPem);
  const r = await inspectCertificate({ file: path.join(dir, 'old.crt') });
  assert.equal(r.validity, 'expired');
  assert.equal(r.chain, 'ok');
  assert.equal(reportOk(r), false);
  assert.match(renderReport(r), /EXPIRED 1 day\(s\) ago/);
});

test('a cert from another CA, and one with no CA at all, are not ok', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  await caIn(a);
  const other = await caIn(b);
  const i = await issueCertificate({ profile: 'client', commonName: 'x', issuer: other });
  const file = path.join(tempDir(t), 'x.crt');
  writeFileSync(file, i.certPem);
  const r = await inspectCertificate({ file, ca: a });
  assert.equal(r.chain, 'failed');
  assert.equal(reportOk(r), false);
  assert.equal((await inspectCertificate({ file })).chain, 'no-ca');
});

test('an auto-TLS cert is self-signed and ok without a CA', async (t) => {
  const file = path.join(tempDir(t), 'cert.pem');
  writeFileSync(file, (await issueCertificate({ profile: 'auto', hosts: parseHosts(['127.0.0.1']), key: AUTO_TLS_KEY })).certPem);
  const r = await inspectCertificate({ file });
  assert.equal(r.chain, 'self-signed');
  assert.equal(r.key, 'ECDSA P-521');
  assert.ok(reportOk(r));
});

test('a missing file or CA is a usage error', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(inspectCertificate({ file: path.join(dir, 'nope.crt') }), { code: 'EDGE_CONFIG_INVALID' });
  writeFileSync(path.join(dir, 'cert.pem'), (await issueCertificate({ profile: 'auto', hosts: parseHosts(['127.0.0.1']) })).certPem);
  await assert.rejects(inspectCertificate({ file: path.join(dir, 'cert.pem'), ca: path.join(dir, 'nope') }), { code: 'EDGE_CONFIG_INVALID' });
});
