// A connection cap and idle timeout over one or more listeners of a component: over the cap a connection is
// closed as soon as it is accepted and counted (with a rate-limited warning); idle connections are swept when an
// idle timeout is set. Works on any net.Server, so a listener that sniffs the protocol first can use it too.
import type { Server, Socket } from 'node:net';
import { everyMs } from './limits.js';
import type { Logger } from './log.js';

/** How often the cap warning may be logged. */
export const CAP_WARN_EVERY_MS = 10_000;

/** A connection cap over one or more listeners. */
export interface ConnectionCap {
  /** The cap in force. */
  readonly max: number;
  /** Counts and caps the connections the server accepts (and sweeps idle ones when an idle timeout is set). */
  attach(server: Server, onRefused?: () => void): void;
  /** Takes one slot for a connection made another way (an SSH channel); undefined (counted as refused) when full. */
  acquire(): (() => void) | undefined;
  /** Connections held now. */
  active(): number;
  /** Connections closed at accept because the cap was reached, since start. */
  refused(): number;
  /**
   * Shares the cap with connections held elsewhere (the proxy's native front): their count is added when this cap
   * decides, and `peer.setOthers` hears this cap's count whenever it changes.
   */
  link(peer: CapPeer): void;
  /**
   * Takes a connection a linked peer accepted (and counted against the cap) and hands over now, without checking
   * the cap again: the peer's count already dropped, and a connection it accepted meanwhile must not push this one out.
   */
  admit(socket: Socket): void;
  /** Counts n connections a linked peer closed at accept (warning as for this cap's own). */
  refusedElsewhere(n: number): void;
  /** Stops the idle sweep. */
  close(): void;
}

/** Connections held outside a cap's listeners, under the same cap. */
export interface CapPeer {
  active(): number;
  setOthers(n: number): void;
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
  const warn = everyMs(o.warnEveryMs ?? CAP_WARN_EVERY_MS);
  let sweep: NodeJS.Timeout | undefined;
  const peers: CapPeer[] = [];
  const held = (): number => sockets.size + others;
  const told = (): void => { if (peers.length === 0) return; const n = held(); for (const p of peers) p.setOthers(n); };
  const refuse = (n: number): void => {
    refusedCount += n;
    if (warn()) o.logger.warn({ maxConnections: o.max, refusedConnections: refusedCount }, 'connection cap reached; closing new connections');
  };
  const full = (): boolean => {
    let n = held();
    for (const p of peers) n += p.active();
    if (n < o.max) return false;
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
    s.once('close', () => { sockets.delete(s); told(); });
    told();
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
      told();
      let holding = true;
      return () => { if (holding) { holding = false; others--; told(); } };
    },
    active: () => held() + peers.reduce((n, p) => n + p.active(), 0),
    link(peer) { peers.push(peer); peer.setOthers(held()); },
    refusedElsewhere: (n) => { if (n > 0) refuse(n); },
    admit: (s) => { if (!sockets.has(s) && !s.destroyed) track(s); },
    refused: () => refusedCount,
    close() {
      clearInterval(sweep);
      sweep = undefined;
    },
  };
}
