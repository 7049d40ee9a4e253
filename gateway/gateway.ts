// createGateway(): the L4 gateway (etcd's `etcd gateway start`, etcdmain/gateway.go + proxy/tcpproxy): resolve
// the endpoints, guard against loops, listen, probe, then relay connections while auto-sync follows the cluster.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { lookupSrv } from '../core/srv.js';
import { getDiscoveryCluster } from '../core/discovery-client.js';
import { memberList, peerMembers } from '../core/etcd-client.js';
import type { EtcdMember } from '../core/etcd-client.js';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { formatHostPort, listen } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { GatewayConfig } from './config.js';
import { probeTcp } from './dial.js';
import { controlUrls, keysOf } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { assertNoLoops, createLoopGuard } from './loop.js';
import type { LoopDeps } from './loop.js';
import { createGatewayMetrics, serveMetrics } from './metrics.js';
import type { GatewayMetrics, MetricsServer } from './metrics.js';
import { createRelay } from './relay.js';
import type { Relay } from './relay.js';
import { createRemotes } from './remotes.js';
import type { Remotes, RemoteView } from './remotes.js';
import { createEndpointSource } from './sources.js';
import type { EndpointSource, SourceDeps } from './sources.js';
import { createSync } from './sync.js';
import type { Sync } from './sync.js';

/** The seams tests need: logger, the network calls behind the endpoint sources, member lists, DNS. */
export interface GatewayDeps {
  readonly logger?: Logger;
  readonly sources?: Partial<SourceDeps>;
  readonly fetchMembers?: (ep: Endpoint, signal: AbortSignal) => Promise<EtcdMember[]>;
  readonly loop?: LoopDeps;
}

/** A point-in-time view of a gateway. */
export interface GatewayStatus {
  readonly endpoints: readonly RemoteView[];
  readonly live: number;
  readonly connections: number;
}

/** A running gateway. */
export interface Gateway extends Component {
  /** Returns the bound client address (useful with port 0); throws before start(). */
  address(): AddressInfo;
  /** Returns the bound metrics addresses, in --listen-metrics-urls order. */
  metricsAddresses(): AddressInfo[];
  status(): GatewayStatus;
  /** Renders the Prometheus metrics text. */
  metrics(): Promise<string>;
  /** Runs one auto-sync round now (tests). */
  syncNow(): Promise<string>;
}

/** Creates a gateway from a frozen config. */
export function createGateway(cfg: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  return new TcpGateway(cfg, deps);
}

class TcpGateway implements Gateway {
  readonly #cfg: GatewayConfig;
  readonly #deps: GatewayDeps;
  readonly #guard = lifecycleGuard('gateway');
  readonly #log: Logger;
  readonly #metrics: GatewayMetrics;
  readonly #remotes: Remotes;
  readonly #relay: Relay;
  readonly #source: EndpointSource;
  readonly #metricsServers: MetricsServer[] = [];
  #tls: ClientTlsOptions | undefined;
  #server: net.Server | undefined;
  #bound: AddressInfo | undefined;
  #sync: Sync | undefined;

