// `gateway start` configuration: etcd's gateway flags (etcdmain/gateway.go) plus ours, parsed purely from argv,
// env and a topology section into one frozen GatewayConfig. Checks that need DNS happen at start (loop.ts).
import { dataPathFlag, parseDataPath } from '../core/data-path.js';
import { EdgeError } from '../core/errors.js';
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import { flagToEnv, parseFlags } from '../core/flags.js';
import type { FlagSpecs, ParsedFlags } from '../core/flags.js';
import { formatHostPort, parseHostPort, parseMetricsUrls } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { ClientTlsFiles } from '../core/tls.js';
import { parseEndpoint } from './endpoint.js';
import type { Endpoint } from './endpoint.js';

/** The flags of `etcd-edge gateway start`: etcd's names and defaults first, then ours. */
export const GATEWAY_FLAGS: FlagSpecs = {
  'listen-addr': { kind: 'string', default: '127.0.0.1:23790', describe: 'address (host:port) the gateway accepts client connections on' },
  endpoints: { kind: 'list', default: ['127.0.0.1:2379'], describe: 'member client addresses, comma-separated or repeated; a scheme is stripped (http://h:p, [::1]:p)' },
  'discovery-srv': { kind: 'string', describe: 'domain whose _etcd-client-ssl[-name]._tcp and _etcd-client[-name]._tcp SRV records list the endpoints' },
  'discovery-srv-name': { kind: 'string', describe: 'suffix of the SRV record names (-<name>)' },
  'insecure-discovery': { kind: 'boolean', default: false, describe: 'accept http SRV targets (_etcd-client._tcp); without it they are rejected' },
  'retry-delay': { kind: 'duration', default: 60_000, describe: 'longest wait between re-probes of a down endpoint (backoff starts at 1s and doubles up to this)' },
  'trusted-ca-file': { kind: 'string', describe: 'CA bundle verifying the members on the gateway\'s own control-plane calls (auto-sync, discovery)' },
  discovery: { kind: 'string', describe: 'discovery token URL; its registered peers give the members\' client URLs' },
  'endpoints-auto-sync-interval': { kind: 'duration', default: 30_000, describe: 'how often to adopt the client URLs of the current member list (0: never)' },
  'dial-timeout': { kind: 'duration', default: 1000, describe: 'how long one dial to an endpoint may take before the next endpoint is tried' },
  'drain-timeout': { kind: 'duration', default: 5000, describe: 'on shutdown, how long open connections may finish before they are cut' },
  'listen-metrics-urls': { kind: 'list', describe: 'http://host:port URLs serving /metrics (Prometheus), /readyz, /livez and /health' },
  'dns-server': { kind: 'string', describe: 'DNS server (ip or ip:port) for --discovery-srv lookups instead of the system resolver' },
  'cert-file': { kind: 'string', describe: 'client certificate for the gateway\'s own control-plane calls to members with --client-cert-auth (never for proxied traffic)' },
  'key-file': { kind: 'string', describe: 'key of --cert-file' },
  'insecure-skip-tls-verify': { kind: 'boolean', default: false, describe: 'do not verify member certificates on control-plane calls (members with --auto-tls)' },
  'max-connections': {
    kind: 'int', default: 0, env: flagToEnv('ETCD_EDGE_', 'max-connections'),
    describe: 'most client connections open at once; more are closed at accept and counted (0: derived from the open-file limit, keeping a reserve)',
  },
  'idle-timeout': {
    kind: 'duration', default: 0, env: flagToEnv('ETCD_EDGE_', 'idle-timeout'),
    describe: 'close a connection after this long with no byte either way (0: never; etcd watches can be idle for a long time)',
  },
  ...dataPathFlag('what relays the bytes: native (the epoll addon, the default when it is built) or js (Node streams)'),
  'relay-threads': {
    kind: 'int', default: 1, env: flagToEnv('ETCD_EDGE_', 'relay-threads'),
    describe: 'epoll threads of the native data path, each with its own listening socket on the port (SO_REUSEPORT); the js data path has one',
  },
  ...LOG_LEVEL_FLAG,
};

/** The most relay threads --relay-threads accepts. */
export const MAX_RELAY_THREADS = 64;

/** Where the initial endpoints come from. */
export type EndpointSourceKind = 'static' | 'srv' | 'discovery';

/** The validated, frozen configuration of one gateway. */
export interface GatewayConfig {
  readonly listenAddr: HostPort;
  readonly source: EndpointSourceKind;
  /** The --endpoints list (the static source, and the seeds to fall back on). */
  readonly endpoints: readonly Endpoint[];
  readonly discovery: string | undefined;
  readonly discoverySrv: string | undefined;
  readonly discoverySrvName: string | undefined;
  readonly insecureDiscovery: boolean;
  readonly dnsServer: string | undefined;
  /** The cap of the re-probe backoff. */
  readonly retryDelayMs: number;
  /** The first re-probe delay of the backoff (not a flag; tests shorten it). */
  readonly initialRetryMs: number;
  /** 0 turns auto-sync off. */
  readonly autoSyncIntervalMs: number;
  readonly dialTimeoutMs: number;
  readonly drainTimeoutMs: number;
  /** Timeout of one control-plane request (member list, discovery, SRV lookup). */
  readonly requestTimeoutMs: number;
  readonly listenMetrics: readonly HostPort[];
  /** TLS of the control-plane calls; proxied traffic is never touched. */
  readonly tls: ClientTlsFiles;
  /** The connection cap; 0 derives it from the open-file limit at start. */
  readonly maxConnections: number;
  /** 0: no idle timeout. */
  readonly idleTimeoutMs: number;
  /** The data path asked for; undefined: native when the addon loads, else js. */
  readonly dataPath: 'native' | 'js' | undefined;
  /** Relay threads of the native data path (1–64). */
  readonly relayThreads: number;
}

