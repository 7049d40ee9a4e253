// Unit tests of discovery/config.ts: defaults, env names, validation of serve and new flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiscoveryNewFlags, parseDiscoveryServeFlags } from '../../../discovery/config.js';

test('serve defaults: loopback listener, local store, derived host', () => {
  const { config } = parseDiscoveryServeFlags([], {});
  assert.deepEqual(config?.listenAddr, { host: '127.0.0.1', port: 8087 });
  assert.deepEqual(config?.endpoints, ['http://127.0.0.1:2379']);
  assert.equal(config?.host, undefined);
  assert.equal(config?.storePrefix, '/etcd-edge/discovery');
  assert.ok(Object.isFrozen(config));
});

test('serve reads ETCD_EDGE_DISCOVERY_* and the config file below them', () => {
  const { config } = parseDiscoveryServeFlags([], { ETCD_EDGE_DISCOVERY_ENDPOINTS: '127.0.0.1:1,http://127.0.0.1:2' }, { host: 'https://disc.example.test/' });
  assert.deepEqual(config?.endpoints, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  assert.equal(config?.host, 'https://disc.example.test');
});

const serveErrors = [
  { name: 'wildcard listener without --host', argv: ['--listen-addr', '0.0.0.0:8087'], code: 'EDGE_CONFIG_INVALID' },
  { name: 'bad endpoint', argv: ['--endpoints', 'ftp://x'], code: 'EDGE_CONFIG_INVALID' },
  { name: 'relative store prefix', argv: ['--store-prefix', 'x'], code: 'EDGE_CONFIG_INVALID' },
  { name: 'unknown flag', argv: ['--etcd', 'x'], code: 'EDGE_USAGE' },
];
for (const c of serveErrors) {
  test(`serve rejects ${c.name}`, () => assert.throws(() => parseDiscoveryServeFlags(c.argv, {}), { code: c.code }));
}

test('serve: the same option by flag and env is a conflict', () => {
  assert.throws(() => parseDiscoveryServeFlags(['--host', 'http://a:1'], { ETCD_EDGE_DISCOVERY_HOST: 'http://b:1' }), { code: 'EDGE_CONFIG_CONFLICT' });
});

const newCases = [
  { argv: [], want: { size: 3, service: 'http://127.0.0.1:8087', endpoints: [] } },
  { argv: ['--size', '5', '--service', 'http://127.0.0.1:9/'], want: { size: 5, service: 'http://127.0.0.1:9', endpoints: [] } },
  { argv: ['--endpoints', 'http://127.0.0.1:2379'], want: { size: 3, service: 'http://127.0.0.1:8087', endpoints: ['http://127.0.0.1:2379'] } },
];
for (const c of newCases) {
  test(`new ${c.argv.join(' ') || '(defaults)'}`, () => {
    const { config } = parseDiscoveryNewFlags(c.argv, {});
    assert.deepEqual({ size: config?.size, service: config?.service, endpoints: config?.endpoints }, c.want);
  });
}

test('new rejects a size below 1', () => {
  assert.throws(() => parseDiscoveryNewFlags(['--size', '0'], {}), { code: 'EDGE_CONFIG_INVALID' });
});

test('new has its own variables: the service\'s ETCD_EDGE_DISCOVERY_ENDPOINTS does not make a custom token', () => {
  const { config } = parseDiscoveryNewFlags([], { ETCD_EDGE_DISCOVERY_ENDPOINTS: 'http://127.0.0.1:2379', ETCD_EDGE_DISCOVERY_NEW_SIZE: '5' });
  assert.deepEqual([config?.endpoints, config?.size], [[], 5]);
});
