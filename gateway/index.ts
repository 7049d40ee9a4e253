// The gateway component's public surface: the `gateway start` command, the edge factory for `up`, and the
// building blocks for embedding and tests.
export { gatewayMain } from './cli.js';
export { edgeFactory } from './edge.js';
export { createGateway } from './gateway.js';
export type { Gateway, GatewayDeps, GatewayStatus } from './gateway.js';
export { GATEWAY_FLAGS, gatewayConfigFrom, parseGatewayFlags } from './config.js';
export type { GatewayConfig } from './config.js';
