// The self-signed CA of etcd's clustering guide: ca.crt/ca.key in a directory, created once and loaded to sign
// member, peer and client certificates. Loading checks that the pair matches and really is a CA.
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { CA_CERT, CA_KEY } from '../host/index.js';
import { readIfExists } from './files.js';
import { issueCertificate } from './issue.js';
import type { Issued, Issuer } from './issue.js';
import { loadPrivateKey, samePublicKey } from './keys.js';
import type { KeySpec } from './keys.js';
import { x509 } from './x509.js';

export { CA_CERT, CA_KEY };

/** The CA's subject CN when --cn is not given. */
export const DEFAULT_CA_CN = 'etcd-edge CA';

/** A CA loaded from disk. */
export interface LoadedCa extends Issuer {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Creates a new self-signed CA certificate and key. */
export function createCa(opts: { readonly commonName?: string; readonly days?: number; readonly key?: KeySpec; readonly now?: Date } = {}): Promise<Issued> {
  return issueCertificate({
    profile: 'ca', commonName: opts.commonName ?? DEFAULT_CA_CN,
    ...(opts.days === undefined ? {} : { days: opts.days }), ...(opts.key ? { key: opts.key } : {}), ...(opts.now ? { now: opts.now } : {}),
  });
}

/** Parses a PEM certificate, throwing EDGE_CERT naming the file when it is not one. */
export function parseCertPem(pem: string, file: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (cause) {
    throw new EdgeError('EDGE_CERT', `${JSON.stringify(file)} is not a PEM certificate`, { hint: 'pass a file with a -----BEGIN CERTIFICATE----- block', cause });
  }
}

/** Loads ca.crt and ca.key from dir; a missing CA is a usage error (exit 2) with the command that makes one. */
export async function loadCa(dir: string): Promise<LoadedCa> {
  const certFile = path.resolve(dir, CA_CERT);
  const keyFile = path.resolve(dir, CA_KEY);
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certPem === undefined || keyPem === undefined) {
    const missing = certPem === undefined ? certFile : keyFile;
    throw new EdgeError('EDGE_CONFIG_INVALID', `missing CA: ${JSON.stringify(missing)} does not exist`, {
      hint: `create a CA first: etcd-edge certs ca --out ${dir} (or point --ca at the directory holding ${CA_CERT} and ${CA_KEY})`,
    });
  }
  const cert = parseCertPem(certPem, certFile);
  const key = await loadPrivateKey(keyPem, keyFile);
  if (!samePublicKey(key.publicKey, createPublicKey(certPem))) {
    throw new EdgeError('EDGE_CERT', `${JSON.stringify(keyFile)} is not the key of ${JSON.stringify(certFile)}`, { hint: 'restore the matching ca.key, or create a new CA' });
  }
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) {
    throw new EdgeError('EDGE_CERT', `${JSON.stringify(certFile)} is not a CA certificate (basicConstraints CA:FALSE)`, { hint: 'point --ca at a directory made by etcd-edge certs ca' });
  }
  return { cert, key, certFile, keyFile };
}
