// The rule that keeps the proxy from granting more than a member would: a proxy that presents a client
// certificate to the members (--peer-cert-file) may not lend it to unauthenticated plain-http clients, unless
// the operator says so explicitly, and even then only on a loopback address.
import { EdgeError } from '../core/errors.js';
import { isLoopbackHost } from '../core/net.js';
import type { ListenUrl } from './config.js';

/** What the rule looks at. */
export interface ListenerAuthInput {
  readonly listen: readonly ListenUrl[];
  readonly peerTls: { readonly certFile?: string };
  readonly insecureUnauthenticatedListener: boolean;
}

/**
 * Throws EDGE_CONFIG_INVALID when a plain-http listener would reach the members with the proxy's client
 * certificate: always without --insecure-unauthenticated-listener, and for non-loopback addresses even with it.
 */
export function checkListenerAuth(cfg: ListenerAuthInput): void {
  const cert = cfg.peerTls.certFile;
  if (cert === undefined) return;
  const open = cfg.listen.filter((l) => !l.tls);
  if (open.length === 0) return;
  const urls = open.map((l) => l.url).join(',');
  if (!cfg.insecureUnauthenticatedListener) {
    throw new EdgeError('EDGE_CONFIG_INVALID',
      `the proxy would present the client certificate ${JSON.stringify(cert)} to the members for anyone who reaches ${JSON.stringify(urls)}: plain http checks no client certificate`, {
        hint: 'listen on https:// with --cert-file, --key-file, --client-cert-auth and --trusted-ca-file (the CA the members trust); '
          + 'or, on a single-user machine, pass --insecure-unauthenticated-listener to allow a loopback-only http listener',
      });
  }
  const exposed = open.filter((l) => !isLoopbackHost(l.host));
  if (exposed.length > 0) {
    throw new EdgeError('EDGE_CONFIG_INVALID',
      `--insecure-unauthenticated-listener allows loopback addresses only, not ${JSON.stringify(exposed.map((l) => l.url).join(','))}`, {
        hint: 'listen on http://127.0.0.1:PORT, or on https:// with --client-cert-auth',
      });
  }
}
