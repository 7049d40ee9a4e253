// Unit tests of dns/answer.ts: authoritative answers, NXDOMAIN/NODATA/REFUSED, FORMERR and truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import { respond, RCODE } from '../../../dns/answer.js';
import { buildZone } from '../../../dns/zone.js';

const zone = buildZone({
  doc: { hosts: {
    infra0: { address: '10.0.0.10', member: { 'initial-advertise-peer-urls': 'https://infra0.example.test:2380' } },
    infra1: { addresses: ['10.0.0.11', 'fd00::11'], member: { 'initial-advertise-peer-urls': 'https://infra1.example.test:2380' } },
  } },
  source: 't', domain: 'example.test', srvName: undefined, ttl: 30,
});

function ask(name: string, type: RecordType | 'ANY', extra: { opcode?: number } = {}) {
  const raw = dnsPacket.encode({ type: 'query', id: 77, flags: dnsPacket.RECURSION_DESIRED | ((extra.opcode ?? 0) << 11), questions: [{ name, type: type as RecordType }] });
  const out = respond(zone, raw, 'udp');
  assert.ok(out);
  return dnsPacket.decode(out) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
}

const cases = [
  { name: '_etcd-server-ssl._tcp.example.test', type: 'SRV' as const, rcode: 'NOERROR', answers: ['SRV 2380 infra0.example.test', 'SRV 2380 infra1.example.test'] },
  { name: '_ETCD-SERVER-SSL._tcp.Example.Test.', type: 'SRV' as const, rcode: 'NOERROR', answers: ['SRV 2380 infra0.example.test', 'SRV 2380 infra1.example.test'] },
  { name: '_etcd-client._tcp.example.test', type: 'SRV' as const, rcode: 'NOERROR', answers: ['SRV 2379 infra0.example.test', 'SRV 2379 infra1.example.test'] },
  { name: '_etcd-server._tcp.example.test', type: 'SRV' as const, rcode: 'NXDOMAIN', answers: [] },
  { name: 'infra1.example.test', type: 'A' as const, rcode: 'NOERROR', answers: ['A 10.0.0.11'] },
  { name: 'infra1.example.test', type: 'AAAA' as const, rcode: 'NOERROR', answers: ['AAAA fd00::11'] },
  { name: 'infra0.example.test', type: 'AAAA' as const, rcode: 'NOERROR', answers: [] },
  { name: 'infra1.example.test', type: 'ANY' as const, rcode: 'NOERROR', answers: ['A 10.0.0.11', 'AAAA fd00::11'] },
  { name: '_tcp.example.test', type: 'SRV' as const, rcode: 'NOERROR', answers: [] },
  { name: 'nope.example.test', type: 'A' as const, rcode: 'NXDOMAIN', answers: [] },
  { name: 'example.com', type: 'A' as const, rcode: 'REFUSED', answers: [] },
  { name: 'notexample.test', type: 'A' as const, rcode: 'REFUSED', answers: [] },
];
for (const c of cases) {
  test(`${c.type} ${c.name} → ${c.rcode} ${c.answers.length}`, () => {
    const r = ask(c.name, c.type);
    assert.equal(r.rcode, c.rcode);
    assert.equal(r.id, 77);
    assert.equal(r.flag_aa, c.rcode !== 'REFUSED');
    const got = (r.answers ?? []).map((a) => (a.type === 'SRV' ? `SRV ${a.data.port} ${a.data.target}` : `${a.type} ${String((a as { data?: unknown }).data)}`));
    assert.deepEqual(got.sort(), [...c.answers].sort());
    if (c.rcode === 'NXDOMAIN') assert.equal(r.authorities?.[0]?.type, 'SOA');
  });
}

test('SRV answers carry the targets\' addresses as additionals', () => {
  const r = ask('_etcd-server-ssl._tcp.example.test', 'SRV');
  assert.deepEqual((r.additionals ?? []).map((a) => `${a.name} ${a.type}`).sort(), ['infra0.example.test A', 'infra1.example.test A', 'infra1.example.test AAAA']);
});

test('a non-QUERY opcode is NOTIMP', () => {
  assert.equal(ask('example.test', 'A', { opcode: 2 }).rcode, 'NOTIMP');
});

const malformed = [
  { name: 'empty', raw: Buffer.alloc(0), reply: false },
  { name: 'short header', raw: Buffer.from([1, 2, 3]), reply: false },
  { name: 'header claiming a question that is missing', raw: Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), reply: true },
  { name: 'a response (never answered)', raw: Buffer.from([0, 9, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]), reply: false },
  { name: 'label pointing past the end', raw: Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0, 1, 0, 1]), reply: true },
];
for (const c of malformed) {
  test(`malformed packet: ${c.name}`, () => {
    const out = respond(zone, c.raw, 'udp');
    if (!c.reply) { assert.equal(out, undefined); return; }
    assert.ok(out);
    const r = dnsPacket.decode(out) as unknown as { rcode: string; id?: number };
    assert.equal(r.rcode, 'FORMERR');
    assert.equal(r.id, 9);
  });
}

test('a UDP reply larger than 512 bytes without EDNS is truncated; TCP is not', () => {
  const hosts: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) hosts[`member-with-a-long-name-${i}`] = { address: `10.0.1.${i}`, member: { 'initial-advertise-peer-urls': `https://member-with-a-long-name-${i}.example.test:2380` } };
  const big = buildZone({ doc: { hosts }, source: 't', domain: 'example.test', srvName: undefined, ttl: 30 });
  const raw = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: '_etcd-server-ssl._tcp.example.test', type: 'SRV' }] });
  const udp = dnsPacket.decode(respond(big, raw, 'udp') as Buffer);
  assert.equal(udp.flag_tc, true);
  assert.equal(udp.answers?.length, 0);
  const tcp = dnsPacket.decode(respond(big, raw, 'tcp') as Buffer);
  assert.equal(tcp.flag_tc, false);
  assert.equal(tcp.answers?.length, 40);
  assert.equal(RCODE.NOERROR, 0);
});
