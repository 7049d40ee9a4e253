// The proxy's listeners: one http(s) server per --listen-client-urls entry (client timeouts, malformed requests
// answered 400 without disturbing others, graceful drain on close). The metrics listener is core's.
import { closeSync } from 'node:fs';
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
import { createNativeFront, handOff } from './native-front.js';
import type { FrontAddon, FrontOptions, FrontStats, NativeFront } from './native-front.js';

/** Bound servers with their addresses and a draining close. */
export interface Bound {
  readonly addresses: AddressInfo[];
  readonly urls: string[];
  /** Stops accepting, lets open requests finish for up to drainMs, then cuts the remaining connections. */
  close(drainMs: number): Promise<void>;
  /** The native fronts, one per native listener. */
  readonly fronts: readonly NativeFront[];
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
    keepAliveTimeout: 5000, noDelay: true,
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

/** The native fronts of the plain-http listeners, and what they are made with. */
export interface NativeSetup {
  readonly addon: FrontAddon;
  /** One per listener; 'native' ones get a front. */
  readonly paths: ReadonlyArray<'native' | 'js'>;
  readonly options: FrontOptions;
  readonly onFail: (url: string, reason: string) => void;
  readonly onStats: (s: FrontStats) => void;
}

/** One listener: its server, and the front that accepts for it (native) or none (the server listens itself). */
interface Listener {
  readonly server: http.Server;
  readonly front?: NativeFront;
}

function closeFd(fd: number): void {
  try { closeSync(fd); } catch { /* already gone */ }
}

async function bindServers(listeners: readonly Listener[], listenUrls: readonly ListenUrl[], flag: string): Promise<Bound> {
  const addresses: AddressInfo[] = [];
  const started: Listener[] = [];
  const servers = (): http.Server[] => started.map((l) => l.server);
  const closeAll = async (drainMs: number): Promise<void> => {
    // A native listener's server never listened: it is done once its front is closed and its hand-offs are gone.
    const done = Promise.all(started.map(async (l) => {
      await l.front?.close(drainMs);
      await new Promise<void>((r) => l.server.close(() => r()));
    }));
    let cut = false;
    const poll = setInterval(() => servers().forEach((s) => (cut ? s.closeAllConnections() : s.closeIdleConnections())), 50);
    servers().forEach((s) => s.closeIdleConnections());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => { timer = setTimeout(r, drainMs); })]);
    clearTimeout(timer);
    cut = true;
    servers().forEach((s) => s.closeAllConnections());
    await done;
    clearInterval(poll);
  };
  try {
    for (const [i, l] of listeners.entries()) {
      const u = listenUrls[i] as ListenUrl;
      if (l.front === undefined) {
        addresses.push(await listen(l.server, { host: u.host, port: u.port }, flag));
      } else {
        addresses.push(await l.front.start());
        // node:http starts its request/headers timeout checks on 'listening'; a native listener's server needs them too.
        l.server.emit('listening');
      }
      started.push(l);
    }
  } catch (err) {
    await closeAll(0);
    throw err;
  }
  return {
    addresses, urls: addresses.map((a, i) => urlOf(listenUrls[i] as ListenUrl, a)), close: closeAll,
    fronts: started.flatMap((l) => (l.front ? [l.front] : [])),
  };
}

/**
 * Creates and binds the client listeners; with h2, each also serves HTTP/2 (h2c on http, ALPN h2 on https); with
 * native, the plain-http listeners it names are accepted by native fronts that hand the rest to their server.
 */
export async function bindAll(cfg: ProxyConfig, handler: (req: IncomingMessage, res: ServerResponse) => void,
  metrics: ProxyMetrics, log: Logger,
  front: { readonly cap?: ConnectionCap | undefined; readonly h2?: H2Front | undefined; readonly native?: NativeSetup | undefined } = {}): Promise<Bound> {
  const tlsMod = cfg.serverTls && cfg.listen.some((l) => l.tls) ? (await import('node:https')).default : undefined;
  let closing = false;
  const listeners = cfg.listen.map((l, i): Listener => {
    const s = makeServer(cfg, l, handler, tlsMod);
    front.h2?.attach(s, l.tls && cfg.serverTls !== undefined);
    // The cap's listener is prepended, so it sees every raw connection, h2 or not, first.
    front.cap?.attach(s);
    s.on('clientError', onClientError(metrics, front.h2));
    s.on('connect', (req: IncomingMessage, socket: Duplex) => { metrics.dropped('CONNECT', 'method_not_allowed'); rejectConnect(req, socket); });
    s.on('tlsClientError', (err: Error) => log.debug({ error: err.message }, 'client TLS handshake failed'));
    const n = front.native;
    if (n === undefined || n.paths[i] !== 'native' || front.cap === undefined) {
      drainAccepts(s, acceptAddon()); // prepended after the cap: a burst is taken in one turn, and each passes the cap
      return { server: s };
    }
    const target = { server: s, cap: front.cap, h2: front.h2 };
    return {
      server: s,
      front: createNativeFront({
        addon: n.addon, listen: { host: l.host, port: l.port }, flag: '--listen-client-urls', options: n.options, cap: front.cap,
        onHandoff: (fd, data, failed) => { if (closing) closeFd(fd); else handOff(target, fd, data, failed); },
        onFail: n.onFail, onStats: n.onStats,
      }),
    };
  });
  const bound = await bindServers(listeners, cfg.listen, '--listen-client-urls');
  return { ...bound, close: async (drainMs) => { try { await bound.close(drainMs); } finally { closing = true; } } };
}
