// Unit tests of dns/server.ts on 127.0.0.1:0: UDP and TCP answers, etcd/srv.ts lookupSrv against it, and
// survival of malformed packets on both transports.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { lookupSrv } from '../../../etcd/srv.js';
import { createDnsServer } from '../../../dns/server.js';
import type { DnsServer } from '../../../dns/server.js';
import { buildZone } from '../../../dns/zone.js';

const zone = buildZone({
  doc: { hosts: { infra0: { address: '10.0.0.10', member: { 'initial-advertise-peer-urls': 'https://infra0.example.test:2380' } } } },
  source: 't', domain: 'example.test', srvName: 'x', ttl: 30,
});

async function start(t: TestContext): Promise<DnsServer> {
  const s = createDnsServer({ listenAddr: { host: '127.0.0.1', port: 0 }, zone, tcpIdleMs: 2000 });
  t.after(() => s.close());
  await s.start();
  return s;
}

function udpQuery(port: number, raw: Buffer, expectReply = true): Promise<DecodedPacket | undefined> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sock.close(); if (expectReply) reject(new Error('no UDP reply')); else resolve(undefined); }, expectReply ? 3000 : 300);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(dnsPacket.decode(m)); });
    sock.send(raw, port, '127.0.0.1');
  });
}

function tcpExchange(port: number, frames: Buffer[]): Promise<DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const out: DecodedPacket[] = [];
    let buf = Buffer.alloc(0);
    const s = net.connect(port, '127.0.0.1', () => { for (const f of frames) s.write(f); });
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.end(), 500);
  });
}

const query = (name: string, type: 'SRV' | 'A' = 'SRV') => dnsPacket.encode({ type: 'query', id: 5, questions: [{ name, type }] });
const frame = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

test('answers SRV over UDP and TCP on one port', async (t) => {
  const s = await start(t);
  const port = s.address().port;
  const u = await udpQuery(port, query('_etcd-server-ssl-x._tcp.example.test'));
  assert.deepEqual(u?.answers?.map((a) => a.type === 'SRV' && a.data.target), ['infra0.example.test']);
  const [r] = await tcpExchange(port, [frame(query('infra0.example.test', 'A'))]);
  assert.deepEqual(r?.answers?.map((a) => a.type === 'A' && a.data), ['10.0.0.10']);
});

test('lookupSrv finds the https server record and reports the missing http one', async (t) => {
  const s = await start(t);
  const r = await lookupSrv({ domain: 'example.test', name: 'x', kind: 'server', dnsServer: `127.0.0.1:${s.address().port}` });
  assert.deepEqual(r.targets.map((x) => x.url), ['https://infra0.example.test:2380']);
  assert.match(r.errors.join(), /_etcd-server-x\._tcp\.example\.test: ENOTFOUND/);
});

test('malformed packets do not stop the server', async (t) => {
  const s = await start(t);
  const port = s.address().port;
  for (const junk of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(600, 0xff), Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c])]) {
    await udpQuery(port, junk, false);
  }
  const formErr = await udpQuery(port, Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
  assert.equal((formErr as unknown as { rcode: string }).rcode, 'FORMERR');
  // TCP: junk inside a valid frame gets FORMERR, the next query on the same connection still works.
  const replies = await tcpExchange(port, [frame(Buffer.alloc(40, 0x41)), frame(query('_etcd-client._tcp.example.test'))]);
  assert.deepEqual(replies.map((p) => (p as unknown as { rcode: string }).rcode), ['FORMERR', 'NXDOMAIN']);
  // A frame shorter than its length prefix, then a hang-up.
  const c = net.connect(port, '127.0.0.1', () => c.end(Buffer.from([0xff, 0xff, 1, 2])));
  await new Promise((r) => c.on('close', r));
  const after = await udpQuery(port, query('_etcd-server-ssl-x._tcp.example.test'));
  assert.equal(after?.answers?.length, 1);
});

test('close is idempotent and safe before start; a second start throws', async (t) => {
  const never = createDnsServer({ listenAddr: { host: '127.0.0.1', port: 0 }, zone, tcpIdleMs: 1000 });
  await never.close();
  await never.close();
  const s = await start(t);
  await assert.rejects(s.start(), { code: 'EDGE_ALREADY_STARTED' });
  await s.close();
  await s.close();
});

test('a busy port fails start with EDGE_LISTEN_FAILED', async (t) => {
  const s = await start(t);
  const other = createDnsServer({ listenAddr: { host: '127.0.0.1', port: s.address().port }, zone, tcpIdleMs: 1000 });
  t.after(() => other.close());
  await assert.rejects(other.start(), { code: 'EDGE_LISTEN_FAILED' });
});
