// `etcd-edge dns serve`: parse flags, build the zone from the topology file, answer until aborted.
import path from 'node:path';
import { commandLogger, runUntilAborted } from '../core/cli.js';
import type { CliIo, CliMain } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { EdgeError } from '../core/errors.js';
import { renderHelp } from '../core/flags.js';
import { withMetricsListener } from '../core/metrics-server.js';
import { parseMetricsUrls } from '../core/net.js';
import { DNS_FLAGS, parseDnsFlags } from './config.js';
import type { DnsServeConfig } from './config.js';
import { createDnsServer } from './server.js';
import { buildZone, normalizeName } from './zone.js';
import type { Zone } from './zone.js';

const USAGE = 'usage: etcd-edge dns serve --domain DOMAIN -f topology.yaml [--listen-addr ADDR]\n\nrun etcd-edge dns serve --help for the flags.\n';

/** Reads the topology and builds the zone the config describes. */
export function loadZone(config: DnsServeConfig, cwd: string): Zone {
  const doc = readYamlFile(path.resolve(cwd, config.topology), 'topology file');
  const fromTopo = (k: string): string | undefined => (typeof doc[k] === 'string' ? doc[k] as string : undefined);
  const rawDomain = config.domain ?? fromTopo('discovery-srv');
  if (rawDomain === undefined) {
    throw new EdgeError('EDGE_USAGE', 'no domain: pass --domain or set discovery-srv in the topology', { hint: 'for example --domain example.test' });
  }
  const domain = normalizeName(rawDomain, config.domain === undefined ? 'discovery-srv' : '--domain');
  const srvName = config.srvName ?? fromTopo('discovery-srv-name');
  return buildZone({ doc, source: config.topology, domain, srvName, ttl: config.ttlSeconds });
}

async function serveMain(io: CliIo): Promise<number> {
  const { flags, config } = parseDnsFlags(io.argv, io.env);
  if (!config) {
    io.stdout.write(renderHelp('etcd-edge dns serve --domain DOMAIN -f topology.yaml [--listen-addr ADDR]',
      'Answer the SRV, A and AAAA records etcd bootstraps from (--discovery-srv), built from a topology; authoritative only, never forwarding.', DNS_FLAGS));
    return 0;
  }
  const log = commandLogger(flags, 'dns');
  const zone = loadZone(config, io.cwd);
  for (const w of zone.warnings) log.warn({ warning: w }, 'zone warning');
  const dns = createDnsServer({ listenAddr: config.listenAddr, zone, tcpIdleMs: 10_000 }, { logger: log });
  return runUntilAborted(withMetricsListener(dns, { listen: parseMetricsUrls(flags.list('listen-metrics-urls')) }), io.signal);
}

/** Runs `etcd-edge dns serve`. */
export const dnsMain: CliMain = async (io) => {
  const [sub, ...rest] = io.argv;
  if (sub === 'serve') return serveMain({ ...io, argv: rest });
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') { io.stdout.write(USAGE); return sub === undefined ? 2 : 0; }
  throw new EdgeError('EDGE_USAGE', `unknown dns subcommand ${JSON.stringify(sub)}`, { hint: 'use etcd-edge dns serve' });
};
