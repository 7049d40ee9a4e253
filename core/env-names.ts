// The one rule for environment variable names, as etcd's pkg/flags derives them: a flag etcd itself has (same
// name, same meaning) reads ETCD_<FLAG>; a flag of etcd-edge's own reads ETCD_EDGE_<FLAG>; a flag etcdctl has
// (--endpoints, --cacert, ... of status, member, promote, demote) reads ETCDCTL_<FLAG>, as etcdctl does.
// Names used before this rule keep working, with a deprecation warning.

/** Maps a flag name to its environment variable: `proxy-refresh-interval` → `ETCD_PROXY_REFRESH_INTERVAL`. */
export function flagToEnv(prefix: string, flag: string): string {
  return prefix + flag.toUpperCase().replace(/-/g, '_');
}

/** The flags of etcd 3.4 (`etcd`, `etcd gateway start`, `etcd grpc-proxy start`), whose ETCD_* names we share. */
export const ETCD_FLAG_NAMES: ReadonlySet<string> = new Set(`advertise-client-urls auth-token auth-token-ttl auto-compaction-mode
auto-compaction-retention auto-tls backend-batch-interval backend-batch-limit bcrypt-cost cert-file cipher-suites
client-cert-allowed-hostname client-cert-auth client-crl-file cors data-dir debug discovery discovery-fallback
discovery-proxy discovery-srv discovery-srv-name election-timeout enable-pprof enable-v2 endpoints
force-new-cluster grpc-keepalive-interval grpc-keepalive-min-time grpc-keepalive-timeout heartbeat-interval
host-whitelist initial-advertise-peer-urls initial-cluster initial-cluster-state initial-cluster-token
insecure-discovery insecure-skip-tls-verify key-file listen-addr listen-client-urls listen-metrics-urls
listen-peer-urls log-outputs logger max-request-bytes max-snapshots max-txn-ops max-wals metrics name namespace
peer-auto-tls peer-cert-allowed-cn peer-cert-allowed-hostname peer-cert-file peer-client-cert-auth peer-crl-file
peer-key-file peer-trusted-ca-file pre-vote proxy proxy-dial-timeout proxy-failure-wait proxy-read-timeout
proxy-refresh-interval proxy-write-timeout quota-backend-bytes retry-delay snapshot-count strict-reconfig-check
trusted-ca-file wal-dir`.split(/\s+/).filter(Boolean));

/** The environment variable names of one flag: the one the rule gives, and older ones still read. */
export interface EnvNames {
  readonly name: string;
  readonly deprecated: readonly string[];
}

/**
 * Names a flag's environment variable. `declared` is the spec's own `env`: an ETCDCTL_* name is kept (etcdctl's
 * rule), an ETCD_EDGE_* name marks the flag as ours (its meaning differs from etcd's flag of the same name, or etcd
 * has none) and is kept as a deprecated alias when the rule names it differently; without one, the flag is etcd's
 * when etcd has a flag of that name, ours otherwise (then ETCD_<FLAG>, its old name, is a deprecated alias).
 */
export function envNamesOf(flag: string, declared: string | undefined): EnvNames {
  if (declared?.startsWith('ETCDCTL_')) return { name: declared, deprecated: [] };
  if (declared === undefined && ETCD_FLAG_NAMES.has(flag)) return { name: flagToEnv('ETCD_', flag), deprecated: [] };
  const name = flagToEnv('ETCD_EDGE_', flag);
  const old = declared ?? flagToEnv('ETCD_', flag);
  return { name, deprecated: old === name ? [] : [old] };
}
