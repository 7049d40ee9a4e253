// The loop guard: an endpoint that resolves to the gateway's own listen address would make every connection
// dial the gateway again. etcd (etcdmain/gateway.go) compares resolved IPs when the ports match; we also catch
// a wildcard listen address (0.0.0.0, ::) with an endpoint on any local address and the same port.
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import { EdgeError } from '../core/errors.js';
import { formatHostPort, isIp, isLoopbackHost } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { Endpoint } from './endpoint.js';

/** The seams of the loop guard (DNS and the machine's addresses). */
export interface LoopDeps {
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly localAddresses?: () => string[];
}

/** Tells whether an endpoint loops back to the gateway. */
export interface LoopGuard {
  /** Resolves to a reason when the endpoint is the gateway itself, undefined otherwise; rejects when its host does not resolve. */
  check(ep: Endpoint): Promise<string | undefined>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Tells whether a host is a wildcard (any-address) host: 0.0.0.0, :: or empty. */
export function isWildcard(host: string): boolean {
  return WILDCARDS.has(host);
}

async function defaultResolve(host: string): Promise<string[]> {
  if (isIp(host)) return [host];
  return (await lookup(host, { all: true })).map((a) => a.address);
}

function defaultLocalAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/** Builds the guard for the bound listen address (its port after binding, so port 0 works). */
export async function createLoopGuard(listenAddr: HostPort, deps: LoopDeps = {}): Promise<LoopGuard> {
  const resolve = deps.resolve ?? defaultResolve;
  const wildcard = isWildcard(listenAddr.host);
  let own: Set<string>;
  try {
    own = new Set(wildcard ? (deps.localAddresses ?? defaultLocalAddresses)() : await resolve(listenAddr.host));
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `failed to resolve listen address host ${JSON.stringify(listenAddr.host)}`, {
      hint: 'pass --listen-addr with an IP or a name this machine resolves', cause,
    });
  }
  const listen = formatHostPort(listenAddr);
  return {
    async check(ep) {
      // Resolved whatever the port, as etcd does: a name that does not resolve is reported, not dialled forever.
      const ips = await resolve(ep.host);
      if (ep.port !== listenAddr.port) return undefined;
      const hit = ips.find((ip) => own.has(ip) || (wildcard && isLoopbackHost(ip)));
      return hit === undefined ? undefined : `${ep.key} resolves to ${hit}, the gateway's own listen address ${listen}`;
    },
  };
}

/** Checks the start-up endpoints: a loop is a config error, an unresolvable host is an EDGE_DNS error (as etcd). */
export async function assertNoLoops(guard: LoopGuard, eps: readonly Endpoint[]): Promise<void> {
  for (const ep of eps) {
    let reason: string | undefined;
    try {
      reason = await guard.check(ep);
    } catch (cause) {
      throw new EdgeError('EDGE_DNS', `failed to resolve endpoint host ${JSON.stringify(ep.host)}`, {
        hint: 'fix the name in --endpoints or the DNS records behind it', cause,
      });
    }
    if (reason !== undefined) {
      throw new EdgeError('EDGE_CONFIG_INVALID', `endpoint should not resolve to the gateway listen addr: ${reason}`, {
        hint: 'a gateway pointing at itself loops forever; point --endpoints at the members or change --listen-addr',
      });
    }
  }
}
