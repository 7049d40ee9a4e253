// The one metrics and health listener of every long-running command (etcd's --listen-metrics-urls): GET /metrics
// (Prometheus text), /livez, /readyz (200 "ok" or 503 with the reason), /health (etcd's JSON), plus the routes a
// command adds (the status page of `up`). Plain http on loopback by default, like etcd's metrics listener.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lifecycleGuard } from './lifecycle.js';
import type { Component } from './lifecycle.js';
import { mergeMetricsTexts } from './metrics-text.js';
import { listen } from './net.js';
import type { HostPort } from './net.js';
import { createLazyRegistry } from './prom.js';

/** Answers one extra GET route. */
export type MetricsRoute = (req: IncomingMessage, res: ServerResponse) => void;

/** What the listener serves. */
export interface MetricsServerConfig {
  readonly listen: readonly HostPort[];
  /** Renders the Prometheus text (every component's metrics, merged). */
  readonly metrics: () => Promise<string>;
  /** Undefined when ready, else the reason /readyz gives with its 503. */
  readonly notReady: () => string | undefined | Promise<string | undefined>;
  /** Extra GET routes by exact path ('/' for a page). */
  readonly routes?: Readonly<Record<string, MetricsRoute>>;
  /** The flag the addresses came from, for error hints. */
  readonly flag?: string;
}

/** A running listener. */
export interface MetricsServer {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Returns the bound addresses (after start). */
  addresses(): AddressInfo[];
  /** Returns the bound addresses as http:// URLs. */
  urls(): string[];
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(body);
}

/** Creates the listener; nothing is bound until start(). */
export function createMetricsServer(config: Readonly<MetricsServerConfig>): MetricsServer {
  const guard = lifecycleGuard('metrics');
  const servers: http.Server[] = [];
  const bound: AddressInfo[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    if (path === '/metrics') {
      config.metrics().then((text) => send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text),
        (err: unknown) => send(res, 500, 'text/plain', `${String(err)}\n`));
    } else if (path === '/livez') {
      send(res, 200, 'text/plain', 'ok\n');
    } else if (path === '/readyz') {
      Promise.resolve(config.notReady()).then((why) => send(res, why === undefined ? 200 : 503, 'text/plain', `${why ?? 'ok'}\n`),
        (err: unknown) => send(res, 503, 'text/plain', `${String(err)}\n`));
    } else if (path === '/health') {
      // etcd's /health shape, so probes written for a member work here too; healthy means ready.
      Promise.resolve(config.notReady()).then((why) => why, (err: unknown) => String(err)).then((why) =>
        send(res, why === undefined ? 200 : 503, 'application/json', `${JSON.stringify({ health: String(why === undefined) })}\n`));
    } else {
      const route = config.routes?.[path];
      if (route) route(req, res);
      else send(res, 404, 'text/plain', 'not found\n');
    }
  };
  const closeServers = async (): Promise<void> => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); })));
  };
  return {
    async start() {
      guard.beginStart();
      try {
        for (const addr of config.listen) {
          const s = http.createServer(handle);
          s.keepAliveTimeout = 5000;
          servers.push(s);
          bound.push(await listen(s, addr, config.flag ?? '--listen-metrics-urls'));
        }
      } catch (err) {
        await closeServers();
        throw err;
      }
    },
    close() {
      return guard.closeOnce(closeServers);
    },
    addresses: () => [...bound],
    urls: () => bound.map((a) => `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`),
  };
}

/** Runs a component with a metrics listener beside it: /metrics (the component's text, or process metrics), /livez, /readyz. */
export function withMetricsListener(component: Component, opts: { listen: readonly HostPort[]; metrics?: () => Promise<string> }): Component {
  if (opts.listen.length === 0) return component;
  // Node's process metrics come from prom-client, loaded at the first scrape.
  const registry = createLazyRegistry();
  let ready = false;
  const server = createMetricsServer({
    listen: opts.listen,
    metrics: async () => mergeMetricsTexts([await registry.get().metrics(), ...(opts.metrics ? [await opts.metrics()] : [])]),
    notReady: () => (ready ? undefined : 'not started'),
  });
  return {
    async start(o) {
      await component.start(o);
      await server.start();
      ready = true;
    },
    async close() {
      ready = false;
      await server.close();
      await component.close();
    },
  };
}
