// Opens connections to members: TCP for http members, TLS with the proxy's upstream settings and an ALPN
// protocol for https ones (SNI only for names). The HTTP/1.1 pool and the gRPC frame relay (ALPN h2, bounded by
// the dial timeout) both dial through here.
import net from 'node:net';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import { isIp, urlHost } from '../core/net.js';
import type { ClientTlsOptions } from '../core/tls.js';

// node:tls (and with it OpenSSL) is loaded for the first https member only.
const tls = (): typeof import('node:tls') => createRequire(import.meta.url)('node:tls') as typeof import('node:tls');

/** Starts a connection to a member at host:port: plain TCP without tls, else TLS offering alpn. */
export function memberSocket(host: string, port: number, tlsOpts: ClientTlsOptions | undefined, alpn: string): Socket {
  return tlsOpts !== undefined
    ? tls().connect({ host, port, ...tlsOpts, ALPNProtocols: [alpn], ...(isIp(host) ? {} : { servername: host }) })
    : net.connect({ host, port });
}

/** Connects to url; done gets the connected socket, or the error (the socket is then destroyed). */
export function dialMember(url: string, opts: { readonly tls: ClientTlsOptions | undefined; readonly timeoutMs: number },
  done: (err: Error | undefined, socket?: Socket) => void): void {
  const u = new URL(url);
  const host = urlHost(u);
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  let finished = false;
  const s = memberSocket(host, port, https ? opts.tls ?? { rejectUnauthorized: true } : undefined, 'h2');
  const end = (err: Error | undefined): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    s.removeListener('error', end);
    if (err !== undefined) { s.destroy(); done(err); } else { s.setNoDelay(true); done(undefined, s); }
  };
  const timer = setTimeout(() => end(Object.assign(new Error(`dial timeout after ${opts.timeoutMs}ms`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
  s.once('error', end);
  if (https) {
    s.once('secureConnect', () => end((s as import('node:tls').TLSSocket).alpnProtocol === 'h2' ? undefined : new Error(`member ${url} did not negotiate h2 (ALPN)`)));
  } else {
    s.once('connect', () => end(undefined));
  }
}
