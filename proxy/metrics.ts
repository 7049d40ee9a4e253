// The proxy's Prometheus metrics, named as etcd's proxy/httpproxy/metrics.go (etcd_proxy_requests_total,
// handled_total{code,method}, dropped_total{method,proxying_error}, handling_duration_seconds) plus endpoint
// gauges. One registry per proxy instance; label children are cached so the data path does no label hashing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);

/** Why a request was not forwarded (the proxying_error label). */
export type DropReason = 'zero_endpoints' | 'all_endpoints_failed' | 'readonly' | 'loop' | 'body_too_large' | 'bad_request' | 'client_gone';

/** The metrics surface the proxy records into. */
export interface ProxyMetrics {
  readonly registry: Registry;
  requested(method: string): void;
  handled(method: string, code: number, startNs: bigint): void;
  dropped(method: string, reason: DropReason): void;
  endpoints(available: number, total: number): void;
  counterFor(url: string): () => void;
}

/** Creates a registry with the proxy's metrics and Node's default process metrics. */
export function createMetrics(): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'etcd_proxy_requests_total', help: 'Counter requests incoming by method.', labelNames: ['method'], registers: [registry] });
  const handled = new Counter({ name: 'etcd_proxy_handled_total', help: 'Counter of requests fully handled (by authoratitave servers)', labelNames: ['method', 'code'], registers: [registry] });
  const dropped = new Counter({ name: 'etcd_proxy_dropped_total', help: 'Counter of requests dropped on the proxy.', labelNames: ['method', 'proxying_error'], registers: [registry] });
  const duration = new Histogram({
    name: 'etcd_proxy_handling_duration_seconds', help: 'Bucketed histogram of handling time of successful events (non-watches), by method (GET/PUT etc.).',
    labelNames: ['method'], buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048], registers: [registry],
  });
  const endpoints = new Gauge({ name: 'etcd_proxy_endpoints', help: 'Member client URLs known to the proxy, by state.', labelNames: ['state'], registers: [registry] });
  const perEndpoint = new Counter({ name: 'etcd_proxy_endpoint_requests_total', help: 'Requests answered through each member client URL.', labelNames: ['endpoint'], registers: [registry] });
  // Per-method label children, built on first use: the data path then only increments.
  interface PerMethod { req: { inc(): void }; hist: { observe(v: number): void }; codes: Map<number, { inc(): void }>; drops: Map<string, { inc(): void }> }
  const byMethod = new Map<string, PerMethod>();
  const per = (method: string): PerMethod => {
    let x = byMethod.get(method);
    if (x === undefined) {
      const m = METHODS.has(method) ? method : 'OTHER';
      x = { req: requests.labels(m), hist: duration.labels(m), codes: new Map(), drops: new Map() };
      byMethod.set(method, x);
    }
    return x;
  };
  endpoints.set({ state: 'available' }, 0);
  endpoints.set({ state: 'unavailable' }, 0);
  return {
    registry,
    requested: (method) => per(method).req.inc(),
    handled(method, code, startNs) {
      const x = per(method);
      let c = x.codes.get(code);
      if (c === undefined) { c = handled.labels(METHODS.has(method) ? method : 'OTHER', String(code)); x.codes.set(code, c); }
      c.inc();
      x.hist.observe(Number(process.hrtime.bigint() - startNs) / 1e9);
    },
    dropped(method, reason) {
      const x = per(method);
      let c = x.drops.get(reason);
      if (c === undefined) { c = dropped.labels(METHODS.has(method) ? method : 'OTHER', reason); x.drops.set(reason, c); }
      c.inc();
    },
    endpoints(available, total) {
      endpoints.set({ state: 'available' }, available);
      endpoints.set({ state: 'unavailable' }, total - available);
    },
    counterFor(url) {
      const c = perEndpoint.labels(url);
      return () => c.inc();
    },
  };
}