  constructor(cfg: GatewayConfig, deps: GatewayDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#log = (deps.logger ?? noopLogger()).child({ component: 'gateway' });
    // Metrics read the relay only at scrape time, so it can be created after them.
    this.#metrics = createGatewayMetrics(() => this.#relay);
    this.#remotes = createRemotes({
      initialRetryMs: cfg.initialRetryMs, retryDelayMs: cfg.retryDelayMs, probe: this.#probe, logger: this.#log,
      onState: (ep, up) => this.#metrics.setEndpointUp(ep.key, up),
    });
    this.#relay = createRelay({
      remotes: this.#remotes, dialTimeoutMs: cfg.dialTimeoutMs,
      hooks: { onDialFailure: (ep) => this.#metrics.dialFailures.inc({ endpoint: ep.key }), onNoEndpoint: () => this.#metrics.noEndpoint.inc() },
    });
    this.#source = createEndpointSource(cfg, { lookupSrv, getDiscoveryCluster, peerMembers, ...deps.sources }, () => this.#tls);
  }

  async start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    this.#guard.beginStart();
    const onAbort = (): void => void this.close();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.#checkClosed();
      await this.#startSteps(opts.signal);
    } catch (err) {
      await this.close();
      if (opts.signal?.aborted) throw new EdgeError('EDGE_ABORTED', 'gateway start was cancelled', { cause: err });
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const bound = this.address();
    this.#log.info({
      listenAddr: formatHostPort({ host: bound.address, port: bound.port }), endpoints: keysOf(this.#remotes.endpoints()),
      live: this.#remotes.liveCount(), autoSyncIntervalMs: this.#cfg.autoSyncIntervalMs,
    }, 'ready to proxy client requests');
  }

  close(): Promise<void> {
    return this.#guard.closeOnce(async () => {
      // Order: stop accepting → stop timers → drain up to --drain-timeout → destroy the rest → metrics last,
      // so /metrics stays scrapable (and /readyz says 503) while connections drain.
      this.#server?.close();
      this.#sync?.close();
      this.#remotes.close();
      const open = this.#relay.active();
      if (open > 0) this.#log.info({ connections: open, drainTimeoutMs: this.#cfg.drainTimeoutMs }, 'draining connections');
      if (!await this.#relay.drain(this.#cfg.drainTimeoutMs)) {
        this.#log.warn({ connections: this.#relay.active() }, 'drain timeout: closing the remaining connections');
        this.#relay.destroyAll();
      }
      await Promise.all(this.#metricsServers.map((m) => m.close()));
      if (this.#bound) this.#log.info({}, 'gateway stopped');
    });
  }

  address(): AddressInfo {
    if (!this.#bound) throw new EdgeError('EDGE_INTERNAL', 'gateway is not listening');
    return this.#bound;
  }

  metricsAddresses(): AddressInfo[] {
    return this.#metricsServers.map((m) => m.address);
  }

  status(): GatewayStatus {
    return { endpoints: this.#remotes.list(), live: this.#remotes.liveCount(), connections: this.#relay.active() };
  }

  metrics(): Promise<string> {
    return this.#metrics.registry.metrics();
  }

  syncNow(): Promise<string> {
    return this.#sync ? this.#sync.runOnce() : Promise.resolve('disabled');
  }

  async #startSteps(signal: AbortSignal | undefined): Promise<void> {
    const cfg = this.#cfg;
    const hasTls = Boolean(cfg.tls.caFile || cfg.tls.certFile || cfg.tls.insecureSkipVerify);
    this.#tls = hasTls ? loadClientTls(cfg.tls) : undefined;
    const eps = await this.#source(signal);
    this.#checkClosed();
    await assertNoLoops(await createLoopGuard(cfg.listenAddr, this.#deps.loop), eps);
    this.#checkClosed();
    this.#server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, this.#relay.handle);
    this.#bound = await listen(this.#server, cfg.listenAddr, '--listen-addr');
    this.#checkClosed();
    this.#remotes.set(eps);
    await this.#remotes.probeAll();
    this.#checkClosed();
    for (const addr of cfg.listenMetrics) {
      this.#metricsServers.push(await serveMetrics(addr, this.#metrics.registry, () => !this.#guard.closed && this.#remotes.liveCount() > 0));
      this.#checkClosed();
    }
    if (cfg.autoSyncIntervalMs > 0) {
      // The guard is rebuilt on the bound port: with --listen-addr :0 the real port is known only now.
      const loop = await createLoopGuard({ host: cfg.listenAddr.host, port: this.#bound.port }, this.#deps.loop);
      this.#sync = createSync({
        intervalMs: cfg.autoSyncIntervalMs, initialRetryMs: cfg.initialRetryMs, remotes: this.#remotes,
        fetchMembers: this.#deps.fetchMembers ?? this.#fetchMembers, seeds: this.#source, loop, probe: this.#probe, logger: this.#log,
      });
      this.#sync.start();
    }
  }

  readonly #probe = (ep: Endpoint): Promise<void> => probeTcp(ep, this.#cfg.dialTimeoutMs).catch((err: unknown) => {
    this.#metrics.dialFailures.inc({ endpoint: ep.key });
    throw err;
  });

  readonly #fetchMembers = async (ep: Endpoint, signal: AbortSignal): Promise<EtcdMember[]> => {
    const { requestTimeoutMs } = this.#cfg;
    let last: unknown;
    // #tls is set in #startSteps exactly when TLS files or flags are given; sync (the only caller) starts after it.
    for (const url of controlUrls(ep, this.#tls !== undefined)) {
      try {
        return await memberList(url, { timeoutMs: requestTimeoutMs, signal, ...(this.#tls ? { tls: this.#tls } : {}) });
      } catch (err) {
        last = err;
      }
    }
    throw last;
  };

  #checkClosed(): void {
    if (this.#guard.closed) throw new EdgeError('EDGE_ABORTED', 'gateway start was cancelled');
  }
}
