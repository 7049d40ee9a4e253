// Before members bootstrap through a discovery token: find the ones the token has no room for and turn them
// into etcd-edge proxies for that cluster (--discovery-fallback proxy) or refuse (exit), before etcd runs.
// etcd's own fallback creates member/ first and then proxy/, and the next restart dies (etcd-behavior §3.3).
import { getDiscoveryCluster } from '../etcd/index.js';
import { EdgeError } from '../core/errors.js';
import { dataDirState } from '../host/index.js';
import type { HostDecl, Topology } from './topology.js';

/** What to do with a node the token has no room for, as etcd's --discovery-fallback. */
export type DiscoveryFallback = 'proxy' | 'exit';

/** The hosts to run after the check, and what to tell the user. */
export interface DiscoveryJoin {
  readonly hosts: HostDecl[];
  readonly notes: string[];
}

/** Checks each fresh member of the selected hosts against the token and rewrites the hosts that must fall back. */
export async function checkDiscoveryJoin(t: Topology, hosts: readonly HostDecl[], opts: {
  readonly fallback: DiscoveryFallback; readonly dataDirOf: (name: string) => string; readonly signal?: AbortSignal;
}): Promise<DiscoveryJoin> {
  const url = t.discovery;
  if (t.bootstrap !== 'discovery' || url === undefined) return { hosts: [...hosts], notes: [] };
  const notes: string[] = [];
  const out: HostDecl[] = [];
  let cluster: Awaited<ReturnType<typeof getDiscoveryCluster>> | undefined;
  for (const h of hosts) {
    const m = h.member;
    if (!m) { out.push(h); continue; }
    if (dataDirState(opts.dataDirOf(m.name)) === 'initialized') {
      notes.push(`member ${m.name}: data dir already initialized; the discovery token is ignored`);
      out.push(h);
      continue;
    }
    cluster ??= await getDiscoveryCluster(url, { timeoutMs: 5000, ...(opts.signal ? { signal: opts.signal } : {}) });
    const peers = [...m.initialAdvertisePeerUrls].sort().join(',');
    const self = cluster.members.find((x) => [...x.peerURLs].sort().join(',') === peers);
    const sameName = cluster.members.find((x) => x.name === m.name && x !== self);
    if (sameName) {
      throw new EdgeError('EDGE_DISCOVERY', `member name ${JSON.stringify(m.name)} is already registered with ${JSON.stringify(url)} by ${JSON.stringify(sameName.peerURLs.join(','))}`, {
        hint: 'give every member a unique name; a token that saw a wrong registration cannot be reused: create a new one with etcd-edge discovery new',
      });
    }
    if (self || cluster.members.length < cluster.size) { out.push(h); continue; }
    if (opts.fallback === 'exit') {
      throw new EdgeError('EDGE_DISCOVERY', `discovery cluster ${JSON.stringify(url)} is full (${cluster.size} members) and ${JSON.stringify(m.name)} is not one of them`, {
        hint: 'use --discovery-fallback proxy to run a proxy here instead, or create a token with a larger size',
      });
    }
    notes.push(`member ${m.name}: the discovery cluster is full (${cluster.size} members); running an etcd-edge proxy on its client URLs instead (data dir left untouched)`);
    out.push({ ...h, member: undefined, proxy: { 'listen-client-urls': m.listenClientUrls.join(','), discovery: url, ...h.proxy } });
  }
  return { hosts: out, notes };
}
