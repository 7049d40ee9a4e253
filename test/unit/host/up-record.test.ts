// <data-dir>/up.json: written into a state dir that may not exist yet (an up running only a gateway), read back,
// removed only by the up that wrote it; a malformed file reads as absent.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readUpRecord, removeUpRecord, upRecordPath, writeUpRecord } from '../../../host/up-record.js';

test('up.json round trip, into a state dir created on the way', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'up-record-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const state = path.join(root, 'not', 'yet');
  const rec = { pid: 4242, host: 'gw', members: [], edge: [{ kind: 'gateway', address: '127.0.0.1:23790' }] };
  writeUpRecord(state, rec);
  assert.equal(statSync(state).mode & 0o777, 0o700);
  assert.deepEqual(readUpRecord(state), rec);
  removeUpRecord(state, 1);
  assert.ok(existsSync(upRecordPath(state)), 'another pid does not remove it');
  removeUpRecord(state, 4242);
  assert.equal(existsSync(upRecordPath(state)), false);
  writeFileSync(upRecordPath(state), '{"pid":"x"}');
  assert.equal(readUpRecord(state), undefined);
  assert.equal(readUpRecord(path.join(root, 'absent')), undefined);
});
