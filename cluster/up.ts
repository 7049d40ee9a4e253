// `etcd-edge up`: validate the topology, start this host's members, then its proxy, gateway and tunnels,
// print the status table and how to connect, and run until Ctrl-C/SIGTERM, which stops everything in reverse.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { commandLogger, LOG_LEVEL_FLAG, println, aborted } from '../core/cli.js';
import type { CliIo } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpecs } from '../core/flags.js';
import { closeAll } from '../core/lifecycle.js';
import type { Logger } from '../core/log.js';
import { errFields } from '../core/log.js';
import type { TlsProvider } from '../core/edge.js';
import { loadClientTls } from '../core/tls.js';
import { createCluster } from './cluster.js';
import type { ClusterEvent } from './cluster.js';
import { factoryFor, withDefaults } from './edge.js';
import type { EdgeComponent, EdgeContext, EdgeFactories, EdgeTlsDefaults } from './edge.js';
import { detectEtcd, memberEnv } from '../etcd/index.js';
import { checkFree, listenAddresses, memberConfigs, selectHosts } from './hosts.js';
import { collectStatus, renderEdgeTable } from './status.js';
import { buildStatusDoc, renderTable } from './status-json.js';
import { createUpStatusListener, exposureWarning, upMetricsListen } from './up-metrics.js';
import type { StatusListener } from './status-serve.js';
import { bundledTopology, parseTopology } from './topology.js';
import type { HostDecl, Topology, TlsMode } from './topology.js';
import { membersOf, validateTopology } from './validate.js';
import { checkDiscoveryJoin } from './discovery-join.js';
import { clearEarlierRun } from './leftovers.js';
import { startWatchdog, stopMembersInOrder, watchdogRunningFor, watchdogSpecFor } from './watchdog.js';
import { applyRemovedMembers, markRemoved } from './bundled-members.js';
import { caWatchFor, startWatchingCa } from './ca-check.js';
import type { DiscoveryFallback } from './discovery-join.js';
import { dataDirLayout, removeUpRecord, writeUpRecord } from '../host/index.js';

/** The flags of `etcd-edge up`. */
export const UP_FLAGS: FlagSpecs = {
  topology: { kind: 'string', short: 'f', env: 'ETCD_EDGE_TOPOLOGY', describe: 'topology file (YAML); without it, the bundled 3-member layout on 127.0.0.1' },
  host: { kind: 'string', env: 'ETCD_EDGE_HOST', describe: 'the topology host this machine is; only its member, proxy, gateway and tunnels start' },
  'data-dir': { kind: 'string', env: 'ETCD_EDGE_DATA_DIR', default: '.etcd-edge', describe: 'state directory: member data (unless the topology says otherwise), logs, proxy state, certificates' },
  'etcd-bin': { kind: 'string', env: 'ETCD_EDGE_ETCD_BIN', default: 'etcd', describe: 'etcd binary (a name on PATH or a path)' },
  'base-port': { kind: 'int', env: 'ETCD_EDGE_BASE_PORT', describe: 'bundled layout only: put clients on P..P+2, peers on P+3..P+5, the proxy on P+6, the gateway on P+7, the metrics listener on P+8' },
  tls: { kind: 'string', env: 'ETCD_EDGE_TLS', choices: ['none', 'auto', 'self-signed'], describe: 'secure members: auto (etcd --auto-tls) or self-signed (a CA and per-member certs); overrides the topology' },
  ca: { kind: 'string', env: 'ETCD_EDGE_CA', describe: 'tls: self-signed across hosts: directory holding the cluster\'s one CA, made once by etcd-edge certs ca and copied to every host (ca.crt, and ca.key where certificates are issued); overrides the topology\'s ca:. Default: a CA of this host\'s own under <data-dir>/pki' },
  discovery: { kind: 'string', describe: 'bootstrap the members through this discovery token URL instead of a static initial cluster' },
  'discovery-fallback': { kind: 'string', choices: ['proxy', 'exit'], default: 'proxy', describe: 'a member the discovery token has no room for runs an etcd-edge proxy instead (proxy), or up fails (exit); checked before etcd starts, so its data dir stays clean' },
  edge: { kind: 'boolean', env: 'ETCD_EDGE_EDGE', default: true, describe: 'also start the proxies, gateways and tunnels the topology declares (--edge=false: members only)' },
  'listen-metrics-urls': { kind: 'list', env: 'ETCD_LISTEN_METRICS_URLS', describe: 'http URLs for /metrics, /livez, /readyz, the status page (/) and /api/status of this whole process; bundled layout default http://127.0.0.1:2381 (--base-port P: P+8)' },
  'ready-timeout': { kind: 'duration', env: 'ETCD_EDGE_READY_TIMEOUT', default: 60_000, describe: 'how long members may take to become healthy' },
  ...LOG_LEVEL_FLAG,
};

