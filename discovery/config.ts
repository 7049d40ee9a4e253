// Flags and frozen configs of `etcd-edge discovery serve` and `etcd-edge discovery new`: parsed purely from
// argv, env and an optional --config-file (flag/env > file > defaults), validated once.
import { EdgeError } from '../core/errors.js';
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import { flagToEnv, parseFlags } from '../core/flags.js';
import type { FlagSpecs, ParsedFlags } from '../core/flags.js';
import { formatHostPort, parseHostPort } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { ClientTlsFiles } from '../core/tls.js';

const env = (flag: string): string => flagToEnv('ETCD_EDGE_DISCOVERY_', flag);
// `new` has its own variables: ETCD_EDGE_DISCOVERY_ENDPOINTS set for a service must not turn `new` into a custom token.
const newEnv = (flag: string): string => flagToEnv('ETCD_EDGE_DISCOVERY_NEW_', flag);

/** TLS flags toward an etcd cluster (or https service), named as etcdctl names them. */
function tlsFlags(envOf: (flag: string) => string): FlagSpecs {
  return {
    cacert: { kind: 'string', env: envOf('cacert'), describe: 'CA bundle to verify the etcd members (--endpoints)' },
    cert: { kind: 'string', env: envOf('cert'), describe: 'client certificate toward the etcd members' },
    key: { kind: 'string', env: envOf('key'), describe: 'client key toward the etcd members' },
    'insecure-skip-tls-verify': { kind: 'boolean', env: envOf('insecure-skip-tls-verify'), describe: 'skip verifying the etcd members\' certificates' },
  };
}

/** The flags of `etcd-edge discovery serve`. */
export const SERVE_FLAGS: FlagSpecs = {
  'listen-addr': { kind: 'string', env: env('listen-addr'), default: '127.0.0.1:8087', describe: 'address the discovery service listens on (HTTP)' },
  endpoints: { kind: 'list', env: env('endpoints'), default: ['http://127.0.0.1:2379'], describe: 'client URLs of the etcd cluster (any version with the v3 API) that stores tokens' },
  host: { kind: 'string', env: env('host'), describe: 'public URL prefix of the token URLs /new returns (default http://<listen-addr>)' },
  'store-prefix': { kind: 'string', env: env('store-prefix'), default: '/etcd-edge/discovery', describe: 'key prefix of the tokens in the store' },
  'request-timeout': { kind: 'duration', env: env('request-timeout'), default: 5000, describe: 'timeout of each store request' },
  'shutdown-timeout': { kind: 'duration', env: env('shutdown-timeout'), default: 5000, describe: 'how long close waits for requests in flight' },
  'listen-metrics-urls': { kind: 'list', env: 'ETCD_LISTEN_METRICS_URLS', describe: 'http URLs serving /metrics, /livez and /readyz (e.g. http://127.0.0.1:2381); none by default' },
  'config-file': { kind: 'string', env: env('config-file'), describe: 'YAML file of these flags (kebab-case keys); flags and env override it' },
  ...tlsFlags(env),
  ...LOG_LEVEL_FLAG,
};

/** The flags of `etcd-edge discovery new`. */
export const NEW_FLAGS: FlagSpecs = {
  size: { kind: 'int', env: newEnv('size'), default: 3, describe: 'number of members the cluster will have' },
  service: { kind: 'string', env: newEnv('service'), default: 'http://127.0.0.1:8087', describe: 'discovery service to create the token on (etcd-edge discovery serve, or discovery.etcd.io)' },
  endpoints: { kind: 'list', env: newEnv('endpoints'), describe: 'instead of a service, create the token in this etcd cluster\'s v2 keys API under /v2/keys/discovery/<token> (members need --enable-v2)' },
  'request-timeout': { kind: 'duration', env: newEnv('request-timeout'), default: 5000, describe: 'timeout of each request' },
  ...tlsFlags(newEnv),
};

/** The frozen config of the discovery service. */
export interface DiscoveryServeConfig {
  readonly listenAddr: HostPort;
  readonly endpoints: readonly string[];
  /** Public URL prefix without a trailing slash; undefined means http://<bound address>. */
  readonly host: string | undefined;
  readonly storePrefix: string;
  readonly tls: ClientTlsFiles | undefined;
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
}

