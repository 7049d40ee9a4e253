import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex } from '../../../core/random.js';

test('randomHex gives 2n hex characters, different each time', () => {
  const a = randomHex(6);
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.notEqual(randomHex(6), a);
  assert.match(randomHex(100), /^[0-9a-f]{200}$/);
});
