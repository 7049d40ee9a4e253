// TLS material for talking to members and peers: file paths in the config, loaded into Node TLS options once.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { EdgeError } from './errors.js';

/** Client-side TLS settings as etcdctl names them (--cacert, --cert, --key, --insecure-skip-tls-verify). */
export interface ClientTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly insecureSkipVerify?: boolean;
}

/** Node TLS options ready for https.request or tls.connect. */
export interface ClientTlsOptions extends SecureContextOptions {
  rejectUnauthorized: boolean;
}

/** Reads the files named in ClientTlsFiles, failing with EDGE_CONFIG_INVALID for one that cannot be read. */
export function loadClientTls(files: ClientTlsFiles): ClientTlsOptions {
  const out: ClientTlsOptions = { rejectUnauthorized: files.insecureSkipVerify !== true };
  if (files.caFile) out.ca = readPem(files.caFile, 'CA file');
  if (files.certFile) out.cert = readPem(files.certFile, 'certificate');
  if (files.keyFile) out.key = readPem(files.keyFile, 'key');
  return out;
}

/** Reads one PEM file, or throws EDGE_CONFIG_INVALID naming it. */
export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `cannot read ${what} ${JSON.stringify(path)}`, {
      hint: 'check the path and permissions; etcd-edge certs creates these files', cause,
    });
  }
}