/** Seams bin/ provides. */
export interface UpDeps {
  readonly edge?: EdgeFactories;
  readonly tls?: TlsProvider;
}

/** Loads the topology the flags ask for, applying --tls and --discovery. */
export function loadTopology(flags: { topology?: string | undefined; basePort?: number | undefined; tls?: string | undefined; discovery?: string | undefined; edge: boolean; ca?: string | undefined }, cwd: string): Topology {
  let t = flags.topology === undefined
    ? bundledTopology({ ...(flags.basePort === undefined ? {} : { basePort: flags.basePort }), tls: (flags.tls ?? 'none') as TlsMode, withEdge: flags.edge })
    : parseTopology(readYamlFile(path.resolve(cwd, flags.topology), 'topology file'), flags.topology);
  if (flags.topology !== undefined && flags.basePort !== undefined) {
    throw new EdgeError('EDGE_USAGE', '--base-port applies to the bundled layout only', { hint: 'set the ports in the topology file instead' });
  }
  if (flags.topology !== undefined && flags.tls !== undefined) t = { ...t, tls: flags.tls as TlsMode };
  if (flags.discovery !== undefined) t = { ...t, bootstrap: 'discovery', discovery: flags.discovery, initialCluster: undefined };
  if (!flags.edge) t = { ...t, hosts: t.hosts.map((h) => ({ ...h, proxy: undefined, gateway: undefined, tunnels: [] })) };
  // --ca is relative to the working directory, the topology's ca: to the topology file's directory.
  const ca = flags.ca !== undefined ? path.resolve(cwd, flags.ca) : t.ca !== undefined && flags.topology !== undefined ? path.resolve(cwd, path.dirname(flags.topology), t.ca) : undefined;
  if (ca !== undefined && t.tls !== 'self-signed') {
    throw new EdgeError('EDGE_USAGE', `${flags.ca !== undefined ? '--ca' : 'ca:'} applies to tls: self-signed only (tls is ${JSON.stringify(t.tls)})`, { hint: 'set tls: self-signed (or --tls self-signed), or drop the CA' });
  }
  t = { ...t, ca };
  return Object.freeze(t);
}

const printEvent = (io: CliIo, e: ClusterEvent): void => {
  if (e.kind === 'starting') println(io.stdout, `starting member ${e.name}${e.initialized ? ' (existing data, no bootstrap flags)' : ''}; log: ${e.logFile}`);
  else if (e.kind === 'healthy') println(io.stdout, `member ${e.name} is healthy (${(e.afterMs / 1000).toFixed(1)}s)`);
  else if (e.kind === 'removed') println(io.stdout, `member ${e.name} was removed from the cluster; not restarting it (its data dir ${e.dataDir} belongs to the old membership: move it away before the member joins again)`);
  else println(io.stdout, `member ${e.name} keeps exiting; the others keep running. last log lines:\n  ${e.lastLines.join('\n  ')}`);
};

