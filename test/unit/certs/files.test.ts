// Writing certificate files: keys 0600 and certificates 0644, nothing overwritten without force (and nothing
// written at all when one target exists), force replaces, new directories are 0700.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exitCodeFor, isEdgeError } from '../../../core/errors.js';
import { writeFiles } from '../../../certs/files.js';
import type { OutFile } from '../../../certs/files.js';
import { tempDir } from '../../helpers/etcd.js';

const mode = (p: string): number => statSync(p).mode & 0o777;
const files: OutFile[] = [{ name: 'a.crt', content: 'CERT\n', secret: false }, { name: 'a.key', content: 'KEY\n', secret: true }];

test('keys are written 0600, certificates 0644, a new directory 0700, and the paths are returned', async (t) => {
  const out = path.join(tempDir(t), 'new', 'dir');
  const written = await writeFiles(out, files, { force: false });
  assert.deepEqual(written, [path.join(out, 'a.crt'), path.join(out, 'a.key')]);
  assert.equal(mode(path.join(out, 'a.key')), 0o600);
  assert.equal(mode(path.join(out, 'a.crt')), 0o644);
  assert.equal(mode(out), 0o700);
  assert.equal(readFileSync(path.join(out, 'a.key'), 'utf8'), 'KEY\n');
  assert.deepEqual(readdirSync(out).sort(), ['a.crt', 'a.key'], 'no temp files are left behind');
});

test('an existing file is never overwritten without force, and then nothing is written', async (t) => {
  const out = tempDir(t);
  writeFileSync(path.join(out, 'a.key'), 'OLD\n');
  await assert.rejects(writeFiles(out, files, { force: false }), (err: unknown) =>
    isEdgeError(err) && err.code === 'EDGE_CERT_EXISTS' && exitCodeFor(err) === 2 && /--force/.test(err.hint ?? '') && err.message.includes('a.key'));
  assert.equal(readFileSync(path.join(out, 'a.key'), 'utf8'), 'OLD\n');
  assert.deepEqual(readdirSync(out), ['a.key'], 'a.crt was not written either');
});

test('force replaces existing files and still sets the key mode', async (t) => {
  const out = tempDir(t);
  writeFileSync(path.join(out, 'a.key'), 'OLD\n', { mode: 0o644 });
  await writeFiles(out, files, { force: true });
  assert.equal(readFileSync(path.join(out, 'a.key'), 'utf8'), 'KEY\n');
  assert.equal(mode(path.join(out, 'a.key')), 0o600);
});
