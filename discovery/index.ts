// The discovery component's public surface: the self-hosted discovery service and `discovery new`.
export { discoveryMain } from './cli.js';
export { createDiscoveryService } from './service.js';
export type { DiscoveryService, DiscoveryServiceDeps } from './service.js';
export { parseDiscoveryServeFlags, parseDiscoveryNewFlags, SERVE_FLAGS, NEW_FLAGS } from './config.js';
export type { DiscoveryServeConfig, DiscoveryNewConfig } from './config.js';
export { newToken } from './new.js';
