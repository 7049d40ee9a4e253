// The proxy's Prometheus metrics, named as etcd's proxy/httpproxy/metrics.go (etcd_proxy_requests_total,
// handled_total{code,method}, dropped_total{method,proxying_error}, handling_duration_seconds) plus endpoint
// gauges. One registry per proxy instance. The data path only bumps plain numbers: counters are handed to
// prom-client when /metrics is scraped, and the duration histogram keeps its own buckets (prom-client hashes
// the labels on every observe(), about 5 % of the proxy's CPU per request). prom-client itself (about 10 MB of
// RSS) is loaded at the first scrape, so Node's default process metrics (GC, event-loop lag) start from there.
import type { ServerResponse } from 'node:http';
import type { Counter, Registry } from 'prom-client';
import { createLazyRegistry } from '../core/prom.js';
import type { MetricsRegistration, PromClient } from '../core/prom.js';

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);
const BUCKETS = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048];

/** Why a request was not forwarded (the proxying_error label). */
export type DropReason = 'zero_endpoints' | 'all_endpoints_failed' | 'readonly' | 'loop' | 'body_too_large' | 'bad_request' | 'method_not_allowed' | 'client_gone';

/** The metrics surface the proxy records into. */
export interface ProxyMetrics {
  /** The prom-client registry, built (and prom-client loaded) on first use: a scrape. */
  readonly registry: Registry;
  /** Declares more metrics in the registry, now or when it is built. */
  extend(register: MetricsRegistration): void;
  requested(method: string): void;
  /** startMs: performance.now() when the request came in. */
  handled(method: string, code: number, startMs: number): void;
  dropped(method: string, reason: DropReason): void;
  endpoints(available: number, total: number): void;
  counterFor(url: string): () => void;
  /** Adds what was counted elsewhere (the native front's deltas). */
  absorb(c: ForeignCounts): void;
  /** Runs fn at the start of every scrape (the native fronts hand their counts over then). */
  beforeScrape(fn: () => void): void;
}

/** Counts made outside this module, as deltas: the native front's stats() (proxy/native/README.md). */
export interface ForeignCounts {
  readonly requests: ReadonlyArray<readonly [string, number]>;
  readonly handled: ReadonlyArray<readonly [string, number, number]>;
  readonly dropped: ReadonlyArray<readonly [string, string, number]>;
  /** Per method: NON-cumulative counts over BUCKETS (a value above the last is only in count), sum in seconds, count. */
  readonly durations: ReadonlyArray<readonly [string, readonly number[], number, number]>;
  readonly served: ReadonlyArray<readonly [string, number]>;
  /** v3 JSON ranges sent to a member as gRPC calls: [answered that way, sent again as JSON]. */
  readonly v3Grpc?: readonly [number, number];
}

/** Counts not yet handed to a prom-client counter, by label set. */
class PendingCounts<L extends Record<string, string>> {
  readonly #entries = new Map<string, { labels: L; n: number; bump: () => void }>();

  /** Returns the bump function of one label set (look it up once, then keep the function). */
  slot(labels: L): () => void {
    const key = JSON.stringify(labels);
    let e = this.#entries.get(key);
    if (e === undefined) {
      const entry = { labels, n: 0, bump: (): void => { entry.n++; } };
      this.#entries.set(key, entry);
      e = entry;
    }
    return e.bump;
  }

  /** Adds n to one label set. */
  add(labels: L, n: number): void {
    this.slot(labels);
    const e = this.#entries.get(JSON.stringify(labels));
    if (e !== undefined) e.n += n;
  }

  /** Adds what accumulated to the counter (its collect hook, run on every scrape). */
  flush(counter: Counter<Extract<keyof L, string>>): void {
    for (const e of this.#entries.values()) {
      if (e.n === 0) continue;
      counter.inc(e.labels as Parameters<typeof counter.inc>[0] & object, e.n);
      e.n = 0;
    }
  }
}

/** One exposed sample, in the shape prom-client's registry renders (its typings name the type as an enum). */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** A histogram with per-method buckets kept as plain arrays, exposed in prom-client's text format. */
class MethodHistogram {
  readonly name = 'etcd_proxy_handling_duration_seconds';
  readonly help = 'Bucketed histogram of handling time of successful events (non-watches), by method (GET/PUT etc.).';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, { counts: Float64Array; sum: number; count: number }>();

