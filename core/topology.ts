// The topology file: one YAML document (kebab-case keys, like etcd's config file) declaring the cluster token,
// the bootstrap mode and each host's member, proxy, gateway and tunnels. Parsing here is structural only;
// cross-checks live in validate.ts so that every mistake is reported before anything starts.
import { EdgeError } from './errors.js';

/** How members find each other the first time. */
export type BootstrapMode = 'static' | 'discovery' | 'dns';
/** How the cluster's traffic is secured. */
export type TlsMode = 'none' | 'auto' | 'self-signed';

/** One etcd member as declared for a host. */
export interface MemberDecl {
  readonly name: string;
  readonly listenPeerUrls: readonly string[];
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly listenClientUrls: readonly string[];
  readonly advertiseClientUrls: readonly string[];
  readonly dataDir: string | undefined;
  /** Further etcd flags, passed through as --key=value. */
  readonly extraFlags: Readonly<Record<string, string>>;
}

/** Which of its two roles a host with a member: section plays now. */
export type HostRole = 'member' | 'proxy';

/** One machine: its addresses and what runs there. Edge sections hold the flags of their own subcommand. */
export interface HostDecl {
  readonly name: string;
  readonly addresses: readonly string[];
  /** Undefined for a host without a member: section (it has no role to switch). */
  readonly role: HostRole | undefined;
  /** The member that runs here now (role member). */
  readonly member: MemberDecl | undefined;
  /** With role proxy: the member this host becomes when promoted; not in the initial cluster, not started. */
  readonly standby: MemberDecl | undefined;
  readonly proxy: Readonly<Record<string, unknown>> | undefined;
  readonly gateway: Readonly<Record<string, unknown>> | undefined;
  readonly tunnels: readonly Readonly<Record<string, unknown>>[];
}

/** The whole topology. */
export interface Topology {
  readonly source: string;
  readonly clusterToken: string;
  readonly bootstrap: BootstrapMode;
  readonly initialCluster: string | undefined;
  readonly discovery: string | undefined;
  readonly discoverySrv: string | undefined;
  readonly discoverySrvName: string | undefined;
  readonly tls: TlsMode;
  /** tls: self-signed: the directory holding the cluster's one CA (ca.crt, ca.key) on every host. */
  readonly ca: string | undefined;
  readonly hosts: readonly HostDecl[];
}

const TOP_KEYS = ['cluster-token', 'bootstrap', 'initial-cluster', 'discovery', 'discovery-srv', 'discovery-srv-name', 'tls', 'ca', 'hosts'];
const HOST_KEYS = ['address', 'addresses', 'role', 'member', 'proxy', 'gateway', 'tunnels'];
const MEMBER_KEYS = ['name', 'listen-peer-urls', 'initial-advertise-peer-urls', 'listen-client-urls', 'advertise-client-urls', 'data-dir', 'extra-flags'];

function bad(source: string, where: string, msg: string, hint: string): EdgeError {
  return new EdgeError('EDGE_TOPOLOGY_INVALID', `${source}: ${where}: ${msg}`, { hint });
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], source: string, where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw bad(source, where, `unknown key ${JSON.stringify(k)}`, `allowed keys here: ${allowed.join(', ')}`);
    }
  }
}

function asMap(v: unknown, source: string, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(source, where, 'must be a mapping', 'write it as key: value lines');
  return v as Record<string, unknown>;
}

function urlList(v: unknown, source: string, where: string): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw bad(source, where, 'must be a URL or a list of URLs', 'for example: [http://10.0.1.10:2379, http://127.0.0.1:2379]');
}

function optString(v: unknown, source: string, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw bad(source, where, 'must be a string', 'quote the value');
}

function oneOf<T extends string>(v: unknown, choices: readonly T[], dflt: T, source: string, where: string): T {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw bad(source, where, `invalid value ${JSON.stringify(v)}`, `choose one of ${choices.join(', ')}`);
}

