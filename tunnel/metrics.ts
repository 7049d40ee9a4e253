// Prometheus metrics of one tunnel, in a registry of its own (several tunnels can run in one `up` process), and
// the optional /metrics + /health HTTP listeners of --listen-metrics-urls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { listen } from '../core/net.js';
import type { HostPort } from '../core/net.js';

/** The collectors a tunnel updates; `forward` labels are canonical specs such as `-L 127.0.0.1:23690:127.0.0.1:23790`. */
export interface TunnelMetrics {
  readonly registry: Registry;
  readonly connected: Gauge;
  readonly reconnects: Counter;
  readonly forwardUp: Gauge<'forward'>;
  readonly sentBytes: Counter<'forward'>;
  readonly receivedBytes: Counter<'forward'>;
  readonly connections: Counter<'forward'>;
  readonly activeConnections: Gauge<'forward'>;
  readonly refusedConnections: Counter<'forward'>;
  readonly lastError: Gauge<'code'>;
  readonly lastErrorTime: Gauge;
}

/** Per-forward totals kept beside the collectors, for status() and the logs (prom-client reads are async). */
export interface ForwardStats {
  connections: number;
  active: number;
  sentBytes: number;
  receivedBytes: number;
}

/** Creates the collectors in a fresh registry. */
export function createTunnelMetrics(): TunnelMetrics {
  const registry = new Registry();
  const registers = [registry];
  const forward = ['forward'] as const;
  return {
    registry,
    connected: new Gauge({ name: 'etcd_edge_tunnel_connected', help: '1 while the SSH connection is up', registers }),
    reconnects: new Counter({ name: 'etcd_edge_tunnel_reconnects_total', help: 'SSH connections re-established after a drop', registers }),
    forwardUp: new Gauge({ name: 'etcd_edge_tunnel_forward_up', help: '1 while a forward carries traffic', labelNames: forward, registers }),
    sentBytes: new Counter({ name: 'etcd_edge_tunnel_sent_bytes_total', help: 'bytes carried from clients to the target', labelNames: forward, registers }),
    receivedBytes: new Counter({ name: 'etcd_edge_tunnel_received_bytes_total', help: 'bytes carried from the target back to clients', labelNames: forward, registers }),
    connections: new Counter({ name: 'etcd_edge_tunnel_connections_total', help: 'connections carried through a forward', labelNames: forward, registers }),
    activeConnections: new Gauge({ name: 'etcd_edge_tunnel_active_connections', help: 'connections open through a forward', labelNames: forward, registers }),
    refusedConnections: new Counter({ name: 'etcd_edge_tunnel_refused_connections_total', help: 'connections closed at once because the tunnel was down or the target refused', labelNames: forward, registers }),
    lastError: new Gauge({ name: 'etcd_edge_tunnel_last_error', help: '1 for the code of the last connection error', labelNames: ['code'] as const, registers }),
    lastErrorTime: new Gauge({ name: 'etcd_edge_tunnel_last_error_timestamp_seconds', help: 'when the last connection error happened', registers }),
  };
}

/** A running metrics listener set. */
export interface MetricsServers {
  readonly addresses: readonly AddressInfo[];
  close(): Promise<void>;
}

/** Serves GET /metrics and /health (200 when healthy() is true, else 503, as etcd's /health) on each address. */
export async function serveMetrics(addrs: readonly HostPort[], registry: Registry, healthy: () => boolean): Promise<MetricsServers> {
  const servers: http.Server[] = [];
  const addresses: AddressInfo[] = [];
  const handler: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text), () => res.writeHead(500).end());
    } else if (path === '/health') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ health: String(ok) }) + '\n');
    } else {
      res.writeHead(404).end();
    }
  };
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); })));
  };
  try {
    for (const a of addrs) {
      const s = http.createServer(handler);
      servers.push(s);
      addresses.push(await listen(s, a, '--listen-metrics-urls'));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { addresses, close };
}