/** Parses `gateway start` flags, env and an optional topology section (flag-named keys) into a frozen config. */
export function parseGatewayFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>,
  file?: Readonly<Record<string, unknown>>): GatewayConfig {
  return gatewayConfigFrom(parseFlags(GATEWAY_FLAGS, argv, env, { command: 'gateway start', ...(file ? { file, fileName: 'gateway section' } : {}) }));
}

/** Builds and validates the config from parsed flags. */
export function gatewayConfigFrom(f: ParsedFlags): GatewayConfig {
  const listenAddr = parseListenAddr(f.str('listen-addr') ?? '');
  const endpoints = f.list('endpoints').map((e) => parseEndpoint(e, '--endpoints'));
  const source = sourceOf(f);
  if (source === 'static' && endpoints.length === 0) {
    throw invalid('--endpoints is empty', 'pass --endpoints host:port[,host:port], or --discovery-srv / --discovery');
  }
  for (const ep of endpoints) {
    if (ep.host === listenAddr.host && ep.port === listenAddr.port) {
      throw invalid(`endpoint ${JSON.stringify(ep.key)} is the gateway's own listen address ${JSON.stringify(formatHostPort(listenAddr))}`,
        'a gateway pointing at itself loops forever; point --endpoints at the members');
    }
  }
  const retryDelayMs = positive(f, 'retry-delay');
  const certFile = f.str('cert-file');
  const keyFile = f.str('key-file');
  if ((certFile === undefined) !== (keyFile === undefined)) throw invalid('--cert-file and --key-file go together', 'pass both or neither');
  const caFile = f.str('trusted-ca-file');
  const cfg: GatewayConfig = {
    listenAddr, source, endpoints,
    discovery: f.str('discovery'),
    discoverySrv: f.str('discovery-srv'),
    discoverySrvName: f.str('discovery-srv-name'),
    insecureDiscovery: f.bool('insecure-discovery'),
    dnsServer: f.str('dns-server'),
    retryDelayMs,
    initialRetryMs: Math.min(1000, retryDelayMs),
    autoSyncIntervalMs: f.ms('endpoints-auto-sync-interval') ?? 30_000,
    dialTimeoutMs: positive(f, 'dial-timeout'),
    drainTimeoutMs: f.ms('drain-timeout') ?? 5000,
    requestTimeoutMs: 5000,
    listenMetrics: parseMetricsUrls(f.list('listen-metrics-urls')),
    tls: {
      ...(caFile === undefined ? {} : { caFile }),
      ...(certFile === undefined ? {} : { certFile }),
      ...(keyFile === undefined ? {} : { keyFile }),
      insecureSkipVerify: f.bool('insecure-skip-tls-verify'),
    },
    maxConnections: nonNegativeInt(f, 'max-connections'),
    idleTimeoutMs: f.ms('idle-timeout') ?? 0,
    dataPath: parseDataPath(f.str('data-path')),
    relayThreads: relayThreadsOf(f.int('relay-threads') ?? 1),
  };
  return Object.freeze(cfg);
}

function sourceOf(f: ParsedFlags): EndpointSourceKind {
  const chosen = (['discovery', 'discovery-srv'] as const).filter((k) => f.has(k) && f.str(k) !== '');
  if (chosen.length > 1 || (chosen.length === 1 && f.has('endpoints'))) {
    const names = [...(f.has('endpoints') ? ['--endpoints'] : []), ...chosen.map((k) => `--${k}`)];
    throw invalid(`${names.join(' and ')} are both set`, 'choose one source of endpoints: --endpoints, --discovery-srv or --discovery');
  }
  const srv = chosen[0] === 'discovery-srv';
  if (!srv && f.has('discovery-srv-name')) throw invalid('--discovery-srv-name needs --discovery-srv', 'add --discovery-srv DOMAIN or drop --discovery-srv-name');
  if (!srv && f.has('dns-server')) throw invalid('--dns-server needs --discovery-srv', 'add --discovery-srv DOMAIN or drop --dns-server');
  return chosen[0] === 'discovery' ? 'discovery' : srv ? 'srv' : 'static';
}

// Port 0 (any free port) is allowed here, unlike in endpoints: tests and embedders read address() afterwards.
function parseListenAddr(raw: string, flag = '--listen-addr'): HostPort {
  const any = /^(.*):0$/.exec(raw.trim());
  if (any) return { host: parseHostPort(`${any[1] ?? ''}:1`, flag).host, port: 0 };
  return parseHostPort(raw, flag);
}

function positive(f: ParsedFlags, name: string): number {
  const v = f.ms(name) ?? 0;
  if (v <= 0) throw invalid(`--${name} must be greater than 0`, `pass a duration such as --${name}=1s`);
  return v;
}

function nonNegativeInt(f: ParsedFlags, name: string): number {
  const v = f.int(name) ?? 0;
  if (!Number.isInteger(v) || v < 0) throw invalid(`--${name} must be 0 or a positive integer`, `pass --${name}=0 to derive it, or a count such as 10000`);
  return v;
}

function relayThreadsOf(v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > MAX_RELAY_THREADS) {
    throw invalid(`--relay-threads must be an integer from 1 to ${MAX_RELAY_THREADS}, not ${v}`, 'pass --relay-threads 1 (the default) or up to the number of cores');
  }
  return v;
}

function invalid(message: string, hint: string): EdgeError {
  return new EdgeError('EDGE_CONFIG_INVALID', message, { hint });
}
