// createProxy(): the proxy component (etcd's etcdmain/etcd.go startProxy + proxy/httpproxy): claims the data
// dir, finds the peers, binds its listeners, fetches the members, then forwards; close() drains, then cuts.
import type { AddressInfo, Socket } from 'node:net';
import type { DestinationStream } from 'pino';
import { EdgeError } from '../core/errors.js';
import type { EdgeComponent } from '../core/edge.js';
import { peerMembers } from '../etcd/etcd-client.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { urlHost } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createMetricsServer } from '../core/metrics-server.js';
import type { MetricsServer } from '../core/metrics-server.js';
import { createConnectionCap } from '../core/conn-cap.js';
import type { ConnectionCap } from '../core/conn-cap.js';
import { deriveMaxConnections, raiseNofileLimit } from '../core/limits.js';
import type { ProxyConfig } from './config.js';
import { accessLogOn, nativeFrontBlocker } from './config.js';
import type { ListenUrl } from './config.js';
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
import { createNativeFront, loadFront } from './native-front.js';
import type { FrontAddon, NativeFront } from './native-front.js';
import { bindAll, KEEP_ALIVE_TIMEOUT_MS } from './servers.js';
import type { Bound } from './servers.js';
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
  /** Loads the native front (default: the addon built by `npm ci`). */
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
  const t = cfg.peerTls;
  if (!t.caFile && !t.certFile && !t.insecureSkipVerify) return undefined;
  return loadClientTls(t);
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
  readonly #fronts: NativeFront[] = [];
  /** Hand-offs whose request already failed on an endpoint in the native front: counted by the forwarder. */
  readonly #tried = new WeakMap<Socket, number>();
  #pidClaimed = false;
  // Replaced in start() once the bound URLs are known, before the director's first refresh.
  #isSelf: (url: string) => boolean = () => false;
  #rewriteTo: readonly string[] | undefined;

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
    const native = this.#nativeFronts(d, this.#cap);
    this.#bound = await bindAll(cfg, this.#makeHandler(d, accessLog), this.#metrics, this.#log, { cap: this.#cap, h2: this.#h2, native });
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
      listenUrls: own, mode: cfg.mode, dataPath: this.#fronts.length > 0 ? 'native' : 'js', endpoints: d.availableUrls(), metricsUrls: this.#metricsServer?.urls() ?? [],
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
      onChange: (a, t) => { this.#metrics.endpoints(a, t); this.#pushEndpoints(); }, counterFor: (u) => this.#metrics.counterFor(u),
    });
  }

  // The native front serves each plain-http listener unless --data-path js, the configuration needs node:http
  // (TLS to the members, the access log) or the addon is missing; https listeners are node:http's in any case.
  #nativeFronts(d: Director, cap: ConnectionCap): ((l: ListenUrl) => NativeFront | undefined) | undefined {
    const cfg = this.#config;
    if (cfg.dataPath === 'js') return undefined;
    const blocker = nativeFrontBlocker(cfg);
    if (blocker !== undefined) { this.#log.info({ reason: blocker }, 'node:http serves every listener'); return undefined; }
    const addon = (this.#deps.loadFront ?? loadFront)();
    if (typeof addon === 'string') {
      this.#log.warn({ reason: addon }, 'native front unavailable: node:http serves every listener');
      return undefined;
    }
    if (cfg.listen.some((l) => l.tls)) this.#log.info({}, 'https listeners are served by node:http, plain-http ones by the native front');
    return () => {
      const f = createNativeFront(addon, {
        clientTimeoutMs: cfg.clientTimeoutMs, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, idleTimeoutMs: cfg.idleTimeoutMs,
        dialTimeoutMs: cfg.dialTimeoutMs, writeTimeoutMs: cfg.writeTimeoutMs, readTimeoutMs: cfg.readTimeoutMs,
        maxBodyBytes: Math.min(cfg.maxRequestBytes, NATIVE_MAX_BODY), maxConnections: cap.max, readonly: cfg.mode === 'readonly', via: this.#via,
        onFail: (url, reason) => { const ep = d.endpoints().find((e) => e.url === url); if (ep) d.fail(ep, new Error(reason)); },
        onRefused: (n) => cap.refusedElsewhere(n),
        onTried: (socket, n) => this.#tried.set(socket, n),
      });
      if (this.#fronts.length === 0) this.#metrics.beforeScrape(() => { for (const x of this.#fronts) { const st = x.stats(); if (st) this.#metrics.absorb(st); } });
      this.#fronts.push(f);
      cap.link(f);
      return f;
    };
  }

  // The available endpoints, in order, to every native front; with an https member (the front speaks plain http)
  // none, so that node:http's side serves every request.
  #pushEndpoints(): void {
    const d = this.#director;
    if (d === undefined || this.#fronts.length === 0) return;
    const up = d.endpoints().filter((e) => e.available);
    const list = up.some((e) => !e.url.startsWith('http:')) ? [] : up.map((e) => {
      const u = new URL(e.url);
      return { url: e.url, host: e.host, hostname: urlHost(u), port: Number(u.port || 80) };
    });
    for (const f of this.#fronts) f.setEndpoints(list);
  }

  #makeHandler(d: Director, accessLog: HandlerContext['accessLog']): ReturnType<typeof createHandler> {
    const cfg = this.#config;
    const self = (): readonly string[] | undefined => this.#rewriteTo;
    return createHandler({
      director: d, metrics: this.#metrics, readonly: cfg.mode === 'readonly', via: this.#via, maxRequestBytes: cfg.maxRequestBytes,
      clientTimeoutMs: cfg.clientTimeoutMs, writeTimeoutMs: cfg.writeTimeoutMs, readTimeoutMs: cfg.readTimeoutMs,
      get rewriteTo() { return self(); }, accessLog,
      takeTried: (socket) => { const n = this.#tried.get(socket); if (n === undefined) return 0; this.#tried.delete(socket); return n; },
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

/** The largest request body the native front buffers itself; larger ones go to node:http. */
const NATIVE_MAX_BODY = 65_536;

/** Creates a proxy; nothing is bound or claimed until start(). */
export function createProxy(config: Readonly<ProxyConfig>, deps: ProxyDeps = {}): Proxy {
  return new EdgeProxy(config, deps);
}

/** Replaces port 0 in an advertised URL with the port actually bound for the same listen URL. */
function resolvePort(url: string, config: ProxyConfig, own: readonly string[]): string {
  const i = config.listen.findIndex((l) => l.url === url);
  return url.endsWith(':0') && i !== -1 ? own[i] ?? url : url;
}
