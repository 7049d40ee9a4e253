// What the proxy's code loads before it needs it: node:crypto, node:tls (OpenSSL) and node:child_process cost
// about 1 MB of resident memory each, and a proxy serving plain http to plain-http members needs none of them
// (tls for the first https member, child_process to raise the open-file limit, random bytes from /dev/urandom).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomHex } from '../../../core/random.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// A script file, not `node -e`: evaluating a string loads node:crypto by itself.
function loadedBy(imports: readonly string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lazy-modules-'));
  try {
    const file = path.join(dir, 'probe.mjs');
    writeFileSync(file, `${imports.map((m) => `await import(${JSON.stringify(path.join(BUILD, m))});`).join('\n')}
console.log(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (crypto|tls|child_process)$/.test(m))));`);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the bin and the proxy command load neither node:crypto, node:tls nor node:child_process', () => {
  assert.deepEqual(loadedBy(['bin/commands.js', 'proxy/index.js']), []);
  assert.ok(loadedBy(['certs/ca.js']).includes('NativeModule crypto'), 'the probe sees a module that does load crypto');
});

test('randomHex gives 2n hex characters, different each time', () => {
  const a = randomHex(6);
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.notEqual(randomHex(6), a);
  assert.match(randomHex(100), /^[0-9a-f]{200}$/);
});
