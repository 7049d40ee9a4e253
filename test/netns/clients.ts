// Clients run inside bed hosts: real etcdctl (v3, and v2 through the proxies) and curl, plus retry helpers for
// the moments a cluster is electing a leader (gotcha 11: in-flight requests fail, clients must retry).
import type { Bed, ExecResult } from './bed.js';

/** Runs etcdctl in a host; api 2 speaks the v2 HTTP API (what the etcd-edge proxy serves). */
export function etcdctl(bed: Bed, host: string, args: readonly string[], opts: { api?: 2 | 3; timeoutMs?: number } = {}): Promise<ExecResult> {
  return bed.exec(host, 'etcdctl', args, { env: { ETCDCTL_API: String(opts.api ?? 3) }, timeoutMs: opts.timeoutMs ?? 20_000 });
}

/** Runs curl in a host and returns the HTTP status code and body (status 0 when no connection was made). */
export async function curl(bed: Bed, host: string, args: readonly string[], timeoutMs = 15_000): Promise<{ status: number; body: string; code: number }> {
  const marker = '\n@@status=';
  const r = await bed.exec(host, 'curl', ['-sS', '--max-time', String(Math.ceil(timeoutMs / 1000) - 1), '-w', `${marker}%{http_code}`, ...args], { timeoutMs });
  const i = r.stdout.lastIndexOf(marker);
  const status = i === -1 ? 0 : Number(r.stdout.slice(i + marker.length));
  return { status, body: i === -1 ? r.stdout : r.stdout.slice(0, i), code: r.code };
}

/** Describes a failed command for an assertion message. */
export function why(r: ExecResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout.trim().slice(-1500)}\nstderr: ${r.stderr.trim().slice(-1500)}`;
}

/** Repeats fn until it returns a result passing ok, or the timeout passes; returns the last result either way. */
export async function retry<T>(fn: () => Promise<T>, ok: (r: T) => boolean, timeoutMs = 30_000, stepMs = 300): Promise<{ result: T; attempts: number }> {
  const t0 = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const result = await fn();
    if (ok(result) || Date.now() - t0 > timeoutMs) return { result, attempts };
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** One endpoint's `endpoint status` row, with the IDs kept as strings (they exceed 2^53). */
export interface EndpointRow { readonly endpoint: string; readonly memberId: string; readonly leader: string; readonly raftTerm: string }

/** Runs `etcdctl endpoint status -w json` in host against endpoints; rows of the endpoints that answered. */
export async function endpointStatus(bed: Bed, host: string, endpoints: readonly string[]): Promise<EndpointRow[]> {
  const r = await etcdctl(bed, host, ['--endpoints', endpoints.join(','), '--dial-timeout', '2s', '--command-timeout', '3s', 'endpoint', 'status', '-w', 'json']);
  const json = r.stdout.trim();
  if (!json.startsWith('[')) return [];
  const rows = JSON.parse(json.replace(/"(cluster_id|member_id|leader|raft_term)":(\d+)/g, '"$1":"$2"')) as {
    Endpoint: string; Status: { header: { member_id: string; raft_term: string }; leader: string };
  }[];
  return rows.map((x) => ({ endpoint: x.Endpoint, memberId: x.Status.header.member_id, leader: x.Status.leader, raftTerm: x.Status.header.raft_term }));
}
