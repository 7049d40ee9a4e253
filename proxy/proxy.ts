// createProxy(): the proxy component (etcd's etcdmain/etcd.go startProxy + proxy/httpproxy): claims the data
// dir, finds the peers, binds its listeners, fetches the members, then forwards; close() drains, then cuts.
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { EdgeError } from '../core/errors.js';
import type { EdgeComponent } from '../core/edge.js';
import { peerMembers } from '../etcd/etcd-client.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createMetricsServer } from '../core/metrics-server.js';
import type { MetricsServer } from '../core/metrics-server.js';
import { createConnectionCap } from '../core/conn-cap.js';
import type { ConnectionCap } from '../core/conn-cap.js';
import { deriveMaxConnections, raiseNofileLimit } from '../core/limits.js';
import type { ProxyConfig } from './config.js';
import { accessLogOn, hasPeerTls } from './config.js';
import { registerCapMetrics } from './conn-limit.js';
import { createDirector } from './director.js';
import type { Director, FetchMembers } from './director.js';
import { createHandler } from './handler.js';
import type { HandlerContext } from './handler.js';
import { createGrpcMetrics } from './grpc-metrics.js';
import { createH2Front } from './h2.js';
import type { H2Backend, H2Front } from './h2.js';
import { newViaToken, selfMatcher } from './loop.js';
import { createMetrics } from './metrics.js';
import type { ProxyMetrics } from './metrics.js';
import { resolvePeers } from './peers.js';
import type { PeerSourceDeps } from './peers.js';
import { chooseDataPaths } from './native-front.js';
import type { FrontAddon } from './native-front.js';
import { createEndpointFeed } from './front-endpoints.js';
import { bindAll } from './servers.js';
import type { Bound, NativeSetup } from './servers.js';
import { processAlive } from '../host/proc.js';
import { claimPidFile, releasePidFile, statePaths, writeClusterFile } from './state.js';

/** The seams tests use. */
export interface ProxyDeps {
  readonly logger?: Logger;
  readonly fetchMembers?: FetchMembers;
  readonly peerSources?: PeerSourceDeps;
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
  readonly accessLogDestination?: DestinationStream;
  /** Orders the endpoints at each refresh (default: random, as etcd). */
  readonly order?: (urls: string[]) => string[];
  /** How many connection-capped listeners share this process (`up` with a proxy and a gateway: 2). */
  readonly listeners?: number;
  /** Loads the native front's addon (another build, or a fake); default: build/Release/proxy_front.node. */
  readonly loadFront?: () => FrontAddon | string;
}

/** A running proxy. */
export interface Proxy extends EdgeComponent {
  /** The first client listener's bound address. */
  address(): AddressInfo;
  /** The bound client URLs (ports resolved when configured as 0). */
  urls(): string[];
  /** The bound metrics URLs. */
  metricsUrls(): string[];
  /** Currently available endpoints, in the order requests try them. */
  endpoints(): string[];
}

function peerTlsOf(cfg: ProxyConfig): ClientTlsOptions | undefined {
  return hasPeerTls(cfg) ? loadClientTls(cfg.peerTls) : undefined;
}

class EdgeProxy implements Proxy {
  readonly #config: ProxyConfig;
  readonly #deps: ProxyDeps;
  readonly #log: Logger;
  readonly #guard = lifecycleGuard('proxy');
  readonly #pid: number;
  readonly #paths: ReturnType<typeof statePaths>;
  readonly #metrics: ProxyMetrics = createMetrics();
  readonly #via = newViaToken();
  #director: Director | undefined;
  #bound: Bound | undefined;
  #metricsServer: MetricsServer | undefined;
  #cap: ConnectionCap | undefined;
  #h2: H2Front | undefined;
  #pidClaimed = false;
  // Replaced in start() once the bound URLs are known, before the director's first refresh.
  #isSelf: (url: string) => boolean = () => false;
  #rewriteTo: readonly string[] | undefined;
  // Pushes the director's endpoints to the native fronts (set when there are any).
  #feed: () => void = () => undefined;

  constructor(config: ProxyConfig, deps: ProxyDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#log = (deps.logger ?? noopLogger()).child({ component: 'proxy' });
    this.#pid = deps.pid ?? process.pid;
    this.#paths = statePaths(config.dataDir);
  }

