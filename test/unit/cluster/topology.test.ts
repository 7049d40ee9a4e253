// Topology parsing and validation: the seed example is accepted, each documented mistake is refused with
// EDGE_TOPOLOGY_INVALID and a hint, and an even member count only warns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { bundledTopology, parseTopology } from '../../../cluster/topology.js';
import { initialClusterOf, validateTopology } from '../../../cluster/validate.js';
import { memberFlags, toArgv, toEnvFile } from '../../../cluster/args.js';
import { BAD_TOPOLOGIES, SEED } from '../../helpers/topologies.js';

const load = (text: string) => parseTopology(parse(text) as Record<string, unknown>, 'test.yaml');

test('the seed example parses and derives URLs from addresses', () => {
  const t = load(SEED);
  assert.deepEqual(validateTopology(t), []);
  const infra1 = t.hosts[1]?.member;
  assert.deepEqual(infra1?.initialAdvertisePeerUrls, ['http://10.0.1.11:2380']);
  assert.deepEqual(infra1?.listenClientUrls, ['http://10.0.1.11:2379']);
  assert.equal(initialClusterOf(t), 'infra0=http://10.0.1.10:2380,infra1=http://10.0.1.11:2380,infra2=http://10.0.1.12:2380');
});

test('member flags carry bootstrap flags only for a fresh data dir', () => {
  const t = load(SEED);
  const m = t.hosts[0]?.member;
  assert.ok(m);
  const fresh = toArgv(memberFlags({ topology: t, member: m, etcd: { hasV2: true, needsZapFlag: true }, dataDir: '/d', initialized: false }));
  assert.ok(fresh.includes('--initial-cluster-state=new'));
  assert.ok(fresh.includes('--initial-cluster-token=etcd-cluster-1'));
  assert.ok(fresh.includes('--enable-v2=true'));
  const again = toArgv(memberFlags({ topology: t, member: m, etcd: { hasV2: false, needsZapFlag: false }, dataDir: '/d', initialized: true }));
  assert.ok(!again.some((a) => a.startsWith('--initial-cluster')));
  assert.ok(!again.includes('--enable-v2=true'), 'etcd 3.6 has no --enable-v2');
  assert.match(toEnvFile(memberFlags({ topology: t, member: m, etcd: { hasV2: true, needsZapFlag: false }, dataDir: '/d', initialized: false })), /^ETCD_NAME="infra0"$/m);
});

test('the bundled layout is etcd\'s Procfile layout and validates', () => {
  const t = bundledTopology();
  assert.deepEqual(t.hosts.map((h) => h.member?.listenClientUrls[0]), ['http://127.0.0.1:2379', 'http://127.0.0.1:22379', 'http://127.0.0.1:32379']);
  assert.deepEqual(t.hosts.map((h) => h.member?.listenPeerUrls[0]), ['http://127.0.0.1:12380', 'http://127.0.0.1:22380', 'http://127.0.0.1:32380']);
  assert.equal(t.clusterToken, 'etcd-cluster-1');
  assert.deepEqual(validateTopology(t), []);
});

for (const c of BAD_TOPOLOGIES) {
  test(`refused: ${c.name}`, () => {
    const yaml = c.yaml.replace(/PORT(\d)/g, (_m, i: string) => String(40_000 + Number(i)));
    assert.throws(() => validateTopology(load(yaml)), (err: { code: string; message: string; hint?: string }) => {
      assert.equal(err.code, 'EDGE_TOPOLOGY_INVALID');
      assert.match(err.message, c.re);
      assert.ok(err.hint && err.hint.length > 10, 'has a hint');
      return true;
    });
  });
}

test('an even member count warns but passes', () => {
  const t = load(`
hosts:
  a: {member: {name: a, listen-peer-urls: http://127.0.0.1:40003, listen-client-urls: http://127.0.0.1:40000}}
  b: {member: {name: b, listen-peer-urls: http://127.0.0.1:40004, listen-client-urls: http://127.0.0.1:40001}}`);
  const w = validateTopology(t);
  assert.equal(w.length, 1);
  assert.match(w[0] ?? '', /even number of members \(2\)/);
});

test('tls topologies derive https URLs and warn about plain http listeners', () => {
  const t = load(`
tls: auto
hosts:
  a: {address: 10.0.1.10, member: {}}
  b: {address: 10.0.1.11, member: {listen-client-urls: [http://10.0.1.11:2379]}}
  c: {address: 10.0.1.12, member: {}}`);
  assert.deepEqual(t.hosts[0]?.member?.initialAdvertisePeerUrls, ['https://10.0.1.10:2380']);
  assert.deepEqual(t.hosts[0]?.member?.listenClientUrls, ['https://10.0.1.10:2379']);
  const w = validateTopology(t);
  assert.equal(w.length, 1);
  assert.match(w[0] ?? '', /tls: auto but member b listens on http:\/\/10\.0\.1\.11:2379/);
  const flags = toArgv(memberFlags({ topology: t, member: t.hosts[0]?.member as NonNullable<typeof t.hosts[0]>['member'] & object, etcd: { hasV2: true, needsZapFlag: false }, dataDir: '/d', initialized: false, tls: { mode: 'auto' } }));
  assert.ok(flags.includes('--auto-tls=true') && flags.includes('--peer-auto-tls=true'));
});
