// The subcommand table: each entry lazily imports its component's main, so `etcd-edge certs` does not load ssh2.
import type { CliMain } from '../core/cli.js';
import { edgeFactories, proxyFactory, tlsProvider } from './wiring.js';

/** Loads the main() of each subcommand. */
export const commands: Readonly<Record<string, () => Promise<CliMain>>> = {
  up: async () => {
    const m = await import('../cluster/index.js');
    const [edge, tls] = await Promise.all([edgeFactories(), tlsProvider()]);
    return (io) => m.upMain(io, { edge, tls });
  },
  plan: async () => { const m = await import('../cluster/index.js'); const edge = await edgeFactories(); return (io) => m.planMain(io, { edge }); },
  status: async () => (await import('../cluster/index.js')).statusMain,
  proxy: async () => (await import('../proxy/index.js')).proxyMain,
  gateway: async () => (await import('../gateway/index.js')).gatewayMain,
  tunnel: async () => (await import('../tunnel/index.js')).tunnelMain,
  certs: async () => (await import('../certs/index.js')).certsMain,
  discovery: async () => (await import('../discovery/index.js')).discoveryMain,
  dns: async () => (await import('../dns/index.js')).dnsMain,
  member: async () => (await import('../membership/index.js')).memberMain,
  promote: async () => { const m = await import('../membership/index.js'); const proxy = await proxyFactory(); return (io) => m.promoteMain(io, { proxy }); },
  demote: async () => { const m = await import('../membership/index.js'); const proxy = await proxyFactory(); return (io) => m.demoteMain(io, { proxy }); },
  manifests: async () => (await import('../manifests/index.js')).manifestsMain,
  completion: async () => (await import('./completion.js')).completionMain,
};

/** Returns the top-level help text. */
export function usage(): string {
  return `usage: etcd-edge <command> [flags]

commands:
  up          start a supervised etcd cluster and its edge (bundled 3-member layout, or -f topology.yaml --host NAME)
  plan        print per-host etcd commands, ETCD_* env files and systemd units for a topology
  status      endpoint status, health and member list of any cluster
  proxy       the local v2-style HTTP proxy (readwrite or readonly) that follows the cluster
  gateway     gateway start: the TCP gateway (default 127.0.0.1:23790) that follows the cluster
  tunnel      SSH tunnels (-L/-R) kept up, verified and observable
  certs       ca | member | client | auto | inspect: certificates for TLS clusters
  discovery   serve | new: a self-hosted etcd discovery service
  dns         serve: an authoritative DNS server for the SRV records etcd bootstraps from
  member      add | remove | list: thin membership helpers
  promote     turn this host's proxy into a member, with rollback
  demote      turn a member back into a proxy
  manifests   k8s: Kubernetes manifests for a StatefulSet that scales
  completion  bash | zsh: a shell completion script built from every command's flags
  version     print the etcd-edge version

run etcd-edge <command> --help for its flags.
`;
}
