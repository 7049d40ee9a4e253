// Reads the status page's edge numbers from each component's own Prometheus text, so the proxy, gateway and
// tunnel need no status API of their own: the page shows what /metrics says.
import type { EdgeComponent } from '../core/edge.js';
import { parseMetricsText, sumOf } from '../core/metrics-text.js';
import type { Sample } from '../core/metrics-text.js';
import type { EdgeView } from './status-json.js';

/** Counters a rate is computed from, per component index. */
export interface EdgeCounters {
  readonly requests: number;
  readonly bytes: number;
}

function proxyView(c: EdgeComponent, s: readonly Sample[]): Pick<EdgeView, 'stats' | 'endpoints'> {
  const available = new Set(c.endpoints?.() ?? []);
  const seen = new Map<string, number>();
  for (const x of s) if (x.name === 'etcd_proxy_endpoint_requests_total' && x.labels.endpoint) seen.set(x.labels.endpoint, x.value);
  for (const u of available) if (!seen.has(u)) seen.set(u, 0);
  const errors5xx = s.filter((x) => x.name === 'etcd_proxy_handled_total' && Number(x.labels.code) >= 500).reduce((a, x) => a + x.value, 0);
  return {
    stats: {
      requestsTotal: sumOf(s, 'etcd_proxy_requests_total'), errorsTotal: sumOf(s, 'etcd_proxy_dropped_total') + errors5xx,
      endpointsAvailable: sumOf(s, 'etcd_proxy_endpoints', { state: 'available' }), endpointsUnavailable: sumOf(s, 'etcd_proxy_endpoints', { state: 'unavailable' }),
    },
    endpoints: [...seen].map(([url, requests]) => ({ url, state: available.has(url) ? 'available' : 'unavailable', requests })),
  };
}

function gatewayView(s: readonly Sample[]): Pick<EdgeView, 'stats' | 'endpoints'> {
  const eps = s.filter((x) => x.name === 'etcd_edge_gateway_endpoint_up' && x.labels.endpoint);
  return {
    stats: {
      endpointsUp: eps.filter((x) => x.value === 1).length, endpointsDown: eps.filter((x) => x.value !== 1).length,
      connectionsActive: sumOf(s, 'etcd_edge_gateway_connections_active'), connectionsTotal: sumOf(s, 'etcd_edge_gateway_connections_total'),
      bytesTotal: sumOf(s, 'etcd_edge_gateway_bytes_total'), refusalsTotal: sumOf(s, 'etcd_edge_gateway_no_endpoint_total'),
      dialFailuresTotal: sumOf(s, 'etcd_edge_gateway_dial_failures_total'),
    },
    endpoints: eps.map((x) => ({ url: x.labels.endpoint as string, state: x.value === 1 ? 'up' : 'down' })),
  };
}

function tunnelView(s: readonly Sample[]): Pick<EdgeView, 'stats' | 'endpoints'> {
  return {
    stats: { connected: sumOf(s, 'etcd_edge_tunnel_connected'), reconnectsTotal: sumOf(s, 'etcd_edge_tunnel_reconnects_total') },
    endpoints: s.filter((x) => x.name === 'etcd_edge_tunnel_forward_up').map((x) => ({ url: x.labels.forward ?? '', state: x.value === 1 ? 'up' : 'down' })),
  };
}

/** Builds one component's view and the counters its rates come from. */
export async function edgeView(c: EdgeComponent): Promise<{ view: EdgeView; counters: EdgeCounters }> {
  const d = c.describe();
  const s = c.metrics ? parseMetricsText(await c.metrics().catch(() => '')) : [];
  const part = d.kind === 'proxy' ? proxyView(c, s) : d.kind === 'gateway' ? gatewayView(s) : d.kind === 'tunnel' ? tunnelView(s) : { stats: {}, endpoints: [] };
  const lastError = s.find((x) => x.name === 'etcd_edge_tunnel_last_error' && x.value === 1)?.labels.code;
  const detail = lastError ? `${d.detail}; last error ${lastError}` : d.detail;
  return {
    view: { kind: d.kind, address: d.address, detail, ...part },
    counters: { requests: part.stats.requestsTotal ?? 0, bytes: part.stats.bytesTotal ?? 0 },
  };
}
