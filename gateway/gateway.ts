// createGateway(): the L4 gateway (etcd's `etcd gateway start`, etcdmain/gateway.go + proxy/tcpproxy): resolve
// the endpoints, guard against loops, listen, probe, then relay connections while auto-sync follows the cluster.
import type { AddressInfo } from 'node:net';
import { getDiscoveryCluster } from '../etcd/discovery-client.js';
import { memberList, peerMembers } from '../etcd/etcd-client.js';
import { lookupSrv } from '../etcd/srv.js';
import type { EtcdMember } from '../etcd/index.js';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { deriveMaxConnections, everyMs, raiseNofileLimit } from '../core/limits.js';
import { formatHostPort } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { GatewayConfig } from './config.js';
import { probeTcp } from './dial.js';
import { controlUrls, keysOf } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { assertNoLoops, createLoopGuard } from './loop.js';
import type { LoopDeps } from './loop.js';
import { createGatewayMetrics } from './metrics.js';
import type { GatewayMetrics, RelayCounters } from './metrics.js';
import type { MetricsServer } from '../core/metrics-server.js';
import { createJsDataPath } from './datapath.js';
import type { DataPath, DataPathEvents } from './datapath.js';
import { createNativeDataPath, loadAddon } from './native.js';
import type { RelayAddon } from './native.js';
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
  /** Loads the native addon (tests point it elsewhere); returns the reason when it cannot. */
  readonly loadAddon?: () => RelayAddon | string;
  /** How many connection-capped listeners share this process (`up` with a proxy and a gateway: 2). */
  readonly listeners?: number;
}

/** A point-in-time view of a gateway. */
export interface GatewayStatus {
  readonly endpoints: readonly RemoteView[];
  readonly live: number;
  readonly connections: number;
  /** The data path in use. */
  readonly dataPath: 'native' | 'js';
  /** The connection cap in force. */
  readonly maxConnections: number;
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
  readonly #source: EndpointSource;
  #metricsServer: MetricsServer | undefined;
  #tls: ClientTlsOptions | undefined;
  #dataPath: DataPath | undefined;
  #maxConnections = 0;
  readonly #warnRefused = everyMs(10_000);
  #bound: AddressInfo | undefined;
  #sync: Sync | undefined;

  constructor(cfg: GatewayConfig, deps: GatewayDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#log = (deps.logger ?? noopLogger()).child({ component: 'gateway' });
    // Metrics read the data path only at scrape time, so it can be created after them (at start).
    this.#metrics = createGatewayMetrics(() => this.#counters());
    this.#remotes = createRemotes({
      initialRetryMs: cfg.initialRetryMs, retryDelayMs: cfg.retryDelayMs, probe: this.#probe, logger: this.#log,
      onState: (ep, up) => {
        this.#metrics.setEndpointUp(ep.key, up);
        this.#dataPath?.setEndpoints(this.#remotes.list());
      },
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
      this.#sync?.close();
      this.#remotes.close();
      const dp = this.#dataPath;
      const open = dp?.active() ?? 0;
      if (open > 0) this.#log.info({ connections: open, drainTimeoutMs: this.#cfg.drainTimeoutMs }, 'draining connections');
      const cut = dp ? await dp.close(this.#cfg.drainTimeoutMs) : 0;
      if (cut > 0) this.#log.warn({ connections: cut }, 'drain timeout: closing the remaining connections');
      await this.#metricsServer?.close();
      if (this.#bound) this.#log.info({}, 'gateway stopped');
    });
  }

