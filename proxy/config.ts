// ProxyConfig and its pure parser: flags > ETCD_* env > config file > etcd's defaults, validated once and frozen.
// Mirrors etcdmain/config.go's proxy checks (one bootstrap source only; https listeners need a certificate).
import path from 'node:path';
import { parseDataPath } from '../core/data-path.js';
import type { DataPathChoice } from '../core/data-path.js';
import { EdgeError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import type { ParsedFlags } from '../core/flags.js';
import type { LogLevel } from '../core/log.js';
import { parseEtcdUrl, parseMetricsUrls, urlHost } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import { initialClusterUrls, parseInitialCluster } from '../etcd/initial-cluster.js';
import { PROXY_FLAGS } from './flags.js';
import { checkListenerAuth } from './listener-auth.js';

/** Where the proxy finds its peers before it has a cluster file. */
export type PeerSourceConfig =
  | { readonly kind: 'initial-cluster'; readonly peers: readonly string[] }
  | { readonly kind: 'discovery'; readonly url: string }
  | { readonly kind: 'srv'; readonly domain: string; readonly name?: string; readonly dnsServer?: string };

/** One listen URL, split for listen(). */
export interface ListenUrl {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** The validated, frozen configuration of one proxy. */
export interface ProxyConfig {
  readonly mode: 'readwrite' | 'readonly';
  readonly listen: readonly ListenUrl[];
  readonly peerSource: PeerSourceConfig;
  /** Absolute; `<dataDir>/proxy/` holds the cluster and pid files. */
  readonly dataDir: string;
  readonly refreshIntervalMs: number;
  readonly failureWaitMs: number;
  readonly dialTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly clientTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly maxRequestBytes: number;
  /** Client connections held at once; 0: derived from the open-file limit at start. */
  readonly maxConnections: number;
  /** Closes a client connection idle for this long; 0: never. */
  readonly idleTimeoutMs: number;
  /** Readwrite gRPC goes through the frame relay (else, and always in readonly mode, through node:http2). */
  readonly grpcRelay: boolean;
  /** The operator allowed plain-http loopback listeners although the proxy presents a client certificate upstream. */
  readonly insecureUnauthenticatedListener: boolean;
  readonly serverTls?: { readonly certFile: string; readonly keyFile: string; readonly trustedCaFile?: string; readonly clientCertAuth: boolean };
  readonly peerTls: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string; readonly insecureSkipVerify: boolean };
  readonly metricsListen: readonly HostPort[];
  readonly advertiseClientUrls: readonly string[];
  readonly rewriteMemberUrls: boolean;
  readonly accessLog: 'off' | 'debug' | 'info' | 'warn';
  readonly logLevel: LogLevel;
  /** What serves plain-http listeners; undefined: the native front when it can (see nativeFrontBlocker). */
  readonly dataPath: DataPathChoice;
}

/** Options for parseProxyFlags besides the three sources. */
export interface ParseProxyOptions {
  /** Base for a relative --data-dir (default: kept relative to the process's working directory). */
  readonly cwd?: string;
  readonly fileName?: string;
}

/** Parses argv, env and an optional config-file map into the raw flag view (help, warnings included). */
export function parseProxyArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>,
  file?: Readonly<Record<string, unknown>>, fileName?: string): ParsedFlags {
  return parseFlags(PROXY_FLAGS, argv, env, { command: 'proxy', ...(file ? { file } : {}), ...(fileName ? { fileName } : {}) });
}

/** Parses argv, env and an optional config-file map into a validated, frozen ProxyConfig. */
export function parseProxyFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>,
  file?: Readonly<Record<string, unknown>>, opts: ParseProxyOptions = {}): ProxyConfig {
  return configFromFlags(parseProxyArgs(argv, env, file, opts.fileName), opts);
}

