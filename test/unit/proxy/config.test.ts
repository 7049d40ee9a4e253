// parseProxyFlags: etcd's defaults and env names, one bootstrap source, TLS and advertise checks, layering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProxyFlags } from '../../../proxy/index.js';
import type { ProxyConfig } from '../../../proxy/index.js';

test('defaults are etcd\'s, except the listener binds 127.0.0.1', () => {
  const c = parseProxyFlags([], {});
  assert.equal(c.mode, 'readwrite');
  assert.deepEqual(c.listen, [{ url: 'http://127.0.0.1:2379', host: '127.0.0.1', port: 2379, tls: false }]);
  assert.deepEqual(c.peerSource, { kind: 'initial-cluster', peers: ['http://localhost:2380'] });
  assert.deepEqual([c.refreshIntervalMs, c.failureWaitMs, c.dialTimeoutMs, c.writeTimeoutMs, c.readTimeoutMs], [30000, 5000, 1000, 5000, 0]);
  assert.equal(c.maxRequestBytes, 1_572_864);
  assert.equal(c.dataDir, 'default.etcd');
  assert.equal(c.rewriteMemberUrls, true);
  assert.deepEqual(c.advertiseClientUrls, ['http://127.0.0.1:2379']);
  assert.equal(c.accessLog, 'off');
  assert.ok(Object.isFrozen(c));
});

const ok: { name: string; argv: string[]; env?: Record<string, string>; file?: Record<string, unknown>; check: (c: ProxyConfig) => void }[] = [
  { name: 'readonly by flag', argv: ['--proxy', 'readonly'], check: (c) => assert.equal(c.mode, 'readonly') },
  { name: 'readonly by ETCD_PROXY', argv: [], env: { ETCD_PROXY: 'readonly' }, check: (c) => assert.equal(c.mode, 'readonly') },
  { name: 'durations in ms or Go form', argv: ['--proxy-refresh-interval', '500ms', '--proxy-failure-wait', '2s'], check: (c) => assert.deepEqual([c.refreshIntervalMs, c.failureWaitMs], [500, 2000]) },
  { name: 'initial-cluster URLs only, deduplicated', argv: ['--initial-cluster', 'a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,c=http://10.0.0.1:2380'],
    check: (c) => assert.deepEqual(c.peerSource, { kind: 'initial-cluster', peers: ['http://10.0.0.1:2380', 'http://10.0.0.2:2380'] }) },
  { name: 'discovery', argv: ['--discovery', 'http://127.0.0.1:8087/abc'], check: (c) => assert.deepEqual(c.peerSource, { kind: 'discovery', url: 'http://127.0.0.1:8087/abc' }) },
  { name: 'discovery-srv with name and dns server', argv: ['--discovery-srv', 'example.test', '--discovery-srv-name', 'x', '--dns-server', '127.0.0.1:5353'],
    check: (c) => assert.deepEqual(c.peerSource, { kind: 'srv', domain: 'example.test', name: 'x', dnsServer: '127.0.0.1:5353' }) },
  { name: 'file under env under flag', argv: ['--proxy-failure-wait', '1000'], env: { ETCD_PROXY_DIAL_TIMEOUT: '2000' },
    file: { 'proxy-failure-wait': 9, 'proxy-dial-timeout': 9, 'proxy-write-timeout': 7000 },
    check: (c) => assert.deepEqual([c.failureWaitMs, c.dialTimeoutMs, c.writeTimeoutMs], [1000, 2000, 7000]) },
  { name: 'wildcard listen with an advertise URL', argv: ['--listen-client-urls', 'http://0.0.0.0:2379', '--proxy-advertise-client-urls', 'http://10.0.0.5:2379'],
    check: (c) => assert.deepEqual(c.advertiseClientUrls, ['http://10.0.0.5:2379']) },
  { name: 'wildcard listen without rewriting', argv: ['--listen-client-urls', 'http://0.0.0.0:2379', '--proxy-rewrite-member-urls=false'], check: (c) => assert.equal(c.rewriteMemberUrls, false) },
  { name: 'https listener with a certificate', argv: ['--listen-client-urls', 'https://127.0.0.1:2379', '--cert-file', 'c.pem', '--key-file', 'k.pem'],
    check: (c) => assert.deepEqual(c.serverTls, { certFile: 'c.pem', keyFile: 'k.pem', clientCertAuth: false }) },
  { name: 'data path unset: decided at start', argv: [], check: (c) => assert.equal(c.dataPath, undefined) },
  { name: 'data path by flag', argv: ['--data-path', 'js'], check: (c) => assert.equal(c.dataPath, 'js') },
  { name: 'data path by ETCD_EDGE_DATA_PATH', argv: [], env: { ETCD_EDGE_DATA_PATH: 'native' }, check: (c) => assert.equal(c.dataPath, 'native') },
  { name: 'data path from the config file', argv: [], file: { 'data-path': 'js' }, check: (c) => assert.equal(c.dataPath, 'js') },
  { name: 'data path js with peer TLS and an access log', argv: ['--data-path', 'js', '--peer-auto-tls', '--access-log', 'info'], check: (c) => assert.equal(c.dataPath, 'js') },
  { name: 'relative data dir resolved against cwd', argv: ['--data-dir', 'state'], check: (c) => assert.equal(c.dataDir, '/srv/x/state') },
];
for (const c of ok) {
  test(`parses: ${c.name}`, () => c.check(parseProxyFlags(c.argv, c.env ?? {}, c.file, { cwd: c.name.includes('cwd') ? '/srv/x' : undefined as unknown as string })));
}

