// `etcd-edge tunnel`: parse the flags, build the tunnel, run it until SIGINT/SIGTERM (exit 0), as every long-running
// command does. Bad flags and keys exit 2; auth and host-key refusals on first contact exit 1.
import { commandLogger, runUntilAborted } from '../core/cli.js';
import type { CliMain } from '../core/cli.js';
import { renderHelp } from '../core/flags.js';
import { parseTunnelFlags, TUNNEL_FLAGS } from './config.js';
import { createTunnel } from './tunnel.js';

const USAGE = 'etcd-edge tunnel --ssh USER@HOST[:PORT] --identity KEYFILE (--known-hosts FILE [--accept-new] | --host-key-fingerprint SHA256:…) '
  + '[-L [BIND:]PORT:HOST:HOSTPORT]… [-R [BIND:]PORT:HOST:HOSTPORT]… [flags]';

const SUMMARY = 'Keep SSH tunnels up, verified and observable: -L listens here and reaches HOST:HOSTPORT through the server, '
  + '-R listens on the server and reaches HOST:HOSTPORT from here. Host keys are always verified. Listeners bind 127.0.0.1 '
  + 'unless a bind address is given. Drops reconnect with backoff.';

/** Runs `etcd-edge tunnel`. */
export const tunnelMain: CliMain = async (io) => {
  const { flags, config } = parseTunnelFlags(io.argv, io.env);
  if (!config) {
    io.stdout.write(renderHelp(USAGE, SUMMARY, TUNNEL_FLAGS));
    return 0;
  }
  const log = commandLogger(flags, 'tunnel');
  return runUntilAborted(createTunnel(config, { logger: log }), io.signal);
};