  async start(opts?: { signal?: AbortSignal }): Promise<void> {
    const signal = opts?.signal;
    const cfg = this.#config;
    this.#guard.beginStart();
    claimPidFile(this.#paths.pid, this.#pid, this.#deps.isAlive ?? processAlive);
    this.#pidClaimed = true;
    const peerTls = peerTlsOf(cfg);
    const resolved = await resolvePeers({
      source: cfg.peerSource, clusterFile: this.#paths.cluster, logger: this.#log,
      ...(peerTls ? { tls: peerTls } : {}), ...(signal ? { signal } : {}), ...(this.#deps.peerSources ? { deps: this.#deps.peerSources } : {}),
    });
    this.#checkCancelled(signal);
    this.#log.info({ peers: resolved.peers, source: resolved.source }, 'using peer urls');
    const d = this.#makeDirector(resolved.peers, peerTls);
    this.#director = d;
    this.#cap = this.#makeCap();
    this.#h2 = this.#makeH2(d, peerTls);
    // pino-http is loaded only when access logging is on.
    const accessLog = accessLogOn(cfg) ? (await import('./access-log.js')).createAccessLog(cfg, this.#deps.accessLogDestination) : undefined;
    const native = this.#nativeSetup(d);
    this.#bound = await bindAll(cfg, this.#makeHandler(d, accessLog), this.#metrics, this.#log, { cap: this.#cap, h2: this.#h2, native });
    const fronts = this.#bound.fronts;
    if (fronts.length > 0) this.#metrics.beforeScrape(() => { for (const f of fronts) f.pull(); });
    // The bound URLs (port 0 resolved) are what loops are checked against and what member lists advertise.
    const own = this.#bound.urls;
    const advertise = cfg.advertiseClientUrls.map((u) => resolvePort(u, cfg, own));
    this.#rewriteTo = cfg.rewriteMemberUrls ? advertise : undefined;
    this.#isSelf = selfMatcher([...own, ...advertise]);
    if (!(await d.refresh())) this.#log.warn({ peers: d.peers() }, 'no peer answered yet; retrying every second, requests get 503 meanwhile');
    this.#checkCancelled(signal);
    if (cfg.metricsListen.length > 0) {
      this.#metricsServer = createMetricsServer({
        listen: cfg.metricsListen,
        metrics: () => this.#metrics.registry.metrics(),
        notReady: () => (d.availableUrls().length > 0 ? undefined : 'no endpoint available'),
      });
      await this.#metricsServer.start();
    }
    d.startTimer();
    this.#log.info({
      listenUrls: own, dataPaths: native?.paths ?? cfg.listen.map(() => 'js'), mode: cfg.mode, endpoints: d.availableUrls(), metricsUrls: this.#metricsServer?.urls() ?? [],
      advertiseClientUrls: this.#rewriteTo ?? [], dataDir: cfg.dataDir,
    }, 'ready to proxy client requests');
  }

  // The open-file limit is raised to the hard one first, so a derived cap (--max-connections 0) uses it all.
  #makeCap(): ConnectionCap {
    const cfg = this.#config;
    const nofile = raiseNofileLimit();
    const listeners = this.#deps.listeners ?? 1;
    const max = cfg.maxConnections > 0 ? cfg.maxConnections : deriveMaxConnections({ nofile: nofile.soft, fdsPerConnection: 2, listeners });
    this.#log.info({ soft: nofile.soft, hard: nofile.hard, before: nofile.before, maxConnections: max, derived: cfg.maxConnections === 0, listeners }, 'open-file limit');
    const cap = createConnectionCap({ max, idleTimeoutMs: cfg.idleTimeoutMs, logger: this.#log });
    this.#metrics.extend((registry, prom) => registerCapMetrics(registry, prom, cap));
    return cap;
  }

  // Which listeners the native front serves (logged with the reason when none is), and what it is made with.
  #nativeSetup(d: Director): NativeSetup | undefined {
    const cfg = this.#config;
    const chosen = chooseDataPaths(cfg, this.#deps.loadFront);
    if (chosen.reason !== undefined) this.#log.info({ reason: chosen.reason }, 'plain-http listeners use the js data path (node:http)');
    if (cfg.listen.some((l) => l.tls) && cfg.dataPath !== 'js') this.#log.info({ dataPath: 'js' }, 'https listeners use the js data path (node:http); the native front serves plain http only');
    if (chosen.addon === undefined) return undefined;
    const feed = createEndpointFeed((eps) => { for (const f of this.#bound?.fronts ?? []) f.setEndpoints(eps); });
    this.#feed = () => feed.push(d.endpoints());
    return {
      addon: chosen.addon, paths: chosen.paths,
      options: {
        clientTimeoutMs: cfg.clientTimeoutMs, keepAliveTimeoutMs: 5000, idleTimeoutMs: cfg.idleTimeoutMs, dialTimeoutMs: cfg.dialTimeoutMs,
        writeTimeoutMs: cfg.writeTimeoutMs, readTimeoutMs: cfg.readTimeoutMs, maxBodyBytes: cfg.maxRequestBytes,
        readonly: cfg.mode === 'readonly', via: this.#via,
      },
      onFail: (url, reason) => {
        const ep = d.endpoints().find((e) => e.url === url);
        if (ep !== undefined) d.fail(ep, new Error(reason));
      },
      onStats: (st) => this.#metrics.absorb(st),
    };
  }

  #checkCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted || this.#guard.closed) throw new EdgeError('EDGE_ABORTED', 'proxy start was cancelled');
  }

  #makeDirector(peers: readonly string[], peerTls: ClientTlsOptions | undefined): Director {
    const cfg = this.#config;
    const file = this.#paths.cluster;
    return createDirector({
      peers, refreshIntervalMs: cfg.refreshIntervalMs, failureWaitMs: cfg.failureWaitMs, dialTimeoutMs: cfg.dialTimeoutMs,
      fetchMembers: this.#deps.fetchMembers ?? ((p, o) => peerMembers(p, o)), logger: this.#log, isSelf: (u) => this.#isSelf(u),
      ...(peerTls ? { peerTls } : {}), ...(this.#deps.order ? { order: this.#deps.order } : {}),
      onPeers: (p) => {
        try { writeClusterFile(file, p); } catch (err) { this.#log.warn({ file, ...errFields(err) }, 'could not write the cluster file'); }
      },
      onChange: (a, t) => { this.#metrics.endpoints(a, t); this.#feed(); }, counterFor: (u) => this.#metrics.counterFor(u),
    });
  }

  #makeHandler(d: Director, accessLog: HandlerContext['accessLog']): ReturnType<typeof createHandler> {
    const cfg = this.#config;
    const self = (): readonly string[] | undefined => this.#rewriteTo;
    return createHandler({
      director: d, metrics: this.#metrics, readonly: cfg.mode === 'readonly', via: this.#via, maxRequestBytes: cfg.maxRequestBytes,
      clientTimeoutMs: cfg.clientTimeoutMs, writeTimeoutMs: cfg.writeTimeoutMs, readTimeoutMs: cfg.readTimeoutMs,
      get rewriteTo() { return self(); }, accessLog,
    });
  }

  // The HTTP/2 side (node:http2, gRPC forwarder and relay) is imported at the first HTTP/2 connection; its
  // counters are declared now, so /metrics shows them before any gRPC call.
  #makeH2(d: Director, peerTls: ClientTlsOptions | undefined): H2Front {
    const cfg = this.#config;
    const metrics = createGrpcMetrics((r) => this.#metrics.extend(r));
    const load = async (): Promise<H2Backend> => (await import('./grpc-stack.js')).createGrpcStack({
      director: d, metrics, readonly: cfg.mode === 'readonly', relay: cfg.grpcRelay, rewriteTo: () => this.#rewriteTo,
      tls: peerTls, dialTimeoutMs: cfg.dialTimeoutMs, maxRequestBytes: cfg.maxRequestBytes,
    });
    return createH2Front(load, (err) => this.#log.error(errFields(err), 'could not load the HTTP/2 side; HTTP/2 connection closed'));
  }

  close(): Promise<void> {
    // Order: stop accepting → drain open requests up to shutdownTimeoutMs → cut the rest (watches) → stop the
    // director (refresh timer, failure timers, member agents) → release the pid file.
    return this.#guard.closeOnce(async () => {
      await this.#metricsServer?.close();
      // HTTP/2 sessions (gRPC) drain next to the HTTP/1.1 connections: the listeners close once both are gone.
      const drainMs = this.#config.shutdownTimeoutMs;
      await Promise.all([this.#bound?.close(drainMs), this.#h2?.close(drainMs)]);
      this.#cap?.close();
      this.#director?.close();
      if (this.#pidClaimed) releasePidFile(this.#paths.pid, this.#pid);
    });
  }

  address(): AddressInfo {
    const a = this.#bound?.addresses[0];
    if (!a) throw new EdgeError('EDGE_INTERNAL', 'proxy is not listening', { hint: 'call start() first' });
    return a;
  }

  urls(): string[] {
    return this.#bound?.urls ?? [];
  }

  metricsUrls(): string[] {
    return this.#metricsServer?.urls() ?? [];
  }

  endpoints(): string[] {
    return this.#director?.availableUrls() ?? [];
  }

  metrics(): Promise<string> {
    return this.#metrics.registry.metrics();
  }

  describe(): { kind: string; address: string; detail: string } {
    const n = this.#director?.availableUrls().length ?? 0;
    return { kind: 'proxy', address: this.#bound?.urls[0] ?? this.#config.listen[0]?.url ?? '', detail: `${this.#config.mode}, ${n} endpoint${n === 1 ? '' : 's'}` };
  }
}

/** Creates a proxy; nothing is bound or claimed until start(). */
export function createProxy(config: Readonly<ProxyConfig>, deps: ProxyDeps = {}): Proxy {
  return new EdgeProxy(config, deps);
}

/** Replaces port 0 in an advertised URL with the port actually bound for the same listen URL. */
function resolvePort(url: string, config: ProxyConfig, own: readonly string[]): string {
  const i = config.listen.findIndex((l) => l.url === url);
  return url.endsWith(':0') && i !== -1 ? own[i] ?? url : url;
}
