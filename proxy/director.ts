// The endpoint list (port of etcd's proxy/httpproxy/director.go): members' client URLs fetched from the peers,
// shuffled at each refresh, refreshed every interval (every second while none is available); an endpoint that
// fails a round trip is left out for failureWaitMs. One keep-alive connection pool per endpoint, kept across refreshes.
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import type { EtcdMember } from '../etcd/index.js';
import { urlHost } from '../core/net.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { UpstreamPool } from './upstream.js';

/** One member client URL the proxy forwards to. */
export interface Endpoint {
  readonly url: string;
  /** host:port, the Host header for clients that sent none. */
  readonly host: string;
  /** Keep-alive connections to this member. */
  readonly pool: UpstreamPool;
  available: boolean;
  /** Counts requests answered through this endpoint (set by the proxy's metrics). */
  served: () => void;
}

/** Fetches the member list from the peers (etcd GetClusterFromRemotePeers); the test seam. */
export type FetchMembers = (peers: readonly string[], opts: { tls?: ClientTlsOptions; timeoutMs: number; signal: AbortSignal }) => Promise<EtcdMember[]>;

/** Options of createDirector. */
export interface DirectorOptions {
  readonly peers: readonly string[];
  readonly refreshIntervalMs: number;
  readonly failureWaitMs: number;
  readonly dialTimeoutMs: number;
  readonly peerTls?: ClientTlsOptions;
  readonly fetchMembers: FetchMembers;
  readonly logger: Logger;
  /** Drops endpoints that are this proxy itself. */
  readonly isSelf: (url: string) => boolean;
  /** Called with the new peer list after each successful refresh (persisting it). */
  readonly onPeers?: (peers: readonly string[]) => void;
  /** Called whenever availability changes. */
  readonly onChange?: (available: number, total: number) => void;
  /** Builds the per-endpoint request counter. */
  readonly counterFor?: (url: string) => () => void;
  /** Orders the endpoints at each refresh (default: a random shuffle, as etcd). */
  readonly order?: (urls: string[]) => string[];
}

/** The live endpoint list. */
export interface Director {
  /** Fetches members once and rebuilds the list; resolves false when no peer answered. */
  refresh(): Promise<boolean>;
  /** Starts the refresh timer (after a first refresh done by the caller). */
  startTimer(): void;
  /** The endpoints in the order requests try them, unavailable ones included (callers skip them). */
  endpoints(): readonly Endpoint[];
  availableUrls(): string[];
  peers(): readonly string[];
  /** Marks an endpoint unavailable for failureWaitMs after a failed round trip. */
  fail(ep: Endpoint, err: unknown): void;
  close(): void;
}

/** Shuffles in place (Fisher–Yates, as etcd's director). */
export function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Returns the distinct client URLs of the voting members, minus the ones isSelf rejects (reported via onSelf). */
function clientUrlsOf(members: readonly EtcdMember[], isSelf: (u: string) => boolean, onSelf: (u: string) => void): Set<string> {
  const urls = new Set<string>();
  for (const m of members) {
    if (m.isLearner) continue;
    for (const c of m.clientURLs) {
      const url = c.replace(/\/$/, '');
      if (isSelf(url)) onSelf(url);
      else urls.add(url);
    }
  }
  return urls;
}

