// The endpoint set: which endpoints are up, the per-connection pick, and re-probing of down endpoints with
// exponential backoff. Port of etcd's proxy/tcpproxy/userspace.go remote/pick/runMonitor, minus its fixed
// one-minute bench: a down endpoint is re-probed after 1s, 2s, 4s, ... capped at --retry-delay.
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import type { Endpoint } from './endpoint.js';
import { backoffDelay } from '../host/backoff.js';

/** One endpoint's state, as reported to logs, metrics and tests. */
export interface RemoteView {
  readonly endpoint: Endpoint;
  readonly up: boolean;
  /** Consecutive failed re-probes since the endpoint went down. */
  readonly failures: number;
}

/** Options of createRemotes. */
export interface RemotesOptions {
  readonly initialRetryMs: number;
  readonly retryDelayMs: number;
  /** Resolves when the endpoint accepts a TCP connection, rejects otherwise. */
  readonly probe: (ep: Endpoint) => Promise<void>;
  readonly logger: Logger;
  /** Called on every up/down change and when an endpoint leaves the set (up undefined). */
  readonly onState?: (ep: Endpoint, up: boolean | undefined) => void;
  /** Random source for the SRV weighted pick (tests pass a fixed one). */
  readonly random?: () => number;
}

/** The endpoint set of one gateway. */
export interface Remotes {
  /** Replaces the set; endpoints kept keep their state, new ones start up unless listed in `down`. */
  set(eps: readonly Endpoint[], down?: ReadonlySet<string>): void;
  /** Picks the endpoint for the next connection, or undefined when none is up. */
  pick(): Endpoint | undefined;
  /** Marks an endpoint down after a failed dial and schedules its re-probe. */
  markDown(key: string, err: unknown): void;
  /** Re-probes every down endpoint now (a client found none up); at most once per initialRetryMs. */
  probeNow(): void;
  /** Probes every endpoint once and waits: the state before the ready line is then true. */
  probeAll(): Promise<void>;
  list(): readonly RemoteView[];
  endpoints(): readonly Endpoint[];
  /** How many endpoints are in the set, up or down. */
  size(): number;
  liveCount(): number;
  close(): void;
}

interface State {
  endpoint: Endpoint;
  up: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  probing: boolean;
}

/** Creates an endpoint set with round-robin picking and backoff re-probing. */
export function createRemotes(opts: RemotesOptions): Remotes {
  return new RemoteSet(opts);
}

class RemoteSet implements Remotes {
  readonly #opts: RemotesOptions;
  readonly #random: () => number;
  #states: State[] = [];
  #rr = 0;
  #weighted = false;
  #closed = false;
  #lastDemand = -Infinity;

  constructor(opts: RemotesOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
  }

