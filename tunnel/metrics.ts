// Prometheus metrics of one tunnel, in a registry of its own (several tunnels can run in one `up` process), served
// on --listen-metrics-urls by core's metrics listener.
import { Counter, Gauge, Registry } from 'prom-client';

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