/** Runs `etcd-edge up`. */
export async function upMain(io: CliIo, deps: UpDeps = {}): Promise<number> {
  const f = parseFlags(UP_FLAGS, io.argv, io.env, { command: 'up' });
  if (f.help) { io.stdout.write(renderHelp('etcd-edge up [-f topology.yaml [--host NAME]] [flags]', 'Start a supervised etcd cluster and its edge.', UP_FLAGS)); return 0; }
  const log = commandLogger(f, 'up');
  const stateDir = path.resolve(io.cwd, f.str('data-dir') ?? '.etcd-edge');
  const edge = deps.edge ?? {};
  const bundled = f.str('topology') === undefined;
  const loaded = loadTopology({ topology: f.str('topology'), basePort: f.int('base-port'), tls: f.str('tls'), discovery: f.str('discovery'), edge: f.bool('edge'), ca: f.str('ca') }, io.cwd);
  // The bundled layout has no file to edit after a demote: its data dir remembers which members the cluster removed.
  const { topology: t, notes: removedNotes } = bundled ? applyRemovedMembers(loaded, stateDir) : { topology: loaded, notes: [] };
  for (const n of removedNotes) println(io.stdout, n);
  const warnings = validateTopology(t, (kind, host, flags) => {
    const h = t.hosts.find((x) => x.name === host);
    if (h) factoryFor(edge, kind, h).validate(withDefaults(kind, flags, t, stateDir));
  });
  let hosts = selectHosts(t, f.str('host'));
  for (const w of warnings) println(io.stdout, `warning: ${w}`);
  const join = await checkDiscoveryJoin(t, hosts, {
    fallback: (f.str('discovery-fallback') ?? 'proxy') as DiscoveryFallback, signal: io.signal,
    dataDirOf: (name) => dataDirLayout(stateDir).memberDataDir(name, membersOf(t).find((m) => m.name === name)?.dataDir),
  });
  for (const n of join.notes) println(io.stdout, n);
  hosts = join.hosts;
  // A host with only a proxy, gateway or tunnel needs no etcd binary at all.
  const runsMembers = hosts.some((h) => h.member);
  const etcd = runsMembers ? await detectEtcd(f.str('etcd-bin') ?? 'etcd', io.env.PATH) : undefined;
  if (etcd) println(io.stdout, `using etcd ${etcd.version} (${etcd.path})`);
  if (etcd && t.bootstrap === 'discovery' && !etcd.hasV2Discovery) {
    throw new EdgeError('EDGE_ETCD_VERSION', `etcd ${etcd.version} has no v2 discovery`, { hint: 'use bootstrap: static or dns with this etcd, or etcd 3.6 or older' });
  }
  const metricsListen = upMetricsListen(f.has('listen-metrics-urls') ? f.list('listen-metrics-urls') : undefined,
    { bundled: f.str('topology') === undefined, basePort: f.int('base-port') });
  const tls = t.tls === 'none' ? undefined : await prepareTls(deps, t, stateDir, hosts);
  const members = etcd ? memberConfigs(t, hosts, { stateDir, etcd, ...(tls ? { tls: (n: string) => tls.member(n) } : {}) }) : [];
  // An earlier up killed a moment ago leaves members shutting down on our data dirs and ports: wait for them
  // (and stop them in order if its watchdog was killed too).
  const dataDirs = members.map((m) => m.dataDir);
  await clearEarlierRun({
    stateDir, dataDirs, progress: (line) => println(io.stdout, line), signal: io.signal,
    watchdogAlive: () => watchdogRunningFor(dataDirs), stopOrphans: async () => { await stopMembersInOrder(watchdogSpecFor(members, tls?.client)); },
  });
  await checkFree([...listenAddresses(hosts), ...metricsListen.map((a) => ({ ...a, what: 'the metrics listener', flag: '--listen-metrics-urls' }))]);
  const clientTls = tls ? loadClientTls(tls.client) : undefined;
  // With more than one member, a watchdog stops them in order should up be killed (followers, then the leader).
  const watchdog = members.length > 1 ? await startWatchdog(watchdogSpecFor(members, tls?.client), log) : undefined;
  const cluster = createCluster({
    etcdBin: etcd?.path ?? 'etcd', members, env: memberEnv(), readyTimeoutMs: f.ms('ready-timeout') ?? 60_000, stopGraceMs: 10_000,
    parentDeathSignal: watchdog ? 'USR2' : 'TERM',
    restart: { initialDelayMs: 500, maxDelayMs: 5000, maxRestarts: 5, windowMs: 60_000 }, ...(clientTls ? { healthTls: clientTls } : {}),
  }, { logger: log, onEvent: (e) => { printEvent(io, e); if (bundled && e.kind === 'removed') markRemoved(stateDir, e.name); } });
  const started: EdgeComponent[] = [];
  let statusListener: StatusListener | undefined;
  try {
    await startWatchingCa((signal) => cluster.start({ signal }), io.signal, caWatchFor(t, hosts, tls?.client.caFile, members.map((m) => ({ name: m.name, file: m.logFile }))));
    const tlsDefaults = tls ? { peer: tls.edgePeerFlags, client: tls.client, server: tls.edgeServerFlags } : undefined;
    // Every proxy, gateway and tunnel of this process caps its connections; together they keep the reserve.
    const context = { listeners: Math.max(1, hosts.reduce((n, h) => n + (h.proxy ? 1 : 0) + (h.gateway ? 1 : 0) + h.tunnels.length, 0)) };
    for (const h of hosts) started.push(...await startEdge(h, t, stateDir, edge, log, tlsDefaults, io.signal, context));
    const endpoints = members.map((m) => m.healthUrl);
    if (members.length) println(io.stdout, renderTable(buildStatusDoc(await collectStatus(endpoints, clientTls ? { tls: clientTls } : {}))));
    if (metricsListen.length) {
      statusListener = createUpStatusListener({ listen: metricsListen, cluster, edge: started, endpoints, clientTls });
      await statusListener.start();
      const warn = exposureWarning(metricsListen, tls !== undefined);
      if (warn) println(io.stdout, `warning: ${warn}`);
      println(io.stdout, `status page: ${statusListener.urls().map((u) => `${u}/`).join(' ')} (also /metrics, /livez, /readyz, /api/status)`);
    }
    if (started.length) println(io.stdout, renderEdgeTable(started.map((c) => c.describe())));
    println(io.stdout, connectHint(endpoints, started.map((c) => c.describe()), tls?.connectFlags, tls?.curlFlags));
    try {
      writeUpRecord(stateDir, { pid: process.pid, host: f.str('host'), members: members.map((m) => m.name), edge: started.map((c) => ({ kind: c.describe().kind, address: c.describe().address })) });
    } catch (err) {
      // Only promote reads it (to stop an up that runs nothing but a proxy); everything else works without it.
      log.warn(errFields(err), 'cannot write up.json; promote will not stop this up');
    }
    log.info({ members: members.map((m) => m.name), endpoints, edge: started.map((c) => c.describe().address), metrics: statusListener?.urls() ?? [] }, 'etcd-edge is up');
    println(io.stdout, 'running; press Ctrl-C to stop');
    await aborted(io.signal);
    println(io.stdout, 'stopping');
  } finally {
    removeUpRecord(stateDir, process.pid);
    await closeAll([cluster, ...started, ...(statusListener ? [statusListener] : [])]);
    watchdog?.stop();
  }
  println(io.stdout, 'stopped');
  return 0;
}