  /** Returns the observe function of one method; its series is exposed from its first observation on. */
  child(method: string): (seconds: number) => void {
    let s = this.#series.get(method);
    if (s === undefined) { s = { counts: new Float64Array(BUCKETS.length), sum: 0, count: 0 }; this.#series.set(method, s); }
    const series = s;
    return (v) => {
      let i = 0;
      while (i < BUCKETS.length && v > (BUCKETS[i] as number)) i++;
      if (i < BUCKETS.length) series.counts[i] = (series.counts[i] ?? 0) + 1;
      series.sum += v;
      series.count++;
    };
  }

  /** Adds bucket counts, their sum and count, observed elsewhere. */
  merge(method: string, buckets: readonly number[], sum: number, count: number): void {
    let s = this.#series.get(method);
    if (s === undefined) { s = { counts: new Float64Array(BUCKETS.length), sum: 0, count: 0 }; this.#series.set(method, s); }
    for (let i = 0; i < BUCKETS.length; i++) s.counts[i] = (s.counts[i] ?? 0) + (buckets[i] ?? 0);
    s.sum += sum;
    s.count += count;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [method, s] of this.#series) {
      if (s.count === 0) continue;
      let acc = 0;
      BUCKETS.forEach((le, i) => {
        acc += s.counts[i] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, method }, value: acc });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', method }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: { method }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { method }, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

interface PerMethod {
  /** The method label: the method itself, or OTHER for methods outside METHODS. */
  readonly label: string;
  readonly req: () => void;
  readonly hist: (seconds: number) => void;
  readonly codes: Map<number, () => void>;
  readonly drops: Map<string, () => void>;
}

interface Pending {
  readonly reqs: PendingCounts<{ method: string }>;
  readonly handled: PendingCounts<{ method: string; code: string }>;
  readonly drops: PendingCounts<{ method: string; proxying_error: string }>;
  readonly served: PendingCounts<{ endpoint: string }>;
  readonly v3Grpc: PendingCounts<{ outcome: string }>;
  readonly duration: MethodHistogram;
  readonly endpoints: { available: number; total: number };
  readonly pulls: Array<() => void>;
}

/** Declares the proxy's metrics over the pending counts (when the registry is built, at the first scrape). */
function registerProxyMetrics(p: Pending, registry: Registry, prom: PromClient): void {
  const { Counter, Gauge } = prom;
  // Registered first, so its collect runs first in a scrape: the native fronts' counts come in before any flush.
  new Counter({
    name: 'etcd_proxy_requests_total', help: 'Counter requests incoming by method.', labelNames: ['method'], registers: [registry],
    collect() { for (const pull of p.pulls) pull(); p.reqs.flush(this); },
  });
  new Counter({ name: 'etcd_proxy_handled_total', help: 'Counter of requests fully handled (by authoratitave servers)', labelNames: ['method', 'code'], registers: [registry], collect() { p.handled.flush(this); } });
  new Counter({ name: 'etcd_proxy_dropped_total', help: 'Counter of requests dropped on the proxy.', labelNames: ['method', 'proxying_error'], registers: [registry], collect() { p.drops.flush(this); } });
  registry.registerMetric(p.duration as unknown as Parameters<Registry['registerMetric']>[0]);
  new Gauge({
    name: 'etcd_proxy_endpoints', help: 'Member client URLs known to the proxy, by state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.set({ state: 'available' }, p.endpoints.available);
      this.set({ state: 'unavailable' }, p.endpoints.total - p.endpoints.available);
    },
  });
  new Counter({ name: 'etcd_proxy_endpoint_requests_total', help: 'Requests answered through each member client URL.', labelNames: ['endpoint'], registers: [registry], collect() { p.served.flush(this); } });
  new Counter({
    name: 'etcd_edge_proxy_v3_range_grpc_total', labelNames: ['outcome'], registers: [registry], collect() { p.v3Grpc.flush(this); },
    help: 'v3 JSON ranges the native front sent to a member as gRPC calls, by outcome: answered, or sent again as JSON (an error, a failure, an answer over 256 KB).',
  });
}

/** Creates the proxy's metrics; the prom-client registry (with Node's default process metrics) comes at the first scrape. */
export function createMetrics(): ProxyMetrics {
  const p: Pending = {
    reqs: new PendingCounts(), handled: new PendingCounts(), drops: new PendingCounts(), served: new PendingCounts(), v3Grpc: new PendingCounts(),
    duration: new MethodHistogram(), endpoints: { available: 0, total: 0 }, pulls: [],
  };
  const { reqs, handled, drops, served, duration } = p;
  const lazy = createLazyRegistry();
  lazy.add((registry, prom) => registerProxyMetrics(p, registry, prom));
  // Per-method slots, built on first use: the data path then only increments numbers.
  const byMethod = new Map<string, PerMethod>();
  const per = (method: string): PerMethod => {
    let x = byMethod.get(method);
    if (x === undefined) {
      const label = METHODS.has(method) ? method : 'OTHER';
      x = { label, req: reqs.slot({ method: label }), hist: duration.child(label), codes: new Map(), drops: new Map() };
      byMethod.set(method, x);
    }
    return x;
  };
  return {
    get registry() { return lazy.get(); },
    extend: (register) => lazy.add(register),
    requested: (method) => per(method).req(),
    handled(method, code, startMs) {
      const x = per(method);
      let c = x.codes.get(code);
      if (c === undefined) { c = handled.slot({ method: x.label, code: String(code) }); x.codes.set(code, c); }
      c();
      x.hist((performance.now() - startMs) / 1e3);
    },
    dropped(method, reason) {
      const x = per(method);
      let c = x.drops.get(reason);
      if (c === undefined) { c = drops.slot({ method: x.label, proxying_error: reason }); x.drops.set(reason, c); }
      c();
    },
    endpoints(available, total) {
      p.endpoints.available = available;
      p.endpoints.total = total;
    },
    counterFor: (url) => served.slot({ endpoint: url }),
    absorb(c) {
      for (const [method, n] of c.requests) reqs.add({ method: per(method).label }, n);
      for (const [method, code, n] of c.handled) handled.add({ method: per(method).label, code: String(code) }, n);
      for (const [method, reason, n] of c.dropped) drops.add({ method: per(method).label, proxying_error: reason }, n);
      for (const [method, buckets, sum, count] of c.durations) duration.merge(per(method).label, buckets, sum, count);
      for (const [url, n] of c.served) served.add({ endpoint: url }, n);
      if (c.v3Grpc !== undefined) { p.v3Grpc.add({ outcome: 'answered' }, c.v3Grpc[0]); p.v3Grpc.add({ outcome: 'json' }, c.v3Grpc[1]); }
    },
    beforeScrape: (fn) => { p.pulls.push(fn); },
  };
}

/** Answers a /metrics scrape with the registry's text; onError answers instead when rendering fails. */
export function serveMetrics(registry: Registry, res: ServerResponse, onError: () => void): void {
  registry.metrics().then((text) => {
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(text);
  }, onError);
}
