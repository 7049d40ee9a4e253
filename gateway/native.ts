// The native data path: the Node-API addon (gateway/native/*.c, built by `npm ci` into build/Release, loaded by
// core/native-addon.ts) owns the listening socket and relays on its own epoll thread; this side pushes the up
// endpoints to it, turns its events (failed dials, refusals, no endpoint) into the control plane's calls, and
// reads its counters.
import { lookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { loadNativeAddon, NATIVE_ADDON_PATH } from '../core/native-addon.js';
import { isIp, listenError } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { DataPath, DataPathLimits } from './datapath.js';
import type { RemoteView } from './remotes.js';

/** The addon's functions (see relay.c). */
export interface RelayAddon {
  create(opts: { host: string; port: number; dialTimeoutMs: number; idleTimeoutMs: number; maxConnections: number; backlog: number;
    reusePort?: boolean },
    onEvent: (type: string, key: string, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, number, string, number]>): void;
  stats(h: object): [number, number, number, number, number, number];
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

/** Loads the addon with its relay; returns it, or the reason it cannot be used (one line). */
export function loadAddon(path: string = NATIVE_ADDON_PATH): RelayAddon | string {
  return loadNativeAddon<RelayAddon>(path);
}

/** Options of the native data path. */
export interface NativeOptions extends DataPathLimits {
  readonly addon: RelayAddon;
  /**
   * Relay threads (default 1). More than one: each thread has its own listening socket on the same port
   * (SO_REUSEPORT), the kernel spreads new connections between them, and the connection cap is split evenly.
   */
  readonly relayThreads?: number;
}

/** Creates the native data path; listen() binds and starts its thread. */
export function createNativeDataPath(opts: NativeOptions): DataPath {
  return new NativeDataPath(opts);
}

class NativeDataPath implements DataPath {
  readonly kind = 'native';
  readonly #o: NativeOptions;
  /** One handle per relay thread; the first one picks the port when it is 0. */
  #hs: object[] = [];
  #bound: AddressInfo | undefined;
  #push = 0;
  #closed: ((cut: number) => void) | undefined;
  #open = 0;
  #cut = 0;
  #done = false;

  constructor(o: NativeOptions) {
    this.#o = o;
  }

  async listen(addr: HostPort, flag: string): Promise<AddressInfo> {
    const host = addr.host === '' || isIp(addr.host) ? addr.host : (await lookup(addr.host)).address;
    const threads = Math.max(1, this.#o.relayThreads ?? 1);
    const cap = this.#o.maxConnections > 0 ? Math.max(1, Math.floor(this.#o.maxConnections / threads)) : 0;
    try {
      let port = addr.port;
      for (let i = 0; i < threads; i++) {
        this.#hs.push(this.#o.addon.create({
          host, port, dialTimeoutMs: this.#o.dialTimeoutMs, idleTimeoutMs: this.#o.idleTimeoutMs,
          maxConnections: cap, backlog: 511, reusePort: threads > 1,
        }, this.#onEvent));
        port = this.#o.addon.port(this.#hs[0]!);
      }
    } catch (err) {
      this.#abort();
      throw listenError(err as Error & { code?: string }, addr, flag);
    }
    const family = host.includes(':') || host === '' ? 'IPv6' : 'IPv4';
    this.#bound = { address: host === '' ? '::' : host, family, port: this.#o.addon.port(this.#hs[0]!) };
    return this.#bound;
  }

  setEndpoints(views: readonly RemoteView[]): void {
    const hs = this.#hs;
    if (hs.length === 0 || this.#done) return;
    // The best (lowest) SRV priority among the up endpoints, as the JS pick; weights ride along.
    const up = views.filter((v) => v.up);
    const best = Math.min(...up.map((v) => v.endpoint.priority));
    const chosen = up.filter((v) => v.endpoint.priority === best).map((v) => v.endpoint);
    const seq = ++this.#push;
    // Names are resolved when pushed (the JS relay resolves per dial); a name that fails is left out until the next push.
    void Promise.all(chosen.map(async (ep): Promise<[string, number, string, number] | undefined> => {
      try {
        const ip = isIp(ep.host) ? ep.host : (await lookup(ep.host)).address;
        return [ip, ep.port, ep.key, ep.weight];
      } catch {
        return undefined;
      }
    })).then((list) => {
      if (seq !== this.#push || this.#done) return;
      const eps = list.filter((e): e is [string, number, string, number] => e !== undefined);
      for (const h of hs) this.#o.addon.setEndpoints(h, eps);
    });
  }

  active(): number { return this.#stats()[1]; }
  accepted(): number { return this.#stats()[0]; }
  refused(): number { return this.#stats()[2]; }
  bytes(): { in: number; out: number } {
    const s = this.#stats();
    return { in: s[3], out: s[4] };
  }

  close(drainMs: number): Promise<number> {
    const hs = this.#hs;
    if (hs.length === 0 || this.#done) return Promise.resolve(0);
    this.#done = true;
    this.#open = hs.length;
    return new Promise((resolve) => {
      // Every thread reports "closed" once; the last one resolves with the sum of the cut connections.
      this.#closed = (cut) => {
        this.#cut += cut;
        if (--this.#open > 0) return;
        for (const h of hs) this.#o.addon.join(h);
        resolve(this.#cut);
      };
      for (const h of hs) this.#o.addon.close(h, drainMs);
    });
  }

  /** Closes the handles made before a failed listen (no connection was accepted yet). */
  #abort(): void {
    const hs = this.#hs;
    this.#hs = [];
    this.#done = true;
    this.#open = hs.length;
    this.#closed = () => { if (--this.#open === 0) for (const h of hs) this.#o.addon.join(h); };
    for (const h of hs) this.#o.addon.close(h, 0);
  }

  #stats(): [number, number, number, number, number, number] {
    let sum: [number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0];
    for (const h of this.#hs) {
      const [a, b, c, d, e, f] = this.#o.addon.stats(h);
      sum = [sum[0] + a, sum[1] + b, sum[2] + c, sum[3] + d, sum[4] + e, sum[5] + f];
    }
    return sum;
  }

  readonly #onEvent = (type: string, key: string, detail: string, num: number): void => {
    if (type === 'dialfail') this.#o.events.onDialFailure(key, new Error(detail));
    else if (type === 'noendpoint') this.#o.events.onNoEndpoint();
    else if (type === 'refused') this.#o.events.onRefused(num);
    else if (type === 'closed') this.#closed?.(num);
  };
}
