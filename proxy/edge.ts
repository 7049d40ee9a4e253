// The proxy as an edge component of `etcd-edge up`: a topology's proxy: section uses the same flag names, parsed
// by the same parser as the command line (the map is layered like a config file; no environment is read).
import type { EdgeFactory } from '../core/edge.js';
import { parseProxyFlags } from './config.js';
import { createProxy } from './proxy.js';

const parseSection = (flags: Readonly<Record<string, unknown>>) => parseProxyFlags([], {}, flags, { fileName: 'proxy section' });

/** Builds proxies for `up` from a topology's proxy: section. */
export const edgeFactory: EdgeFactory = {
  validate(flags) {
    parseSection(flags);
  },
  create(flags, logger, context) {
    return createProxy(parseSection(flags), { logger, ...(context?.listeners ? { listeners: context.listeners } : {}) });
  },
};
