// etcdctl's simple output for member add/remove/promote/list: %16x space padding, ID-ascending order, %q quoting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareHexIds, formatMemberAdded, formatMemberList, formatMemberPromoted, formatMemberRemoved, goQuote, initialClusterOf, padHex16 } from '../../../membership/format.js';
import type { EtcdMember } from '../../../etcd/index.js';

const m = (id: string, name: string, peer: string, client = '', isLearner = false): EtcdMember =>
  ({ id, name, peerURLs: peer.split(','), clientURLs: client ? client.split(',') : [], isLearner });

// The members of etcd-behavior.md §6.1 (m1..m3 plus the new m4), in insertion order, not ID order.
const M1 = m('64833ea92e67b310', 'm1', 'http://127.0.0.1:34180', 'http://127.0.0.1:34179');
const M2 = m('fa2fbd3c91e6e0b5', 'm2', 'http://127.0.0.1:34280', 'http://127.0.0.1:34279');
const M3 = m('7c4b3b2c1d0e9f8a', 'm3', 'http://127.0.0.1:34380', 'http://127.0.0.1:34379');
const M4 = m('fd099e4246a8d38d', '', 'http://127.0.0.1:34480');

test('padHex16 pads on the left with spaces, never zeros', () => {
  for (const c of [
    { in: 'fd099e4246a8d38d', out: 'fd099e4246a8d38d' },
    { in: '628170c800dbcee', out: ' 628170c800dbcee' },
    { in: '1', out: '               1' },
  ]) assert.equal(padHex16(c.in), c.out);
});

const quoteCases = [
  { name: 'plain', in: 'm4', out: '"m4"' },
  { name: 'quote and backslash', in: 'a"b\\c', out: '"a\\"b\\\\c"' },
  { name: 'newline and tab', in: 'a\nb\tc', out: '"a\\nb\\tc"' },
  { name: 'other control characters as \\x', in: 'a\x01\x7f', out: '"a\\x01\\x7f"' },
  { name: 'printable unicode kept', in: 'ünïcode-名', out: '"ünïcode-名"' },
  { name: 'non-printable unicode as \\u', in: 'a\u2028b\u00adc', out: '"a\\u2028b\\u00adc"' },
  { name: 'URL list', in: 'm1=http://127.0.0.1:1,m2=http://127.0.0.1:2', out: '"m1=http://127.0.0.1:1,m2=http://127.0.0.1:2"' },
];
for (const c of quoteCases) test(`goQuote: ${c.name}`, () => assert.equal(goQuote(c.in), c.out));

test('compareHexIds compares numerically, not as strings', () => {
  assert.equal(compareHexIds('ff', '100'), -1);
  assert.equal(compareHexIds('628170c800dbcee', '64833ea92e67b310'), -1);
  assert.equal(compareHexIds('fd099e4246a8d38d', 'fd099e4246a8d38d'), 0);
});

test('initialClusterOf orders by member ID, names the new member, leaves other unstarted ones empty', () => {
  const other = m('1', '', 'http://127.0.0.1:1');
  assert.equal(initialClusterOf([M4, M2, M1, M3, other], M4.id, 'm4'),
    '=http://127.0.0.1:1,m1=http://127.0.0.1:34180,m3=http://127.0.0.1:34380,m2=http://127.0.0.1:34280,m4=http://127.0.0.1:34480');
  const two = m('aa', 'x', 'http://127.0.0.1:5,http://127.0.0.1:6');
  assert.equal(initialClusterOf([two], 'bb', 'y'), 'x=http://127.0.0.1:5,x=http://127.0.0.1:6');
});

test('formatMemberAdded matches etcdctl member add byte for byte', () => {
  const out = formatMemberAdded({ clusterId: 'f116d7f69f225ea2', member: M4, members: [M1, M2, M3, M4], name: 'm4', peerUrls: 'http://127.0.0.1:34480' });
  assert.equal(out, [
    'Member fd099e4246a8d38d added to cluster f116d7f69f225ea2',
    '',
    'ETCD_NAME="m4"',
    'ETCD_INITIAL_CLUSTER="m1=http://127.0.0.1:34180,m3=http://127.0.0.1:34380,m2=http://127.0.0.1:34280,m4=http://127.0.0.1:34480"',
    'ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:34480"',
    'ETCD_INITIAL_CLUSTER_STATE="existing"',
    '',
  ].join('\n'));
});

test('formatMemberAdded pads short IDs with spaces', () => {
  const short = m('628170c800dbcee', '', 'http://127.0.0.1:9');
  const out = formatMemberAdded({ clusterId: 'abc', member: short, members: [short], name: 'n', peerUrls: 'http://127.0.0.1:9' });
  assert.match(out, /^Member  628170c800dbcee added to cluster              abc\n\nETCD_NAME="n"\n/);
});

test('formatMemberRemoved and formatMemberPromoted use %16x', () => {
  assert.equal(formatMemberRemoved('628170c800dbcee', 'f116d7f69f225ea2'), 'Member  628170c800dbcee removed from cluster f116d7f69f225ea2\n');
  assert.equal(formatMemberPromoted('fd099e4246a8d38d', 'f116d7f69f225ea2'), 'Member fd099e4246a8d38d promoted in cluster f116d7f69f225ea2\n');
});

test('formatMemberList prints started/unstarted rows by ID ascending, learners marked', () => {
  const learner = m('7c4b3b2c1d0e9f8a', 'm3', 'http://127.0.0.1:34380', 'http://127.0.0.1:34379', true);
  assert.equal(formatMemberList([M4, learner, M1]), [
    '64833ea92e67b310, started, m1, http://127.0.0.1:34180, http://127.0.0.1:34179, false',
    '7c4b3b2c1d0e9f8a, started, m3, http://127.0.0.1:34380, http://127.0.0.1:34379, true',
    'fd099e4246a8d38d, unstarted, , http://127.0.0.1:34480, , false',
    '',
  ].join('\n'));
});
