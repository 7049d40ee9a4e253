// Pure: the authoritative answer to one DNS query from the zone. Names in the zone get their records (NODATA
// when the type is absent), other names in the zone NXDOMAIN, names outside it REFUSED: nothing is forwarded.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import type { Zone } from './zone.js';

/** DNS response codes used here (RFC 1035 §4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const QUERY_OPCODE = 'QUERY';

function soa(zone: Zone): Answer {
  return {
    type: 'SOA', name: zone.domain, ttl: zone.ttl,
    data: { mname: `ns.${zone.domain}`, rname: `hostmaster.${zone.domain}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: zone.ttl },
  };
}

function addresses(zone: Zone, name: string, asked: string, type: 'A' | 'AAAA'): Answer[] {
  const list = (type === 'A' ? zone.a : zone.aaaa).get(name) ?? [];
  return list.map((ip) => ({ type, name: asked, ttl: zone.ttl, data: ip }));
}

function nameExists(zone: Zone, name: string): boolean {
  if (name === zone.domain || zone.a.has(name) || zone.aaaa.has(name) || zone.srv.has(name)) return true;
  // An empty non-terminal such as _tcp.<domain> exists (NODATA, not NXDOMAIN), as RFC 8020 requires.
  const suffix = '.' + name;
  return [...zone.a.keys(), ...zone.aaaa.keys(), ...zone.srv.keys()].some((n) => n.endsWith(suffix));
}

function records(zone: Zone, q: Question, name: string): { answers: Answer[]; additionals: Answer[] } {
  const want = (t: string): boolean => q.type === t || (q.type as string) === 'ANY';
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  if (want('SRV')) {
    for (const d of zone.srv.get(name) ?? []) {
      answers.push({ type: 'SRV', name: q.name, ttl: zone.ttl, data: { ...d } });
      additionals.push(...addresses(zone, d.target, d.target, 'A'), ...addresses(zone, d.target, d.target, 'AAAA'));
    }
  }
  if (want('A')) answers.push(...addresses(zone, name, q.name, 'A'));
  if (want('AAAA')) answers.push(...addresses(zone, name, q.name, 'AAAA'));
  if (want('SOA') && name === zone.domain) answers.push({ ...soa(zone), name: q.name });
  return { answers, additionals };
}

/** Answers one decoded query. */
export function answerQuery(zone: Zone, query: DecodedPacket): Packet {
  const q = query.questions?.[0];
  const base = { type: 'response' as const, id: query.id ?? 0, questions: q ? [q] : [] };
  const rd = query.flags !== undefined ? query.flags & dnsPacket.RECURSION_DESIRED : 0;
  const opcode = (query as { opcode?: string }).opcode ?? QUERY_OPCODE;
  if (opcode !== QUERY_OPCODE) return { ...base, flags: rd | RCODE.NOTIMP };
  if (!q || query.type === 'response' || (query.questions?.length ?? 0) !== 1) return { ...base, flags: rd | RCODE.FORMERR };
  const name = q.name.toLowerCase().replace(/\.$/, '');
  if (name !== zone.domain && !name.endsWith('.' + zone.domain)) return { ...base, flags: rd | RCODE.REFUSED };
  const aa = dnsPacket.AUTHORITATIVE_ANSWER | rd;
  if (q.class !== undefined && q.class !== 'IN' && q.class !== 'ANY') return { ...base, flags: aa | RCODE.REFUSED };
  if (!nameExists(zone, name)) return { ...base, flags: aa | RCODE.NXDOMAIN, authorities: [soa(zone)] };
  const { answers, additionals } = records(zone, q, name);
  return { ...base, flags: aa | RCODE.NOERROR, answers, additionals, ...(answers.length === 0 ? { authorities: [soa(zone)] } : {}) };
}

/** The FORMERR reply to a packet that could not be decoded, when at least its 12-byte header arrived. */
export function formErr(raw: Buffer): Buffer | undefined {
  if (raw.length < 12) return undefined;
  // Never answer a response: two servers must not bounce errors at each other.
  if ((raw.readUInt16BE(2) & 0x8000) !== 0) return undefined;
  return dnsPacket.encode({ type: 'response', id: raw.readUInt16BE(0), flags: RCODE.FORMERR, questions: [] });
}

/** Decodes a query, answers it and encodes the reply; a UDP reply too big for the client is truncated (TC). */
export function respond(zone: Zone, raw: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(raw);
  } catch {
    return formErr(raw);
  }
  if (query.type === 'response') return undefined;
  let reply = answerQuery(zone, query);
  let out = dnsPacket.encode(reply);
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  const limit = transport === 'tcp' ? 65535 : Math.min(4096, Math.max(512, opt?.udpPayloadSize ?? 512));
  if (out.length > limit) {
    reply = { ...reply, flags: (reply.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], additionals: [], authorities: [] };
    out = dnsPacket.encode(reply);
  }
  return out;
}
