// The status listener of `up` (on --listen-metrics-urls) and of `status --serve`: the core metrics listener with
// the page at / and the status document at /api/status, fed by one sampler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeComponent } from '../core/edge.js';
import { createMetricsServer } from '../core/metrics-server.js';
import type { MetricsServer } from '../core/metrics-server.js';
import { mergeMetricsTexts } from '../core/metrics-text.js';
import { createLazyRegistry } from '../core/prom.js';
import type { LazyRegistry } from '../core/prom.js';
import type { HostPort } from '../core/net.js';
import { isLoopbackHost } from '../core/net.js';
import type { ClusterStatus } from './status.js';
import type { ProcessView, StatusDoc } from './status-json.js';
import { createStatusSampler } from './status-live.js';
import { STATUS_PAGE_HTML } from './status-page-html.js';

/** What the status listener serves. */
export interface StatusListenerConfig {
  readonly listen: readonly HostPort[];
  readonly collect: () => Promise<ClusterStatus>;
  readonly processes?: () => readonly (ProcessView & { readonly name: string; readonly endpoint: string })[];
  readonly edge?: () => readonly EdgeComponent[];
  readonly intervalMs?: number;
  readonly flag?: string;
  readonly decorate?: (doc: StatusDoc) => Promise<StatusDoc>;
}

/** A running status listener. */
export interface StatusListener {
  start(): Promise<void>;
  close(): Promise<void>;
  urls(): string[];
}

/** Tells whether every address is on loopback (the page then needs no credentials of its own). */
export function allLoopback(listen: readonly HostPort[]): boolean {
  return listen.every((a) => isLoopbackHost(a.host));
}

// Node's process metrics and the member gauges, declared now and built (prom-client loaded) at the first scrape.
function ownRegistry(processes: StatusListenerConfig['processes']): LazyRegistry {
  const lazy = createLazyRegistry();
  lazy.add((registry, { Gauge }) => {
    new Gauge({
      name: 'etcd_edge_member_running', help: 'Whether up runs the member now (1) or it is restarting, failed or removed (0).', labelNames: ['member', 'state'], registers: [registry],
      collect() { this.reset(); for (const p of processes?.() ?? []) this.set({ member: p.name, state: p.state }, p.state === 'running' ? 1 : 0); },
    });
    new Gauge({
      name: 'etcd_edge_member_restarts', help: 'Restarts of the member since up started.', labelNames: ['member'], registers: [registry],
      collect() { this.reset(); for (const p of processes?.() ?? []) this.set({ member: p.name }, p.restarts); },
    });
  });
  return lazy;
}

/** Creates the listener; start() binds it and begins sampling. */
export function createStatusListener(config: Readonly<StatusListenerConfig>): StatusListener {
  const registry = ownRegistry(config.processes);
  const sampler = createStatusSampler({
    collect: config.collect, intervalMs: config.intervalMs ?? 1000, keep: 300,
    ...(config.edge ? { edge: config.edge } : {}), ...(config.decorate ? { decorate: config.decorate } : {}),
    ...(config.processes ? { processOf: (ep: string) => { const p = config.processes?.().find((x) => x.endpoint === ep); return p && { state: p.state, pid: p.pid, restarts: p.restarts }; } } : {}),
  });
  const json = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const server: MetricsServer = createMetricsServer({
    listen: config.listen, flag: config.flag ?? '--listen-metrics-urls',
    metrics: async () => mergeMetricsTexts([await registry.get().metrics(), ...await Promise.all((config.edge?.() ?? []).map((c) => (c.metrics ? c.metrics().catch(() => '') : '')))]),
    notReady: () => {
      const doc = sampler.current();
      if (!doc) return 'no status sampled yet';
      const bad = doc.members.filter((m) => m.health !== 'healthy').map((m) => m.name ?? m.endpoint);
      return bad.length ? `unhealthy members: ${bad.join(', ')}` : undefined;
    },
    routes: {
      '/': (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" }).end(STATUS_PAGE_HTML);
      },
      '/api/status': (_req: IncomingMessage, res: ServerResponse) => {
        const doc = sampler.current();
        if (doc) json(res, 200, doc); else json(res, 503, { error: 'no status sampled yet' });
      },
    },
  });
  return {
    async start() {
      await server.start();
      sampler.start();
    },
    async close() {
      await sampler.close();
      await server.close();
    },
    urls: () => server.urls(),
  };
}
