// Unit tests of gateway/config.ts and gateway/endpoint.ts: etcd's defaults, endpoint forms, env and conflicts,
// source exclusivity, and the literal loop check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGatewayFlags } from '../../../gateway/config.js';
import { controlUrls, parseEndpoint } from '../../../gateway/endpoint.js';

test('defaults match etcd gateway start, plus ours', () => {
  const c = parseGatewayFlags([], {});
  assert.deepEqual(c.listenAddr, { host: '127.0.0.1', port: 23790 });
  assert.deepEqual(c.endpoints.map((e) => e.key), ['127.0.0.1:2379']);
  assert.equal(c.source, 'static');
  assert.equal(c.retryDelayMs, 60_000);
  assert.equal(c.initialRetryMs, 1000);
  assert.equal(c.autoSyncIntervalMs, 30_000);
  assert.equal(c.dialTimeoutMs, 1000);
  assert.equal(c.drainTimeoutMs, 5000);
  assert.equal(c.insecureDiscovery, false);
  assert.deepEqual(c.listenMetrics, []);
  assert.ok(Object.isFrozen(c));
});

const endpointCases = [
  { name: 'comma list with schemes stripped', argv: ['--endpoints', 'http://10.0.0.1:2379,https://h.example:2379'], keys: ['10.0.0.1:2379', 'h.example:2379'], schemes: ['http', 'https'] },
  { name: 'repeated flag', argv: ['--endpoints', '127.0.0.1:1', '--endpoints=127.0.0.1:2'], keys: ['127.0.0.1:1', '127.0.0.1:2'], schemes: [undefined, undefined] },
  { name: 'IPv6 with brackets', argv: ['--endpoints', '[::1]:2379,http://[fd00::1]:2379'], keys: ['[::1]:2379', '[fd00::1]:2379'], schemes: [undefined, 'http'] },
];
for (const c of endpointCases) {
  test(`endpoints: ${c.name}`, () => {
    const cfg = parseGatewayFlags(c.argv, {});
    assert.deepEqual(cfg.endpoints.map((e) => e.key), c.keys);
    assert.deepEqual(cfg.endpoints.map((e) => e.scheme), c.schemes);
  });
}

test('IPv6 endpoint keeps the bare host for dialing', () => {
  const ep = parseEndpoint('[::1]:2379', 'test');
  assert.equal(ep.host, '::1');
  assert.equal(ep.port, 2379);
});

test('env sets a flag; flag and env together are a conflict', () => {
  const c = parseGatewayFlags([], { ETCD_LISTEN_ADDR: '127.0.0.1:0', ETCD_ENDPOINTS_AUTO_SYNC_INTERVAL: '0', ETCD_RETRY_DELAY: '5s' });
  assert.deepEqual(c.listenAddr, { host: '127.0.0.1', port: 0 });
  assert.equal(c.autoSyncIntervalMs, 0);
  assert.equal(c.retryDelayMs, 5000);
  assert.throws(() => parseGatewayFlags(['--retry-delay', '2s'], { ETCD_RETRY_DELAY: '5s' }), { code: 'EDGE_CONFIG_CONFLICT' });
});

test('a short --retry-delay also caps the first re-probe', () => {
  assert.equal(parseGatewayFlags(['--retry-delay', '300ms'], {}).initialRetryMs, 300);
});

test('a topology section (flag-named keys, any YAML types) parses like flags', () => {
  const c = parseGatewayFlags([], {}, { 'listen-addr': '127.0.0.1:7', endpoints: 'http://127.0.0.1:1,http://127.0.0.1:2', 'insecure-discovery': true });
  assert.deepEqual(c.endpoints.map((e) => e.key), ['127.0.0.1:1', '127.0.0.1:2']);
  assert.equal(c.insecureDiscovery, true);
});

test('the sources are srv and discovery when asked', () => {
  assert.equal(parseGatewayFlags(['--discovery-srv', 'example.test', '--discovery-srv-name', 'x', '--dns-server', '127.0.0.1:53'], {}).source, 'srv');
  assert.equal(parseGatewayFlags(['--discovery', 'http://127.0.0.1:1/abc'], {}).source, 'discovery');
});

