// The records of the zone, built from a topology file read by core/topology.ts's parser (the member URLs `up` and
// `plan` derive): SRV records for etcd's discovery names, A/AAAA records for the targets.
import net from 'node:net';
import { EdgeError } from '../core/errors.js';
import { srvRecordNames } from '../etcd/index.js';
import { parseTopology } from '../core/topology.js';

/** One SRV record's data. */
export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

/** Every record the server answers, by lowercase name without the trailing dot. */
export interface Zone {
  readonly domain: string;
  readonly ttl: number;
  readonly a: ReadonlyMap<string, readonly string[]>;
  readonly aaaa: ReadonlyMap<string, readonly string[]>;
  readonly srv: ReadonlyMap<string, readonly SrvData[]>;
  /** Names the topology pointed at but this zone cannot answer for (outside the domain, or without an address). */
  readonly warnings: readonly string[];
}

/** What buildZone needs. */
export interface ZoneInput {
  readonly doc: Readonly<Record<string, unknown>>;
  readonly source: string;
  readonly domain: string;
  readonly srvName: string | undefined;
  readonly ttl: number;
}

const DNS_NAME_RE = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lowercases a DNS name and removes its trailing dot; throws EDGE_CONFIG_INVALID when it is not a name. */
export function normalizeName(name: string, what: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (!DNS_NAME_RE.test(n)) throw new EdgeError('EDGE_CONFIG_INVALID', `invalid DNS name ${JSON.stringify(name)} for ${what}`, { hint: 'use a name such as example.test' });
  return n;
}

function bad(source: string, msg: string): EdgeError {
  return new EdgeError('EDGE_TOPOLOGY_INVALID', `${source}: ${msg}`, { hint: 'see the topology section of the README' });
}

class ZoneBuilder {
  readonly a = new Map<string, string[]>();
  readonly aaaa = new Map<string, string[]>();
  readonly srv = new Map<string, SrvData[]>();
  readonly warnings: string[] = [];
  constructor(readonly domain: string) {}
  inZone(name: string): boolean { return name === this.domain || name.endsWith('.' + this.domain); }
  addAddress(name: string, ip: string): void {
    const map = net.isIPv6(ip) ? this.aaaa : this.a;
    const list = map.get(name) ?? [];
    if (!list.includes(ip)) list.push(ip);
    map.set(name, list);
  }
  addSrv(name: string, d: SrvData): void {
    const list = this.srv.get(name) ?? [];
    if (!list.some((x) => x.target === d.target && x.port === d.port)) list.push(d);
    this.srv.set(name, list);
  }
}

function addUrls(z: ZoneBuilder, p: { urls: string[]; kind: 'server' | 'client'; srvName: string | undefined; fqdn: string; ips: string[]; where: string; source: string }): void {
  for (const raw of p.urls) {
    let u: URL;
    try { u = new URL(raw); } catch { throw bad(p.source, `${p.where}: malformed URL ${JSON.stringify(raw)}`); }
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const [ssl, plain] = srvRecordNames({ domain: z.domain, kind: p.kind, ...(p.srvName ? { name: p.srvName } : {}) });
    const record = (u.protocol === 'https:' ? ssl : plain) as { name: string };
    let target = host;
    // SRV targets must be names: an IP URL is published under the host's own name, which resolves to that IP.
    if (net.isIP(host) !== 0) { target = p.fqdn; z.addAddress(p.fqdn, host); } else if (z.inZone(host)) {
      for (const ip of p.ips) z.addAddress(host, ip);
      if (p.ips.length === 0) z.warnings.push(`${p.where}: ${host} has no address (give the host an address:)`);
    } else z.warnings.push(`${p.where}: ${host} is outside ${z.domain}; its address must come from another DNS server`);
    z.addSrv(record.name, { priority: 0, weight: 0, port, target });
  }
}

/**
 * Builds the zone from a topology document, read by the one topology parser `up` and `plan` use: the same derived
 * URLs (https:// under tls: auto or self-signed, so _etcd-server-ssl), and proxy-role hosts are not published.
 */
export function buildZone(input: ZoneInput): Zone {
  const z = new ZoneBuilder(input.domain);
  const t = parseTopology(input.doc as Record<string, unknown>, input.source);
  for (const h of t.hosts) {
    const ips = h.addresses.filter((x) => net.isIP(x) !== 0);
    const lower = normalizeName(h.name, `hosts.${h.name}`);
    const fqdn = z.inZone(lower) ? lower : `${lower}.${input.domain}`;
    for (const ip of ips) z.addAddress(fqdn, ip);
    // A host with role: proxy is not a member yet; publishing it would make the members wait for it at bootstrap.
    const m = h.member;
    if (!m) continue;
    const common = { srvName: input.srvName, fqdn, ips, source: input.source };
    addUrls(z, { ...common, urls: [...m.initialAdvertisePeerUrls], kind: 'server', where: `hosts.${h.name}.member.initial-advertise-peer-urls` });
    addUrls(z, { ...common, urls: [...m.advertiseClientUrls], kind: 'client', where: `hosts.${h.name}.member.advertise-client-urls` });
  }
  return { domain: input.domain, ttl: input.ttl, a: z.a, aaaa: z.aaaa, srv: z.srv, warnings: z.warnings };
}
