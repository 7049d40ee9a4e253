// The data path: for each accepted client, pick an endpoint, dial it (failing over to the next at once on a
// failed dial), then pipe bytes both ways untouched. No per-chunk work: pipe() does the copying and the
// backpressure, byte counts come from the sockets' own counters when metrics are scraped.
import type net from 'node:net';
import { dialEndpoint } from './dial.js';
import type { Endpoint } from './endpoint.js';
import type { RelayStats } from './metrics.js';
import type { Remotes } from './remotes.js';

/** What the relay reports as it happens (rare events; counts are read through stats()). */
export interface RelayHooks {
  onDialFailure(ep: Endpoint): void;
  onNoEndpoint(): void;
}

/** Bytes copied so far, client→endpoint (`in`) and endpoint→client (`out`). */
export interface ByteCounts { in: number; out: number }

/** The connections of one gateway. */
export interface Relay {
  handle(client: net.Socket): void;
  active(): number;
  stats(): RelayStats;
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
export function createRelay(opts: { remotes: Remotes; dialTimeoutMs: number; hooks: RelayHooks }): Relay {
  const { remotes, dialTimeoutMs, hooks } = opts;
  const conns = new Set<Conn>();
  const closed: ByteCounts = { in: 0, out: 0 };
  let accepted = 0;
  let onEmpty: (() => void) | undefined;

  const onClientClose = (c: Conn): void => {
    conns.delete(c);
    closed.in += c.client.bytesRead;
    closed.out += c.client.bytesWritten;
    c.upstream?.destroy();
    if (conns.size === 0) onEmpty?.();
  };

  const dialNext = (c: Conn, attemptsLeft: number): void => {
    if (c.client.destroyed) return;
    const ep = attemptsLeft > 0 ? remotes.pick() : undefined;
    if (ep === undefined) {
      // Nothing is up: close at once rather than hold the client (etcd does the same), and re-probe now so the
      // client's retry finds a member that has just come back.
      hooks.onNoEndpoint();
      remotes.probeNow();
      c.client.destroy();
      return;
    }
    const up = dialEndpoint(ep, dialTimeoutMs);
    c.upstream = up;
    const fail = (err: Error): void => {
      up.off('connect', onConnect);
      up.off('timeout', onTimeout);
      up.destroy();
      c.upstream = undefined;
      if (c.client.destroyed) return;
      hooks.onDialFailure(ep);
      remotes.markDown(ep.key, err);
      dialNext(c, attemptsLeft - 1);
    };
    const onTimeout = (): void => fail(new Error(`dial tcp ${ep.key}: i/o timeout after ${dialTimeoutMs}ms`));
    const onConnect = (): void => {
      up.off('error', fail);
      up.off('timeout', onTimeout);
      up.setTimeout(0);
      splice(c.client, up);
    };
    up.once('error', fail);
    up.once('timeout', onTimeout);
    up.once('connect', onConnect);
  };

  return {
    handle(client) {
      const c: Conn = { client, upstream: undefined };
      conns.add(c);
      accepted++;
      client.on('error', noop);
      client.once('close', () => onClientClose(c));
      dialNext(c, remotes.endpoints().length);
    },
    active: () => conns.size,
    stats() {
      let i = closed.in;
      let o = closed.out;
      for (const c of conns) { i += c.client.bytesRead; o += c.client.bytesWritten; }
      return { active: conns.size, accepted, bytes: { in: i, out: o } };
    },
    drain(timeoutMs) {
      if (conns.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => { onEmpty = undefined; resolve(false); }, timeoutMs);
        onEmpty = () => { clearTimeout(t); onEmpty = undefined; resolve(true); };
      });
    },
    destroyAll() {
      for (const c of conns) { c.client.destroy(); c.upstream?.destroy(); }
    },
  };
}

// Both sockets are half-open capable: a FIN from one side is passed on with end() by pipe(), and the other
// direction keeps flowing until it ends too (etcd closes both at the first EOF). A socket closes once both
// directions are done; an error or close on either side destroys the other.
function splice(client: net.Socket, up: net.Socket): void {
  up.on('error', noop);
  up.once('close', () => client.destroy());
  client.pipe(up);
  up.pipe(client);
}
