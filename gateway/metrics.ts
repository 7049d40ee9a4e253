// Prometheus metrics of one gateway, on a registry of its own (never prom-client's global one), and the small
// HTTP server that serves them with /readyz on --listen-metrics-urls. The data path and the control plane only
// bump plain counters; prom-client is loaded when metrics are first rendered or served, so a gateway without
// --listen-metrics-urls never loads it (less memory).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listen } from '../core/net.js';
import type { HostPort } from '../core/net.js';
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

/** A running metrics listener. */
export interface MetricsServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Serves GET /metrics and /readyz (200 while an endpoint is up, 503 otherwise) on addr. */
export async function serveMetrics(addr: HostPort, registry: Registry, ready: () => boolean): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'no endpoint is up\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.keepAliveTimeout = 5000;
  const address = await listen(server, addr, '--listen-metrics-urls');
  return {
    address,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
