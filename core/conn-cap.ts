// A connection cap and idle timeout over one or more listeners of a component: over the cap a connection is
// closed as soon as it is accepted and counted (with a rate-limited warning); idle connections are swept when an
// idle timeout is set. Works on any net.Server, so a listener that sniffs the protocol first can use it too.
import type { Server, Socket } from 'node:net';
import { everyMs } from './limits.js';
import type { Logger } from './log.js';

/** How often the cap warning may be logged. */
export const CAP_WARN_EVERY_MS = 10_000;

/** Another holder of connections under the same cap (the proxy's native front): it counts itself in. */
export interface CapPeer {
  /** Connections the peer holds now. */
  active(): number;
  /** Told how many connections the others (this cap's sockets and slots) hold, whenever that changes. */
  setOthers(n: number): void;
}

/** A connection cap over one or more listeners. */
export interface ConnectionCap {
  /** The cap in force. */
  readonly max: number;
  /** Counts and caps the connections the server accepts (and sweeps idle ones when an idle timeout is set). */
  attach(server: Server, onRefused?: () => void): void;
  /** Takes one slot for a connection made another way (an SSH channel); undefined (counted as refused) when full. */
  acquire(): (() => void) | undefined;
  /** Connections held now, peers' included. */
  active(): number;
  /** Shares the cap with a peer: full() counts its connections, and it is told ours; returns the undo. */
  share(peer: CapPeer): () => void;
  /** Takes a connection accepted (and counted against the cap) elsewhere, without checking the cap again. */
  admit(socket: Socket): void;
  /** Counts n connections a peer closed at accept because the cap was reached. */
  countRefused(n: number): void;
  /** Connections closed at accept because the cap was reached, since start. */
  refused(): number;
  /** Stops the idle sweep. */
  close(): void;
}

/** What a cap is made from. */
export interface CapOptions {
  readonly max: number;
  /** Close accepted connections with no traffic either way for this long; 0: never. */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
  readonly warnEveryMs?: number;
}

/** Creates a connection cap; the idle sweep runs only while an idle timeout is set and a connection is held. */
export function createConnectionCap(o: CapOptions): ConnectionCap {
  const sockets = new Map<Socket, { bytes: number; since: number }>();
  let others = 0;
  let refusedCount = 0;
  const peers = new Set<CapPeer>();
  const peersActive = (): number => { let n = 0; for (const p of peers) n += p.active(); return n; };
  const tell = (): void => { for (const p of peers) p.setOthers(sockets.size + others); };
  const warn = everyMs(o.warnEveryMs ?? CAP_WARN_EVERY_MS);
  let sweep: NodeJS.Timeout | undefined;
  const refuse = (n: number): void => {
    refusedCount += n;
    if (warn()) o.logger.warn({ maxConnections: o.max, refusedConnections: refusedCount }, 'connection cap reached; closing new connections');
  };
  const full = (): boolean => {
    if (sockets.size + others + (peers.size > 0 ? peersActive() : 0) < o.max) return false;
    refuse(1);
    return true;
  };
  const sweepIdle = (): void => {
    const now = Date.now();
    for (const [s, seen] of sockets) {
      const bytes = s.bytesRead + s.bytesWritten;
      if (bytes !== seen.bytes) { seen.bytes = bytes; seen.since = now; } else if (now - seen.since >= o.idleTimeoutMs) s.destroy();
    }
  };
  const track = (s: Socket): void => {
    sockets.set(s, { bytes: 0, since: Date.now() });
    s.once('close', () => { sockets.delete(s); tell(); });
    tell();
    if (o.idleTimeoutMs > 0 && sweep === undefined) {
      sweep = setInterval(sweepIdle, Math.max(20, Math.min(1000, Math.floor(o.idleTimeoutMs / 4))));
      sweep.unref();
    }
  };
  const onConnection = (s: Socket, onRefused?: () => void): void => {
    if (sockets.has(s)) return; // admitted already
    if (full()) { s.destroy(); onRefused?.(); return; }
    track(s);
  };
  return {
    max: o.max,
    // Prepended, so a refused socket is destroyed before the HTTP or TLS layer spends anything on it.
    attach: (server, onRefused) => { server.prependListener('connection', (s: Socket) => onConnection(s, onRefused)); },
    acquire() {
      if (full()) return undefined;
      others++;
      tell();
      let held = true;
      return () => { if (held) { held = false; others--; tell(); } };
    },
    active: () => sockets.size + others + peersActive(),
    share(peer) {
      peers.add(peer);
      peer.setOthers(sockets.size + others);
      return () => { peers.delete(peer); };
    },
    admit: (s) => { if (!sockets.has(s) && !s.destroyed) track(s); },
    countRefused: (n) => { if (n > 0) refuse(n); },
    refused: () => refusedCount,
    close() {
      clearInterval(sweep);
      sweep = undefined;
    },
  };
}
