// Unit tests of dns/config.ts: defaults, env names and validation of `dns serve` flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDnsFlags } from '../../../dns/config.js';

test('defaults: 127.0.0.1:53, TTL 30 s, domain from the topology', () => {
  const { config } = parseDnsFlags(['-f', 't.yaml'], {});
  assert.deepEqual(config, { listenAddr: { host: '127.0.0.1', port: 53 }, topology: 't.yaml', domain: undefined, srvName: undefined, ttlSeconds: 30 });
  assert.ok(Object.isFrozen(config));
});

test('env names are ETCD_EDGE_DNS_*', () => {
  const { config } = parseDnsFlags([], { ETCD_EDGE_DNS_TOPOLOGY: 't.yaml', ETCD_EDGE_DNS_DOMAIN: 'Example.Test.', ETCD_EDGE_DNS_TTL: '5s' });
  assert.equal(config?.domain, 'example.test');
  assert.equal(config?.ttlSeconds, 5);
});

const errors = [
  { name: 'no topology', argv: [], code: 'EDGE_USAGE' },
  { name: 'bad domain', argv: ['-f', 't', '--domain', 'a..b'], code: 'EDGE_CONFIG_INVALID' },
  { name: 'bad srv name', argv: ['-f', 't', '--discovery-srv-name', 'a b'], code: 'EDGE_CONFIG_INVALID' },
  { name: 'bad listen address', argv: ['-f', 't', '--listen-addr', 'nope'], code: 'EDGE_CONFIG_INVALID' },
];
for (const c of errors) test(`rejects ${c.name}`, () => assert.throws(() => parseDnsFlags(c.argv, {}), { code: c.code }));
