// The data path: for each accepted client, pick an endpoint, dial it (failing over to the next at once on a
// failed dial), then pipe bytes both ways untouched. No per-chunk work: pipe() does the copying and the
// backpressure, byte counts come from the sockets' own counters when metrics are scraped.
import type net from 'node:net';
import { dialEndpoint } from './dial.js';
import type { Endpoint } from './endpoint.js';
import type { RelayCounters } from './metrics.js';
import type { Remotes } from './remotes.js';
import { resetSocket } from '../core/socket-reset.js';

/** What the relay reports as it happens (rare events; counts are read through accepted() and bytes()). */
export interface RelayHooks {
  onDialFailure(ep: Endpoint, err: Error): void;
  onNoEndpoint(): void;
}

/** Bytes copied so far, client→endpoint (`in`) and endpoint→client (`out`). */
export interface ByteCounts { in: number; out: number }

/** The connections of one gateway. */
export interface Relay extends RelayCounters {
  readonly handle: (client: net.Socket) => void;
  /** Resolves when every connection has closed, or after timeoutMs (false then). */
  drain(timeoutMs: number): Promise<boolean>;
  destroyAll(): void;
}

interface Conn {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

const noop = (): void => undefined;

/** Creates the relay over an endpoint set. */
export function createRelay(opts: { remotes: Remotes; dialTimeoutMs: number; idleTimeoutMs?: number; hooks: RelayHooks }): Relay {
  return new ConnRelay(opts.remotes, opts.dialTimeoutMs, opts.idleTimeoutMs ?? 0, opts.hooks);
}

class ConnRelay implements Relay {
  readonly #remotes: Remotes;
  readonly #dialTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #hooks: RelayHooks;
  readonly #conns = new Set<Conn>();
  readonly #closed: ByteCounts = { in: 0, out: 0 };
  #accepted = 0;
  #onEmpty: (() => void) | undefined;

  constructor(remotes: Remotes, dialTimeoutMs: number, idleTimeoutMs: number, hooks: RelayHooks) {
    this.#remotes = remotes;
    this.#dialTimeoutMs = dialTimeoutMs;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#hooks = hooks;
  }

  /** Takes over an accepted client socket (bound, so it can be a 'connection' listener). */
  readonly handle = (client: net.Socket): void => {
    const c: Conn = { client, upstream: undefined };
    this.#conns.add(c);
    this.#accepted++;
    client.on('error', noop);
    client.once('close', (hadError) => this.#onClientClose(c, hadError));
    // Every byte either way passes through the client socket, so its own inactivity timer is the connection's.
    if (this.#idleTimeoutMs > 0) client.setTimeout(this.#idleTimeoutMs, () => client.destroy());
    this.#dialNext(c, this.#remotes.size());
  };

  active(): number {
    return this.#conns.size;
  }

  accepted(): number {
    return this.#accepted;
  }

  bytes(): ByteCounts {
    let i = this.#closed.in;
    let o = this.#closed.out;
    for (const c of this.#conns) { i += c.client.bytesRead; o += c.client.bytesWritten; }
    return { in: i, out: o };
  }

  drain(timeoutMs: number): Promise<boolean> {
    if (this.#conns.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.#onEmpty = undefined; resolve(false); }, timeoutMs);
      this.#onEmpty = () => { clearTimeout(t); this.#onEmpty = undefined; resolve(true); };
    });
  }

  destroyAll(): void {
    for (const c of this.#conns) { c.client.destroy(); c.upstream?.destroy(); }
  }

  #onClientClose(c: Conn, hadError: boolean): void {
    this.#conns.delete(c);
    this.#closed.in += c.client.bytesRead;
    this.#closed.out += c.client.bytesWritten;
    if (c.upstream !== undefined) follow(c.upstream, hadError);
    if (this.#conns.size === 0) this.#onEmpty?.();
  }

  #dialNext(c: Conn, attemptsLeft: number): void {
    if (c.client.destroyed) return;
    const ep = attemptsLeft > 0 ? this.#remotes.pick() : undefined;
    if (ep === undefined) {
      // Nothing is up: close at once rather than hold the client (etcd does the same), and re-probe now so the
      // client's retry finds a member that has just come back.
      this.#hooks.onNoEndpoint();
      this.#remotes.probeNow();
      c.client.destroy();
      return;
    }
    // `done` runs on a later event, when `up` is assigned.
    const up = dialEndpoint(ep, this.#dialTimeoutMs, (err) => {
      if (err === undefined) { splice(c.client, up); return; }
      c.upstream = undefined;
      if (c.client.destroyed) return;
      this.#hooks.onDialFailure(ep, err);
      this.#dialNext(c, attemptsLeft - 1);
    });
    c.upstream = up;
  }
}

// Both sockets are half-open capable: a FIN from one side is passed on with end() by pipe(), and the other
// direction keeps flowing until it ends too (etcd closes both at the first EOF). A socket closes once both
// directions are done, and the other side follows.
function splice(client: net.Socket, up: net.Socket): void {
  up.on('error', noop);
  up.once('close', (hadError) => follow(client, hadError));
  client.pipe(up);
  up.pipe(client);
}

/**
 * Ends `other` once its peer socket has closed, as the native relay does. A reset (or any error) is passed on as a
 * reset: a destroy() sends a FIN when the receive queue is empty, which the far end would take for a clean end
 * after part of the stream. After a clean close, what pipe() has queued for `other` (its FIN last) is delivered
 * before the socket is destroyed; a socket still dialing, or with nothing ended, is cut at once.
 */
function follow(other: net.Socket, hadError: boolean): void {
  if (other.destroyed) return;
  if (hadError && !other.connecting) resetSocket(other); // its FIN already on the way (pipe ended it): destroyed
  else if (!hadError && other.writableEnded && !other.writableFinished) other.once('finish', () => other.destroy());
  else other.destroy();
}
