// HTTP/2 next to HTTP/1.1 on the proxy's client listeners, as etcd serves both on one port: on http URLs every
// connection starts on the HTTP/1.1 server, and one whose parser meets the HTTP/2 preface (h2c prior knowledge)
// is moved to the HTTP/2 side; on https URLs the TLS handshake's ALPN (h2 or http/1.1) decides. The HTTP/2 side
// (node:http2, the gRPC forwarder and relay) is loaded at the first HTTP/2 connection: a proxy that only sees
// HTTP/1.1 never pays its memory.
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { detachFromHttp1, H2_PREFACE_ERROR } from './h2c-handoff.js';

/**
 * Chooses the protocol of an https client connection from the ALPN list it offers: h2 only for clients that offer
 * no HTTP/1.1 (gRPC clients offer h2 alone), so curl, browsers and etcdctl v2, which offer both, keep the
 * HTTP/1.1 path that serves v2 and the v3 JSON gateway. Undefined (the handshake is refused) when neither is offered.
 */
export function chooseAlpn(offered: readonly string[]): string | undefined {
  if (offered.includes('http/1.1')) return 'http/1.1';
  return offered.includes('h2') ? 'h2' : undefined;
}

/** The HTTP/2 side of the client listeners. */
export interface H2Front {
  /** Routes the connections of one https server between it and the HTTP/2 side, by ALPN. */
  attach(server: HttpServer, tls: boolean): void;
  /**
   * Takes over a plain-http connection the HTTP/1.1 server failed to parse because it opened with the HTTP/2
   * preface (call from its 'clientError' listener); false for any other error, which stays the caller's.
   */
  claim(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): boolean;
  /** Sends GOAWAY to every session, waits up to drainMs for their streams, then destroys what is left. */
  close(drainMs: number): Promise<void>;
}

/** What serves HTTP/2 connections once loaded: see h2-server.ts and grpc-stack.ts. */
export interface H2Backend {
  /** Serves one HTTP/2 connection; bytes already read are in the socket's buffer. */
  route(socket: Socket): void;
  /** Drains and closes every HTTP/2 connection (see H2Front.close). */
  close(drainMs: number): Promise<void>;
}

/**
 * Creates the front; load builds the HTTP/2 side, once, at the first HTTP/2 connection. Connections that arrive
 * while it loads wait paused (their bytes stay buffered); a load failure is reported to onLoadError and those
 * connections are destroyed (the next HTTP/2 connection tries again).
 */
export function createH2Front(load: () => Promise<H2Backend>, onLoadError: (err: unknown) => void = () => undefined): H2Front {
  let backend: H2Backend | undefined;
  let loading: Promise<H2Backend> | undefined;
  let closing = false;
  const route = (s: Socket): void => {
    if (closing) { s.destroy(); return; }
    if (backend !== undefined) { backend.route(s); return; }
    s.pause();
    loading ??= load().then((b) => { backend = b; return b; }, (err: unknown) => { loading = undefined; throw err; });
    loading.then((b) => { if (closing) s.destroy(); else b.route(s); }, (err: unknown) => { s.destroy(); onLoadError(err); });
  };
  return {
    attach(http1, tls) {
      // Plain http needs nothing here: its connections reach claim() through the HTTP/1.1 server's clientError.
      if (!tls) return;
      const handlers = http1.listeners('secureConnection') as ((s: Socket) => void)[];
      http1.removeAllListeners('secureConnection');
      http1.on('secureConnection', (s: TLSSocket) => {
        if (s.alpnProtocol !== 'h2') for (const h of handlers) h.call(http1, s);
        else route(s);
      });
    },
    claim(err, socket) {
      if (err.code !== H2_PREFACE_ERROR) return false;
      const bytes = closing ? undefined : detachFromHttp1(socket, err);
      if (bytes === undefined) { socket.destroy(); return true; }
      // The HTTP/2 side reads what is already buffered on the socket first, then the socket itself.
      socket.pause();
      socket.unshift(bytes);
      route(socket);
      return true;
    },
    async close(drainMs) {
      closing = true;
      const b = backend ?? (loading ? await loading.catch(() => undefined) : undefined);
      await b?.close(drainMs);
    },
  };
}
