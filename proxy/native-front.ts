// The proxy's native front (proxy/native/*.c, the proxy_front addon): an epoll thread that owns one plain-http
// listener, serves the ordinary v2 and v3 JSON requests itself and hands every other connection, with the bytes it
// read, to the listener's node:http server (or to the HTTP/2 side for h2c). This side binds it, adopts hand-offs,
// shares the connection cap with it, passes the available endpoints in, and drains it at close.
import { closeSync } from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { adoptFd } from '../core/accept-drain.js';
import type { CapPeer, ConnectionCap } from '../core/conn-cap.js';
import { EdgeError } from '../core/errors.js';
import { loadNativeAddon, PROXY_FRONT_PATH } from '../core/native-addon.js';
import { LISTEN_BACKLOG, listenError } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import { accessLogOn, hasPeerTls } from './config.js';
import type { ProxyConfig } from './config.js';
import type { H2Front } from './h2.js';
import type { NativeCounts } from './metrics.js';
import { notePriorFailures } from './prior-failures.js';

/** The addon's counters since the previous stats() call. */
export interface FrontStats extends NativeCounts {
  readonly accepted: number;
  readonly refused: number;
  readonly handedOff: number;
}

/** The options create() takes (see proxy/native/README.md). */
export interface FrontOptions {
  readonly clientTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly dialTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly readonly: boolean;
  readonly via: string;
}

/** One endpoint as the front dials it: [url, ip, port, Host header]. */
export type FrontEndpoint = [url: string, ip: string, port: number, hostHeader: string];

