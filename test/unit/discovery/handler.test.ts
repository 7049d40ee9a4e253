// Unit tests of discovery/handler.ts route(): which paths are tokens, sizes and registrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../../../discovery/handler.js';

const T = '0123456789abcdef0123456789abcdef';
const cases = [
  { path: '/new', want: { kind: 'new' } },
  { path: '/health', want: { kind: 'health' } },
  { path: '/', want: { kind: 'home' } },
  { path: `/${T}`, want: { kind: 'dir', token: T } },
  { path: `/${T}/`, want: { kind: 'dir', token: T } },
  { path: `/${T}/_config/size`, want: { kind: 'size', token: T } },
  { path: `/${T}/742b8b584585f70f`, want: { kind: 'machine', token: T, id: '742b8b584585f70f' } },
  { path: `/${T}/_config`, want: { kind: 'unknown' } },
  { path: `/${T}/a/b`, want: { kind: 'unknown' } },
  { path: `/${T}/%2e%2e`, want: { kind: 'unknown' } },
  { path: `/${T.toUpperCase()}`, want: { kind: 'unknown' } },
  { path: '/short', want: { kind: 'unknown' } },
  { path: '//', want: { kind: 'unknown' } },
];
for (const c of cases) {
  test(`route(${JSON.stringify(c.path)})`, () => assert.deepEqual(route(c.path), c.want));
}
