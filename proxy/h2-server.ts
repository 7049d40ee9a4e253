// The node:http2 server behind the proxy's HTTP/2 front (h2.ts): sessions for the connections the front routes
// here (or the relay gives back), their streams to the gRPC forwarder, and a draining close. Loaded with the rest
// of the HTTP/2 side at the first HTTP/2 connection.
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { H2Backend } from './h2.js';

/** The node:http2 server; route() serves a connection (through the relay when there is one), adopt() directly. */
export interface H2Server extends H2Backend {
  /** Hands an HTTP/2 connection to the node:http2 server (the relay's fallback). */
  adopt(socket: Socket): void;
}

/**
 * Creates the HTTP/2 server whose streams go to onStream; with relay, HTTP/2 connections go to the relay instead
 * (which gives back, through adopt(), those it cannot place).
 */
export function createH2Server(opts: {
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;
  relay?: ((socket: Socket) => void) | undefined;
}): H2Server {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 1000 } });
  server.on('stream', opts.onStream);
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sessions.delete(s));
  });
  let closing = false;
  const adopt = (s: Socket): void => {
    if (closing) s.destroy();
    else server.emit('connection', s);
  };
  return {
    route(s) {
      if (opts.relay !== undefined && !closing) opts.relay(s);
      else adopt(s);
    },
    adopt,
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
