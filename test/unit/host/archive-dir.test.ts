// host/archive-dir.ts: a directory is set aside by one rename, never over an existing archive, and moved back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { archiveDir, restoreDir } from '../../../host/archive-dir.js';

test('archiveDir renames with its suffix and keeps the content; restoreDir moves it back', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'archive-dir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'proxy');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'cluster'), 'a');
  const to = archiveDir(dir, 'promoted-1');
  assert.equal(to, `${dir}.promoted-1`);
  assert.equal(existsSync(dir), false);
  assert.equal(readFileSync(path.join(to, 'cluster'), 'utf8'), 'a');
  restoreDir(to, dir);
  assert.equal(readFileSync(path.join(dir, 'cluster'), 'utf8'), 'a');
  assert.equal(existsSync(to), false);
});

test('archiveDir of a missing dir is undefined; an existing archive or a dir back in place is refused untouched', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'archive-dir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'm.etcd');
  assert.equal(archiveDir(dir, 'demoted-1'), undefined);
  mkdirSync(dir);
  mkdirSync(`${dir}.demoted-1`);
  assert.throws(() => archiveDir(dir, 'demoted-1'), (e: Error & { code?: string }) => e.code === 'EDGE_DATA_DIR' && /already exists/.test(e.message));
  assert.equal(existsSync(dir), true);
  assert.throws(() => restoreDir(`${dir}.demoted-1`, dir), /exists again/);
  assert.equal(existsSync(`${dir}.demoted-1`), true);
});
