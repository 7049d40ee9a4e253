// From the runs of a bench to what BENCHMARKS.md shows: per workload and target the median over rounds (with
// min–max), the ratios etcd-edge/etcd-Go and etcd-edge/direct, and the goals checked against them.
import type { TargetId, Workload } from './plan.js';
import { PACED_WORKLOAD, TARGET_IDS } from './plan.js';
import { isNoisy, ratio, summarize } from './stats.js';
import type { Summary } from './stats.js';

/** One measured run. */
export interface RunRecord {
  readonly round: number;
  readonly workload: string;
  readonly target: TargetId;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** wrk only: the 99.9th percentile and the slowest completed request. */
  readonly p999Us?: number;
  readonly maxUs?: number;
  readonly requests: number;
  /** Failed requests (socket errors, non-2xx, timeouts). */
  readonly errors: number;
  /** CPU time of the proxy or gateway process per request, µs (undefined for direct). */
  readonly cpuUsPerReq: number | undefined;
  /** CPU time of the three etcd members per request, µs. */
  readonly membersCpuUsPerReq: number;
  /** Peak RSS (VmHWM) of the proxy or gateway process after the run, MB. */
  readonly rssMb: number | undefined;
  /** How busy the whole machine was during the run (all cores; 100 = every core busy), whoever used it. */
  readonly machineBusyPct: number;
}

/** The rounds of one workload on one target. */
export interface Cell {
  readonly workload: string;
  readonly target: TargetId;
  readonly rps: Summary;
  readonly p50Us: Summary;
  readonly p99Us: Summary;
  readonly p999Us: Summary;
  /** The slowest request of the worst round is the max of maxUs. */
  readonly maxUs: Summary;
  readonly cpuUsPerReq: Summary;
  readonly membersCpuUsPerReq: Summary;
  readonly machineBusyPct: Summary;
  readonly rssMb: number | undefined;
  /**
   * VmHWM right after the first round's run. VmHWM only grows over a process's life, so later rounds also carry
   * the peaks of heavier workloads run in between (1000 connections); this one saw only what came before it.
   */
  readonly firstRoundRssMb: number | undefined;
  readonly errors: number;
}

/** The ratios of one workload (NaN where a side was not measured). */
export interface Ratios {
  readonly workload: string;
  readonly gwVsGo: number;
  readonly gwVsDirect3: number;
  readonly gwP99VsGo: number;
  readonly proxyVsGo: number;
  readonly proxyVsDirect1: number;
  readonly proxyCpuVsGo: number;
  readonly proxyP99VsGo: number;
  /** The native gateway against HAProxy (TCP, 1 thread) and etcd's gateway: throughput and CPU per request. */
  readonly gwVsHaproxy: number;
  readonly gwCpuVsHaproxy: number;
  readonly gwCpuVsGo: number;
  /** The JS data path against HAProxy, for comparison. */
  readonly gwJsVsHaproxy: number;
  readonly gwJsCpuVsHaproxy: number;
}

/** One goal and whether the run met it. */
export interface GoalCheck {
  readonly goal: string;
  readonly value: number;
  readonly met: boolean;
}

/** Groups the runs by workload and target (in reporting order). */
export function cells(runs: readonly RunRecord[], workloads: readonly Workload[]): Cell[] {
  const out: Cell[] = [];
  for (const w of workloads) {
    for (const t of TARGET_IDS) {
      const rs = runs.filter((r) => r.workload === w.id && r.target === t);
      if (rs.length === 0) continue;
      const rss = rs.map((r) => r.rssMb).filter((x): x is number => x !== undefined);
      out.push({
        workload: w.id, target: t,
        rps: summarize(rs.map((r) => r.rps)),
        p50Us: summarize(rs.map((r) => r.p50Us)),
        p99Us: summarize(rs.map((r) => r.p99Us)),
        p999Us: summarize(rs.map((r) => r.p999Us ?? NaN)),
        maxUs: summarize(rs.map((r) => r.maxUs ?? NaN)),
        cpuUsPerReq: summarize(rs.map((r) => r.cpuUsPerReq ?? NaN)),
        membersCpuUsPerReq: summarize(rs.map((r) => r.membersCpuUsPerReq)),
        machineBusyPct: summarize(rs.map((r) => r.machineBusyPct)),
        rssMb: rss.length > 0 ? Math.max(...rss) : undefined,
        firstRoundRssMb: [...rs].sort((a, b) => a.round - b.round).find((r) => r.rssMb !== undefined)?.rssMb,
        errors: rs.reduce((a, r) => a + r.errors, 0),
      });
    }
  }
  return out;
}