function parseMember(raw: unknown, host: string, addresses: readonly string[], source: string, scheme: 'http' | 'https'): MemberDecl {
  const where = `hosts.${host}.member`;
  const m = asMap(raw, source, where);
  checkKeys(m, MEMBER_KEYS, source, where);
  const name = optString(m.name, source, `${where}.name`) ?? host;
  const ip = addresses[0];
  const derive = (port: number): string[] => (ip === undefined ? [] : [`${scheme}://${ip.includes(':') ? `[${ip}]` : ip}:${port}`]);
  // Unset URLs follow etcd's pairing: advertise defaults to a concrete listen URL and listen to advertise,
  // and both to the host's address on 2380/2379.
  const concrete = (urls: string[]): string[] => {
    const bound = urls.filter((u) => !/\/\/(0\.0\.0\.0|\[::\])(:|\/|$)/.test(u));
    const reachable = bound.filter((u) => !/\/\/(127\.|localhost|\[::1\])/.test(u));
    return reachable.length ? reachable : bound;
  };
  const listenPeer = urlList(m['listen-peer-urls'], source, `${where}.listen-peer-urls`);
  const advPeer = urlList(m['initial-advertise-peer-urls'], source, `${where}.initial-advertise-peer-urls`);
  const listenClient = urlList(m['listen-client-urls'], source, `${where}.listen-client-urls`);
  const advClient = urlList(m['advertise-client-urls'], source, `${where}.advertise-client-urls`);
  const extra = m['extra-flags'] === undefined ? {} : asMap(m['extra-flags'], source, `${where}.extra-flags`);
  const pick = (...lists: string[][]): string[] => lists.find((l) => l.length > 0) ?? [];
  return {
    name,
    initialAdvertisePeerUrls: pick(advPeer, concrete(listenPeer), derive(2380)),
    listenPeerUrls: pick(listenPeer, advPeer, derive(2380)),
    advertiseClientUrls: pick(advClient, concrete(listenClient), derive(2379)),
    listenClientUrls: pick(listenClient, advClient, derive(2379)),
    dataDir: optString(m['data-dir'], source, `${where}.data-dir`),
    extraFlags: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
  };
}

function parseHost(name: string, raw: unknown, source: string, scheme: 'http' | 'https'): HostDecl {
  const where = `hosts.${name}`;
  const h = raw === null ? {} : asMap(raw, source, where);
  checkKeys(h, HOST_KEYS, source, where);
  const addresses = [...urlList(h.addresses, source, `${where}.addresses`)];
  const single = optString(h.address, source, `${where}.address`);
  if (single !== undefined) addresses.unshift(single);
  const tunnels = h.tunnels === undefined ? [] : Array.isArray(h.tunnels)
    ? h.tunnels.map((t, i) => asMap(t, source, `${where}.tunnels[${i}]`))
    : [asMap(h.tunnels, source, `${where}.tunnels`)];
  const member = h.member === undefined ? undefined : parseMember(h.member, name, addresses, source, scheme);
  const role = h.role === undefined ? (member ? 'member' : undefined) : oneOf(h.role, ['member', 'proxy'] as const, 'member', source, `${where}.role`);
  if (role && !member) {
    throw bad(source, `${where}.role`, 'a role needs a member: section', 'describe the member this host runs or becomes in member:, or drop role: (a host with only a proxy: section is a proxy host)');
  }
  let proxy = h.proxy === undefined ? undefined : asMap(h.proxy, source, `${where}.proxy`);
  // A proxy-role host's default proxy serves local applications on the member's client port, on loopback and in
  // plain http (listeners bind 127.0.0.1 unless told otherwise; it reaches TLS members with the edge's certificates).
  if (role === 'proxy' && member && !proxy) proxy = { 'listen-client-urls': `http://127.0.0.1:${new URL(member.listenClientUrls[0] ?? 'http://x:2379').port || '2379'}` };
  return {
    name, addresses, role,
    member: role === 'member' ? member : undefined,
    standby: role === 'proxy' ? member : undefined,
    proxy,
    gateway: h.gateway === undefined ? undefined : asMap(h.gateway, source, `${where}.gateway`),
    tunnels,
  };
}

