// The gateway as an edge component of `etcd-edge up`: a topology's gateway section holds `gateway start` flag
// names, parsed by the same parser as the command line, and describe() feeds the status table.
import type { EdgeComponent, EdgeFactory } from '../core/edge.js';
import { formatHostPort } from '../core/net.js';
import { parseGatewayFlags } from './config.js';
import { createGateway } from './gateway.js';

/** Validates and builds gateways from topology sections for `up`. */
export const edgeFactory: EdgeFactory = {
  validate(flags) {
    parseGatewayFlags([], {}, flags);
  },
  create(flags, logger, context): EdgeComponent {
    const cfg = parseGatewayFlags([], {}, flags);
    // Under up, the gateway shares the process's descriptors with the proxy and tunnels: the caps split the pool.
    const gw = createGateway(cfg, { logger, ...(context?.listeners ? { listeners: context.listeners } : {}) });
    return {
      start: (opts) => gw.start(opts),
      close: () => gw.close(),
      metrics: () => gw.metrics(),
      describe() {
        const s = gw.status();
        let address = formatHostPort(cfg.listenAddr);
        try { address = formatHostPort({ host: gw.address().address, port: gw.address().port }); } catch { /* not listening yet */ }
        return { kind: 'gateway', address, detail: `${s.live}/${s.endpoints.length} endpoints up` };
      },
    };
  },
};
