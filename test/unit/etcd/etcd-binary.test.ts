// Pure helpers of etcd/etcd-binary.ts: version parsing and comparison.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeast, parseEtcdVersion } from '../../../etcd/etcd-binary.js';

test('parseEtcdVersion reads `etcd --version` output; atLeast compares major.minor', () => {
  assert.deepEqual(parseEtcdVersion('etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8\n'), { version: '3.4.23', major: 3, minor: 4 });
  assert.equal(parseEtcdVersion('no version here'), undefined);
  assert.equal(atLeast('3.4.23', 3, 4), true);
  assert.equal(atLeast('3.4.23', 3, 5), false);
  assert.equal(atLeast('3.6.0', 3, 5), true);
  assert.equal(atLeast('4.0.0', 3, 9), true);
});
