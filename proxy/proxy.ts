// createProxy(): the proxy component (etcd's etcdmain/etcd.go startProxy + proxy/httpproxy): claims the data
// dir, finds the peers, binds its listeners, fetches the members, then forwards; close() drains, then cuts.
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { EdgeError } from '../core/errors.js';
import type { EdgeComponent } from '../core/edge.js';
import { peerMembers } from '../core/etcd-client.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createAccessLog } from './access-log.js';
import type { ProxyConfig } from './config.js';
import { createDirector } from './director.js';
import type { Director, FetchMembers } from './director.js';
import { createHandler } from './handler.js';
import { newViaToken, selfMatcher } from './loop.js';
import { createMetrics } from './metrics.js';
import type { ProxyMetrics } from './metrics.js';
import { resolvePeers } from './peers.js';
import type { PeerSourceDeps } from './peers.js';
import { bindAll, metricsListener } from './servers.js';
import type { Bound } from './servers.js';
import { claimPidFile, processAlive, releasePidFile, statePaths, writeClusterFile } from './state.js';

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

/** Creates a proxy; nothing is bound or claimed until start(). */
export function createProxy(config: Readonly<ProxyConfig>, deps: ProxyDeps = {}): Proxy {
  const log = (deps.logger ?? noopLogger()).child({ component: 'proxy' });
  const guard = lifecycleGuard('proxy');
  const pid = deps.pid ?? process.pid;
  const paths = statePaths(config.dataDir);
  const metrics: ProxyMetrics = createMetrics();
  const via = newViaToken();
  let director: Director | undefined;
  let bound: Bound | undefined;
  let metricsBound: Bound | undefined;
  let pidClaimed = false;
  let isSelf: (url: string) => boolean = selfMatcher([...config.listen.map((l) => l.url), ...config.advertiseClientUrls]);

  const start = async (signal?: AbortSignal): Promise<void> => {
    guard.beginStart();
    claimPidFile(paths.pid, pid, deps.isAlive ?? processAlive);
    pidClaimed = true;
    const peerTls = peerTlsOf(config);
    const resolved = await resolvePeers({
      source: config.peerSource, clusterFile: paths.cluster, logger: log,
      ...(peerTls ? { tls: peerTls } : {}), ...(signal ? { signal } : {}), ...(deps.peerSources ? { deps: deps.peerSources } : {}),
    });
    if (signal?.aborted || guard.closed) throw new EdgeError('EDGE_ABORTED', 'proxy start was cancelled');
    log.info({ peers: resolved.peers, source: resolved.source }, 'using peer urls');
    director = createDirector({
      peers: resolved.peers, refreshIntervalMs: config.refreshIntervalMs, failureWaitMs: config.failureWaitMs, dialTimeoutMs: config.dialTimeoutMs,
      fetchMembers: deps.fetchMembers ?? ((p, o) => peerMembers(p, o)), logger: log, isSelf: (u) => isSelf(u),
      ...(peerTls ? { peerTls } : {}), ...(deps.order ? { order: deps.order } : {}),
      onPeers: (p) => { try { writeClusterFile(paths.cluster, p); } catch (err) { log.warn({ file: paths.cluster, ...errFields(err) }, 'could not write the cluster file'); } },
      onChange: (a, t) => metrics.endpoints(a, t), counterFor: (u) => metrics.counterFor(u),
    });
    const d = director;
    const rewriteTo: { urls: readonly string[] | undefined } = { urls: undefined };
    const handler = createHandler({
      director: d, metrics, readonly: config.mode === 'readonly', via, maxRequestBytes: config.maxRequestBytes,
      clientTimeoutMs: config.clientTimeoutMs, writeTimeoutMs: config.writeTimeoutMs,
      readTimeoutMs: config.readTimeoutMs, get rewriteTo() { return rewriteTo.urls; },
      accessLog: createAccessLog(config, deps.accessLogDestination),
    });
    bound = await bindAll(config, handler, metrics, log);
    const own = bound.urls;
    const advertise = config.advertiseClientUrls.map((u) => resolvePort(u, config, own));
    rewriteTo.urls = config.rewriteMemberUrls ? advertise : undefined;
    isSelf = selfMatcher([...own, ...advertise]);
    if (!(await d.refresh())) log.warn({ peers: d.peers() }, 'no peer answered yet; retrying every second, requests get 503 meanwhile');
    if (signal?.aborted || guard.closed) throw new EdgeError('EDGE_ABORTED', 'proxy start was cancelled');
    if (config.metricsListen.length > 0) metricsBound = await metricsListener(config.metricsListen, metrics, () => d.availableUrls().length > 0);
    d.startTimer();
    log.info({
      listenUrls: own, mode: config.mode, endpoints: d.availableUrls(), metricsUrls: metricsBound?.urls ?? [],
      advertiseClientUrls: rewriteTo.urls ?? [], dataDir: config.dataDir,
    }, 'ready to proxy client requests');
  };

  const close = async (): Promise<void> => {
    // Order: stop accepting → drain open requests up to shutdownTimeoutMs → cut the rest (watches) → stop the
    // director (refresh timer, failure timers, member agents) → release the pid file.
    await metricsBound?.close(0);
    await bound?.close(config.shutdownTimeoutMs);
    director?.close();
    if (pidClaimed) releasePidFile(paths.pid, pid);
  };

  return {
    start: (opts) => start(opts?.signal),
    close: () => guard.closeOnce(close),
    address: () => {
      const a = bound?.addresses[0];
      if (!a) throw new EdgeError('EDGE_INTERNAL', 'proxy is not listening', { hint: 'call start() first' });
      return a;
    },
    urls: () => bound?.urls ?? [],
    metricsUrls: () => metricsBound?.urls ?? [],
    endpoints: () => director?.availableUrls() ?? [],
    describe: () => ({
      kind: 'proxy', address: bound?.urls[0] ?? config.listen[0]?.url ?? '',
      detail: `${config.mode}, ${director?.availableUrls().length ?? 0} endpoints`,
    }),
  };
}

/** Replaces port 0 in an advertised URL with the port actually bound for the same listen URL. */
function resolvePort(url: string, config: ProxyConfig, own: readonly string[]): string {
  const i = config.listen.findIndex((l) => l.url === url);
  return url.endsWith(':0') && i !== -1 ? own[i] ?? url : url;
}
