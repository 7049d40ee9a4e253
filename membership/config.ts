// Pure parsing of the membership commands' flags into frozen configs: URLs checked with etcd's rules (listen
// hosts must be IPs), paths resolved against the given cwd, everything after `--` kept as extra etcd flags.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import type { ParsedFlags } from '../core/flags.js';
import type { LogLevel } from '../core/log.js';
import { isIp, parseEtcdUrl, urlHost } from '../core/net.js';
import type { ClientTlsFiles } from '../core/tls.js';
import { DEMOTE_FLAGS, MEMBER_FLAGS, PROMOTE_FLAGS } from './flags.js';
import { dataDirLayout } from '../host/index.js';

/** How a command reaches the cluster. */
export interface ClientConfig {
  /** Empty when the command derives them (promote: from the proxy's peers; demote: from the pid file). */
  readonly endpoints: readonly string[];
  readonly tls: ClientTlsFiles;
  readonly useTls: boolean;
  readonly timeoutMs: number;
}

/** The frozen configuration of `etcd-edge promote`. */
export interface PromoteConfig {
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly listenPeerUrls: readonly string[];
  readonly listenClientUrls: readonly string[];
  readonly dataDir: string;
  readonly memberDataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly etcdBin: string;
  readonly learner: boolean;
  readonly readyTimeoutMs: number;
  readonly proxyStopTimeoutMs: number;
  readonly proxyListenClientUrls: readonly string[];
  /** Flags given after `--`, passed to etcd verbatim. */
  readonly extraEtcdArgs: readonly string[];
  readonly client: ClientConfig;
  readonly logLevel: LogLevel;
}

/** The frozen configuration of `etcd-edge demote`. */
export interface DemoteConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly memberDataDir: string;
  readonly pidFile: string;
  readonly proxyListenClientUrls: readonly string[];
  readonly startProxy: boolean;
  readonly stopTimeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly client: ClientConfig;
  readonly logLevel: LogLevel;
}

/** Normalises `host:port` to a URL, guessing https when TLS material is given (as etcdctl does). */
export function toClientUrl(ep: string, tls: boolean): string {
  return /^https?:\/\//.test(ep) ? ep.replace(/\/$/, '') : `${tls ? 'https' : 'http'}://${ep}`;
}

/** Reads the etcdctl-style client flags. */
export function clientConfig(f: ParsedFlags): ClientConfig {
  const s = (k: string): string | undefined => { const v = f.str(k); return v === undefined || v === '' ? undefined : v; };
  const tls: ClientTlsFiles = {
    ...(s('cacert') ? { caFile: s('cacert') as string } : {}), ...(s('cert') ? { certFile: s('cert') as string } : {}),
    ...(s('key') ? { keyFile: s('key') as string } : {}), insecureSkipVerify: f.bool('insecure-skip-tls-verify'),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', '--cert and --key go together', { hint: 'pass both or neither' });
  }
  const useTls = Boolean(tls.caFile || tls.certFile || tls.insecureSkipVerify);
  return { endpoints: f.list('endpoints').map((e) => toClientUrl(e, useTls)), tls, useTls, timeoutMs: f.ms('command-timeout') ?? 5000 };
}

function urls(f: ParsedFlags, flag: string, listen: boolean): string[] {
  return f.list(flag).map((raw) => {
    const u = parseEtcdUrl(raw, `--${flag}`);
    const host = urlHost(u);
    if (listen && !isIp(host) && host !== 'localhost') {
      throw new EdgeError('EDGE_CONFIG_INVALID', `--${flag} has the hostname ${JSON.stringify(host)}; etcd binds IP addresses only`, {
        hint: `pass --${flag.startsWith('listen-') ? flag : `listen-${flag}`} with an IP address, e.g. http://0.0.0.0:${u.port}`,
      });
    }
    return `${u.protocol}//${u.host}`;
  });
}

function required(f: ParsedFlags, flag: string, example: string): void {
  if (!f.has(flag) || f.list(flag).length === 0) {
    throw new EdgeError('EDGE_USAGE', `--${flag} is required`, { hint: `pass --${flag} ${example}` });
  }
}

