// HTTP/2 next to HTTP/1.1 on the proxy's client listeners, as etcd serves both on one port: on http URLs a new
// connection that opens with the HTTP/2 preface (h2c prior knowledge) goes to an http2 server, others to the
// HTTP/1.1 server as before; on https URLs the TLS handshake's ALPN (h2 or http/1.1) decides.
import http2 from 'node:http2';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

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
  /** Routes the connections of one HTTP/1.1 server (http or https) between it and the HTTP/2 server. */
  attach(server: HttpServer, tls: boolean): void;
  /** Hands an HTTP/2 connection to the node:http2 server (the relay's fallback). */
  adopt(socket: Socket): void;
  /** Sends GOAWAY to every session, waits up to drainMs for their streams, then destroys what is left. */
  close(drainMs: number): Promise<void>;
}

/** Reads until the first bytes tell HTTP/2 from HTTP/1.1, then puts them back and calls done. */
function sniff(socket: Socket, timeoutMs: number, done: (h2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const finish = (h2: boolean): void => {
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
    socket.removeListener('end', onEnd);
    clearTimeout(timer);
    socket.pause();
    socket.unshift(seen);
    done(h2);
  };
  const onData = (c: Buffer): void => {
    seen = seen.length === 0 ? c : Buffer.concat([seen, c]);
    const n = Math.min(seen.length, PREFACE.length);
    if (seen.compare(PREFACE, 0, n, 0, n) !== 0) finish(false);
    else if (seen.length >= PREFACE.length) finish(true);
  };
  const onClose = (): void => { socket.removeListener('data', onData); clearTimeout(timer); };
  // The HTTP server allows half-open sockets: a client that closes before sending a byte would otherwise hold
  // its descriptor (and a slot of the connection cap) until the sniff timeout.
  const onEnd = (): void => { if (seen.length === 0) socket.destroy(); else finish(false); };
  // A connection that sends nothing is cut after the client timeout, as the HTTP/1.1 server would.
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.once('end', onEnd);
}

/**
 * Creates the HTTP/2 server whose streams go to onStream; with relay, HTTP/2 connections go to the relay instead
 * (which gives back, through adopt(), those it cannot place).
 */
export function createH2Front(opts: {
  sniffTimeoutMs: number;
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;
  relay?: ((socket: Socket) => void) | undefined;
}): H2Front {
  const sessions = new Set<http2.ServerHttp2Session>();
  // Connections that have not sent enough to tell the protocol yet: no server knows them, close() cuts them.
  const sniffing = new Set<Socket>();
  const server = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 1000 } });
  server.on('stream', opts.onStream);
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sessions.delete(s));
  });
  let closing = false;
  return {
    attach(http1, tls) {
      const event = tls ? 'secureConnection' : 'connection';
      const handlers = http1.listeners(event) as ((s: Socket) => void)[];
      http1.removeAllListeners(event);
      // The HTTP/1.1 server reads through its own 'data' listener; resuming hands it the bytes already read.
      const toHttp1 = (s: Socket): void => { for (const h of handlers) h.call(http1, s); if (!tls) s.resume(); };
      const route = (s: Socket, h2: boolean): void => {
        if (!h2) toHttp1(s);
        else if (closing) s.destroy();
        else if (opts.relay !== undefined) opts.relay(s);
        // Bytes already read stay in the socket's buffer; the http2 session takes them from there.
        else server.emit('connection', s);
      };
      http1.on(event, (s: Socket) => {
        if (tls) route(s, (s as TLSSocket).alpnProtocol === 'h2');
        else {
          sniffing.add(s);
          s.once('close', () => sniffing.delete(s));
          sniff(s, opts.sniffTimeoutMs, (h2) => { sniffing.delete(s); route(s, h2); });
        }
      });
    },
    adopt(s) {
      if (closing) s.destroy();
      else server.emit('connection', s);
    },
    async close(drainMs) {
      closing = true;
      for (const s of sniffing) s.destroy();
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
