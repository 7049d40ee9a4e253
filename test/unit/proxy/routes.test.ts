// Readonly rules, watch detection and member-list detection, as tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMemberList, isWatch, pathOf, readonlyAllows } from '../../../proxy/routes.js';

const readonly: [string, string, boolean][] = [
  ['GET', '/v2/keys/a', true], ['GET', '/v2/keys/a?wait=true', true], ['PUT', '/v2/keys/a', false], ['POST', '/v2/keys/a', false],
  ['DELETE', '/v2/keys/a', false], ['HEAD', '/v2/keys/a', false], ['OPTIONS', '/v2/keys/a', false], ['PATCH', '/v2/keys/a', false],
  ['GET', '/health', true], ['GET', '/version', true], ['GET', '/v2/members', true], ['POST', '/v2/members', false],
  ['POST', '/v3/kv/range', true], ['POST', '/v3/watch', true], ['POST', '/v3/maintenance/status', true], ['POST', '/v3/cluster/member/list', true],
  ['POST', '/v3beta/kv/range', true], ['POST', '/v3alpha/kv/range', true],
  ['POST', '/v3/kv/put', false], ['POST', '/v3/kv/deleterange', false], ['POST', '/v3/kv/txn', false], ['POST', '/v3/kv/compaction', false],
  ['POST', '/v3/lease/grant', false], ['POST', '/v3/lease/revoke', false], ['POST', '/v3/lease/keepalive', false], ['POST', '/v3/lease/timetolive', false],
  ['POST', '/v3/auth/enable', false], ['POST', '/v3/auth/user/add', false], ['POST', '/v3/auth/authenticate', false],
  ['POST', '/v3/cluster/member/add', false], ['POST', '/v3/cluster/member/remove', false], ['POST', '/v3/cluster/member/promote', false],
  ['POST', '/v3/cluster/member/update', false], ['POST', '/v3/maintenance/alarm', false], ['POST', '/v3/maintenance/defragment', false],
  ['POST', '/v3/maintenance/hash', false], ['POST', '/v3/maintenance/snapshot', false], ['POST', '/v3/maintenance/transfer-leadership', false],
  ['PUT', '/v3/kv/range', false], ['GET', '/v3/kv/put', false],
];
for (const [method, url, want] of readonly) {
  test(`readonly ${method} ${url} → ${want ? 'forwarded' : '501'}`, () => assert.equal(readonlyAllows(method, pathOf(url)), want));
}

const watches: [string, boolean][] = [
  ['/v2/keys/a?wait=true', true], ['/v2/keys/a?recursive=true&wait=true&waitIndex=3', true], ['/v2/keys/a?wait=false', false],
  ['/v2/keys/a', false], ['/v3/watch', true], ['/v3beta/watch', true], ['/v3/kv/range', false], ['/v2/keys/a?nowait=true', false],
];
for (const [url, want] of watches) test(`watch ${url} → ${want}`, () => assert.equal(isWatch(pathOf(url), url), want));

const lists: [string, string, boolean][] = [
  ['GET', '/v2/members', true], ['GET', '/v2/members/leader', true], ['POST', '/v3/cluster/member/list', true], ['POST', '/v3beta/cluster/member/list', true],
  ['POST', '/v2/members', false], ['GET', '/v2/members/abc', false], ['POST', '/v3/cluster/member/add', false], ['GET', '/members', false],
];
for (const [method, path, want] of lists) test(`member list ${method} ${path} → ${want}`, () => assert.equal(isMemberList(method, path), want));
