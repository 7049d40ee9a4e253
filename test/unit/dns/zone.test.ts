// Unit tests of dns/zone.ts: which SRV, A and AAAA records a topology yields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildZone, normalizeName } from '../../../dns/zone.js';

const zoneOf = (hosts: Record<string, unknown>, srvName?: string) =>
  buildZone({ doc: { hosts }, source: 't.yaml', domain: 'example.test', srvName, ttl: 30 });

const cases = [
  {
    name: 'https peer URLs with names give -ssl server records and A records for the names',
    hosts: { infra0: { address: '10.0.0.10', member: { 'initial-advertise-peer-urls': 'https://infra0.example.test:2380' } } },
    srv: { '_etcd-server-ssl._tcp.example.test': [{ priority: 0, weight: 0, port: 2380, target: 'infra0.example.test' }], '_etcd-client._tcp.example.test': [{ priority: 0, weight: 0, port: 2379, target: 'infra0.example.test' }] },
    a: { 'infra0.example.test': ['10.0.0.10'] },
  },
  {
    name: 'default URLs (no member URLs) are http on 2380/2379 under the host name',
    hosts: { infra1: { address: '10.0.0.11', member: {} } },
    srv: { '_etcd-server._tcp.example.test': [{ priority: 0, weight: 0, port: 2380, target: 'infra1.example.test' }], '_etcd-client._tcp.example.test': [{ priority: 0, weight: 0, port: 2379, target: 'infra1.example.test' }] },
    a: { 'infra1.example.test': ['10.0.0.11'] },
  },
  {
    name: 'a name suffix, https client URLs and IPv6 addresses',
    srvName: 'foo',
    hosts: { n1: { addresses: ['fd00::1'], member: { 'initial-advertise-peer-urls': ['https://n1.example.test:1'], 'advertise-client-urls': 'https://[fd00::1]:2' } } },
    srv: { '_etcd-server-ssl-foo._tcp.example.test': [{ priority: 0, weight: 0, port: 1, target: 'n1.example.test' }], '_etcd-client-ssl-foo._tcp.example.test': [{ priority: 0, weight: 0, port: 2, target: 'n1.example.test' }] },
    aaaa: { 'n1.example.test': ['fd00::1'] },
  },
  {
    name: 'hosts without a member only get addresses',
    hosts: { gw: { address: '10.0.0.5' } },
    srv: {},
    a: { 'gw.example.test': ['10.0.0.5'] },
  },
  {
    name: 'a host with role: proxy is not published until it is a member',
    hosts: { w: { address: '10.0.0.20', role: 'proxy', member: {} } },
    srv: {},
    a: { 'w.example.test': ['10.0.0.20'] },
  },
];
for (const c of cases) {
  test(`buildZone: ${c.name}`, () => {
    const z = zoneOf(c.hosts, c.srvName);
    assert.deepEqual(Object.fromEntries(z.srv), c.srv);
    assert.deepEqual(Object.fromEntries(z.a), c.a ?? {});
    assert.deepEqual(Object.fromEntries(z.aaaa), c.aaaa ?? {});
  });
}

test('buildZone warns about targets outside the domain', () => {
  const z = zoneOf({ h: { address: '10.0.0.1', member: { 'initial-advertise-peer-urls': 'https://h.other.test:2380' } } });
  assert.match(z.warnings.join('\n'), /h\.other\.test is outside example\.test/);
});

test('buildZone rejects a topology without hosts and malformed URLs', () => {
  assert.throws(() => buildZone({ doc: {}, source: 't.yaml', domain: 'example.test', srvName: undefined, ttl: 30 }), { code: 'EDGE_TOPOLOGY_INVALID' });
  assert.throws(() => zoneOf({ h: { member: { 'advertise-client-urls': 'http://[bad' } } }), { code: 'EDGE_TOPOLOGY_INVALID' });
});

test('normalizeName lowercases, strips the dot and rejects non-names', () => {
  assert.equal(normalizeName('Example.TEST.', 'x'), 'example.test');
  assert.throws(() => normalizeName('a..b', 'x'), { code: 'EDGE_CONFIG_INVALID' });
  assert.throws(() => normalizeName('a b', 'x'), { code: 'EDGE_CONFIG_INVALID' });
});