/** The cell of one workload and target. */
export function find(cs: readonly Cell[], w: string, t: TargetId): Cell | undefined {
  return cs.find((c) => c.workload === w && c.target === t);
}

/** Computes the ratios of every workload from the medians. */
export function ratios(cs: readonly Cell[], workloads: readonly Workload[]): Ratios[] {
  return workloads.map((w) => {
    const m = (t: TargetId): Cell | undefined => find(cs, w.id, t);
    const goProxy: TargetId = w.tool === 'h2load' ? 'go-grpc-proxy' : 'go-proxy';
    return {
      workload: w.id,
      gwVsGo: ratio(m('edge-gateway')?.rps.median, m('go-gateway')?.rps.median),
      gwVsDirect3: ratio(m('edge-gateway')?.rps.median, m('direct-3')?.rps.median),
      gwP99VsGo: ratio(m('edge-gateway')?.p99Us.median, m('go-gateway')?.p99Us.median),
      // For gRPC, etcd's own proxy is its grpc-proxy (its v2 proxy speaks HTTP/1 only).
      proxyVsGo: ratio(m('edge-proxy')?.rps.median, m(goProxy)?.rps.median),
      proxyVsDirect1: ratio(m('edge-proxy')?.rps.median, m('direct-1')?.rps.median),
      proxyCpuVsGo: ratio(m('edge-proxy')?.cpuUsPerReq.median, m(goProxy)?.cpuUsPerReq.median),
      proxyP99VsGo: ratio(m('edge-proxy')?.p99Us.median, m(goProxy)?.p99Us.median),
      gwVsHaproxy: ratio(m('edge-gateway')?.rps.median, m('haproxy')?.rps.median),
      gwCpuVsHaproxy: ratio(m('edge-gateway')?.cpuUsPerReq.median, m('haproxy')?.cpuUsPerReq.median),
      gwCpuVsGo: ratio(m('edge-gateway')?.cpuUsPerReq.median, m('go-gateway')?.cpuUsPerReq.median),
      gwJsVsHaproxy: ratio(m('edge-gateway-js')?.rps.median, m('haproxy')?.rps.median),
      gwJsCpuVsHaproxy: ratio(m('edge-gateway-js')?.cpuUsPerReq.median, m('haproxy')?.cpuUsPerReq.median),
    };
  });
}

/** Workloads on which the proxy must reach 1.5x etcd's v2 proxy and 0.67x its CPU per request (issue 18). */
const PROXY_GOAL_WORKLOADS = ['v2-get-c32', 'v2-get-c128', 'v3-range', 'v2-get-close'];
/** The many-connections workload, where no request may wait more than 2 s. */
export const MANY_CONNS_WORKLOAD = 'v2-get-c1000';
/** gRPC workloads on which the proxy must match etcd's grpc-proxy in throughput and CPU per request. */
const GRPC_PROXY_GOAL_WORKLOADS = ['grpc-range', 'grpc-range-c32s1'];

