// The proxy's HTTP/2 side in one piece, the module the front (h2.ts) loads at the first HTTP/2 connection: the
// member session pool, the gRPC forwarder (node:http2, every call terminated) and, in readwrite mode, the
// frame-by-frame relay, behind one node:http2 server.
import type { ClientTlsOptions } from '../core/tls.js';
import type { Director } from './director.js';
import { createGrpcHandler } from './grpc-forward.js';
import type { GrpcMetrics } from './grpc-metrics.js';
import { createGrpcRelay } from './grpc-relay.js';
import { createSessionPool } from './grpc-sessions.js';
import type { H2Backend } from './h2.js';
import { createH2Server } from './h2-server.js';

/** What the HTTP/2 side needs from its proxy. */
export interface GrpcStackContext {
  readonly director: Director;
  readonly metrics: GrpcMetrics;
  /** Readonly mode: every call is terminated and inspected, none relayed. */
  readonly readonly: boolean;
  /** Relay readwrite calls frame by frame (--grpc-relay). */
  readonly relay: boolean;
  rewriteTo(): readonly string[] | undefined;
  readonly tls: ClientTlsOptions | undefined;
  readonly dialTimeoutMs: number;
  readonly maxRequestBytes: number;
}

/** Builds the HTTP/2 side; its close() drains the sessions and the relay, then drops the member sessions. */
export function createGrpcStack(ctx: GrpcStackContext): H2Backend {
  const sessions = createSessionPool({ tls: ctx.tls, dialTimeoutMs: ctx.dialTimeoutMs });
  const onStream = createGrpcHandler({
    director: ctx.director, sessions, metrics: ctx.metrics, readonly: ctx.readonly, rewriteTo: ctx.rewriteTo, maxRequestBytes: ctx.maxRequestBytes,
  });
  // Readwrite gRPC is relayed frame by frame; readonly needs every call terminated to inspect it.
  const relay = !ctx.readonly && ctx.relay
    ? createGrpcRelay({ director: ctx.director, metrics: ctx.metrics, rewriteTo: ctx.rewriteTo, tls: ctx.tls, dialTimeoutMs: ctx.dialTimeoutMs, fallback: (s) => server.adopt(s) })
    : undefined;
  const server = createH2Server({ onStream, relay: relay ? (s) => relay.relay(s) : undefined });
  return {
    route: (s) => server.route(s),
    async close(drainMs) {
      await Promise.all([server.close(drainMs), relay?.close(drainMs)]);
      sessions.destroy();
    },
  };
}