/** The frozen config of `discovery new`. */
export interface DiscoveryNewConfig {
  readonly size: number;
  readonly service: string;
  readonly endpoints: readonly string[];
  readonly tls: ClientTlsFiles | undefined;
  readonly requestTimeoutMs: number;
}

function tlsOf(f: ParsedFlags): ClientTlsFiles | undefined {
  const files: ClientTlsFiles = {
    ...(f.str('cacert') ? { caFile: f.str('cacert') as string } : {}), ...(f.str('cert') ? { certFile: f.str('cert') as string } : {}),
    ...(f.str('key') ? { keyFile: f.str('key') as string } : {}), ...(f.bool('insecure-skip-tls-verify') ? { insecureSkipVerify: true } : {}),
  };
  return Object.keys(files).length ? files : undefined;
}

/** Checks a list of http(s) URLs, naming the flag in the error. */
export function checkUrls(urls: readonly string[], flag: string): string[] {
  return urls.map((u) => {
    const withScheme = /^[a-z]+:\/\//i.test(u) ? u : `http://${u}`;
    let parsed: URL | undefined;
    try { parsed = new URL(withScheme); } catch { parsed = undefined; }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
      throw new EdgeError('EDGE_CONFIG_INVALID', `invalid URL ${JSON.stringify(u)} for --${flag}`, { hint: 'write URLs as http(s)://host:port' });
    }
    return withScheme.replace(/\/+$/, '');
  });
}

/** Builds the serve config from parsed flags. */
export function serveConfigFrom(f: ParsedFlags): DiscoveryServeConfig {
  const listenAddr = parseHostPort(f.str('listen-addr') ?? '', '--listen-addr');
  const host = f.str('host');
  if (host === undefined && (listenAddr.host === '0.0.0.0' || listenAddr.host === '::')) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `--listen-addr ${JSON.stringify(formatHostPort(listenAddr))} binds every interface, so token URLs need --host`, {
      hint: 'pass --host with the URL clients reach this service at, for example --host http://10.0.1.5:8087',
    });
  }
  const endpoints = checkUrls(f.list('endpoints'), 'endpoints');
  if (endpoints.length === 0) throw new EdgeError('EDGE_CONFIG_INVALID', '--endpoints is empty', { hint: 'pass the client URLs of the etcd cluster that stores tokens' });
  const prefix = (f.str('store-prefix') ?? '').replace(/\/+$/, '');
  if (!prefix.startsWith('/')) throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --store-prefix ${JSON.stringify(prefix)}`, { hint: 'use a key path such as /etcd-edge/discovery' });
  const tls = tlsOf(f);
  return Object.freeze({
    listenAddr, endpoints, storePrefix: prefix, tls,
    host: host === undefined ? undefined : checkUrls([host], 'host')[0],
    requestTimeoutMs: f.ms('request-timeout') ?? 5000, shutdownTimeoutMs: f.ms('shutdown-timeout') ?? 5000,
  });
}

/** Parses `discovery serve` flags (file values come from --config-file, read by the caller). */
export function parseDiscoveryServeFlags(argv: readonly string[], environ: Readonly<Record<string, string | undefined>>, file?: Readonly<Record<string, unknown>>): { flags: ParsedFlags; config: DiscoveryServeConfig | undefined } {
  const flags = parseFlags(SERVE_FLAGS, argv, environ, { command: 'discovery serve', ...(file ? { file, fileName: 'config file' } : {}) });
  return { flags, config: flags.help ? undefined : serveConfigFrom(flags) };
}

/** Parses `discovery new` flags. */
export function parseDiscoveryNewFlags(argv: readonly string[], environ: Readonly<Record<string, string | undefined>>): { flags: ParsedFlags; config: DiscoveryNewConfig | undefined } {
  const flags = parseFlags(NEW_FLAGS, argv, environ, { command: 'discovery new' });
  if (flags.help) return { flags, config: undefined };
  const size = flags.int('size') ?? 3;
  if (!(size >= 1 && size <= 65535)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --size ${size}`, { hint: 'pass the number of members, from 1 to 65535 (3 or 5 is usual)' });
  }
  return {
    flags,
    config: Object.freeze({
      size, service: checkUrls([flags.str('service') ?? ''], 'service')[0] as string,
      endpoints: checkUrls(flags.list('endpoints'), 'endpoints'), tls: tlsOf(flags), requestTimeoutMs: flags.ms('request-timeout') ?? 5000,
    }),
  };
}
