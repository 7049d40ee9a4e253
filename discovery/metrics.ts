// Prometheus metrics of one discovery service instance, in a registry of its own (no global default registry).
import { Counter, Gauge, Registry } from 'prom-client';

/** The service's metrics and the registry /metrics renders. */
export interface DiscoveryMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'code'>;
  readonly waiting: Gauge;
  readonly tokensCreated: Counter;
  readonly storeErrors: Counter;
}

/** Creates the metrics of one service instance. */
export function createMetrics(): DiscoveryMetrics {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({ name: 'etcd_edge_discovery_requests_total', help: 'HTTP requests by route, method and status code', labelNames: ['route', 'method', 'code'], registers: [registry] }),
    waiting: new Gauge({ name: 'etcd_edge_discovery_waiting_requests', help: 'long polls (wait=true) in progress', registers: [registry] }),
    tokensCreated: new Counter({ name: 'etcd_edge_discovery_tokens_created_total', help: 'tokens created through /new', registers: [registry] }),
    storeErrors: new Counter({ name: 'etcd_edge_discovery_store_errors_total', help: 'requests that failed because the store failed', registers: [registry] }),
  };
}
