// The tunnel's EdgeFactory for `up`: a topology's tunnels: entries use the flag names of `etcd-edge tunnel` (or the
// -L/-R/-i aliases) and go through the same parser, so they mean what the flags mean.
import type { EdgeComponent, EdgeContext, EdgeFactory } from '../core/edge.js';
import { EdgeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { parseTunnelFlags } from './config.js';
import type { TunnelConfig } from './config.js';
import { createTunnel } from './tunnel.js';

function configOf(flags: Readonly<Record<string, unknown>>): TunnelConfig {
  const { config } = parseTunnelFlags([], {}, flags);
  if (!config) throw new EdgeError('EDGE_TOPOLOGY_INVALID', 'a tunnels: entry cannot ask for help', { hint: 'remove the help key' });
  return config;
}

/** Builds tunnels from topology sections; validate() is pure (no key or known_hosts reads) so `plan` can run anywhere. */
export const edgeFactory: EdgeFactory = {
  validate(flags) {
    configOf(flags);
  },
  create(flags: Readonly<Record<string, unknown>>, logger: Logger, context?: EdgeContext): EdgeComponent {
    return createTunnel(configOf(flags), { logger, ...(context?.listeners ? { listeners: context.listeners } : {}) });
  },
};
