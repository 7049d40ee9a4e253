// The proxy's connection cap and idle timeout, shared by all its client listeners: over the cap a connection is
// closed as soon as it is accepted and counted (with a rate-limited warning); idle connections are swept when
// --idle-timeout is set. Works on any net.Server, so a listener that sniffs the protocol first can use it too.
import type { Server, Socket } from 'node:net';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { everyMs } from '../core/limits.js';
import type { Logger } from '../core/log.js';

/** How often the cap warning may be logged. */
export const CAP_WARN_EVERY_MS = 10_000;

/** A connection cap over one or more listeners. */
export interface ConnectionCap {
  /** The cap in force. */
  readonly max: number;
  /** Counts and caps the connections the server accepts (and sweeps idle ones when an idle timeout is set). */
  attach(server: Server): void;
  /** Connections held now. */
  active(): number;
  /** Connections closed at accept because the cap was reached, since start. */
  refused(): number;
  /** Registers etcd_edge_proxy_{refused_connections_total,connections,max_connections} in the registry. */
  register(registry: Registry): void;
  /** Stops the idle sweep. */
  close(): void;
}

/** What a cap is made from. */
export interface CapOptions {
  readonly max: number;
  /** Close connections with no traffic either way for this long; 0: never. */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
  readonly warnEveryMs?: number;
}

/** Creates a connection cap; the idle sweep runs only while an idle timeout is set and a connection is held. */
export function createConnectionCap(o: CapOptions): ConnectionCap {
  const sockets = new Map<Socket, { bytes: number; since: number }>();
  let refusedCount = 0;
  const warn = everyMs(o.warnEveryMs ?? CAP_WARN_EVERY_MS);
  let sweep: NodeJS.Timeout | undefined;
  const sweepIdle = (): void => {
    const now = Date.now();
    for (const [s, seen] of sockets) {
      const bytes = s.bytesRead + s.bytesWritten;
      if (bytes !== seen.bytes) { seen.bytes = bytes; seen.since = now; } else if (now - seen.since >= o.idleTimeoutMs) s.destroy();
    }
  };
  const onConnection = (s: Socket): void => {
    if (sockets.size >= o.max) {
      refusedCount++;
      s.destroy();
      if (warn()) o.logger.warn({ maxConnections: o.max, refusedConnections: refusedCount }, 'connection cap reached; closing new connections');
      return;
    }
    sockets.set(s, { bytes: 0, since: Date.now() });
    s.once('close', () => sockets.delete(s));
    if (o.idleTimeoutMs > 0 && sweep === undefined) {
      sweep = setInterval(sweepIdle, Math.max(20, Math.min(1000, Math.floor(o.idleTimeoutMs / 4))));
      sweep.unref();
    }
  };
  return {
    max: o.max,
    // Prepended, so a refused socket is destroyed before the HTTP or TLS layer spends anything on it.
    attach: (server) => { server.prependListener('connection', onConnection); },
    active: () => sockets.size,
    refused: () => refusedCount,
    register(registry) {
      new Counter({
        name: 'etcd_edge_proxy_refused_connections_total', help: 'Client connections closed at accept because --max-connections was reached.', registers: [registry],
        collect() { this.reset(); this.inc(refusedCount); },
      });
      new Gauge({ name: 'etcd_edge_proxy_connections', help: 'Client connections held now.', registers: [registry], collect() { this.set(sockets.size); } });
      new Gauge({ name: 'etcd_edge_proxy_max_connections', help: 'The connection cap in force (--max-connections, or derived from the open-file limit).', registers: [registry], collect() { this.set(o.max); } });
    },
    close() {
      clearInterval(sweep);
      sweep = undefined;
    },
  };
}
