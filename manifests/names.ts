// The names everything else derives from a config: objects, labels, the pods' stable DNS names and URLs, and the
// paths inside the container. One place, so the objects, the scripts and the certificates always agree.
import type { ManifestsConfig } from './config.js';

/** The client port, as etcd's default. */
export const CLIENT_PORT = 2379;
/** The peer port, as etcd's default. */
export const PEER_PORT = 2380;
/** The plain-http metrics and /health port used for probes when the client port needs client certificates. */
export const METRICS_PORT = 2381;
/** Where the data volume is mounted; etcd's data dir is a subdirectory, so etcd creates it 0700 itself. */
export const VOLUME_DIR = '/var/run/etcd';
/** The data dir inside the volume. */
export const DATA_DIR = `${VOLUME_DIR}/data`;
/** Where the init containers put busybox (sh, rm, sleep) and kubectl: an emptyDir shared with the etcd container. */
export const TOOLS_DIR = '/tools';
/** Where Kubernetes mounts the ServiceAccount token, its CA and namespace. */
export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Where the TLS Secret is mounted. */
export const TLS_DIR = '/etc/etcd/tls';
/** The CA certificate's key in the TLS Secrets. */
export const CA_FILE = 'ca.crt';

/** The names of one generated cluster. */
export interface Names {
  readonly statefulSet: string;
  readonly headless: string;
  readonly client: string;
  readonly pdb: string;
  /** The ServiceAccount, Role and RoleBinding preStop reads the StatefulSet's replicas with. */
  readonly serviceAccount: string;
  readonly tlsSecret: string;
  readonly clientTlsSecret: string;
  /** The selector labels of the pods (also on every object). */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod name of an ordinal. */
  pod(ordinal: number): string;
  /** The stable DNS name of a pod: <pod>.<headless>.<ns>.svc.<domain>. */
  podHost(ordinal: number): string;
  /** The DNS names a client may use for the client Service. */
  clientHosts(): string[];
  /** The initial-cluster-token: unique per StatefulSet and namespace. */
  readonly token: string;
}

/** Derives every name of a cluster from its config. */
export function namesFor(c: Pick<ManifestsConfig, 'name' | 'namespace' | 'clusterDomain'>): Names {
  const client = `${c.name}-client`;
  const pod = (i: number): string => `${c.name}-${i}`;
  return Object.freeze({
    statefulSet: c.name,
    headless: c.name,
    client,
    pdb: c.name,
    serviceAccount: c.name,
    tlsSecret: `${c.name}-tls`,
    clientTlsSecret: `${c.name}-client-tls`,
    labels: Object.freeze({ 'app.kubernetes.io/name': 'etcd', 'app.kubernetes.io/instance': c.name }),
    pod,
    podHost: (i: number) => `${pod(i)}.${c.name}.${c.namespace}.svc.${c.clusterDomain}`,
    clientHosts: () => [client, `${client}.${c.namespace}`, `${client}.${c.namespace}.svc`, `${client}.${c.namespace}.svc.${c.clusterDomain}`],
    token: `${c.name}-${c.namespace}`,
  });
}

/** Returns the quorum of n voting members: floor(n/2)+1. */
export function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}
