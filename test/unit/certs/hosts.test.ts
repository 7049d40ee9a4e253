// Host lists for SANs: IPs and DNS names are split by kind, IPv6 is normalised, and anything else is refused
// with a usage error (exit 2) and a hint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor, isEdgeError } from '../../../core/errors.js';
import { isDnsName, normalizeIp, parseHosts } from '../../../certs/hosts.js';

const good: { name: string; hosts: string[]; dns: string[]; ips: string[] }[] = [
  { name: 'IPv4 and a name', hosts: ['127.0.0.1', 'localhost'], dns: ['localhost'], ips: ['127.0.0.1'] },
  { name: 'IPv6 is compressed and unbracketed', hosts: ['[0:0:0:0:0:0:0:1]', 'fd00::0:5'], dns: [], ips: ['::1', 'fd00::5'] },
  { name: 'duplicates and case collapse', hosts: ['Infra1.Example.COM', 'infra1.example.com.', '10.0.0.1', '10.0.0.1'], dns: ['infra1.example.com'], ips: ['10.0.0.1'] },
  { name: 'a wildcard name', hosts: ['*.etcd.local'], dns: ['*.etcd.local'], ips: [] },
];
for (const c of good) {
  test(`parseHosts: ${c.name}`, () => {
    const h = parseHosts(c.hosts);
    assert.deepEqual(h.dns, c.dns);
    assert.deepEqual(h.ips, c.ips);
  });
}

const bad = ['http://127.0.0.1', '127.0.0.1:2379', '256.1.1.1', 'under_score.example', 'a b', '-lead.example', '', 'x..y'];
for (const host of bad) {
  test(`parseHosts refuses ${JSON.stringify(host)} with exit 2 and a hint`, () => {
    assert.throws(() => parseHosts([host]), (err: unknown) => isEdgeError(err) && err.code === 'EDGE_USAGE' && exitCodeFor(err) === 2 && Boolean(err.hint));
  });
}

test('an empty host list is refused', () => {
  assert.throws(() => parseHosts([]), /is empty/);
});

test('normalizeIp and isDnsName tell the kinds apart', () => {
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '::ffff:7f00:1');
  assert.equal(normalizeIp('localhost'), undefined);
  assert.equal(isDnsName('a'.repeat(63) + '.example'), true);
  assert.equal(isDnsName('a'.repeat(64) + '.example'), false);
});
