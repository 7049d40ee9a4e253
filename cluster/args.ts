// Pure: the etcd command line for one member, from the topology and what the etcd binary supports. The same
// list renders as an ETCD_* environment file for systemd (plan.ts); a member never gets both forms at once,
// because etcd exits when a variable duplicates a flag.
import { flagToEnv, ENV_PREFIX } from '../core/flags.js';
import type { MemberTls } from '../core/edge.js';
import type { EtcdBinary } from '../etcd/index.js';
import type { MemberDecl, Topology } from './topology.js';
import { initialClusterOf } from './validate.js';

/** Everything args() needs besides the topology. */
export interface MemberArgsInput {
  readonly topology: Topology;
  readonly member: MemberDecl;
  readonly etcd: Pick<EtcdBinary, 'hasV2' | 'needsZapFlag'>;
  readonly dataDir: string;
  /** True when the data dir already holds member/wal: bootstrap flags are then left out. */
  readonly initialized: boolean;
  readonly tls?: MemberTls;
}

/** A flag name and its value, in etcd's spelling. */
export type FlagPair = readonly [name: string, value: string];

/** Returns the member's flags as name/value pairs, in a stable order. */
export function memberFlags(i: MemberArgsInput): FlagPair[] {
  const { topology: t, member: m } = i;
  const out: FlagPair[] = [
    ['name', m.name],
    ['data-dir', i.dataDir],
    ['listen-peer-urls', m.listenPeerUrls.join(',')],
    ['initial-advertise-peer-urls', m.initialAdvertisePeerUrls.join(',')],
    ['listen-client-urls', m.listenClientUrls.join(',')],
    ['advertise-client-urls', m.advertiseClientUrls.join(',')],
  ];
  if (!i.initialized) out.push(...bootstrapFlags(t));
  if (i.etcd.hasV2) out.push(['enable-v2', 'true']);
  if (i.etcd.needsZapFlag) out.push(['logger', 'zap'], ['log-outputs', 'stderr']);
  if (i.tls) out.push(...tlsFlags(i.tls));
  for (const [k, v] of Object.entries(m.extraFlags)) out.push([k, v]);
  return out;
}

function bootstrapFlags(t: Topology): FlagPair[] {
  switch (t.bootstrap) {
    case 'discovery':
      return [['discovery', t.discovery ?? '']];
    case 'dns':
      return [['discovery-srv', t.discoverySrv ?? ''], ...(t.discoverySrvName ? [['discovery-srv-name', t.discoverySrvName] as FlagPair] : []),
        ['initial-cluster-token', t.clusterToken], ['initial-cluster-state', 'new']];
    default:
      return [['initial-cluster', initialClusterOf(t)], ['initial-cluster-token', t.clusterToken], ['initial-cluster-state', 'new']];
  }
}

function tlsFlags(tls: MemberTls): FlagPair[] {
  if (tls.mode === 'auto') return [['auto-tls', 'true'], ['peer-auto-tls', 'true']];
  return [
    ['cert-file', tls.certFile ?? ''], ['key-file', tls.keyFile ?? ''], ['trusted-ca-file', tls.trustedCaFile ?? ''], ['client-cert-auth', 'true'],
    ['peer-cert-file', tls.peerCertFile ?? ''], ['peer-key-file', tls.peerKeyFile ?? ''], ['peer-trusted-ca-file', tls.trustedCaFile ?? ''],
    ['peer-client-cert-auth', 'true'],
  ];
}

/** Renders flags as argv (`--name=value`). */
export function toArgv(flags: readonly FlagPair[]): string[] {
  return flags.map(([k, v]) => `--${k}=${v}`);
}

/** Renders flags as an ETCD_* environment file, values double-quoted as etcdctl member add prints them. */
export function toEnvFile(flags: readonly FlagPair[]): string {
  return flags.map(([k, v]) => `${flagToEnv(ENV_PREFIX, k)}=${JSON.stringify(v)}`).join('\n') + '\n';
}
