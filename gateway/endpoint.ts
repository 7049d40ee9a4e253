// One endpoint the gateway dials: host and port (etcd strips the scheme, etcdmain/gateway.go stripSchema), the
// scheme when one was given (our control-plane calls need it), and SRV priority/weight (0/0 for --endpoints).
import { EdgeError } from '../core/errors.js';
import { formatHostPort, parseHostPort } from '../core/net.js';

/** An endpoint to dial; `key` (`host:port`, IPv6 bracketed) identifies it. */
export interface Endpoint {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly scheme: 'http' | 'https' | undefined;
  readonly priority: number;
  readonly weight: number;
}

/** Parses `host:port`, `[v6]:port` or `scheme://host:port`; throws EDGE_CONFIG_INVALID naming `what`. */
export function parseEndpoint(raw: string, what: string, srv: { priority: number; weight: number } = { priority: 0, weight: 0 }): Endpoint {
  const s = raw.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  const scheme = m?.[1]?.toLowerCase();
  let hp;
  try {
    hp = parseHostPort(s, what);
  } catch {
    throw new EdgeError('EDGE_CONFIG_INVALID', `error parsing endpoint ${JSON.stringify(raw)} in ${what}`, {
      hint: 'write endpoints as host:port, [v6]:port or http(s)://host:port; the port is required',
    });
  }
  return {
    key: formatHostPort(hp), host: hp.host, port: hp.port,
    scheme: scheme === 'http' || scheme === 'https' ? scheme : undefined,
    priority: srv.priority, weight: srv.weight,
  };
}

/**
 * Returns the URLs to try for a control-plane call to an endpoint: its own scheme; without one, plain http when the
 * gateway has no TLS settings (a failed sync then names the http URL), and https first, then http, when it has.
 */
export function controlUrls(ep: Endpoint, hasTls: boolean): string[] {
  if (ep.scheme) return [`${ep.scheme}://${ep.key}`];
  return hasTls ? [`https://${ep.key}`, `http://${ep.key}`] : [`http://${ep.key}`];
}

/** Lists endpoint keys, for logs. */
export function keysOf(eps: readonly Endpoint[]): string[] {
  return eps.map((e) => e.key);
}
