// Contracts between `up` (cluster/) and the components it starts without importing them: bin/ passes one
// EdgeFactory per edge kind and the certs component's TlsProvider. Types only; no component code here.
import type { Component } from './lifecycle.js';
import type { Logger } from './log.js';
import type { ClientTlsFiles } from './tls.js';

/** A started edge component, with one line for the status table. */
export interface EdgeComponent extends Component {
  describe(): { readonly kind: string; readonly address: string; readonly detail: string };
  /** Renders the component's Prometheus text, which `up` merges into its one /metrics and reads for its status page. */
  metrics?(): Promise<string>;
  /** Returns the member URLs the component can use now (the proxy's available endpoints). */
  endpoints?(): string[];
}

/**
 * Builds an edge component from a topology section. The section's keys are the flag names of the component's
 * own subcommand (`proxy`, `gateway start`, `tunnel`), so validate() runs that subcommand's parser
 * (throwing EdgeErrors, exit 2) and create() builds the component from the same parse.
 */
export interface EdgeFactory {
  validate(flags: Readonly<Record<string, unknown>>): void;
  create(flags: Readonly<Record<string, unknown>>, logger: Logger, context?: EdgeContext): EdgeComponent;
}

/** What a component started by `up` learns about the process it shares. */
export interface EdgeContext {
  /** How many connection-capped listeners share this process's descriptors (a proxy and a gateway: 2). */
  readonly listeners?: number;
}

/** TLS files for one member: self-signed (CA-issued files) or auto (etcd makes its own). */
export interface MemberTls {
  readonly mode: 'auto' | 'self-signed';
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly peerCertFile?: string;
  readonly peerKeyFile?: string;
  readonly trustedCaFile?: string;
}

/** What one member needs certificates for. */
export interface TlsMemberRequest {
  readonly name: string;
  /** Hosts (IPs or DNS names) from the member's client URLs, for the client cert's SANs. */
  readonly clientHosts: readonly string[];
  /** Hosts from the member's peer URLs, for the peer cert's SANs. */
  readonly peerHosts: readonly string[];
}

/** What `up --tls` gets back from the certs component. */
export interface PreparedTls {
  member(name: string): MemberTls;
  /** Material for our own clients (health checks, status) toward the members. */
  readonly client: ClientTlsFiles;
  /** Proxy flags for reaching TLS members, e.g. {'peer-cert-file': …, 'peer-key-file': …, 'peer-trusted-ca-file': …}. */
  readonly edgePeerFlags: Readonly<Record<string, string>>;
  /**
   * Proxy flags for serving clients as the members do: self-signed, a server certificate from the cluster CA with
   * client-cert-auth against it; auto, an auto-TLS pair (the members check no client certificates either).
   */
  readonly edgeServerFlags: Readonly<Record<string, string>>;
  /** etcdctl flags for the connect hint, e.g. `--cacert=… --cert=… --key=…`. */
  readonly connectFlags: string;
  /** curl flags for the connect hint, e.g. `--cacert … --cert … --key …`. */
  readonly curlFlags: string;
}

/** Creates (or reuses) certificates under stateDir for `up --tls auto|self-signed`. */
export interface TlsProvider {
  prepare(opts: {
    readonly mode: 'auto' | 'self-signed'; readonly stateDir: string; readonly members: readonly TlsMemberRequest[];
    /** Hosts (IPs or DNS names) the edge's https listeners are reached at, for the edge server cert's SANs. */
    readonly edgeHosts?: readonly string[];
    /** self-signed: the cluster's one CA (ca.crt, and ca.key where certificates are issued) instead of <stateDir>/pki's own. */
    readonly caDir?: string;
  }): Promise<PreparedTls>;
}
