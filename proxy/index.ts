// The proxy component's public surface: the `etcd-edge proxy` command, the factory `up` uses, and the pieces
// tests and other commands build on.
export { proxyMain } from './cli.js';
export { edgeFactory } from './edge.js';
export { createProxy } from './proxy.js';
export type { Proxy, ProxyDeps } from './proxy.js';
export { parseProxyFlags, configFromFlags } from './config.js';
export type { ProxyConfig, PeerSourceConfig, ListenUrl } from './config.js';
export { PROXY_FLAGS, DEFAULT_MAX_REQUEST_BYTES } from './flags.js';
export { statePaths, readClusterFile } from './state.js';
export { READONLY_V3_ALLOW } from './routes.js';