const bad: { name: string; argv: string[]; env?: Record<string, string>; code: string; msg: RegExp }[] = [
  { name: 'two bootstrap sources', argv: ['--initial-cluster', 'a=http://h:2380', '--discovery', 'http://d/x'], code: 'EDGE_CONFIG_INVALID', msg: /multiple discovery or bootstrap flags/ },
  { name: 'discovery-srv-name alone', argv: ['--discovery-srv-name', 'x'], code: 'EDGE_CONFIG_INVALID', msg: /needs --discovery-srv/ },
  { name: 'unknown flag', argv: ['--proxy-refresh'], code: 'EDGE_USAGE', msg: /flag provided but not defined/ },
  { name: 'bad mode', argv: ['--proxy', 'maybe'], code: 'EDGE_CONFIG_INVALID', msg: /invalid value "maybe"/ },
  { name: 'proxy off', argv: ['--proxy', 'off'], code: 'EDGE_CONFIG_INVALID', msg: /makes no sense/ },
  { name: 'flag and env both', argv: ['--proxy', 'on'], env: { ETCD_PROXY: 'readonly' }, code: 'EDGE_CONFIG_CONFLICT', msg: /shadowed/ },
  { name: 'https without certificate', argv: ['--listen-client-urls', 'https://127.0.0.1:2379'], code: 'EDGE_CONFIG_INVALID', msg: /need --cert-file/ },
  { name: 'wildcard advertised', argv: ['--listen-client-urls', 'http://0.0.0.0:2379'], code: 'EDGE_CONFIG_INVALID', msg: /wildcard/ },
  { name: 'malformed listen URL', argv: ['--listen-client-urls', '127.0.0.1:2379'], code: 'EDGE_CONFIG_INVALID', msg: /malformed URL/ },
  { name: 'zero refresh', argv: ['--proxy-refresh-interval', '0'], code: 'EDGE_CONFIG_INVALID', msg: /greater than 0/ },
  { name: 'bad initial-cluster', argv: ['--initial-cluster', 'http://h:2380'], code: 'EDGE_CONFIG_INVALID', msg: /invalid --initial-cluster entry/ },
  { name: 'peer cert without key', argv: ['--peer-cert-file', 'c.pem'], code: 'EDGE_CONFIG_INVALID', msg: /go together/ },
  { name: 'bad data path', argv: ['--data-path', 'fast'], code: 'EDGE_CONFIG_INVALID', msg: /invalid value "fast"/ },
  { name: 'native data path with peer TLS', argv: ['--data-path', 'native', '--peer-auto-tls'], code: 'EDGE_CONFIG_INVALID', msg: /--data-path native cannot serve this proxy: the members are reached over TLS/ },
  { name: 'native data path with an access log', argv: ['--data-path', 'native', '--access-log', 'info'], code: 'EDGE_CONFIG_INVALID', msg: /--data-path native cannot serve this proxy: the access log is on/ },
  { name: 'https metrics', argv: ['--listen-metrics-urls', 'https://127.0.0.1:9'], code: 'EDGE_CONFIG_INVALID', msg: /unsupported URL "https:\/\/127.0.0.1:9" in --listen-metrics-urls/ },
];
for (const c of bad) {
  test(`rejects: ${c.name}`, () => {
    assert.throws(() => parseProxyFlags(c.argv, c.env ?? {}), (e: { code?: string; message: string; hint?: string }) => {
      assert.equal(e.code, c.code);
      assert.match(e.message, c.msg);
      assert.ok(e.hint, 'has a hint');
      return true;
    });
  });
}
