// The live status behind `up`'s page and /api/status: one sampler polls the members and reads the edge
// components' metrics every second, and keeps a few minutes of rates (requests/s, bytes/s, raft index/s).
import { sleep } from '../core/lifecycle.js';
import type { EdgeComponent } from '../core/edge.js';
import { edgeView } from './status-edge.js';
import type { EdgeCounters } from './status-edge.js';
import type { ClusterStatus } from './status.js';
import { buildStatusDoc } from './status-json.js';
import type { EdgeView, ProcessView, StatusDoc } from './status-json.js';

/** What the sampler reads. */
export interface StatusSamplerConfig {
  readonly collect: () => Promise<ClusterStatus>;
  readonly processOf?: (endpoint: string) => ProcessView | undefined;
  readonly edge?: () => readonly EdgeComponent[];
  readonly intervalMs: number;
  /** How many samples of history to keep (300 at 1 s: five minutes). */
  readonly keep: number;
  /** Adds to each document (the multi-host view). */
  readonly decorate?: (doc: StatusDoc) => Promise<StatusDoc>;
}

/** A running sampler. */
export interface StatusSampler {
  start(): void;
  close(): Promise<void>;
  /** Returns the newest document with its history, or undefined before the first sample. */
  current(): StatusDoc | undefined;
}

interface Point { readonly t: number; readonly requests: number; readonly raftIndex: number }

/** Creates the sampler; start() begins polling, close() stops it. */
export function createStatusSampler(config: Readonly<StatusSamplerConfig>): StatusSampler {
  const ac = new AbortController();
  let doc: StatusDoc | undefined;
  let loop: Promise<void> | undefined;
  let prev: Point | undefined;
  const time: number[] = [];
  const rps: number[] = [];
  const ips: number[] = [];

  const sampleOnce = async (): Promise<void> => {
    const [s, edges] = await Promise.all([config.collect(), Promise.all((config.edge?.() ?? []).map((c) => edgeView(c)))]);
    const built = buildStatusDoc(s, { ...(config.processOf ? { processOf: config.processOf } : {}), edge: edges.map((e) => e.view) });
    const base = config.decorate ? await config.decorate(built) : built;
    const now = Date.now();
    const raftIndex = Math.max(0, ...base.members.map((m) => m.raftIndex ?? 0));
    const requests = edges.reduce((a, e: { counters: EdgeCounters }) => a + e.counters.requests, 0);
    const point = { t: now, requests, raftIndex };
    if (prev) {
      const dt = Math.max(0.001, (now - prev.t) / 1000);
      time.push(now);
      rps.push(Math.max(0, (requests - prev.requests) / dt));
      // A member that cannot answer gives index 0 for a moment; never draw that as a negative rate.
      ips.push(raftIndex >= prev.raftIndex ? (raftIndex - prev.raftIndex) / dt : 0);
      while (time.length > config.keep) { time.shift(); rps.shift(); ips.shift(); }
    }
    if (raftIndex > 0 || !prev) prev = point;
    else prev = { ...point, raftIndex: prev.raftIndex };
    const edge: EdgeView[] = edges.map((e) => e.view);
    doc = { ...base, edge, history: { intervalMs: config.intervalMs, time: [...time], requestsPerSecond: [...rps], raftIndexPerSecond: [...ips] } };
  };

  const run = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      const t0 = Date.now();
      try { await sampleOnce(); } catch { /* keep the last document; the next round tries again */ }
      try { await sleep(Math.max(50, config.intervalMs - (Date.now() - t0)), ac.signal); } catch { return; }
    }
  };

  return {
    start() { loop ??= run(); },
    async close() { ac.abort(); await loop; },
    current: () => doc,
  };
}
