// Unit tests of gateway/sources.ts: SRV results (a fake lookupSrv) turned into endpoints or into an error naming
// what was found and why it was rejected (never a silent fallback), and the discovery path (a fake token
// reader, a real HTTP server answering the peer /members call).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { peerMembers } from '../../../etcd/etcd-client.js';
import type { SrvLookupResult, SrvTarget } from '../../../etcd/srv.js';
import { parseGatewayFlags } from '../../../gateway/config.js';
import { createEndpointSource } from '../../../gateway/sources.js';
import type { SourceDeps } from '../../../gateway/sources.js';

const target = (scheme: 'http' | 'https', host: string, port: number, priority = 0, weight = 0): SrvTarget =>
  ({ url: `${scheme}://${host}:${port}`, host, port, priority, weight, scheme });

function srvDeps(result: SrvLookupResult, asked: unknown[] = []): SourceDeps {
  const never = (): Promise<never> => Promise.reject(new Error('not used'));
  return { lookupSrv: async (o) => { asked.push(o); return result; }, getDiscoveryCluster: never, peerMembers: never };
}

test('srv: https targets become endpoints with priority and weight; the lookup gets domain, name and DNS server', async () => {
  const asked: unknown[] = [];
  const cfg = parseGatewayFlags(['--discovery-srv', 'example.test', '--discovery-srv-name', 'x', '--dns-server', '127.0.0.1:5353'], {});
  const src = createEndpointSource(cfg, srvDeps({ targets: [target('https', 'a.example.test', 2379, 10, 5), target('http', 'b.example.test', 2379)], errors: [] }, asked), () => undefined);
  const eps = await src();
  assert.deepEqual(eps.map((e) => [e.key, e.scheme, e.priority, e.weight]), [['a.example.test:2379', 'https', 10, 5]]);
  assert.deepEqual(asked, [{ domain: 'example.test', kind: 'client', timeoutMs: 5000, name: 'x', dnsServer: '127.0.0.1:5353' }]);
});

test('srv: http targets are accepted with --insecure-discovery', async () => {
  const cfg = parseGatewayFlags(['--discovery-srv', 'example.test', '--insecure-discovery'], {});
  const eps = await createEndpointSource(cfg, srvDeps({ targets: [target('http', 'b.example.test', 2379)], errors: [] }), () => undefined)();
  assert.deepEqual(eps.map((e) => e.key), ['b.example.test:2379']);
});

const srvFailures = [
  {
    name: 'only http targets, no --insecure-discovery',
    result: { targets: [target('http', 'infra0.example.test', 2479)], errors: ['_etcd-client-ssl._tcp.example.test: ENOTFOUND'] },
    msg: /found no usable endpoint: 1 target\(s\), all rejected: http:\/\/infra0\.example\.test:2479 \(insecure: an http target \(pass --insecure-discovery to accept it\)\); lookup errors: _etcd-client-ssl\._tcp\.example\.test: ENOTFOUND/,
    hint: /--insecure-discovery/,
  },
  {
    name: 'no records at all',
    result: { targets: [], errors: ['_etcd-client-ssl._tcp.example.test: ENOTFOUND', '_etcd-client._tcp.example.test: ENOTFOUND'] },
    msg: /found no usable endpoint: no SRV records; lookup errors: .*ENOTFOUND.*ENOTFOUND/,
    hint: /publish _etcd-client-ssl\._tcp\.example\.test/,
  },
];
for (const c of srvFailures) {
  test(`srv: ${c.name} is an error, not a fallback to 127.0.0.1:2379`, async () => {
    const cfg = parseGatewayFlags(['--discovery-srv', 'example.test'], {});
    await assert.rejects(createEndpointSource(cfg, srvDeps(c.result), () => undefined)(), (err: { code: string; message: string; hint: string }) => {
      assert.equal(err.code, 'EDGE_DISCOVERY');
      assert.match(err.message, c.msg);
      assert.match(err.hint, c.hint);
      return true;
    });
  });
}

async function peerServer(t: TestContext, body: string): Promise<string> {
  const s = http.createServer((req, res) => { res.writeHead(req.url === '/members' ? 200 : 404).end(body); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => s.close());
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('discovery: the token\'s peers answer /members, whose client URLs become endpoints', async (t) => {
  const peer = await peerServer(t, JSON.stringify([
    { id: 1, name: 'm1', peerURLs: ['http://p1'], clientURLs: ['http://127.0.0.1:1001'] },
    { id: 2, name: 'm2', peerURLs: ['http://p2'], clientURLs: ['http://127.0.0.1:1002', 'http://127.0.0.1:1001'] },
    { id: 3, name: '', peerURLs: ['http://p3'], clientURLs: [] },
  ]));
  const tokens: string[] = [];
  const deps: SourceDeps = {
    lookupSrv: () => Promise.reject(new Error('not used')),
    getDiscoveryCluster: async (url) => { tokens.push(url); return { size: 3, members: [{ id: 'a', name: 'm1', peerURLs: [peer] }] }; },
    peerMembers,
  };
  const cfg = parseGatewayFlags(['--discovery', 'http://127.0.0.1:9/tok'], {});
  const eps = await createEndpointSource(cfg, deps, () => undefined)();
  assert.deepEqual(tokens, ['http://127.0.0.1:9/tok']);
  assert.deepEqual(eps.map((e) => e.key), ['127.0.0.1:1001', '127.0.0.1:1002']);
});

test('discovery: a token with no registration yet is a clear error', async () => {
  const deps: SourceDeps = {
    lookupSrv: () => Promise.reject(new Error('not used')),
    getDiscoveryCluster: async () => ({ size: 3, members: [] }),
    peerMembers,
  };
  const cfg = parseGatewayFlags(['--discovery', 'http://127.0.0.1:9/tok'], {});
  await assert.rejects(createEndpointSource(cfg, deps, () => undefined)(), { code: 'EDGE_DISCOVERY', message: /has no registered member yet \(size 3\)/ });
});

test('static: the --endpoints list', async () => {
  const cfg = parseGatewayFlags(['--endpoints', '127.0.0.1:1,127.0.0.1:2'], {});
  const never = (): Promise<never> => Promise.reject(new Error('not used'));
  const eps = await createEndpointSource(cfg, { lookupSrv: never, getDiscoveryCluster: never, peerMembers: never }, () => undefined)();
  assert.deepEqual(eps.map((e) => e.key), ['127.0.0.1:1', '127.0.0.1:2']);
});
