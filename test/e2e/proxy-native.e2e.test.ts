// `etcd-edge proxy --data-path native` in front of one real etcd 3.4 member: curl and etcdctl (v2 and v3) through
// the native front, what it hands to node:http (member lists, watches, gRPC), its counters in /metrics, and the
// configuration errors of an explicit native data path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBin, cleanEnv } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { b64, curl, startMember, startProxyBin } from './proxy-support.js';

test('etcd-edge proxy --data-path native against a real member', { timeout: 120_000 }, async (t) => {
  requireTool('curl', 'curl');
  requireTool('etcdctl', 'etcd-client');
  const peerPort = await freePorts(2);
  const clientPort = peerPort + 1;
  const peer = `http://127.0.0.1:${peerPort}`;
  await startMember(t, { name: 'n1', peerPort, clientPort, initialCluster: `n1=${peer}`, state: 'new' });
  await eventually(async () => (await curl([`http://127.0.0.1:${clientPort}/health`])).stdout.includes('true'), 20_000, 100);
  const p = await startProxyBin(t, ['--initial-cluster', `n1=${peer}`, '--data-path', 'native']);
  assert.match(p.proc.stderr(), /"dataPath":"native"/);

  // Served natively: v2 keys and v3 JSON KV.
  assert.match((await curl(['-XPUT', `${p.url}/v2/keys/nat/a`, '-d', 'value=one'])).stdout, /"action":"set"/);
  assert.match((await curl([`${p.url}/v2/keys/nat/a`])).stdout, /"value":"one"/);
  assert.match((await curl(['-XPOST', `${p.url}/v3/kv/put`, '-d', JSON.stringify({ key: b64('nat/v3'), value: b64('v') })])).stdout, /"revision"/);
  assert.match((await curl(['-XPOST', `${p.url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('nat/v3') })])).stdout, new RegExp(`"value":"${b64('v')}"`));
  const v2 = (args: string[]) => etcdctl(['--endpoints', p.url, ...args], { api: 2 });
  assert.equal((await v2(['set', '/nat/b', 'two'])).code, 0, 'etcdctl v2 syncs its endpoints through the member list (handed off) first');
  assert.equal((await v2(['get', '/nat/b'])).stdout.trim(), 'two');
  // Handed off: HTTP/1.0, a watch, a member list (rewritten to the proxy), gRPC (h2c).
  assert.match((await curl(['--http1.0', `${p.url}/v2/keys/nat/a`])).stdout, /"value":"one"/);
  assert.match((await curl([`${p.url}/v2/keys/nat/a?wait=true&waitIndex=1`])).stdout, /"action":"set"/);
  assert.ok((await curl([`${p.url}/v2/members`])).stdout.includes(`"clientURLs":["${p.url}"]`));
  const v3 = await etcdctl(['--endpoints', p.url, 'get', 'nat/v3', '--print-value-only'], { api: 3 });
  assert.equal(v3.stdout.trim(), 'v');

  const text = await (await fetch(`${p.metricsUrl}/metrics`)).text();
  const count = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  assert.ok(count(/^etcd_proxy_requests_total\{method="PUT"\} (\d+)$/m) >= 2, 'the native PUTs are counted');
  assert.ok(count(/^etcd_proxy_handled_total\{method="POST",code="200"\} (\d+)$/m) >= 2, 'the native v3 POSTs are counted');
  assert.ok(count(new RegExp(`^etcd_proxy_endpoint_requests_total\\{endpoint="http://127.0.0.1:${clientPort}"\\} (\\d+)$`, 'm')) >= 8);
});

test('--data-path native with an access log or peer TLS is a configuration error (exit 2)', async () => {
  for (const extra of [['--access-log', 'info'], ['--peer-auto-tls']]) {
    const r = await runBin(['proxy', '--data-path', 'native', '--listen-client-urls', 'http://127.0.0.1:0', ...extra], { env: cleanEnv() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--data-path native/);
  }
});
