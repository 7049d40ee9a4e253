// Unit tests of etcd/srv.ts against a tiny UDP DNS server (dns-packet) on 127.0.0.1:0 that logs the names asked.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import type { SrvAnswer } from 'dns-packet';
import { lookupSrv, srvRecordNames } from '../../../etcd/srv.js';

/** Answers SRV questions from a table (NXDOMAIN otherwise) and records every name asked. */
async function startDns(t: TestContext, records: Record<string, SrvAnswer['data'][]>): Promise<{ server: string; asked: string[] }> {
  const asked: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(question.name);
    const data = records[question.name];
    const answers: SrvAnswer[] = (data ?? []).map((d) => ({ type: 'SRV', name: question.name, ttl: 30, data: d }));
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | (data ? 0 : 3);
    sock.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags, questions: [question], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  return { server: `127.0.0.1:${sock.address().port}`, asked };
}

const nameCases = [
  { name: 'server records', opts: { domain: 'example.test', kind: 'server' as const }, want: ['_etcd-server-ssl._tcp.example.test', '_etcd-server._tcp.example.test'] },
  { name: 'client records with a name suffix', opts: { domain: 'example.test.', kind: 'client' as const, name: 'foo' }, want: ['_etcd-client-ssl-foo._tcp.example.test', '_etcd-client-foo._tcp.example.test'] },
];
for (const c of nameCases) {
  test(`srvRecordNames: ${c.name}`, () => {
    assert.deepEqual(srvRecordNames(c.opts).map((n) => n.name), c.want);
  });
}

test('lookupSrv: https targets from -ssl records, trailing dot stripped, the http query reported as an error', async (t) => {
  const dns = await startDns(t, {
    '_etcd-server-ssl._tcp.example.test': [
      { priority: 0, weight: 10, port: 2380, target: 'infra0.example.test.' },
      { priority: 1, weight: 5, port: 2480, target: 'infra1.example.test' },
    ],
  });
  const r = await lookupSrv({ domain: 'example.test', kind: 'server', dnsServer: dns.server });
  assert.deepEqual(r.targets, [
    { url: 'https://infra0.example.test:2380', host: 'infra0.example.test', port: 2380, priority: 0, weight: 10, scheme: 'https' },
    { url: 'https://infra1.example.test:2480', host: 'infra1.example.test', port: 2480, priority: 1, weight: 5, scheme: 'https' },
  ]);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0] ?? '', /^_etcd-server\._tcp\.example\.test: ENOTFOUND/);
  assert.deepEqual([...new Set(dns.asked)].sort(), ['_etcd-server-ssl._tcp.example.test', '_etcd-server._tcp.example.test']);
});

test('lookupSrv: http targets from plain client records with a name suffix', async (t) => {
  const dns = await startDns(t, { '_etcd-client-x._tcp.d.test': [{ priority: 0, weight: 0, port: 2379, target: 'a.d.test.' }] });
  const r = await lookupSrv({ domain: 'd.test', kind: 'client', name: 'x', dnsServer: dns.server });
  assert.deepEqual(r.targets.map((x) => x.url), ['http://a.d.test:2379']);
  assert.match(r.errors.join(), /_etcd-client-ssl-x\._tcp\.d\.test/);
});

test('lookupSrv: an unanswering server gives errors, not a hang', async (t) => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  const r = await lookupSrv({ domain: 'd.test', kind: 'server', dnsServer: `127.0.0.1:${sock.address().port}`, timeoutMs: 600 });
  assert.deepEqual(r.targets, []);
  assert.equal(r.errors.length, 2);
  assert.match(r.errors.join(), /ETIMEOUT/);
});

test('lookupSrv: a malformed server address is EDGE_DNS', async () => {
  await assert.rejects(lookupSrv({ domain: 'd.test', kind: 'server', dnsServer: 'not an address' }), { code: 'EDGE_DNS' });
});