class EndpointDirector implements Director {
  readonly #o: DirectorOptions;
  readonly #log: Logger;
  #peers: string[];
  #list: Endpoint[] = [];
  readonly #failTimers = new Set<NodeJS.Timeout>();
  readonly #dropped = new Set<string>();
  readonly #ac = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: DirectorOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#peers = [...o.peers];
  }

  async refresh(): Promise<boolean> {
    let members: EtcdMember[];
    try {
      members = await this.#o.fetchMembers(this.#peers, { timeoutMs: 10_000, signal: this.#ac.signal, ...(this.#o.peerTls ? { tls: this.#o.peerTls } : {}) });
    } catch (err) {
      // Unlike etcd, a failed fetch keeps the last known endpoints instead of emptying the list.
      if (!this.#closed) this.#log.warn({ peers: this.#peers, ...errFields(err) }, 'could not retrieve cluster information from the given URLs');
      return false;
    }
    if (this.#closed) return false;
    const next = [...new Set(members.flatMap((m) => m.peerURLs.map((p) => p.replace(/\/$/, ''))))].sort();
    if (next.length > 0) {
      if (next.join(',') !== [...this.#peers].sort().join(',')) this.#log.info({ from: this.#peers, to: next }, 'updated peer urls');
      this.#peers = next;
      this.#o.onPeers?.(next);
    }
    this.#rebuild(members);
    return true;
  }

  #rebuild(members: readonly EtcdMember[]): void {
    const urls = clientUrlsOf(members, this.#o.isSelf, (url) => {
      if (!this.#dropped.has(url)) this.#log.warn({ endpoint: url }, 'dropped an endpoint that is this proxy itself (it would loop)');
      this.#dropped.add(url);
    });
    const old = new Map(this.#list.map((e) => [e.url, e]));
    const sorted = [...urls].sort();
    // Compared before ordering: the default order shuffles in place.
    const changed = sorted.join(',') !== [...old.keys()].sort().join(',');
    // Unlike etcd, an endpoint still inside its failure wait stays out after a refresh.
    this.#list = (this.#o.order ?? shuffle)(sorted).map((u) => old.get(u) ?? this.#make(u));
    for (const [u, e] of old) if (!urls.has(u)) e.pool.destroy();
    if (changed) this.#log.info({ endpoints: this.#list.map((e) => e.url) }, 'endpoints found');
    this.#report();
  }

  #make(url: string): Endpoint {
    const u = new URL(url);
    return { url, host: u.host, pool: this.#pool(u), available: true, served: this.#o.counterFor?.(url) ?? ((): void => undefined) };
  }

  #pool(u: URL): UpstreamPool {
    const https = u.protocol === 'https:';
    const tlsOpts = https ? this.#o.peerTls ?? { rejectUnauthorized: true } : undefined;
    return new UpstreamPool({
      hostname: urlHost(u), port: Number(u.port || (https ? 443 : 80)),
      dialTimeoutMs: this.#o.dialTimeoutMs, ...(tlsOpts ? { tls: tlsOpts } : {}),
    });
  }

  #report(): void {
    this.#o.onChange?.(this.#list.filter((e) => e.available).length, this.#list.length);
  }

  startTimer(): void {
    if (this.#closed) return;
    const none = !this.#list.some((e) => e.available);
    const ms = none ? Math.min(1000, this.#o.refreshIntervalMs) : this.#o.refreshIntervalMs;
    this.#timer = setTimeout(() => { void this.refresh().finally(() => this.startTimer()); }, ms);
  }

  endpoints(): readonly Endpoint[] {
    return this.#list;
  }

  availableUrls(): string[] {
    return this.#list.filter((e) => e.available).map((e) => e.url);
  }

  peers(): readonly string[] {
    return this.#peers;
  }

  fail(ep: Endpoint, err: unknown): void {
    if (!ep.available || this.#closed) return;
    ep.available = false;
    this.#log.info({ endpoint: ep.url, ...errFields(err) }, 'marked endpoint unavailable');
    this.#report();
    const t = setTimeout(() => {
      this.#failTimers.delete(t);
      ep.available = true;
      this.#log.info({ endpoint: ep.url }, 'marked endpoint available, to retest connectivity');
      this.#report();
    }, this.#o.failureWaitMs);
    this.#failTimers.add(t);
  }

  close(): void {
    this.#closed = true;
    this.#ac.abort();
    clearTimeout(this.#timer);
    for (const t of this.#failTimers) clearTimeout(t);
    this.#failTimers.clear();
    for (const e of this.#list) e.pool.destroy();
  }
}

/** Creates a director; nothing runs until refresh()/startTimer(). */
export function createDirector(o: DirectorOptions): Director {
  return new EndpointDirector(o);
}
