// The endpoints the native front dials: the director's available ones, in its order, as [url, ip, port, Host
// header], host names resolved (and cached for a while) here, since the front's thread does no DNS. An https
// endpoint cannot be dialled natively: then the front gets none and hands every request to node:http.
import { lookup } from 'node:dns/promises';
import { isIp } from '../core/net.js';
import type { FrontEndpoint } from './native-front.js';

/** How long a resolved name is reused. */
export const RESOLVE_CACHE_MS = 30_000;

/** What the director knows of one endpoint. */
export interface EndpointView {
  readonly url: string;
  /** host:port, the Host header for clients that sent none. */
  readonly host: string;
  readonly available: boolean;
}

/** Turns endpoint lists into front endpoints; push() delivers only the newest list, in order of the calls. */
export interface EndpointFeed {
  push(eps: readonly EndpointView[]): void;
}

/** Creates the feed; deliver gets each resolved list (an endpoint whose name does not resolve is left out). */
export function createEndpointFeed(deliver: (eps: FrontEndpoint[]) => void,
  resolve: (host: string) => Promise<string> = async (host) => (await lookup(host)).address, now: () => number = Date.now): EndpointFeed {
  const cache = new Map<string, { ip: string; at: number }>();
  let seq = 0;
  const ipOf = async (host: string): Promise<string | undefined> => {
    if (isIp(host)) return host;
    const hit = cache.get(host);
    if (hit !== undefined && now() - hit.at < RESOLVE_CACHE_MS) return hit.ip;
    try {
      const ip = await resolve(host);
      cache.set(host, { ip, at: now() });
      return ip;
    } catch {
      return undefined;
    }
  };
  return {
    push(eps) {
      const mine = ++seq;
      const available = eps.filter((e) => e.available);
      if (available.some((e) => !e.url.startsWith('http://'))) { deliver([]); return; }
      void Promise.all(available.map(async (e): Promise<FrontEndpoint | undefined> => {
        const u = new URL(e.url);
        const ip = await ipOf(u.hostname.replace(/^\[|\]$/g, ''));
        return ip === undefined ? undefined : [e.url, ip, Number(u.port || 80), e.host];
      })).then((list) => {
        if (mine === seq) deliver(list.filter((x): x is FrontEndpoint => x !== undefined));
      });
    },
  };
}
