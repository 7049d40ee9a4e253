// Cross-checks a topology before anything starts, with the mistakes etcd itself reports late, wrongly or never
// (see etcd-behavior.md §7): names missing from the initial cluster, mismatched peer URLs, hostnames in listen
// URLs, loopback advertise URLs in a multi-machine cluster, duplicate names and ports, malformed URLs.
import { EdgeError } from '../core/errors.js';
import { isIp, isLoopbackHost, parseEtcdUrl, parseHostPort, urlHost } from '../core/net.js';
import { parseInitialCluster, peerUrlsByName } from '../etcd/index.js';
import type { HostDecl, MemberDecl, Topology } from './topology.js';

/** Validates the edge sections (proxy, gateway, tunnel flags) with the owning component's own parser. */
export type EdgeSectionValidator = (kind: 'proxy' | 'gateway' | 'tunnel', host: string, flags: Readonly<Record<string, unknown>>) => void;

function fail(t: Topology, msg: string, hint: string): never {
  throw new EdgeError('EDGE_TOPOLOGY_INVALID', `${t.source}: ${msg}`, { hint });
}

/** Returns the members of a topology, in host order. */
export function membersOf(t: Topology): MemberDecl[] {
  return t.hosts.flatMap((h) => (h.member ? [h.member] : []));
}

/** Returns the members proxy-role hosts become when promoted, in host order. */
export function standbysOf(t: Topology): MemberDecl[] {
  return t.hosts.flatMap((h) => (h.standby ? [h.standby] : []));
}

/** Builds the initial-cluster string: the explicit one, or every member's advertised peer URLs. */
export function initialClusterOf(t: Topology): string {
  return t.initialCluster ?? membersOf(t).flatMap((m) => m.initialAdvertisePeerUrls.map((u) => `${m.name}=${u}`)).join(',');
}

/** Tells whether the topology spans several machines (some host has a non-loopback address or URL). */
export function isMultiMachine(t: Topology): boolean {
  const hosts = t.hosts.flatMap((h) => [...h.addresses, ...[h.member, h.standby].flatMap((m) => (m ? [...m.listenPeerUrls, ...m.initialAdvertisePeerUrls].map((u) => safeHost(u)) : []))]);
  return hosts.some((a) => a !== '' && !isLoopbackHost(a));
}

function safeHost(u: string): string {
  try { return urlHost(new URL(u)); } catch { return ''; }
}

function topologyUrl(t: Topology, u: string, where: string): URL {
  try {
    return parseEtcdUrl(u, where);
  } catch (err) {
    fail(t, (err as Error).message, (err as { hint?: string }).hint ?? 'write URLs as http://host:port');
  }
}

function checkMemberUrls(t: Topology, h: HostDecl, m: MemberDecl, multi: boolean): void {
  const groups: [string, readonly string[]][] = [
    ['listen-peer-urls', m.listenPeerUrls], ['initial-advertise-peer-urls', m.initialAdvertisePeerUrls],
    ['listen-client-urls', m.listenClientUrls], ['advertise-client-urls', m.advertiseClientUrls],
  ];
  for (const [key, urls] of groups) {
    if (urls.length === 0) fail(t, `member ${JSON.stringify(m.name)} on host ${JSON.stringify(h.name)} has no ${key}`, `set hosts.${h.name}.address or hosts.${h.name}.member.${key}`);
    for (const u of urls) {
      const url = topologyUrl(t, u, `hosts.${h.name}.member.${key}`);
      const host = urlHost(url);
      if (key.startsWith('listen') && !isIp(host) && host !== 'localhost') {
        fail(t, `hosts.${h.name}.member.${key}: ${JSON.stringify(u)} has the hostname ${JSON.stringify(host)}; etcd needs an IP in URLs it binds to`,
          `use the host's IP in ${key} (e.g. http://10.0.1.10:${url.port}) and keep the name in the advertise URLs`);
      }
      if (multi && key.startsWith('advertise') && isLoopbackHost(host)) {
        fail(t, `hosts.${h.name}.member.advertise-client-urls: ${JSON.stringify(u)} is a loopback address, but other hosts must reach this member`,
          'advertise an address other hosts can reach (a proxy elsewhere would loop back to itself); keep 127.0.0.1 in listen-client-urls only');
      }
      if (multi && key === 'initial-advertise-peer-urls' && isLoopbackHost(host)) {
        fail(t, `hosts.${h.name}.member.initial-advertise-peer-urls: ${JSON.stringify(u)} is a loopback address in a multi-host cluster`, 'advertise the host\'s own IP to its peers');
      }
    }
  }
}

