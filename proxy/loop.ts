// Loop protection, which etcd's proxy lacks (one looped request opened ~5,200 sockets there): endpoints that are
// this proxy's own address are dropped, and a Via token with a per-process random id refuses a request that
// already passed through this proxy with 508.
import { randomHex } from '../core/random.js';
import os from 'node:os';

/** The Via entry this proxy appends, carrying a random id, e.g. `1.1 etcd-edge-3f9c2a1b`. */
export function newViaToken(): string {
  return `1.1 etcd-edge-${randomHex(6)}`;
}

/** Tells whether a Via header value already carries our token (node:http joins repeated Via headers into one). */
export function viaHasToken(via: string | undefined, token: string): boolean {
  return via !== undefined && via.includes(token);
}

function normHost(h: string): string {
  const x = h.replace(/^\[|\]$/g, '').toLowerCase();
  return x === 'localhost' || x === '::1' || x === '::ffff:127.0.0.1' ? '127.0.0.1' : x;
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1']);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(normHost(a.address));
  return out;
}

/** Builds a predicate telling whether a URL points back at one of this proxy's own listen or advertise URLs. */
export function selfMatcher(own: readonly string[]): (url: string) => boolean {
  const exact = new Set<string>();
  const wildcardPorts = new Set<string>();
  for (const raw of own) {
    const u = new URL(raw);
    const h = normHost(u.hostname);
    if (h === '0.0.0.0' || h === '::') wildcardPorts.add(u.port);
    else exact.add(`${h}:${u.port}`);
  }
  const locals = wildcardPorts.size > 0 ? localAddresses() : new Set<string>();
  return (url: string): boolean => {
    let u: URL;
    try { u = new URL(url); } catch { return false; }
    const h = normHost(u.hostname);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return exact.has(`${h}:${port}`) || (wildcardPorts.has(port) && (locals.has(h) || /^127\./.test(h)));
  };
}
