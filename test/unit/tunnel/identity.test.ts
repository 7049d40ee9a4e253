// Identity loading: plain, encrypted with a passphrase file, encrypted with only an agent, and every failure
// as EDGE_SSH_KEY (exit 2) with a hint.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { exitCodeFor } from '../../../core/errors.js';
import { loadIdentity } from '../../../tunnel/identity.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-edge-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', p('plain')], { stdio: 'ignore' });
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'sekrit', '-f', p('locked')], { stdio: 'ignore' });
writeFileSync(p('pass'), 'sekrit\n', { mode: 0o600 });
writeFileSync(p('wrong'), 'nope\n', { mode: 0o600 });
writeFileSync(p('garbage'), 'not a key\n', { mode: 0o600 });

test('a plain key loads as a key', () => {
  const id = loadIdentity({ identityFile: p('plain') });
  assert.equal(id.via, 'key');
  assert.ok(id.privateKey && id.privateKey.length > 0);
});

test('an encrypted key opens with its passphrase file (trailing newline dropped)', () => {
  const id = loadIdentity({ identityFile: p('locked'), passphraseFile: p('pass') });
  assert.deepEqual([id.via, id.passphrase], ['key', 'sekrit']);
});

test('an encrypted key without passphrase falls back to the agent when one is set', () => {
  assert.deepEqual(loadIdentity({ identityFile: p('locked'), agentSocket: '/run/agent.sock' }), { agent: '/run/agent.sock', via: 'agent' });
});

const failures: { name: string; src: Parameters<typeof loadIdentity>[0]; msg: RegExp; hint: RegExp }[] = [
  { name: 'missing file', src: { identityFile: p('absent') }, msg: /cannot read identity .*ENOENT/, hint: /--identity/ },
  { name: 'encrypted, no passphrase, no agent', src: { identityFile: p('locked') }, msg: /is encrypted and no passphrase is available/, hint: /--identity-passphrase-file.*ssh-add/ },
  { name: 'wrong passphrase', src: { identityFile: p('locked'), passphraseFile: p('wrong') }, msg: /wrong passphrase/, hint: /passphrase-file/ },
  { name: 'unreadable passphrase file', src: { identityFile: p('locked'), passphraseFile: p('absent') }, msg: /cannot read --identity-passphrase-file/, hint: /passphrase/ },
  { name: 'not a key', src: { identityFile: p('garbage') }, msg: /not a usable private key/, hint: /private key/ },
  { name: 'public key', src: { identityFile: p('plain.pub') }, msg: /is a public key, not a private key/, hint: /without \.pub/ },
];
for (const c of failures) {
  test(`refuses: ${c.name}`, () => {
    assert.throws(() => loadIdentity(c.src), (err: { code: string; message: string; hint: string }) => {
      assert.equal(err.code, 'EDGE_SSH_KEY');
      assert.match(err.message, c.msg);
      assert.match(err.hint, c.hint);
      assert.equal(exitCodeFor(err), 2);
      return true;
    });
  });
}