function checkName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid member name ${JSON.stringify(name)}`, {
      hint: 'use letters, digits, ".", "_" and "-" (the name also names the data dir and log file)',
    });
  }
  return name;
}

/** Splits argv at `--`: the flags for us, and what goes to etcd verbatim. */
export function splitExtra(argv: readonly string[]): { own: readonly string[]; extra: readonly string[] } {
  const i = argv.indexOf('--');
  return i === -1 ? { own: argv, extra: [] } : { own: argv.slice(0, i), extra: argv.slice(i + 1) };
}

// Flags we set ourselves; passing them again after `--` would make etcd see them twice.
const OWN_ETCD_FLAGS = ['name', 'data-dir', 'listen-peer-urls', 'initial-advertise-peer-urls', 'listen-client-urls', 'advertise-client-urls',
  'initial-cluster', 'initial-cluster-state', 'initial-cluster-token', 'discovery', 'discovery-srv', 'proxy'];

/** Builds PromoteConfig from parsed flags. */
export function promoteConfig(f: ParsedFlags, extra: readonly string[], cwd: string): PromoteConfig {
  required(f, 'name', 'infra3');
  required(f, 'peer-urls', 'http://10.0.1.13:2380');
  required(f, 'client-urls', 'http://10.0.1.13:2379');
  const name = checkName(f.str('name') ?? '');
  for (const a of extra) {
    const flag = /^--?([a-z0-9-]+)/.exec(a)?.[1];
    if (flag && OWN_ETCD_FLAGS.includes(flag)) {
      throw new EdgeError('EDGE_USAGE', `--${flag} after "--" clashes with what promote sets`, { hint: 'use promote\'s own flags (--name, --peer-urls, --client-urls, --listen-*-urls, --data-dir)' });
    }
  }
  const peerUrls = urls(f, 'peer-urls', false);
  const clientUrls = urls(f, 'client-urls', false);
  const dataDir = path.resolve(cwd, f.str('data-dir') ?? 'default.etcd');
  return Object.freeze({
    name, peerUrls, clientUrls,
    listenPeerUrls: f.has('listen-peer-urls') ? urls(f, 'listen-peer-urls', true) : urls(f, 'peer-urls', true),
    listenClientUrls: f.has('listen-client-urls') ? urls(f, 'listen-client-urls', true) : urls(f, 'client-urls', true),
    dataDir, memberDataDir: dataDirLayout(dataDir).memberDataDir(name), logFile: dataDirLayout(dataDir).memberLog(name),
    pidFile: dataDirLayout(dataDir).memberPidFile(name), etcdBin: f.str('etcd-bin') ?? 'etcd', learner: f.bool('learner'),
    readyTimeoutMs: f.ms('ready-timeout') ?? 60_000, proxyStopTimeoutMs: f.ms('proxy-stop-timeout') ?? 20_000,
    proxyListenClientUrls: urls(f, 'proxy-listen-client-urls', true), extraEtcdArgs: [...extra],
    client: clientConfig(f), logLevel: (f.str('log-level') ?? 'info') as LogLevel,
  });
}

/** Parses `etcd-edge promote` argv and env. */
export function parsePromoteFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): { flags: ParsedFlags; config?: PromoteConfig } {
  const { own, extra } = splitExtra(argv);
  const flags = parseFlags(PROMOTE_FLAGS, own, env, { command: 'promote' });
  return flags.help ? { flags } : { flags, config: promoteConfig(flags, extra, cwd) };
}

/** Parses `etcd-edge demote` argv and env. */
export function parseDemoteFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): { flags: ParsedFlags; config?: DemoteConfig } {
  const flags = parseFlags(DEMOTE_FLAGS, argv, env, { command: 'demote' });
  if (flags.help) return { flags };
  required(flags, 'name', 'infra3');
  const name = checkName(flags.str('name') ?? '');
  const dataDir = path.resolve(cwd, flags.str('data-dir') ?? 'default.etcd');
  return {
    flags,
    config: Object.freeze({
      name, dataDir, memberDataDir: dataDirLayout(dataDir).memberDataDir(name), pidFile: dataDirLayout(dataDir).memberPidFile(name),
      proxyListenClientUrls: urls(flags, 'proxy-listen-client-urls', true), startProxy: flags.bool('start-proxy'),
      stopTimeoutMs: flags.ms('stop-timeout') ?? 30_000, readyTimeoutMs: flags.ms('ready-timeout') ?? 30_000,
      client: clientConfig(flags), logLevel: (flags.str('log-level') ?? 'info') as LogLevel,
    }),
  };
}

/** Parses `etcd-edge member <sub> [args]` argv and env; the subcommand and its arguments are positionals. */
export function parseMemberFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedFlags {
  return parseFlags(MEMBER_FLAGS, argv, env, {
    command: 'member', positionals: { min: 0, max: 2, usage: 'etcd-edge member add NAME --peer-urls URL [--learner] | remove ID | promote ID | list' },
  });
}
