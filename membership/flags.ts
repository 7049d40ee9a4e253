// The flags of `promote`, `demote` and `member`: etcdctl's names for reaching the cluster (--endpoints, --cacert,
// --cert, --key, --insecure-skip-tls-verify, ETCDCTL_* variables), etcd's names for the member's URLs.
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import type { FlagSpecs } from '../core/flags.js';

/** How every membership command reaches the cluster, as etcdctl spells it. */
export const CLIENT_FLAGS: FlagSpecs = {
  endpoints: { kind: 'list', env: 'ETCDCTL_ENDPOINTS', describe: 'client URLs of members (not of a proxy: proxies rewrite member lists)' },
  cacert: { kind: 'string', env: 'ETCDCTL_CACERT', describe: 'CA bundle to verify the members' },
  cert: { kind: 'string', env: 'ETCDCTL_CERT', describe: 'client certificate' },
  key: { kind: 'string', env: 'ETCDCTL_KEY', describe: 'client key' },
  'insecure-skip-tls-verify': { kind: 'boolean', env: 'ETCDCTL_INSECURE_SKIP_TLS_VERIFY', default: false, describe: 'do not verify member certificates (auto-TLS clusters)' },
  'command-timeout': { kind: 'duration', env: 'ETCDCTL_COMMAND_TIMEOUT', default: 5000, describe: 'timeout of each request to a member' },
};

/** The flags of `etcd-edge member add|remove|promote|list`. */
export const MEMBER_FLAGS: FlagSpecs = {
  ...CLIENT_FLAGS,
  endpoints: { ...CLIENT_FLAGS.endpoints, kind: 'list', describe: 'client URLs of members', default: ['127.0.0.1:2379'] },
  'peer-urls': { kind: 'list', env: false, describe: 'add: the new member\'s peer URLs, comma-separated' },
  learner: { kind: 'boolean', env: false, default: false, describe: 'add: add the member as a learner (etcd 3.4+); promote it later with member promote ID' },
};

/** The flags of `etcd-edge promote`. */
export const PROMOTE_FLAGS: FlagSpecs = {
  name: { kind: 'string', env: 'ETCD_EDGE_MEMBER_NAME', describe: 'name of the new member (etcd --name)' },
  'peer-urls': { kind: 'list', env: 'ETCD_EDGE_PEER_URLS', describe: 'peer URLs the other members reach it at (etcd --initial-advertise-peer-urls)' },
  'client-urls': { kind: 'list', env: 'ETCD_EDGE_CLIENT_URLS', describe: 'client URLs it advertises (etcd --advertise-client-urls); may be the proxy\'s own URL, which is freed first' },
  'listen-peer-urls': { kind: 'list', env: 'ETCD_EDGE_LISTEN_PEER_URLS', describe: 'peer URLs it binds (default: --peer-urls)' },
  'listen-client-urls': { kind: 'list', env: 'ETCD_EDGE_LISTEN_CLIENT_URLS', describe: 'client URLs it binds (default: --client-urls)' },
  'data-dir': { kind: 'string', env: 'ETCD_EDGE_DATA_DIR', default: 'default.etcd', describe: 'the proxy\'s --data-dir; the member\'s data goes to <data-dir>/<name>.etcd, its log to <data-dir>/logs/<name>.log' },
  'etcd-bin': { kind: 'string', env: 'ETCD_EDGE_ETCD_BIN', default: 'etcd', describe: 'etcd binary (a name on PATH or a path)' },
  learner: { kind: 'boolean', env: 'ETCD_EDGE_LEARNER', default: true, describe: 'join as a learner, then promote once caught up (etcd 3.4+; older clusters always join as voters)' },
  'ready-timeout': { kind: 'duration', env: 'ETCD_EDGE_READY_TIMEOUT', default: 60_000, describe: 'how long the new member may take to become healthy and catch up' },
  'proxy-stop-timeout': { kind: 'duration', env: 'ETCD_EDGE_PROXY_STOP_TIMEOUT', default: 20_000, describe: 'how long the local proxy may take to exit after SIGTERM' },
  'proxy-listen-client-urls': { kind: 'list', env: 'ETCD_EDGE_PROXY_LISTEN_CLIENT_URLS', describe: 'after the promotion, run a local etcd-edge proxy on these URLs (default: none)' },
  ...CLIENT_FLAGS,
  endpoints: { ...CLIENT_FLAGS.endpoints, kind: 'list', describe: 'client URLs of members (default: the members listed by the peers in <data-dir>/proxy/cluster)' },
  ...LOG_LEVEL_FLAG,
};

/** The flags of `etcd-edge demote`. */
export const DEMOTE_FLAGS: FlagSpecs = {
  name: { kind: 'string', env: 'ETCD_EDGE_MEMBER_NAME', describe: 'name of the member to remove' },
  'data-dir': { kind: 'string', env: 'ETCD_EDGE_DATA_DIR', default: 'default.etcd', describe: 'the --data-dir promote used: the member\'s pid file is <data-dir>/<name>.pid, its data <data-dir>/<name>.etcd' },
  'proxy-listen-client-urls': { kind: 'list', env: 'ETCD_EDGE_PROXY_LISTEN_CLIENT_URLS', describe: 'URLs the replacing proxy listens on (default: the member\'s client URLs)' },
  'start-proxy': { kind: 'boolean', env: 'ETCD_EDGE_START_PROXY', default: true, describe: 'run an etcd-edge proxy in the member\'s place (--start-proxy=false: remove and stop only)' },
  'stop-timeout': { kind: 'duration', env: 'ETCD_EDGE_STOP_TIMEOUT', default: 30_000, describe: 'how long the member\'s supervisor may take to exit after SIGTERM' },
  'ready-timeout': { kind: 'duration', env: 'ETCD_EDGE_READY_TIMEOUT', default: 30_000, describe: 'how long the replacing proxy may take to become ready' },
  ...CLIENT_FLAGS,
  endpoints: { ...CLIENT_FLAGS.endpoints, kind: 'list', describe: 'client URLs of members (default: the ones recorded in the member\'s pid file)' },
  ...LOG_LEVEL_FLAG,
};
