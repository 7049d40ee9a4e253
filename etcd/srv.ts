// DNS SRV lookups for etcd's discovery records (pkg/srv/srv.go, embed/config.go GetDNSClusterNames): the -ssl
// record gives https URLs, the plain one http URLs, each optionally suffixed with -<discovery-srv-name>.
import { Resolver } from 'node:dns/promises';
import { EdgeError } from '../core/errors.js';

/** What to look up. */
export interface SrvLookupOptions {
  readonly domain: string;
  /** The --discovery-srv-name suffix. */
  readonly name?: string;
  /** server: peer records (member bootstrap); client: client records (gateway, etcdctl). */
  readonly kind: 'server' | 'client';
  /** A DNS server as `ip`, `ip:port` or `[v6]:port`; the system resolver when absent. */
  readonly dnsServer?: string;
  readonly timeoutMs?: number;
}

/** One SRV target turned into a URL. */
export interface SrvTarget {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
  readonly scheme: 'http' | 'https';
}

/** The targets of every record that answered, and one line per query that failed. */
export interface SrvLookupResult {
  readonly targets: SrvTarget[];
  readonly errors: string[];
}

/** Returns the two record names etcd queries, -ssl (https) first. */
export function srvRecordNames(opts: Pick<SrvLookupOptions, 'domain' | 'name' | 'kind'>): { name: string; scheme: 'http' | 'https' }[] {
  const suffix = opts.name ? `-${opts.name}` : '';
  const domain = opts.domain.replace(/\.$/, '');
  return [
    { name: `_etcd-${opts.kind}-ssl${suffix}._tcp.${domain}`, scheme: 'https' },
    { name: `_etcd-${opts.kind}${suffix}._tcp.${domain}`, scheme: 'http' },
  ];
}

/** Looks up `_etcd-{server|client}-ssl[-name]._tcp.<domain>` and `_etcd-{server|client}[-name]._tcp.<domain>`. */
export async function lookupSrv(opts: SrvLookupOptions): Promise<SrvLookupResult> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  // c-ares doubles the timeout on the retry, so two tries of t/3 fit in timeoutMs.
  const resolver = new Resolver({ timeout: Math.max(100, Math.floor(timeoutMs / 3)), tries: 2 });
  if (opts.dnsServer !== undefined) {
    try {
      resolver.setServers([opts.dnsServer]);
    } catch (cause) {
      throw new EdgeError('EDGE_DNS', `invalid DNS server ${JSON.stringify(opts.dnsServer)}`, { hint: 'write it as an IP, ip:port or [v6]:port', cause });
    }
  }
  const targets: SrvTarget[] = [];
  const errors: string[] = [];
  const names = srvRecordNames(opts);
  const answers = await Promise.allSettled(names.map((n) => resolver.resolveSrv(n.name)));
  answers.forEach((a, i) => {
    const n = names[i] as { name: string; scheme: 'http' | 'https' };
    if (a.status === 'rejected') {
      const e = a.reason as NodeJS.ErrnoException;
      errors.push(`${n.name}: ${e.code ?? e.message}`);
      return;
    }
    for (const r of a.value) {
      const host = r.name.replace(/\.$/, '');
      const h = host.includes(':') ? `[${host}]` : host;
      targets.push({ url: `${n.scheme}://${h}:${r.port}`, host, port: r.port, priority: r.priority, weight: r.weight, scheme: n.scheme });
    }
  });
  return { targets, errors };
}
