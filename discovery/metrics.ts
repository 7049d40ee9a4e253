// Prometheus metrics of one discovery service instance, in a registry of its own (no global default registry).
// Requests count plain numbers; prom-client is loaded and the registry built at the first scrape.
import type { Registry } from 'prom-client';
import { declarePlainMetric } from '../core/prom-values.js';
import type { PlainMetric } from '../core/prom-values.js';
import { createLazyRegistry } from '../core/prom.js';

/** The service's metrics and the registry /metrics renders. */
export interface DiscoveryMetrics {
  /** The registry, built (and prom-client loaded) on first use. */
  readonly registry: Registry;
  readonly requests: PlainMetric<'route' | 'method' | 'code'>;
  readonly waiting: PlainMetric;
  readonly tokensCreated: PlainMetric;
  readonly storeErrors: PlainMetric;
}

/** Creates the metrics of one service instance. */
export function createMetrics(): DiscoveryMetrics {
  const lazy = createLazyRegistry(false);
  return {
    get registry() { return lazy.get(); },
    requests: declarePlainMetric(lazy, { kind: 'counter', name: 'etcd_edge_discovery_requests_total', help: 'HTTP requests by route, method and status code', labelNames: ['route', 'method', 'code'] }),
    waiting: declarePlainMetric(lazy, { kind: 'gauge', name: 'etcd_edge_discovery_waiting_requests', help: 'long polls (wait=true) in progress' }),
    tokensCreated: declarePlainMetric(lazy, { kind: 'counter', name: 'etcd_edge_discovery_tokens_created_total', help: 'tokens created through /new' }),
    storeErrors: declarePlainMetric(lazy, { kind: 'counter', name: 'etcd_edge_discovery_store_errors_total', help: 'requests that failed because the store failed' }),
  };
}
