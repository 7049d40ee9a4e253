// Flags and the frozen config of `etcd-edge dns serve`: the listen address, the zone's domain, the topology file
// the records come from, the discovery-srv-name suffix and the TTL. Parsing is pure; the topology is read by cli.ts.
import { EdgeError } from '../core/errors.js';
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import { flagToEnv, parseFlags } from '../core/flags.js';
import type { FlagSpecs, ParsedFlags } from '../core/flags.js';
import { parseHostPort } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import { normalizeName } from './zone.js';

const env = (flag: string): string => flagToEnv('ETCD_EDGE_DNS_', flag);

/** The flags of `etcd-edge dns serve`. */
export const DNS_FLAGS: FlagSpecs = {
  'listen-addr': { kind: 'string', env: env('listen-addr'), default: '127.0.0.1:53', describe: 'address to answer on, UDP and TCP (port 53 needs root or CAP_NET_BIND_SERVICE)' },
  domain: { kind: 'string', env: env('domain'), describe: 'the zone, as members get it in --discovery-srv (default: the topology\'s discovery-srv)' },
  topology: { kind: 'string', short: 'f', env: env('topology'), describe: 'topology file (YAML) whose hosts and members the records describe' },
  'discovery-srv-name': { kind: 'string', env: env('discovery-srv-name'), describe: 'suffix of the SRV names, as etcd\'s --discovery-srv-name (default: the topology\'s discovery-srv-name)' },
  'listen-metrics-urls': { kind: 'list', env: 'ETCD_LISTEN_METRICS_URLS', describe: 'http URLs serving /metrics, /livez and /readyz (e.g. http://127.0.0.1:2381); none by default' },
  ttl: { kind: 'duration', env: env('ttl'), default: 30_000, describe: 'TTL of every record' },
  ...LOG_LEVEL_FLAG,
};

/** The frozen config of `dns serve`, before the zone is built. */
export interface DnsServeConfig {
  readonly listenAddr: HostPort;
  readonly topology: string;
  /** From --domain; undefined means the topology's discovery-srv. */
  readonly domain: string | undefined;
  readonly srvName: string | undefined;
  readonly ttlSeconds: number;
}

/** Parses `dns serve` flags. */
export function parseDnsFlags(argv: readonly string[], environ: Readonly<Record<string, string | undefined>>): { flags: ParsedFlags; config: DnsServeConfig | undefined } {
  const flags = parseFlags(DNS_FLAGS, argv, environ, { command: 'dns serve' });
  if (flags.help) return { flags, config: undefined };
  const topology = flags.str('topology');
  if (topology === undefined) throw new EdgeError('EDGE_USAGE', 'dns serve needs a topology file', { hint: 'pass -f topology.yaml' });
  const ttl = Math.round((flags.ms('ttl') ?? 30_000) / 1000);
  if (!(ttl >= 0 && ttl <= 86_400)) throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --ttl ${ttl}s`, { hint: 'pass a TTL from 0s to 24h, for example 30s' });
  const srvName = flags.str('discovery-srv-name');
  if (srvName !== undefined && !/^[a-z0-9][a-z0-9-]{0,40}$/i.test(srvName)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --discovery-srv-name ${JSON.stringify(srvName)}`, { hint: 'use letters, digits and dashes' });
  }
  const domain = flags.str('domain');
  return {
    flags,
    config: Object.freeze({
      listenAddr: parseHostPort(flags.str('listen-addr') ?? '', '--listen-addr'), topology,
      domain: domain === undefined ? undefined : normalizeName(domain, '--domain'), srvName, ttlSeconds: ttl,
    }),
  };
}
