// The TLS flags (a flags map by the proxy's flag names) of a local proxy that stands in for a member (demote's replacement, promote's step-7 proxy),
// taken from how that member runs (its etcd's or promote's argv and environment): the member's client
// certificate serves the proxy's https listener, so clients see the same server, and its peer certificate
// (serverAuth+clientAuth, from the cluster's CA) reaches the members. demote works them out before any change,
// so a proxy that could not serve is refused up front.
import { EdgeError } from '../core/errors.js';
import { ENV_PREFIX, flagToEnv } from '../core/flags.js';
import { flagValue, readCmdline, readEnviron } from '../host/index.js';
import type { ProxyFlags } from './proxy-flags.js';

/** The etcd TLS settings a member ran with. */
export interface MemberTlsSettings {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly trustedCaFile?: string;
  readonly clientCertAuth: boolean;
  readonly autoTls: boolean;
  readonly peerCertFile?: string;
  readonly peerKeyFile?: string;
  readonly peerTrustedCaFile?: string;
  readonly peerAutoTls: boolean;
}

/** A boolean etcd flag: bare `--flag` is true, `--flag=x` is x; the last one wins; else its ETCD_* variable. */
function boolFlag(argv: readonly string[], env: Readonly<Record<string, string>>, flag: string): boolean {
  let v: string | undefined;
  for (const a of argv) {
    if (a === `--${flag}` || a === `-${flag}`) v = 'true';
    else if (a.startsWith(`--${flag}=`) || a.startsWith(`-${flag}=`)) v = a.slice(a.indexOf('=') + 1);
  }
  return (v ?? env[flagToEnv(ENV_PREFIX, flag)] ?? 'false').toLowerCase() === 'true';
}

/** Reads a member's TLS settings from an argv (flags win) and an environment (ETCD_* variables). */
export function tlsSettingsOf(argv: readonly string[], env: Readonly<Record<string, string>>): MemberTlsSettings {
  const out: Record<string, string | boolean> = {
    clientCertAuth: boolFlag(argv, env, 'client-cert-auth'), autoTls: boolFlag(argv, env, 'auto-tls'), peerAutoTls: boolFlag(argv, env, 'peer-auto-tls'),
  };
  const files = { certFile: 'cert-file', keyFile: 'key-file', trustedCaFile: 'trusted-ca-file', peerCertFile: 'peer-cert-file', peerKeyFile: 'peer-key-file', peerTrustedCaFile: 'peer-trusted-ca-file' };
  for (const [key, flag] of Object.entries(files)) {
    const v = flagValue(argv, flag) ?? env[flagToEnv(ENV_PREFIX, flag)];
    if (v) out[key] = v;
  }
  return out as unknown as MemberTlsSettings;
}

/** The settings of the process that ran the member here, if any: its etcd, or else the promote supervising it. */
export function localMemberTls(pids: readonly (number | undefined)[]): MemberTlsSettings | undefined {
  for (const pid of pids) {
    if (pid === undefined) continue;
    const argv = readCmdline(pid);
    if (argv) return tlsSettingsOf(argv, readEnviron(pid));
  }
  return undefined;
}

/** The proxy's TLS flags; throws when an https listener has no certificate to serve it with. */
export function proxyTlsFlagsFor(listen: readonly string[], members: readonly string[], s: MemberTlsSettings | undefined): ProxyFlags {
  const args: Record<string, string | true> = {};
  if (listen.some((u) => u.startsWith('https:'))) {
    if (!s?.certFile || !s.keyFile) {
      throw new EdgeError('EDGE_MEMBERSHIP', `the proxy would listen on ${listen.join(',')}, but the member runs without a certificate file to serve it with${s?.autoTls ? ' (auto-TLS)' : ''}`, {
        hint: 'pass --proxy-listen-client-urls http://127.0.0.1:PORT (or --start-proxy=false)',
      });
    }
    args['cert-file'] = s.certFile;
    args['key-file'] = s.keyFile;
    if (s.clientCertAuth && s.trustedCaFile) { args['client-cert-auth'] = true; args['trusted-ca-file'] = s.trustedCaFile; }
  }
  if (members.some((u) => u.startsWith('https:')) && s) {
    if (s.peerCertFile && s.peerKeyFile) {
      // The proxy refuses to lend its client certificate to plain-http clients; say so before anything changes.
      const plain = listen.filter((u) => u.startsWith('http:'));
      if (plain.length > 0) {
        throw new EdgeError('EDGE_MEMBERSHIP', `the proxy would reach the members with the certificate ${JSON.stringify(s.peerCertFile)} for anyone who reaches ${plain.join(',')} (plain http checks no client certificate)`, {
          hint: 'pass --proxy-listen-client-urls with https:// URLs (served with the member\'s certificate), or --start-proxy=false',
        });
      }
      args['peer-cert-file'] = s.peerCertFile;
      args['peer-key-file'] = s.peerKeyFile;
      const ca = s.peerTrustedCaFile ?? s.trustedCaFile;
      if (ca) args['peer-trusted-ca-file'] = ca;
    } else if (s.peerAutoTls || s.autoTls) {
      args['peer-auto-tls'] = true;
    }
  }
  return Object.freeze(args);
}
