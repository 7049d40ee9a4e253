// Endpoint auto-sync: read the member list through any endpoint and adopt the members' client URLs, so a
// rolling replacement of every member never strands the gateway (etcd-io/etcd#8132; clientv3's Sync rules:
// learners and members not started yet are skipped). URLs unusable from here never replace a working set.
import { isIP } from 'node:net';
import type { EtcdMember } from '../core/etcd-client.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { keysOf } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import type { LoopGuard } from './loop.js';
import type { Remotes } from './remotes.js';
import { clientEndpoints, describeRejections } from './sources.js';
import type { EndpointSource, Rejections } from './sources.js';

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

const isLoopback = (h: string): boolean => h === 'localhost' || h === '::1' || /^127\./.test(h);
const isWildcard = (h: string): boolean => h === '0.0.0.0' || h === '::';

/** Creates the auto-sync loop. */
export function createSync(opts: SyncOptions): Sync {
  const ac = new AbortController();
  const log = opts.logger;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let lastError = '';

  async function fetchAny(): Promise<{ members: EtcdMember[]; from: Endpoint } | { errors: string[] }> {
    const tried = new Set<string>();
    const errors: string[] = [];
    const attempt = async (eps: readonly Endpoint[]) => {
      for (const ep of eps) {
        if (tried.has(ep.key) || ac.signal.aborted) continue;
        tried.add(ep.key);
        try {
          return { members: await opts.fetchMembers(ep, ac.signal), from: ep };
        } catch (err) {
          errors.push(`${ep.key}: ${errFields(err).error}`);
        }
      }
      return undefined;
    };
    const views = opts.remotes.list();
    const current = [...views.filter((v) => v.up), ...views.filter((v) => !v.up)].map((v) => v.endpoint);
    const got = await attempt(current) ?? await opts.seeds(ac.signal).then(attempt, (err: unknown) => { errors.push(`seeds: ${errFields(err).error}`); return undefined; });
    return got ?? { errors };
  }

  async function usable(eps: readonly Endpoint[], from: Endpoint, rejected: Rejections): Promise<Endpoint[]> {
    const checks = await Promise.all(eps.map(async (ep): Promise<string | undefined> => {
      if (isWildcard(ep.host)) return 'a wildcard address';
      if (isLoopback(ep.host) && !isLoopback(from.host)) return `a loopback address, advertised by a member reached at ${from.key}`;
      try {
        return await opts.loop.check(ep);
      } catch {
        return isIP(ep.host) ? 'unresolvable' : `host ${JSON.stringify(ep.host)} does not resolve here`;
      }
    }));
    return eps.filter((ep, i) => {
      const reason = checks[i];
      if (reason !== undefined) rejected.push({ url: ep.key, reason });
      return reason === undefined;
    });
  }

  async function runOnce(): Promise<SyncOutcome> {
    const got = await fetchAny();
    if ('errors' in got) {
      const summary = got.errors.join('; ');
      if (summary === lastError) log.debug({ errors: got.errors }, 'endpoint sync failed');
      else log.warn({ errors: got.errors }, 'endpoint sync failed');
      lastError = summary;
      return 'failed';
    }
    lastError = '';
    const rejected: Rejections = [];
    const advertised = clientEndpoints(got.members, rejected);
    const candidates = await usable(advertised, got.from, rejected);
    const old = keysOf(opts.remotes.endpoints());
    if (candidates.length === 0) {
      log.warn({ endpoints: old, rejected: describeRejections(rejected) }, 'members advertise no client URL usable from here; keeping the current endpoints');
      return 'kept';
    }
    const reach = await Promise.all(candidates.map((ep) => opts.probe(ep).then(() => true, () => false)));
    const down = new Set(candidates.filter((_, i) => !reach[i]).map((e) => e.key));
    if (down.size === candidates.length && opts.remotes.liveCount() > 0) {
      log.warn({ endpoints: old, advertised: keysOf(candidates) }, 'no advertised client URL answers from here; keeping the current endpoints');
      return 'kept';
    }
    const next = keysOf(candidates);
    if (rejected.length) log.debug({ rejected: describeRejections(rejected) }, 'advertised client URLs skipped');
    if (next.length === old.length && next.every((k) => old.includes(k))) return 'unchanged';
    if (ac.signal.aborted) return 'failed';
    opts.remotes.set(candidates, down);
    log.info({ old, new: next, added: next.filter((k) => !old.includes(k)), removed: old.filter((k) => !next.includes(k)) }, 'endpoints changed');
    return 'changed';
  }

  const tick = async (): Promise<void> => {
    timer = undefined;
    let outcome: SyncOutcome = 'failed';
    try {
      outcome = await runOnce();
    } catch (err) {
      log.warn(errFields(err), 'endpoint sync failed');
    }
    if (ac.signal.aborted) return;
    failures = outcome === 'failed' ? failures + 1 : 0;
    const delay = failures === 0 ? opts.intervalMs : Math.min(opts.intervalMs, opts.initialRetryMs * 2 ** (failures - 1));
    timer = setTimeout(() => void tick(), delay);
  };

  return {
    start() {
      if (ac.signal.aborted || timer) return;
      timer = setTimeout(() => void tick(), 0);
    },
    runOnce,
    close() {
      ac.abort();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
