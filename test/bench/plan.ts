// What the bench measures: the targets (direct, etcd's Go gateway and v2 proxy, ours), the workloads, and the
// interleaved schedule (every target once per workload per round, the order rotated from round to round).
import type { HttpRequestSpec } from './wrk.js';
import { grpcFrame, putRequest, rangeRequest } from './h2load.js';

/** The targets, in their reporting order. */
export const TARGET_IDS = ['direct-1', 'direct-3', 'go-gateway', 'haproxy', 'edge-gateway', 'edge-gateway-js', 'go-proxy', 'go-grpc-proxy', 'edge-proxy'] as const;

/** A target's name. */
export type TargetId = (typeof TARGET_IDS)[number];

/** How a target is reported. */
export const TARGET_LABELS: Readonly<Record<TargetId, string>> = {
  'direct-1': 'direct, 1 member (follower)',
  'direct-3': 'direct, 3 members',
  'go-gateway': 'etcd gateway (Go)',
  haproxy: 'HAProxy (TCP, 1 thread)',
  'edge-gateway': 'etcd-edge gateway (native)',
  'edge-gateway-js': 'etcd-edge gateway (--data-path js)',
  'go-proxy': 'etcd v2 proxy (Go)',
  'go-grpc-proxy': 'etcd grpc-proxy (Go)',
  'edge-proxy': 'etcd-edge proxy',
};

/** The targets that speak HTTP/2 (etcd's v2 proxy is HTTP/1 and cannot carry gRPC). */
export const GRPC_TARGETS: readonly TargetId[] = ['direct-1', 'direct-3', 'go-gateway', 'haproxy', 'edge-gateway', 'edge-gateway-js', 'go-grpc-proxy', 'edge-proxy'];

/** The targets that speak gRPC only (no v2 or v3 JSON). */
export const GRPC_ONLY_TARGETS: readonly TargetId[] = ['go-grpc-proxy'];

/** One workload. */
export type Workload =
  | { readonly id: string; readonly label: string; readonly tool: 'wrk'; readonly connections: number; readonly request: HttpRequestSpec }
  | { readonly id: string; readonly label: string; readonly tool: 'h2load'; readonly connections: number; readonly streams: number; readonly path: string; readonly frame: Buffer };

/** The paced workload: throughput is fixed by the load generator, so only latency and CPU compare. */
export const PACED_WORKLOAD = 'v2-get-c128-paced';

/** The key every read workload reads (seeded in the v2 and the v3 store). */
export const READ_KEY = 'bench';
/** Its value: 100 bytes. */
export const READ_VALUE = 'v'.repeat(100);
const PUT_KEY = 'bench-put';
const PUT_VALUE = 'p'.repeat(100);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Returns every workload, in reporting order. */
export function allWorkloads(): Workload[] {
  const v2get: HttpRequestSpec = { method: 'GET', path: `/v2/keys/${READ_KEY}` };
  const json = { 'Content-Type': 'application/json' };
  return [
    { id: 'v2-get-c32', label: 'v2 GET, 32 conns', tool: 'wrk', connections: 32, request: v2get },
    { id: 'v2-get-c128', label: 'v2 GET, 128 conns', tool: 'wrk', connections: 128, request: v2get },
    // The same connections at one offered rate (128 conns x 1 request per ~17 ms, about 7,000 req/s, below every
    // target's capacity): latency compared at equal load, not each target at its own saturation.
    { id: PACED_WORKLOAD, label: 'v2 GET, 128 conns, paced (~7k req/s)', tool: 'wrk', connections: 128, request: { ...v2get, delayMs: 16 } },
    { id: 'v3-range', label: 'v3 JSON range, 32 conns', tool: 'wrk', connections: 32,
      request: { method: 'POST', path: '/v3/kv/range', headers: json, body: JSON.stringify({ key: b64(READ_KEY) }) } },
    { id: 'v3-put', label: 'v3 JSON put, 32 conns', tool: 'wrk', connections: 32,
      request: { method: 'POST', path: '/v3/kv/put', headers: json, body: JSON.stringify({ key: b64(PUT_KEY), value: b64(PUT_VALUE) }) } },
    { id: 'v2-get-close', label: 'v2 GET, Connection: close, 32 conns', tool: 'wrk', connections: 32,
      request: { ...v2get, headers: { Connection: 'close' } } },
    { id: 'v2-get-c1000', label: 'v2 GET, 1000 conns', tool: 'wrk', connections: 1000, request: v2get },
    { id: 'grpc-range', label: 'gRPC Range, 12 conns x 8 streams', tool: 'h2load', connections: 12, streams: 8,
      path: '/etcdserverpb.KV/Range', frame: grpcFrame(rangeRequest(READ_KEY)) },
    { id: 'grpc-range-c32s1', label: 'gRPC Range, 32 conns x 1 stream', tool: 'h2load', connections: 32, streams: 1,
      path: '/etcdserverpb.KV/Range', frame: grpcFrame(rangeRequest(READ_KEY)) },
    { id: 'grpc-put', label: 'gRPC Put, 12 conns x 8 streams', tool: 'h2load', connections: 12, streams: 8,
      path: '/etcdserverpb.KV/Put', frame: grpcFrame(putRequest(PUT_KEY, PUT_VALUE)) },
  ];
}

/** The targets a workload runs against. */
export function targetsOf(w: Workload, enabled: readonly TargetId[]): TargetId[] {
  return enabled.filter((t) => (w.tool === 'wrk' ? !GRPC_ONLY_TARGETS.includes(t) : GRPC_TARGETS.includes(t)));
}

/** One measurement to make. */
export interface Step {
  readonly round: number;
  readonly workload: Workload;
  readonly target: TargetId;
}

/**
 * Interleaves the runs: round by round, workload by workload, each target once, the target order rotated by
 * one more place every round and every workload, so no target always runs first (or right after another).
 */
export function schedule(rounds: number, workloads: readonly Workload[], targets: readonly TargetId[]): Step[] {
  const steps: Step[] = [];
  for (let r = 0; r < rounds; r++) {
    workloads.forEach((w, wi) => {
      const ts = targetsOf(w, targets);
      const shift = ts.length === 0 ? 0 : (r + wi) % ts.length;
      for (const target of [...ts.slice(shift), ...ts.slice(0, shift)]) steps.push({ round: r, workload: w, target });
    });
  }
  return steps;
}

/** Returns the wrk connection and thread counts for a target: one thread per member for "direct, 3 members". */
export function wrkShape(target: TargetId, connections: number): { threads: number; connections: number } {
  // wrk gives each thread connections/threads: round up to a multiple of 3 so no member gets fewer.
  if (target === 'direct-3') return { threads: 3, connections: Math.ceil(connections / 3) * 3 };
  return { threads: 2, connections };
}
