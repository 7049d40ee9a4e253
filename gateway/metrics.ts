// Prometheus metrics of one gateway, on a registry of its own (never prom-client's global one), served on
// --listen-metrics-urls by core's metrics listener. The data path and the control plane only
// bump plain counters; prom-client is loaded when metrics are first rendered or served, so a gateway without
// --listen-metrics-urls never loads it (less memory).
import type { Registry } from 'prom-client';
import type { ByteCounts } from './relay.js';

/** The gateway's metrics that the control plane updates (rare events only). */
export interface GatewayMetrics {
  /** Counts a failed dial (client connection or re-probe) to an endpoint. */
  dialFailure(endpoint: string): void;
  /** Counts a client closed because no endpoint was up. */
  noEndpoint(): void;
  /** Sets an endpoint's state gauge; undefined removes the series (the endpoint left the set). */
  setEndpointUp(endpoint: string, up: boolean | undefined): void;
  /** The registry, built on first use. */
  registry(): Promise<Registry>;
}

/** Counters the relay keeps anyway, read at scrape time so the data path does no metric work per connection. */
export interface RelayCounters {
  /** Connections open now. */
  active(): number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Bytes copied so far; walks the open connections, so read once per scrape. */
  bytes(): ByteCounts;
  /** Connections closed at accept because of the cap. */
  refused?(): number;
}

/** Creates the metrics; `relay` is called at scrape time only. */
export function createGatewayMetrics(relay: () => RelayCounters): GatewayMetrics {
  const dial = new Map<string, number>();
  const up = new Map<string, number>();
  let noEndpoint = 0;
  let built: Promise<Registry> | undefined;
  const build = async (): Promise<Registry> => {
    const { Counter, Gauge, Registry: Reg } = await import('prom-client');
    const registry = new Reg();
    const registers = [registry];
    new Gauge({
      name: 'etcd_edge_gateway_endpoint_up', help: 'Whether an endpoint is up (1) or down (0).', labelNames: ['endpoint'], registers,
      collect() { this.reset(); for (const [endpoint, v] of up) this.set({ endpoint }, v); },
    });
    new Gauge({ name: 'etcd_edge_gateway_connections_active', help: 'Client connections open now.', registers, collect() { this.set(relay().active()); } });
    new Counter({
      name: 'etcd_edge_gateway_connections_total', help: 'Client connections accepted.', registers,
      collect() { this.reset(); this.inc(relay().accepted()); },
    });
    new Counter({
      name: 'etcd_edge_gateway_refused_connections_total', help: 'Client connections closed at accept because of --max-connections.', registers,
      collect() { this.reset(); this.inc(relay().refused?.() ?? 0); },
    });
    new Counter({
      name: 'etcd_edge_gateway_bytes_total', help: 'Bytes relayed, by direction (client_to_endpoint, endpoint_to_client).', labelNames: ['direction'], registers,
      collect() {
        const b = relay().bytes();
        this.reset();
        this.inc({ direction: 'client_to_endpoint' }, b.in);
        this.inc({ direction: 'endpoint_to_client' }, b.out);
      },
    });
    new Counter({
      name: 'etcd_edge_gateway_dial_failures_total', help: 'Failed dials (client connections and re-probes), by endpoint.', labelNames: ['endpoint'], registers,
      collect() { this.reset(); for (const [endpoint, v] of dial) this.inc({ endpoint }, v); },
    });
    new Counter({
      name: 'etcd_edge_gateway_no_endpoint_total', help: 'Client connections closed because no endpoint was up.', registers,
      collect() { this.reset(); this.inc(noEndpoint); },
    });
    return registry;
  };
  return {
    dialFailure(endpoint) { dial.set(endpoint, (dial.get(endpoint) ?? 0) + 1); },
    noEndpoint() { noEndpoint++; },
    setEndpointUp(endpoint, isUp) {
      if (isUp === undefined) up.delete(endpoint);
      else up.set(endpoint, isUp ? 1 : 0);
    },
    registry: () => (built ??= build()),
  };
}
