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
import type { MetricsServer } from './metrics.js';
import { createRelay } from './relay.js';
import { createRemotes } from './remotes.js';
import type { RemoteView } from './remotes.js';
import { createEndpointSource } from './sources.js';
import type { SourceDeps } from './sources.js';
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
  const guard = lifecycleGuard('gateway');
  const log = (deps.logger ?? noopLogger()).child({ component: 'gateway' });
  let tls: ClientTlsOptions | undefined;
  let server: net.Server | undefined;
  let bound: AddressInfo | undefined;
  let sync: Sync | undefined;
  const metricsServers: MetricsServer[] = [];

  // The relay reads `remotes` lazily, so metrics, remotes and relay can reference one another.
  const metrics = createGatewayMetrics(() => relay.stats());
  const probe = (ep: Endpoint): Promise<void> => probeTcp(ep, cfg.dialTimeoutMs).catch((err: unknown) => {
    metrics.dialFailures.inc({ endpoint: ep.key });
    throw err;
  });
  const remotes = createRemotes({
    initialRetryMs: cfg.initialRetryMs, retryDelayMs: cfg.retryDelayMs, probe, logger: log,
    onState: (ep, up) => metrics.setEndpointUp(ep.key, up),
  });
  const relay = createRelay({
    remotes, dialTimeoutMs: cfg.dialTimeoutMs,
    hooks: { onDialFailure: (ep) => metrics.dialFailures.inc({ endpoint: ep.key }), onNoEndpoint: () => metrics.noEndpoint.inc() },
  });
  const source = createEndpointSource(cfg, { lookupSrv, getDiscoveryCluster, peerMembers, ...deps.sources }, () => tls);
  const preferHttps = Boolean(cfg.tls.caFile || cfg.tls.certFile || cfg.tls.insecureSkipVerify);
  const fetchMembers = deps.fetchMembers ?? (async (ep: Endpoint, signal: AbortSignal): Promise<EtcdMember[]> => {
    let last: unknown;
    for (const url of controlUrls(ep, preferHttps)) {
      try {
        return await memberList(url, { timeoutMs: cfg.requestTimeoutMs, signal, ...(tls ? { tls } : {}) });
      } catch (err) {
        last = err;
      }
    }
    throw last;
  });
  const checkClosed = (): void => {
    if (guard.closed) throw new EdgeError('EDGE_ABORTED', 'gateway start was cancelled');
  };

  async function startSteps(signal: AbortSignal | undefined): Promise<void> {
    const hasTls = Boolean(cfg.tls.caFile || cfg.tls.certFile || cfg.tls.insecureSkipVerify);
    tls = hasTls ? loadClientTls(cfg.tls) : undefined;
    const eps = await source(signal);
    checkClosed();
    await assertNoLoops(await createLoopGuard(cfg.listenAddr, deps.loop), eps);
    checkClosed();
    server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, relay.handle);
    bound = await listen(server, cfg.listenAddr, '--listen-addr');
    checkClosed();
    remotes.set(eps);
    await remotes.probeAll();
    checkClosed();
    for (const addr of cfg.listenMetrics) {
      metricsServers.push(await serveMetrics(addr, metrics.registry, () => !guard.closed && remotes.liveCount() > 0));
      checkClosed();
    }
    if (cfg.autoSyncIntervalMs > 0) {
      // The guard is rebuilt on the bound port: with --listen-addr :0 the real port is known only now.
      const loop = await createLoopGuard({ host: cfg.listenAddr.host, port: bound.port }, deps.loop);
      sync = createSync({
        intervalMs: cfg.autoSyncIntervalMs, initialRetryMs: cfg.initialRetryMs, remotes, fetchMembers, seeds: source, loop, probe, logger: log,
      });
      sync.start();
    }
  }

  const gw: Gateway = {
    async start(opts = {}) {
      guard.beginStart();
      const onAbort = (): void => void gw.close();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        checkClosed();
        await startSteps(opts.signal);
      } catch (err) {
        await gw.close();
        if (opts.signal?.aborted) throw new EdgeError('EDGE_ABORTED', 'gateway start was cancelled', { cause: err });
        throw err;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
      log.info({
        listenAddr: formatHostPort({ host: bound?.address ?? cfg.listenAddr.host, port: bound?.port ?? cfg.listenAddr.port }),
        endpoints: keysOf(remotes.endpoints()), live: remotes.liveCount(), autoSyncIntervalMs: cfg.autoSyncIntervalMs,
      }, 'ready to proxy client requests');
    },
    close() {
      return guard.closeOnce(async () => {
        // Order: stop accepting → stop timers → drain up to --drain-timeout → destroy the rest → metrics last,
        // so /metrics stays scrapable (and /readyz says 503) while connections drain.
        server?.close();
        sync?.close();
        remotes.close();
        const open = relay.active();
        if (open > 0) log.info({ connections: open, drainTimeoutMs: cfg.drainTimeoutMs }, 'draining connections');
        if (!await relay.drain(cfg.drainTimeoutMs)) {
          log.warn({ connections: relay.active() }, 'drain timeout: closing the remaining connections');
          relay.destroyAll();
        }
        await Promise.all(metricsServers.map((m) => m.close()));
        if (bound) log.info({}, 'gateway stopped');
      });
    },
    address() {
      if (!bound) throw new EdgeError('EDGE_INTERNAL', 'gateway is not listening');
      return bound;
    },
    metricsAddresses: () => metricsServers.map((m) => m.address),
    status: () => ({ endpoints: remotes.list(), live: remotes.liveCount(), connections: relay.active() }),
    metrics: () => metrics.registry.metrics(),
    syncNow: () => (sync ? sync.runOnce() : Promise.resolve('disabled')),
  };
  return gw;
}
