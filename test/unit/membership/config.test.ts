// Flag parsing of promote, demote and member: required flags, etcd's URL rules, paths, extra etcd flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDemoteFlags, parseMemberFlags, parsePromoteFlags, toClientUrl } from '../../../membership/config.js';

const base = ['--name', 'infra3', '--peer-urls', 'http://10.0.1.13:2380', '--client-urls', 'http://10.0.1.13:2379'];

test('promote: defaults and derived paths', () => {
  const c = parsePromoteFlags([...base, '--data-dir', 'px'], {}, '/srv').config;
  assert.ok(c);
  assert.equal(c.dataDir, '/srv/px');
  assert.equal(c.memberDataDir, '/srv/px/infra3.etcd');
  assert.equal(c.logFile, '/srv/px/logs/infra3.log');
  assert.equal(c.pidFile, '/srv/px/infra3.pid');
  assert.deepEqual(c.listenPeerUrls, ['http://10.0.1.13:2380']);
  assert.deepEqual(c.listenClientUrls, ['http://10.0.1.13:2379']);
  assert.equal(c.learner, true);
  assert.equal(c.readyTimeoutMs, 60_000);
  assert.deepEqual(c.client.endpoints, []);
  assert.ok(Object.isFrozen(c));
});

const bad: { name: string; argv: string[]; env?: Record<string, string>; re: RegExp; code: string }[] = [
  { name: 'missing --name', argv: base.slice(2), re: /--name is required/, code: 'EDGE_USAGE' },
  { name: 'missing --peer-urls', argv: [...base.slice(0, 2), ...base.slice(4)], re: /--peer-urls is required/, code: 'EDGE_USAGE' },
  { name: 'missing --client-urls', argv: base.slice(0, 4), re: /--client-urls is required/, code: 'EDGE_USAGE' },
  { name: 'URL without port', argv: [...base, '--peer-urls', 'http://10.0.1.13'], re: /malformed URL/, code: 'EDGE_CONFIG_INVALID' },
  { name: 'hostname in a listened URL', argv: [...base.slice(0, 4), '--client-urls', 'http://node3.example:2379'], re: /hostname "node3.example"; etcd binds IP addresses only/, code: 'EDGE_CONFIG_INVALID' },
  { name: 'bad name', argv: ['--name', 'a b', ...base.slice(2)], re: /invalid member name/, code: 'EDGE_CONFIG_INVALID' },
  { name: 'extra flag we set ourselves', argv: [...base, '--', '--initial-cluster-state=new'], re: /--initial-cluster-state after "--" clashes/, code: 'EDGE_USAGE' },
  { name: 'flag and env together', argv: base, env: { ETCD_EDGE_MEMBER_NAME: 'x' }, re: /conflicting environment variable "ETCD_EDGE_MEMBER_NAME"/, code: 'EDGE_CONFIG_CONFLICT' },
  { name: '--cert without --key', argv: [...base, '--cert', '/c.pem'], re: /--cert and --key go together/, code: 'EDGE_CONFIG_INVALID' },
];
for (const c of bad) {
  test(`promote refuses: ${c.name}`, () => {
    assert.throws(() => parsePromoteFlags(c.argv, c.env ?? {}, '/'), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, c.code);
      assert.match(e.message ?? '', c.re);
      return true;
    });
  });
}

test('promote: hostnames may be advertised when the listen URLs are IPs; extra etcd flags after --', () => {
  const c = parsePromoteFlags(['--name', 'n', '--peer-urls', 'http://node3.example:2380', '--listen-peer-urls', 'http://0.0.0.0:2380',
    '--client-urls', 'http://127.0.0.1:2379', '--', '--snapshot-count=5000', '--quota-backend-bytes', '1000'], {}, '/').config;
  assert.ok(c);
  assert.deepEqual(c.peerUrls, ['http://node3.example:2380']);
  assert.deepEqual(c.listenPeerUrls, ['http://0.0.0.0:2380']);
  assert.deepEqual(c.extraEtcdArgs, ['--snapshot-count=5000', '--quota-backend-bytes', '1000']);
});

test('promote: flags from the environment; --help skips validation', () => {
  const c = parsePromoteFlags([], { ETCD_EDGE_MEMBER_NAME: 'e', ETCD_EDGE_PEER_URLS: 'http://127.0.0.1:1', ETCD_EDGE_CLIENT_URLS: 'http://127.0.0.1:2', ETCDCTL_ENDPOINTS: '127.0.0.1:3' }, '/').config;
  assert.equal(c?.name, 'e');
  assert.deepEqual(c?.client.endpoints, ['http://127.0.0.1:3']);
  const h = parsePromoteFlags(['--help'], {}, '/');
  assert.equal(h.flags.help, true);
  assert.equal(h.config, undefined);
});

test('demote: paths and defaults', () => {
  const c = parseDemoteFlags(['--name', 'infra3', '--data-dir', '/var/lib/e'], {}, '/').config;
  assert.ok(c);
  assert.equal(c.pidFile, '/var/lib/e/infra3.pid');
  assert.equal(c.memberDataDir, '/var/lib/e/infra3.etcd');
  assert.equal(c.startProxy, true);
  assert.deepEqual(c.proxyListenClientUrls, []);
  assert.throws(() => parseDemoteFlags([], {}, '/'), /--name is required/);
});

test('member: positionals and etcdctl defaults', () => {
  const f = parseMemberFlags(['add', 'm4', '--peer-urls', 'http://127.0.0.1:1', '--learner'], {});
  assert.deepEqual(f.positionals, ['add', 'm4']);
  assert.equal(f.bool('learner'), true);
  assert.deepEqual(f.list('endpoints'), ['127.0.0.1:2379']);
  assert.throws(() => parseMemberFlags(['add', 'a', 'b'], {}), /is not a valid flag or argument/);
});

test('toClientUrl adds the scheme etcdctl would', () => {
  for (const c of [
    { ep: '127.0.0.1:2379', tls: false, out: 'http://127.0.0.1:2379' },
    { ep: '127.0.0.1:2379', tls: true, out: 'https://127.0.0.1:2379' },
    { ep: 'http://127.0.0.1:2379/', tls: true, out: 'http://127.0.0.1:2379' },
  ]) assert.equal(toClientUrl(c.ep, c.tls), c.out);
});
