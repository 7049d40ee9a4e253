// The endpoint set: which endpoints are up, the per-connection pick, and re-probing of down endpoints with
// exponential backoff. Port of etcd's proxy/tcpproxy/userspace.go remote/pick/runMonitor, minus its fixed
// one-minute bench: a down endpoint is re-probed after 1s, 2s, 4s, ... capped at --retry-delay.
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import type { Endpoint } from './endpoint.js';

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
  let states: State[] = [];
  let rr = 0;
  let weighted = false;
  let closed = false;
  let lastDemand = -Infinity;
  const log = opts.logger;
  const random = opts.random ?? Math.random;

  const backoff = (failures: number): number => Math.min(opts.retryDelayMs, opts.initialRetryMs * 2 ** failures);
  const schedule = (s: State, delay: number): void => {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => { s.timer = undefined; void reprobe(s, true); }, delay);
    s.timer.unref();
  };
  const setUp = (s: State): void => {
    s.up = true;
    s.failures = 0;
    clearTimeout(s.timer);
    s.timer = undefined;
    opts.onState?.(s.endpoint, true);
  };
  // `counts` is false for demand probes, so clients knocking on a dead cluster do not stretch the backoff.
  const reprobe = async (s: State, counts: boolean): Promise<void> => {
    if (closed || s.up || s.probing || !states.includes(s)) return;
    s.probing = true;
    try {
      await opts.probe(s.endpoint);
      s.probing = false;
      if (closed || !states.includes(s) || s.up) return;
      setUp(s);
      log.info({ address: s.endpoint.key }, 'activated endpoint');
    } catch (err) {
      s.probing = false;
      if (closed || !states.includes(s) || s.up) return;
      if (counts) s.failures++;
      const next = backoff(s.failures);
      log.debug({ address: s.endpoint.key, retryInMs: next, ...errFields(err) }, 'endpoint still down');
      schedule(s, next);
    }
  };
  const markDownState = (s: State, err: unknown, quiet = false): void => {
    if (!s.up) return;
    s.up = false;
    s.failures = 0;
    opts.onState?.(s.endpoint, false);
    const next = backoff(0);
    if (!quiet) log.warn({ address: s.endpoint.key, retryInMs: next, ...errFields(err) }, 'deactivated endpoint');
    schedule(s, next);
  };

  return {
    set(eps, down) {
      if (closed) return;
      const old = new Map(states.map((s) => [s.endpoint.key, s]));
      const next: State[] = [];
      for (const ep of eps) {
        const kept = old.get(ep.key);
        if (kept) { kept.endpoint = ep; old.delete(ep.key); next.push(kept); continue; }
        const s: State = { endpoint: ep, up: true, failures: 0, timer: undefined, probing: false };
        next.push(s);
        opts.onState?.(ep, true);
      }
      for (const gone of old.values()) { clearTimeout(gone.timer); opts.onState?.(gone.endpoint, undefined); }
      states = next;
      weighted = states.some((s) => s.endpoint.weight > 0);
      for (const s of states) if (down?.has(s.endpoint.key)) markDownState(s, new Error('unreachable when added'), true);
    },
    pick() {
      return weighted ? pickWeighted(states, random) : pickRoundRobin();
    },
    markDown(key, err) {
      const s = states.find((x) => x.endpoint.key === key);
      if (s) markDownState(s, err);
    },
    probeNow() {
      const now = Date.now();
      if (closed || now - lastDemand < opts.initialRetryMs) return;
      lastDemand = now;
      for (const s of states) if (!s.up) void reprobe(s, false);
    },
    async probeAll() {
      await Promise.all(states.map(async (s) => {
        try { await opts.probe(s.endpoint); } catch (err) { markDownState(s, err); }
      }));
    },
    list: () => states.map((s) => ({ endpoint: s.endpoint, up: s.up, failures: s.failures })),
    endpoints: () => states.map((s) => s.endpoint),
    liveCount: () => states.reduce((n, s) => n + (s.up ? 1 : 0), 0),
    close() {
      closed = true;
      for (const s of states) clearTimeout(s.timer);
    },
  };

  // etcd's pick() with all weights 0: strict round robin in list order, one counter shared by all connections.
  function pickRoundRobin(): Endpoint | undefined {
    const n = states.length;
    for (let i = 0; i < n; i++) {
      const idx = (rr + i) % n;
      const s = states[idx] as State;
      if (s.up) { rr = idx + 1; return s.endpoint; }
    }
    return undefined;
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
