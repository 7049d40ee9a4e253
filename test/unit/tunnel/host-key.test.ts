// Host-key verification: unknown and changed keys are refused with the offered fingerprint and the exact way to
// trust it; --accept-new records once and then verifies; a pinned fingerprint must match.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import { createHostKeyVerifier, parseFingerprint } from '../../../tunnel/host-key.js';
import { fingerprintOf } from '../../../tunnel/known-hosts.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-edge-host-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function key(name: string): { blob: Buffer; line: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });
  const [type, b64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { blob: Buffer.from(b64 ?? '', 'base64'), line: `${type} ${b64}` };
}
const server = key('server');
const other = key('other');
const target = { host: '127.0.0.1', port: 2222 };
const log = noopLogger();

test('a known key passes and restricts host key algorithms to its type', () => {
  const file = path.join(dir, 'kh-ok');
  writeFileSync(file, `[127.0.0.1]:2222 ${server.line}\n`);
  const v = createHostKeyVerifier({ mode: 'known-hosts', file, acceptNew: false }, target, log);
  assert.equal(v.verify(server.blob), true);
  assert.deepEqual(v.algorithms, ['ssh-ed25519']);
  assert.equal(v.refusal(), undefined);
});

test('an unknown host is refused with the fingerprint, the known_hosts line and the flags that trust it', () => {
  const file = path.join(dir, 'kh-unknown');
  writeFileSync(file, `otherhost ${server.line}\n127.0.0.1 ${server.line}\n`);
  const v = createHostKeyVerifier({ mode: 'known-hosts', file, acceptNew: false }, target, log);
  assert.equal(v.verify(server.blob), false);
  const err = v.refusal();
  assert.equal(err?.code, 'EDGE_SSH_HOSTKEY_UNKNOWN');
  assert.match(err?.message ?? '', new RegExp(`"\\[127\\.0\\.0\\.1\\]:2222".*ED25519 key ${fingerprintOf(server.blob).replace(/[+/]/g, '\\$&')}`));
  assert.ok(err?.hint?.includes(`echo '[127.0.0.1]:2222 ${server.line}' >> ${file}`), err?.hint);
  assert.ok(err?.hint?.includes(`--host-key-fingerprint ${fingerprintOf(server.blob)}`));
  assert.ok(err?.hint?.includes('--accept-new'));
});

test('a changed key is refused and points at the old line and ssh-keygen -R', () => {
  const file = path.join(dir, 'kh-changed');
  writeFileSync(file, `# old\n[127.0.0.1]:2222 ${other.line}\n`);
  const v = createHostKeyVerifier({ mode: 'known-hosts', file, acceptNew: true }, target, log);
  assert.equal(v.verify(server.blob), false, 'accept-new never replaces a changed key');
  const err = v.refusal();
  assert.equal(err?.code, 'EDGE_SSH_HOSTKEY_MISMATCH');
  assert.match(err?.message ?? '', /has changed/);
  assert.ok(err?.message.includes(`${fingerprintOf(other.blob)} (line 2)`));
  assert.ok(err?.hint?.includes(`ssh-keygen -R '[127.0.0.1]:2222' -f ${file}`));
  assert.equal(readFileSync(file, 'utf8'), `# old\n[127.0.0.1]:2222 ${other.line}\n`);
});

test('--accept-new records an unknown key (creating the file) and verifies it afterwards', () => {
  const file = path.join(dir, 'kh-new');
  const first = createHostKeyVerifier({ mode: 'known-hosts', file, acceptNew: true }, target, log);
  assert.equal(first.verify(server.blob), true);
  assert.equal(readFileSync(file, 'utf8'), `[127.0.0.1]:2222 ${server.line}\n`);
  const second = createHostKeyVerifier({ mode: 'known-hosts', file, acceptNew: true }, target, log);
  assert.equal(second.verify(server.blob), true);
  assert.equal(second.verify(other.blob), false);
  assert.equal(second.refusal()?.code, 'EDGE_SSH_HOSTKEY_MISMATCH');
  assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 1);
});

test('a missing known_hosts without --accept-new is a config error', () => {
  assert.throws(() => createHostKeyVerifier({ mode: 'known-hosts', file: path.join(dir, 'nope'), acceptNew: false }, target, log),
    (err: { code: string; message: string }) => err.code === 'EDGE_CONFIG_INVALID' && /cannot read known hosts file/.test(err.message));
});

test('a pinned fingerprint must match', () => {
  const good = createHostKeyVerifier({ mode: 'fingerprint', fingerprint: fingerprintOf(server.blob) }, target, log);
  assert.equal(good.verify(server.blob), true);
  const bad = createHostKeyVerifier({ mode: 'fingerprint', fingerprint: fingerprintOf(other.blob) }, target, log);
  assert.equal(bad.verify(server.blob), false);
  assert.equal(bad.refusal()?.code, 'EDGE_SSH_HOSTKEY_MISMATCH');
  assert.ok(bad.refusal()?.message.includes(`offered ED25519 key ${fingerprintOf(server.blob)}`));
  assert.ok(bad.refusal()?.hint?.includes(`--host-key-fingerprint ${fingerprintOf(server.blob)}`));
});

const fps: { in: string; want: string | undefined }[] = [
  { in: 'SHA256:' + 'a'.repeat(43), want: 'SHA256:' + 'a'.repeat(43) },
  { in: `256 SHA256:${'b+/'.repeat(14)}c root@gw (ED25519)`, want: `SHA256:${'b+/'.repeat(14)}c` },
  { in: 'SHA256:' + 'a'.repeat(43) + '=', want: 'SHA256:' + 'a'.repeat(43) },
  { in: 'SHA256:' + 'a'.repeat(42), want: undefined },
  { in: 'SHA256:' + 'a'.repeat(44), want: undefined },
  { in: 'MD5:16:27:ac', want: undefined },
];
for (const c of fps) {
  test(`parseFingerprint ${JSON.stringify(c.in)}`, () => assert.equal(parseFingerprint(c.in), c.want));
}
