// etcd's --auto-tls certificate (transport.SelfCert in pkg/transport/listener.go): cert.pem/key.pem in a
// directory, reused as they are when both exist (etcd never renews them), otherwise made fresh.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { AUTO_CERT, AUTO_KEY } from '../host/index.js';
import { exists, writeFiles } from './files.js';
import type { SanHosts } from './hosts.js';
import { issueCertificate } from './issue.js';
import { AUTO_TLS_KEY } from './keys.js';

export { AUTO_CERT, AUTO_KEY };

/** Where the auto-TLS pair is, and whether this call made it. */
export interface AutoCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly created: boolean;
}

/**
 * Ensures dir holds an etcd-style self-signed pair: ECDSA P-521, ecdsa-with-SHA512, 365 days from now, O=etcd with
 * no CN, serverAuth only, SANs from hosts, SEC1 key. An existing pair is reused; force makes a new one.
 */
export async function ensureAutoCert(opts: { readonly dir: string; readonly hosts: SanHosts; readonly force?: boolean; readonly now?: Date }): Promise<AutoCert> {
  const certFile = path.resolve(opts.dir, AUTO_CERT);
  const keyFile = path.resolve(opts.dir, AUTO_KEY);
  const [haveCert, haveKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (haveCert && haveKey && !opts.force) return { certFile, keyFile, created: false };
  if ((haveCert || haveKey) && !opts.force) {
    throw new EdgeError('EDGE_CERT_EXISTS', `refusing to overwrite ${JSON.stringify(haveCert ? certFile : keyFile)}: its ${haveCert ? AUTO_KEY : AUTO_CERT} is missing`, {
      hint: 'pass --force to make a new pair, or restore the missing file',
    });
  }
  const issued = await issueCertificate({ profile: 'auto', hosts: opts.hosts, key: AUTO_TLS_KEY, days: 365, ...(opts.now ? { now: opts.now } : {}) });
  await writeFiles(opts.dir, [
    { name: AUTO_CERT, content: issued.certPem, secret: false },
    { name: AUTO_KEY, content: issued.keyPem, secret: true },
  ], { force: opts.force === true });
  return { certFile, keyFile, created: true };
}