/** Checks the goals of issue 10 against a run; a goal whose figures are missing is left out. */
export function goals(rs: readonly Ratios[], cs: readonly Cell[]): GoalCheck[] {
  const out: GoalCheck[] = [];
  const add = (goal: string, value: number, met: (v: number) => boolean): void => {
    if (Number.isFinite(value)) out.push({ goal, value, met: met(value) });
  };
  for (const r of rs) {
    // At a paced rate every target carries the same load: only latency and CPU compare there.
    const paced = r.workload === PACED_WORKLOAD;
    if (!paced) {
      add(`${r.workload}: gateway >= 1.0x etcd gateway`, r.gwVsGo, (v) => v >= 1.0);
      add(`${r.workload}: gateway >= 0.9x direct (3 members)`, r.gwVsDirect3, (v) => v >= 0.9);
    }
    add(`${r.workload}: gateway p99 <= etcd gateway p99`, r.gwP99VsGo, (v) => v <= 1.0);
    if (!paced) add(`${r.workload}: gateway >= 1.0x HAProxy`, r.gwVsHaproxy, (v) => v >= 1.0);
    add(`${r.workload}: gateway CPU/req <= 1.0x HAProxy`, r.gwCpuVsHaproxy, (v) => v <= 1.0);
    if (PROXY_GOAL_WORKLOADS.includes(r.workload)) {
      add(`${r.workload}: proxy >= 1.5x etcd v2 proxy`, r.proxyVsGo, (v) => v >= 1.5);
      add(`${r.workload}: proxy CPU/req <= 0.67x etcd v2 proxy`, r.proxyCpuVsGo, (v) => v <= 0.67);
    }
    if (paced) add(`${r.workload}: proxy CPU/req <= 0.67x etcd v2 proxy`, r.proxyCpuVsGo, (v) => v <= 0.67);
    if (r.workload === 'v2-get-c128' || paced) add(`${r.workload}: proxy p99 <= etcd v2 proxy p99`, r.proxyP99VsGo, (v) => v <= 1.0);
    if (GRPC_PROXY_GOAL_WORKLOADS.includes(r.workload)) {
      add(`${r.workload}: proxy >= 1.0x etcd grpc-proxy`, r.proxyVsGo, (v) => v >= 1.0);
      add(`${r.workload}: proxy CPU per request <= 1.0x etcd grpc-proxy's`, r.proxyCpuVsGo, (v) => v <= 1.0);
    }
  }
  // The peak up to and including the first 128-connection run (only lighter workloads came before it).
  const rss = find(cs, 'v2-get-c128', 'edge-proxy')?.firstRoundRssMb;
  if (rss !== undefined) add('proxy peak RSS <= 60 MB at 128 connections (first round)', rss, (v) => v <= 60);
  const many = find(cs, MANY_CONNS_WORKLOAD, 'edge-proxy');
  if (many !== undefined) add(`${MANY_CONNS_WORKLOAD}: proxy slowest request <= 2 s (ms)`, many.maxUs.max / 1000, (v) => v <= 2000);
  const gwRss = peakRssMb(cs, 'edge-gateway');
  const goRss = peakRssMb(cs, 'go-gateway');
  if (gwRss !== undefined && goRss !== undefined) add(`gateway peak RSS <= 2x etcd gateway's (${goRss.toFixed(0)} MB)`, gwRss / goRss, (v) => v <= 2);
  return out;
}

/** A target's highest peak RSS over every workload, undefined when none was read. */
export function peakRssMb(cs: readonly Cell[], t: TargetId): number | undefined {
  const all = cs.filter((c) => c.target === t && c.rssMb !== undefined).map((c) => c.rssMb as number);
  return all.length > 0 ? Math.max(...all) : undefined;
}

/** Lists the figures whose rounds disagree by more than 15 %: throughput, and p99 of the gateways. */
export function noisy(cs: readonly Cell[]): string[] {
  const out: string[] = [];
  for (const c of cs) {
    if (isNoisy(c.rps)) out.push(`${c.workload} / ${c.target}: req/s spread ${(c.rps.spread * 100).toFixed(0)} %`);
    if (isNoisy(c.p99Us)) out.push(`${c.workload} / ${c.target}: p99 spread ${(c.p99Us.spread * 100).toFixed(0)} %`);
  }
  return out;
}
