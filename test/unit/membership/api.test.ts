// The membership API over real HTTP on 127.0.0.1:0: failover past a dead endpoint, etcd's own errors final,
// uint64 IDs lossless in both directions.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMembershipApi, isServerAnswer, serverMessage } from '../../../membership/api.js';

async function fakeEtcd(t: { after: (fn: () => Promise<void>) => void }, handler: (path: string, body: string) => [number, unknown]): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      calls.push(`${req.url ?? ''} ${body}`);
      const [status, json] = handler(req.url ?? '', body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

test('calls fail over past a dead endpoint and keep uint64 IDs exact', async (t) => {
  const live = await fakeEtcd(t, () => [200, {
    header: { cluster_id: '17372310066860023458' },
    members: [{ ID: '18233278573876663181', name: 'm1', peerURLs: ['http://127.0.0.1:1'], clientURLs: ['http://127.0.0.1:2'] }, { ID: '1', peerURLs: ['http://127.0.0.1:3'], isLearner: true }],
  }]);
  const api = createMembershipApi({ endpoints: ['http://127.0.0.1:1', live.url], timeoutMs: 2000 });
  const r = await api.list();
  assert.equal(r.clusterId, BigInt('17372310066860023458').toString(16));
  // 18233278573876663181 is above 2^53: a Number would round it.
  assert.deepEqual(r.members.map((x) => [x.id, x.name, x.isLearner]), [['fd099e4246a8d38d', 'm1', false], ['1', '', true]]);
  await api.remove('fd099e4246a8d38d');
  assert.equal(live.calls[1], '/v3/cluster/member/remove {"ID":"18233278573876663181"}');
});

test('an answer from etcd is final: not retried on the next endpoint', async (t) => {
  const first = await fakeEtcd(t, () => [500, { error: 'etcdserver: unhealthy cluster', message: 'etcdserver: unhealthy cluster', code: 14 }]);
  const second = await fakeEtcd(t, () => [200, { header: {}, members: [] }]);
  const api = createMembershipApi({ endpoints: [first.url, second.url], timeoutMs: 2000 });
  await assert.rejects(api.add(['http://127.0.0.1:9'], false), (e: unknown) => {
    assert.equal(isServerAnswer(e), true);
    assert.equal(serverMessage(e), 'etcdserver: unhealthy cluster');
    return true;
  });
  assert.equal(second.calls.length, 0);
});

test('no endpoint answers: EDGE_NO_ENDPOINTS with each failure', async () => {
  const api = createMembershipApi({ endpoints: ['http://127.0.0.1:1'], timeoutMs: 1000 });
  await assert.rejects(api.list(), (e: { code?: string; message?: string }) => e.code === 'EDGE_NO_ENDPOINTS' && /ECONNREFUSED/.test(e.message ?? ''));
});
