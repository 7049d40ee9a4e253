// Unit tests of discovery/v2.ts: registration values, the key layout and etcd's error body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registrationName, tokenKeys, v2Error } from '../../../discovery/v2.js';

const nameCases = [
  { value: 'infra1=http://10.0.1.10:2380', want: 'infra1' },
  { value: 'd1=http://a:1,d1=https://b:2', want: 'd1' },
  { value: 'd1=http://a:1,d2=http://b:2', want: undefined },
  { value: 'http://a:1', want: undefined },
  { value: 'x=ftp://a:1', want: undefined },
  { value: '=http://a:1', want: undefined },
  { value: '', want: undefined },
];
for (const c of nameCases) {
  test(`registrationName(${JSON.stringify(c.value)})`, () => assert.equal(registrationName(c.value), c.want));
}

test('tokenKeys lays keys out under the prefix and hides _config and _names', () => {
  const k = tokenKeys('/p/');
  assert.equal(k.size('t'), '/p/t/_config/size');
  assert.equal(k.name('t', 'a/b'), '/p/t/_names/a%2Fb');
  assert.equal(k.v2Key('/p/t/aa'), '/t/aa');
  assert.deepEqual(['/p/t/aa', '/p/t/_config/size', '/p/t/_names/x', '/p/t/a/b', '/p/u/aa'].map((x) => k.visible('t', x)), [true, false, false, false, false]);
});

test('v2Error has etcd\'s shape and status', () => {
  assert.deepEqual(v2Error('keyNotFound', '/t', 7), { status: 404, index: 7, body: { errorCode: 100, message: 'Key not found', cause: '/t', index: 7 } });
  assert.equal(v2Error('nodeExist', '/t/a', 1).status, 412);
});
