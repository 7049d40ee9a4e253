// HTTP/2 next to HTTP/1.1 on the proxy's client listeners, as etcd serves both on one port: on http URLs every
// connection starts on the HTTP/1.1 server, and one whose parser meets the HTTP/2 preface (h2c prior knowledge)
// is moved to an http2 server; on https URLs the TLS handshake's ALPN (h2 or http/1.1) decides.
import http2 from 'node:http2';
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
  /** Routes the connections of one https server between it and the HTTP/2 server, by ALPN. */
  attach(server: HttpServer, tls: boolean): void;
  /**
   * Takes over a plain-http connection the HTTP/1.1 server failed to parse because it opened with the HTTP/2
   * preface (call from its 'clientError' listener); false for any other error, which stays the caller's.
   */
  claim(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): boolean;
  /** Hands an HTTP/2 connection to the node:http2 server (the relay's fallback). */
  adopt(socket: Socket): void;
  /** Sends GOAWAY to every session, waits up to drainMs for their streams, then destroys what is left. */
  close(drainMs: number): Promise<void>;
}

/**
 * Creates the HTTP/2 server whose streams go to onStream; with relay, HTTP/2 connections go to the relay instead
 * (which gives back, through adopt(), those it cannot place).
 */
export function createH2Front(opts: {
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;
  relay?: ((socket: Socket) => void) | undefined;
}): H2Front {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 1000 } });
  server.on('stream', opts.onStream);
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sessions.delete(s));
  });
  let closing = false;
  // Bytes already read stay in the socket's buffer; the relay or the http2 session takes them from there.
  const route = (s: Socket): void => {
    if (closing) s.destroy();
    else if (opts.relay !== undefined) opts.relay(s);
    else server.emit('connection', s);
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
      // The http2 session reads what is already buffered on the socket first, then the socket itself.
      socket.pause();
      socket.unshift(bytes);
      route(socket);
      return true;
    },
    adopt(s) {
      if (closing) s.destroy();
      else server.emit('connection', s);
    },
    async close(drainMs) {
      closing = true;
      for (const s of sessions) s.close();
      let timer: NodeJS.Timeout | undefined;
      const closed = Promise.all([...sessions].map((s) => new Promise<void>((r) => { if (s.destroyed) r(); else s.once('close', () => r()); })));
      await Promise.race([closed, new Promise<void>((r) => { timer = setTimeout(r, drainMs); })]);
      clearTimeout(timer);
      for (const s of sessions) s.destroy();
      await closed;
    },
  };
}
