// One -R forward (ssh -R semantics): asks the server to listen (tcpip-forward) and connects each forwarded channel
// to HOST:HOSTPORT from here. After an unclean drop sshd keeps the old port bound until its ClientAlive timeout
// (about 30 s), so binding is retried with backoff until the port is free again.
import net from 'node:net';
import type { Client, ClientChannel, TcpConnectionDetails } from 'ssh2';
import type { ConnectionCap } from '../core/conn-cap.js';
import { EdgeError } from '../core/errors.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { sleep } from '../core/lifecycle.js';
import { backoffDelay } from '../host/backoff.js';
import type { ForwardSpec } from './forward-spec.js';
import type { ForwardStats, TunnelMetrics } from './metrics.js';
import { closeAllLive, countInto, drain, splice } from './splice.js';
import type { LiveConnections } from './splice.js';

/** A -R forward across connections. */
export interface RemoteForward {
  readonly spec: ForwardSpec;
  /** The port the server bound on the current connection, if any. */
  boundPort(): number | undefined;
  stats(): ForwardStats;
  /** Requests the server-side listener, retrying until it is granted or signal fires (the connection closed). */
  bind(client: Client, signal: AbortSignal): Promise<number>;
  /** Tells whether a forwarded connection belongs to this forward. */
  matches(info: TcpConnectionDetails): boolean;
  handle(info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void;
  /** Forgets the bound port and closes every connection in flight. */
  dropAll(): void;
  close(timeoutMs: number): Promise<void>;
}

/** Creates a -R forward; retryMaxMs caps the bind retry backoff. */
export function createRemoteForward(spec: ForwardSpec, deps: { metrics: TunnelMetrics; log: Logger; retryMaxMs: number; cap?: () => ConnectionCap | undefined }): RemoteForward {
  const label = { forward: spec.label };
  const m = deps.metrics;
  const live: LiveConnections = new Set();
  let port: number | undefined;
  const stats = { connections: 0, active: 0, sentBytes: 0, receivedBytes: 0 };

  const forwardIn = (client: Client): Promise<number> => new Promise((resolve, reject) => {
    try {
      client.forwardIn(spec.bind, spec.port, (err, p) => (err ? reject(err) : resolve(p)));
    } catch (err) {
      reject(err as Error);
    }
  });

  return {
    spec,
    boundPort: () => port,
    stats: () => ({ ...stats }),
    async bind(client, signal) {
      for (let attempt = 0; ; attempt++) {
        if (signal.aborted) throw new EdgeError('EDGE_ABORTED', 'remote forward cancelled');
        try {
          port = await forwardIn(client);
          return port;
        } catch (err) {
          if (signal.aborted) throw new EdgeError('EDGE_ABORTED', 'remote forward cancelled');
          const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: deps.retryMaxMs, jitter: Math.random });
          deps.log.warn({ forward: spec.label, attempt: attempt + 1, retryInMs: delayMs, ...errFields(err),
            hint: 'sshd still holds the port after an unclean drop (until its ClientAliveInterval x ClientAliveCountMax), or another client uses it' },
          'remote forward not bound; retrying');
          await sleep(delayMs, signal);
        }
      }
    },
    matches: (info) => port !== undefined && info.destPort === port,
    handle(info, accept, reject) {
      const cap = deps.cap?.();
      const release = cap?.acquire();
      if (cap && !release) { m.refusedConnections.inc(label); reject(); return; }
      const target = net.connect({ host: spec.host, port: spec.hostPort });
      if (release) target.once('close', release);
      const pending = (): void => { target.destroy(); };
      live.add(pending);
      target.once('close', () => live.delete(pending));
      target.once('error', (err) => {
        m.refusedConnections.inc(label);
        deps.log.debug({ forward: spec.label, from: `${info.srcIP}:${info.srcPort}`, ...errFields(err) }, 'forward target refused');
        reject();
      });
      target.once('connect', () => {
        target.removeAllListeners('error');
        live.delete(pending);
        let channel: ClientChannel;
        try {
          channel = accept();
        } catch {
          target.destroy();
          return;
        }
        const counted = countInto(stats, m, label);
        const stop = splice({ client: channel, target, ...counted, onClose: () => { counted.onClose(); live.delete(stop); } });
        live.add(stop);
      });
    },
    dropAll() {
      port = undefined;
      closeAllLive(live);
    },
    async close(timeoutMs) {
      port = undefined;
      await drain(live, timeoutMs);
    },
  };
}
