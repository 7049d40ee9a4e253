// The status table `up` and `status` print: one row per member, as `etcdctl endpoint status -w table` shows it,
// plus health, and the member list. Gathering is separate from rendering so tests can check both.
import Table from 'cli-table3';
import { endpointStatus, isHealthy, memberList } from '../etcd/index.js';
import type { EndpointStatus, EtcdMember } from '../etcd/index.js';
import type { ClientTlsOptions } from '../core/tls.js';

/** One row of the status table. */
export interface StatusRow {
  readonly endpoint: string;
  readonly status: EndpointStatus | undefined;
  readonly healthy: boolean;
  readonly error: string | undefined;
}

/** The whole picture of a cluster. */
export interface ClusterStatus {
  readonly rows: readonly StatusRow[];
  readonly members: readonly EtcdMember[];
  readonly allHealthy: boolean;
}

/** An edge component shown under the member table (proxy, gateway, tunnel). */
export interface EdgeRow {
  readonly kind: string;
  readonly address: string;
  readonly detail: string;
}

/** Formats bytes the way etcdctl does (go-humanize SI: 20 kB, 1.2 MB). */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  // Go's %.0f rounds half to even (20.5 → 20), which is what etcdctl prints.
  const whole = Math.abs(val % 1) === 0.5 ? 2 * Math.round(val / 2) : Math.round(val);
  return `${val < 10 ? val.toFixed(1) : String(whole)} ${units[e] ?? 'B'}`;
}

/** Gathers status and health for each endpoint, expanding to every member's client URLs when cluster is set. */
export async function collectStatus(endpoints: readonly string[], opts: { tls?: ClientTlsOptions; cluster?: boolean; timeoutMs?: number } = {}): Promise<ClusterStatus> {
  const call = { timeoutMs: opts.timeoutMs ?? 3000, ...(opts.tls ? { tls: opts.tls } : {}) };
  let members: EtcdMember[] = [];
  for (const ep of endpoints) {
    try {
      members = await memberList(ep, call);
      break;
    } catch {
      // try the next endpoint
    }
  }
  const targets = opts.cluster && members.length > 0
    ? [...new Set(members.flatMap((m) => (m.clientURLs.length ? [m.clientURLs[0] ?? ''] : [`(unstarted ${m.id})`])))]
    : [...endpoints];
  const rows = await Promise.all(targets.map(async (endpoint): Promise<StatusRow> => {
    if (endpoint.startsWith('(')) return { endpoint, status: undefined, healthy: false, error: 'member not started' };
    try {
      const [status, healthy] = await Promise.all([endpointStatus(endpoint, call), isHealthy(endpoint, call)]);
      return { endpoint, status, healthy, error: healthy ? undefined : 'unhealthy' };
    } catch (err) {
      return { endpoint, status: undefined, healthy: false, error: (err as Error).message };
    }
  }));
  return { rows, members, allHealthy: rows.length > 0 && rows.every((r) => r.healthy) };
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

/** Renders the member list table (etcdctl member list -w table). */
export function renderMemberTable(members: readonly EtcdMember[]): string {
  const t = table(['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER']);
  for (const m of members) {
    t.push([m.id, m.name === '' ? 'unstarted' : 'started', m.name, m.peerURLs.join(','), m.clientURLs.join(','), String(m.isLearner)]);
  }
  return t.toString();
}

/** Renders the edge components table. */
export function renderEdgeTable(rows: readonly EdgeRow[]): string {
  const t = table(['EDGE', 'ADDRESS', 'DETAIL']);
  for (const r of rows) t.push([r.kind, r.address, r.detail]);
  return t.toString();
}
