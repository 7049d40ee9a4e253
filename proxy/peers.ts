// Where the first peer URLs come from, in etcd's order (etcdmain/etcd.go startProxy): a persisted cluster file,
// then --discovery, then --discovery-srv, then --initial-cluster. Discovery and SRV sit behind injectable seams and
// are loaded only when used (a proxy started from --initial-cluster loads no DNS or discovery code).
import { EdgeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { PeerSourceConfig } from './config.js';
import { readClusterFile } from './state.js';

/** Reads a discovery token's registered members (etcd/discovery-client.ts getDiscoveryCluster). */
export type DiscoveryFn = (tokenUrl: string, opts: { tls?: ClientTlsOptions; timeoutMs?: number; signal?: AbortSignal; waitFull?: boolean })
=> Promise<{ size: number; members: { id: string; name: string; peerURLs: string[] }[] }>;

/** Looks up etcd SRV records (etcd/srv.ts lookupSrv). */
export type SrvFn = (opts: { domain: string; name?: string; kind: 'server' | 'client'; dnsServer?: string; timeoutMs?: number })
=> Promise<{ targets: { url: string }[]; errors: string[] }>;

/** The seams peer resolution uses. */
export interface PeerSourceDeps {
  readonly discovery?: DiscoveryFn;
  readonly lookupSrv?: SrvFn;
}

/** The peers found and which source gave them. */
export interface ResolvedPeers {
  readonly source: 'cluster-file' | 'discovery' | 'discovery-srv' | 'initial-cluster';
  readonly peers: readonly string[];
}

/** Resolves the initial peer URLs: the cluster file wins, then the configured source. */
export async function resolvePeers(opts: {
  source: PeerSourceConfig; clusterFile: string; tls?: ClientTlsOptions; signal?: AbortSignal; logger: Logger; deps?: PeerSourceDeps;
}): Promise<ResolvedPeers> {
  const saved = readClusterFile(opts.clusterFile);
  if (saved) {
    if (opts.source.kind !== 'initial-cluster') {
      opts.logger.warn({ ignored: opts.source.kind, clusterFile: opts.clusterFile }, 'bootstrap flags ignored since the proxy has already been initialized');
    }
    return { source: 'cluster-file', peers: saved };
  }
  const s = opts.source;
  if (s.kind === 'initial-cluster') return { source: 'initial-cluster', peers: s.peers };
  if (s.kind === 'discovery') {
    const discover = opts.deps?.discovery ?? (await import('../etcd/discovery-client.js')).getDiscoveryCluster;
    const c = await discover(s.url, { waitFull: true, ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    const peers = unique(c.members.flatMap((m) => m.peerURLs));
    if (peers.length === 0) throw new EdgeError('EDGE_DISCOVERY', `discovery token ${JSON.stringify(s.url)} lists no peers`, { hint: 'check the token' });
    return { source: 'discovery', peers };
  }
  const lookup = opts.deps?.lookupSrv ?? (await import('../etcd/srv.js')).lookupSrv;
  const r = await lookup({ domain: s.domain, kind: 'server', ...(s.name ? { name: s.name } : {}), ...(s.dnsServer ? { dnsServer: s.dnsServer } : {}) });
  const peers = unique(r.targets.map((t) => t.url));
  if (peers.length === 0) {
    throw new EdgeError('EDGE_DNS', `no SRV records for the peers of ${JSON.stringify(s.domain)}: ${r.errors.join('; ')}`, {
      hint: `publish _etcd-server-ssl._tcp.${s.domain} or _etcd-server._tcp.${s.domain}, or pass --initial-cluster`,
    });
  }
  return { source: 'discovery-srv', peers };
}

function unique(urls: readonly string[]): string[] {
  return [...new Set(urls.map((u) => u.replace(/\/$/, '')))];
}
