// Step 1 of promote, before anything changes: find the cluster (from --endpoints, or from the peers the proxy
// knows), see whether this member already exists (a second run), and refuse early when a member is down or a
// port is taken, since etcd's strict reconfiguration would refuse the add later anyway.
import { readFileSync } from 'node:fs';
import { EdgeError } from '../core/errors.js';
import { peerMembers } from '../etcd/index.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { MembershipApi } from './api.js';
import type { PromoteConfig } from './config.js';
import type { EtcdMember } from '../etcd/index.js';
import { proxyPaths } from './local-proxy.js';
import type { ProxyRecord } from './local-proxy.js';
import { promoteSupervisor, readMemberPid } from './pidfile.js';
import { probeListen } from '../host/index.js';

/** What step 1 found. */
export type Preflight =
  | { readonly kind: 'already'; readonly member: EtcdMember; readonly how: string }
  | { readonly kind: 'restart'; readonly member: EtcdMember; readonly members: readonly EtcdMember[] }
  | { readonly kind: 'join'; readonly members: readonly EtcdMember[]; readonly pending?: EtcdMember };

const sameUrls = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().every((u, i) => u === [...b].sort()[i]);

const norm = (u: string): string => u.replace(/\/$/, '');

/** Reads the proxy's cluster file and asks those peers for the members' client URLs. */
export async function endpointsFromProxyState(dataDir: string, tls: ClientTlsOptions | undefined): Promise<string[]> {
  const file = proxyPaths(dataDir).cluster;
  let peers: string[];
  try {
    peers = ((JSON.parse(readFileSync(file, 'utf8')) as { PeerURLs?: string[] }).PeerURLs ?? []).filter((u) => typeof u === 'string');
  } catch {
    peers = [];
  }
  if (peers.length === 0) {
    throw new EdgeError('EDGE_NO_ENDPOINTS', `no --endpoints and no peers in ${JSON.stringify(file)}`, {
      hint: 'pass --endpoints with client URLs of the members, or --data-dir with the proxy\'s data dir',
    });
  }
  const members = await peerMembers(peers, tls ? { tls } : {});
  return members.filter((m) => m.name !== '').flatMap((m) => m.clientURLs);
}

/** Client URLs of started members, minus the ones that are this host's proxy (it is about to stop). */
export function memberEndpoints(members: readonly EtcdMember[], proxy: ProxyRecord | undefined, skipId?: string): string[] {
  const own = new Set((proxy?.listenUrls ?? []).map(norm));
  return members.filter((m) => m.name !== '' && m.id !== skipId).flatMap((m) => m.clientURLs.map(norm)).filter((u) => !own.has(u));
}

/** Names each member that is unstarted or does not answer /health. */
export async function unhealthyMembers(api: MembershipApi, members: readonly EtcdMember[], skipId?: string): Promise<string[]> {
  const checks = members.filter((m) => m.id !== skipId).map(async (m) => {
    if (m.name === '') return `member ${m.id} (${m.peerURLs.join(',')}) was added but never started`;
    for (const u of m.clientURLs) if (await api.healthy(u)) return undefined;
    return `member ${JSON.stringify(m.name)} (${m.id}) is not healthy at ${m.clientURLs.join(',') || 'no client URL'}`;
  });
  return (await Promise.all(checks)).filter((x): x is string => x !== undefined);
}

async function isBusy(host: string, port: number): Promise<boolean> {
  return (await probeListen(host, port))?.code === 'EADDRINUSE';
}

/** Fails with EDGE_LISTEN_FAILED when a URL the member binds is taken by something other than the proxy. */
export async function checkPorts(urls: readonly string[], proxy: ProxyRecord | undefined): Promise<void> {
  const proxyPorts = new Set((proxy?.listenUrls ?? []).map((u) => new URL(u).port));
  for (const raw of urls) {
    const u = new URL(raw);
    if (proxyPorts.has(u.port)) continue;
    if (await isBusy(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port))) {
      throw new EdgeError('EDGE_LISTEN_FAILED', `the new member cannot listen on ${u.host}: address already in use`, {
        hint: 'stop what holds the port, or choose other --peer-urls/--client-urls',
      });
    }
  }
}


/** Classifies the cluster against the requested member (first run, second run, interrupted run). */
export async function classify(cfg: PromoteConfig, api: MembershipApi, members: readonly EtcdMember[], initialized: boolean): Promise<Preflight> {
  const byUrl = members.find((m) => sameUrls(m.peerURLs, cfg.peerUrls));
  const byName = members.find((m) => m.name === cfg.name);
  if (byName && byName !== byUrl) {
    throw new EdgeError('EDGE_MEMBERSHIP', `the cluster already has a member named ${JSON.stringify(cfg.name)} (${byName.id}) with peer URLs ${byName.peerURLs.join(',')}`, {
      hint: 'choose another --name, or demote/remove that member first',
    });
  }
  const clash = members.find((m) => m !== byUrl && m.peerURLs.some((u) => cfg.peerUrls.includes(u)));
  if (clash || (byUrl && byUrl.name !== '' && byUrl.name !== cfg.name)) {
    const m = clash ?? byUrl;
    throw new EdgeError('EDGE_MEMBERSHIP', `peer URLs ${cfg.peerUrls.join(',')} belong to member ${JSON.stringify(m?.name ?? '')} (${m?.id ?? ''})`, {
      hint: 'choose other --peer-urls, or remove that member first',
    });
  }
  if (!byUrl) return { kind: 'join', members };
  if (byUrl.name === '') return { kind: 'join', members, pending: byUrl };
  const sup = promoteSupervisor(readMemberPid(cfg.pidFile));
  if (sup !== undefined) return { kind: 'already', member: byUrl, how: `supervised by etcd-edge promote, pid ${sup}` };
  for (const u of byUrl.clientURLs) if (await api.healthy(u)) return { kind: 'already', member: byUrl, how: `healthy at ${u}` };
  if (initialized) return { kind: 'restart', member: byUrl, members };
  throw new EdgeError('EDGE_MEMBERSHIP', `member ${JSON.stringify(cfg.name)} (${byUrl.id}) is in the cluster but down, and ${cfg.memberDataDir} holds no data`, {
    hint: `remove it (etcd-edge member remove ${byUrl.id}) and run promote again`,
  });
}