  address(): AddressInfo {
    if (!this.#bound) throw new EdgeError('EDGE_INTERNAL', 'gateway is not listening');
    return this.#bound;
  }

  metricsAddresses(): AddressInfo[] {
    return this.#metricsServer?.addresses() ?? [];
  }

  status(): GatewayStatus {
    return {
      endpoints: this.#remotes.list(), live: this.#remotes.liveCount(), connections: this.#dataPath?.active() ?? 0,
      dataPath: this.#dataPath?.kind ?? this.#cfg.dataPath ?? 'native', maxConnections: this.#maxConnections,
    };
  }

  metrics(): Promise<string> {
    return this.#metrics.registry().then((r) => r.metrics());
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
    this.#dataPath = this.#createDataPath();
    this.#bound = await this.#dataPath.listen(cfg.listenAddr, '--listen-addr');
    this.#checkClosed();
    this.#remotes.set(eps);
    this.#dataPath.setEndpoints(this.#remotes.list());
    await this.#remotes.probeAll();
    this.#checkClosed();
    if (cfg.listenMetrics.length > 0) {
      // Loaded only here: a gateway without --listen-metrics-urls never loads prom-client.
      const { createMetricsServer } = await import('../core/metrics-server.js');
      const registry = await this.#metrics.registry();
      this.#metricsServer = createMetricsServer({
        listen: cfg.listenMetrics,
        metrics: () => registry.metrics(),
        notReady: () => (!this.#guard.closed && this.#remotes.liveCount() > 0 ? undefined : 'no endpoint is up'),
      });
      await this.#metricsServer.start();
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

  // The limits of the limits issue: raise the open-file limit, derive the cap (two descriptors per connection,
  // keeping the reserve), then pick the data path: native unless --data-path js or the addon cannot load.
  #createDataPath(): DataPath {
    const cfg = this.#cfg;
    const nofile = raiseNofileLimit();
    this.#maxConnections = cfg.maxConnections > 0 ? cfg.maxConnections : deriveMaxConnections({ nofile: nofile.soft, fdsPerConnection: 2, listeners: this.#deps.listeners ?? 1 });
    const events: DataPathEvents = {
      onDialFailure: (key, err) => {
        this.#metrics.dialFailure(key);
        this.#remotes.markDown(key, err);
      },
      onNoEndpoint: () => {
        this.#metrics.noEndpoint();
        this.#remotes.probeNow();
      },
      onRefused: () => {
        if (this.#warnRefused()) {
          this.#log.warn({ maxConnections: this.#maxConnections, refused: this.#dataPath?.refused() ?? 0 },
            'connection cap reached: closing new connections at accept (--max-connections)');
        }
      },
    };
    const common = { dialTimeoutMs: cfg.dialTimeoutMs, idleTimeoutMs: cfg.idleTimeoutMs, maxConnections: this.#maxConnections, events };
    let dp: DataPath;
    if (cfg.dataPath === 'js') {
      dp = createJsDataPath({ ...common, remotes: this.#remotes });
    } else {
      const addon = (this.#deps.loadAddon ?? loadAddon)();
      if (typeof addon === 'string') {
        this.#log.warn({ reason: addon }, 'native data path unavailable: relaying with the JavaScript data path');
        dp = createJsDataPath({ ...common, remotes: this.#remotes });
      } else {
        dp = createNativeDataPath({ ...common, addon, relayThreads: cfg.relayThreads });
      }
    }
    this.#log.info({
      dataPath: dp.kind, nofile: nofile.soft, nofileBefore: nofile.before, maxConnections: this.#maxConnections,
      idleTimeoutMs: cfg.idleTimeoutMs, ...(dp.kind === 'native' ? { relayThreads: cfg.relayThreads } : {}),
    }, 'data path and limits');
    return dp;
  }

  #counters(): RelayCounters {
    const dp = this.#dataPath;
    return {
      active: () => dp?.active() ?? 0,
      accepted: () => dp?.accepted() ?? 0,
      bytes: () => dp?.bytes() ?? { in: 0, out: 0 },
      refused: () => dp?.refused() ?? 0,
    };
  }

  readonly #probe = (ep: Endpoint): Promise<void> => probeTcp(ep, this.#cfg.dialTimeoutMs).catch((err: unknown) => {
    this.#metrics.dialFailure(ep.key);
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
