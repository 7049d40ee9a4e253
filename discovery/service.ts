// The discovery service component: an HTTP server compatible with discovery.etcd.io and etcd's v2 discovery
// client, keeping every token and registration in an etcd cluster through the v3 API, so restarts lose nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard, throwIfAborted } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { formatHostPort, listen } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import type { DiscoveryServeConfig } from './config.js';
import { createHandler } from './handler.js';
import { createMetrics } from './metrics.js';
import { createStore } from './store.js';
import { createTokens } from './tokens.js';

/** A running (or not yet started) discovery service. */
export interface DiscoveryService extends Component {
  /** The bound address; throws before start(). */
  address(): AddressInfo;
  /** The public URL prefix of token URLs. */
  publicHost(): string;
  /** Renders the service's Prometheus text (for a --listen-metrics-urls listener). */
  metrics(): Promise<string>;
}

/** Seams for tests. */
export interface DiscoveryServiceDeps {
  readonly logger?: Logger;
}

/** Creates the discovery service; start() binds the listener and probes the store. */
export function createDiscoveryService(config: Readonly<DiscoveryServeConfig>, deps: DiscoveryServiceDeps = {}): DiscoveryService {
  const log = (deps.logger ?? noopLogger()).child({ component: 'discovery' });
  const guard = lifecycleGuard('discovery service');
  const store = createStore({ endpoints: config.endpoints, timeoutMs: config.requestTimeoutMs, ...(config.tls ? { tls: loadClientTls(config.tls) } : {}) });
  const tokens = createTokens(store, config.storePrefix);
  const metrics = createMetrics();
  const closing = new AbortController();
  let bound: AddressInfo | undefined;
  const publicHost = (): string => config.host ?? `http://${formatHostPort({ host: bound?.address ?? config.listenAddr.host, port: bound?.port ?? config.listenAddr.port })}`;
  const server = http.createServer({ keepAliveTimeout: 5000 }, createHandler({ store, tokens, metrics, log, closing: closing.signal, publicHost }));
  server.on('clientError', (_err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); else socket.destroy(); });
  let inFlight = 0;
  const drained: (() => void)[] = [];
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => { inFlight--; if (inFlight === 0) drained.splice(0).forEach((f) => f()); });
  });

  return {
    address() {
      if (!bound) throw new EdgeError('EDGE_USAGE', 'discovery service is not started');
      return bound;
    },
    publicHost,
    metrics: () => metrics.registry.metrics(),
    async start(opts = {}) {
      guard.beginStart();
      throwIfAborted(opts.signal, 'discovery service start');
      bound = await listen(server, config.listenAddr, '--listen-addr');
      try {
        await store.get(tokens.keys.dir('_health'));
      } catch (err) {
        // Not fatal: etcd's discovery client retries 5xx answers, so the service is useful once the store is back.
        log.warn({ ...errFields(err), endpoints: config.endpoints }, 'store not reachable yet');
      }
      log.info({ address: formatHostPort({ host: bound.address, port: bound.port }), host: publicHost(), endpoints: config.endpoints }, 'discovery service ready');
    },
    close() {
      return guard.closeOnce(async () => {
        if (!server.listening) return;
        // Order: stop accepting, drop long polls (their clients retry), drain the rest, then destroy what is left.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        closing.abort();
        server.closeIdleConnections();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, config.shutdownTimeoutMs);
            drained.push(() => { clearTimeout(t); resolve(); });
          });
        }
        server.closeAllConnections();
        await closed;
      });
    },
  };
}
