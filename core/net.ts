// Addresses and listeners: host:port and URL parsing with etcd's rules (listen hosts must be IPs; schemes are
// stripped the way etcd's stripSchema does), and a listen() that turns bind errors into EdgeErrors with a hint.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EdgeError } from './errors.js';

/** A host and port; host keeps IPv6 without brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` or `[v6]:port` (a scheme is stripped first); throws EDGE_CONFIG_INVALID naming the flag. */
export function parseHostPort(value: string, what: string): HostPort {
  const s = stripScheme(value.trim());
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]]*):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port > 0 && port < 65536)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid address ${JSON.stringify(value)} for ${what}`, {
      hint: 'write it as host:port, for example 127.0.0.1:2379 or [::1]:2379',
    });
  }
  return { host: m[1], port };
}

/** Removes a leading scheme and any path, as etcd's stripSchema does for gateway endpoints. */
export function stripScheme(s: string): string {
  return s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}

/** Formats a host and port, bracketing IPv6. */
export function formatHostPort(hp: HostPort): string {
  return net.isIPv6(hp.host) ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/** Parses an http(s) URL with an explicit port; throws EDGE_CONFIG_INVALID naming where it came from. */
export function parseEtcdUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `malformed URL ${JSON.stringify(value)} in ${what}`, {
      hint: 'write URLs as scheme://host:port, for example http://10.0.1.10:2380', cause,
    });
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '' || u.port === '' || (u.pathname !== '/' && u.pathname !== '')) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `malformed URL ${JSON.stringify(value)} in ${what}`, {
      hint: 'write URLs as http://host:port or https://host:port, with an explicit port and no path',
    });
  }
  return u;
}

/** Returns a URL's host without IPv6 brackets. */
export function urlHost(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, '');
}

/** Tells whether a host is an IP literal (v4 or v6). */
export function isIp(host: string): boolean {
  return net.isIP(host) !== 0;
}

/** Tells whether a host names the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The accept queue asked of the kernel, which caps it at net.core.somaxconn (4096 on current kernels), as Go's
 * listeners do. Node's default, 511, overflows when a thousand clients connect at once: the dropped SYNs are
 * retried after 1 s and 3 s, which is then the latency of those requests.
 */
export const LISTEN_BACKLOG = 65_535;

/** The EDGE_LISTEN_FAILED error, with a hint, for a failed bind of addr (given by flag). */
export function listenError(err: { code?: string | undefined; message: string }, addr: HostPort, flag: string): EdgeError {
  const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL'
    ? 'address not available on this machine' : err.code === 'EACCES' ? 'permission denied' : err.message;
  return new EdgeError('EDGE_LISTEN_FAILED', `listen ${JSON.stringify(formatHostPort(addr))}: ${why}`, {
    hint: err.code === 'EADDRINUSE' ? `stop what uses that port or pass ${flag} with a free one`
      : `pass ${flag} with an address of this machine`,
    cause: err,
  });
}

/** Listens on host:port and resolves with the bound address, or rejects with EDGE_LISTEN_FAILED and a hint. */
export function listen(server: net.Server, addr: HostPort, flag: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(err, addr, flag));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: addr.host, port: addr.port, backlog: LISTEN_BACKLOG });
  });
}

/** Parses --listen-metrics-urls values: http://host:port only (etcd also takes https; we serve no TLS here). */
export function parseMetricsUrls(values: readonly string[], flag = '--listen-metrics-urls'): HostPort[] {
  return values.filter((v) => v !== '').map((raw) => {
    let u: URL;
    try { u = new URL(raw); } catch (cause) {
      throw new EdgeError('EDGE_CONFIG_INVALID', `malformed URL ${JSON.stringify(raw)} in ${flag}`, { hint: 'write it as http://127.0.0.1:2381', cause });
    }
    if (u.protocol !== 'http:' || u.port === '' || (u.pathname !== '/' && u.pathname !== '')) {
      throw new EdgeError('EDGE_CONFIG_INVALID', `unsupported URL ${JSON.stringify(raw)} in ${flag}`, { hint: 'write it as http://host:port (https is not served here)' });
    }
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
  });
}
