// The gateway's data path, native (native.ts, the epoll addon) or JavaScript (a net.Server and relay.ts): the
// listener, the connection cap and the relay. The gateway drives either through this one interface.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { drainAccepts } from '../core/accept-drain.js';
import { acceptAddon } from '../core/native-addon.js';
import type { AcceptAddon } from '../core/native-addon.js';
import { listen } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import type { Endpoint } from './endpoint.js';
import type { RelayCounters } from './metrics.js';
import { createRelay } from './relay.js';
import type { Relay } from './relay.js';
import type { RemoteView, Remotes } from './remotes.js';

/** What a data path tells the control plane (rare events). */
export interface DataPathEvents {
  /** A dial to the endpoint failed; it is marked down and re-probed. */
  onDialFailure(key: string, err: Error): void;
  /** A client was closed because no endpoint was up. */
  onNoEndpoint(): void;
  /** Connections were closed at accept because of the cap (count since the last call; rate-limited by the caller). */
  onRefused(count: number): void;
}

/** One data path. */
export interface DataPath extends RelayCounters {
  readonly kind: 'native' | 'js';
  /** Binds and starts accepting; throws EDGE_LISTEN_FAILED naming `flag`. */
  listen(addr: HostPort, flag: string): Promise<AddressInfo>;
  /** The endpoint set changed (the native path copies the up ones; the JS path picks from Remotes directly). */
  setEndpoints(views: readonly RemoteView[]): void;
  /** Connections closed at accept so far (over the cap). */
  refused(): number;
  /** Stops accepting, lets connections finish for up to drainMs, then cuts the rest; resolves to how many were cut. */
  close(drainMs: number): Promise<number>;
}

/** What every data path is made with: its timeouts, its cap and where it reports to. */
export interface DataPathLimits {
  readonly dialTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly events: DataPathEvents;
}

/** Options of the JavaScript data path. */
export interface JsDataPathOptions extends DataPathLimits {
  readonly remotes: Remotes;
  /** The accept drain; default the addon's when it loads, null: Node's one accept per event-loop turn. */
  readonly acceptAddon?: AcceptAddon | null;
}

/** Creates the JavaScript data path (Node streams; the fallback when the addon is not there). */
export function createJsDataPath(o: JsDataPathOptions): DataPath {
  return new JsDataPath(o);
}

class JsDataPath implements DataPath {
  readonly kind = 'js';
  readonly #relay: Relay;
  readonly #server: net.Server;
  #refused = 0;

  constructor(o: JsDataPathOptions) {
    this.#relay = createRelay({
      remotes: o.remotes, dialTimeoutMs: o.dialTimeoutMs, idleTimeoutMs: o.idleTimeoutMs,
      hooks: {
        onDialFailure: (ep: Endpoint, err: Error) => o.events.onDialFailure(ep.key, err),
        onNoEndpoint: () => o.events.onNoEndpoint(),
      },
    });
    this.#server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, this.#relay.handle);
    // Over the cap, Node closes the accepted handle before any JavaScript socket exists and emits 'drop'.
    this.#server.maxConnections = o.maxConnections;
    this.#server.on('drop', () => { this.#refused++; o.events.onRefused(1); });
    // A burst of connects is taken in one event-loop turn (the addon's accept drain), each under the same cap.
    drainAccepts(this.#server, o.acceptAddon === undefined ? acceptAddon() : o.acceptAddon ?? undefined);
  }

  listen(addr: HostPort, flag: string): Promise<AddressInfo> {
    return listen(this.#server, addr, flag);
  }

  setEndpoints(): void { /* the relay picks from Remotes itself */ }
  active(): number { return this.#relay.active(); }
  accepted(): number { return this.#relay.accepted(); }
  bytes(): { in: number; out: number } { return this.#relay.bytes(); }
  refused(): number { return this.#refused; }

  async close(drainMs: number): Promise<number> {
    this.#server.close();
    if (await this.#relay.drain(drainMs)) return 0;
    const cut = this.#relay.active();
    this.#relay.destroyAll();
    return cut;
  }
}
