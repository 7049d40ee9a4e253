// The certs component's public surface: the `etcd-edge certs` command, the TlsProvider behind `up --tls`, and
// the building blocks other components may use (etcd-style auto-TLS pairs, CA issuing, inspection).
import { createTlsProvider } from './provider.js';
import type { TlsProvider } from '../core/edge.js';

export { certsMain } from './cli.js';
export { createTlsProvider, PKI_DIR, CLIENT_NAME, sanHostsOf } from './provider.js';
export type { TlsProviderDeps } from './provider.js';
export { ensureAutoCert, AUTO_CERT, AUTO_KEY } from './auto-tls.js';
export type { AutoCert } from './auto-tls.js';
export { createCa, loadCa, CA_CERT, CA_KEY } from './ca.js';
export type { LoadedCa } from './ca.js';
export { issueCertificate, randomSerialHex } from './issue.js';
export type { Issued, Issuer, IssueRequest } from './issue.js';
export { parseHosts } from './hosts.js';
export type { SanHosts } from './hosts.js';
export { inspectCertificate, renderReport, reportOk } from './inspect.js';
export type { CertReport } from './inspect.js';
export { parseCertsFlags } from './config.js';
export type { CertsConfig } from './config.js';

/** Prepares certificates for `up --tls self-signed|auto` (CA and member certs under <state-dir>/pki). */
export const tlsProvider: TlsProvider = createTlsProvider();