function checkInitialCluster(t: Topology): void {
  if (t.initialCluster === undefined) return;
  const ic = peerUrlsByName(parseInitialCluster(t.initialCluster, {
    code: 'EDGE_TOPOLOGY_INVALID', where: `${t.source} initial-cluster`,
    message: (entry) => `${t.source}: malformed initial-cluster entry ${JSON.stringify(entry)}`,
    hint: 'write it as name=http://ip:2380,name2=http://ip2:2380',
  }));
  for (const m of standbysOf(t)) {
    if (ic.has(m.name)) {
      fail(t, `member ${JSON.stringify(m.name)} is on a host with role: proxy, but initial-cluster lists it`,
        `drop ${m.name} from initial-cluster (it joins later through etcd-edge promote), or set role: member for its host`);
    }
  }
  for (const m of membersOf(t)) {
    const urls = ic.get(m.name);
    if (!urls) {
      fail(t, `member ${JSON.stringify(m.name)} is not in initial-cluster ${JSON.stringify(t.initialCluster)}`,
        `add ${m.name}=${m.initialAdvertisePeerUrls[0] ?? 'http://IP:2380'} to initial-cluster, or fix the member's name`);
    }
    const a = [...urls].sort().join(',');
    const b = [...m.initialAdvertisePeerUrls].sort().join(',');
    if (a !== b) {
      fail(t, `member ${JSON.stringify(m.name)} advertises peer URLs ${JSON.stringify(b)} but initial-cluster lists ${JSON.stringify(a)}`,
        'make initial-advertise-peer-urls and the initial-cluster entry for this name the same (etcd compares them literally; localhost is not 127.0.0.1)');
    }
  }
}

function checkBootstrap(t: Topology): void {
  const set = [t.initialCluster !== undefined && 'initial-cluster', t.discovery !== undefined && 'discovery', t.discoverySrv !== undefined && 'discovery-srv'].filter(Boolean);
  if (set.length > 1) fail(t, `multiple bootstrap keys are set (${set.join(', ')})`, 'choose one of initial-cluster, discovery or discovery-srv, as etcd requires');
  if (t.bootstrap === 'discovery' && !t.discovery) fail(t, 'bootstrap: discovery needs a discovery URL', 'add discovery: <token URL> (etcd-edge discovery new prints one)');
  if (t.bootstrap === 'dns' && !t.discoverySrv) fail(t, 'bootstrap: dns needs discovery-srv', 'add discovery-srv: <domain>');
  if (t.bootstrap === 'static' && (t.discovery || t.discoverySrv)) fail(t, 'discovery keys are set but bootstrap is static', 'set bootstrap: discovery or bootstrap: dns, or remove the discovery keys');
  if (t.discovery !== undefined && !/^https?:\/\/[^/]+\/\S+$/.test(t.discovery)) {
    fail(t, `malformed discovery URL ${JSON.stringify(t.discovery)}`, 'use a token URL such as http://10.0.1.5:8087/<token>');
  }
}

