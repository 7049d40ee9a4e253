// Unit tests of etcd/discovery-client.ts against a fake v2 keys server on 127.0.0.1:0 (etcd's v2 discovery wire format).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getDiscoveryCluster } from '../../../etcd/discovery-client.js';

interface FakeNode { key: string; value: string; createdIndex: number }
interface Fake { url: string; requests: string[]; nodes: FakeNode[]; index: number; register(n: FakeNode): void }

/** A fake token store answering the three v2 requests GetCluster makes, under prefix. */
async function startFake(t: TestContext, prefix: string, opts: { size?: string; nodes?: FakeNode[]; raw?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean } = {}): Promise<Fake> {
  const waiters: (() => void)[] = [];
  const fake: Fake = {
    url: '', requests: [], nodes: [...(opts.nodes ?? [])], index: 10,
    register(n) { fake.nodes.push(n); fake.index = n.createdIndex; waiters.splice(0).forEach((w) => w()); },
  };
  const server = http.createServer((req, res) => {
    fake.requests.push(req.url ?? '');
    if (opts.raw?.(req, res)) return;
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-etcd-index': String(fake.index) });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === `${prefix}/_config/size`) {
      if (opts.size === undefined) send(404, { errorCode: 100, message: 'Key not found', cause: '/x/_config', index: fake.index });
      else send(200, { action: 'get', node: { key: `${prefix}/_config/size`, value: opts.size, modifiedIndex: 2, createdIndex: 2 } });
    } else if (u.pathname === prefix && u.searchParams.get('wait') === 'true') {
      waiters.push(() => send(200, { action: 'create', node: fake.nodes[fake.nodes.length - 1] }));
    } else if (u.pathname === prefix) {
      send(200, { action: 'get', node: { key: prefix, dir: true, nodes: [{ key: `${prefix}/_config`, dir: true, createdIndex: 2 }, ...fake.nodes] } });
    } else send(404, { errorCode: 100, message: 'Key not found', cause: u.pathname, index: fake.index });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  return fake;
}

const node = (prefix: string, id: string, value: string, idx: number): FakeNode => ({ key: `${prefix}/${id}`, value, createdIndex: idx });

const listCases = [
  { name: 'service style token', prefix: '/0123456789abcdef0123456789abcdef' },
  { name: 'custom etcd style token', prefix: '/v2/keys/discovery/tok1' },
];
for (const c of listCases) {
  test(`${c.name}: members in createdIndex order, _config skipped, first size only`, async (t) => {
    const p = c.prefix;
    const fake = await startFake(t, p, { size: '3', nodes: [node(p, 'bb', 'm2=http://127.0.0.1:2', 9), node(p, 'aa', 'm1=http://127.0.0.1:1,m1=http://127.0.0.2:1', 5),
      node(p, 'dd', 'm4=http://127.0.0.1:4', 12), node(p, 'cc', 'm3=http://127.0.0.1:3', 11)] });
    const got = await getDiscoveryCluster(fake.url + '/');
    assert.equal(got.size, 3);
    assert.deepEqual(got.members, [
      { id: 'aa', name: 'm1', peerURLs: ['http://127.0.0.1:1', 'http://127.0.0.2:1'] },
      { id: 'bb', name: 'm2', peerURLs: ['http://127.0.0.1:2'] },
      { id: 'cc', name: 'm3', peerURLs: ['http://127.0.0.1:3'] },
    ]);
    assert.equal(fake.requests[0], `${p}/_config/size`);
    assert.match(fake.requests[1] ?? '', new RegExp(`^${p}\\?`));
  });
}

test('waitFull long-polls from X-Etcd-Index + 1 until size members exist', async (t) => {
  const p = '/tok';
  const fake = await startFake(t, p, { size: '2', nodes: [node(p, 'aa', 'm1=http://127.0.0.1:1', 20)] });
  fake.index = 20;
  const pending = getDiscoveryCluster(fake.url, { waitFull: true });
  setTimeout(() => fake.register(node(p, 'bb', 'm2=http://127.0.0.1:2', 21)), 100);
  const got = await pending;
  assert.deepEqual(got.members.map((m) => m.name), ['m1', 'm2']);
  assert.ok(fake.requests.includes(`${p}?recursive=true&wait=true&waitIndex=21`), fake.requests.join(' '));
});

test('without waitFull an unfilled token returns what exists', async (t) => {
  const fake = await startFake(t, '/tok', { size: '3', nodes: [node('/tok', 'aa', 'm1=http://127.0.0.1:1', 20)] });
  const got = await getDiscoveryCluster(fake.url);
  assert.equal(got.members.length, 1);
});

const errorCases: { name: string; size?: string; nodes?: FakeNode[]; raw?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean; re: RegExp }[] = [
  { name: 'no size key', re: /the token has no size/ },
  { name: 'bad size', size: 'abc', re: /bad size "abc"/ },
  { name: 'negative size', size: '-1', re: /bad size "-1"/ },
  { name: 'valid JSON that is not etcd', raw: (_q, s) => { s.end('{"hello":"world"}'); return true; }, re: /did not answer like an etcd discovery service/ },
  { name: 'an HTML page', raw: (_q, s) => { s.end('<html></html>'); return true; }, re: /did not answer like an etcd discovery service/ },
  { name: 'a bad registration', size: '3', nodes: [node('/tok', 'aa', 'garbage', 3)], re: /bad registration "garbage"/ },
  { name: 'duplicate peer URL', size: '3', nodes: [node('/tok', 'aa', 'a=http://h:1', 3), node('/tok', 'bb', 'b=http://h:1', 4)], re: /duplicate url "http:\/\/h:1"/ },
];
for (const c of errorCases) {
  test(`error: ${c.name}`, async (t) => {
    const fake = await startFake(t, '/tok', { ...(c.size ? { size: c.size } : {}), ...(c.nodes ? { nodes: c.nodes } : {}), ...(c.raw ? { raw: c.raw } : {}) });
    await assert.rejects(getDiscoveryCluster(fake.url), (err: { code?: string; message: string; hint?: string }) => {
      assert.equal(err.code, 'EDGE_DISCOVERY');
      assert.match(err.message, c.re);
      assert.ok(err.hint);
      return true;
    });
  });
}

test('error: unreachable service', async (t) => {
  const fake = await startFake(t, '/tok', { size: '1' });
  const port = new URL(fake.url).port;
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const dead = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  await assert.rejects(getDiscoveryCluster(fake.url.replace(port, String(dead))), { code: 'EDGE_DISCOVERY', message: /is unreachable: ECONNREFUSED/ });
});

test('error: not a URL', async () => {
  await assert.rejects(getDiscoveryCluster('no-scheme/tok'), { code: 'EDGE_DISCOVERY', message: /invalid discovery URL/ });
  await assert.rejects(getDiscoveryCluster('http://127.0.0.1:1'), { code: 'EDGE_DISCOVERY', message: /invalid discovery URL/ });
});