/** Turns a parsed YAML document into a Topology, rejecting unknown keys and wrongly typed values. */
export function parseTopology(doc: Record<string, unknown>, source: string): Topology {
  checkKeys(doc, TOP_KEYS, source, 'top level');
  const hostsRaw = asMap(doc.hosts ?? {}, source, 'hosts');
  const tls = oneOf(doc.tls, ['none', 'auto', 'self-signed'] as const, 'none', source, 'tls');
  // Derived URLs follow the TLS mode: etcd ignores TLS flags on http:// listeners.
  const hosts = Object.entries(hostsRaw).map(([name, raw]) => parseHost(name, raw, source, tls === 'none' ? 'http' : 'https'));
  if (hosts.length === 0) throw bad(source, 'hosts', 'no hosts declared', 'declare at least one host with a member, see the README');
  return Object.freeze({
    source,
    clusterToken: optString(doc['cluster-token'], source, 'cluster-token') ?? 'etcd-cluster',
    bootstrap: oneOf(doc.bootstrap, ['static', 'discovery', 'dns'] as const, 'static', source, 'bootstrap'),
    initialCluster: optString(doc['initial-cluster'], source, 'initial-cluster'),
    discovery: optString(doc.discovery, source, 'discovery'),
    discoverySrv: optString(doc['discovery-srv'], source, 'discovery-srv'),
    discoverySrvName: optString(doc['discovery-srv-name'], source, 'discovery-srv-name'),
    tls,
    ca: optString(doc.ca, source, 'ca'),
    hosts,
  });
}

/** Builds the bundled local layout of etcd's Procfile: infra1..3 on 127.0.0.1, plus a proxy and a gateway. */
export function bundledTopology(opts: { basePort?: number; tls?: TlsMode; withEdge?: boolean } = {}): Topology {
  const b = opts.basePort;
  if (b !== undefined && (b < 1 || b + 7 > 65535)) {
    throw new EdgeError('EDGE_USAGE', `invalid --base-port ${b}: the bundled layout uses ports P..P+7, which must lie in 1..65535`, {
      hint: 'pass --base-port with a port such as 40000 (clients on P..P+2, peers on P+3..P+5, proxy P+6, gateway P+7), or drop it for the default ports',
    });
  }
  const client = b === undefined ? [2379, 22379, 32379] : [b, b + 1, b + 2];
  const peer = b === undefined ? [12380, 22380, 32380] : [b + 3, b + 4, b + 5];
  const scheme = opts.tls === undefined || opts.tls === 'none' ? 'http' : 'https';
  const member = (i: number): MemberDecl => ({
    name: `infra${i + 1}`,
    listenPeerUrls: [`${scheme}://127.0.0.1:${peer[i]}`], initialAdvertisePeerUrls: [`${scheme}://127.0.0.1:${peer[i]}`],
    listenClientUrls: [`${scheme}://127.0.0.1:${client[i]}`], advertiseClientUrls: [`${scheme}://127.0.0.1:${client[i]}`],
    dataDir: undefined, extraFlags: {},
  });
  const edge = opts.withEdge !== false;
  const hosts: HostDecl[] = [0, 1, 2].map((i) => ({
    name: i === 0 ? 'local' : `local-${i + 1}`, addresses: ['127.0.0.1'], role: 'member' as const, member: member(i), standby: undefined,
    proxy: i === 0 && edge ? { 'listen-client-urls': `http://127.0.0.1:${b === undefined ? 2378 : b + 6}` } : undefined,
    gateway: i === 0 && edge ? { 'listen-addr': `127.0.0.1:${b === undefined ? 23790 : b + 7}` } : undefined,
    tunnels: [],
  }));
  return Object.freeze({
    source: 'bundled layout', clusterToken: 'etcd-cluster-1', bootstrap: 'static', initialCluster: undefined,
    discovery: undefined, discoverySrv: undefined, discoverySrvName: undefined, tls: opts.tls ?? 'none', ca: undefined, hosts,
  });
}
