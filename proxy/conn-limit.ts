// The proxy's connection-cap metrics: etcd_edge_proxy_refused_connections_total (closed at accept over
// --max-connections), etcd_edge_proxy_connections and etcd_edge_proxy_max_connections, read at scrape time.
import type { Registry } from 'prom-client';
import type { ConnectionCap } from '../core/conn-cap.js';
import type { PromClient } from '../core/prom.js';

/** Registers the cap's figures in the proxy's registry. */
export function registerCapMetrics(registry: Registry, prom: PromClient, cap: ConnectionCap): void {
  const { Counter, Gauge } = prom;
  new Counter({
    name: 'etcd_edge_proxy_refused_connections_total', help: 'Client connections closed at accept because --max-connections was reached.', registers: [registry],
    collect() { this.reset(); this.inc(cap.refused()); },
  });
  new Gauge({ name: 'etcd_edge_proxy_connections', help: 'Client connections held now.', registers: [registry], collect() { this.set(cap.active()); } });
  new Gauge({ name: 'etcd_edge_proxy_max_connections', help: 'The connection cap in force (--max-connections, or derived from the open-file limit).', registers: [registry], collect() { this.set(cap.max); } });
}
