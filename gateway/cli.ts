// `etcd-edge gateway start [flags]`: parse, create the gateway and run it until SIGINT/SIGTERM (exit 0).
import { commandLogger, runUntilAborted } from '../core/cli.js';
import type { CliMain } from '../core/cli.js';
import { EdgeError } from '../core/errors.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import { GATEWAY_FLAGS, gatewayConfigFrom } from './config.js';
import { createGateway } from './gateway.js';

const USAGE = 'etcd-edge gateway start [flags]';
const SUMMARY = `Start the TCP gateway: clients connect to --listen-addr and each connection is relayed, untouched (TLS and
gRPC pass through), to an endpoint that is up, round robin. Down endpoints are re-probed with backoff, and the
endpoints follow the cluster's member list (--endpoints-auto-sync-interval). A flag and its environment variable
may not both be set.`;

/** Runs `etcd-edge gateway <start|--help>`. */
export const gatewayMain: CliMain = async (io) => {
  const [sub, ...rest] = io.argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`usage: ${USAGE}\n\nsubcommands:\n  start   start the TCP gateway (see etcd-edge gateway start --help)\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'start') {
    throw new EdgeError('EDGE_USAGE', `unknown subcommand ${JSON.stringify(sub)} for "gateway"`, {
      hint: `usage: ${USAGE}; see etcd-edge gateway start --help`,
    });
  }
  const f = parseFlags(GATEWAY_FLAGS, rest, io.env, { command: 'gateway start' });
  if (f.help) {
    io.stdout.write(renderHelp(USAGE, SUMMARY, GATEWAY_FLAGS));
    return 0;
  }
  const cfg = gatewayConfigFrom(f);
  const gw = createGateway(cfg, { logger: commandLogger(f, 'gateway') });
  return runUntilAborted(gw, io.signal);
};
