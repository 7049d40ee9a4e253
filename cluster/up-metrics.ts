// `up --listen-metrics-urls`: where the one metrics/health/status listener of an up process binds (the bundled
// layout defaults to kubeadm's etcd metrics port 2381, or --base-port + 8 after the proxy and gateway), and
// how it reads the members and edge components this up runs.
import type { EdgeComponent } from '../core/edge.js';
import { parseMetricsUrls } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { Cluster } from './cluster.js';
import { collectStatus } from './status.js';
import { allLoopback, createStatusListener } from './status-serve.js';
import type { StatusListener } from './status-serve.js';

/** The bundled layout's metrics URL: 2381, or base-port + 8 (P..P+7 hold clients, peers, proxy and gateway). */
export function bundledMetricsUrl(basePort: number | undefined): string {
  return `http://127.0.0.1:${basePort === undefined ? 2381 : basePort + 8}`;
}

/** Resolves the addresses: the flag when given (given empty: none), else the bundled default, else none. */
export function upMetricsListen(flag: readonly string[] | undefined, opts: { bundled: boolean; basePort: number | undefined }): HostPort[] {
  if (flag !== undefined) return parseMetricsUrls(flag);
  return opts.bundled ? parseMetricsUrls([bundledMetricsUrl(opts.basePort)]) : [];
}

/** Says why a non-loopback status listener under TLS shows more than a client without credentials may see. */
export function exposureWarning(listen: readonly HostPort[], tls: boolean): string | undefined {
  if (!tls || allLoopback(listen)) return undefined;
  return 'the status page and /metrics on --listen-metrics-urls are plain http without client authentication; on a non-loopback address anyone who reaches it sees member status that otherwise needs the cluster\'s client certificate';
}

/** Creates the status listener of one up process. */
export function createUpStatusListener(opts: {
  listen: readonly HostPort[]; cluster: Cluster; edge: readonly EdgeComponent[]; endpoints: readonly string[]; clientTls: ClientTlsOptions | undefined;
}): StatusListener {
  return createStatusListener({
    listen: opts.listen,
    collect: () => collectStatus(opts.endpoints, { timeoutMs: 800, ...(opts.clientTls ? { tls: opts.clientTls } : {}) }),
    processes: () => opts.cluster.members().map((m) => ({ name: m.name, endpoint: m.healthUrl, state: m.state, pid: m.pid ?? null, restarts: m.restarts })),
    edge: () => opts.edge,
  });
}
