// Counters and gauges kept as plain numbers and handed to prom-client only when a registry is collected: the data
// path never calls prom-client (it hashes the labels on every inc()), and declaring the metrics does not load it.
import type { Counter, Gauge, MetricObjectWithValues, MetricValue } from 'prom-client';
import type { LazyRegistry } from './prom.js';

/** The label values of one series. */
export type LabelValues<L extends string> = Readonly<Record<L, string>>;

/** One series' value; the data path may keep the cell and add to `v` itself. */
export interface ValueCell {
  v: number;
}

/** A metric declared in a lazy registry, with prom-client's write methods over plain numbers. */
export interface PlainMetric<L extends string = never> {
  /** Adds n (default 1) to a series. */
  inc(labels?: LabelValues<L> | number, n?: number): void;
  /** Subtracts n (default 1) from a series (gauges only). */
  dec(labels?: LabelValues<L> | number, n?: number): void;
  /** Sets a series (gauges only). */
  set(labels: LabelValues<L> | number, v?: number): void;
  /** Drops every series (an unlabelled metric goes back to 0); cells taken before no longer count. */
  reset(): void;
  /** Returns the cell of a series, created at 0, so a hot path can count without a lookup per event. */
  cell(labels?: LabelValues<L>): ValueCell;
  /** Builds the registry (loading prom-client) and returns the metric as prom-client reports it. */
  get(): Promise<MetricObjectWithValues<MetricValue<L>>>;
}

/** What a plain metric is declared with, as prom-client's constructors take it. */
export interface PlainMetricSpec<L extends string> {
  readonly kind: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly cell: ValueCell;
}

/** Declares a plain metric in lazy: its series are written into the prom-client metric on every collect. A counter
 * series shows from its first non-zero count on, as prom-client's own counters do; a gauge series from its creation. */
export function declarePlainMetric<L extends string = never>(lazy: LazyRegistry, spec: PlainMetricSpec<L>): PlainMetric<L> {
  const names: readonly string[] = spec.labelNames ?? [];
  const series = new Map<string, Series>();
  const keyOf = (labels: Readonly<Record<string, string>>): string => names.map((n) => labels[n] ?? '').join('\u0000');
  const cell = (labels: Readonly<Record<string, string>> = {}): ValueCell => {
    const key = keyOf(labels);
    let s = series.get(key);
    if (s === undefined) { s = { labels: { ...labels }, cell: { v: 0 } }; series.set(key, s); }
    return s.cell;
  };
  // prom-client's argument shapes: (n), (labels), (labels, n).
  const args = (a: LabelValues<L> | number | undefined, n: number | undefined, dflt: number): [Readonly<Record<string, string>>, number] =>
    (typeof a === 'number' ? [{}, a] : [a ?? {}, n ?? dflt]);
  let metric: Counter<string> | Gauge<string> | undefined;
  lazy.add((registry, prom) => {
    const counter = spec.kind === 'counter';
    const write = (m: Counter<string> | Gauge<string>): void => {
      m.reset();
      for (const s of series.values()) {
        if (counter && s.cell.v === 0) continue;
        // A counter is reset, then raised to the total; a gauge is set.
        const put = counter ? (m as Counter<string>).inc.bind(m) : (m as Gauge<string>).set.bind(m);
        if (names.length > 0) put(s.labels, s.cell.v); else put(s.cell.v);
      }
    };
    const base = { name: spec.name, help: spec.help, labelNames: names, registers: [registry] };
    metric = counter ? new prom.Counter({ ...base, collect() { write(this); } }) : new prom.Gauge({ ...base, collect() { write(this); } });
  });
  return {
    inc(a, n) { const [labels, by] = args(a, n, 1); cell(labels).v += by; },
    dec(a, n) { const [labels, by] = args(a, n, 1); cell(labels).v -= by; },
    set(a, v) { const [labels, to] = args(a, v, 0); cell(labels).v = to; },
    reset() { series.clear(); },
    cell,
    async get() {
      lazy.get();
      return (metric as Counter<L> | Gauge<L>).get();
    },
  };
}