const invalid = [
  { name: 'endpoint without port', argv: ['--endpoints', 'bad_endpoint'], code: 'EDGE_CONFIG_INVALID', msg: /error parsing endpoint "bad_endpoint"/ },
  { name: 'listen address without port', argv: ['--listen-addr', '127.0.0.1'], code: 'EDGE_CONFIG_INVALID', msg: /--listen-addr/ },
  { name: 'endpoint equal to the listen address', argv: ['--listen-addr', '127.0.0.1:5000', '--endpoints', 'http://127.0.0.1:5000'], code: 'EDGE_CONFIG_INVALID', msg: /own listen address/ },
  { name: 'two sources', argv: ['--endpoints', '127.0.0.1:1', '--discovery-srv', 'x.test'], code: 'EDGE_CONFIG_INVALID', msg: /--endpoints and --discovery-srv are both set/ },
  { name: 'srv and discovery', argv: ['--discovery', 'http://h/t', '--discovery-srv', 'x.test'], code: 'EDGE_CONFIG_INVALID', msg: /both set/ },
  { name: 'srv name without srv', argv: ['--discovery-srv-name', 'x'], code: 'EDGE_CONFIG_INVALID', msg: /needs --discovery-srv/ },
  { name: 'dns server without srv', argv: ['--dns-server', '127.0.0.1'], code: 'EDGE_CONFIG_INVALID', msg: /needs --discovery-srv/ },
  { name: 'zero retry delay', argv: ['--retry-delay', '0'], code: 'EDGE_CONFIG_INVALID', msg: /greater than 0/ },
  { name: 'bad duration', argv: ['--dial-timeout', 'soon'], code: 'EDGE_CONFIG_INVALID', msg: /invalid duration/ },
  { name: 'cert without key', argv: ['--cert-file', '/x.pem'], code: 'EDGE_CONFIG_INVALID', msg: /go together/ },
  { name: 'https metrics url', argv: ['--listen-metrics-urls', 'https://127.0.0.1:9000'], code: 'EDGE_CONFIG_INVALID', msg: /unsupported URL/ },
  { name: 'unknown flag', argv: ['--proxy', 'on'], code: 'EDGE_USAGE', msg: /flag provided but not defined: --proxy/ },
  { name: 'a positional argument', argv: ['extra'], code: 'EDGE_USAGE', msg: /"extra" is not a valid flag/ },
];
for (const c of invalid) {
  test(`rejects ${c.name}`, () => {
    assert.throws(() => parseGatewayFlags(c.argv, {}), (err: { code: string; message: string; hint?: string }) => {
      assert.equal(err.code, c.code);
      assert.match(err.message, c.msg);
      assert.ok(err.hint, 'an error carries a hint');
      return true;
    });
  });
}

const urlCases = [
  { name: 'own scheme only', raw: 'https://h:1', preferHttps: false, want: ['https://h:1'] },
  { name: 'no scheme, no TLS settings: plain http only', raw: 'h:1', preferHttps: false, want: ['http://h:1'] },
  { name: 'no scheme, TLS flags set: https first', raw: 'h:1', preferHttps: true, want: ['https://h:1', 'http://h:1'] },
];
for (const c of urlCases) {
  test(`controlUrls: ${c.name}`, () => {
    assert.deepEqual(controlUrls(parseEndpoint(c.raw, 'test'), c.preferHttps), c.want);
  });
}

test('--max-connections, --idle-timeout and --data-path, from flags and ETCD_EDGE_* variables', () => {
  const d = parseGatewayFlags([], {});
  assert.equal(d.maxConnections, 0);
  assert.equal(d.idleTimeoutMs, 0);
  assert.equal(d.dataPath, undefined);
  const c = parseGatewayFlags(['--max-connections', '100', '--idle-timeout', '5m', '--data-path', 'js'], {});
  assert.equal(c.maxConnections, 100);
  assert.equal(c.idleTimeoutMs, 300_000);
  assert.equal(c.dataPath, 'js');
  const e = parseGatewayFlags([], { ETCD_EDGE_MAX_CONNECTIONS: '7', ETCD_EDGE_IDLE_TIMEOUT: '1s', ETCD_EDGE_DATA_PATH: 'native' });
  assert.deepEqual([e.maxConnections, e.idleTimeoutMs, e.dataPath], [7, 1000, 'native']);
  assert.throws(() => parseGatewayFlags(['--data-path', 'fast'], {}), (err: { code: string }) => err.code === 'EDGE_CONFIG_INVALID' || err.code === 'EDGE_USAGE');
  assert.throws(() => parseGatewayFlags(['--max-connections', '-1'], {}), (err: { code: string }) => err.code === 'EDGE_CONFIG_INVALID' || err.code === 'EDGE_USAGE');
});

test('--relay-threads: 1 by default, from the flag or ETCD_EDGE_RELAY_THREADS, 1 to 64', () => {
  assert.equal(parseGatewayFlags([], {}).relayThreads, 1);
  assert.equal(parseGatewayFlags(['--relay-threads', '2'], {}).relayThreads, 2);
  assert.equal(parseGatewayFlags([], { ETCD_EDGE_RELAY_THREADS: '4' }).relayThreads, 4);
  for (const bad of ['0', '65', '-1']) {
    assert.throws(() => parseGatewayFlags(['--relay-threads', bad], {}), (err: { code: string; message: string }) =>
      (err.code === 'EDGE_CONFIG_INVALID' && /--relay-threads must be an integer from 1 to 64/.test(err.message)) || err.code === 'EDGE_USAGE');
  }
});
