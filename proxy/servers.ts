// The proxy's listeners: one http(s) server per --listen-client-urls entry (client timeouts, malformed requests
// answered 400 without disturbing others, graceful drain on close). The metrics listener is core's.
import http from 'node:http';
import type https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { drainAccepts } from '../core/accept-drain.js';
import { acceptAddon } from '../core/native-addon.js';
import { listen } from '../core/net.js';
import type { Logger } from '../core/log.js';
import { readPem } from '../core/tls.js';
import { rejectConnect } from './answers.js';
import type { ListenUrl, ProxyConfig } from './config.js';
import type { ConnectionCap } from '../core/conn-cap.js';
import { chooseAlpn } from './h2.js';
import type { H2Front } from './h2.js';
import type { ProxyMetrics } from './metrics.js';
import type { NativeFront } from './native-front.js';

/** node:http's idle limit between two requests of a connection; the native front applies the same. */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;

/** Bound servers with their addresses and a draining close. */
export interface Bound {
  readonly addresses: AddressInfo[];
  readonly urls: string[];
  /** Stops accepting, lets open requests finish for up to drainMs, then cuts the remaining connections. */
  close(drainMs: number): Promise<void>;
}

function urlOf(l: ListenUrl, a: AddressInfo): string {
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${l.tls ? 'https' : 'http'}://${host}:${a.port}`;
}

function onClientError(metrics: ProxyMetrics, h2: H2Front | undefined) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (h2?.claim(err, socket)) return;
    if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    metrics.dropped('OTHER', 'bad_request');
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
}

// node:https is imported only when a listener serves TLS.
type HttpsModule = typeof https;

function makeServer(cfg: ProxyConfig, l: ListenUrl, handler: http.RequestListener, tlsMod: HttpsModule | undefined): http.Server {
  const opts: http.ServerOptions = {
    // Bounds slow clients: the whole request must arrive within the client timeout (checked 4 times as often).
    requestTimeout: cfg.clientTimeoutMs, headersTimeout: cfg.clientTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(cfg.clientTimeoutMs / 4))),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, noDelay: true,
  };
  const server = !l.tls || !cfg.serverTls || !tlsMod ? http.createServer(opts, handler) : makeTlsServer(tlsMod, cfg.serverTls, opts, handler);
  // Idle limit of a connection from accept on, so one that never sends a byte is cut too; the handler lifts it for
  // watches, and node:http swaps it for keepAliveTimeout between requests.
  server.timeout = cfg.clientTimeoutMs;
  return server;
}

function makeTlsServer(tlsMod: HttpsModule, t: NonNullable<ProxyConfig['serverTls']>, opts: http.ServerOptions, handler: http.RequestListener): https.Server {
  return tlsMod.createServer({
    ...opts, cert: readPem(t.certFile, 'certificate'), key: readPem(t.keyFile, 'key'), ALPNCallback: ({ protocols }) => chooseAlpn(protocols),
    ...(t.trustedCaFile ? { ca: readPem(t.trustedCaFile, 'CA file') } : {}),
    requestCert: t.clientCertAuth, rejectUnauthorized: t.clientCertAuth,
  }, handler);
}

async function bindServers(servers: readonly http.Server[], listenUrls: readonly ListenUrl[], flag: string,
  fronts: ReadonlyArray<NativeFront | undefined>): Promise<Bound> {
  const addresses: AddressInfo[] = [];
  const listening: http.Server[] = [];
  const started: NativeFront[] = [];
  const closeAll = async (drainMs: number): Promise<void> => {
    const done = Promise.all(listening.map((s) => new Promise<void>((r) => s.close(() => r()))));
    const poll = setInterval(() => listening.forEach((s) => s.closeIdleConnections()), 50);
    listening.forEach((s) => s.closeIdleConnections());
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.all([done, ...started.map((f) => f.close(drainMs))]);
    await Promise.race([drained, new Promise<void>((r) => { timer = setTimeout(r, drainMs); })]);
    clearTimeout(timer);
    clearInterval(poll);
    listening.forEach((s) => s.closeAllConnections());
    await drained;
  };
  try {
    for (const [i, s] of servers.entries()) {
      const l = listenUrls[i] as ListenUrl;
      const front = fronts[i];
      if (front === undefined) {
        addresses.push(await listen(s, { host: l.host, port: l.port }, flag));
      } else {
        // The front owns the socket; node:http serves what it hands off. Its connection tracking (request
        // timeouts, closeIdleConnections) starts on 'listening', which its own listen() would have emitted.
        addresses.push(await front.listen({ host: l.host, port: l.port }, flag, s));
        started.push(front);
        s.emit('listening');
      }
      listening.push(s);
    }
  } catch (err) {
    await closeAll(0);
    throw err;
  }
  return { addresses, urls: addresses.map((a, i) => urlOf(listenUrls[i] as ListenUrl, a)), close: closeAll };
}

/** Creates and binds the client listeners; with h2, each also serves HTTP/2 (h2c on http, ALPN h2 on https). */
export async function bindAll(cfg: ProxyConfig, handler: (req: IncomingMessage, res: ServerResponse) => void,
  metrics: ProxyMetrics, log: Logger, front: {
    readonly cap?: ConnectionCap | undefined; readonly h2?: H2Front | undefined;
    /** The native front of a plain-http listener, or undefined: node:http listens itself. */
    readonly native?: ((l: ListenUrl) => NativeFront | undefined) | undefined;
  } = {}): Promise<Bound> {
  const tlsMod = cfg.serverTls && cfg.listen.some((l) => l.tls) ? (await import('node:https')).default : undefined;
  const servers = cfg.listen.map((l) => {
    const s = makeServer(cfg, l, handler, tlsMod);
    front.h2?.attach(s, l.tls && cfg.serverTls !== undefined);
    // The cap's listener is prepended, so it sees every raw connection, h2 or not, first.
    front.cap?.attach(s);
    drainAccepts(s, acceptAddon()); // prepended after the cap: a burst is taken in one turn, and each passes the cap
    s.on('clientError', onClientError(metrics, front.h2));
    s.on('connect', (req: IncomingMessage, socket: Duplex) => { metrics.dropped('CONNECT', 'method_not_allowed'); rejectConnect(req, socket); });
    s.on('tlsClientError', (err: Error) => log.debug({ error: err.message }, 'client TLS handshake failed'));
    return s;
  });
  return bindServers(servers, cfg.listen, '--listen-client-urls', cfg.listen.map((l) => (l.tls ? undefined : front.native?.(l))));
}
