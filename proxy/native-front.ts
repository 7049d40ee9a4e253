// The proxy's native front (proxy/native/*.c, README.md there): an epoll thread that owns a plain-http listener,
// serves the ordinary requests itself and hands every other connection to node:http with the bytes it read. This
// side binds it, adopts hand-offs into the listener's http.Server, passes the endpoints and the cap in, turns
// endpoint failures into the director's, and hands its counters to the metrics at every scrape.
import { lookup } from 'node:dns/promises';
import { closeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { adoptFd } from '../core/accept-drain.js';
import type { CapPeer } from '../core/conn-cap.js';
import { loadNativeAddon, PROXY_FRONT_PATH } from '../core/native-addon.js';
import { isIp, LISTEN_BACKLOG, listenError } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { ForeignCounts } from './metrics.js';

/** The addon's functions (proxy/native/addon.c). */
export interface FrontAddon {
  create(opts: Record<string, string | number | boolean>, onEvent: (type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, string, number, string]>): void;
  setOthers(h: object, n: number): void;
  active(h: object): number;
  stats(h: object): FrontStats;
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

/** The front's counters since the previous stats() call. */
export interface FrontStats extends ForeignCounts {
  readonly accepted: number;
  readonly refused: number;
  readonly handedOff: number;
}

/** An endpoint as the front dials it. */
export interface FrontEndpoint {
  readonly url: string;
  /** host:port, the Host header for clients that sent none. */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
}

/** Loads the front's addon; returns it, or the reason it cannot be used (one line). path: another build (tests). */
export function loadFront(path: string = process.env['PROXY_FRONT_ADDON'] ?? PROXY_FRONT_PATH): FrontAddon | string {
  const a = loadNativeAddon<Partial<FrontAddon>>(path);
  if (typeof a === 'string') return a;
  return typeof a.create === 'function' && typeof a.setOthers === 'function' ? (a as FrontAddon) : `${path} is not the proxy's native front`;
}

/** The limits and identity the front applies (the same as node:http's side). */
export interface FrontOptions {
  readonly clientTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly dialTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxConnections: number;
  readonly readonly: boolean;
  readonly via: string;
  /** v3 JSON ranges go to the members as gRPC calls (grpc.c); default true. */
  readonly v3Grpc?: boolean;
  /** A round trip to this endpoint failed (before the request is handed off). */
  readonly onFail: (url: string, reason: string) => void;
  /** Connections closed at accept over the cap. */
  readonly onRefused: (n: number) => void;
  /** A handed-off connection, before node:http sees it: already counted against the cap (ConnectionCap.admit). */
  readonly admit?: (socket: Socket) => void;
  /** A connection was handed over whose first request already failed on `tried` endpoints here. */
  readonly onTried: (socket: Socket, tried: number) => void;
  /** Resolves an endpoint's host name (default: dns.lookup); answers are reused for RESOLVE_CACHE_MS. */
  readonly resolve?: (hostname: string) => Promise<string>;
}

/** One native front over one listen address. */
export interface NativeFront extends CapPeer {
  /** Binds and starts; hand-offs go to server. */
  listen(addr: HostPort, flag: string, server: Server): Promise<AddressInfo>;
  setEndpoints(eps: readonly FrontEndpoint[]): void;
  stats(): FrontStats | undefined;
  /** Stops accepting, lets exchanges finish for up to drainMs, then cuts the rest. */
  close(drainMs: number): Promise<void>;
}

/** How long a resolved endpoint name is reused: endpoints are pushed at every refresh and every failure. */
export const RESOLVE_CACHE_MS = 30_000;

/** Creates a front; nothing is bound until listen(). */
export function createNativeFront(addon: FrontAddon, o: FrontOptions): NativeFront {
  let h: object | undefined;
  let server: Server | undefined;
  let closed: Promise<void> | undefined;
  let onClosed: (() => void) | undefined;
  let push = 0;
  const names = new Map<string, { ip: string; at: number }>();
  const resolve = o.resolve ?? (async (name: string): Promise<string> => (await lookup(name)).address);
  const ipOf = async (name: string): Promise<string> => {
    if (isIp(name)) return name;
    const hit = names.get(name);
    if (hit !== undefined && Date.now() - hit.at < RESOLVE_CACHE_MS) return hit.ip;
    const ip = await resolve(name);
    names.set(name, { ip, at: Date.now() });
    return ip;
  };
  // What JavaScript holds under the shared cap; told before listen() too (the cap links the front first).
  let others = 0;
  const onEvent = (type: string, fd: number, data: Buffer | undefined, detail: string, num: number): void => {
    if (type === 'handoff') {
      // Once closing, node:http takes no new connection (its server may have closed already): the front's
      // late hand-offs are closed here, so none outlives close().
      if (server === undefined || closed !== undefined) { try { closeSync(fd); } catch { /* already gone */ } return; }
      // node:http reads what the front already read first, then the socket.
      const socket = adoptFd(server, fd, o.admit);
      if (socket === undefined || socket.destroyed) return;
      if (num > 0) o.onTried(socket, num);
      if (data !== undefined && data.length > 0) socket.emit('data', data);
    } else if (type === 'fail') {
      const nl = detail.indexOf('\n');
      o.onFail(detail.slice(0, nl), detail.slice(nl + 1));
    } else if (type === 'refused') {
      o.onRefused(num);
    } else if (type === 'closed') {
      onClosed?.();
    }
  };
  return {
    async listen(addr, flag, srv) {
      server = srv;
      const host = addr.host === '' || isIp(addr.host) ? addr.host : (await lookup(addr.host)).address;
      try {
        h = addon.create({
          host, port: addr.port, backlog: LISTEN_BACKLOG, maxConnections: o.maxConnections, clientTimeoutMs: o.clientTimeoutMs,
          keepAliveTimeoutMs: o.keepAliveTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, dialTimeoutMs: o.dialTimeoutMs,
          writeTimeoutMs: o.writeTimeoutMs, readTimeoutMs: o.readTimeoutMs, maxBodyBytes: o.maxBodyBytes, readonly: o.readonly, via: o.via, v3Grpc: o.v3Grpc ?? true,
        }, onEvent);
      } catch (err) {
        throw listenError(err as Error & { code?: string }, addr, flag);
      }
      if (others > 0) addon.setOthers(h, others);
      const family = host.includes(':') || host === '' ? 'IPv6' : 'IPv4';
      return { address: host === '' ? '::' : host, family, port: addon.port(h) };
    },
    setEndpoints(eps) {
      const seq = ++push;
      // Names are resolved when pushed; one that does not resolve is left out until the next push.
      void Promise.all(eps.map(async (e): Promise<[string, string, number, string] | undefined> => {
        try {
          return [e.url, await ipOf(e.hostname), e.port, e.host];
        } catch {
          return undefined;
        }
      })).then((list) => {
        if (seq !== push || h === undefined || closed !== undefined) return;
        addon.setEndpoints(h, list.filter((x): x is [string, string, number, string] => x !== undefined));
      });
    },
    setOthers(n) { others = n; if (h !== undefined && closed === undefined) addon.setOthers(h, n); },
    active: () => (h === undefined ? 0 : addon.active(h)),
    stats: () => (h === undefined ? undefined : addon.stats(h)),
    close(drainMs) {
      const handle = h;
      if (handle === undefined) return Promise.resolve();
      closed ??= new Promise<void>((resolve) => {
        onClosed = () => { addon.join(handle); resolve(); };
        addon.close(handle, drainMs);
      });
      return closed;
    },
  };
}
