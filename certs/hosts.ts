// Host lists for certificate SANs: each host is an IP literal (an IP SAN) or a DNS name (a DNS SAN), split the
// way etcd's transport.SelfCert splits listen hosts; anything else is a usage error, never a silent DNS SAN.
import net from 'node:net';
import { EdgeError } from '../core/errors.js';

/** The SANs of a certificate, split by kind, in the order given, without duplicates. */
export interface SanHosts {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Normalises an IP literal (brackets dropped, IPv6 compressed), or returns undefined for a non-IP. */
export function normalizeIp(host: string): string | undefined {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  if (net.isIPv4(h)) return h;
  if (!net.isIPv6(h)) return undefined;
  // The URL parser prints IPv6 in the canonical compressed form, which is what X509Certificate.checkIP compares.
  return new URL(`http://[${h}]/`).hostname.replace(/^\[|\]$/g, '');
}

/** Tells whether a string is a DNS name a SAN may carry: LDH labels, an optional leading `*.` wildcard. */
export function isDnsName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  const labels = (host.startsWith('*.') ? host.slice(2) : host).replace(/\.$/, '').split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  // A name whose last label is all digits reads as a mistyped IPv4 address (256.1.1.1), not a host name.
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** Splits a host list into IP and DNS SANs, throwing EDGE_USAGE (exit 2) for a host of unknown syntax. */
export function parseHosts(hosts: readonly string[], what = '--hosts'): SanHosts {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const raw of hosts) {
    const host = raw.trim();
    const ip = normalizeIp(host);
    if (ip !== undefined) {
      if (!ips.includes(ip)) ips.push(ip);
    } else if (isDnsName(host)) {
      const name = host.toLowerCase().replace(/\.$/, '');
      if (!dns.includes(name)) dns.push(name);
    } else {
      throw new EdgeError('EDGE_USAGE', `unknown host syntax ${JSON.stringify(raw)} in ${what}`, {
        hint: 'give bare IPs or DNS names without scheme or port, for example --hosts 127.0.0.1,::1,localhost,infra1.example.com',
      });
    }
  }
  if (dns.length === 0 && ips.length === 0) {
    throw new EdgeError('EDGE_USAGE', `${what} is empty`, { hint: 'name at least one IP or DNS name, for example --hosts 127.0.0.1,localhost' });
  }
  return Object.freeze({ dns: Object.freeze(dns), ips: Object.freeze(ips) });
}

/** Tells whether an IP is the unspecified address (0.0.0.0 or ::), which no client ever dials. */
export function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}
