// How `up` starts the edge components a topology declares without importing them: bin/ hands in one factory
// per kind, each built on that component's own flag parser, so a topology's proxy: section means exactly what
// the same flags mean to `etcd-edge proxy`.
import { EdgeError } from '../core/errors.js';
import type { EdgeFactory } from '../core/edge.js';
import type { ClientTlsFiles } from '../core/tls.js';
import type { HostDecl, Topology } from './topology.js';
import { initialClusterOf, membersOf } from './validate.js';

export type { EdgeComponent, EdgeContext, EdgeFactory } from '../core/edge.js';

/** The kinds of edge section a host may have. */
export type EdgeKind = 'proxy' | 'gateway' | 'tunnel';

/** The factories bin/ provides. */
export type EdgeFactories = Partial<Readonly<Record<EdgeKind, EdgeFactory>>>;

/** Client-side TLS the edge needs toward TLS members (filled in by `up --tls`). */
export interface EdgeTlsDefaults {
  /** Proxy flags for reaching the members (peer-cert-file …). */
  readonly peer?: Readonly<Record<string, string>>;
  /** Our client material, for the gateway's control-plane calls (auto-sync). */
  readonly client?: ClientTlsFiles;
  /** Proxy flags for serving https as the members do (cert-file, key-file, and for self-signed client-cert-auth). */
  readonly server?: Readonly<Record<string, string>>;
}

const INSECURE_LISTENER = 'insecure-unauthenticated-listener';

/**
 * Makes a proxy section follow the cluster's TLS: its http:// listen URLs become https:// served with the
 * server flags, unless the section opts out explicitly (a loopback-only listener the proxy itself then checks).
 */
function secureProxy(out: Record<string, unknown>, server: Readonly<Record<string, string>>): void {
  if (out[INSECURE_LISTENER] === true || out[INSECURE_LISTENER] === 'true') return;
  const raw = out['listen-client-urls'];
  // An absent key means the proxy's default listener (http://127.0.0.1:2379), secured the same way.
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : ['http://127.0.0.1:2379'];
  out['listen-client-urls'] = list.map((u) => u.trim().replace(/^http:\/\//i, 'https://')).join(',');
  for (const [k, v] of Object.entries(server)) out[k] ??= v;
}

/** Fills what a section may leave out from the topology: a proxy's peers and state dir, a gateway's endpoints. */
export function withDefaults(kind: EdgeKind, flags: Readonly<Record<string, unknown>>, t: Topology, stateDir: string, tls?: EdgeTlsDefaults): Record<string, unknown> {
  const out: Record<string, unknown> = { ...flags };
  const hasSource = (...keys: string[]): boolean => keys.some((k) => out[k] !== undefined);
  if (kind === 'proxy') {
    if (!hasSource('initial-cluster', 'discovery', 'discovery-srv')) {
      if (t.bootstrap === 'discovery' && t.discovery) out.discovery = t.discovery;
      else if (t.bootstrap === 'dns' && t.discoverySrv) out['discovery-srv'] = t.discoverySrv;
      else out['initial-cluster'] = initialClusterOf(t);
    }
    out['data-dir'] ??= stateDir;
    for (const [k, v] of Object.entries(tls?.peer ?? {})) out[k] ??= v;
    if (tls?.server) secureProxy(out, tls.server);
  }
  if (kind === 'gateway' && !hasSource('endpoints', 'discovery', 'discovery-srv')) {
    out.endpoints = membersOf(t).flatMap((m) => m.advertiseClientUrls).join(',');
  }
  if (kind === 'gateway' && tls?.client) {
    // The gateway passes TLS through untouched; these only serve its own member-list calls.
    const c = tls.client;
    if (c.caFile) out['trusted-ca-file'] ??= c.caFile;
    if (c.certFile) out['cert-file'] ??= c.certFile;
    if (c.keyFile) out['key-file'] ??= c.keyFile;
    if (c.insecureSkipVerify) out['insecure-skip-tls-verify'] ??= true;
  }
  return out;
}

/** Returns the factory for a kind, or an error saying this build lacks it. */
export function factoryFor(f: EdgeFactories, kind: EdgeKind, host: HostDecl): EdgeFactory {
  const x = f[kind];
  if (!x) {
    throw new EdgeError('EDGE_TOPOLOGY_INVALID', `host ${JSON.stringify(host.name)} declares a ${kind}, which this command cannot start`, {
      hint: `start it with etcd-edge ${kind}`,
    });
  }
  return x;
}