/** Collects every address:port a host binds, to find duplicates. */
function bindings(h: HostDecl): { addr: string; port: number; what: string }[] {
  const out: { addr: string; port: number; what: string }[] = [];
  if (h.standby) for (const u of h.standby.listenPeerUrls) { const x = new URL(u); out.push({ addr: urlHost(x), port: Number(x.port), what: `member ${h.standby.name} peer (after promotion)` }); }
  const m = h.member;
  if (m) {
    for (const u of m.listenPeerUrls) { const x = new URL(u); out.push({ addr: urlHost(x), port: Number(x.port), what: `member ${m.name} peer` }); }
    for (const u of m.listenClientUrls) { const x = new URL(u); out.push({ addr: urlHost(x), port: Number(x.port), what: `member ${m.name} client` }); }
  }
  const pl = h.proxy?.['listen-client-urls'];
  for (const u of typeof pl === 'string' ? pl.split(',') : Array.isArray(pl) ? pl.map(String) : []) {
    const x = parseEtcdUrl(u.trim(), `hosts.${h.name}.proxy.listen-client-urls`); out.push({ addr: urlHost(x), port: Number(x.port), what: 'proxy' });
  }
  const gl = h.gateway?.['listen-addr'];
  if (typeof gl === 'string') { const hp = parseHostPort(gl, `hosts.${h.name}.gateway.listen-addr`); out.push({ addr: hp.host, port: hp.port, what: 'gateway' }); }
  return out;
}

function checkPorts(t: Topology): void {
  // A multi-machine topology gives every host its own port space; in a loopback-only one (the bundled layout)
  // all "hosts" are this machine and share one.
  const perMachine = isMultiMachine(t);
  const seen = new Map<string, { addr: string; what: string }[]>();
  for (const h of t.hosts) {
    for (const b of bindings(h)) {
      const key = `${perMachine ? h.name : '*'}|${b.port}`;
      const wild = (a: string): boolean => a === '0.0.0.0' || a === '::';
      const clash = (seen.get(key) ?? []).find((o) => o.addr === b.addr || wild(o.addr) || wild(b.addr));
      if (clash) fail(t, `port ${b.port} on ${b.addr} is used twice (${clash.what} and ${b.what} on host ${h.name})`, 'give each listener its own port');
      seen.set(key, [...(seen.get(key) ?? []), { addr: b.addr, what: `${b.what} on host ${h.name}` }]);
    }
  }
}

/** Validates a topology and returns warnings; throws EDGE_TOPOLOGY_INVALID (exit 2) for the first error. */
export function validateTopology(t: Topology, edge?: EdgeSectionValidator): string[] {
  const warnings: string[] = [];
  const members = membersOf(t);
  if (members.length === 0) fail(t, 'no host declares a member', 'give at least one host a member: section');
  const names = new Set<string>();
  for (const m of [...members, ...standbysOf(t)]) {
    if (names.has(m.name)) fail(t, `duplicate member name ${JSON.stringify(m.name)}`, 'give every member a unique name');
    names.add(m.name);
  }
  checkBootstrap(t);
  if (t.ca !== undefined && t.tls !== 'self-signed') fail(t, `ca: names the cluster's CA, which only tls: self-signed uses (tls is ${JSON.stringify(t.tls)})`, 'set tls: self-signed, or drop ca:');
  const multi = isMultiMachine(t);
  // Each host of a multi-machine self-signed cluster making its own CA is the classic mistake: say so before it bites.
  if (multi && t.tls === 'self-signed' && t.ca === undefined) warnings.push('tls: self-signed across machines needs one CA for all hosts: create it once with etcd-edge certs ca, copy it to every host and pass up --ca DIR (or set ca: in the topology); etcd-edge plan prints the steps');
  for (const h of t.hosts) for (const m of [h.member, h.standby]) if (m) checkMemberUrls(t, h, m, multi);
  checkInitialCluster(t);
  checkPorts(t);
  for (const h of t.hosts) {
    if (h.proxy) edge?.('proxy', h.name, h.proxy);
    if (h.gateway) edge?.('gateway', h.name, h.gateway);
    for (const tn of h.tunnels) edge?.('tunnel', h.name, tn);
  }
  if (t.tls !== 'none') {
    for (const m of members) {
      const plain = [...m.listenPeerUrls, ...m.listenClientUrls].filter((u) => u.startsWith('http:'));
      if (plain.length) warnings.push(`tls: ${t.tls} but member ${m.name} listens on ${plain.join(', ')}: etcd serves those without TLS`);
    }
  }
  if (members.length % 2 === 0) {
    warnings.push(`the cluster has an even number of members (${members.length}); it tolerates no more failures than ${members.length - 1} members would`);
  }
  return warnings;
}
