// `etcd-edge discovery serve|new`: parse, then run the service until aborted, or print one new token URL.
import path from 'node:path';
import { commandLogger, println, runUntilAborted } from '../core/cli.js';
import type { CliIo, CliMain } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { EdgeError } from '../core/errors.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import { NEW_FLAGS, SERVE_FLAGS, parseDiscoveryNewFlags, parseDiscoveryServeFlags } from './config.js';
import { withMetricsListener } from '../core/metrics-server.js';
import { parseMetricsUrls } from '../core/net.js';
import { newToken } from './new.js';
import { createDiscoveryService } from './service.js';

const USAGE = `usage: etcd-edge discovery <serve|new> [flags]

  serve   run a discovery service (compatible with discovery.etcd.io and etcd's --discovery) that stores tokens in an etcd cluster
  new     create a token and print its URL

run etcd-edge discovery <serve|new> --help for the flags.
`;

async function serveMain(io: CliIo): Promise<number> {
  // A first pass finds --config-file; the second layers it under flags and env.
  const first = parseFlags(SERVE_FLAGS, io.argv, io.env, { command: 'discovery serve' });
  if (first.help) {
    io.stdout.write(renderHelp('etcd-edge discovery serve [--listen-addr ADDR] [--endpoints URLS] [--host URL]',
      'Serve discovery tokens (GET /new?size=N) and the v2 keys subset etcd --discovery uses, stored in an etcd cluster via the v3 API.', SERVE_FLAGS));
    return 0;
  }
  const file = first.str('config-file');
  const { flags, config } = parseDiscoveryServeFlags(io.argv, io.env, file === undefined ? undefined : readYamlFile(path.resolve(io.cwd, file), 'config file'));
  if (!config) return 0;
  const log = commandLogger(flags, 'discovery');
  const svc = createDiscoveryService(config, { logger: log });
  return runUntilAborted(withMetricsListener(svc, { listen: parseMetricsUrls(flags.list('listen-metrics-urls')), metrics: () => svc.metrics() }), io.signal);
}

async function newMain(io: CliIo): Promise<number> {
  const { config } = parseDiscoveryNewFlags(io.argv, io.env);
  if (!config) {
    io.stdout.write(renderHelp('etcd-edge discovery new [--size N] [--service URL | --endpoints URLS]',
      'Create a discovery token and print its URL, for etcd --discovery or etcd-edge up --discovery.', NEW_FLAGS));
    return 0;
  }
  println(io.stdout, await newToken(config, io.signal));
  return 0;
}

/** Runs `etcd-edge discovery serve|new`. */
export const discoveryMain: CliMain = async (io) => {
  const [sub, ...rest] = io.argv;
  if (sub === 'serve') return serveMain({ ...io, argv: rest });
  if (sub === 'new') return newMain({ ...io, argv: rest });
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') { io.stdout.write(USAGE); return sub === undefined ? 2 : 0; }
  throw new EdgeError('EDGE_USAGE', `unknown discovery subcommand ${JSON.stringify(sub)}`, { hint: 'use etcd-edge discovery serve or etcd-edge discovery new' });
};
