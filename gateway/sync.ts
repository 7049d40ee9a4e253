// Endpoint auto-sync: read the member list through any endpoint and adopt the members' client URLs, so a
// rolling replacement of every member never strands the gateway (etcd-io/etcd#8132; clientv3's Sync rules:
// learners and members not started yet are skipped). URLs unusable from here never replace a working set.
import type { EtcdMember } from '../etcd/index.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { isIp, isLoopbackHost } from '../core/net.js';
import { keysOf } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { isWildcard } from './loop.js';
import type { LoopGuard } from './loop.js';
import type { Remotes } from './remotes.js';
import { clientEndpoints, describeRejections } from './sources.js';
import type { EndpointSource, Rejections } from './sources.js';
import { backoffDelay } from '../host/backoff.js';

/** Options of createSync. */
export interface SyncOptions {
  readonly intervalMs: number;
  /** First retry delay after a failed sync; doubles up to intervalMs. */
  readonly initialRetryMs: number;
  readonly remotes: Remotes;
  readonly fetchMembers: (ep: Endpoint, signal: AbortSignal) => Promise<EtcdMember[]>;
  /** The configured source, tried when no current endpoint answers. */
  readonly seeds: EndpointSource;
  readonly loop: LoopGuard;
  readonly probe: (ep: Endpoint) => Promise<void>;
  readonly logger: Logger;
}

/** The outcome of one sync round. */
export type SyncOutcome = 'changed' | 'unchanged' | 'kept' | 'failed';

/** The auto-sync loop of one gateway. */
export interface Sync {
  /** Runs the first round now and then every intervalMs. */
  start(): void;
  runOnce(): Promise<SyncOutcome>;
  close(): void;
}

type Fetched = { members: EtcdMember[]; from: Endpoint } | { errors: string[] };

/** Creates the auto-sync loop. */
export function createSync(opts: SyncOptions): Sync {
  return new MemberSync(opts);
}

class MemberSync implements Sync {
  readonly #opts: SyncOptions;
  readonly #ac = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #lastError = '';

  constructor(opts: SyncOptions) {
    this.#opts = opts;
  }

  start(): void {
    if (this.#ac.signal.aborted || this.#timer) return;
    this.#timer = setTimeout(() => void this.#tick(), 0);
  }

  close(): void {
    this.#ac.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async runOnce(): Promise<SyncOutcome> {
    const { remotes, logger: log } = this.#opts;
    const got = await this.#fetchAny();
    if ('errors' in got) return this.#failed(got.errors);
    this.#lastError = '';
    const rejected: Rejections = [];
    const candidates = await this.#usable(clientEndpoints(got.members, rejected), got.from, rejected);
    const old = keysOf(remotes.endpoints());
    if (candidates.length === 0) {
      log.warn({ endpoints: old, rejected: describeRejections(rejected) }, 'members advertise no client URL usable from here; keeping the current endpoints');
      return 'kept';
    }
    const reach = await Promise.all(candidates.map((ep) => this.#opts.probe(ep).then(() => true, () => false)));
    const down = new Set(candidates.filter((_, i) => !reach[i]).map((e) => e.key));
    if (down.size === candidates.length && remotes.liveCount() > 0) {
      log.warn({ endpoints: old, advertised: keysOf(candidates) }, 'no advertised client URL answers from here; keeping the current endpoints');
      return 'kept';
    }
    if (rejected.length) log.debug({ rejected: describeRejections(rejected) }, 'advertised client URLs skipped');
    const next = keysOf(candidates);
    if (next.length === old.length && next.every((k) => old.includes(k))) return 'unchanged';
    if (this.#ac.signal.aborted) return 'failed';
    remotes.set(candidates, down);
    log.info({ old, new: next, added: next.filter((k) => !old.includes(k)), removed: old.filter((k) => !next.includes(k)) }, 'endpoints changed');
    return 'changed';
  }

  #failed(errors: string[]): SyncOutcome {
    const summary = errors.join('; ');
    if (summary === this.#lastError) this.#opts.logger.debug({ errors }, 'endpoint sync failed');
    else this.#opts.logger.warn({ errors }, 'endpoint sync failed');
    this.#lastError = summary;
    return 'failed';
  }

  // The current endpoints first (up ones first), then the configured source: a gateway whose members were all
  // replaced while it could not sync finds the cluster again through SRV, the token or the --endpoints list.
  async #fetchAny(): Promise<Fetched> {
    const tried = new Set<string>();
    const errors: string[] = [];
    const views = this.#opts.remotes.list();
    const current = [...views.filter((v) => v.up), ...views.filter((v) => !v.up)].map((v) => v.endpoint);
    const got = await this.#fetchFrom(current, tried, errors)
      ?? await this.#opts.seeds(this.#ac.signal).then(
        (seeds) => this.#fetchFrom(seeds, tried, errors),
        (err: unknown) => { errors.push(`seeds: ${errFields(err).error}`); return undefined; });
    return got ?? { errors };
  }

  async #fetchFrom(eps: readonly Endpoint[], tried: Set<string>, errors: string[]): Promise<Fetched | undefined> {
    for (const ep of eps) {
      if (tried.has(ep.key) || this.#ac.signal.aborted) continue;
      tried.add(ep.key);
      try {
        return { members: await this.#opts.fetchMembers(ep, this.#ac.signal), from: ep };
      } catch (err) {
        errors.push(`${ep.key}: ${errFields(err).error}`);
      }
    }
    return undefined;
  }

  async #usable(eps: readonly Endpoint[], from: Endpoint, rejected: Rejections): Promise<Endpoint[]> {
    const reasons = await Promise.all(eps.map((ep) => this.#whyUnusable(ep, from)));
    return eps.filter((ep, i) => {
      const reason = reasons[i];
      if (reason !== undefined) rejected.push({ url: ep.key, reason });
      return reason === undefined;
    });
  }

  async #whyUnusable(ep: Endpoint, from: Endpoint): Promise<string | undefined> {
    if (isWildcard(ep.host)) return 'a wildcard address';
    if (isLoopbackHost(ep.host) && !isLoopbackHost(from.host)) return `a loopback address, advertised by a member reached at ${from.key}`;
    try {
      return await this.#opts.loop.check(ep);
    } catch {
      return isIp(ep.host) ? 'unresolvable' : `host ${JSON.stringify(ep.host)} does not resolve here`;
    }
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    let outcome: SyncOutcome = 'failed';
    try {
      outcome = await this.runOnce();
    } catch (err) {
      this.#opts.logger.warn(errFields(err), 'endpoint sync failed');
    }
    if (this.#ac.signal.aborted) return;
    this.#failures = outcome === 'failed' ? this.#failures + 1 : 0;
    const { intervalMs, initialRetryMs } = this.#opts;
    const delay = this.#failures === 0 ? intervalMs : backoffDelay(this.#failures - 1, { initialMs: initialRetryMs, maxMs: intervalMs });
    this.#timer = setTimeout(() => void this.#tick(), delay);
  }
}