/** The addon's functions (proxy/native/addon.c). */
export interface FrontAddon {
  create(opts: FrontOptions & { host: string; port: number; backlog: number; maxConnections: number },
    onEvent: (type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: FrontEndpoint[]): void;
  setOthers(h: object, n: number): void;
  active(h: object): number;
  stats(h: object): FrontStats;
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

/** Loads the addon; returns it, or the reason it cannot be used (one line). */
export function loadFront(path: string = PROXY_FRONT_PATH): FrontAddon | string {
  const a = loadNativeAddon<Partial<FrontAddon>>(path);
  if (typeof a === 'string') return a;
  return typeof a.create === 'function' && typeof a.setOthers === 'function' ? a as FrontAddon : `${path} is not the proxy's native front`;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Whether the bytes a hand-off came with are (the start of) an h2c prior-knowledge connection. */
export function opensHttp2(data: Buffer): boolean {
  const n = Math.min(data.length, H2_PREFACE.length);
  return n >= 3 && data.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

/** Where hand-offs go. */
export interface HandoffTarget {
  readonly server: Server;
  readonly cap?: ConnectionCap | undefined;
  readonly h2?: H2Front | undefined;
}

/**
 * Gives the client connection fd to node:http (or to the HTTP/2 side when data opens with the preface), with the
 * bytes already read parsed first. node:http reads the socket's handle in C++ (parser.consume), so unshifted bytes
 * would never reach it: they are emitted as 'data', which its listener feeds to the parser, right after
 * 'connection' and before the handle's first read. Returns the socket, or undefined when fd was closed instead.
 */
export function handOff(t: HandoffTarget, fd: number, data: Buffer, priorFailures = 0): net.Socket | undefined {
  if (t.h2 !== undefined && opensHttp2(data)) {
    let socket: net.Socket;
    try { socket = new net.Socket({ fd, readable: true, writable: true }); } catch { closeFd(fd); return undefined; }
    socket.setNoDelay(true);
    t.cap?.admit(socket);
    t.h2.adopt(socket, data);
    return socket;
  }
  // The front counted this connection against the cap already: it is admitted, not checked again.
  const socket = adoptFd(t.server, fd, (s) => { t.cap?.admit(s); notePriorFailures(s, priorFailures); });
  if (socket !== undefined && data.length > 0 && !socket.destroyed) socket.emit('data', data);
  return socket;
}

function closeFd(fd: number): void {
  try { closeSync(fd); } catch { /* already gone */ }
}

/** What one front is made from. */
export interface NativeFrontOptions {
  readonly addon: FrontAddon;
  readonly listen: HostPort;
  /** The flag named in bind errors. */
  readonly flag: string;
  readonly options: FrontOptions;
  readonly cap: ConnectionCap;
  /**
   * Takes a handed-off connection (see handOff); failed: the fail events since the previous hand-off (they come
   * just before the hand-off of their request; with concurrent failures the count is approximate).
   */
  readonly onHandoff: (fd: number, data: Buffer, failed: number) => void;
  /** A round trip to the endpoint with that url failed at the transport level. */
  readonly onFail: (url: string, reason: string) => void;
  /** The counters, at every pull and once more at close. */
  readonly onStats: (s: FrontStats) => void;
}

/** One running front. */
export interface NativeFront extends CapPeer {
  /** Binds and starts the thread; resolves with the bound address, rejects with EDGE_LISTEN_FAILED. */
  start(): Promise<AddressInfo>;
  /** The available endpoints, in the order requests try them. */
  setEndpoints(eps: FrontEndpoint[]): void;
  /** Hands the counters since the previous pull to onStats. */
  pull(): void;
  /** Stops accepting, lets in-flight exchanges finish for up to drainMs, then cuts; idempotent. */
  close(drainMs: number): Promise<void>;
}

/** Creates a front; nothing is bound until start(). */
export function createNativeFront(o: NativeFrontOptions): NativeFront {
  const a = o.addon;
  let h: object | undefined;
  let closing: Promise<void> | undefined;
  let onClosed: (() => void) | undefined;
  let unshare: (() => void) | undefined;
  let failed = 0;
  const onEvent = (type: string, fd: number, data: Buffer | undefined, detail: string, num: number): void => {
    if (type === 'handoff') {
      const n = failed;
      failed = 0;
      o.onHandoff(fd, data ?? Buffer.alloc(0), n);
    } else if (type === 'fail') {
      failed++;
      const nl = detail.indexOf('\n');
      o.onFail(nl === -1 ? detail : detail.slice(0, nl), nl === -1 ? 'member round trip failed' : detail.slice(nl + 1));
    } else if (type === 'refused') o.cap.countRefused(num);
    else if (type === 'closed') onClosed?.();
  };
  const front: NativeFront = {
    async start() {
      try {
        h = a.create({
          ...o.options, host: o.listen.host, port: o.listen.port, backlog: LISTEN_BACKLOG, maxConnections: o.cap.max,
        }, onEvent);
      } catch (err) {
        throw listenError(err, o.listen, o.flag);
      }
      unshare = o.cap.share(front);
      const host = o.listen.host === '' ? '::' : o.listen.host;
      return { address: host, family: net.isIPv6(host) ? 'IPv6' : 'IPv4', port: a.port(h) };
    },
    setEndpoints(eps) { if (h !== undefined && closing === undefined) a.setEndpoints(h, eps); },
    active: () => (h === undefined ? 0 : a.active(h)),
    setOthers(n) { if (h !== undefined && closing === undefined) a.setOthers(h, n); },
    pull() { if (h !== undefined) o.onStats(a.stats(h)); },
    close(drainMs) {
      if (closing !== undefined) return closing;
      const handle = h;
      if (handle === undefined) { closing = Promise.resolve(); return closing; }
      closing = new Promise<void>((resolve) => {
        onClosed = () => {
          unshare?.();
          o.onStats(a.stats(handle));
          a.join(handle);
          h = undefined;
          resolve();
        };
        a.close(handle, drainMs);
      });
      return closing;
    },
  };
  return front;
}

/** Who serves each listener, and the addon when one is native. */
export interface DataPaths {
  /** One per --listen-client-urls entry. */
  readonly paths: ReadonlyArray<'native' | 'js'>;
  readonly addon?: FrontAddon;
  /** Why the plain-http listeners use js although --data-path was not given (logged at start). */
  readonly reason?: string;
}

/**
 * Picks the data path of each listener: https ones always js; plain-http ones native unless --data-path js, peer
 * TLS, an access log or an addon that does not load (then js, with the reason; an explicit native throws
 * EDGE_CONFIG_INVALID). The addon is loaded only when a listener may be native.
 */
export function chooseDataPaths(cfg: Pick<ProxyConfig, 'dataPath' | 'listen' | 'peerTls' | 'accessLog' | 'logLevel'>,
  load: () => FrontAddon | string = loadFront): DataPaths {
  const js = (reason?: string): DataPaths => ({ paths: cfg.listen.map(() => 'js'), ...(reason ? { reason } : {}) });
  if (cfg.dataPath === 'js' || !cfg.listen.some((l) => !l.tls)) return js();
  if (hasPeerTls(cfg)) return js('the members are reached over TLS');
  if (accessLogOn(cfg)) return js('--access-log is on');
  const addon = load();
  if (typeof addon === 'string') {
    if (cfg.dataPath === 'native') {
      throw new EdgeError('EDGE_CONFIG_INVALID', `--data-path native: ${addon}`, {
        hint: 'build the addon (npm ci runs node-gyp; it needs python3, make and a C compiler) or pass --data-path js',
      });
    }
    return js(addon);
  }
  return { paths: cfg.listen.map((l) => (l.tls ? 'js' : 'native')), addon };
}
