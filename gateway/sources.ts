// Where the endpoints come from: --endpoints, SRV records (etcdmain/util.go discoverEndpoints) or a discovery
// token. Unlike etcd, SRV discovery that yields nothing usable is an error naming what was found and why it was
// rejected; it never falls back to 127.0.0.1:2379.
import { EdgeError } from '../core/errors.js';
import type { DiscoveryClientOptions, DiscoveryCluster, EtcdMember, SrvLookupOptions, SrvLookupResult } from '../etcd/index.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { GatewayConfig } from './config.js';
import { parseEndpoint } from './endpoint.js';
import type { Endpoint } from './endpoint.js';

/** The network calls behind the sources, injectable for tests (etcd's GetProxyURLs seam). */
export interface SourceDeps {
  readonly lookupSrv: (opts: SrvLookupOptions) => Promise<SrvLookupResult>;
  readonly getDiscoveryCluster: (tokenUrl: string, opts: DiscoveryClientOptions) => Promise<DiscoveryCluster>;
  readonly peerMembers: (peerURLs: readonly string[], opts: { tls?: ClientTlsOptions; timeoutMs?: number; signal?: AbortSignal }) => Promise<EtcdMember[]>;
}

/** Resolves the configured source into endpoints; rejects with an EdgeError when it yields none. */
export type EndpointSource = (signal?: AbortSignal) => Promise<Endpoint[]>;

/** Reasons an advertised or discovered URL is turned down, by URL. */
export type Rejections = { url: string; reason: string }[];

/** Creates the source the config names. */
export function createEndpointSource(cfg: GatewayConfig, deps: SourceDeps, tls: () => ClientTlsOptions | undefined): EndpointSource {
  if (cfg.source === 'srv') return () => fromSrv(cfg, deps);
  if (cfg.source === 'discovery') return (signal) => fromDiscovery(cfg, deps, tls(), signal);
  return () => Promise.resolve([...cfg.endpoints]);
}

async function fromSrv(cfg: GatewayConfig, deps: SourceDeps): Promise<Endpoint[]> {
  const domain = cfg.discoverySrv ?? '';
  const r = await deps.lookupSrv({
    domain, kind: 'client', timeoutMs: cfg.requestTimeoutMs,
    ...(cfg.discoverySrvName ? { name: cfg.discoverySrvName } : {}), ...(cfg.dnsServer ? { dnsServer: cfg.dnsServer } : {}),
  });
  const rejected: Rejections = [];
  const out: Endpoint[] = [];
  for (const t of r.targets) {
    if (t.scheme === 'http' && !cfg.insecureDiscovery) {
      rejected.push({ url: t.url, reason: 'insecure: an http target (pass --insecure-discovery to accept it)' });
      continue;
    }
    try {
      out.push(parseEndpoint(t.url, `SRV records of ${JSON.stringify(domain)}`, { priority: t.priority, weight: t.weight }));
    } catch {
      rejected.push({ url: t.url, reason: 'not a host:port' });
    }
  }
  if (out.length > 0) return dedupe(out);
  const found = r.targets.length === 0 ? 'no SRV records' : `${r.targets.length} target(s), all rejected: ${describeRejections(rejected)}`;
  const errs = r.errors.length ? `; lookup errors: ${r.errors.join('; ')}` : '';
  throw new EdgeError('EDGE_DISCOVERY', `SRV discovery for ${JSON.stringify(domain)} found no usable endpoint: ${found}${errs}`, {
    hint: r.targets.length === 0
      ? `publish _etcd-client-ssl${cfg.discoverySrvName ? `-${cfg.discoverySrvName}` : ''}._tcp.${domain} (or _etcd-client…) records, or check --dns-server`
      : 'publish _etcd-client-ssl records for TLS members, or pass --insecure-discovery for http members',
  });
}

async function fromDiscovery(cfg: GatewayConfig, deps: SourceDeps, tls: ClientTlsOptions | undefined, signal?: AbortSignal): Promise<Endpoint[]> {
  const url = cfg.discovery ?? '';
  const opts = { timeoutMs: cfg.requestTimeoutMs, ...(tls ? { tls } : {}), ...(signal ? { signal } : {}) };
  const cluster = await deps.getDiscoveryCluster(url, opts);
  const peerURLs = cluster.members.flatMap((m) => m.peerURLs);
  if (peerURLs.length === 0) {
    throw new EdgeError('EDGE_DISCOVERY', `discovery token ${JSON.stringify(url)} has no registered member yet (size ${cluster.size})`, {
      hint: 'start the members first; the gateway reads their peer URLs from the token',
    });
  }
  // Peers are asked one at a time until one lists usable client URLs: a member that has just restarted can
  // answer /members before it knows the others' client URLs (unnamed members, empty lists).
  const rejected: Rejections = [];
  const errors: string[] = [];
  for (const peer of peerURLs) {
    try {
      const out = clientEndpoints(await deps.peerMembers([peer], opts), rejected);
      if (out.length > 0) return out;
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const why = [describeRejections(rejected) || 'none advertised', ...errors].join('; ');
  throw new EdgeError('EDGE_DISCOVERY', `the members of ${JSON.stringify(url)} advertise no usable client URL: ${why}`, {
    hint: 'check that the members are up and their --advertise-client-urls',
  });
}

/** Turns members' client URLs into endpoints, skipping learners and members not started yet (as clientv3 Sync does). */
export function clientEndpoints(members: readonly EtcdMember[], rejected: Rejections): Endpoint[] {
  const out: Endpoint[] = [];
  for (const m of members) {
    if (m.isLearner || m.name === '') continue;
    for (const url of m.clientURLs) {
      try {
        out.push(parseEndpoint(url, `client URLs of member ${JSON.stringify(m.name)}`));
      } catch {
        rejected.push({ url, reason: 'not a host:port URL' });
      }
    }
  }
  return dedupe(out);
}

/** Formats rejections as `url (reason), …`. */
export function describeRejections(r: Rejections): string {
  return r.map((x) => `${x.url} (${x.reason})`).join(', ');
}

function dedupe(eps: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return eps.filter((e) => (seen.has(e.key) ? false : (seen.add(e.key), true)));
}
