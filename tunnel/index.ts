// The tunnel component's public surface: `etcd-edge tunnel`, the EdgeFactory `up` uses, and the pieces behind them.
export { tunnelMain } from './cli.js';
export { edgeFactory } from './edge.js';
export { createTunnel } from './tunnel.js';
export type { Tunnel, TunnelDeps } from './tunnel.js';
export { parseTunnelFlags, parseSshTarget, sshAddress, TUNNEL_FLAGS } from './config.js';
export type { TunnelConfig } from './config.js';
export { parseForwardSpec, describeForward } from './forward-spec.js';
export type { ForwardSpec, ForwardKind } from './forward-spec.js';
export { parseKnownHosts, checkHostKey, fingerprintOf, knownHostName } from './known-hosts.js';
export type { ForwardStatus, TunnelStatus, TunnelState } from './status.js';
