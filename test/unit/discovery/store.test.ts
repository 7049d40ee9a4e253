// Unit tests of discovery/store.ts: prefix range ends and fail-over to the next endpoint on connection errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStore, prefixEnd } from '../../../discovery/store.js';

const endCases = [
  { prefix: '/a/', want: '/a0' },
  { prefix: 'a', want: 'b' },
  { prefix: '\u00ff', want: Buffer.from([0xc3, 0xc0]).toString('latin1') },
];
for (const c of endCases) test(`prefixEnd(${JSON.stringify(c.prefix)})`, () => assert.equal(prefixEnd(c.prefix), c.want));

test('a refused endpoint is skipped and the working one is tried first afterwards', async (t) => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end(JSON.stringify({ header: { revision: '42' }, kvs: [{ key: Buffer.from('/k').toString('base64'), value: Buffer.from('v').toString('base64'), create_revision: '3', mod_revision: '4' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  const good = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = createStore({ endpoints: [`http://127.0.0.1:${deadPort}`, good], timeoutMs: 2000 });
  const r = await store.get('/k');
  assert.deepEqual(r, { revision: 42, kvs: [{ key: '/k', value: 'v', createRevision: 3, modRevision: 4 }] });
  assert.equal(store.endpoints()[0], good);
  assert.deepEqual(seen, ['/v3/kv/range']);
});

test('an answer from etcd is final (no fail-over on an HTTP error)', async (t) => {
  let calls = 0;
  const server = http.createServer((_req, res) => { calls++; res.writeHead(400); res.end('{"error":"etcdserver: bad","code":3}'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await assert.rejects(createStore({ endpoints: [url, url], timeoutMs: 2000 }).get('/k'), { code: 'EDGE_ETCD_REQUEST', message: /etcdserver: bad/ });
  assert.equal(calls, 1);
});
