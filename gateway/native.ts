// The native data path: the Node-API addon (gateway/native/*.c, built by `npm ci` into build/Release) owns
// the listening socket and relays on its own epoll thread; this side pushes the up endpoints to it, turns its
// events (failed dials, refusals, no endpoint) into the control plane's calls, and reads its counters.
import { lookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EdgeError } from '../core/errors.js';
import { formatHostPort, isIp } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { DataPath, DataPathLimits } from './datapath.js';
import type { RemoteView } from './remotes.js';

/** The addon's functions (see relay.c). */
export interface RelayAddon {
  create(opts: { host: string; port: number; dialTimeoutMs: number; idleTimeoutMs: number; maxConnections: number; backlog: number },
    onEvent: (type: string, key: string, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, number, string, number]>): void;
  stats(h: object): [number, number, number, number, number, number];
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

/** Where `npm ci` puts the addon, relative to the compiled module (build/gateway/native.js). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../Release/gateway_relay.node', import.meta.url));

/** Loads the addon; returns it, or the reason it cannot be used (one line). */
export function loadAddon(path: string = DEFAULT_ADDON_PATH): RelayAddon | string {
  if (process.platform !== 'linux') return `the native data path needs Linux (epoll), not ${process.platform}`;
  try {
    return createRequire(import.meta.url)(path) as RelayAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    return `cannot load ${path}: ${msg}`;
  }
}

/** Options of the native data path. */
export interface NativeOptions extends DataPathLimits {
  readonly addon: RelayAddon;
}

/** Creates the native data path; listen() binds and starts its thread. */
export function createNativeDataPath(opts: NativeOptions): DataPath {
  return new NativeDataPath(opts);
}

class NativeDataPath implements DataPath {
  readonly kind = 'native';
  readonly #o: NativeOptions;
  #h: object | undefined;
  #bound: AddressInfo | undefined;
  #push = 0;
  #closed: ((cut: number) => void) | undefined;
  #done = false;

  constructor(o: NativeOptions) {
    this.#o = o;
  }

  async listen(addr: HostPort, flag: string): Promise<AddressInfo> {
    const host = addr.host === '' || isIp(addr.host) ? addr.host : (await lookup(addr.host)).address;
    try {
      this.#h = this.#o.addon.create({
        host, port: addr.port, dialTimeoutMs: this.#o.dialTimeoutMs, idleTimeoutMs: this.#o.idleTimeoutMs,
        maxConnections: this.#o.maxConnections, backlog: 511,
      }, this.#onEvent);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL'
        ? 'address not available on this machine' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new EdgeError('EDGE_LISTEN_FAILED', `listen ${JSON.stringify(formatHostPort(addr))}: ${why}`, {
        hint: code === 'EADDRINUSE' ? `stop what uses that port or pass ${flag} with a free one` : `pass ${flag} with an address of this machine`,
        cause: err,
      });
    }
    const family = host.includes(':') || host === '' ? 'IPv6' : 'IPv4';
    this.#bound = { address: host === '' ? '::' : host, family, port: this.#o.addon.port(this.#h) };
    return this.#bound;
  }

  setEndpoints(views: readonly RemoteView[]): void {
    const h = this.#h;
    if (!h || this.#done) return;
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
      this.#o.addon.setEndpoints(h, list.filter((e): e is [string, number, string, number] => e !== undefined));
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
    const h = this.#h;
    if (!h || this.#done) return Promise.resolve(0);
    this.#done = true;
    return new Promise((resolve) => {
      this.#closed = (cut) => { this.#o.addon.join(h); resolve(cut); };
      this.#o.addon.close(h, drainMs);
    });
  }

  #stats(): [number, number, number, number, number, number] {
    return this.#h ? this.#o.addon.stats(this.#h) : [0, 0, 0, 0, 0, 0];
  }

  readonly #onEvent = (type: string, key: string, detail: string, num: number): void => {
    if (type === 'dialfail') this.#o.events.onDialFailure(key, new Error(detail));
    else if (type === 'noendpoint') this.#o.events.onNoEndpoint();
    else if (type === 'refused') this.#o.events.onRefused(num);
    else if (type === 'closed') this.#closed?.(num);
  };
}