/** Builds the ProxyConfig from parsed flags. */
export function configFromFlags(f: ParsedFlags, opts: ParseProxyOptions = {}): ProxyConfig {
  const mode = f.str('proxy');
  if (mode === 'off') {
    throw new EdgeError('EDGE_CONFIG_INVALID', '--proxy "off" makes no sense for etcd-edge proxy', { hint: 'use --proxy on or --proxy readonly' });
  }
  const listen = parseListenUrls(f.list('listen-client-urls'), '--listen-client-urls');
  if (listen.length === 0) throw new EdgeError('EDGE_CONFIG_INVALID', '--listen-client-urls is empty', { hint: 'pass --listen-client-urls http://127.0.0.1:2379' });
  const serverTls = parseServerTls(f, listen);
  const metricsListen = parseMetricsUrls(f.list('listen-metrics-urls'));
  const rewrite = f.bool('proxy-rewrite-member-urls');
  const advertise = parseAdvertise(f, listen, rewrite);
  const dataDir = f.str('data-dir') ?? 'default.etcd';
  const cfg: ProxyConfig = {
    mode: mode === 'readonly' ? 'readonly' : 'readwrite',
    listen, peerSource: parsePeerSource(f), ...(serverTls ? { serverTls } : {}),
    dataDir: opts.cwd === undefined ? dataDir : path.resolve(opts.cwd, dataDir),
    refreshIntervalMs: positive(f, 'proxy-refresh-interval'), failureWaitMs: f.ms('proxy-failure-wait') ?? 5000,
    dialTimeoutMs: positive(f, 'proxy-dial-timeout'), writeTimeoutMs: positive(f, 'proxy-write-timeout'),
    readTimeoutMs: f.ms('proxy-read-timeout') ?? 0, clientTimeoutMs: positive(f, 'proxy-client-timeout'),
    shutdownTimeoutMs: f.ms('proxy-shutdown-timeout') ?? 10_000, maxRequestBytes: positive(f, 'max-request-bytes'),
    peerTls: {
      ...opt('caFile', f.str('peer-trusted-ca-file')), ...opt('certFile', f.str('peer-cert-file')), ...opt('keyFile', f.str('peer-key-file')),
      insecureSkipVerify: f.bool('peer-auto-tls'),
    },
    maxConnections: nonNegative(f, 'max-connections'), idleTimeoutMs: f.ms('idle-timeout') ?? 0,
    insecureUnauthenticatedListener: f.bool('insecure-unauthenticated-listener'), grpcRelay: f.bool('grpc-relay'),
    metricsListen, advertiseClientUrls: advertise, rewriteMemberUrls: rewrite,
    accessLog: (f.str('access-log') ?? 'off') as ProxyConfig['accessLog'], logLevel: (f.str('log-level') ?? 'info') as LogLevel,
    dataPath: parseDataPath(f.str('data-path')),
  };
  if ((cfg.peerTls.certFile === undefined) !== (cfg.peerTls.keyFile === undefined)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', '--peer-cert-file and --peer-key-file go together', { hint: 'pass both or neither' });
  }
  checkListenerAuth(cfg);
  const blocker = nativeFrontBlocker(cfg);
  if (cfg.dataPath === 'native' && blocker !== undefined) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `--data-path native cannot serve this proxy: ${blocker}`, { hint: 'drop --data-path (node:http then serves it) or pass --data-path js' });
  }
  return Object.freeze(cfg);
}

/**
 * Why the native front cannot serve this configuration (it speaks plain http to the members and writes no access
 * log), or undefined when it can. https listeners are served by node:http in any case.
 */
export function nativeFrontBlocker(cfg: Pick<ProxyConfig, 'peerTls' | 'accessLog' | 'logLevel' | 'listen'>): string | undefined {
  if (cfg.peerTls.caFile !== undefined || cfg.peerTls.certFile !== undefined || cfg.peerTls.insecureSkipVerify) return 'the members are reached over TLS (--peer-* flags)';
  if (accessLogOn(cfg)) return 'the access log is on (--access-log)';
  if (!cfg.listen.some((l) => !l.tls)) return 'every --listen-client-urls entry is https';
  return undefined;
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined || v === '' ? {} : { [k]: v }) as { [P in K]?: string };
}

function nonNegative(f: ParsedFlags, name: string): number {
  const v = f.int(name) ?? 0;
  if (!Number.isInteger(v) || v < 0) throw new EdgeError('EDGE_CONFIG_INVALID', `--${name} must be 0 or more, got ${JSON.stringify(v)}`, { hint: `pass --${name} 0 to derive it` });
  return v;
}

function positive(f: ParsedFlags, name: string): number {
  const v = f.ms(name) ?? f.int(name) ?? 0;
  if (!(v > 0)) throw new EdgeError('EDGE_CONFIG_INVALID', `--${name} must be greater than 0, got ${JSON.stringify(v)}`, { hint: `pass a positive --${name}` });
  return v;
}

function parseListenUrls(urls: readonly string[], flag: string): ListenUrl[] {
  return urls.map((raw) => {
    const u = parseEtcdUrl(raw, flag);
    return { url: `${u.protocol}//${u.host}`, host: urlHost(u), port: Number(u.port), tls: u.protocol === 'https:' };
  });
}

