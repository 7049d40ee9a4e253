// The atomic writer: content and exact mode despite the umask, replacement by rename, no temporary file left
// behind, and refusal to replace with overwrite false.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../../host/atomic-file.js';

function tmpDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'host-atomic-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const cases = [
  { name: 'a key file is 0600 even under a permissive umask', mode: 0o600, content: 'secret' },
  { name: 'the default mode is 0644', mode: undefined, content: 'public' },
  { name: 'bytes are written as given', mode: 0o640, content: new Uint8Array([0, 1, 2, 255]) },
];
for (const c of cases) {
  test(c.name, (t) => {
    const d = tmpDir(t);
    const file = path.join(d, 'f');
    const old = process.umask(0o000);
    try {
      writeFileAtomic(file, c.content, c.mode === undefined ? {} : { mode: c.mode });
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(file).mode & 0o777, c.mode ?? 0o644);
    assert.deepEqual(new Uint8Array(readFileSync(file)), typeof c.content === 'string' ? new Uint8Array(Buffer.from(c.content)) : c.content);
    assert.deepEqual(readdirSync(d), ['f'], 'no temporary file is left');
  });
}

test('replaces an existing file (new inode, new mode); creates the parent dir with mkdirMode', (t) => {
  const d = tmpDir(t);
  const file = path.join(d, 'sub', 'state');
  writeFileAtomic(file, 'one', { mkdirMode: 0o700, mode: 0o644 });
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  const ino = statSync(file).ino;
  writeFileAtomic(file, 'two', { mode: 0o600 });
  assert.equal(readFileSync(file, 'utf8'), 'two');
  assert.notEqual(statSync(file).ino, ino);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('overwrite false: EEXIST and the old content stays; no temporary file is left', (t) => {
  const d = tmpDir(t);
  const file = path.join(d, 'ca.key');
  writeFileSync(file, 'old');
  assert.throws(() => writeFileAtomic(file, 'new', { overwrite: false }), (err: NodeJS.ErrnoException) => err.code === 'EEXIST');
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(readdirSync(d), ['ca.key']);
});

test('a missing parent without mkdirMode fails with ENOENT', (t) => {
  const d = tmpDir(t);
  assert.throws(() => writeFileAtomic(path.join(d, 'no', 'f'), 'x'), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
});
