// The one status document behind `status -w json`, `up`'s /api/status and the status page, and its renderings
// for -w table|simple|fields, which follow `etcdctl endpoint status` (its columns, its order) plus HEALTH.
import Table from 'cli-table3';
import type { ClusterStatus } from './status.js';
import { humanBytes } from './status.js';
import type { HostView } from './status-hosts.js';

/** The schema name every document carries; bumped only on incompatible changes. */
export const STATUS_SCHEMA = 'etcd-edge.status/v1';

/** A member's process as `up` supervises it. */
export interface ProcessView {
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
}

/** One member (one endpoint) in the document. */
export interface MemberView {
  readonly endpoint: string;
  readonly name: string | null;
  readonly id: string | null;
  readonly version: string | null;
  readonly dbSize: number | null;
  readonly isLeader: boolean;
  readonly isLearner: boolean;
  readonly raftTerm: number | null;
  readonly raftIndex: number | null;
  readonly raftAppliedIndex: number | null;
  readonly errors: readonly string[];
  readonly health: 'healthy' | 'unhealthy';
  readonly error: string | null;
  /** Present only from `up`, which runs the member. */
  readonly process: ProcessView | null;
}

/** An edge component of the serving process (proxy, gateway, tunnel) with the numbers read from its metrics. */
export interface EdgeView {
  readonly kind: string;
  readonly address: string;
  readonly detail: string;
  readonly stats: Readonly<Record<string, number>>;
  readonly endpoints: readonly { readonly url: string; readonly state: string; readonly requests?: number }[];
}

/** Rates over the last minutes, oldest first (only on a metrics listener, which keeps them). */
export interface HistoryView {
  readonly intervalMs: number;
  readonly time: readonly number[];
  readonly requestsPerSecond: readonly number[];
  readonly raftIndexPerSecond: readonly number[];
}

/** The whole document. */
export interface StatusDoc {
  readonly schema: typeof STATUS_SCHEMA;
  readonly time: string;
  readonly clusterId: string | null;
  readonly leader: string | null;
  readonly allHealthy: boolean;
  readonly members: readonly MemberView[];
  readonly edge: readonly EdgeView[];
  readonly history?: HistoryView;
  /** Present with `status -f topology.yaml --serve`: every host and what its metrics listener reports. */
  readonly hosts?: readonly HostView[];
}

/** Builds the document from collected status; processOf maps an endpoint to up's view of its process. */
export function buildStatusDoc(s: ClusterStatus, opts: { now?: Date; processOf?: (endpoint: string) => ProcessView | undefined; edge?: readonly EdgeView[] } = {}): StatusDoc {
  const members = s.rows.map((r): MemberView => {
    const st = r.status;
    const m = s.members.find((x) => (st && x.id === st.memberId) || x.clientURLs.includes(r.endpoint));
    return {
      endpoint: r.endpoint, name: m?.name || null, id: st?.memberId ?? m?.id ?? null, version: st?.version ?? null,
      dbSize: st?.dbSize ?? null, isLeader: st !== undefined && st.leader === st.memberId, isLearner: st?.isLearner ?? m?.isLearner ?? false,
      raftTerm: st?.raftTerm ?? null, raftIndex: st?.raftIndex ?? null, raftAppliedIndex: st?.raftAppliedIndex ?? null,
      errors: st?.errors ?? [], health: r.healthy ? 'healthy' : 'unhealthy', error: r.healthy ? null : r.error ?? 'unhealthy',
      process: opts.processOf?.(r.endpoint) ?? null,
    };
  });
  const anyStatus = s.rows.find((r) => r.status)?.status;
  return {
    schema: STATUS_SCHEMA, time: (opts.now ?? new Date()).toISOString(), clusterId: anyStatus?.clusterId ?? null,
    leader: members.find((m) => m.isLeader)?.id ?? null, allHealthy: s.allHealthy, members, edge: opts.edge ?? [],
  };
}

const dash = (v: unknown): string => (v === null || v === undefined ? '-' : String(v));
const right = (content: string): { content: string; hAlign: 'right' } => ({ content, hAlign: 'right' });
const healthText = (m: MemberView): string => (m.health === 'healthy' ? 'healthy' : `unhealthy${m.error && m.error !== 'unhealthy' ? `: ${m.error.slice(0, 60)}` : ''}`);

/** Renders `etcdctl -w table endpoint status` columns plus HEALTH, numbers right-aligned. */
export function renderTable(doc: StatusDoc): string {
  const t = new Table({
    head: ['ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX', 'RAFT APPLIED INDEX', 'ERRORS', 'HEALTH'],
    style: { head: [], border: [] },
  });
  for (const m of doc.members) {
    const known = m.id !== null && m.raftTerm !== null;
    t.push([m.endpoint, dash(m.id), dash(m.version), right(m.dbSize === null ? '-' : humanBytes(m.dbSize)),
      known ? String(m.isLeader) : '-', known ? String(m.isLearner) : '-', right(dash(m.raftTerm)), right(dash(m.raftIndex)),
      right(dash(m.raftAppliedIndex)), m.errors.join(', '), healthText(m)]);
  }
  return t.toString();
}

/** Renders etcdctl's -w simple: one comma-separated line per endpoint, in the table's column order. */
export function renderSimple(doc: StatusDoc): string {
  return doc.members.map((m) => [m.endpoint, dash(m.id), dash(m.version), m.dbSize === null ? '-' : humanBytes(m.dbSize),
    String(m.isLeader), String(m.isLearner), dash(m.raftTerm), dash(m.raftIndex), dash(m.raftAppliedIndex), m.errors.join(' '), healthText(m)].join(', ')).join('\n');
}

/** Renders etcdctl's -w fields: `"Key" : value` lines, one block per endpoint. */
export function renderFields(doc: StatusDoc): string {
  return doc.members.map((m) => [
    ['Endpoint', JSON.stringify(m.endpoint)], ['ClusterID', dash(doc.clusterId)], ['MemberID', dash(m.id)], ['Name', JSON.stringify(m.name ?? '')],
    ['Version', JSON.stringify(m.version ?? '')], ['DBSize', dash(m.dbSize)], ['Leader', dash(doc.leader)], ['IsLearner', String(m.isLearner)],
    ['RaftTerm', dash(m.raftTerm)], ['RaftIndex', dash(m.raftIndex)], ['RaftAppliedIndex', dash(m.raftAppliedIndex)],
    ['Errors', JSON.stringify(m.errors)], ['Health', JSON.stringify(m.health)],
  ].map(([k, v]) => `"${k}" : ${v}`).join('\n')).join('\n\n');
}

/** Renders the document in one of the -w formats. */
export function renderStatusDoc(doc: StatusDoc, format: 'table' | 'json' | 'simple' | 'fields'): string {
  if (format === 'json') return JSON.stringify(doc, null, 2);
  if (format === 'simple') return renderSimple(doc);
  if (format === 'fields') return renderFields(doc);
  return renderTable(doc);
}
