// The flags of `etcd-edge proxy`: etcd's own proxy flags with their ETCD_* variables and defaults
// (etcdmain/config.go configProxy), plus ours (metrics listener, access log, member-URL rewriting, timeouts).
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import { dataPathFlag } from '../core/data-path.js';
import type { FlagSpecs } from '../core/flags.js';

/** etcd's default --max-request-bytes (1.5 MiB): the largest request body the proxy buffers for a retry. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

/** Declares every flag `etcd-edge proxy` accepts; the same keys name a topology's proxy: section. */
export const PROXY_FLAGS: FlagSpecs = {
  proxy: { kind: 'string', default: 'on', choices: ['on', 'readonly', 'off'], describe: 'on: forward everything; readonly: reads only (v2: GET only; v3 JSON: an allowlist)' },
  'listen-client-urls': { kind: 'list', default: ['http://127.0.0.1:2379'], describe: 'URLs to listen on for client traffic (https needs --cert-file/--key-file)' },
  'initial-cluster': { kind: 'string', describe: 'name=peerURL pairs; only the URLs are used (etcd default: default=http://localhost:2380)' },
  discovery: { kind: 'string', describe: 'discovery token URL to find the peers (waits until the cluster is full)' },
  'discovery-srv': { kind: 'string', describe: 'domain whose _etcd-server(-ssl)._tcp SRV records name the peers' },
  'discovery-srv-name': { kind: 'string', describe: 'suffix of the SRV record names (_etcd-server-ssl-NAME._tcp.DOMAIN)' },
  'dns-server': { kind: 'string', describe: 'DNS server for --discovery-srv as ip or ip:port (ours; default: the system resolver)' },
  'data-dir': { kind: 'string', default: 'default.etcd', describe: 'state directory: <data-dir>/proxy/cluster (last known peers) and <data-dir>/proxy/pid' },
  'proxy-refresh-interval': { kind: 'duration', default: 30_000, describe: 'how often the member list is fetched from the peers (every second while no endpoint is available)' },
  'proxy-failure-wait': { kind: 'duration', default: 5000, describe: 'how long an endpoint that failed to answer is left out' },
  'proxy-dial-timeout': { kind: 'duration', default: 1000, describe: 'timeout of a TCP connect to a member or peer' },
  'proxy-write-timeout': { kind: 'duration', default: 5000, describe: 'timeout for sending a request to a member' },
  'proxy-read-timeout': { kind: 'duration', default: 0, describe: 'idle read timeout on member responses, 0 for none; never applied to watches' },
  'proxy-advertise-client-urls': { kind: 'list', describe: 'the URLs clients reach this proxy at, put in member lists (ours; default: --listen-client-urls)' },
  'proxy-rewrite-member-urls': { kind: 'boolean', default: true, describe: 'rewrite client URLs in member-list responses to this proxy\'s own, so syncing clients stay behind it (ours)' },
  'proxy-client-timeout': { kind: 'duration', default: 30_000, describe: 'time a client has to send a whole request, and idle limit of non-watch exchanges (ours)' },
  'proxy-shutdown-timeout': { kind: 'duration', default: 10_000, describe: 'on shutdown, how long open requests may finish before they are cut (ours)' },
  'max-request-bytes': { kind: 'int', default: DEFAULT_MAX_REQUEST_BYTES, describe: 'largest request body accepted (buffered so a request can be retried on another member); 413 beyond' },
  'max-connections': { kind: 'int', default: 0, env: 'ETCD_EDGE_MAX_CONNECTIONS', describe: 'client connections held at once; more are closed at accept and counted (ours; 0: derived from the open-file limit, keeping a reserve)' },
  'idle-timeout': { kind: 'duration', default: 0, env: 'ETCD_EDGE_IDLE_TIMEOUT', describe: 'close a client connection with no traffic either way for this long (ours; 0: off; an idle watch is closed too)' },
  'grpc-relay': { kind: 'boolean', default: true, env: 'ETCD_EDGE_GRPC_RELAY', describe: 'readwrite mode: relay gRPC connections frame by frame to one member each; false: terminate every call in node:http2 (readonly always does) (ours)' },
  'insecure-unauthenticated-listener': { kind: 'boolean', default: false, env: 'ETCD_EDGE_INSECURE_UNAUTHENTICATED_LISTENER', describe: 'allow plain-http (unauthenticated) loopback listeners although the proxy presents --peer-cert-file to the members on every client\'s behalf (ours)' },
  'cert-file': { kind: 'string', describe: 'server certificate for https listen URLs' },
  'key-file': { kind: 'string', describe: 'server key for https listen URLs' },
  'trusted-ca-file': { kind: 'string', describe: 'CA that client certificates must chain to (with --client-cert-auth)' },
  'client-cert-auth': { kind: 'boolean', default: false, describe: 'require client certificates on https listen URLs' },
  'peer-cert-file': { kind: 'string', describe: 'client certificate presented to peers and members' },
  'peer-key-file': { kind: 'string', describe: 'client key presented to peers and members' },
  'peer-trusted-ca-file': { kind: 'string', describe: 'CA that verifies the peers\' and members\' certificates' },
  'peer-auto-tls': { kind: 'boolean', default: false, describe: 'members use etcd --auto-tls certificates: do not verify them' },
  'listen-metrics-urls': { kind: 'list', describe: 'extra http URLs serving /metrics, /readyz, /livez and /health (ours)' },
  'access-log': { kind: 'string', default: 'off', choices: ['off', 'debug', 'info', 'warn'], describe: 'log every request through pino-http at this level (ours; off costs nothing)' },
  ...dataPathFlag('what serves plain-http listeners: native (the epoll front, the default when it is built, the members are http and the access log is off) or js (node:http) (ours)'),
  'config-file': { kind: 'string', describe: 'YAML file with flag-named keys; layered under flags and env (etcd makes its file exclusive)' },
  ...LOG_LEVEL_FLAG,
};
