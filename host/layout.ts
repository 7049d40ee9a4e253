// The one data-dir layout: every path etcd-edge puts under a --data-dir (members' data dirs, logs and pid files,
// the proxy's state, up's records, the PKI `up --tls` manages), read the same way by up, plan, promote, demote,
// the proxy and certs. Paths are joined with POSIX rules, so plan can print them for other hosts.
import path from 'node:path';

/** The directory under a data dir that holds the managed CA and certificates. */
export const PKI_DIR = 'pki';
/** The CA certificate's file name in a CA directory. */
export const CA_CERT = 'ca.crt';
/** The CA key's file name in a CA directory. */
export const CA_KEY = 'ca.key';
/** The CN (and file name) of the client certificate `up` makes for etcdctl, its health checks and the edge. */
export const CLIENT_NAME = 'client';
/** The CN (and file name) of the server certificate of the edge's https listeners (the proxy `up` starts). */
export const EDGE_NAME = 'edge';
/** The directory under pki/ that holds the edge's auto-TLS pair with `up --tls auto`. */
export const EDGE_AUTO_DIR = 'edge-auto';
/** etcd's --auto-tls file names (transport.SelfCert). */
export const AUTO_CERT = 'cert.pem';
/** etcd's --auto-tls key file name. */
export const AUTO_KEY = 'key.pem';

/** A certificate and its key. */
export interface CertPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The managed PKI under <data-dir>/pki. */
export interface PkiLayout {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly client: CertPair;
  readonly edge: CertPair;
  readonly edgeAutoDir: string;
  readonly edgeAuto: CertPair;
  readonly membersDir: string;
  /** A member's client (server) pair. */
  member(name: string): CertPair;
  /** A member's peer pair. */
  memberPeer(name: string): CertPair;
}

/** Everything under one data dir. */
export interface DataDirLayout {
  readonly dir: string;
  /** A member's data dir: the declared one resolved against the data dir, else <data-dir>/<name>.etcd. */
  memberDataDir(name: string, declared?: string): string;
  memberLog(name: string): string;
  /** promote's pid file of a member it supervises. */
  memberPidFile(name: string): string;
  readonly logsDir: string;
  readonly proxyLog: string;
  /**
   * The proxy's state dir: `cluster` (etcd's proxy file), our `pid`, and `flags.json`, the flags of a proxy that
   * runs inside promote or demote (so a later promote can restart it on its own).
   */
  readonly proxy: { readonly dir: string; readonly cluster: string; readonly pid: string; readonly flags: string };
  readonly upRecord: string;
  readonly removedMembers: string;
  readonly pki: PkiLayout;
}

const pair = (dir: string, base: string): CertPair => ({ certFile: path.posix.join(dir, `${base}.crt`), keyFile: path.posix.join(dir, `${base}.key`) });

/** Returns the layout of the PKI under a data dir. */
export function pkiLayout(dataDir: string): PkiLayout {
  const dir = path.posix.join(dataDir, PKI_DIR);
  const membersDir = path.posix.join(dir, 'members');
  const edgeAutoDir = path.posix.join(dir, EDGE_AUTO_DIR);
  return {
    dir, caCert: path.posix.join(dir, CA_CERT), caKey: path.posix.join(dir, CA_KEY),
    client: pair(dir, CLIENT_NAME), edge: pair(dir, EDGE_NAME),
    edgeAutoDir, edgeAuto: { certFile: path.posix.join(edgeAutoDir, AUTO_CERT), keyFile: path.posix.join(edgeAutoDir, AUTO_KEY) },
    membersDir, member: (name) => pair(membersDir, name), memberPeer: (name) => pair(membersDir, `${name}-peer`),
  };
}

/** Returns the layout of a data dir (as given: resolve it first where the cwd matters). */
export function dataDirLayout(dataDir: string): DataDirLayout {
  const logsDir = path.posix.join(dataDir, 'logs');
  const proxyDir = path.posix.join(dataDir, 'proxy');
  return {
    dir: dataDir,
    memberDataDir: (name, declared) => (declared === undefined ? path.posix.join(dataDir, `${name}.etcd`) : path.posix.resolve(dataDir, declared)),
    memberLog: (name) => path.posix.join(logsDir, `${name}.log`),
    memberPidFile: (name) => path.posix.join(dataDir, `${name}.pid`),
    logsDir, proxyLog: path.posix.join(logsDir, 'proxy.log'),
    proxy: { dir: proxyDir, cluster: path.posix.join(proxyDir, 'cluster'), pid: path.posix.join(proxyDir, 'pid'), flags: path.posix.join(proxyDir, 'flags.json') },
    upRecord: path.posix.join(dataDir, 'up.json'),
    removedMembers: path.posix.join(dataDir, 'removed-members.json'),
    pki: pkiLayout(dataDir),
  };
}
