// Prometheus metrics of one tunnel, in a registry of its own (several tunnels can run in one `up` process), served
// on --listen-metrics-urls by core's metrics listener. The forwards count plain numbers; prom-client is loaded and
// the registry built at the first scrape (or get()), so a tunnel that is never scraped never loads it.
import type { Registry } from 'prom-client';
import { declarePlainMetric } from '../core/prom-values.js';
import type { PlainMetric } from '../core/prom-values.js';
import { createLazyRegistry } from '../core/prom.js';

/** The metrics a tunnel updates; `forward` labels are canonical specs such as `-L 127.0.0.1:23690:127.0.0.1:23790`. */
export interface TunnelMetrics {
  /** The registry, built (and prom-client loaded) on first use. */
  readonly registry: Registry;
  readonly connected: PlainMetric;
  readonly reconnects: PlainMetric;
  readonly forwardUp: PlainMetric<'forward'>;
  readonly sentBytes: PlainMetric<'forward'>;
  readonly receivedBytes: PlainMetric<'forward'>;
  readonly connections: PlainMetric<'forward'>;
  readonly activeConnections: PlainMetric<'forward'>;
  readonly refusedConnections: PlainMetric<'forward'>;
  readonly lastError: PlainMetric<'code'>;
  readonly lastErrorTime: PlainMetric;
}

/** Per-forward totals kept beside the metrics, for status() and the logs. */
export interface ForwardStats {
  connections: number;
  active: number;
  sentBytes: number;
  receivedBytes: number;
}

/** Creates the metrics over a registry built on first use. */
export function createTunnelMetrics(): TunnelMetrics {
  const lazy = createLazyRegistry(false);
  const counter = <L extends string = never>(name: string, help: string, labelNames?: readonly L[]): PlainMetric<L> =>
    declarePlainMetric<L>(lazy, { kind: 'counter', name, help, ...(labelNames ? { labelNames } : {}) });
  const gauge = <L extends string = never>(name: string, help: string, labelNames?: readonly L[]): PlainMetric<L> =>
    declarePlainMetric<L>(lazy, { kind: 'gauge', name, help, ...(labelNames ? { labelNames } : {}) });
  const forward = ['forward'] as const;
  return {
    get registry() { return lazy.get(); },
    connected: gauge('etcd_edge_tunnel_connected', '1 while the SSH connection is up'),
    reconnects: counter('etcd_edge_tunnel_reconnects_total', 'SSH connections re-established after a drop'),
    forwardUp: gauge('etcd_edge_tunnel_forward_up', '1 while a forward carries traffic', forward),
    sentBytes: counter('etcd_edge_tunnel_sent_bytes_total', 'bytes carried from clients to the target', forward),
    receivedBytes: counter('etcd_edge_tunnel_received_bytes_total', 'bytes carried from the target back to clients', forward),
    connections: counter('etcd_edge_tunnel_connections_total', 'connections carried through a forward', forward),
    activeConnections: gauge('etcd_edge_tunnel_active_connections', 'connections open through a forward', forward),
    refusedConnections: counter('etcd_edge_tunnel_refused_connections_total', 'connections closed at once because the tunnel was down or the target refused', forward),
    lastError: gauge('etcd_edge_tunnel_last_error', '1 for the code of the last connection error', ['code'] as const),
    lastErrorTime: gauge('etcd_edge_tunnel_last_error_timestamp_seconds', 'when the last connection error happened'),
  };
}
