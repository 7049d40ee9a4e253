// Which hosts of a topology this process runs, the member configs for them, and a bind check of every
// address they will listen on, so a busy port fails before any member starts.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { isLoopbackHost, parseEtcdUrl, parseHostPort, urlHost } from '../core/net.js';
import { memberFlags, toArgv } from './args.js';
import type { MemberTls } from '../core/edge.js';
import type { ClusterMemberConfig } from './cluster.js';
import type { EtcdBinary } from '../etcd/index.js';
import type { HostDecl, Topology } from './topology.js';
import { isMultiMachine } from './validate.js';
import { dataDirLayout, probeListen } from '../host/index.js';

/** Picks the hosts to run: the named one, or all of a single-machine topology. */
export function selectHosts(t: Topology, host: string | undefined): HostDecl[] {
  if (host !== undefined) {
    const h = t.hosts.find((x) => x.name === host);
    if (!h) {
      throw new EdgeError('EDGE_USAGE', `host ${JSON.stringify(host)} is not in ${t.source}`, { hint: `pass --host with one of: ${t.hosts.map((x) => x.name).join(', ')}` });
    }
    return [h];
  }
  if (isMultiMachine(t)) {
    throw new EdgeError('EDGE_USAGE', `${t.source} spans several machines; say which one this is`, {
      hint: `run etcd-edge up -f ${t.source} --host NAME on each machine, NAME one of: ${t.hosts.map((x) => x.name).join(', ')} (etcd-edge plan shows the commands)`,
    });
  }
  return [...t.hosts];
}


/** Builds the cluster member configs for the selected hosts. */
export function memberConfigs(t: Topology, hosts: readonly HostDecl[], opts: {
  stateDir: string; etcd: EtcdBinary; tls?: (name: string) => MemberTls | undefined;
}): ClusterMemberConfig[] {
  return hosts.flatMap((h) => (h.member ? [h.member] : [])).map((m) => {
    const layout = dataDirLayout(path.resolve(opts.stateDir));
    const dataDir = layout.memberDataDir(m.name, m.dataDir);
    const first = parseEtcdUrl(m.listenClientUrls[0] ?? '', 'listen-client-urls');
    const host = urlHost(first);
    const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : first.hostname;
    const tls = opts.tls?.(m.name);
    return {
      name: m.name, dataDir,
      logFile: layout.memberLog(m.name),
      healthUrl: `${first.protocol}//${reach}:${first.port}`,
      argsFor: (initialized: boolean) => toArgv(memberFlags({ topology: t, member: m, etcd: opts.etcd, dataDir, initialized, ...(tls ? { tls } : {}) })),
    };
  });
}

/** Every address:port the selected hosts bind, with what binds it. */
export function listenAddresses(hosts: readonly HostDecl[]): { host: string; port: number; what: string; flag: string }[] {
  const out: { host: string; port: number; what: string; flag: string }[] = [];
  for (const h of hosts) {
    for (const u of [...(h.member?.listenClientUrls ?? []), ...(h.member?.listenPeerUrls ?? [])]) {
      const x = new URL(u);
      out.push({ host: urlHost(x), port: Number(x.port), what: `member ${h.member?.name ?? ''}`, flag: 'the listen URLs in the topology (or --base-port)' });
    }
    const pl = h.proxy?.['listen-client-urls'];
    for (const u of typeof pl === 'string' ? pl.split(',') : []) {
      const x = new URL(u.trim());
      out.push({ host: urlHost(x), port: Number(x.port), what: 'proxy', flag: 'proxy.listen-client-urls' });
    }
    const gl = h.gateway?.['listen-addr'];
    if (typeof gl === 'string') out.push({ ...parseHostPort(gl, 'gateway.listen-addr'), what: 'gateway', flag: 'gateway.listen-addr' });
  }
  return out;
}

/** Binds and releases each address, failing with EDGE_LISTEN_FAILED for the first one in use. */
export async function checkFree(addrs: readonly { host: string; port: number; what: string; flag: string }[]): Promise<void> {
  for (const a of addrs) {
    const host = a.host === 'localhost' ? '127.0.0.1' : a.host;
    const err = await probeListen(host, a.port);
    if (err) {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : err.message;
      throw new EdgeError('EDGE_LISTEN_FAILED', `${a.what} cannot listen on ${host}:${a.port}: ${why}`, {
        hint: err.code === 'EADDRINUSE'
          ? `another process holds the port (a running etcd-edge up, or Debian's etcd service: systemctl stop etcd); or change ${a.flag}`
          : isLoopbackHost(host) ? 'check the loopback interface' : `this host has no ${host}: pass --host with the right host name`,
      });
    }
  }
}