function parseServerTls(f: ParsedFlags, listen: readonly ListenUrl[]): ProxyConfig['serverTls'] {
  const certFile = f.str('cert-file');
  const keyFile = f.str('key-file');
  const caFile = f.str('trusted-ca-file');
  if (!listen.some((l) => l.tls)) return undefined;
  if (!certFile || !keyFile) {
    throw new EdgeError('EDGE_CONFIG_INVALID', 'https listen URLs need --cert-file and --key-file', {
      hint: 'pass --cert-file and --key-file (etcd-edge certs can make them), or listen on http://',
    });
  }
  if (f.bool('client-cert-auth') && !caFile) {
    throw new EdgeError('EDGE_CONFIG_INVALID', '--client-cert-auth needs --trusted-ca-file', { hint: 'pass the CA that signs the client certificates' });
  }
  return { certFile, keyFile, ...(caFile ? { trustedCaFile: caFile } : {}), clientCertAuth: f.bool('client-cert-auth') };
}

function parseAdvertise(f: ParsedFlags, listen: readonly ListenUrl[], rewrite: boolean): string[] {
  const given = f.list('proxy-advertise-client-urls').map((raw) => {
    const u = parseEtcdUrl(raw, '--proxy-advertise-client-urls');
    return `${u.protocol}//${u.host}`;
  });
  if (given.length > 0) return given;
  const wildcard = listen.find((l) => l.host === '0.0.0.0' || l.host === '::');
  if (rewrite && wildcard) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `cannot advertise the wildcard listen URL ${JSON.stringify(wildcard.url)} in member lists`, {
      hint: 'pass --proxy-advertise-client-urls with the address clients use, or --proxy-rewrite-member-urls=false',
    });
  }
  return listen.map((l) => l.url);
}

function parsePeerSource(f: ParsedFlags): PeerSourceConfig {
  const set = (['initial-cluster', 'discovery', 'discovery-srv'] as const).filter((k) => f.has(k) && (f.str(k) ?? '') !== '');
  if (set.length > 1) {
    throw new EdgeError('EDGE_CONFIG_INVALID', 'multiple discovery or bootstrap flags are set', {
      hint: 'choose one of "initial-cluster", "discovery" or "discovery-srv"',
    });
  }
  if (f.str('discovery-srv-name') && set[0] !== 'discovery-srv') {
    throw new EdgeError('EDGE_CONFIG_INVALID', '--discovery-srv-name needs --discovery-srv', { hint: 'pass --discovery-srv DOMAIN as well' });
  }
  if (set[0] === 'discovery') {
    const url = f.str('discovery') ?? '';
    parseDiscoveryUrl(url);
    return { kind: 'discovery', url };
  }
  if (set[0] === 'discovery-srv') {
    const name = f.str('discovery-srv-name');
    const dns = f.str('dns-server');
    return { kind: 'srv', domain: f.str('discovery-srv') ?? '', ...(name ? { name } : {}), ...(dns ? { dnsServer: dns } : {}) };
  }
  return { kind: 'initial-cluster', peers: initialClusterPeers(f.str('initial-cluster') ?? 'default=http://localhost:2380') };
}

function parseDiscoveryUrl(url: string): void {
  let u: URL | undefined;
  try { u = new URL(url); } catch { u = undefined; }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --discovery URL ${JSON.stringify(url)}`, { hint: 'pass the token URL, e.g. http://127.0.0.1:8087/<token>' });
  }
}

/** Parses etcd's `name=url,name=url` into the distinct peer URLs, in order. */
function initialClusterPeers(value: string): string[] {
  const urls = initialClusterUrls(parseInitialCluster(value, {
    code: 'EDGE_CONFIG_INVALID', where: '--initial-cluster',
    message: (entry) => `invalid --initial-cluster entry ${JSON.stringify(entry)}`,
    hint: 'write it as name=http://host:2380,name2=http://host2:2380',
  }));
  if (urls.length === 0) throw new EdgeError('EDGE_CONFIG_INVALID', '--initial-cluster is empty', { hint: 'pass name=http://host:2380 pairs' });
  return urls;
}

/** Whether requests are access-logged: --access-log is not off and the log level lets the lines out. */
export function accessLogOn<C extends Pick<ProxyConfig, 'accessLog' | 'logLevel'>>(cfg: C): cfg is C & { readonly accessLog: Exclude<ProxyConfig['accessLog'], 'off'> } {
  return cfg.accessLog !== 'off' && cfg.logLevel !== 'silent';
}