  set(eps: readonly Endpoint[], down?: ReadonlySet<string>): void {
    if (this.#closed) return;
    const old = new Map(this.#states.map((s) => [s.endpoint.key, s]));
    const next: State[] = [];
    for (const ep of eps) {
      const kept = old.get(ep.key);
      if (kept) { kept.endpoint = ep; old.delete(ep.key); next.push(kept); continue; }
      next.push({ endpoint: ep, up: true, failures: 0, timer: undefined, probing: false });
      this.#opts.onState?.(ep, true);
    }
    for (const gone of old.values()) { clearTimeout(gone.timer); this.#opts.onState?.(gone.endpoint, undefined); }
    this.#states = next;
    this.#weighted = next.some((s) => s.endpoint.weight > 0);
    for (const s of next) if (down?.has(s.endpoint.key)) this.#markDown(s, new Error('unreachable when added'), true);
  }

  pick(): Endpoint | undefined {
    return this.#weighted ? pickWeighted(this.#states, this.#random) : this.#pickRoundRobin();
  }

  markDown(key: string, err: unknown): void {
    const s = this.#states.find((x) => x.endpoint.key === key);
    if (s) this.#markDown(s, err, false);
  }

  probeNow(): void {
    const now = Date.now();
    if (this.#closed || now - this.#lastDemand < this.#opts.initialRetryMs) return;
    this.#lastDemand = now;
    for (const s of this.#states) if (!s.up) void this.#reprobe(s, false);
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.#states.map(async (s) => {
      try { await this.#opts.probe(s.endpoint); } catch (err) { this.#markDown(s, err, false); }
    }));
  }

  list(): readonly RemoteView[] {
    return this.#states.map((s) => ({ endpoint: s.endpoint, up: s.up, failures: s.failures }));
  }

  endpoints(): readonly Endpoint[] {
    return this.#states.map((s) => s.endpoint);
  }

  size(): number {
    return this.#states.length;
  }

  liveCount(): number {
    let n = 0;
    for (const s of this.#states) if (s.up) n++;
    return n;
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#states) clearTimeout(s.timer);
  }

  // etcd's pick() with all weights 0: strict round robin in list order, one counter shared by all connections.
  #pickRoundRobin(): Endpoint | undefined {
    const n = this.#states.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.#rr + i) % n;
      const s = this.#states[idx] as State;
      if (s.up) { this.#rr = idx + 1; return s.endpoint; }
    }
    return undefined;
  }

  #backoff(failures: number): number {
    return backoffDelay(failures, { initialMs: this.#opts.initialRetryMs, maxMs: this.#opts.retryDelayMs });
  }

  #schedule(s: State, delay: number): void {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => { s.timer = undefined; void this.#reprobe(s, true); }, delay);
    s.timer.unref();
  }

  #markDown(s: State, err: unknown, quiet: boolean): void {
    if (!s.up) return;
    s.up = false;
    s.failures = 0;
    this.#opts.onState?.(s.endpoint, false);
    const next = this.#backoff(0);
    if (!quiet) this.#opts.logger.warn({ address: s.endpoint.key, retryInMs: next, ...errFields(err) }, 'deactivated endpoint');
    this.#schedule(s, next);
  }

  #stale(s: State): boolean {
    return this.#closed || s.up || !this.#states.includes(s);
  }

  // `counts` is false for demand probes, so clients knocking on a dead cluster do not stretch the backoff.
  async #reprobe(s: State, counts: boolean): Promise<void> {
    if (s.probing || this.#stale(s)) return;
    s.probing = true;
    try {
      await this.#opts.probe(s.endpoint);
      s.probing = false;
      if (this.#stale(s)) return;
      s.up = true;
      s.failures = 0;
      this.#opts.onState?.(s.endpoint, true);
      this.#opts.logger.info({ address: s.endpoint.key }, 'activated endpoint');
    } catch (err) {
      s.probing = false;
      if (this.#stale(s)) return;
      if (counts) s.failures++;
      const next = this.#backoff(s.failures);
      this.#opts.logger.debug({ address: s.endpoint.key, retryInMs: next, ...errFields(err) }, 'endpoint still down');
      this.#schedule(s, next);
    }
  }
}

// etcd's pick() with SRV weights: among the up endpoints of the best (lowest) priority, a weighted random choice
// among the weighted ones. Unlike etcd, weight-0 records of that class are not given a 1 % share.
function pickWeighted(states: readonly State[], random: () => number): Endpoint | undefined {
  let best = Infinity;
  for (const s of states) if (s.up && s.endpoint.priority < best) best = s.endpoint.priority;
  const cls = states.filter((s) => s.up && s.endpoint.priority === best);
  const total = cls.reduce((n, s) => n + s.endpoint.weight, 0);
  if (total === 0) return cls[Math.floor(random() * cls.length)]?.endpoint;
  let r = random() * total;
  for (const s of cls) {
    r -= s.endpoint.weight;
    if (r < 0) return s.endpoint;
  }
  return cls[cls.length - 1]?.endpoint;
}
