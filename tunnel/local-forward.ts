// One -L forward (ssh -L semantics, as in etcd-edge's seed `ssh -L 23690:127.0.0.1:23790`): a local listener that
// stays bound across reconnects; each connection becomes a direct-tcpip channel to HOST:HOSTPORT on the server.
// While the SSH connection is down, new connections are reset at once instead of hanging.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import type { ConnectionCap } from '../core/conn-cap.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { listen } from '../core/net.js';
import type { ForwardSpec } from './forward-spec.js';
import type { ForwardStats, TunnelMetrics } from './metrics.js';
import { closeAllLive, countInto, drain, splice } from './splice.js';
import type { LiveConnections } from './splice.js';

/** A running -L forward. */
export interface LocalForward {
  readonly spec: ForwardSpec;
  listen(): Promise<AddressInfo>;
  address(): AddressInfo | undefined;
  stats(): ForwardStats;
  /** Closes every connection in flight (the SSH connection carrying them is gone). */
  dropAll(): void;
  /** Stops accepting, lets connections finish for up to timeoutMs, then destroys the rest. */
  close(timeoutMs: number): Promise<void>;
}

/** Creates a -L forward that asks client() for the current SSH connection per accepted socket. */
export function createLocalForward(spec: ForwardSpec, deps: { client: () => Client | undefined; metrics: TunnelMetrics; log: Logger; cap?: () => ConnectionCap | undefined }): LocalForward {
  const label = { forward: spec.label };
  const m = deps.metrics;
  const live: LiveConnections = new Set();
  const server = net.createServer({ pauseOnConnect: true }, (sock) => onConnection(sock));
  let bound: AddressInfo | undefined;
  const stats = { connections: 0, active: 0, sentBytes: 0, receivedBytes: 0 };

  function onConnection(sock: net.Socket): void {
    // Closed at accept by the connection cap: no channel for it.
    if (sock.destroyed) return;
    const client = deps.client();
    if (!client) {
      m.refusedConnections.inc(label);
      sock.resetAndDestroy();
      return;
    }
    const pending = (): void => { sock.destroy(); };
    live.add(pending);
    sock.on('error', () => undefined);
    const open = (err: Error | undefined, channel: ClientChannel | undefined): void => {
      live.delete(pending);
      if (err || !channel) {
        m.refusedConnections.inc(label);
        deps.log.debug({ forward: spec.label, ...errFields(err) }, 'forward target refused');
        sock.destroy();
        return;
      }
      if (sock.destroyed) { channel.close(); return; }
      const counted = countInto(stats, m, label);
      const stop = splice({ client: sock, target: channel, ...counted, onClose: () => { counted.onClose(); live.delete(stop); } });
      live.add(stop);
      sock.resume();
    };
    try {
      client.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, spec.host, spec.hostPort, open);
    } catch (err) {
      open(err as Error, undefined);
    }
  }

  return {
    spec,
    async listen() {
      deps.cap?.()?.attach(server, () => m.refusedConnections.inc(label));
      bound = await listen(server, { host: spec.bind, port: spec.port }, `-L (${spec.label})`);
      return bound;
    },
    address: () => bound,
    stats: () => ({ ...stats }),
    dropAll: () => closeAllLive(live),
    async close(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await drain(live, timeoutMs);
      await closed;
    },
  };
}