/** Tells the user how to reach the members, and the proxy and gateway when they run. */
export function connectHint(endpoints: readonly string[], edge: readonly { kind: string; address: string }[], tlsFlags?: string, curlFlags?: string): string {
  const tlsPart = tlsFlags ? ` ${tlsFlags}` : '';
  const curlPart = curlFlags ? ` ${curlFlags}` : '';
  const cmds = endpoints.length ? [`etcdctl --endpoints=${endpoints.join(',')}${tlsPart} member list`] : [];
  for (const e of edge) {
    if (e.kind === 'gateway') cmds.push(`etcdctl --endpoints=${e.address}${tlsPart} put foo bar    # through the gateway`);
    if (e.kind === 'proxy') cmds.push(`curl${e.address.startsWith('https:') ? curlPart : ''} ${e.address}/v2/keys/foo -XPUT -d value=bar    # through the proxy (v2 keys and v3 JSON)`);
  }
  return cmds.map((c, i) => (i === 0 ? `connect: ${c}` : `         ${c}`)).join('\n');
}

async function prepareTls(deps: UpDeps, t: Topology, stateDir: string, hosts: readonly HostDecl[]) {
  if (!deps.tls) throw new EdgeError('EDGE_USAGE', `tls: ${t.tls} is not available in this build`, { hint: 'use --tls none' });
  const hostsOf = (urls: readonly string[]): string[] => [...new Set(urls.map((u) => new URL(u).hostname.replace(/^\[|\]$/g, '')))];
  // A proxy-role host gets its future member's certificates too, so plan's promote line finds them.
  const members = hosts.flatMap((h) => [h.member, h.standby].filter((m) => m !== undefined)).map((m) => ({
    name: m.name,
    clientHosts: hostsOf([...m.listenClientUrls, ...m.advertiseClientUrls]),
    peerHosts: hostsOf([...m.listenPeerUrls, ...m.initialAdvertisePeerUrls]),
  }));
  // The edge's https listeners are reached at the hosts' addresses and on loopback.
  const edgeHosts = hosts.flatMap((h) => h.addresses.map((a) => a.replace(/^[a-z]+:\/\//i, '').replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]*):\d+$/, '$1')));
  return deps.tls.prepare({ mode: t.tls as Exclude<TlsMode, 'none'>, stateDir, members, edgeHosts, ...(t.ca === undefined ? {} : { caDir: t.ca }) });
}

async function startEdge(h: HostDecl, t: Topology, stateDir: string, edge: EdgeFactories, log: Logger,
  tlsDefaults: EdgeTlsDefaults | undefined, signal: AbortSignal, context: EdgeContext): Promise<EdgeComponent[]> {
  const out: EdgeComponent[] = [];
  const sections: (readonly ['proxy' | 'gateway' | 'tunnel', Readonly<Record<string, unknown>>])[] = [
    ...(h.proxy ? [['proxy', h.proxy] as const] : []), ...(h.gateway ? [['gateway', h.gateway] as const] : []),
    ...h.tunnels.map((x) => ['tunnel', x] as const),
  ];
  try {
    for (const [kind, flags] of sections) {
      const c = factoryFor(edge, kind, h).create(withDefaults(kind, flags, t, stateDir, tlsDefaults), log, context);
      out.push(c);
      await c.start({ signal });
    }
  } catch (err) {
    await closeAll(out);
    throw err;
  }
  return out;
}
