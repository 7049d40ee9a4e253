// etcd-style auto-TLS pairs: made when missing, reused byte for byte when present, a half pair refused, force
// replaces; the key is SEC1 and 0600.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureAutoCert } from '../../../certs/auto-tls.js';
import { parseHosts } from '../../../certs/hosts.js';
import { tempDir } from '../../helpers/etcd.js';

const hosts = parseHosts(['127.0.0.1', 'localhost']);

test('a missing pair is made, then reused as it is', async (t) => {
  const dir = path.join(tempDir(t), 'fixtures', 'client');
  const first = await ensureAutoCert({ dir, hosts });
  assert.equal(first.created, true);
  assert.equal(statSync(first.keyFile).mode & 0o777, 0o600);
  assert.match(readFileSync(first.keyFile, 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
  const cert = readFileSync(first.certFile, 'utf8');
  const again = await ensureAutoCert({ dir, hosts: parseHosts(['10.9.9.9']) });
  assert.equal(again.created, false);
  assert.equal(readFileSync(again.certFile, 'utf8'), cert, 'etcd keeps the old pair even for other hosts');
  const forced = await ensureAutoCert({ dir, hosts, force: true });
  assert.equal(forced.created, true);
  assert.notEqual(readFileSync(forced.certFile, 'utf8'), cert);
});

test('a half pair is refused without force', async (t) => {
  const dir = tempDir(t);
  const made = await ensureAutoCert({ dir, hosts });
  rmSync(made.keyFile);
  await assert.rejects(ensureAutoCert({ dir, hosts }), { code: 'EDGE_CERT_EXISTS' });
  assert.equal((await ensureAutoCert({ dir, hosts, force: true })).created, true);
});
